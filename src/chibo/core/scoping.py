"""The one scoping mechanism: `restrict(user, action)` on every scoped queryset.

`core` knows only organization *paths*. Which paths a user holds for an action comes from a
resolver named in settings (`CHIBO_SCOPE_RESOLVER`, provided by `accounts`), so `core` imports
no app. A scoped model says where its path lives by overriding `scope_filter()` on its queryset
or by setting `scope_path_field` on the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.module_loading import import_string

from .paths import any_subtree_q


@dataclass(frozen=True)
class Scope:
    """The subtrees a user may act on. `everything` is the system administrator's scope."""

    paths: tuple[str, ...] = ()
    everything: bool = False
    own_member_ids: tuple[int, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.paths and not self.own_member_ids

    def covers_path(self, path: str | None) -> bool:
        if self.everything:
            return True
        if path is None:
            return False
        return any(path.startswith(p) for p in self.paths)


EMPTY_SCOPE = Scope()


@lru_cache(maxsize=1)
def _resolver() -> Callable[[Any, str], Scope]:
    return import_string(settings.CHIBO_SCOPE_RESOLVER)  # type: ignore[no-any-return]


def resolve_scope(user: Any, action: str) -> Scope:
    """The user's scope for an action, memoised on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cache: dict[str, Scope] = user.__dict__.setdefault("_chibo_scope_cache", {})
    if action not in cache:
        cache[action] = _resolver()(user, action)
    return cache[action]


@lru_cache(maxsize=1)
def _fingerprinter() -> Callable[[Any], str]:
    return import_string(settings.CHIBO_SCOPE_FINGERPRINT)  # type: ignore[no-any-return]


def scope_fingerprint(user: Any) -> str:
    """A string that is equal for two users only when every scope of theirs is the same (the resolver's
    companion named in settings), memoised on the user object for the request."""
    if user is None:
        return "-"
    if "_chibo_scope_fingerprint" not in user.__dict__:
        user.__dict__["_chibo_scope_fingerprint"] = _fingerprinter()(user)
    return str(user.__dict__["_chibo_scope_fingerprint"])


def forget_scope(user: Any) -> None:
    """Drop every scope memo of the user object (the resolver's own, `_chibo_scope_*`, too)."""
    for key in [k for k in user.__dict__ if k.startswith("_chibo_scope")]:
        del user.__dict__[key]


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """Default manager's queryset for every org-scoped model."""

    def scope_filter(self, scope: Scope) -> Q:
        path_field = getattr(self.model, "scope_path_field", None)
        if path_field is None:
            raise NotImplementedError(
                f"{self.model.__name__} must define scope_path_field or override scope_filter()"
            )
        return any_subtree_q(list(scope.paths), path_field)

    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet[_M]:
        scope = resolve_scope(user, action)
        if scope.everything:
            return self.all()
        if scope.is_empty:
            return self.none()
        return self.filter(self.scope_filter(scope))


class OutOfScopeWrite(Exception):
    """A write left a record outside the writer's scope. Raised inside the write's transaction,
    so that the transaction rolls back and nothing of it stays."""


def recheck_in_scope(user: Any, action: str, queryset: models.QuerySet[Any], pks: Any) -> None:
    """After a write, inside its transaction: every record in `pks` must still be one the user
    may act on (`queryset.restrict(user, action)`), else `OutOfScopeWrite`. Callers let it
    propagate out of `transaction.atomic()`; the views answer 404 as for any record out of scope."""
    wanted = {pk for pk in pks if pk is not None}
    if not wanted:
        return
    restricted = queryset.restrict(user, action)  # type: ignore[attr-defined]
    if isinstance(restricted, ScopedQuerySet) and resolve_scope(user, action).everything:
        return
    found = 0
    ids = sorted(wanted)
    for i in range(0, len(ids), 900):  # below every database's limit of query parameters
        found += restricted.filter(pk__in=ids[i:i + 900]).count()
    if found != len(wanted):
        raise OutOfScopeWrite(f"{queryset.model.__name__}: {len(wanted) - found} record(s) left the scope")


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass
