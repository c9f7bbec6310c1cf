"""The demo supervision data on a small tree (a Nghệ An province "40" with communes and cells, and
the factory tree): idempotent; Nghệ An's 2023 programme with late and open answers and the six key
tasks; letters not handled for a reason and overdue; the seed figures computed from the records."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest

from chibo.demo import supervision as demo
from chibo.orgs import kinds as K
from chibo.orgs.services import org_establish
from chibo.reports.compute import compute, question
from chibo.reports.registry import get
from chibo.supervision import selectors
from chibo.supervision.models import KeyTask, Letter, LetterState, Programme, Proposal

from .conftest import SYSTEM, admit

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def nghe_an(tree):
    root = org_establish(actor=None, code="40", name="Đảng bộ tỉnh Nghệ An", kind=K.PROVINCIAL, parent=None,
                         on=D(2020, 1, 1))
    for n, name in enumerate(("Đảng bộ xã Nghi Lộc", "Đảng bộ phường Hưng Dũng", "Đảng bộ thị trấn Quán Hành")):
        g = org_establish(actor=None, code=f"40-G{n}", name=name, kind=K.GRASSROOTS_COMMITTEE, parent=root,
                          on=D(2020, 1, 1))
        cell = org_establish(actor=None, code=f"40-G{n}-1", name=f"Chi bộ thôn {n}", kind=K.PARTY_CELL, parent=g,
                             on=D(2020, 1, 1))
        admit(cell, f"Nguyễn Văn Nghệ {'ABC'[n]}")
    admit(tree["CA"], "Trần Văn Quảng")
    return root


def test_build_is_idempotent_and_holds_the_seed_figures(nghe_an):
    out = StringIO()
    result = demo.build(stdout=out)
    assert result["built"] and "Nghệ An" in out.getvalue()
    programme = Programme.objects.get()
    assert programme.public and programme.org == nghe_an
    assert Proposal.objects.count() == demo.PROPOSALS
    assert KeyTask.objects.count() == 6
    rows = selectors.programme_report(user=SYSTEM, programme=programme, on=D(2025, 1, 1))
    assert sum(r["answered_late"] for r in rows) > 0 and sum(r["open"] for r in rows) > 0
    assert sum(r["answered_on_time"] for r in rows) > 0
    assert {r["agency"] for r in rows} >= {"Ban Tổ chức Tỉnh ủy", "Ban Cán sự đảng UBND tỉnh"}
    letters = Letter.objects.all()
    assert letters.filter(state=LetterState.NOT_HANDLED).exclude(not_handled_reason="").exists()
    assert selectors.overdue_letters(user=SYSTEM, org=None, on=dt.date.today()).exists()
    assert {handler for handler in letters.values_list("handler__code", flat=True)} & {"40-G0-1", "ORG-CELL-A"}
    before = (Letter.objects.count(), Proposal.objects.count())
    assert not demo.build(stdout=StringIO())["built"]
    assert (Letter.objects.count(), Proposal.objects.count()) == before
    ind = get("supervision.dialogue_programs")
    r = compute(ind, question(ind, user=SYSTEM, org=nghe_an, start=D(2023, 8, 3), end=D(2023, 8, 4)), use_cache=False)
    assert r.value == 1
    ind = get("supervision.dialogue_key_tasks")
    r = compute(ind, question(ind, user=SYSTEM, org=nghe_an, start=D(2023, 8, 3), end=D(2023, 12, 31)),
                use_cache=False)
    assert r.value == 6


def test_the_shared_demo_has_letters_in_quang_ninh(demo_quang_ninh):
    """The supervision step on the shared build (`chibo demo --base-only`, as the tests share it):
    Quảng Ninh's letters, some not handled for a recorded reason, some overdue; senders encrypted
    (no plaintext in the rows)."""
    from chibo.orgs.models import Organization
    from chibo.supervision.models import LetterSender

    out = StringIO()
    demo.build(stdout=out)
    assert "demo letters" in out.getvalue() or "letters in" in out.getvalue()

    qn = Organization.objects.get(code="22")
    letters = selectors.letters_under(user=SYSTEM, org=qn)
    assert letters.count() >= 6
    assert letters.filter(state=LetterState.NOT_HANDLED).exclude(not_handled_reason="").exists()
    assert selectors.overdue_letters(user=SYSTEM, org=qn, on=dt.date.today()).exists()
    sender = LetterSender.objects.filter(has_name=True).first()
    assert sender is not None and bytes(sender.name_enc).startswith(b"gAAAA")  # a Fernet token
