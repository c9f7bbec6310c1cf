"""The per-organization, per-month summary of held meetings (`MeetingMonth`) that the quality
report reads instead of the meetings.

A row holds, for an organization and a calendar month of the site's zone (the month of the
meeting's `scheduled_at`), the held regular and thematic meetings: how many of each kind, how many
met the criteria, and the sums of their present and base counts. The services call `refresh` in
the transaction that changes a meeting (holding it, its attendance, its figures recomputed, a
cancellation), after locking the organization's row so that two transactions never write the same
month from different snapshots; bulk loads (the demo, the benchmark) call `rebuild`, as does
`chibo meetings summarize` (also after a change of the site's zone). Unscoped: the callers have
scoped the organization.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from chibo.core.audit import audit_log

from .models import Meeting, MeetingKind, MeetingMonth, MeetingStatus

KINDS = (MeetingKind.REGULAR, MeetingKind.THEMATIC)
BATCH = 5000


def month_of(when: dt.datetime) -> int:
    """year × 100 + month of an instant in the site's zone."""
    local = when.astimezone(timezone.get_default_timezone())
    return local.year * 100 + local.month


def month_start(month: int) -> dt.datetime:
    """The first instant of a month (year × 100 + month) in the site's zone."""
    y, m = divmod(month, 100)
    return dt.datetime(y, m, 1, tzinfo=timezone.get_default_timezone())


def next_month(month: int) -> int:
    y, m = divmod(month, 100)
    return (y + 1) * 100 + 1 if m == 12 else month + 1


def _add(
    acc: dict[tuple[int, int], list[int]],
    org_id: int,
    kind: str,
    at: dt.datetime,
    met: bool,
    present: int,
    base: int,
) -> None:
    row = acc[(org_id, month_of(at))]
    row[0 if kind == MeetingKind.REGULAR else 1] += 1
    row[2] += 1 if met else 0
    row[3] += present
    row[4] += base


def _rows(acc: dict[tuple[int, int], list[int]]) -> list[MeetingMonth]:
    return [
        MeetingMonth(
            org_id=org_id,
            month=month,
            regular=r[0],
            thematic=r[1],
            met=r[2],
            present=r[3],
            base=r[4],
        )
        for (org_id, month), r in sorted(acc.items())
    ]


def _held() -> Any:
    return Meeting.objects.filter(status=MeetingStatus.HELD, kind__in=KINDS)


def refresh(org_id: int, months: Iterable[int]) -> None:
    """Recompute the organization's rows for `months` from its meetings (inside the caller's
    transaction, the organization's row locked)."""
    from chibo.orgs.models import Organization

    wanted = sorted(set(months))
    if not wanted:
        return
    with transaction.atomic():
        list(
            Organization.objects.select_for_update().filter(pk=org_id).values_list("pk", flat=True)
        )
        acc: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        meetings = _held().filter(
            org_id=org_id,
            scheduled_at__gte=month_start(wanted[0]),
            scheduled_at__lt=month_start(next_month(wanted[-1])),
        )
        for kind, at, met, present, base in meetings.values_list(
            "kind", "scheduled_at", "met_criteria", "present_count", "base_count"
        ):
            _add(acc, org_id, kind, at, met, present, base)
        MeetingMonth.objects.filter(org_id=org_id, month__in=wanted).delete()
        MeetingMonth.objects.bulk_create([r for r in _rows(acc) if r.month in wanted])


def refresh_meeting(meeting: Meeting, *also: dt.datetime) -> None:
    """After a change to the meeting: its month, and the months of `also` (other instants whose
    months the change touched)."""
    refresh(meeting.org_id, [month_of(meeting.scheduled_at), *(month_of(a) for a in also)])


def summarize(*, actor: Any = None) -> int:
    """`chibo meetings summarize`: rebuild every row, with its audit event; the number of rows."""
    with transaction.atomic():
        rows = rebuild()
        audit_log(
            actor=actor,
            action="meeting.summarize",
            target_type=MeetingMonth._meta.label_lower,
            target_label="monthly summary of held meetings",
            after={"rows": rows},
        )
    return rows


def rebuild(org_ids: Iterable[int] | None = None) -> int:
    """Recompute every row (or those of `org_ids`) from the meetings; the number of rows."""
    ids = None if org_ids is None else sorted(set(org_ids))
    chunks: list[list[int] | None] = (
        [None] if ids is None else [ids[i : i + 500] for i in range(0, len(ids), 500)]
    )
    written = 0
    with transaction.atomic():
        for chunk in chunks:
            target = (
                MeetingMonth.objects.all()
                if chunk is None
                else MeetingMonth.objects.filter(org_id__in=chunk)
            )
            target.delete()
            acc: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
            meetings = _held() if chunk is None else _held().filter(org_id__in=chunk)
            for org_id, kind, at, met, present, base in (
                meetings.order_by()
                .values_list(
                    "org_id", "kind", "scheduled_at", "met_criteria", "present_count", "base_count"
                )
                .iterator(BATCH)
            ):
                _add(acc, org_id, kind, at, met, present, base)
            rows = _rows(acc)
            MeetingMonth.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
    with connection.cursor() as cursor:  # fresh statistics for the report's plan after a bulk load
        cursor.execute(f"ANALYZE {connection.ops.quote_name(MeetingMonth._meta.db_table)}")
    return written
