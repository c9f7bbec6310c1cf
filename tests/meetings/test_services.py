"""Meeting services: scheduling, holding, attendance, votes, minutes, resolutions, tasks; the
refusals of bad input (nothing written), the quality criteria."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from chibo.core.models import AuditEvent
from chibo.meetings import quality, selectors, services
from chibo.meetings.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    Minutes,
    Task,
    Vote,
)
from chibo.meetings.services import AttendanceEntry
from chibo.members import services as members

from .conftest import SYSTEM, admit, at, vn_name

D = dt.date
pytestmark = pytest.mark.django_db
DAY = D(2022, 5, 10)


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in English (the catalogue's msgids)."""
    with translation.override("en"):
        yield


def schedule(cell, day=DAY, kind=MeetingKind.REGULAR):
    return services.meeting_schedule(actor=None, org=cell, kind=kind, scheduled_at=at(day))


def hold(meeting, day=DAY, minutes=120, score=90, chair=None):
    return services.meeting_hold(actor=None, meeting=meeting, held_at=at(day), duration_minutes=minutes,
                                 chair=chair, clerk=None, self_score=score)


def everyone(ms, overrides=None, status=AttendanceStatus.PRESENT):
    overrides = overrides or {}
    return [AttendanceEntry(m.pk, overrides.get(m.pk, status)) for m in ms]


def test_schedule_uses_the_standard_agenda_and_is_audited(tree):
    before = AuditEvent.objects.count()
    m = schedule(tree["CA"])
    assert [a.position for a in m.agenda.all()] == list(range(1, len(services.STANDARD_AGENDA) + 1))
    assert m.agenda.first().title == services.STANDARD_AGENDA[0]
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-id").first().action == "meeting.schedule"


def test_a_cell_meeting_needs_a_cell(tree):
    with pytest.raises(ValidationError):
        schedule(tree["GX1"])
    with pytest.raises(ValidationError):
        services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.YEAR_END, scheduled_at=at(DAY))
    assert not Meeting.objects.exists()


def test_a_meeting_dated_in_the_future_cannot_be_held(tree):
    future = timezone.localdate() + dt.timedelta(days=3)
    m = schedule(tree["CA"], future)
    with pytest.raises(ValidationError) as err:
        hold(m, future)
    assert "future" in str(err.value)
    m.refresh_from_db()
    assert m.status == "scheduled" and m.held_at is None


def test_attendance_for_a_non_member_is_refused(tree, cell_a_members):
    outsider = admit(tree["CB"], "Người ngoài")
    m = hold(schedule(tree["CA"]))
    entries = everyone(cell_a_members) + [AttendanceEntry(outsider.pk, AttendanceStatus.PRESENT)]
    with pytest.raises(ValidationError) as err:
        services.meeting_record_attendance(actor=None, meeting=m, entries=entries)
    assert "Người ngoài" in str(err.value)
    assert not Attendance.objects.exists()


def test_attendance_must_cover_the_register(tree, cell_a_members):
    m = hold(schedule(tree["CA"]))
    with pytest.raises(ValidationError):
        services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(cell_a_members[:-1]))
    assert not Attendance.objects.exists()


def test_a_member_who_left_is_not_in_the_base(tree, cell_a_members):
    gone = cell_a_members[0]
    members.member_event(actor=None, member=gone, type="withdrawn", on=D(2022, 4, 1))
    assert gone.pk not in services.register.base_statuses(tree["CA"].pk, DAY)
    assert gone.pk in services.register.base_statuses(tree["CA"].pk, D(2022, 3, 31))


def test_quality_criteria(tree, cell_a_members):
    m = hold(schedule(tree["CA"]))
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(cell_a_members))
    m.refresh_from_db()
    assert (m.base_count, m.present_count, m.met_criteria) == (5, 5, True)
    # one excused absence of five: 80% is not above 85%
    first = cell_a_members[0].pk
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(
        cell_a_members, {first: AttendanceStatus.EXCUSED}))
    m.refresh_from_db()
    assert (m.present_count, m.met_criteria) == (4, False)
    # special duty leaves the base: 4 of 4
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(
        cell_a_members, {first: AttendanceStatus.SPECIAL_DUTY}))
    m.refresh_from_db()
    assert (m.base_count, m.present_count, m.met_criteria) == (4, 4, True)


def test_unexcused_absence_fails_the_criteria(tree):
    ms = [admit(tree["CA"], vn_name("Xuân", i)) for i in range(10)]
    m = hold(schedule(tree["CA"]))
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(
        ms, {ms[0].pk: AttendanceStatus.UNEXCUSED}))
    m.refresh_from_db()
    assert m.present_count * 100 > 85 * m.base_count
    assert (m.unexcused_count, m.met_criteria) == (1, False)


def test_more_than_three_consecutive_absences_fail_the_criteria(tree):
    ms = [admit(tree["CA"], vn_name("Yến", i)) for i in range(10)]
    absent = ms[0].pk
    held = []
    for month in range(1, 6):
        m = hold(schedule(tree["CA"], D(2022, month, 10)), D(2022, month, 10))
        services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(
            ms, {absent: AttendanceStatus.EXCUSED}))
        held.append(m)
    runs = [Meeting.objects.get(pk=m.pk).longest_absence_run for m in held]
    met = [Meeting.objects.get(pk=m.pk).met_criteria for m in held]
    assert runs == [1, 2, 3, 4, 5]
    assert met == [True, True, True, False, False]
    # the member attended in March after all: the runs after it start again
    services.meeting_record_attendance(actor=None, meeting=held[2], entries=everyone(ms))
    assert [Meeting.objects.get(pk=m.pk).longest_absence_run for m in held] == [1, 2, 0, 1, 2]


