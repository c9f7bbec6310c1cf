"""Base classes for the API: every viewset is scoped by `restrict()` in one place."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from .scoping import OutOfScopeWrite, recheck_in_scope

# HTTP method -> action verb (NetBox HTTP_ACTIONS)
HTTP_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "change",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "change",
}


def check_query_parameters(request: Request) -> None:
    """The API contract's rule for every query parameter (the schema states it: `minLength: 1` and
    a pattern without NUL, `api_schema.constrain_strings`): a parameter that is present has a
    value, and no value holds a NUL character. A filter left empty is left out, not sent empty."""
    errors: dict[str, list[str]] = {}
    for name, values in request.query_params.lists():
        if any(value == "" for value in values):
            errors[name] = [_("This parameter is empty: give it a value, or leave it out.")]
        elif any("\x00" in value for value in values):
            errors[name] = [_("This parameter holds a NUL character.")]
    if errors:
        raise ValidationError(errors)


TRUE, FALSE = ("true", "1"), ("false", "0")
INT64 = (-(2**63), 2**63 - 1)  # what the schema's integer query parameters allow (api_schema)


def db_int(raw: str) -> int:
    """`int(raw)`, and a ValueError too when the number does not fit the database's 64-bit
    integers (PostgreSQL would compare it and answer nothing, where the schema forbids it)."""
    value = int(raw)
    if not INT64[0] <= value <= INT64[1]:
        raise ValueError(raw)
    return value


def query_flag(request: Request, name: str) -> bool:
    """A boolean query parameter: `true`/`1` or `false`/`0`, absent is false; anything else is
    the client's error (400), as the schema's `boolean` says."""
    raw = request.query_params.get(name)
    if raw is None or raw in FALSE:
        return False
    if raw in TRUE:
        return True
    raise ValidationError({name: [_("Enter true or false.")]})


class ScopedViewSetMixin:
    """Set `scope_area` ("org", "member", …); the queryset is restricted for
    `<area>.<verb>` where the verb follows the HTTP method. Out of scope answers 404."""

    scope_area: str = ""
    request: Request

    def scope_action(self) -> str:
        return f"{self.scope_area}.{HTTP_ACTIONS.get(self.request.method or 'GET', 'view')}"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        check_query_parameters(request)

    def get_queryset(self) -> Any:
        qs = super().get_queryset()  # type: ignore[misc]
        return qs.restrict(self.request.user, self.scope_action())

    # Writes (for viewsets that allow them): the object must still be in the user's scope after
    # the write, checked inside the write's transaction, or the write is undone and answers 404.
    def _scoped_write(self, write: Any, serializer: Any) -> None:
        try:
            with transaction.atomic():
                write(serializer)
                model = serializer.instance.__class__
                recheck_in_scope(self.request.user, self.scope_action(), model._default_manager.all(),
                                 [serializer.instance.pk])
        except OutOfScopeWrite as exc:
            raise Http404 from exc

    def perform_create(self, serializer: Any) -> None:
        self._scoped_write(super().perform_create, serializer)  # type: ignore[misc]

    def perform_update(self, serializer: Any) -> None:
        self._scoped_write(super().perform_update, serializer)  # type: ignore[misc]


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg,misc]
    pass
