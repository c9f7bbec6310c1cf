"""Issue 19, item 5: the change history reads as translated phrases and "field: before → after",
for every action Chibo records today, in the four languages; never a raw key or a Python value."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from chibo.core import history
from chibo.core.models import AuditEvent
from chibo.orgs import services as org_services

pytestmark = pytest.mark.django_db

RAW = re.compile(r"\b(org|member|transfer|user|role|token|rules|dpia|restructuring|geo)\.[a-z_]+\b|\{'|\['")


@pytest.mark.parametrize("language", ["vi", "en", "ko", "fa"])
def test_an_organization_history_reads_as_sentences(admin, tree, language):
    org_services.org_move(actor=admin, org=tree["CB"], parent=tree["GY1"], on=dt.date(2024, 3, 1))
    org_services.org_rename(actor=admin, org=tree["CB"], name="Chi bộ khu phố 2 mới", on=dt.date(2024, 4, 1))
    c = Client()
    c.force_login(admin)
    c.cookies["chibo_language"] = language
    page = c.get(f"/orgs/{tree['CB'].code}/").content.decode()
    section = page.split('id="history"')[1].split("</section>")[0]
    words = re.sub(r"<[^>]+>", " ", section)
    assert not RAW.findall(words), RAW.findall(words)
    assert "ORG-GX1" in words and "ORG-GY1" in words  # the move, from and to
    assert "Chi bộ khu phố 2 mới" in words


def test_every_action_recorded_today_has_a_phrase():
    """Every action key the services write (found in the source) is registered."""
    import pathlib

    source = pathlib.Path(history.__file__).resolve().parent.parent
    keys: set[str] = set()
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', text))
    keys -= {"append", "store_true"}
    missing = sorted(k for k in keys if history.action_phrase(k) == str(history.UNKNOWN_ACTION))
    assert not missing, missing


def test_changes_show_only_what_differs_and_format_values():
    with translation.override("en"):
        _check_changes()


def _check_changes():
    rows = history.changes({"status": "probationary_member", "full_name": "A", "valid_from": "2024-01-02"},
                           {"status": "official_member", "full_name": "A", "valid_from": "2024-01-03"})
    assert [r.label for r in rows] == ["Status", "From"]
    assert rows[0].before == "Probationary member" and rows[0].after == "Official member"
    assert "2024" in rows[1].after and "-" not in rows[1].after  # a date for people


def test_an_unknown_action_and_field_read_plainly():
    with translation.override("en"):
        _check_unknown()


def _check_unknown():
    event = AuditEvent(action="something.new", before=None, after={"some_field": [1, 2]})
    (entry,) = history.describe([event])
    assert entry.phrase == "Change recorded"
    assert entry.changes[0].label == "some field" and entry.changes[0].after == "1, 2"
