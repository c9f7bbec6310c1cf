"""Pages and API of the admission app: the secretary's flow, scoping (another cell's applicant,
scans and figures answer 404, also by guessing file URLs), reads logged."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from chibo.admission import services
from chibo.admission.models import AdmissionAct, Applicant, DossierFile, Step
from chibo.core.models import ReadLogEntry
from chibo.members.models import Member

from .conftest import SYSTEM, D, listed, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


@pytest.fixture
def applicant(cell_a, officials):
    return listed(cell_a, helper=officials[0])


@pytest.fixture
def scan(applicant, private):
    return services.dossier_upload(actor=SYSTEM, applicant=applicant, step=Step.APPLICATION,
                                   upload=SimpleUploadedFile("don.pdf", b"%PDF-1.4\n" + b"1" * 100))


def _pages(applicant: Applicant, scan: DossierFile) -> list[str]:
    return [reverse("admission:detail", args=[applicant.pk]), reverse("admission:print", args=[applicant.pk]),
            reverse("admission:file", args=[scan.pk]), f"/api/v1/admission/applicants/{applicant.pk}/",
            f"/api/v1/admission/acts/{applicant.acts.first().pk}/", f"/api/v1/admission/files/{scan.pk}/"]


def test_other_cell_gets_404_everywhere(applicant, scan, client_secretary_a, client_secretary_b):
    for url in _pages(applicant, scan)[:5]:
        assert client_secretary_a.get(url).status_code == 200, url
        assert client_secretary_b.get(url).status_code == 404, url
    for url, data in [(reverse("admission:act", args=[applicant.pk]), {"step": "awareness_course", "on": "2022-02-15"}),
                      (reverse("admission:upload", args=[applicant.pk]), {"upload-step": "application"}),
                      (reverse("admission:remove", args=[applicant.pk]), {"remove-on": "2022-02-15", "remove-reason": "x"}),
                      (reverse("admission:extend", args=[applicant.pk]), {"extend-reason": "x"})]:
        assert client_secretary_b.post(url, data).status_code == 404, url
    assert Applicant.objects.get(pk=applicant.pk).state == Step.LISTED
    assert client_secretary_b.get(reverse("admission:org", args=["ORG-CELL-A"])).status_code == 404
    assert client_secretary_b.get("/api/v1/admission/applicants/status/?under=ORG-CELL-A").status_code == 404
    listing = client_secretary_b.get("/api/v1/admission/applicants/").json()
    assert listing["count"] == 0


def test_guessed_file_urls_are_404(scan, client_secretary_b, client_secretary_a):
    for pk in (scan.pk, scan.pk + 1, 999999):
        assert client_secretary_b.get(reverse("admission:file", args=[pk])).status_code == 404
    assert client_secretary_b.get("/private/" + scan.stored_name).status_code == 404
    assert client_secretary_b.get("/media/" + scan.stored_name).status_code == 404


def test_file_read_is_logged(scan, client_secretary_a, secretary_a):
    r = client_secretary_a.get(reverse("admission:file", args=[scan.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert ReadLogEntry.objects.filter(actor=secretary_a, target_type="admission.dossierfile").count() == 1
    client_secretary_a.get(reverse("admission:detail", args=[scan.applicant_id]))
    assert ReadLogEntry.objects.filter(actor=secretary_a, target_type="admission.applicant").count() == 1


def test_secretary_lists_and_records_acts(cell_a, officials, client_secretary_a):
    url = reverse("admission:org", args=["ORG-CELL-A"])
    assert client_secretary_a.get(url).status_code == 200
    r = client_secretary_a.post(url, {
        "full_name": "Phạm Thị Mai", "gender": "female", "birth_date": "1998-02-03", "ethnicity": "01",
        "religion": "none", "general_education": "upper_secondary", "occupation": "student",
        "proposed_by": "youth_union", "helper": officials[0].pk, "listed_on": "2022-01-10", "resolution_no": "05-NQ/CB"})
    a = Applicant.objects.get(full_name="Phạm Thị Mai")
    assert r.status_code == 302 and a.helper_id == officials[0].pk
    r = client_secretary_a.post(reverse("admission:act", args=[a.pk]), {
        "step": "awareness_course", "on": "2022-02-15", "document_no": "CN-01"})
    assert r.status_code == 302
    assert Applicant.objects.get(pk=a.pk).state == Step.AWARENESS_COURSE


def test_bad_vote_refused_with_message_nothing_written(applicant, officials, client_secretary_a):
    a = walk(applicant, officials, Step.OPINIONS)
    acts = AdmissionAct.objects.count()
    with translation.override("en"):
        r = client_secretary_a.post(reverse("admission:act", args=[a.pk]), {
            "step": "cell_vote", "on": "2022-06-06", "votes_for": 6, "votes_against": 3}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert AdmissionAct.objects.count() == acts


def test_upload_refuses_exe_renamed_pdf(applicant, private, client_secretary_a):
    exe = SimpleUploadedFile("don.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    r = client_secretary_a.post(reverse("admission:upload", args=[applicant.pk]), {"upload-step": "application", "upload-file": exe})
    assert r.status_code == 400 and DossierFile.objects.count() == 0


def test_status_and_target_api(applicant, officials, tree, client_admin):
    walk(applicant, officials, Step.CEREMONY)
    services.target_set(actor=SYSTEM, org=tree["P1"], year=2022, kind="percent", value=3.2)
    r = client_admin.get("/api/v1/admission/applicants/target/?under=ORG-P1&year=2022").json()
    assert r["target_share"] == 3.2 and r["members_at_start"] == 6 and r["admitted"] == 1
    assert r["share"] == pytest.approx(16.67)
    r = client_admin.get("/api/v1/admission/applicants/status/?under=ORG-P1&as_of=2022-09-01").json()
    assert r["in_progress"] == 1
    r = client_admin.get("/api/v1/admission/applicants/admitted/?under=ORG-P1&from=2022-01-01&to=2022-12-31").json()
    assert r["admitted"] == 1
    assert client_admin.get("/api/v1/admission/applicants/status/?under=ORG-P1&as_of=zz").status_code == 400
    assert Member.objects.filter(pk=Applicant.objects.get(pk=applicant.pk).member_id).exists()


def test_pages_render(applicant, officials, client_staff_p1):
    walk(applicant, officials, Step.DECISION)
    for url in [reverse("admission:index"), reverse("admission:org", args=["ORG-P1"]),
                reverse("admission:overdue", args=["ORG-P1"]) + "?as_of=2023-01-01",
                reverse("admission:target", args=["ORG-P1"]) + "?year=2022",
                reverse("admission:detail", args=[applicant.pk]), reverse("admission:print", args=[applicant.pk])]:
        assert client_staff_p1.get(url).status_code == 200, url
    d = D(2023, 1, 1)
    assert d


def test_vote_from_the_meeting_on_the_page(applicant, officials, cell_a, client_secretary_a):
    from chibo.meetings import services as meetings
    from tests.meetings.conftest import at

    a = walk(applicant, officials, Step.OPINIONS)
    day = D(2022, 6, 6)
    m = meetings.meeting_schedule(actor=None, org=cell_a, kind="regular_monthly_meeting", scheduled_at=at(day))
    meetings.meeting_record(actor=None, meeting=m, held_at=at(day), duration_minutes=120, chair=officials[0],
                            clerk=officials[1], self_score=90,
                            entries=[meetings.AttendanceEntry(o.pk, "present") for o in officials])
    vote = meetings.vote_record(actor=None, meeting=m, question="Kết nạp", subject="admission", official_present=6,
                                votes_for=6, votes_against=0, abstentions=0)
    page = client_secretary_a.get(reverse("admission:detail", args=[a.pk])).content.decode()
    assert "Kết nạp" in page
    r = client_secretary_a.post(reverse("admission:act", args=[a.pk]), {
        "step": "cell_vote", "on": "2022-06-06", "votes_for": 0, "votes_against": 0, "meeting_vote": vote.pk})
    assert r.status_code == 302
    act = AdmissionAct.objects.get(applicant=a, step=Step.CELL_VOTE)
    assert act.meeting_vote_id == vote.pk and act.votes_for == 6 and act.passed


@pytest.mark.parametrize("event", ["recognized_official", "removed_from_list"])
def test_member_page_refuses_what_the_procedure_owns(applicant, officials, client_secretary_a, event, settings):
    """One door into the register (issue 14, item 3): a member in probation under the admission
    procedure is recognised or removed by the procedure's acts, not by the member page's event form;
    the form says where to go and nothing is written. Without a procedure the form still works."""
    from chibo.core.models import AuditEvent
    from chibo.members.models import MemberEvent

    a = walk(applicant, officials, Step.NEW_MEMBER_COURSE)
    member = Member.objects.get(pk=a.member_id)
    events, audits = MemberEvent.objects.count(), AuditEvent.objects.count()
    client_secretary_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client_secretary_a.post(reverse("members:event_create", args=[member.pk]), {
        "type": event, "on": "2023-08-01", "reason": "x", "decision_no": "1-QĐ", "decision_date": "2023-08-01",
        "issuer": "Đảng ủy"})
    assert r.status_code == 400
    assert "admission procedure" in r.content.decode()
    assert reverse("admission:detail", args=[a.pk]) in r.content.decode()
    assert (MemberEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)
    member.refresh_from_db()
    assert member.status == "probationary_member"
    # the procedure itself still records it
    walk(a, officials, Step.RECOGNITION_DECISION)
    member.refresh_from_db()
    assert member.status == "official_member"
