"""The quality of meetings under a unit over a period (`meeting_quality`): per unit below it and
in total, the regular and thematic meetings due and held, those meeting the criteria, the
attendance rate and the tasks done on time or overdue; the missed slots for drill-down.

The held meetings come from the monthly summary (`MeetingMonth`, kept by `meetings.summary`) for
the whole months of the period, and from the meetings themselves for the days before and after
them; what is due comes from the tree and the rules (`selectors.due_slots`'s slots).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from chibo.core.paths import SEGMENT_WIDTH, subtree_q
from chibo.core.validtime import today
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.selectors import history

from .models import Meeting, MeetingKind, MeetingMonth, MeetingStatus, Task
from .selectors import VIEW, Slot, _cell_versions, _exists_on, _months, _subtree_org_ids


@dataclass
class Figures:
    due: int = 0
    held: int = 0
    met_criteria: int = 0
    present: int = 0
    base: int = 0
    tasks_due: int = 0
    tasks_done_on_time: int = 0
    tasks_overdue: int = 0

    def add(self, other: Figures) -> None:
        self.due += other.due
        self.held += other.held
        self.met_criteria += other.met_criteria
        self.present += other.present
        self.base += other.base
        self.tasks_due += other.tasks_due
        self.tasks_done_on_time += other.tasks_done_on_time
        self.tasks_overdue += other.tasks_overdue

    @property
    def missed(self) -> int:
        return max(self.due - self.held, 0)

    @property
    def attendance_rate(self) -> float | None:
        return round(100.0 * self.present / self.base, 1) if self.base else None

    @property
    def met_share(self) -> float | None:
        return round(100.0 * self.met_criteria / self.held, 1) if self.held else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "held": self.held,
            "missed": self.missed,
            "met_criteria": self.met_criteria,
            "attendance_rate": self.attendance_rate,
            "tasks_done_on_time": self.tasks_done_on_time,
            "tasks_overdue": self.tasks_overdue,
        }


@dataclass
class UnitRow:
    org_id: int
    code: str
    name: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class QualityReport:
    root: Organization
    start: dt.date
    end: dt.date
    rows: list[UnitRow]
    total: Figures
    missed: list[Slot]


class _LocalYearMonth(Func):
    """year × 100 + month of a datetime at a fixed offset from UTC (the site's zone when it has no
    daylight saving in the period): computed by the database itself. Django's `ExtractYear` and
    `ExtractMonth` on SQLite call back into Python for every row (two-thirds of a province's
    quality report went there)."""

    output_field = IntegerField()

    def __init__(self, expression: Any, *, offset_seconds: int) -> None:
        self.offset_seconds = int(offset_seconds)
        super().__init__(expression)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"CAST(strftime('%%Y%%m', {sql}, '{self.offset_seconds:+d} seconds') AS INTEGER)",
            list(params),
        )

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"CAST(to_char(({sql} AT TIME ZONE 'UTC') + make_interval(secs => {self.offset_seconds}), "
            "'YYYYMM') AS INTEGER)",
            list(params),
        )


def _fixed_offset(start: dt.date, end: dt.date) -> int | None:
    """The site zone's offset from UTC in seconds when it is the same all through [start, end]."""
    zone = timezone.get_current_timezone()
    offsets = {
        dt.datetime(y, m, 1, tzinfo=zone).utcoffset()
        for y in range(start.year, end.year + 1)
        for m in (1, 4, 7, 10)
    }
    offset = offsets.pop() if len(offsets) == 1 else None
    return None if offset is None else int(offset.total_seconds())


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _full_months(start: dt.date, end: dt.date) -> tuple[int, int] | None:
    """The first and last months (year × 100 + month) lying wholly within [start, end]."""
    first = (
        (start.year, start.month)
        if start.day == 1
        else ((start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1))
    )
    last_day = end.replace(day=calendar.monthrange(end.year, end.month)[1])  # (also in December 9999)
    last = (
        (end.year, end.month)
        if end == last_day
        else ((end.year - 1, 12) if end.month == 1 else (end.year, end.month - 1))
    )
    if first > last:
        return None
    return first[0] * 100 + first[1], last[0] * 100 + last[1]


_KEY = 1_000_000  # org × _KEY + year × 100 + period: one integer per slot
# one row of held meetings: organization, year × 100 + month, regular, thematic, met, present, base
HeldRow = tuple[int, int, int, int, int, int, int]


