"""Turning a user's role assignments into a `Scope` (the resolver named in settings)."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, CharField, Exists, OuterRef, Subquery

from chibo.core.scoping import Scope
from chibo.core.validtime import as_of, today

from .models import RoleAssignment


def _grants(action: str, actions: list[str]) -> bool:
    if "*" in actions or action in actions:
        return True
    area = action.split(".", 1)[0]
    return f"{area}.*" in actions


# Reading actions (`<area>.view`, `.view_sensitive`, `.reads`) reach the history a successor
# inherits; writing actions never do: the predecessors' records are read-only to it.
_INHERITING_VERBS = frozenset({"view", "view_sensitive", "reads"})


def inherited_org_ids(org_ids: list[int]) -> set[int]:
    """The organizations whose history the given ones inherit: their predecessors in every merge,
    split or dissolution they were the successor of, and those predecessors' own, to any depth
    (one query per generation). Staff of a province or commune that absorbed others see the
    absorbed units' history; nobody else does (issue 18, item 4)."""
    from chibo.orgs.models import LinkRole, OrgEventLink

    seen = set(org_ids)
    frontier = set(org_ids)
    while frontier:
        events = OrgEventLink.objects.filter(org_id__in=frontier, role=LinkRole.SUCCESSOR).values("event_id")
        found = set(
            OrgEventLink.objects.filter(event_id__in=events, role=LinkRole.PREDECESSOR)
            .values_list("org_id", flat=True)
        ) - seen
        seen |= found
        frontier = found
    return seen - set(org_ids)


class _Paths(Aggregate):
    """The distinct paths of a group of organization versions, comma-separated (a path is digits)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s(DISTINCT %(expressions)s, ',')", **extra)


def current_assignments(user: Any) -> list[RoleAssignment]:
    """The user's role assignments valid today, with their roles: read once per request (memoised
    on the user object, as `core.scoping` memoises the scopes; `forget_scope` drops it). Each
    carries, from the same query, every path its node ever had (`node_paths`, comma-separated)
    and whether the node succeeded others in a merge, split or dissolution (`node_succeeded`), so
    resolving a scope reads nothing more unless the node inherits predecessors' history."""
    from chibo.orgs.models import LinkRole, OrgEventLink, OrgVersion

    day = today()
    memo = user.__dict__.get("_chibo_scope_assignments")
    if memo is None or memo[0] != day:
        paths = (OrgVersion.objects.filter(org_id=OuterRef("org_id")).order_by()
                 .values("org_id").annotate(p=_Paths("path")).values("p"))
        succeeded = OrgEventLink.objects.filter(org_id=OuterRef("org_id"), role=LinkRole.SUCCESSOR)
        qs = (RoleAssignment.objects.filter(user=user).select_related("role")
              .annotate(node_paths=Subquery(paths), node_succeeded=Exists(succeeded)))
        memo = (day, list(as_of(qs, day)))
        user.__dict__["_chibo_scope_assignments"] = memo
    return memo[1]


def _paths(user: Any, org_ids: list[int], inherit: bool) -> tuple[str, ...]:
    """Every path the nodes (and, when `inherit`, their predecessors) ever had; actions of one user
    that reach the same nodes share the answer within the request. The nodes' own paths come with
    the assignments; predecessors are looked up only for nodes that succeeded others."""
    inherited: dict[frozenset[int], frozenset[int]] = user.__dict__.setdefault("_chibo_scope_inherited", {})
    memo: dict[frozenset[int], tuple[str, ...]] = user.__dict__.setdefault("_chibo_scope_paths", {})
    known: dict[int, tuple[tuple[str, ...], bool]] = {
        a.org_id: (tuple(filter(None, (getattr(a, "node_paths", None) or "").split(","))),
                   bool(getattr(a, "node_succeeded", True)))
        for a in current_assignments(user) if a.org_id is not None
    }
    ids = frozenset(org_ids)
    if inherit:
        successors = frozenset(i for i in ids if i not in known or known[i][1])
        if successors:
            if successors not in inherited:
                inherited[successors] = frozenset(inherited_org_ids(list(successors))) - ids
            ids |= inherited[successors]
    if ids not in memo:
        from chibo.orgs.models import OrgVersion

        found: set[str] = set()
        unknown = set()
        for i in ids:
            if i in known:
                found.update(known[i][0])
            else:
                unknown.add(i)
        if unknown:
            found.update(OrgVersion.objects.filter(org_id__in=unknown).values_list("path", flat=True))
        memo[ids] = tuple(sorted(found))
    return memo[ids]


def resolve_scope(user: Any, action: str) -> Scope:
    if user.is_superuser:
        return Scope(everything=True)
    assignments = current_assignments(user)
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
    # Every path the assigned nodes (and, for reading, their predecessors) ever had: history stays
    # visible to the node's holders.
    return Scope(paths=_paths(user, org_ids, action.rpartition(".")[2] in _INHERITING_VERBS))


def scope_fingerprint(user: Any) -> str:
    """What decides every scope of the user, for every action, on today's data: the roles (with
    their actions) held today and where. Two users with the same fingerprint have the same scope
    for any action, including actions resolved through other ones (a secretary's letters), so a
    figure kept under it (reports' cache, with the data version) is never shown to someone who may
    not see its records."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return "-"
    if user.is_superuser:
        return "*"
    rows = sorted(
        (a.role_id, a.role.is_global, tuple(sorted(a.role.actions)), a.org_id or 0)
        for a in current_assignments(user)
    )
    return repr(rows)

