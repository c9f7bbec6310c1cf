"""Properties of meetings (hypothesis):

- the attendance base on every date of a month is exactly the members of the cell that day, for
  members who joined, left, moved in or out, or were exempted during that month;
- a vote's threshold follows the rule in force on the meeting's date;
- adopted minutes never change; corrections are separate amendments.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.core.text import has_control_characters
from chibo.meetings import register, services
from chibo.meetings.models import AttendanceStatus, MeetingKind, Minutes
from chibo.meetings.services import AttendanceEntry, vote_passes
from chibo.members import services as members
from chibo.rules.models import PolicyParameter
from tests.factories import rolled_back

from .conftest import admit, at, vn_name

D = dt.date
pytestmark = pytest.mark.django_db
FAST = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
MONTH = [D(2023, 6, d) for d in range(1, 31)]


days = st.integers(min_value=2, max_value=29)
plans = st.lists(
    st.one_of(
        st.just(("stay",)),
        st.tuples(st.just("join"), days),
        st.tuples(st.just("leave"), days),
        st.tuples(st.just("exempt"), days),
        st.tuples(st.just("move_out"), days),
        st.tuples(st.just("move_in"), days),
    ),
    min_size=1, max_size=6,
)


def _apply(tree, i: int, plan: tuple) -> tuple[int, set[dt.date]]:
    """Create member `i` following `plan`; return its id and the days of June 2023 on which it
    belongs to cell A's base."""
    kind = plan[0]
    day = D(2023, 6, plan[1]) if len(plan) > 1 else None
    if kind == "join":
        m = admit(tree["CA"], vn_name("Gia", i), on=day, official=False)
        return m.pk, {d for d in MONTH if d >= day}
    home = tree["CB"] if kind == "move_in" else tree["CA"]
    m = admit(home, vn_name("Hạ", i))
    if kind == "stay":
        return m.pk, set(MONTH)
    if kind == "leave":
        members.member_event(actor=None, member=m, type="withdrawn", on=day)
        return m.pk, {d for d in MONTH if d < day}
    if kind == "exempt":
        members.member_event(actor=None, member=m, type="exempted", on=day)
        return m.pk, {d for d in MONTH if d < day}
    target = tree["CB"] if kind == "move_out" else tree["CA"]
    t = members.transfer_request(actor=None, member=m, kind="official", to_org=target, trigger_date=day,
                                 requested_on=day)
    t = members.transfer_issue_letter(actor=None, transfer=t, letter_no=f"GT-{i}", issued_on=day, issued_by=home)
    received = min(day + dt.timedelta(days=1), MONTH[-1])
    members.transfer_receive(actor=None, transfer=t, received_on=received)
    if kind == "move_out":
        return m.pk, {d for d in MONTH if d < day}
    return m.pk, {d for d in MONTH if d >= received}


@FAST
@given(plan=plans, meeting_day=st.sampled_from(MONTH))
def test_attendance_base_follows_the_register_on_every_date(tree, plan, meeting_day):
    with rolled_back():
        expected = dict(_apply(tree, i, p) for i, p in enumerate(plan))
        for d in MONTH:
            want = {m for m, ds in expected.items() if d in ds}
            assert set(register.base_statuses(tree["CA"].pk, d)) == want, d
        # a meeting that day counts exactly them, and refuses anyone else
        meeting = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR,
                                            scheduled_at=at(meeting_day))
        services.meeting_hold(actor=None, meeting=meeting, held_at=at(meeting_day), duration_minutes=100,
                              chair=None, clerk=None, self_score=90)
        base = sorted(m for m, ds in expected.items() if meeting_day in ds)
        entries = [AttendanceEntry(m, AttendanceStatus.PRESENT if k % 2 == 0 else AttendanceStatus.EXCUSED)
                   for k, m in enumerate(base)]
        outsiders = [m for m in expected if m not in base]
        if outsiders:
            with pytest.raises(ValidationError):
                services.meeting_record_attendance(
                    actor=None, meeting=meeting, entries=entries + [AttendanceEntry(outsiders[0], "present")])
        if base:
            services.meeting_record_attendance(actor=None, meeting=meeting, entries=entries)
            meeting.refresh_from_db()
            assert meeting.base_count == len(base)
            assert meeting.present_count == (len(base) + 1) // 2


thresholds = st.fixed_dictionaries({
    "num": st.integers(min_value=1, max_value=3), "den": st.integers(min_value=3, max_value=4),
    "strict": st.booleans(), "base": st.sampled_from(["present", "official_members"]),
})


@FAST
@given(old=thresholds, new=thresholds, change=st.integers(min_value=2, max_value=28),
       meeting=st.integers(min_value=1, max_value=30), present=st.integers(min_value=0, max_value=6),
       votes_for=st.integers(min_value=0, max_value=6))
