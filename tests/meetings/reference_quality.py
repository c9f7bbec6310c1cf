"""The meeting-quality report as it was computed before the monthly summary (`MeetingMonth`):
every held meeting of the period read and grouped by month, every slot built by `due_slots`.
Kept verbatim (but for its name) as the oracle of `test_summary.py`: the report read from the
summary must give the same figures, units and missed slots."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from chibo.core.paths import subtree_q
from chibo.core.validtime import today
from chibo.meetings.models import Meeting, MeetingKind, MeetingStatus, Task
from chibo.meetings.quality import (
    Figures,
    QualityReport,
    UnitRow,
    _fixed_offset,
    _local_midnight,
    _LocalYearMonth,
)
from chibo.meetings.selectors import VIEW, _cell_versions, _subtree_org_ids, due_slots
from chibo.orgs.models import Organization, OrgVersion


def old_meeting_quality(
    *, user: Any, org: Organization, start: dt.date, end: dt.date, on: dt.date | None = None
) -> QualityReport:
    """Meeting quality under `org` over [start, end]: per unit below it (on `end`'s tree) and in
    total. Held counts the owed regular and thematic meetings that took place (at most what was
    owed per month or quarter); the attendance rate and the criteria are over every held regular
    and thematic meeting; tasks are those due in the period. `org` must be in the user's scope."""
    on = on or today()
    Organization.objects.restrict(user, VIEW).get(pk=org.pk)
    paths = list(set(OrgVersion.objects.filter(org=org).values_list("path", flat=True)))
    versions = _cell_versions(paths, start, end)
    cell_ids = {v[0] for v in versions}
    slots = due_slots(versions=versions, start=start, end=end)
    per_cell: dict[int, Figures] = defaultdict(Figures)
    held_in_period = Meeting.objects.filter(
        org_id__in=_subtree_org_ids(org),
        status=MeetingStatus.HELD,
        kind__in=[MeetingKind.REGULAR, MeetingKind.THEMATIC],
        scheduled_at__gte=_local_midnight(start),
        scheduled_at__lt=_local_midnight(end + dt.timedelta(days=1)),
    )
    offset = _fixed_offset(start, end)
    if offset is not None:
        by_month = held_in_period.annotate(
            ym=_LocalYearMonth(F("scheduled_at"), offset_seconds=offset)
        )
        rows = by_month.values("org_id", "kind", "ym")
    else:
        rows = held_in_period.annotate(
            y=ExtractYear("scheduled_at"), m=ExtractMonth("scheduled_at")
        ).values("org_id", "kind", "y", "m")
    held = rows.annotate(
        n=Count("id"),
        met=Count("id", filter=Q(met_criteria=True)),
        present=Sum("present_count"),
        base=Sum("base_count"),
    )
    for row in held:
        if "ym" in row:
            row["y"], row["m"] = divmod(row["ym"], 100)
        f = per_cell[row["org_id"]]
        f.met_criteria += row["met"]
        f.present += row["present"] or 0
        f.base += row["base"] or 0
        period = row["m"] if row["kind"] == MeetingKind.REGULAR else (row["m"] + 2) // 3
        slot = slots.get((row["org_id"], row["kind"], row["y"], period))
        if slot is not None:
            slot.held += row["n"]
    for slot in slots.values():
        f = per_cell[slot.org_id]
        f.due += slot.due
        f.held += min(slot.held, slot.due)
    tasks = (
        Task.objects.filter(
            resolution__org_id__in=_subtree_org_ids(org), due_date__gte=start, due_date__lte=end
        )
        .values("resolution__org_id")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(done_date__lte=F("due_date"))),
            overdue=Count("id", filter=Q(done_date__isnull=True, due_date__lt=on)),
        )
    )
    for row in tasks:
        f = per_cell[row["resolution__org_id"]]
        f.tasks_due += row["n"]
        f.tasks_done_on_time += row["on_time"]
        f.tasks_overdue += row["overdue"]
    # roll up to the units right under the root, on the end date's tree
    end_versions = OrgVersion.objects.filter(valid_from__lte=end).exclude(valid_to__lte=end)
    root_v = end_versions.filter(org=org).values_list("path", "depth").first()
    units: list[UnitRow] = []
    unit_of: dict[int, UnitRow] = {}
    if root_v is not None:
        children = end_versions.filter(subtree_q(root_v[0]), depth=root_v[1] + 1).select_related(
            "org"
        )
        by_path = {}
        for v in children.order_by("name"):
            u = UnitRow(org_id=v.org_id, code=v.org.code, name=v.name)
            units.append(u)
            by_path[v.path] = u
        for org_id, path, _a, _b in versions:
            for p, u in by_path.items():
                if path.startswith(p):
                    unit_of[org_id] = u
                    break
    total = Figures()
    for org_id, f in per_cell.items():
        total.add(f)
        if org_id in unit_of:
            unit_of[org_id].figures.add(f)
    missed = sorted(
        (s for s in slots.values() if s.missed and s.org_id in cell_ids),
        key=lambda s: (s.year, s.period, s.org_id),
    )
    return QualityReport(root=org, start=start, end=end, rows=units, total=total, missed=missed)
