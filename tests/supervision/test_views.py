"""Pages and API of supervision: the flows, out of scope = 404 on every page and endpoint, bad
input refused with a clear message, and the public form's abuse resistance."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from chibo.supervision import services
from chibo.supervision.forms import FeedbackForm
from chibo.supervision.models import Letter, LetterState

from .conftest import admit, receive, verified_client

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        cache.clear()
        yield


@pytest.fixture
def cell_b_letter(tree):
    return receive(tree["CB"], admit(tree["CB"], "Trần Văn Bê"))


def _routes_for(letter, programme, proposal, task) -> list[str]:
    return [
        f"/supervision/letters/{letter.pk}/", f"/supervision/letters/{letter.pk}/sender/",
        f"/api/v1/letters/{letter.pk}/", f"/api/v1/letter-senders/{letter.pk}/",
        f"/supervision/programmes/{programme.pk}/", f"/supervision/proposals/{proposal.pk}/",
        f"/supervision/key-tasks/{task.pk}/done/", f"/api/v1/dialogue-programmes/{programme.pk}/",
        f"/api/v1/dialogue-programmes/{programme.pk}/report/", f"/api/v1/dialogue-proposals/{proposal.pk}/",
        f"/api/v1/dialogue-programmes/{programme.pk}/key-tasks/",
    ]


def test_another_cell_gets_404_everywhere(tree, personas, cell_b_letter):
    ag = services.agency_create(actor=None, org=tree["CB"], name="Ban X", kind="other")
    p = services.programme_create(actor=None, org=tree["CB"], title="T", hosts="a", audience="b",
                                  starts_on=D(2024, 1, 2), ends_on=D(2024, 1, 2))
    prop = services.proposal_raise(actor=None, programme=p, topic="x", agency=ag)
    concl = services.conclusion_issue(actor=None, programme=p, number="1", issued_on=D(2024, 1, 3),
                                      tasks=[services.TaskData("t")])
    urls = _routes_for(cell_b_letter, p, prop, concl.tasks.get())
    outsider = Client()
    outsider.force_login(personas["secretary_a"])
    for url in urls:
        assert outsider.get(url).status_code in ((405,) if "/done/" in url else (404,)), url
        assert outsider.post(url).status_code in ((405,) if "/api/" in url else (404,)), url
    owner = Client()
    owner.force_login(personas["secretary_b"])
    assert owner.get(urls[0]).status_code == 200
    assert owner.get(urls[1]).status_code == 404  # a secretary never reads the sender
    assert owner.get(urls[4]).status_code == 200


def test_grassroots_inspection_sees_cell_letters_district_staff_does_not(tree, personas, cell_b_letter):
    from tests.factories import make_persona

    inspector = verified_client(make_persona("insp", role="inspection_staff", org=tree["GX1"]))
    assert inspector.get(f"/supervision/letters/{cell_b_letter.pk}/").status_code == 200
    staff = Client()
    staff.force_login(personas["district_x"])  # the Organization Committee: no letters
    assert staff.get(f"/supervision/letters/{cell_b_letter.pk}/").status_code == 404
    assert cell_b_letter.reference not in staff.get("/api/v1/letters/").content.decode()


def test_record_and_walk_a_letter_through_the_pages(tree, personas):
    m = admit(tree["CB"], "Trần Văn Xê")
    c = Client()
    c.force_login(personas["secretary_b"])
    r = c.post("/supervision/letters/", {
        "kind": "denunciation", "channel": "hand", "received_by": tree["CB"].code, "received_on": "2024-03-04",
        "subject_member": m.pk, "summary": "Lạm quyền", "sender_name": "Người gửi", "sender_address": "Thôn 1",
    })
    letter = Letter.objects.get()
    assert r.status_code == 302 and letter.handler == tree["CB"]
    url = f"/supervision/letters/{letter.pk}/"
    for data in ({"step": "accept", "on": "2024-03-05"}, {"step": "assign", "note": "Tổ 1"},
                 {"step": "verify"}, {"step": "conclude", "on": "2024-04-01", "conclusion": "Không đúng"},
                 {"step": "notify", "on": "2024-04-02"}):
        assert c.post(url, data).status_code == 302
    letter.refresh_from_db()
    assert letter.state == LetterState.NOTIFIED


def test_bad_input_is_refused_with_a_message(tree, personas):
    c = en(Client())
    c.force_login(personas["secretary_b"])
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = c.post("/supervision/letters/", {"kind": "feedback", "channel": "hand", "received_by": tree["CB"].code,
                                         "received_on": future, "summary": "x"})
    assert r.status_code == 200 and "cannot be in the future" in r.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post("/supervision/letters/", {"kind": "feedback", "channel": "hand", "received_by": tree["CB"].code,
                                         "received_on": "2024-03-04", "summary": "x",
                                         "scan": SimpleUploadedFile("a.exe", b"MZ\x90\x00")})
    assert "must be an image" in r.content.decode()
    assert not Letter.objects.exists()
    letter = receive(tree["CB"], admit(tree["CB"], "Trần Văn Dê"))
    for step in ("accept", "assign", "verify"):
        services_step = {"accept": services.letter_accept, "verify": services.letter_verify}
        if step == "assign":
            services.letter_assign(actor=None, letter=letter, note="x")
        else:
            services_step[step](actor=None, letter=letter)
    url = f"/supervision/letters/{letter.pk}/"
    c.post(url, {"step": "extend", "days": "10", "reason": "r", "notice_on": "2024-04-01"})
    r = c.post(url, {"step": "extend", "days": "10", "reason": "r", "notice_on": "2024-04-01"}, follow=True)
    assert "already extended once" in r.content.decode()


def en(c: Client) -> Client:
    """Pages in English (the messages are checked in the catalogue's msgids)."""
    from django.conf import settings

    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def _feedback(c: Client, code: str, **extra):
    data = {"kind": "feedback", "summary": "Đường thôn xuống cấp nhiều năm chưa sửa", "name": "Dân",
            "address": "Thôn 2", "contact": "", "website": "", "started": extra.pop("started", None)}
    data.update(extra)
    return c.post(f"/feedback/{code}/", data)


def test_public_feedback_without_sign_in(tree, monkeypatch):
    c = en(Client())
    assert c.get(f"/feedback/{tree['GX1'].code}/").status_code == 200
    assert c.get("/feedback/NO-SUCH/").status_code == 404
    # sent at once: refused (too fast)
    r = _feedback(c, tree["GX1"].code, started=FeedbackForm.stamp())
    assert "too fast" in r.content.decode() and not Letter.objects.exists()
    # a robot filling the honeypot: refused
    from django.core import signing

    stamp = signing.TimestampSigner(salt="chibo.supervision.feedback")
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(time.time()) - 60))
    aged = stamp.sign("form")
    r = _feedback(c, tree["GX1"].code, started=aged, website="http://spam")
    assert "could not be accepted" in r.content.decode() and not Letter.objects.exists()
    r = _feedback(c, tree["GX1"].code, started="forged")
    assert not Letter.objects.exists()
    r = _feedback(c, tree["GX1"].code, started=aged)
    letter = Letter.objects.get()
    assert letter.reference in r.content.decode() and letter.channel == "web" and letter.handler == tree["GX1"]
    assert "Dân" not in r.content.decode().split("<main")[1].split("</main>")[0].replace(letter.reference, "")
    for _ in range(4):
        _feedback(c, tree["GX1"].code, started=aged)
    r = _feedback(c, tree["GX1"].code, started=aged)
    assert r.status_code == 429 and Letter.objects.count() == 5


