"""Turning a user's role assignments into a `Scope` (the resolver named in settings)."""

from __future__ import annotations

from typing import Any

from chibo.core.scoping import Scope
from chibo.core.validtime import as_of, today

from .models import RoleAssignment


def _grants(action: str, actions: list[str]) -> bool:
    if "*" in actions or action in actions:
        return True
    area = action.split(".", 1)[0]
    return f"{area}.*" in actions


def resolve_scope(user: Any, action: str) -> Scope:
    if user.is_superuser:
        return Scope(everything=True)
    assignments = as_of(
        RoleAssignment.objects.filter(user=user).select_related("role"), today()
    )
    org_ids: list[int] = []
    for a in assignments:
        if not _grants(action, a.role.actions):
            continue
        if a.role.is_global:
            return Scope(everything=True)
        if a.org_id is not None:
            org_ids.append(a.org_id)
    if not org_ids:
        return Scope()
    # Every path the assigned nodes ever had: history stays visible to the node's holders.
    from chibo.orgs.models import OrgVersion

    paths = OrgVersion.objects.filter(org_id__in=org_ids).values_list("path", flat=True).distinct()
    return Scope(paths=tuple(sorted(set(paths))))
