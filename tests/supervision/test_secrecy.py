"""The sender is secret (security.md G20, G21, G5; issue 16's canary test).

Canary senders (name, address, contact, a scan) are planted in letters handled by a cell and by
a grassroots committee; every route of the application (pages, exports, API, the audit and read
logs) is then requested by every role that is not the inspection role over the handling body,
including the accused member's own cell secretary: the canaries appear nowhere. The entitled
inspector does read them, once a purpose is given, and each read is logged without the values.
The database holds ciphertext only, and no log line carries a canary.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

import tests.test_routes_scoping as routes
from chibo.core.models import AuditEvent, ReadLogEntry
from chibo.supervision.models import LetterSender
from chibo.supervision.services import SenderData
from tests.factories import make_persona

from .conftest import (
    CANARIES,
    CANARY_ADDRESS,
    CANARY_CONTACT,
    CANARY_NAME,
    admit,
    receive,
    verified_client,
)

pytestmark = pytest.mark.django_db
SCAN = b"%PDF-1.4 CANARYSCAN handwriting"


@pytest.fixture
def letters(tree):
    m = admit(tree["CA"], "Nguyễn Văn Bịtốcáo")
    cell_letter = receive(tree["CA"], m, scans=[SCAN])
    committee_letter = receive(tree["CA"], m, kind="complaint")
    return cell_letter, committee_letter


def _urls(letter_pks: list[int]) -> list[str]:
    out = []
    for route in routes.ROUTES:
        if route.view_id in routes.ALLOWLIST:
            continue
        values_list: list[dict[str, str]] = []
        if route.object_params:
            model = routes.model_of(route)
            if model and model.startswith("supervision.letter") or route.name == "supervision:letter":
                values_list = [{p: str(pk) for p in route.object_params} for pk in letter_pks]
            else:
                try:
                    values_list = [{p: v for p, v in routes.placeholder_values(route).items() if p != "_url"}]
                except AssertionError:
                    continue
        else:
            values_list = [{}]
        for values in values_list:
            try:
                out.append(routes.build_url(route, values))
            except AssertionError:
                continue
    return out


def _leaks(body: bytes) -> list[str]:
    text = body.decode(errors="replace")
    return [c for c in (*CANARIES, "CANARYSCAN") if c in text]


def test_no_other_role_sees_the_sender(tree, personas, letters, caplog):
    cell_letter, committee_letter = letters
    others = {
        **personas,
        "inspector_gy1": make_persona("inspector_gy1", role="inspection_staff", org=tree["GY1"]),
        "viewer_p1": make_persona("viewer_p1", role="committee_viewer", org=tree["P1"]),
        "mass_p1": make_persona("mass_p1", role="mass_mobilization_staff", org=tree["P1"]),
    }
    others.pop("admin")  # the system administrator holds every action, the inspection one too
    urls = _urls([cell_letter.pk, committee_letter.pk])
    assert any("/letters/" in u for u in urls) and any("letter-senders" in u for u in urls)
    caplog.set_level(logging.DEBUG)
    for name, user in others.items():
        c = verified_client(user)
        assert c.get("/").status_code == 200, name  # signed in for real (no pending step)
        for url in urls:
            for r in (c.get(url), c.get(url, {"purpose": "curious"}),
                      c.post(url, {"purpose": "curious", "scan": "1"})):
                assert r.status_code < 500, (name, url, r.status_code)
                body = b"".join(r.streaming_content) if r.streaming else r.content
                assert not _leaks(body), (name, url, _leaks(body))
    # the accused member's own cell secretary does see the letter, not its sender
    c = Client()
    c.force_login(personas["secretary_a"])
    page = c.get(f"/supervision/letters/{cell_letter.pk}/")
    assert page.status_code == 200 and cell_letter.reference in page.content.decode()
    assert c.get(f"/supervision/letters/{cell_letter.pk}/sender/").status_code == 404
    for e in AuditEvent.objects.all():
        assert not _leaks(repr((e.before, e.after, e.reason, e.target_label)).encode())
    for entry in ReadLogEntry.objects.all():
        assert not _leaks(repr((entry.purpose, entry.target_id)).encode())
    assert not _leaks(caplog.text.encode())


def test_the_inspector_reads_the_sender_with_a_purpose_and_it_is_logged(tree, letters):
    cell_letter, committee_letter = letters
    inspector = make_persona("inspector_gx1", role="inspection_staff", org=tree["GX1"])
    c = verified_client(inspector)
    url = f"/supervision/letters/{cell_letter.pk}/sender/"
    assert not _leaks(c.get(url).content)  # no purpose yet: nothing shown
    before = ReadLogEntry.objects.count()
    body = c.post(url, {"purpose": "xác minh đơn"}).content.decode()
    assert CANARY_NAME in body and CANARY_ADDRESS in body and CANARY_CONTACT in body
    entry = ReadLogEntry.objects.order_by("-id").first()
    assert ReadLogEntry.objects.count() == before + 1 and entry.purpose == "sender: xác minh đơn"
    assert AuditEvent.objects.filter(action="letter.sender_read", target_id=str(cell_letter.pk)).exists()
    scan = c.post(url, {"purpose": "đối chiếu chữ viết", "scan": str(cell_letter.scans.get().pk)})
    assert scan.status_code == 200 and scan.content == SCAN
    api = c.get(f"/api/v1/letter-senders/{cell_letter.pk}/")
    assert api.status_code == 400  # a purpose is required
    api = c.get(f"/api/v1/letter-senders/{cell_letter.pk}/", {"purpose": "xác minh"})
    assert api.json()["name"] == CANARY_NAME
    # the complaint is handled by GX1 (the committee above the cell): GX1's inspector reads it too
    assert c.get(f"/api/v1/letter-senders/{committee_letter.pk}/", {"purpose": "x"}).status_code == 200


def test_database_holds_ciphertext_only(tree, letters):
    with connection.cursor() as cur:
        cur.execute("SELECT name_enc, address_enc, contact_enc FROM supervision_lettersender")
        rows = cur.fetchall()
        cur.execute("SELECT content_enc FROM supervision_letterscan")
        scans = cur.fetchall()
    assert rows and scans
    for row in [*rows, *scans]:
        for value in row:
            assert not _leaks(bytes(value))
    assert LetterSender.objects.filter(has_name=True, has_address=True).count() == 2


def test_anonymous_sender_is_recorded_as_such(tree):
    letter = receive(tree["CA"], None, sender=SenderData())
    s = LetterSender.objects.get(letter=letter)
    assert not s.has_name and bytes(s.name_enc) == b""