def _held_from_meetings(orgs: Any, start: dt.date, end: dt.date) -> list[HeldRow]:
    """The held regular and thematic meetings of `orgs` over [start, end], per organization and
    local month, read from the meetings themselves (for the parts of a period that are not whole
    months, or a zone other than the site's)."""
    held_in_period = Meeting.objects.filter(
        org_id__in=orgs,
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
    out: list[HeldRow] = []
    for row in rows.annotate(
        n=Count("id"),
        met=Count("id", filter=Q(met_criteria=True)),
        present=Sum("present_count"),
        base=Sum("base_count"),
    ):
        ym = row["ym"] if "ym" in row else row["y"] * 100 + row["m"]
        regular = row["n"] if row["kind"] == MeetingKind.REGULAR else 0
        out.append(
            (
                row["org_id"],
                ym,
                regular,
                row["n"] - regular,
                row["met"],
                row["present"] or 0,
                row["base"] or 0,
            )
        )
    return out


@dataclass
class _Held:
    """The held regular and thematic meetings of a period: per organization the meetings that
    met the criteria and the sums of present and base; the held meetings per slot, keyed
    org × _KEY + year × 100 + month (regular) or quarter (thematic)."""

    sums: list[tuple[int, int, int, int]]
    regular: dict[int, int]
    thematic: dict[int, int]

    def add(self, rows: list[HeldRow]) -> None:
        for org_id, ym, regular, thematic, met, present, base in rows:
            self.sums.append((org_id, met, present, base))
            if regular:
                k = org_id * _KEY + ym
                self.regular[k] = self.regular.get(k, 0) + regular
            if thematic:
                k = org_id * _KEY + ym - ym % 100 + (ym % 100 + 2) // 3
                self.thematic[k] = self.thematic.get(k, 0) + thematic


def _summary_held(orgs: Any, lo: int, hi: int) -> _Held:
    """`_Held` of the whole months lo..hi (year × 100 + month) from `MeetingMonth`, in three
    statements over its covering index whose rows come back ready for dictionaries (plain SQL:
    the ORM's per-row converters cost more than the statements at a province's 45,000 rows)."""
    table = connection.ops.quote_name(MeetingMonth._meta.db_table)
    orgs_sql, orgs_params = orgs.query.sql_with_params()
    where = f"org_id IN ({orgs_sql}) AND month >= %s AND month <= %s"
    params = [*orgs_params, lo, hi]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT org_id, SUM(met), SUM(present), SUM(base) FROM {table} "  # noqa: S608
            f"WHERE {where} GROUP BY org_id",
            params,
        )
        sums = [(o, int(m), int(p), int(b)) for o, m, p, b in cursor.fetchall()]
        cursor.execute(
            f"SELECT org_id * {_KEY} + month, regular FROM {table} "  # noqa: S608
            f"WHERE {where} AND regular > 0",
            params,
        )
        regular = dict(cursor.fetchall())
        cursor.execute(
            f"SELECT org_id * {_KEY} + month - month %% 100 + (month %% 100 + 2) / 3, SUM(thematic) "  # noqa: S608
            f"FROM {table} WHERE {where} AND thematic > 0 GROUP BY 1",
            params,
        )
        thematic = {k: int(n) for k, n in cursor.fetchall()}
    return _Held(sums, regular, thematic)


