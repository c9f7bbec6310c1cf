"""The bulk path for establishing many organizations at once (generated datasets, initial loads).

`orgs_bulk_create` checks the whole batch in Python by the same forest rules as the services
(`services._fit_to_parent` and friends): valid and unused codes, known sectors and kinds, a kind
in use on its establishment date, only under the kinds it may sit under (a cell is never above a
committee), a root only where the kind may be one, no cycle, and no child outliving its parent
(valid-time containment). Then, in one transaction, it writes the organizations, their first
versions with materialized paths, one establishment event per date (linked to every organization
it establishes) and one audit event for the batch, with `executemany` (`core.bulk.insert_rows`).
Any error: `OrgBulkError` listing every bad spec, and nothing is written.

The batch only establishes organizations (one version each). A parent that already exists must
keep one version (same path) over the whole period of its new children; otherwise the services
(which split versions) are the way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from chibo.core.audit import audit_log
from chibo.core.bulk import allocate_ids, insert_rows
from chibo.core.paths import child_path, depth
from chibo.core.text import fold, normalize_text

from .models import (
    EventType,
    LinkRole,
    Organization,
    OrgEvent,
    OrgEventLink,
    OrgKind,
    OrgVersion,
    Sector,
)
from .services import CODE_RE


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    parent: str | None  # the parent's code: in the batch, or already stored
    valid_from: dt.date
    valid_to: dt.date | None = None
    sector: str = Sector.OTHER
    admin_unit_id: int | None = None


@dataclass(frozen=True)
class SpecError:
    index: int
    field: str
    message: str


class OrgBulkError(Exception):
    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__(f"{len(errors)} errors: " + "; ".join(f"#{e.index} {e.field}: {e.message}"
                                                               for e in errors[:5]))
        self.errors = errors


@dataclass
class _Parent:
    """A parent already stored: its one version over the children's period."""

    org_id: int
    kind: str
    path: str
    valid_from: dt.date
    valid_to: dt.date | None


def _stored_parents(codes: set[str]) -> dict[str, list[_Parent]]:
    out: dict[str, list[_Parent]] = {}
    codes_list = sorted(codes)
    for i in range(0, len(codes_list), 500):
        rows = (OrgVersion.objects.filter(org__code__in=codes_list[i:i + 500])
                .values_list("org__code", "org_id", "kind__key", "path", "valid_from", "valid_to"))
        for code, org_id, kind, path, start, end in rows:
            out.setdefault(code, []).append(_Parent(org_id, kind, path, start, end))
    return out


def _contains(p_from: dt.date, p_to: dt.date | None, c_from: dt.date, c_to: dt.date | None) -> bool:
    if c_from < p_from:
        return False
    if p_to is None:
        return True
    return c_to is not None and c_to <= p_to and c_from < p_to


