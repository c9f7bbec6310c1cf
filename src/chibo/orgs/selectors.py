"""Reading the organization tree: scoped and as-of aware."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import depth as path_depth
from chibo.core.paths import subtree_q
from chibo.core.scoping import resolve_scope
from chibo.core.text import fold
from chibo.core.validtime import valid_on_q

from .kinds import GRASSROOTS_ORGANIZATION
from .models import LinkRole, Organization, OrgEvent, OrgEventLink, OrgKind, OrgVersion

VIEW = "org.view"


def organizations(*, user: Any, action: str = VIEW) -> QuerySet[Organization]:
    return Organization.objects.restrict(user, action)


def versions(*, user: Any, action: str = VIEW) -> QuerySet[OrgVersion]:
    return OrgVersion.objects.restrict(user, action)


def versions_on(*, user: Any, on: dt.date) -> QuerySet[OrgVersion]:
    """Every organization as it was on `on`, within the user's scope."""
    return (
        versions(user=user)
        .filter(valid_on_q(on))
        .select_related("org", "kind", "parent", "org__admin_unit")
        .annotate(
            has_children=Exists(
                OrgVersion.objects.filter(parent_id=OuterRef("org_id")).filter(valid_on_q(on))
            )
        )
    )


def org_get(*, user: Any, code: str) -> Organization:
    """The organization with this code, if the user may see it (else DoesNotExist)."""
    return organizations(user=user).select_related("admin_unit").get(code=code)


def version_on(org: Organization, on: dt.date) -> OrgVersion | None:
    return org.version_on(on)


def version_on_or_last(org: Organization, on: dt.date) -> tuple[OrgVersion | None, bool]:
    """The version on `on`, or the nearest one (with False) when the organization did not exist."""
    v = org.version_on(on)
    if v is not None:
        return v, True
    before = org.versions.select_related("kind", "parent").filter(valid_from__lte=on).order_by("-valid_from").first()
    after = org.versions.select_related("kind", "parent").filter(valid_from__gt=on).order_by("valid_from").first()
    return before or after, False


def org_children(*, user: Any, org: Organization, on: dt.date) -> QuerySet[OrgVersion]:
    return versions_on(user=user, on=on).filter(parent=org).order_by("kind__rank", "search_key", "name")


def org_roots(*, user: Any, on: dt.date) -> list[OrgVersion]:
    """The top of what the user may see on `on`: provinces for an administrator, the assigned
    nodes for everyone else."""
    scope = resolve_scope(user, VIEW)
    qs = versions_on(user=user, on=on)
    if scope.everything:
        return list(qs.filter(parent__isnull=True).order_by("name"))
    tops = list(qs.filter(path__in=list(scope.paths)).order_by("path"))
    out: list[OrgVersion] = []
    for v in tops:
        if not any(v.path.startswith(o.path) for o in out):
            out.append(v)
    return sorted(out, key=lambda v: (v.kind.rank, v.search_key))


def org_search(*, user: Any, q: str, on: dt.date, limit: int = 50) -> QuerySet[OrgVersion]:
    key = fold(q)
    qs = versions_on(user=user, on=on)
    if not key:
        return qs.none()
    return qs.filter(Q(search_key__contains=key) | Q(org__code__iexact=q.strip())).order_by(
        "kind__rank", "search_key"
    )[:limit]


def all_kind_keys() -> list[str]:
    return list(OrgKind.objects.order_by("rank", "key").values_list("key", flat=True))