def _held(org: Organization, start: dt.date, end: dt.date) -> _Held:
    """The held regular and thematic meetings under `org` (any organization that ever sat under
    it) over [start, end]: the whole months from the monthly summary (`MeetingMonth`), the days
    before and after them from the meetings."""
    orgs = _subtree_org_ids(org)
    full = _full_months(start, end)
    same_zone = timezone.get_current_timezone_name() == timezone.get_default_timezone_name()
    if full is None or not same_zone:
        held = _Held([], {}, {})
        held.add(_held_from_meetings(orgs, start, end))
        return held
    lo, hi = full
    held = _summary_held(orgs, lo, hi)
    first_day, after = (
        dt.date(lo // 100, lo % 100, 1),
        dt.date(hi // 100 + (hi % 100 == 12), hi % 100 % 12 + 1, 1),
    )
    if start < first_day:
        held.add(_held_from_meetings(orgs, start, first_day - dt.timedelta(days=1)))
    if after <= end:
        held.add(_held_from_meetings(orgs, after, end))
    return held


def _national_rule(key: str, default: Any) -> Callable[[dt.date], Any]:
    """`_rule_or(key, day, default)` for many days from one statement: the national value in
    force on the day (the latest start wins, as in `rules.selectors.rule_row`), else `default`."""
    rows = [(r.valid_from, r.valid_to, r.value) for r in history(key) if r.org_id is None]

    def on(day: dt.date) -> Any:
        value = default
        for a, b, v in rows:
            if (a is None or a <= day) and (b is None or day < b):
                value = v
        return value

    return on


def _due(
    start: dt.date, end: dt.date
) -> tuple[list[tuple[int, int, int, dt.date]], list[tuple[int, int, int, dt.date]]]:
    """The regular (year, month, due, 15th) and thematic (year, quarter, due, middle day) meetings
    owed by a cell that exists on the day, per the rules in force (as `due_slots`)."""
    regular_rule = _national_rule("meeting.regular_per_month", 1)
    thematic_rule = _national_rule("meeting.thematic_per_quarter", 0)
    regular, thematic = [], []
    for y, m in _months(start, end):
        mid = dt.date(y, m, 15)
        if not start <= mid <= end:
            continue
        n = int(regular_rule(mid))
        if n:
            regular.append((y, m, n, mid))
        if m % 3 == 2:
            n = int(thematic_rule(mid))
            if n:
                thematic.append((y, (m + 2) // 3, n, mid))
    return regular, thematic


def meeting_quality(
    *, user: Any, org: Organization, start: dt.date, end: dt.date, on: dt.date | None = None
) -> QualityReport:
    """Meeting quality under `org` over [start, end]: per unit below it (on `end`'s tree) and in
    total. Held counts the owed regular and thematic meetings that took place (at most what was
    owed per month or quarter, the slots of `due_slots`); the attendance rate and the criteria are
    over every held regular and thematic meeting; tasks are those due in the period. `org` must be
    in the user's scope. The held meetings come from the monthly summary (`_held`)."""
    on = on or today()
    Organization.objects.restrict(user, VIEW).get(pk=org.pk)
    paths = list(set(OrgVersion.objects.filter(org=org).values_list("path", flat=True)))
    versions = _cell_versions(paths, start, end)
    per_cell: dict[int, Figures] = defaultdict(Figures)
    held_in_period = _held(org, start, end)
    for org_id, met, present, base in held_in_period.sums:
        f = per_cell[org_id]
        f.met_criteria += met
        f.present += present
        f.base += base
    regular_held, thematic_held = held_in_period.regular, held_in_period.thematic
    # what each cell owed (the slots of `due_slots`), held and missed
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for org_id, _path, a, b in versions:
        spans[org_id].append((a, b))
    regular_due, thematic_due = _due(start, end)
    owed_all = [
        (MeetingKind.REGULAR, y, p, n, mid, regular_held) for y, p, n, mid in regular_due
    ] + [(MeetingKind.THEMATIC, y, p, n, mid, thematic_held) for y, p, n, mid in thematic_due]
    mids = [o[4] for o in owed_all]
    missed: list[Slot] = []
    for org_id, org_spans in spans.items():
        if (
            len(org_spans) == 1
            and mids
            and org_spans[0][0] <= min(mids)
            and (org_spans[0][1] is None or max(mids) < org_spans[0][1])
        ):
            owed = owed_all  # the cell exists all through the period
        else:
            owed = [o for o in owed_all if _exists_on(org_spans, o[4])]
        due = held = 0
        key = org_id * _KEY
        for kind, y, period, n, _mid, counts in owed:
            h = counts.get(key + y * 100 + period, 0)
            due += n
            if h < n:
                held += h
                missed.append(Slot(org_id, kind, y, period, n, h))
            else:
                held += n
        f = per_cell[org_id]
        f.due += due
        f.held += held
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
        by_path: dict[str, UnitRow] = {}
        for v in children.order_by("name"):
            u = UnitRow(org_id=v.org_id, code=v.org.code, name=v.name)
            units.append(u)
            by_path[v.path] = u
        width = len(root_v[0]) + SEGMENT_WIDTH  # a child's path: the root's and one segment
        for org_id, path, _a, _b in versions:
            unit = by_path.get(path[:width])
            if unit is not None:
                unit_of[org_id] = unit
    total = Figures()
    for org_id, f in per_cell.items():
        total.add(f)
        if org_id in unit_of:
            unit_of[org_id].figures.add(f)
    missed.sort(key=lambda s: (s.year, s.period, s.org_id))
    return QualityReport(root=org, start=start, end=end, rows=units, total=total, missed=missed)