def validate(specs: Sequence[OrgSpec]) -> tuple[list[int], dict[str, _Parent]]:
    """Check the batch; returns the specs' order with parents first and the stored parents
    used. Raises `OrgBulkError` with every problem found."""
    errors: list[SpecError] = []
    kinds = {k.key: k for k in OrgKind.objects.all()}
    by_code: dict[str, int] = {}
    for i, s in enumerate(specs):
        if not CODE_RE.match(s.code or ""):
            errors.append(SpecError(i, "code", f"invalid code {s.code!r}"))
        elif s.code in by_code:
            errors.append(SpecError(i, "code", f"code {s.code} repeated (first at #{by_code[s.code]})"))
        else:
            by_code[s.code] = i
        name = normalize_text(s.name or "")
        if not name or len(name) > 255:
            errors.append(SpecError(i, "name", "the name must have 1 to 255 characters"))
        if s.sector not in Sector.values:
            errors.append(SpecError(i, "sector", f"unknown sector {s.sector}"))
        if s.valid_to is not None and s.valid_to <= s.valid_from:
            errors.append(SpecError(i, "valid_to", "the end must be after the start"))
        kind = kinds.get(s.kind)
        if kind is None:
            errors.append(SpecError(i, "kind", f"unknown kind {s.kind}"))
        elif (kind.valid_from and s.valid_from < kind.valid_from) or (kind.valid_to and s.valid_from >= kind.valid_to):
            errors.append(SpecError(i, "kind", f"the kind {s.kind} is not in use on {s.valid_from}"))
    taken: set[str] = set()
    codes = sorted(by_code)
    for i in range(0, len(codes), 500):
        taken.update(Organization.objects.filter(code__in=codes[i:i + 500]).values_list("code", flat=True))
    for code in sorted(taken):
        errors.append(SpecError(by_code[code], "code", f"the code {code} is already used"))

    outside = {s.parent for s in specs if s.parent is not None and s.parent not in by_code}
    stored = _stored_parents(outside) if outside else {}
    used: dict[str, _Parent] = {}
    for i, s in enumerate(specs):
        kind = kinds.get(s.kind)
        if kind is None:
            continue
        if s.parent is None:
            if not kind.may_be_root:
                errors.append(SpecError(i, "parent", f"a {s.kind} must have a parent"))
            continue
        if s.parent == s.code:
            errors.append(SpecError(i, "parent", "an organization cannot be its own parent"))
            continue
        if s.parent in by_code:
            p = specs[by_code[s.parent]]
            p_kind, p_from, p_to = p.kind, p.valid_from, p.valid_to
        else:
            versions = [v for v in stored.get(s.parent, [])
                        if (v.valid_to is None or v.valid_to > s.valid_from)
                        and (s.valid_to is None or v.valid_from < s.valid_to)]
            if not versions:
                errors.append(SpecError(i, "parent", f"unknown parent {s.parent} (or not alive from {s.valid_from})"))
                continue
            if len(versions) > 1:
                errors.append(SpecError(i, "parent", f"the parent {s.parent} changes during the period; "
                                                     "use the services"))
                continue
            v = versions[0]
            used[s.parent] = v
            p_kind, p_from, p_to = v.kind, v.valid_from, v.valid_to
        if p_kind not in kind.parent_kinds:
            errors.append(SpecError(i, "kind", f"a {s.kind} cannot be placed under a {p_kind} ({s.parent})"))
        if not _contains(p_from, p_to, s.valid_from, s.valid_to):
            errors.append(SpecError(i, "valid_from", f"{s.code} would outlive its parent {s.parent} "
                                                     "(a child cannot outlive its parent)"))

    # parents first; a spec never reached from a root or a stored parent is on a cycle
    children: dict[str, list[int]] = {}
    order: list[int] = []
    for i, s in enumerate(specs):
        if s.parent is None or s.parent not in by_code:
            order.append(i)
        else:
            children.setdefault(s.parent, []).append(i)
    k = 0
    while k < len(order):
        order.extend(children.get(specs[order[k]].code, ()))
        k += 1
    if len(order) < len(specs):
        reached = set(order)
        for i in range(len(specs)):
            if i not in reached and by_code.get(specs[i].code) == i:
                errors.append(SpecError(i, "parent", f"{specs[i].code} is on (or under) a cycle of parents"))
    if errors:
        raise OrgBulkError(sorted(errors, key=lambda e: (e.index, e.field)))
    return order, used


def orgs_bulk_create(
    *, actor: Any, specs: Sequence[OrgSpec], source: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Establish the organizations of `specs` (validated as a whole first), all or nothing.
    Returns code -> new id."""
    with transaction.atomic():
        order, stored = validate(specs)
        kinds = dict(OrgKind.objects.values_list("key", "id"))
        ids = allocate_ids(Organization, len(specs))
        id_of: dict[str, int] = {specs[i].code: pk for i, pk in zip(order, ids, strict=True)}
        paths: dict[str, str] = {code: p.path for code, p in stored.items()}
        parent_ids: dict[str, int] = {code: p.org_id for code, p in stored.items()}
        parent_ids.update(id_of)
        events: dict[dt.date, int] = {}
        actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        for day in sorted({s.valid_from for s in specs}):
            events[day] = OrgEvent.objects.create(type=EventType.ESTABLISH, on=day, note=source,
                                                  actor_id=actor_id).pk
        org_rows: list[tuple[Any, ...]] = []
        version_rows: list[tuple[Any, ...]] = []
        link_rows: list[tuple[Any, ...]] = []
        total = len(order)
        for n, i in enumerate(order, start=1):
            s = specs[i]
            pk = id_of[s.code]
            path = child_path(paths[s.parent] if s.parent else None, pk)
            paths[s.code] = path
            name = normalize_text(s.name)
            org_rows.append((pk, s.code, s.sector, s.admin_unit_id, s.valid_from, s.valid_to))
            version_rows.append((pk, name, fold(name), kinds[s.kind], parent_ids[s.parent] if s.parent else None,
                                 path, depth(path), s.valid_from, s.valid_to, events[s.valid_from]))
            link_rows.append((events[s.valid_from], pk, LinkRole.SUBJECT))
            if len(org_rows) >= 20000 or n == total:
                insert_rows(Organization, ["id", "code", "sector", "admin_unit", "valid_from", "valid_to"], org_rows)
                insert_rows(OrgVersion, ["org", "name", "search_key", "kind", "parent", "path", "depth",
                                         "valid_from", "valid_to", "event"], version_rows)
                insert_rows(OrgEventLink, ["event", "org", "role"], link_rows)
                org_rows, version_rows, link_rows = [], [], []
                if progress:
                    progress(n, total)
        audit_log(actor=actor, action="org.bulk_establish", target_type="orgs.organization", target_id="*",
                  after={"count": len(specs), "source": source, "at": timezone.now().isoformat()},
                  reason=source)
    return id_of


__all__ = ["OrgBulkError", "OrgSpec", "SpecError", "orgs_bulk_create", "validate"]
