"""Benchmark scenarios of the meetings (for `bench/run.py`; the lead wires them in):

- a province's meeting-quality report for a year (`meetings.quality.meeting_quality`), target
  < 300 ms; floor: the same sums in hand-written SQL (one grouped statement for the meetings, one
  for the tasks) over the same rows;
- a cell's meeting page (`/meetings/<pk>/`, 30 members on the register), target < 100 ms;
  floor: the meeting, its attendance with the names, its agenda and its votes in four statements;
  the page's number of queries goes in the scenario's note.

`scenarios(admin, province, scenario, timed_pair)` takes the runner's helpers so that this module
imports nothing from it. The meetings of the year are generated once (12 regular and 4 thematic
meetings per cell of the province, with their counts; the page's meeting with its attendance)
through the bulk path, inside the dataset (`BENCH_REUSE=1` keeps them), then the report's monthly
summary is rebuilt from them (`meetings.summary.rebuild`), as after any bulk load.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

YEAR = 2024
MARK = "bench-meetings"


def _ensure_meetings(province: Any) -> int:
    """Meetings of YEAR for every cell under the province (idempotent); the id of a meeting of a
    cell with at least 30 members on the register, with its attendance."""
    from django.db import connection, transaction
    from django.utils import timezone

    from chibo.core.bulk import allocate_ids, insert_rows
    from chibo.core.paths import subtree_q
    from chibo.meetings import register, services, summary
    from chibo.meetings.models import Meeting, MeetingKind, Resolution, Task
    from chibo.orgs.models import OrgVersion

    marked = Meeting.objects.filter(title=MARK).order_by("id").values_list("id", flat=True).first()
    if marked is not None:
        return marked
    on = dt.date(YEAR, 6, 15)
    path = province.version_on(on).path
    cells = sorted(set(
        OrgVersion.objects.filter(subtree_q(path), kind__is_cell=True, valid_from__lte=on)
        .exclude(kind__key="party_group").exclude(valid_to__lte=on).values_list("org_id", flat=True)))
    rng = random.Random(7)  # noqa: S311 (benchmark data)
    tz = timezone.get_current_timezone()

    def stamp(day: dt.date) -> Any:
        value = dt.datetime.combine(day, dt.time(8, 0), tzinfo=tz)
        return connection.ops.adapt_datetimefield_value(value) if connection.vendor == "sqlite" else value

    with transaction.atomic():
        rows = []
        for org_id in cells:
            for month in range(1, 13):
                kinds = [MeetingKind.REGULAR] + ([MeetingKind.THEMATIC] if month % 3 == 2 else [])
                for kind in kinds:
                    if rng.random() < 0.08:
                        continue  # missed
                    day = dt.date(YEAR, month, rng.randint(5, 25))
                    base = rng.randint(5, 40)
                    present = base - rng.randint(0, 4)
                    rows.append((org_id, kind, "", "", stamp(day), False, "", None, "held", stamp(day), 120,
                                 90, base, present, 0, 0, present * 100 > 85 * base))
        insert_rows(Meeting, ["org", "kind", "title", "place", "scheduled_at", "combined", "materials",
                              "notice_sent_at", "status", "held_at", "duration_minutes", "self_score", "base_count",
                              "present_count", "unexcused_count", "longest_absence_run", "met_criteria"], rows)
        # tasks: one resolution a month in a tenth of the cells
        some = cells[::10]
        meetings = dict(Meeting.objects.filter(org_id__in=some, kind=MeetingKind.REGULAR,
                                               scheduled_at__year=YEAR).values_list("id", "org_id"))
        res_ids = allocate_ids(Resolution, len(meetings))
        res_rows, task_rows = [], []
        from chibo.members.models import Affiliation

        owner = Affiliation.objects.values_list("member_id", flat=True).first()
        for rid, (mid, org_id) in zip(res_ids, sorted(meetings.items()), strict=True):
            res_rows.append((rid, mid, org_id, f"{mid}-NQ", dt.date(YEAR, 6, 1), "NQ", ""))
            for _k in range(2):
                due = dt.date(YEAR, rng.randint(1, 12), 20)
                task_rows.append((rid, "Việc", owner, due, due if rng.random() < 0.8 else None))
        insert_rows(Resolution, ["id", "meeting", "org", "number", "adopted_on", "title", "text"], res_rows)
        insert_rows(Task, ["resolution", "title", "owner", "due_date", "done_date"], task_rows)
        summary.rebuild(cells)  # the meetings went in without the services
        # the page's meeting: a cell with at least 30 members, through the services
        day = dt.date(YEAR, 11, 12)
        for org_id in cells:
            base = register.base_statuses(org_id, day)
            if len(base) >= 30:
                break
        else:
            raise RuntimeError("no cell with 30 members in the province")
        from chibo.orgs.models import Organization

        meeting = services.meeting_schedule(actor=None, org=Organization.objects.get(pk=org_id),
                                            kind=MeetingKind.REGULAR, scheduled_at=timezone.make_aware(
                                                dt.datetime.combine(day, dt.time(19, 0))), title=MARK)
        services.meeting_record(actor=None, meeting=meeting, held_at=meeting.scheduled_at, duration_minutes=120,
                                chair=None, clerk=None, self_score=90,
                                entries=[services.AttendanceEntry(m, "present") for m in sorted(base)])
        services.vote_record(actor=None, meeting=meeting, question="NQ", official_present=0, votes_for=0,
                             votes_against=0, abstentions=0)
    return meeting.pk


def _quality_floor(path: str, start: dt.date, end: dt.date) -> tuple[int, int, int, int]:
    """Held, met, present and base of the held regular and thematic meetings under the path, in
    one statement (the organizations ever under it, as the selector counts)."""
    from django.db import connection

    from chibo.core.paths import upper_bound

    sql = """
        SELECT COUNT(*), SUM(CASE WHEN m.met_criteria THEN 1 ELSE 0 END), SUM(m.present_count), SUM(m.base_count)
        FROM meetings_meeting m
        WHERE m.status = 'held' AND m.kind IN ('regular_monthly_meeting', 'thematic_meeting')
          AND m.scheduled_at >= %s AND m.scheduled_at < %s
          AND m.org_id IN (SELECT v.org_id FROM orgs_orgversion v WHERE v.path >= %s AND v.path < %s)"""
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=7)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=7)
    args: list[Any] = [lo, hi, path, upper_bound(path)]
    if connection.vendor == "sqlite":
        args[:2] = [connection.ops.adapt_datetimefield_value(a) for a in args[:2]]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        row = cursor.fetchone()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


def _page_floor(pk: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM meetings_meeting WHERE id = %s", [pk])
        cursor.fetchall()
        cursor.execute("""SELECT a.status, a.reason, p.full_name FROM meetings_attendance a
                          JOIN members_member p ON p.id = a.member_id WHERE a.meeting_id = %s""", [pk])
        n = len(cursor.fetchall())
        cursor.execute("SELECT position, title FROM meetings_agendaitem WHERE meeting_id = %s", [pk])
        cursor.fetchall()
        cursor.execute("SELECT * FROM meetings_vote WHERE meeting_id = %s", [pk])
        cursor.fetchall()
    return n


def scenarios(admin: Any, province: Any, scenario: Callable[..., dict[str, Any]],
              timed_pair: Callable[..., tuple[float, Any, float, Any]]) -> list[dict[str, Any]]:
    from django.test import Client

    from chibo.meetings import quality

    pk = _ensure_meetings(province)
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    path = province.version_on(end).path
    out = []
    chibo_s, report, floor_s, floor = timed_pair(
        lambda: quality.meeting_quality(user=admin, org=province, start=start, end=end),
        lambda: _quality_floor(path, start, end))
    total = report.total
    if (total.held > 0) != (floor[0] > 0) or total.present != floor[2] or total.base != floor[3]:
        raise AssertionError(f"meeting quality differs from the floor: {total} vs {floor}")
    out.append(scenario(
        f"meeting quality of province {province.code} for {YEAR} ({total.due:,} due, {total.held:,} held; "
        f"target < 300 ms)", chibo_s * 1000, floor_s * 1000, "ms", None))
    client = Client()
    client.force_login(admin)
    url = f"/meetings/{pk}/"

    def page() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url}: {response.status_code}")
        return len(response.content)

    chibo_s, _size, floor_s, rows = timed_pair(page, lambda: _page_floor(pk))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page()
    out.append(scenario(f"a cell's meeting page ({rows} members on the register; target < 100 ms)",
                        chibo_s * 1000, floor_s * 1000, "ms", None, note=f"{len(queries)} queries"))
    return out