def test_too_short_a_meeting_fails_where_the_duration_rule_is_in_force(tree, cell_a_members):
    day = D(2025, 11, 10)
    m = hold(schedule(tree["CA"], day), day, minutes=60)
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(cell_a_members))
    m.refresh_from_db()
    assert not m.met_criteria
    m2 = hold(schedule(tree["CA"], D(2022, 6, 10)), D(2022, 6, 10), minutes=60)
    services.meeting_record_attendance(actor=None, meeting=m2, entries=everyone(cell_a_members))
    m2.refresh_from_db()
    assert m2.met_criteria  # no duration rule in 2022


def test_a_vote_with_more_votes_than_members_present_is_refused(tree, cell_a_members):
    m = hold(schedule(tree["CA"]))
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(
        cell_a_members, {cell_a_members[0].pk: AttendanceStatus.EXCUSED}))
    with pytest.raises(ValidationError) as err:
        services.vote_record(actor=None, meeting=m, question="Q", official_present=4, votes_for=4,
                             votes_against=1, abstentions=0)
    assert "only 4" in str(err.value)
    with pytest.raises(ValidationError):
        services.vote_record(actor=None, meeting=m, question="Q", official_present=5, votes_for=4,
                             votes_against=0, abstentions=0)
    assert not Vote.objects.exists()
    v = services.vote_record(actor=None, meeting=m, question="Q", official_present=4, votes_for=3,
                             votes_against=1, abstentions=0)
    assert v.passed and v.official_members == 5


def test_admission_needs_two_thirds_of_all_official_members(tree, cell_a_members):
    m = hold(schedule(tree["CA"]))
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(
        cell_a_members, {cell_a_members[0].pk: AttendanceStatus.EXCUSED}))
    v = services.vote_record(actor=None, meeting=m, question="Kết nạp", subject="admission", official_present=4,
                             votes_for=3, votes_against=1, abstentions=0)
    assert not v.passed  # 3 of 5 official members < 2/3
    v = services.vote_record(actor=None, meeting=m, question="Kết nạp", subject="admission", official_present=4,
                             votes_for=4, votes_against=0, abstentions=0)
    assert v.passed


def test_adopted_minutes_are_locked_and_amended_apart(tree, cell_a_members):
    m = hold(schedule(tree["CA"]))
    services.minutes_save(actor=None, meeting=m, conclusion="Nhất trí")
    services.minutes_adopt(actor=None, meeting=m)
    with pytest.raises(ValidationError):
        services.minutes_save(actor=None, meeting=m, conclusion="Sửa")
    with pytest.raises(ValidationError):
        services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(cell_a_members))
    with pytest.raises(ValidationError):
        services.resolution_record(actor=None, meeting=m, number="1-NQ", title="Sau khi khóa")
    a = services.minutes_amend(actor=None, meeting=m, on=timezone.localdate(), text="Bổ sung", reason="Sót")
    assert Minutes.objects.get(meeting=m).conclusion == "Nhất trí"
    assert list(Minutes.objects.get(meeting=m).amendments.all()) == [a]


def test_resolutions_and_tasks(tree, cell_a_members):
    m = hold(schedule(tree["CA"]))
    services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(cell_a_members))
    v = services.vote_record(actor=None, meeting=m, question="NQ", official_present=5, votes_for=5,
                             votes_against=0, abstentions=0)
    r = services.resolution_record(actor=None, meeting=m, number="05-NQ/CB", title="Nghị quyết tháng 5", vote=v)
    with pytest.raises(ValidationError):
        services.resolution_record(actor=None, meeting=m, number="05-NQ/CB", title="Lần hai")
    t1 = services.task_create(actor=None, resolution=r, title="Thu đảng phí", owner=cell_a_members[1],
                              due_date=D(2022, 5, 31))
    services.task_create(actor=None, resolution=r, title="Vệ sinh", owner=cell_a_members[2],
                         due_date=D(2022, 6, 30))
    outsider = admit(tree["CB"], "Người ngoài")
    with pytest.raises(ValidationError):
        services.task_create(actor=None, resolution=r, title="X", owner=outsider, due_date=D(2022, 6, 30))
    services.task_complete(actor=None, task=t1, done_on=D(2022, 5, 30))
    overdue = list(selectors.overdue_tasks(user=SYSTEM, org=tree["GX1"]))
    assert [t.title for t in overdue] == ["Vệ sinh"]
    report = quality.meeting_quality(user=SYSTEM, org=tree["GX1"], start=D(2022, 1, 1), end=D(2022, 12, 31))
    assert report.total.tasks_done_on_time == 1 and report.total.tasks_overdue == 1
    assert Task.objects.count() == 2


def test_quality_report_due_held_missed(tree, cell_a_members):
    for month in (1, 2, 4):
        m = hold(schedule(tree["CA"], D(2022, month, 10)), D(2022, month, 10))
        services.meeting_record_attendance(actor=None, meeting=m, entries=everyone(cell_a_members))
    m = hold(schedule(tree["CA"], D(2022, 2, 20), MeetingKind.THEMATIC), D(2022, 2, 20))
    report = quality.meeting_quality(user=SYSTEM, org=tree["GX1"], start=D(2022, 1, 1), end=D(2022, 6, 30))
    # two cells (CA, CB): 6 regular + 2 thematic each
    assert report.total.due == 16
    assert report.total.held == 4
    assert report.total.met_criteria == 3
    assert report.total.attendance_rate == 100.0
    by_code = {r.code: r.figures for r in report.rows}
    assert by_code["ORG-CELL-A"].held == 4 and by_code["ORG-CELL-B"].held == 0
    assert len(report.missed) == 12
