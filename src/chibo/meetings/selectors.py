"""Every read of the meetings app, scoped by `restrict(user, action)` and as-of aware.

The figures (a cell's calendar, the meetings due) are here, and the lists behind the quality of
meetings under a unit (`drill_meetings`, `drill_tasks`, `attendance_rows`), so the reports
registry can register them as indicators; the quality report itself is `quality.meeting_quality`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from chibo.core.paths import subtree_q
from chibo.core.validtime import overlaps_q, today
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.selectors import MissingRule, rule

from . import register
from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
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