def test_public_programme_page_without_sign_in(tree):
    ag = services.agency_create(actor=None, org=tree["P1"], name="Sở Giao thông", kind="department")
    p = services.programme_create(actor=None, org=tree["P1"], title="Đối thoại 2023", hosts="a", audience="b",
                                  starts_on=D(2023, 8, 3), ends_on=D(2023, 8, 4))
    prop = services.proposal_raise(actor=None, programme=p, topic="Làm đường", agency=ag, raised_by="Ông Canaryraise")
    services.proposal_answer(actor=None, proposal=prop, on=D(2023, 9, 1), answer="Đã bố trí vốn")
    c = Client()
    assert c.get(f"/public/programmes/{p.public_key}/").status_code == 404  # not published
    services.programme_publish(actor=None, programme=p, public=True)
    body = c.get(f"/public/programmes/{p.public_key}/").content.decode()
    assert "Làm đường" in body and "Đã bố trí vốn" in body and "Canaryraise" not in body


def test_api_summary_and_report(tree, personas):
    from chibo.supervision import selectors

    letter = receive(tree["CB"], admit(tree["CB"], "Trần Văn Ết"))
    services.letter_not_handle(actor=None, letter=letter, reason="vague")
    c = Client()
    c.force_login(personas["secretary_b"])
    r = c.get("/api/v1/letters/summary/", {"under": tree["CB"].code, "from": "2024-01-01", "to": "2024-12-31"})
    assert r.status_code == 200
    data = r.json()
    assert data["received"] == 1 and data["not_handled"]["vague"] == 1
    assert set(data) == {"received", "handled", "on_time", "overdue", "not_handled"}
    assert c.get("/api/v1/letters/summary/", {"from": "99999-01-01"}).status_code == 400
    assert selectors.letter_summary(user=personas["secretary_a"], org=None, start=D(2024, 1, 1),
                                    end=D(2024, 12, 31))["received"] == 0
