from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from chibo.core.validtime import as_of, today

from .models import ApiToken, RoleAssignment, User


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
    cache = target.__dict__.setdefault("_chibo_requires_two_step", [])
    if not cache:
        cache.append(
            as_of(
                RoleAssignment.objects.filter(user=target, role__requires_two_step=True), today()
            ).exists()
        )
    return bool(cache[0])