def org_counts(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    """Organizations under `org` (not counting itself) on `on`, by kind, plus
    `grassroots_party_organization` (the two grassroots kinds together)."""
    kinds = {k.key: k for k in OrgKind.objects.all()}
    counts: dict[str, int] = {key: 0 for key in all_kind_keys()}
    qs = versions(user=user).filter(valid_on_q(on))
    if org is not None:
        root = org.version_on(on)
        if root is None:
            counts[GRASSROOTS_ORGANIZATION] = 0
            return counts
        qs = qs.filter(subtree_q(root.path, include_self=False))
    rows = {
        r["kind__key"]: r["n"]
        for r in qs.order_by().values("kind__key").annotate(n=Count("id"))
    }
    for key, n in rows.items():
        counts[key] = n
    counts[GRASSROOTS_ORGANIZATION] = sum(n for key, n in rows.items() if kinds[key].is_grassroots)
    return counts


def labelled_counts(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """Non-zero counts as (key, translated label, number), kinds in tree order, the grassroots
    total last."""
    labels = {k.key: k.label for k in OrgKind.objects.all()}
    labels[GRASSROOTS_ORGANIZATION] = str(_("Grassroots party organizations (both kinds)"))
    return [(key, labels.get(key, key), n) for key, n in counts.items() if n]


@dataclass
class LineageNode:
    org: Organization
    name: str
    event: OrgEvent | None
    children: list[LineageNode] = field(default_factory=list)


def _lineage(org: Organization, towards: str, seen: set[int], visible: set[int]) -> list[LineageNode]:
    mine, other = (
        (LinkRole.SUCCESSOR, LinkRole.PREDECESSOR)
        if towards == "past"
        else (LinkRole.PREDECESSOR, LinkRole.SUCCESSOR)
    )
    events = OrgEvent.objects.filter(links__org=org, links__role=mine).select_related("decision")
    out: list[LineageNode] = []
    for event in events.order_by("on", "id"):
        links = OrgEventLink.objects.filter(event=event, role=other).select_related("org")
        for link in links:
            if link.org_id in seen or link.org_id not in visible:
                continue
            seen.add(link.org_id)
            last = link.org.latest_version()
            node = LineageNode(org=link.org, name=last.name if last else link.org.code, event=event)
            node.children = _lineage(link.org, towards, seen, visible)
            out.append(node)
    return out


def org_lineage(*, user: Any, org: Organization) -> dict[str, list[LineageNode]]:
    """Where the unit came from (`past`) and what it became (`future`), through merges, splits
    and dissolutions into a destination."""
    related = set(
        OrgEventLink.objects.filter(event__links__org=org).values_list("org_id", flat=True)
    )
    # Lineage may run several steps; allow everything the user may see.
    visible = set(organizations(user=user).values_list("pk", flat=True)) if related else set()
    return {
        "past": _lineage(org, "past", {org.pk}, visible),
        "future": _lineage(org, "future", {org.pk}, visible),
    }


def org_changes(
    *, user: Any, org: Organization, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[OrgEvent]:
    """Structural changes to `org` or anything ever under it, within [start, end]."""
    paths = list(org.versions.values_list("path", flat=True).distinct())
    under = Q(pk__in=[])
    for p in paths:
        under |= subtree_q(p)
    org_ids = versions(user=user).filter(under).values("org_id")
    qs = OrgEvent.objects.filter(links__org_id__in=org_ids).distinct()
    if start:
        qs = qs.filter(on__gte=start)
    if end:
        qs = qs.filter(on__lte=end)
    # an event may also link organizations the user may not see (a merged neighbour): list only
    # the visible ones
    visible_links = OrgEventLink.objects.filter(
        org_id__in=organizations(user=user).values("pk")
    ).select_related("org")
    return (
        qs.select_related("decision")
        .prefetch_related(Prefetch("links", queryset=visible_links))
        .order_by("-on", "-id")
    )


TreeRow = tuple[int, "int | None", str, str, str, str]  # org id, parent id, code, name, kind, path


def tree_rows_as_of(*, user: Any, on: dt.date, root: Organization | None = None,
                    depth: int | None = None) -> list[TreeRow]:
    """The (visible) tree on `on`, or `root`'s subtree, as plain rows in path order: one query for
    the nodes (and one for the root's path). `depth` limits the levels: below `root`, or from the
    top (1 = the top organizations only)."""
    qs = versions(user=user).filter(valid_on_q(on))
    root_path = ""
    if root is not None:
        root_path = root.versions.filter(valid_on_q(on)).values_list("path", flat=True).first() or ""
        if not root_path:
            return []
        qs = qs.filter(subtree_q(root_path))
    if depth is not None:
        qs = qs.filter(depth__lte=path_depth(root_path) + depth if root_path else depth)
    return list(qs.order_by("path").values_list("org_id", "parent_id", "org__code", "name", "kind__key", "path"))


def nest(rows: list[TreeRow], extra: Callable[[TreeRow], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Rows in path order as nested dicts (code, name, kind, what `extra` adds, children)."""
    nodes: dict[int, dict[str, Any]] = {}
    tops: list[dict[str, Any]] = []
    for row in rows:  # plain rows: no model instances per node
        org_id, parent_id, code, name, kind, _path = row
        node = {"code": code, "name": name, "kind": kind, **(extra(row) if extra else {}), "children": []}
        nodes[org_id] = node
        parent = nodes.get(parent_id) if parent_id else None
        (parent["children"] if parent else tops).append(node)
    return tops


def tree_as_of(*, user: Any, on: dt.date, root: Organization | None = None) -> list[dict[str, Any]]:
    """The whole (visible) tree on `on` as nested dicts, for exports and the API."""
    return nest(tree_rows_as_of(user=user, on=on, root=root))
