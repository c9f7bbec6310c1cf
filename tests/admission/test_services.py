"""The procedure's services: order, deadlines, eligibility, votes, the one door into the register,
the dossier's uploads; bad input refused with nothing written."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from chibo.admission import selectors, services
from chibo.admission.models import AdmissionAct, Applicant, DossierFile, Step
from chibo.core.models import AuditEvent, ReadLogEntry
from chibo.members.choices import EventType, Status
from chibo.members.models import Member
from chibo.rules.calendar import add_working_days
from tests.meetings.conftest import admit

from .conftest import DATES, SYSTEM, D, listed, walk

pytestmark = pytest.mark.django_db


def _nothing_written(before_acts: int, before_audit: int) -> None:
    assert AdmissionAct.objects.count() == before_acts
    assert AuditEvent.objects.count() == before_audit


def test_full_procedure_creates_member_and_recognises(cell_a, officials):
    a = listed(cell_a, helper=officials[0])
    a = walk(a, officials, Step.RECOGNITION_DECISION)
    assert a.state == Step.OFFICIAL and a.due_on is None
    m = Member.objects.get(pk=a.member_id)
    assert m.ceremony_date == DATES[Step.CEREMONY]
    assert m.admission_decision_date == DATES[Step.DECISION]
    assert m.admission_decision_no == "decision-QĐ"
    assert m.status == Status.OFFICIAL
    assert m.official_date == D(2023, 8, 1)  # ceremony + 12 months, whatever the decision's date
    assert list(a.acts.values_list("step", flat=True)) == [Step.LISTED, *DATES]
    assert AuditEvent.objects.filter(action="admission.ceremony").exists()


def test_deadlines_in_working_days(cell_a, officials):
    a = walk(listed(cell_a), officials, Step.CELL_VOTE)
    assert a.due_on == add_working_days(DATES[Step.CELL_VOTE], 60)
    services.decision_extend(actor=SYSTEM, applicant=a, reason="Thẩm tra bổ sung")
    a.refresh_from_db()
    assert a.due_on == add_working_days(add_working_days(DATES[Step.CELL_VOTE], 60), 30)
    with pytest.raises(ValidationError):
        services.decision_extend(actor=SYSTEM, applicant=a, reason="again")
    a = walk(a, officials, Step.DECISION)
    assert a.due_on == add_working_days(DATES[Step.DECISION], 30)
    a = walk(a, officials, Step.CEREMONY)
    assert a.due_on == add_working_days(D(2023, 8, 1), 30)


def test_decision_before_vote_refused(cell_a, officials):
    a = walk(listed(cell_a), officials, Step.OPINIONS)
    with pytest.raises(ValidationError):
        services.decision_record(actor=SYSTEM, applicant=a, on=D(2022, 6, 1), document_no="1", issuer="x")
    with pytest.raises(ValidationError):
        services.ceremony_record(actor=SYSTEM, applicant=a, on=D(2022, 6, 1))


def test_too_young_refused_at_the_vote(cell_a, officials):
    # 17 years 11 months on the day of the cell's vote
    vote_day = DATES[Step.CELL_VOTE]
    a = walk(listed(cell_a, birth=D(2004, 7, 6)), officials, Step.OPINIONS)
    acts, audit = AdmissionAct.objects.count(), AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError, match="Too young"):
        services.vote_record(actor=SYSTEM, applicant=a, on=vote_day, votes_for=6)
    _nothing_written(acts, audit)


def test_introducer_with_eleven_months_refused(cell_a, officials, tree):
    recent = admit(cell_a, "Lê Mới Vào", on=D(2021, 6, 1))  # official from 2022-06-01, in the cell since 2021-06
    a = walk(listed(cell_a), officials, Step.VERIFICATION)
    acts, audit = AdmissionAct.objects.count(), AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError, match="at least 1 year"):
        services.introduction_record(actor=SYSTEM, applicant=a, on=D(2022, 7, 1), introducers=[officials[0], recent],
                                     known_since={recent.pk: D(2021, 8, 1)})
    with translation.override("en"), pytest.raises(ValidationError, match="not an official member"):
        services.introduction_record(actor=SYSTEM, applicant=a, on=D(2022, 5, 4), introducers=[officials[0], recent])
    _nothing_written(acts, audit)


def test_more_votes_than_official_members_refused(cell_a, officials):
    a = walk(listed(cell_a), officials, Step.OPINIONS)
    acts, audit = AdmissionAct.objects.count(), AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError, match="6 official members"):
        services.vote_record(actor=SYSTEM, applicant=a, on=DATES[Step.CELL_VOTE], votes_for=6, votes_against=1)
    _nothing_written(acts, audit)


def test_vote_below_two_thirds_does_not_admit(cell_a, officials):
    a = walk(listed(cell_a), officials, Step.OPINIONS)
    act = services.vote_record(actor=SYSTEM, applicant=a, on=DATES[Step.CELL_VOTE], votes_for=3, votes_against=3)
    a.refresh_from_db()
    assert act.passed is False and a.state == Step.REFUSED and a.failed_votes == 1
    with pytest.raises(ValidationError):
        services.act_record(actor=SYSTEM, applicant=a, step=Step.GRASSROOTS_RESOLUTION, on=D(2022, 6, 20))
    act = services.vote_record(actor=SYSTEM, applicant=a, on=D(2022, 6, 13), votes_for=4, votes_against=2)
    a.refresh_from_db()
    assert act.passed and a.state == Step.CELL_VOTE


def test_three_failed_recognition_votes_escalate(cell_a, officials):
    a = walk(listed(cell_a), officials, Step.NEW_MEMBER_COURSE)
    for day in (D(2023, 8, 7), D(2023, 8, 14), D(2023, 8, 21)):
        services.vote_record(actor=SYSTEM, applicant=a, on=day, votes_for=2, votes_against=2)
    a.refresh_from_db()
    assert a.state == Step.ESCALATED
    services.decision_record(actor=SYSTEM, applicant=a, on=D(2023, 9, 4), document_no="QĐ-CT", issuer="Thành ủy")
    a.refresh_from_db()
    assert a.state == Step.OFFICIAL
    assert Member.objects.get(pk=a.member_id).official_date == D(2023, 8, 1)


def test_removal_during_probation_writes_status_event(cell_a, officials):
    a = walk(listed(cell_a), officials, Step.CEREMONY)
    services.applicant_remove(actor=SYSTEM, applicant=a, on=D(2023, 2, 1), document_no="QĐ-XT", issuer="Thành ủy",
                              reason="Vi phạm tư cách")
    m = Member.objects.get(pk=a.member_id)
    assert m.status == Status.REMOVED
    assert m.events.filter(type=EventType.REMOVED).exists()


def test_duplicate_of_member_or_applicant_refused(cell_a, officials):
    listed(cell_a)
    with pytest.raises(ValidationError):
        listed(cell_a)
    with pytest.raises(ValidationError):
        listed(cell_a, name=officials[0].full_name, birth=officials[0].birth_date)


def test_awareness_certificate_expires(cell_a, officials):
    dates = {Step.AWARENESS_COURSE: D(2020, 1, 20), Step.APPLICATION: D(2025, 1, 2), Step.BIOGRAPHY: D(2025, 1, 3),
             Step.VERIFICATION: D(2025, 2, 3), Step.INTRODUCTION: D(2025, 2, 10), Step.OPINIONS: D(2025, 2, 17)}
    a = walk(listed(cell_a, on=D(2020, 1, 6)), officials, Step.OPINIONS, dates=dates)
    with translation.override("en"), pytest.raises(ValidationError, match="no longer valid"):
        services.vote_record(actor=SYSTEM, applicant=a, on=D(2025, 3, 3), votes_for=6)


def test_pipeline_status_and_overdue(cell_a, officials, tree, admin):
    a = walk(listed(cell_a), officials, Step.CELL_VOTE)
    b = walk(listed(cell_a, name="Trần Văn Hai", birth=D(1990, 1, 1)), officials, Step.OPINIONS)
    late_day = add_working_days(DATES[Step.CELL_VOTE], 61)
    status = selectors.pipeline_status(user=admin, org=tree["P1"], on=late_day)
    by = {s.state: s for s in status.steps}
    assert by[Step.CELL_VOTE].count == 1 and by[Step.CELL_VOTE].overdue == 1
    assert by[Step.OPINIONS].count == 1 and status.total == 2
    assert [x.applicant_id for x in selectors.overdue_acts(user=admin, org=tree["P1"], on=late_day)] == [a.pk]
    # on the day of the vote nothing is late
    assert selectors.pipeline_status(user=admin, org=tree["P1"], on=DATES[Step.CELL_VOTE]).overdue == 0
    assert b.pk


def test_target_report(cell_a, officials, tree, admin):
    walk(listed(cell_a, occupation="student"), officials, Step.CEREMONY)
    services.target_set(actor=SYSTEM, org=tree["P1"], year=2022, kind="percent", value=3.2)
    r = selectors.target_report(user=admin, org=tree["P1"], year=2022)
    assert r.members_at_start == 6 and r.admitted == 1 and r.by_source["students"] == 1
    assert r.share == pytest.approx(16.67) and r.target_share == 3.2 and r.met


def _pdf(size: int = 2000) -> bytes:
    return b"%PDF-1.4\n" + b"0" * size


def test_upload_and_read_is_logged(cell_a, officials, admin, secretary_a, secretary_b, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    a = listed(cell_a)
    row = services.dossier_upload(actor=SYSTEM, applicant=a, step=Step.APPLICATION,
                                  upload=SimpleUploadedFile("don.pdf", _pdf()))
    got, fh = services.dossier_open(user=secretary_a, pk=row.pk)
    assert fh.read().startswith(b"%PDF") and got.pk == row.pk
    fh.close()
    assert ReadLogEntry.objects.filter(target_type="admission.dossierfile", target_id=str(row.pk)).count() == 1
    with pytest.raises(DossierFile.DoesNotExist):
        services.dossier_open(user=secretary_b, pk=row.pk)


def test_bad_uploads_refused(cell_a, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    a = listed(cell_a)
    audit = AuditEvent.objects.count()
    exe = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00" + b"\x00" * 500, content_type="application/pdf")
    with translation.override("en"), pytest.raises(ValidationError, match="PDF, JPEG and PNG"):
        services.dossier_upload(actor=SYSTEM, applicant=a, step=Step.APPLICATION, upload=exe)
    big = SimpleUploadedFile("big.pdf", _pdf(30 * 1024 * 1024))
    with translation.override("en"), pytest.raises(ValidationError, match="too large"):
        services.dossier_upload(actor=SYSTEM, applicant=a, step=Step.APPLICATION, upload=big)
    assert DossierFile.objects.count() == 0 and AuditEvent.objects.count() == audit
    assert list(tmp_path.iterdir()) == []
    assert io  # noqa


def test_readmission_once(cell_a, officials):
    m = officials[5]
    from chibo.members import services as members

    members.member_event(actor=None, member=m, type=EventType.REMOVED, on=D(2021, 6, 1), reason="x")
    with pytest.raises(ValidationError):  # a former member is listed for readmission, not as new
        listed(cell_a, name=m.full_name, birth=m.birth_date, on=D(2022, 1, 10))
    a = services.applicant_create(
        actor=SYSTEM, person=services.ApplicantData(full_name=m.full_name, gender="male", birth_date=m.birth_date),
        cell=cell_a, listed_on=D(2022, 1, 10), resolution_no="NQ", readmission_of=m)
    a = walk(a, officials[:5], Step.CEREMONY)
    m.refresh_from_db()
    assert m.status == Status.PROBATIONARY and a.member_id == m.pk
    assert Applicant.objects.filter(readmission_of=m).count() == 1


def test_cell_vote_taken_from_the_meeting(cell_a, officials):
    from chibo.meetings import services as meetings
    from tests.meetings.conftest import at

    a = walk(listed(cell_a), officials, Step.OPINIONS)
    day = DATES[Step.CELL_VOTE]
    m = meetings.meeting_schedule(actor=None, org=cell_a, kind="regular_monthly_meeting", scheduled_at=at(day))
    meetings.meeting_record(actor=None, meeting=m, held_at=at(day), duration_minutes=120, chair=officials[0],
                            clerk=officials[1], self_score=90,
                            entries=[meetings.AttendanceEntry(o.pk, "present") for o in officials])
    vote = meetings.vote_record(actor=None, meeting=m, question="Kết nạp", subject="admission", official_present=6,
                                votes_for=5, votes_against=1, abstentions=0)
    other = meetings.vote_record(actor=None, meeting=m, question="Nghị quyết", official_present=6, votes_for=6,
                                 votes_against=0, abstentions=0)
    with pytest.raises(ValidationError):
        services.vote_record(actor=SYSTEM, applicant=a, on=day, votes_for=0, meeting_vote=other)
    act = services.vote_record(actor=SYSTEM, applicant=a, on=day, votes_for=0, meeting_vote=vote)
    assert act.passed and act.votes_for == 5 and act.meeting_vote_id == vote.pk
