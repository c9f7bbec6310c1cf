"""Base classes for the API: every viewset is scoped by `restrict()` in one place."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.request import Request

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


class ScopedViewSetMixin:
    """Set `scope_area` ("org", "member", …); the queryset is restricted for
    `<area>.<verb>` where the verb follows the HTTP method. Out of scope answers 404."""

    scope_area: str = ""
    request: Request

    def scope_action(self) -> str:
        return f"{self.scope_area}.{HTTP_ACTIONS.get(self.request.method or 'GET', 'view')}"

    def get_queryset(self) -> Any:
        qs = super().get_queryset()  # type: ignore[misc]
        return qs.restrict(self.request.user, self.scope_action())


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg,misc]
    pass