def test_vote_threshold_follows_the_rule_in_force(tree, old, new, change, meeting, present, votes_for):
    with rolled_back():
        ms = [admit(tree["CA"], vn_name("Bầu", i)) for i in range(6)]
        change_day, day = D(2023, 6, change), D(2023, 6, meeting)
        key = "meeting.resolution_vote_threshold"
        PolicyParameter.objects.filter(key=key, org__isnull=True).update(valid_to=D(2023, 1, 1))
        PolicyParameter.objects.create(key=key, value=old, valid_from=D(2023, 1, 1), valid_to=change_day,
                                       source="test")
        PolicyParameter.objects.create(key=key, value=new, valid_from=change_day, source="test")
        m = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=at(day))
        services.meeting_hold(actor=None, meeting=m, held_at=at(day), duration_minutes=100, chair=None, clerk=None)
        services.meeting_record_attendance(actor=None, meeting=m, entries=[
            AttendanceEntry(x.pk, AttendanceStatus.PRESENT if k < present else AttendanceStatus.EXCUSED)
            for k, x in enumerate(ms)])
        if votes_for > present:
            with pytest.raises(ValidationError):
                services.vote_record(actor=None, meeting=m, question="NQ", official_present=present,
                                     votes_for=votes_for, votes_against=0, abstentions=0)
            return
        vote = services.vote_record(actor=None, meeting=m, question="NQ", official_present=present,
                                    votes_for=votes_for, votes_against=0, abstentions=0)
        in_force = old if day < change_day else new
        assert vote.threshold == in_force
        denominator = present if in_force["base"] == "present" else 6
        share = votes_for * in_force["den"]
        want = share > in_force["num"] * denominator if in_force["strict"] else (
            share >= in_force["num"] * denominator and denominator > 0)
        assert vote.passed == want
        assert vote_passes(threshold=in_force, votes_for=votes_for, official_present=present,
                           official_members=6) == want


operations = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.sampled_from(services.MINUTES_FIELDS), st.text(max_size=20)),
        st.tuples(st.just("amend"), st.text(min_size=1, max_size=20)),
        st.tuples(st.just("adopt")),
        st.tuples(st.just("attendance")),
    ),
    max_size=8,
)


@FAST
@given(before=st.text(max_size=30), ops=operations)
def test_adopted_minutes_never_change(tree, before, ops):
    with rolled_back():
        ms = [admit(tree["CA"], vn_name("Biên", i)) for i in range(3)]
        day = D(2023, 6, 15)
        m = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=at(day))
        services.meeting_hold(actor=None, meeting=m, held_at=at(day), duration_minutes=100, chair=None, clerk=None)
        if has_control_characters(before):
            with pytest.raises(ValidationError):
                services.minutes_save(actor=None, meeting=m, conclusion=before)
            before = before.translate({c: None for c in range(32) if chr(c) not in "\t\n\r"} | {127: None})
        services.minutes_save(actor=None, meeting=m, conclusion=before)
        services.minutes_adopt(actor=None, meeting=m)
        adopted = Minutes.objects.get(meeting=m)
        snapshot = {f: getattr(adopted, f) for f in (*services.MINUTES_FIELDS, "adopted_at")}
        amended = 0
        for op in ops:
            try:
                if op[0] == "save":
                    services.minutes_save(actor=None, meeting=m, **{op[1]: op[2]})
                elif op[0] == "amend":
                    services.minutes_amend(actor=None, meeting=m, on=dt.date.today(), text=op[1], reason="r")
                    amended += 1
                elif op[0] == "adopt":
                    services.minutes_adopt(actor=None, meeting=m)
                else:
                    services.meeting_record_attendance(actor=None, meeting=m, entries=[
                        AttendanceEntry(x.pk, AttendanceStatus.PRESENT) for x in ms])
            except ValidationError:
                pass
            now = Minutes.objects.get(meeting=m)
            assert {f: getattr(now, f) for f in snapshot} == snapshot
        assert Minutes.objects.get(meeting=m).amendments.count() == amended
        assert amended == sum(1 for op in ops if op[0] == "amend" and op[1].strip()
                              and not has_control_characters(op[1]))


def test_minutes_refuse_a_control_character(tree):
    day = D(2023, 6, 15)
    m = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=at(day))
    with pytest.raises(ValidationError):
        services.minutes_save(actor=None, meeting=m, conclusion="bad\x00text")
    assert not Minutes.objects.filter(meeting=m).exclude(conclusion="").exists()


@FAST
@given(minutes=st.integers(0, 366 * 24 * 60))
def test_the_month_of_a_meeting_is_its_local_month_on_both_databases(tree, minutes):
    """The quality report groups meetings by their month in Vietnam's time, computed by the
    database (`_LocalYearMonth`): equal to Python's local month for any instant of a year."""
    from django.db.models import F
    from django.utils import timezone

    from chibo.meetings.models import Meeting
    from chibo.meetings.quality import _fixed_offset, _LocalYearMonth

    when = dt.datetime(2023, 12, 31, 12, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    with rolled_back():
        m = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=when)
        offset = _fixed_offset(D(2023, 1, 1), D(2025, 12, 31))
        assert offset == 7 * 3600
        got = Meeting.objects.filter(pk=m.pk).annotate(
            ym=_LocalYearMonth(F("scheduled_at"), offset_seconds=offset)).values_list("ym", flat=True).get()
        local = timezone.localtime(when)
        assert got == local.year * 100 + local.month
