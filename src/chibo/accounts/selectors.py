from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from chibo.core.validtime import as_of, today

from .models import ApiToken, RoleAssignment, User
from .scope import current_assignments


def users(*, user: Any) -> QuerySet[User]:
    return User.objects.restrict(user, "user.view").order_by("username")


def user_get(*, user: Any, pk: int) -> User:
    return users(user=user).get(pk=pk)


def assignments_of(target: User, *, current_only: bool = False) -> QuerySet[RoleAssignment]:
    qs = RoleAssignment.objects.filter(user=target).select_related("role", "org")
    if current_only:
        qs = as_of(qs, today())
    return qs.order_by("-valid_from")


def tokens_of(target: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=target).order_by("-created_at")


def primary_org_path(target: User) -> str:
    """The path of the first current assignment's organization (tags read-log rows)."""
    a = assignments_of(target, current_only=True).exclude(org__isnull=True).first()
    if a is None or a.org is None:
        return ""
    v = a.org.latest_version()
    return v.path if v else ""


def requires_two_step(target: Any) -> bool:
    """One of the user's current roles requires a second sign-in step."""
    # the assignments valid today, read once per request and shared with the scope resolver
    return any(a.role.requires_two_step for a in current_assignments(target))


def current_actions(target: Any) -> frozenset[str]:
    """Every action the user's current roles grant somewhere (one query, memoised on the user
    object for the request). Where they apply is `resolve_scope`'s business; this only answers
    "may this person do X anywhere", e.g. to leave out menu entries they cannot use."""
    cached = target.__dict__.get("_chibo_current_actions")
    if cached is None:
        actions: set[str] = set()
        for assignment in current_assignments(target):
            actions.update(assignment.role.actions or [])
        cached = frozenset(actions)
        target.__dict__["_chibo_current_actions"] = cached
    return cached  # type: ignore[no-any-return]


def holds_action(target: Any, action: str) -> bool:
    if getattr(target, "is_superuser", False):
        return True
    actions = current_actions(target)
    area = action.split(".", 1)[0]
    return "*" in actions or action in actions or f"{area}.*" in actions
