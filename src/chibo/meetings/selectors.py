"""Every read of the meetings app, scoped by `restrict(user, action)` and as-of aware.

The figures (a cell's calendar, the quality of meetings under a unit over a period) are here, so
the reports registry can register them as indicators: `meeting_quality()` returns, per unit and
in total, meetings due and held, those meeting the criteria, the attendance rate and the tasks
done on time or overdue, each with the ids behind it for drill-down.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from chibo.core.paths import SEGMENT_WIDTH, subtree_q
from chibo.core.validtime import overlaps_q, today
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.selectors import MissingRule, history, rule

from . import register
from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingMonth,
    MeetingStatus,
    Minutes,
    MinutesAmendment,
    Resolution,
    Task,
    Vote,
)

VIEW = "org.view"
CHANGE = "org.change"


def meetings(*, user: Any, action: str = VIEW) -> QuerySet[Meeting]:
    return Meeting.objects.restrict(user, action)


def meeting_get(*, user: Any, pk: int, action: str = VIEW) -> Meeting:
    """The meeting if the user may act on it (else Meeting.DoesNotExist)."""
    return meetings(user=user, action=action).select_related("org", "chair", "clerk").get(pk=pk)


def org_meetings(*, user: Any, org: Organization, start: dt.date | None = None,
                 end: dt.date | None = None) -> QuerySet[Meeting]:
    qs = meetings(user=user).filter(org=org)
    if start is not None:
        qs = qs.filter(scheduled_at__date__gte=start)
    if end is not None:
        qs = qs.filter(scheduled_at__date__lte=end)
    return qs.order_by("scheduled_at", "id")


@dataclass
class AttendanceRow:
    member_id: int
    name: str
    status: str
    official: bool
    reason: str = ""


@dataclass
class MeetingRecord:
    meeting: Meeting
    org_name: str
    agenda: list[AgendaItem]
    rows: list[AttendanceRow]
    votes: list[Vote]
    minutes: Minutes | None
    amendments: list[MinutesAmendment]
    resolutions: list[Resolution]
    recorded: bool  # attendance recorded


def _name_on(org_id: int, on: dt.date) -> str:
    rows = list(OrgVersion.objects.filter(org_id=org_id).order_by("valid_from").values_list("name", "valid_from"))
    name = rows[-1][0] if rows else ""
    for n, start in rows:
        if start <= on:
            name = n
    return name


def meeting_record(*, user: Any, pk: int, action: str = VIEW) -> MeetingRecord:
    """A meeting with what its page shows, in a fixed number of queries."""
    from chibo.members.models import Member

    meeting = meeting_get(user=user, pk=pk, action=action)
    on = timezone.localdate(meeting.held_at or meeting.scheduled_at)
    recorded = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    base = register.base_statuses(meeting.org_id, on)
    ids = set(base) | set(recorded)
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "full_name"))
    default = AttendanceStatus.PRESENT
    rows = [
        AttendanceRow(member_id=m, name=names.get(m, ""), official=base.get(m) == "official_member",
                      status=recorded[m].status if m in recorded else default,
                      reason=recorded[m].reason if m in recorded else "")
        for m in ids
    ]
    rows.sort(key=lambda r: (r.name.split()[-1:] if r.name else [""], r.name))
    minutes = Minutes.objects.filter(meeting=meeting).first()
    return MeetingRecord(
        meeting=meeting, org_name=_name_on(meeting.org_id, on), agenda=list(meeting.agenda.all()), rows=rows,
        votes=list(meeting.votes.all()), minutes=minutes,
        amendments=list(minutes.amendments.all()) if minutes else [],
        resolutions=list(meeting.resolutions.prefetch_related("tasks__owner")),
        recorded=bool(recorded),
    )


def resolution_book(*, user: Any, org: Organization) -> QuerySet[Resolution]:
    return (
        Resolution.objects.restrict(user, VIEW).filter(org=org).select_related("meeting", "vote")
        .prefetch_related("tasks__owner")
        .order_by("-adopted_on", "-id")
    )


def overdue_tasks(*, user: Any, org: Organization | None = None, on: dt.date | None = None) -> QuerySet[Task]:
    """Tasks past their due date and not done on the date (today by default), under `org` (on
    today's tree: any organization that ever sat under it)."""
    on = on or today()
    qs = Task.objects.restrict(user, VIEW).filter(due_date__lt=on).filter(
        Q(done_date__isnull=True) | Q(done_date__gt=on))
    if org is not None:
        qs = qs.filter(resolution__org__in=_subtree_org_ids(org))
    return qs.select_related("owner", "resolution", "resolution__org").order_by("due_date", "id")


def _root_path(org: Organization) -> str:
    return OrgVersion.objects.filter(org=org).order_by("-valid_from").values_list("path", flat=True)[0]


def _subtree_org_ids(org: Organization) -> Any:
    paths = list(OrgVersion.objects.filter(org=org).values_list("path", flat=True))
    q = Q(pk__in=[])
    for p in set(paths):
        q |= subtree_q(p)
    return OrgVersion.objects.filter(q).values("org_id")


# --- what is due -------------------------------------------------------------------------------------


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _rule_or(key: str, on: dt.date, default: Any) -> Any:
    try:
        return rule(key, on=on)
    except MissingRule:
        return default


@dataclass
class Slot:
    """A meeting a unit owes: the regular meeting of a month or the thematic one of a quarter."""

    org_id: int
    kind: str
    year: int
    period: int  # month (regular) or quarter (thematic)
    due: int
    held: int = 0

    @property
    def missed(self) -> int:
        return max(self.due - self.held, 0)


def _cell_versions(paths: list[str], start: dt.date, end: dt.date) -> list[tuple[int, str, dt.date, dt.date | None]]:
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q(p)
    return list(
        OrgVersion.objects.filter(q, kind__is_cell=True).exclude(kind__key="party_group")
        .filter(overlaps_q(start, end + dt.timedelta(days=1)))
        .values_list("org_id", "path", "valid_from", "valid_to")
    )


def _exists_on(spans: list[tuple[dt.date, dt.date | None]], on: dt.date) -> bool:
    return any(a <= on and (b is None or on < b) for a, b in spans)


def due_slots(*, versions: list[tuple[int, str, dt.date, dt.date | None]], start: dt.date,
              end: dt.date) -> dict[tuple[int, str, int, int], Slot]:
    """The meetings the cells owe over [start, end], per the rules in force: a regular meeting
    every month the cell exists on the 15th, a thematic meeting every quarter it exists on the
    quarter's middle day (both within the period)."""
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for org_id, _path, a, b in versions:
        spans[org_id].append((a, b))
    regular_rule: dict[tuple[int, int], int] = {}
    thematic_rule: dict[tuple[int, int], int] = {}
    slots: dict[tuple[int, str, int, int], Slot] = {}
    for y, m in _months(start, end):
        mid = dt.date(y, m, 15)
        if not start <= mid <= end:
            continue
        regular_rule[(y, m)] = int(_rule_or("meeting.regular_per_month", mid, 1))
        if m % 3 == 2:
            thematic_rule[(y, (m + 2) // 3)] = int(_rule_or("meeting.thematic_per_quarter", mid, 0))
    for org_id, org_spans in spans.items():
        for (y, m), n in regular_rule.items():
            if n and _exists_on(org_spans, dt.date(y, m, 15)):
                slots[(org_id, MeetingKind.REGULAR, y, m)] = Slot(org_id, MeetingKind.REGULAR, y, m, n)
        for (y, q), n in thematic_rule.items():
            if n and _exists_on(org_spans, dt.date(y, 3 * q - 1, 15)):
                slots[(org_id, MeetingKind.THEMATIC, y, q)] = Slot(org_id, MeetingKind.THEMATIC, y, q, n)
    return slots


# --- quality over a subtree -------------------------------------------------------------------------


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
        return {"due": self.due, "held": self.held, "missed": self.missed, "met_criteria": self.met_criteria,
                "attendance_rate": self.attendance_rate, "tasks_done_on_time": self.tasks_done_on_time,
                "tasks_overdue": self.tasks_overdue}


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
        return f"CAST(strftime('%%Y%%m', {sql}, '{self.offset_seconds:+d} seconds') AS INTEGER)", list(params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"CAST(to_char(({sql} AT TIME ZONE 'UTC') + make_interval(secs => {self.offset_seconds}), "
                "'YYYYMM') AS INTEGER)", list(params))


def _fixed_offset(start: dt.date, end: dt.date) -> int | None:
    """The site zone's offset from UTC in seconds when it is the same all through [start, end]."""
    zone = timezone.get_current_timezone()
    offsets = {dt.datetime(y, m, 1, tzinfo=zone).utcoffset() for y in range(start.year, end.year + 1)
               for m in (1, 4, 7, 10)}
    offset = offsets.pop() if len(offsets) == 1 else None
    return None if offset is None else int(offset.total_seconds())


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _full_months(start: dt.date, end: dt.date) -> tuple[int, int] | None:
    """The first and last months (year × 100 + month) lying wholly within [start, end]."""
    first = (start.year, start.month) if start.day == 1 else (
        (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1))
    last_day = (dt.date(end.year + (end.month == 12), end.month % 12 + 1, 1) - dt.timedelta(days=1))
    last = (end.year, end.month) if end == last_day else ((end.year - 1, 12) if end.month == 1 else (end.year, end.month - 1))
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
        org_id__in=orgs, status=MeetingStatus.HELD, kind__in=[MeetingKind.REGULAR, MeetingKind.THEMATIC],
        scheduled_at__gte=_local_midnight(start), scheduled_at__lt=_local_midnight(end + dt.timedelta(days=1)))
    offset = _fixed_offset(start, end)
    if offset is not None:
        by_month = held_in_period.annotate(ym=_LocalYearMonth(F("scheduled_at"), offset_seconds=offset))
        rows = by_month.values("org_id", "kind", "ym")
    else:
        rows = held_in_period.annotate(y=ExtractYear("scheduled_at"), m=ExtractMonth("scheduled_at")).values(
            "org_id", "kind", "y", "m")
    out: list[HeldRow] = []
    for row in rows.annotate(n=Count("id"), met=Count("id", filter=Q(met_criteria=True)),
                             present=Sum("present_count"), base=Sum("base_count")):
        ym = row["ym"] if "ym" in row else row["y"] * 100 + row["m"]
        regular = row["n"] if row["kind"] == MeetingKind.REGULAR else 0
        out.append((row["org_id"], ym, regular, row["n"] - regular, row["met"], row["present"] or 0, row["base"] or 0))
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
        cursor.execute(f"SELECT org_id, SUM(met), SUM(present), SUM(base) FROM {table} "  # noqa: S608
                       f"WHERE {where} GROUP BY org_id", params)
        sums = [(o, int(m), int(p), int(b)) for o, m, p, b in cursor.fetchall()]
        cursor.execute(f"SELECT org_id * {_KEY} + month, regular FROM {table} "  # noqa: S608
                       f"WHERE {where} AND regular > 0", params)
        regular = dict(cursor.fetchall())
        cursor.execute(f"SELECT org_id * {_KEY} + month - month %% 100 + (month %% 100 + 2) / 3, SUM(thematic) "  # noqa: S608
                       f"FROM {table} WHERE {where} AND thematic > 0 GROUP BY 1", params)
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
    first_day, after = dt.date(lo // 100, lo % 100, 1), dt.date(hi // 100 + (hi % 100 == 12), hi % 100 % 12 + 1, 1)
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


def _due(start: dt.date, end: dt.date) -> tuple[list[tuple[int, int, int, dt.date]], list[tuple[int, int, int, dt.date]]]:
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


def meeting_quality(*, user: Any, org: Organization, start: dt.date, end: dt.date,
                    on: dt.date | None = None) -> QualityReport:
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
    owed_all = [(MeetingKind.REGULAR, y, p, n, mid, regular_held) for y, p, n, mid in regular_due] + [
        (MeetingKind.THEMATIC, y, p, n, mid, thematic_held) for y, p, n, mid in thematic_due]
    mids = [o[4] for o in owed_all]
    missed: list[Slot] = []
    for org_id, org_spans in spans.items():
        if len(org_spans) == 1 and mids and org_spans[0][0] <= min(mids) and (
                org_spans[0][1] is None or max(mids) < org_spans[0][1]):
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
        Task.objects.filter(resolution__org_id__in=_subtree_org_ids(org), due_date__gte=start, due_date__lte=end)
        .values("resolution__org_id")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(done_date__lte=F("due_date"))),
                  overdue=Count("id", filter=Q(done_date__isnull=True, due_date__lt=on)))
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
        children = end_versions.filter(subtree_q(root_v[0]), depth=root_v[1] + 1).select_related("org")
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


# --- a cell's calendar -------------------------------------------------------------------------------


@dataclass
class CalendarMonth:
    year: int
    month: int
    meetings: list[Meeting]
    regular_due: int
    regular_held: int
    thematic_due: int  # the quarter's, shown on its middle month
    thematic_held: int
    future: bool

    @property
    def regular_missed(self) -> bool:
        return not self.future and self.regular_held < self.regular_due

    @property
    def thematic_missed(self) -> bool:
        return not self.future and self.thematic_held < self.thematic_due


def org_calendar(*, user: Any, org: Organization, year: int, on: dt.date | None = None) -> list[CalendarMonth]:
    """Each month of `year`: the meetings of the organization, what the rules say is due, held
    and missed (a month or quarter still open is not missed)."""
    on = on or today()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = list(org_meetings(user=user, org=org, start=start, end=end))
    versions = list(
        OrgVersion.objects.filter(org=org, kind__is_cell=True).filter(overlaps_q(start, end + dt.timedelta(days=1)))
        .values_list("org_id", "path", "valid_from", "valid_to")
    )
    slots = due_slots(versions=versions, start=start, end=end)
    out = []
    for m in range(1, 13):
        ms = [x for x in rows if timezone.localdate(x.scheduled_at).month == m]
        held = [x for x in ms if x.status == MeetingStatus.HELD]
        q = (m + 2) // 3
        qheld = [x for x in rows if x.status == MeetingStatus.HELD and x.kind == MeetingKind.THEMATIC
                 and (timezone.localdate(x.scheduled_at).month + 2) // 3 == q]
        reg = slots.get((org.pk, MeetingKind.REGULAR, year, m))
        them = slots.get((org.pk, MeetingKind.THEMATIC, year, q)) if m % 3 == 2 else None
        month_end = dt.date(year + (m == 12), m % 12 + 1, 1)
        quarter_end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
        out.append(CalendarMonth(
            year=year, month=m, meetings=ms,
            regular_due=reg.due if reg else 0,
            regular_held=sum(1 for x in held if x.kind == MeetingKind.REGULAR),
            thematic_due=them.due if them else 0, thematic_held=len(qheld) if them else 0,
            future=(quarter_end if m % 3 == 2 and them else month_end) > on,
        ))
    return out


def member_meetings(*, member_id: int, start: dt.date) -> QuerySet[Meeting]:
    """Meetings of the organizations a member belongs to from `start` (for their own calendar
    feed; the member sees their own cells' meetings, nothing else)."""
    from chibo.members.models import Affiliation

    orgs = Affiliation.objects.filter(member_id=member_id).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=start)).values("org_id")
    return Meeting.objects.filter(org_id__in=orgs, scheduled_at__date__gte=start).exclude(
        status=MeetingStatus.CANCELLED).select_related("org")


