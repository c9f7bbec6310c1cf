"""A checker for the organization tree: at every date it is a valid forest.

Use `assert_valid_forest()` after any change (it raises AssertionError listing every problem), or
`forest_problems()` to get the list. `snapshot()` captures every row that a refused change must
leave untouched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from chibo.core.paths import SEGMENT_WIDTH, segment
from chibo.orgs.models import Organization, OrgEvent, OrgEventLink, OrgKind, OrgPower, OrgVersion


def _covers(start: dt.date, end: dt.date | None, on: dt.date) -> bool:
    return start <= on and (end is None or on < end)


def forest_problems() -> list[str]:
    problems: list[str] = []
    orgs = {o.pk: o for o in Organization.objects.all()}
    kinds = {k.pk: k for k in OrgKind.objects.all()}
    by_org: dict[int, list[OrgVersion]] = defaultdict(list)
    for v in OrgVersion.objects.order_by("org_id", "valid_from"):
        by_org[v.org_id].append(v)

    def label(org_id: int | None) -> str:
        o = orgs.get(org_id) if org_id is not None else None
        return o.code if o else f"#{org_id}"

    # --- per organization: versions tile its lifetime exactly ---------------------------------
    for org in orgs.values():
        vs = by_org.get(org.pk, [])
        if not vs:
            problems.append(f"{org.code}: no version")
            continue
        if org.valid_to is not None and org.valid_to <= org.valid_from:
            problems.append(f"{org.code}: lifetime [{org.valid_from}, {org.valid_to}) is empty")
        for v in vs:
            if v.valid_to is not None and v.valid_to <= v.valid_from:
                problems.append(f"{org.code}: empty version [{v.valid_from}, {v.valid_to})")
        if vs[0].valid_from != org.valid_from:
            problems.append(
                f"{org.code}: first version starts {vs[0].valid_from}, org established {org.valid_from}"
            )
        if vs[-1].valid_to != org.valid_to:
            problems.append(
                f"{org.code}: last version ends {vs[-1].valid_to}, org dissolved from {org.valid_to}"
            )
        for a, b in zip(vs, vs[1:], strict=False):
            if a.valid_to is None or a.valid_to > b.valid_from:
                problems.append(
                    f"{org.code}: versions overlap [{a.valid_from}, {a.valid_to}) and "
                    f"[{b.valid_from}, {b.valid_to})"
                )
            elif a.valid_to < b.valid_from:
                problems.append(f"{org.code}: gap between {a.valid_to} and {b.valid_from}")
        for v in vs:
            if v.valid_from < org.valid_from or (
                org.valid_to is not None and (v.valid_to is None or v.valid_to > org.valid_to)
            ):
                problems.append(
                    f"{org.code}: version [{v.valid_from}, {v.valid_to}) outside the lifetime "
                    f"[{org.valid_from}, {org.valid_to})"
                )
    for org_id in by_org:
        if org_id not in orgs:
            problems.append(f"version of a missing organization #{org_id}")

    # --- at every date where anything changes: a valid forest ---------------------------------
    dates: set[dt.date] = set()
    for vs in by_org.values():
        for v in vs:
            dates.add(v.valid_from)
            if v.valid_to is not None:
                dates.add(v.valid_to)
    for o in orgs.values():
        dates.add(o.valid_from)
        if o.valid_to is not None:
            dates.add(o.valid_to)

    for d in sorted(dates):
        at: dict[int, OrgVersion] = {}
        for org_id, vs in by_org.items():
            valid = [v for v in vs if _covers(v.valid_from, v.valid_to, d)]
            org = orgs.get(org_id)
            alive = org is not None and _covers(org.valid_from, org.valid_to, d)
            if alive and len(valid) != 1:
                problems.append(f"{d}: {label(org_id)} is alive with {len(valid)} versions")
            if not alive and valid:
                problems.append(f"{d}: {label(org_id)} is not alive but has a version")
            if valid:
                at[org_id] = valid[0]
        for org_id, v in at.items():
            kind = kinds[v.kind_id]
            own = segment(org_id)
            if v.depth != len(v.path) // SEGMENT_WIDTH or len(v.path) % SEGMENT_WIDTH:
                problems.append(f"{d}: {label(org_id)} depth {v.depth} does not match {v.path!r}")
            if v.parent_id is None:
                if v.path != own:
                    problems.append(f"{d}: root {label(org_id)} has path {v.path!r}, not {own!r}")
                if not kind.may_be_root:
                    problems.append(f"{d}: {label(org_id)} ({kind.key}) is a root")
                continue
            if v.parent_id == org_id:
                problems.append(f"{d}: {label(org_id)} is its own parent")
                continue
            pv = at.get(v.parent_id)
            if pv is None:
                problems.append(
                    f"{d}: {label(org_id)}'s parent {label(v.parent_id)} has no version"
                )
                continue
            if v.path != pv.path + own:
                problems.append(
                    f"{d}: {label(org_id)} path {v.path!r} != parent path {pv.path!r} + {own}"
                )
            parent_kind = kinds[pv.kind_id]
            if parent_kind.key not in kind.parent_kinds:
                problems.append(
                    f"{d}: {label(org_id)} ({kind.key}) under {label(v.parent_id)} "
                    f"({parent_kind.key})"
                )
        # no cycle: following parents ends at a root within len(at) steps
        for org_id in at:
            seen = {org_id}
            cur = at[org_id].parent_id
            while cur is not None:
                if cur in seen:
                    problems.append(f"{d}: cycle through {label(org_id)}")
                    break
                seen.add(cur)
                nxt = at.get(cur)
                cur = nxt.parent_id if nxt else None

    # --- lineage: what a change links existed on its date -----------------------------------
    for link in OrgEventLink.objects.select_related("event").exclude(role="subject"):
        org = orgs.get(link.org_id)
        on = link.event.on
        if org is not None and not (
            org.valid_from <= on and (org.valid_to is None or on <= org.valid_to)
        ):
            problems.append(
                f"{link.event.type} on {on}: {link.role} {org.code} exists only "
                f"[{org.valid_from}, {org.valid_to})"
            )
    return problems


def assert_valid_forest() -> None:
    problems = forest_problems()
    assert not problems, "the tree is not a valid forest:\n  " + "\n  ".join(problems)


def snapshot() -> dict[str, Any]:
    """Everything a refused change must leave as it was."""
    return {
        "orgs": sorted(
            Organization.objects.values_list("pk", "code", "sector", "admin_unit_id", "valid_from",
                                             "valid_to")
        ),
        "versions": sorted(
            OrgVersion.objects.values_list("pk", "org_id", "name", "search_key", "kind_id",
                                           "parent_id", "path", "depth", "valid_from", "valid_to",
                                           "event_id")
        ),
        "events": OrgEvent.objects.count(),
        "links": OrgEventLink.objects.count(),
        "powers": sorted(OrgPower.objects.values_list("pk", "org_id", "power", "valid_from", "valid_to")),
    }


def counts() -> dict[str, int]:
    from chibo.core.models import AuditEvent
    from chibo.orgs.models import Decision

    return {
        "organizations": Organization.objects.count(),
        "versions": OrgVersion.objects.count(),
        "events": OrgEvent.objects.count(),
        "links": OrgEventLink.objects.count(),
        "audit": AuditEvent.objects.count(),
        "decisions": Decision.objects.count(),
    }
