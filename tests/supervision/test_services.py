"""Letters and dialogue programmes through their services: routing, the deadlines from the
rulebook and the working-day calendar, the refusals of bad input (nothing written), the state
machine, the summaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from chibo.core.models import AuditEvent
from chibo.rules.calendar import add_working_days
from chibo.supervision import selectors, services
from chibo.supervision.models import (
    Letter,
    LetterScan,
    LetterState,
    LetterTransition,
    ProposalState,
)
from chibo.supervision.services import SenderData, TaskData

from .conftest import SYSTEM, admit, receive

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _through(letter, *, concluded=None):
    letter = services.letter_accept(actor=None, letter=letter, on=letter.competent_received_on)
    letter = services.letter_assign(actor=None, letter=letter, note="Tổ kiểm tra", on=letter.competent_received_on)
    letter = services.letter_verify(actor=None, letter=letter, on=letter.competent_received_on)
    if concluded:
        letter = services.letter_conclude(actor=None, letter=letter, on=concluded, conclusion="Đúng một phần")
    return letter


def test_denunciation_against_a_member_goes_to_the_cell(tree):
    m = admit(tree["CA"], "Nguyễn Văn Bị")
    letter = receive(tree["GX1"], m)
    assert letter.handler == tree["CA"] and letter.state == LetterState.RECEIVED
    assert str(letter) == letter.reference


def test_complaint_and_organization_letters_go_up(tree):
    m = admit(tree["CA"], "Nguyễn Văn Khiếu")
    complaint = receive(tree["CA"], m, kind="complaint")
    assert complaint.handler == tree["GX1"]
    about_cell = receive(tree["GX1"], None, subject_org=tree["CB"])
    assert about_cell.handler == tree["GX1"]


def test_deadline_is_ninety_working_days_from_the_competent_receipt(tree):
    m = admit(tree["CA"], "Nguyễn Văn Hạn")
    letter = receive(tree["GX1"], m, on=D(2024, 1, 2), competent_received_on=D(2024, 1, 5))
    letter = services.letter_accept(actor=None, letter=letter, on=D(2024, 1, 5))
    assert letter.deadline == add_working_days(D(2024, 1, 5), 90)
    # Tết 2024 (8–14 Feb) is skipped: more than 90*7/5 calendar days
    assert (letter.deadline - D(2024, 1, 5)).days > 126
    assert letter.deadline_rule["key"] == "denunciation.deadline_working_days"


def test_not_handled_with_reason_and_anonymous_cannot_be_accepted(tree):
    letter = receive(tree["CA"], None, sender=SenderData())
    assert "anonymous" in services.screening(letter)
    with pytest.raises(ValidationError, match="not handled"):
        services.letter_accept(actor=None, letter=letter)
    letter = services.letter_not_handle(actor=None, letter=letter, reason="anonymous")
    assert letter.state == LetterState.NOT_HANDLED
    s = selectors.letter_summary(user=SYSTEM, org=None, start=D(2024, 1, 1), end=D(2024, 12, 31))
    assert s["not_handled"]["anonymous"] == 1 and s["received"] == 1


def test_mixed_letter_is_handled_as_a_complaint_with_guidance(tree):
    m = admit(tree["CA"], "Nguyễn Văn Trộn")
    letter = receive(tree["CA"], m, kind="mixed")
    assert letter.handler == tree["GX1"]
    letter = services.letter_accept(actor=None, letter=letter)
    assert "tố cáo" in letter.guidance


def test_future_date_refused_and_nothing_written(tree):
    before = Letter.objects.count()
    with pytest.raises(ValidationError, match="future"):
        receive(tree["CA"], None, on=timezone.localdate() + dt.timedelta(days=1))
    assert Letter.objects.count() == before


def test_upload_not_image_or_pdf_refused(tree):
    with pytest.raises(ValidationError, match="image"):
        receive(tree["CA"], None, scans=[b"MZ\x90\x00 an executable"])
    assert not Letter.objects.exists()
    letter = receive(tree["CA"], None, scans=[b"%PDF-1.4 scan", b"\x89PNG\r\n\x1a\nxx"])
    assert LetterScan.objects.filter(letter=letter).count() == 2
    assert b"%PDF" not in bytes(LetterScan.objects.filter(letter=letter).first().content_enc)


def test_extension_once_with_notice(tree):
    m = admit(tree["CA"], "Nguyễn Văn Gia")
    letter = _through(receive(tree["CA"], m))
    letter = services.letter_extend(actor=None, letter=letter, days=30, reason="Cần xác minh thêm",
                                    notice_on=D(2024, 6, 1))
    assert letter.extended_until == add_working_days(letter.deadline, 30)
    with pytest.raises(ValidationError, match="already extended"):
        services.letter_extend(actor=None, letter=letter, days=10, reason="Lần hai", notice_on=D(2024, 6, 2))


def test_extension_longer_than_the_rule_refused(tree):
    letter = _through(receive(tree["CA"], admit(tree["CA"], "Nguyễn Văn Dài")))
    with pytest.raises(ValidationError, match="between 1 and 30"):
        services.letter_extend(actor=None, letter=letter, days=31, reason="x", notice_on=D(2024, 6, 1))


def test_state_goes_forward_and_back_only_by_reopening(tree):
    letter = _through(receive(tree["CA"], admit(tree["CA"], "Nguyễn Văn Lùi")), concluded=D(2024, 5, 2))
    with pytest.raises(ValidationError):
        services.letter_verify(actor=None, letter=letter)
    letter = services.letter_notify(actor=None, letter=letter, on=D(2024, 5, 3))
    letter = services.letter_reopen(actor=None, letter=letter, reason="Có chứng cứ mới", on=D(2024, 6, 3))
    assert letter.state == LetterState.VERIFICATION
    assert LetterTransition.objects.filter(letter=letter, reopening=True).count() == 1


def test_conclusion_links_the_discipline_event_of_the_member(tree):
    from chibo.members.models import MemberEvent

    m = admit(tree["CA"], "Nguyễn Văn Kỷ")
    other = admit(tree["CA"], "Nguyễn Văn Khác")
    letter = _through(receive(tree["CA"], m))
    wrong = MemberEvent.objects.filter(member=other).first()
    with pytest.raises(ValidationError, match="member concerned"):
        services.letter_conclude(actor=None, letter=letter, on=D(2024, 5, 2), conclusion="x", discipline_event=wrong)
    event = MemberEvent.objects.filter(member=m).first()
    letter = services.letter_conclude(actor=None, letter=letter, on=D(2024, 5, 2), conclusion="Kỷ luật",
                                      discipline_event=event)
    assert letter.discipline_event == event


def test_congress_freeze_defers_then_resumes(tree):
    m = admit(tree["CA"], "Nguyễn Văn Đại")
    services.congress_round_create(actor=None, org=tree["P1"], name="Đại hội 2025", opens_on=D(2024, 4, 1))
    letter = receive(tree["CA"], m, on=D(2024, 3, 4), congress_related=True)
    letter = services.letter_accept(actor=None, letter=letter, on=D(2024, 3, 4))
    assert letter.state == LetterState.DEFERRED and letter.deadline is None
    with pytest.raises(ValidationError):
        services.letter_resume(actor=None, letter=letter, on=D(2024, 3, 20))
    letter = services.letter_resume(actor=None, letter=letter, on=D(2024, 4, 2))
    assert letter.deadline == add_working_days(D(2024, 4, 2), 90)


def test_overdue_and_summary(tree):
    m = admit(tree["CA"], "Nguyễn Văn Trễ")
    late = _through(receive(tree["CA"], m, on=D(2023, 1, 3)))
    on_time = _through(receive(tree["CA"], m, on=D(2023, 2, 1)), concluded=D(2023, 3, 1))
    today = timezone.localdate()
    assert list(selectors.overdue_letters(user=SYSTEM, org=tree["P1"], on=today)) == [late]
    assert selectors.overdue_by_body(user=SYSTEM, org=None, on=today)[0]["code"] == tree["CA"].code
    s = selectors.letter_summary(user=SYSTEM, org=tree["P1"], start=D(2023, 1, 1), end=D(2023, 12, 31))
    assert (s["received"], s["handled"], s["on_time"], s["overdue"]) == (2, 1, 1, 1)
    assert on_time.state == LetterState.CONCLUDED


def test_audit_has_no_sender(tree):
    receive(tree["CA"], None)
    for e in AuditEvent.objects.filter(action__startswith="letter."):
        assert "Canary" not in repr((e.before, e.after, e.reason, e.target_label))


# --- dialogue ------------------------------------------------------------------------------------


@pytest.fixture
def programme(tree):
    org = tree["P1"]
    oc = services.agency_create(actor=None, org=org, name="Ban Tổ chức Tỉnh ủy", kind="organization_committee")
    dv = services.agency_create(actor=None, org=org, name="Ban Dân vận Tỉnh ủy", kind="mass_mobilization_committee")
    p = services.programme_create(actor=None, org=org, title="Gặp mặt, đối thoại 2023", hosts="Ban Thường vụ",
                                  audience="Bí thư, Chủ tịch xã", starts_on=D(2023, 8, 3), ends_on=D(2023, 8, 4),
                                  theme="Đoàn kết – Dân chủ – Sáng tạo – Phát triển", monitor=dv)
    return p, oc, dv


def test_proposals_deadline_answer_report(programme, tree):
    p, oc, dv = programme
    a = services.proposal_raise(actor=None, programme=p, topic="Bố trí cán bộ", agency=oc, commune=tree["GX1"])
    assert a.due_on == add_working_days(D(2023, 8, 4), 30) and a.number == 1
    b = services.proposal_raise(actor=None, programme=p, topic="Sáp nhập thôn", agency=oc, due_on=D(2023, 9, 1))
    c = services.proposal_raise(actor=None, programme=p, topic="Nhà ở", agency=dv, due_on=D(2023, 9, 1))
    services.proposal_answer(actor=None, proposal=a, on=D(2023, 9, 1), answer="Đã bố trí")
    services.proposal_answer(actor=None, proposal=b, on=D(2023, 10, 2), answer="Đã trả lời muộn")
    with pytest.raises(ValidationError, match="only when"):
        services.proposal_remind(actor=None, proposal=c, on=D(2023, 8, 20), escalate=True)
    services.proposal_remind(actor=None, proposal=c, on=D(2023, 8, 20), note="Đôn đốc")
    services.proposal_remind(actor=None, proposal=c, on=D(2023, 9, 5), escalate=True)
    c.refresh_from_db()
    assert c.escalated_on == D(2023, 9, 5) and c.state == ProposalState.OPEN
    rows = {r["agency"]: r for r in selectors.programme_report(user=SYSTEM, programme=p, on=D(2023, 12, 31))}
    assert rows["Ban Tổ chức Tỉnh ủy"] == {**rows["Ban Tổ chức Tỉnh ủy"], "assigned": 2, "answered_on_time": 1,
                                                 "answered_late": 1, "open": 0}
    assert rows["Ban Dân vận Tỉnh ủy"]["open"] == 1 and rows["Ban Dân vận Tỉnh ủy"]["overdue"] == 1
    with pytest.raises(ValidationError, match="answered already"):
        services.proposal_answer(actor=None, proposal=a, on=D(2023, 9, 2), answer="x")


def test_conclusion_with_six_key_tasks(programme):
    p, oc, dv = programme
    c = services.conclusion_issue(actor=None, programme=p, number="KL-1", issued_on=D(2023, 8, 29),
                                  tasks=[TaskData(f"Nhiệm vụ {i}", oc, D(2023, 12, 31)) for i in range(1, 7)])
    assert c.tasks.count() == 6
    t = c.tasks.first()
    services.key_task_complete(actor=None, task=t, done_on=D(2023, 12, 1))
    with pytest.raises(ValidationError):
        services.key_task_complete(actor=None, task=t, done_on=D(2023, 1, 1))


def test_public_programme_has_no_personal_data(programme, tree):
    p, oc, dv = programme
    services.proposal_raise(actor=None, programme=p, topic="Đường giao thông", agency=oc,
                            raised_by="Ông Canaryraiser, Bí thư xã")
    with pytest.raises(type(p).DoesNotExist):
        selectors.public_programme(key=str(p.public_key))
    services.programme_publish(actor=None, programme=p, public=True)
    prog, rows = selectors.public_programme(key=str(p.public_key))
    assert rows[0].topic == "Đường giao thông"
    assert "Canaryraiser" not in repr(rows)


def test_commands_print_the_summary_and_the_report(tree, programme):
    import json
    from io import StringIO

    from django.core.management import call_command

    m = admit(tree["CA"], "Nguyễn Văn Lệnh")
    letter = receive(tree["CA"], m, on=D(2024, 2, 1))
    services.letter_not_handle(actor=None, letter=letter, reason="withdrawn")
    out = StringIO()
    call_command("supervision", "summary", "--under", tree["P1"].code, "--from", "2024-01-01", "--to",
                 "2024-12-31", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"received", "handled", "on_time", "overdue", "not_handled"}
    assert data["received"] == 1 and data["not_handled"]["withdrawn"] == 1
    p, oc, dv = programme
    services.proposal_raise(actor=None, programme=p, topic="x", agency=oc)
    out = StringIO()
    call_command("dialogue", "report", "--programme", str(p.pk), "--json", stdout=out)
    row = json.loads(out.getvalue())["agencies"]["Ban Tổ chức Tỉnh ủy"]
    assert {k: row[k] for k in ("assigned", "answered_on_time", "answered_late", "open")} == {
        "assigned": 1, "answered_on_time": 0, "answered_late": 0, "open": 1}


def test_key_rotation_keeps_senders_readable(tree, settings, monkeypatch):
    from chibo.supervision import secrecy
    from chibo.supervision.models import LetterSender

    old = secrecy.new_key()
    monkeypatch.setenv("CHIBO_SENDER_KEYS", old)
    letter = receive(tree["CA"], None)
    new = secrecy.new_key()
    monkeypatch.setenv("CHIBO_SENDER_KEYS", f"{new},{old}")
    assert services.rotate_sender_keys() >= 1
    monkeypatch.setenv("CHIBO_SENDER_KEYS", new)
    s = LetterSender.objects.get(letter=letter)
    assert secrecy.decrypt_text(s.name_enc).endswith("Canarysender")