def drill_meetings(*, user: Any, org: Organization | None, start: dt.date, end: dt.date, what: str,
                   kinds: tuple[str, ...] = (MeetingKind.REGULAR, MeetingKind.THEMATIC)) -> QuerySet[Meeting]:
    """The meetings behind a figure of `meeting_quality` (held, met, not met, all), under `org`
    (None: the whole scope); held ones of `kinds` (regular and thematic by default)."""
    qs = meetings(user=user).filter(scheduled_at__date__gte=start, scheduled_at__date__lte=end)
    if org is not None:
        qs = qs.filter(org_id__in=_subtree_org_ids(org))
    if what in ("held", "met", "not_met"):
        qs = qs.filter(status=MeetingStatus.HELD, kind__in=list(kinds))
    if what == "met":
        qs = qs.filter(met_criteria=True)
    elif what == "not_met":
        qs = qs.filter(met_criteria=False)
    return qs.select_related("org").order_by("-scheduled_at", "id")


def drill_tasks(*, user: Any, org: Organization | None, start: dt.date, end: dt.date, what: str,
                on: dt.date | None = None) -> QuerySet[Task]:
    """The tasks due in the period under `org` (None: the whole scope): all, done on time, or
    overdue on `on` (today by default)."""
    on = on or today()
    qs = Task.objects.restrict(user, VIEW).filter(due_date__gte=start, due_date__lte=end)
    if org is not None:
        qs = qs.filter(resolution__org_id__in=_subtree_org_ids(org))
    if what == "on_time":
        qs = qs.filter(done_date__lte=F("due_date"))
    elif what == "overdue":
        qs = qs.filter(done_date__isnull=True, due_date__lt=on)
    return qs.select_related("owner", "resolution", "resolution__meeting").order_by("due_date", "id")


def attendance_rows(*, user: Any, org: Organization | None, start: dt.date, end: dt.date,
                    present: bool = False) -> QuerySet[Attendance]:
    """The attendance behind the attendance rate of `meeting_quality`: the members counted at the
    held regular and thematic meetings in the period under `org` (those on special duty are not
    counted), or those of them present. Each row carries its meeting's organization (`org_id`)."""
    held = drill_meetings(user=user, org=org, start=start, end=end, what="held")
    qs = Attendance.objects.filter(meeting_id__in=held.order_by().values("pk")).exclude(
        status=AttendanceStatus.SPECIAL_DUTY)
    if present:
        qs = qs.filter(status=AttendanceStatus.PRESENT)
    return (
        qs.annotate(org_id=F("meeting__org_id"))
        .select_related("member", "meeting", "meeting__org")
        .order_by("meeting__scheduled_at", "meeting_id", "id")
    )
