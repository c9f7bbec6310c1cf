"""The monthly summary of held meetings (`MeetingMonth`) and the quality report that reads it.

- property (hypothesis): over random meetings (held with random attendance, left scheduled,
  cancelled, held with adopted and amended minutes; at any hour, many in the first and last hours
  of a month in Vietnam's time) in cells of which one moves to another district mid-year and one
  is dissolved, the report read from the summary equals the report computed from the meetings as
  before (`reference_quality.old_meeting_quality`) for whole years, parts of months, a period
  across a year's end and a move, and another time zone; and the summary the services kept equals
  one rebuilt from the meetings;
- `chibo meetings summarize` rebuilds it; the demo's bulk load fills it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.core.models import AuditEvent
from chibo.meetings import quality, register, services, summary
from chibo.meetings.models import AttendanceStatus, MeetingKind, MeetingMonth
from chibo.meetings.services import AttendanceEntry
from chibo.orgs import services as orgs
from tests.factories import rolled_back

from .conftest import SYSTEM, admit, vn_name
from .reference_quality import old_meeting_quality

D = dt.date
pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
MOVED_ON = D(2023, 7, 1)  # cell B moves from GX1 (district X) to GY1 (district Y)
DISSOLVED_ON = D(2023, 9, 20)  # cell Y1 is dissolved
CELLS = ("CA", "CB", "CY1")
STATUSES = [s.value for s in AttendanceStatus]




def _instant(month: int, where: str, minutes: int) -> dt.datetime:
    """An instant of 2023 (or the first days of 2024): `minutes` after the local start of the
    month, before the local start of the next, or after its middle."""
    zone = timezone.get_default_timezone()
    first = dt.datetime(2023, month, 1, tzinfo=zone)
    following = dt.datetime(2023 + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    if where == "start":
        return first + dt.timedelta(minutes=minutes)
    if where == "end":
        return following - dt.timedelta(minutes=minutes + 1)
    return first + dt.timedelta(days=14, minutes=minutes)


meeting_plans = st.lists(
    st.tuples(
        st.sampled_from(CELLS),
        st.sampled_from(
            [
                MeetingKind.REGULAR,
                MeetingKind.REGULAR,
                MeetingKind.THEMATIC,
                MeetingKind.CELL_COMMITTEE,
            ]
        ),
        st.integers(1, 12),
        st.sampled_from(["start", "end", "end", "middle"]),
        st.integers(0, 12 * 60),
        st.sampled_from(
            ["held", "held", "attendance", "attendance", "amended", "scheduled", "cancelled"]
        ),
    ),
    min_size=1,
    max_size=14,
)


def _make(tree, plan, data) -> None:
    cell, kind, month, where, minutes, fate = plan
    when = _instant(month, where, minutes)
    try:
        m = services.meeting_schedule(actor=None, org=tree[cell], kind=kind, scheduled_at=when)
        if fate == "cancelled":
            services.meeting_cancel(actor=None, meeting=m, reason="Bão")
            return
        if fate == "scheduled":
            return
        services.meeting_hold(
            actor=None,
            meeting=m,
            held_at=when,
            duration_minutes=data.draw(st.sampled_from([60, 95, 130])),
            chair=None,
            clerk=None,
            self_score=data.draw(st.sampled_from([None, 80, 95])),
        )
        if fate in ("attendance", "amended"):
            base = sorted(register.base_statuses(tree[cell].pk, timezone.localdate(when)))
            services.meeting_record_attendance(
                actor=None,
                meeting=m,
                entries=[
                    AttendanceEntry(member, data.draw(st.sampled_from(STATUSES))) for member in base
                ],
            )
        if fate == "amended":
            services.minutes_save(actor=None, meeting=m, conclusion="Nhất trí")
            services.minutes_adopt(actor=None, meeting=m)
            services.minutes_amend(
                actor=None, meeting=m, on=timezone.localdate(), text="Sửa", reason="Sót"
            )
    except ValidationError:
        pass  # e.g. a meeting of the dissolved cell after its dissolution


PERIODS = [
    ("P1", D(2023, 1, 1), D(2023, 12, 31)),
    ("DX", D(2023, 1, 1), D(2023, 12, 31)),
    ("DY", D(2023, 1, 1), D(2023, 12, 31)),
    ("GX1", D(2023, 3, 10), D(2023, 11, 20)),  # parts of months at both ends
    ("P1", D(2023, 6, 16), D(2023, 8, 14)),  # across the move, whole July only
    ("GY1", D(2023, 7, 1), D(2024, 1, 31)),  # across the year's end and the dissolution
    ("P1", D(2023, 2, 1), D(2023, 2, 28)),  # one month
    ("P1", D(2023, 5, 2), D(2023, 5, 30)),  # inside one month
    ("P1", D(2022, 12, 20), D(2023, 3, 31)),  # from the middle of a December
    ("P1", D(2023, 12, 5), D(2024, 1, 10)),  # no whole month, across the year's end
]


@pytest.fixture
def moved_tree(tree):
    for i in range(4):
        admit(tree["CA"], vn_name("Tóm", i))
    for i in range(3):
        admit(tree["CB"], vn_name("Lược", i))
    admit(tree["CY1"], vn_name("Thôn", 0))
    orgs.org_move(actor=None, org=tree["CB"], parent=tree["GY1"], on=MOVED_ON)
    orgs.org_dissolve(actor=None, org=tree["CY1"], on=DISSOLVED_ON)
    return tree


def _rows() -> list[tuple[int, ...]]:
    return list(
        MeetingMonth.objects.order_by("org_id", "month").values_list(
            "org_id", "month", "regular", "thematic", "met", "present", "base"
        )
    )


@EXAMPLES
@given(plans=meeting_plans, data=st.data())
def test_the_report_from_the_summary_equals_the_report_from_the_meetings(moved_tree, plans, data):
    tree = moved_tree
    with rolled_back():
        for plan in plans:
            _make(tree, plan, data)
        kept = _rows()
        assert summary.rebuild() == len(kept)
        assert _rows() == kept  # what the services kept is what the meetings add up to
        on = D(2024, 6, 1)
        for code, start, end in PERIODS:
            new = quality.meeting_quality(user=SYSTEM, org=tree[code], start=start, end=end, on=on)
            old = old_meeting_quality(user=SYSTEM, org=tree[code], start=start, end=end, on=on)
            assert new.total == old.total, (code, start, end)
            assert new.rows == old.rows, (code, start, end)
            assert new.missed == old.missed, (code, start, end)
        with timezone.override("Asia/Tokyo"):  # not the site's zone: read from the meetings
            new = quality.meeting_quality(
                user=SYSTEM, org=tree["P1"], start=D(2023, 1, 1), end=D(2023, 12, 31)
            )
            old = old_meeting_quality(
                user=SYSTEM, org=tree["P1"], start=D(2023, 1, 1), end=D(2023, 12, 31)
            )
            assert (new.total, new.rows, new.missed) == (old.total, old.rows, old.missed)


def test_the_summary_follows_holding_attendance_and_cancelling(tree):
    ms = [admit(tree["CA"], vn_name("Theo", i)) for i in range(4)]
    zone = timezone.get_default_timezone()
    late = dt.datetime(2023, 3, 31, 23, 30, tzinfo=zone)  # 16:30 UTC: still March in Vietnam
    m = services.meeting_schedule(
        actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=late
    )
    assert not MeetingMonth.objects.exists()
    services.meeting_hold(
        actor=None,
        meeting=m,
        held_at=late,
        duration_minutes=120,
        chair=None,
        clerk=None,
        self_score=90,
    )
    assert _rows() == [(tree["CA"].pk, 202303, 1, 0, 0, 0, 0)]
    services.meeting_record_attendance(
        actor=None, meeting=m, entries=[AttendanceEntry(x.pk, AttendanceStatus.PRESENT) for x in ms]
    )
    assert _rows() == [(tree["CA"].pk, 202303, 1, 0, 1, 4, 4)]
    other = services.meeting_schedule(
        actor=None,
        org=tree["CA"],
        kind=MeetingKind.THEMATIC,
        scheduled_at=late + dt.timedelta(hours=1),
    )
    services.meeting_cancel(actor=None, meeting=other, reason="Mưa")
    assert _rows() == [(tree["CA"].pk, 202303, 1, 0, 1, 4, 4)]


def test_summarize_rebuilds_the_summary(tree, capsys):
    for i in range(3):
        admit(tree["CA"], vn_name("Dựng", i))
    day = dt.datetime(2023, 5, 10, 8, tzinfo=timezone.get_default_timezone())
    m = services.meeting_schedule(
        actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=day
    )
    services.meeting_hold(
        actor=None, meeting=m, held_at=day, duration_minutes=120, chair=None, clerk=None
    )
    kept = _rows()
    MeetingMonth.objects.all().delete()
    MeetingMonth.objects.create(org=tree["CB"], month=202305, regular=9)  # a stale row goes
    call_command("meetings", "summarize")
    assert "1 organization-months" in capsys.readouterr().out
    assert _rows() == kept == [(tree["CA"].pk, 202305, 1, 0, 0, 0, 0)]
    assert AuditEvent.objects.filter(action="meeting.summarize", after={"rows": 1}).exists()


def test_the_report_follows_the_rules_in_force_month_by_month(moved_tree):
    """Two regular meetings a month owed from October, no thematic one in the second and third
    quarters: the same figures as the report computed from the meetings."""
    from chibo.rules.models import PolicyParameter

    tree = moved_tree
    for key, changes in (
        ("meeting.regular_per_month", [(D(2023, 10, 1), None, 2)]),
        (
            "meeting.thematic_per_quarter",
            [(D(2023, 4, 1), D(2023, 9, 1), 0), (D(2023, 9, 1), None, 1)],
        ),
    ):
        PolicyParameter.objects.filter(key=key, org__isnull=True, valid_to__isnull=True).update(
            valid_to=changes[0][0]
        )
        for a, b, value in changes:
            PolicyParameter.objects.create(
                key=key, value=value, valid_from=a, valid_to=b, source="test"
            )
    for month, kind in (
        (2, MeetingKind.THEMATIC),
        (5, MeetingKind.THEMATIC),
        (10, MeetingKind.REGULAR),
        (10, MeetingKind.REGULAR),
        (11, MeetingKind.REGULAR),
        (11, MeetingKind.THEMATIC),
    ):
        when = _instant(month, "middle", 60)
        m = services.meeting_schedule(actor=None, org=tree["CA"], kind=kind, scheduled_at=when)
        services.meeting_hold(
            actor=None, meeting=m, held_at=when, duration_minutes=120, chair=None, clerk=None
        )
    for code, start, end in PERIODS:
        new = quality.meeting_quality(
            user=SYSTEM, org=tree[code], start=start, end=end, on=D(2024, 6, 1)
        )
        old = old_meeting_quality(
            user=SYSTEM, org=tree[code], start=start, end=end, on=D(2024, 6, 1)
        )
        assert (new.total, new.rows, new.missed) == (old.total, old.rows, old.missed), (
            code,
            start,
            end,
        )
    full = quality.meeting_quality(
        user=SYSTEM, org=tree["GX1"], start=D(2023, 1, 1), end=D(2023, 12, 31)
    )
    cell_a = next(r.figures for r in full.rows if r.code == tree["CA"].code)
    assert cell_a.due == 9 * 1 + 3 * 2 + 2  # months, October to December twice, Q1 and Q4 thematic
    assert (
        cell_a.held == 2 + 1 + 1 + 1
    )  # October's two, November's one, Q1's and Q4's thematic (not Q2's)
