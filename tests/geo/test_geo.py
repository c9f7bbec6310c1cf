"""Loading Vietnam's administrative units: counts, idempotence, the `geo` command.

The real data is loaded once for the module (two loads, to prove the second changes nothing),
inside a transaction that is rolled back afterwards so no other test sees it.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from chibo.core.audit import verify_chain
from chibo.core.models import AuditEvent
from chibo.geo.models import REFORM_DATE, AdminUnit, AdminUnitSuccession, Edition, Level
from chibo.geo.selectors import geo_stats
from chibo.geo.services import geo_load

EXPECTED = {
    "legacy": {"province": 63, "district": 696, "commune": 10040},
    "current": {"province": 34, "commune": 3321},
}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            progress: list[str] = []
            first = geo_load(progress=progress.append)
            audits_after_first = AuditEvent.objects.filter(action="geo.load").count()
            second = geo_load()
            audits_after_second = AuditEvent.objects.filter(action="geo.load").count()
            yield {
                "first": first,
                "second": second,
                "progress": progress,
                "audits": (audits_after_first, audits_after_second),
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def geo(loaded, db):
    return loaded


def test_first_load_creates_everything(geo):
    first = geo["first"]
    assert first.changed
    assert first.created == {
        "legacy.province": 63, "legacy.district": 696, "legacy.commune": 10040,
        "current.province": 34, "current.commune": 3321,
    }
    assert first.updated == {}
    assert first.successions_created > 10000
    assert geo["progress"] == ["legacy edition", "current edition", "mapping between editions"]


def test_second_load_changes_nothing(geo):
    second = geo["second"]
    assert second.changed is False
    assert second.created == {} and second.updated == {} and second.successions_created == 0
    assert geo_stats() == EXPECTED


def test_load_is_audited_once(geo):
    assert geo["audits"] == (1, 1)
    event = AuditEvent.objects.get(action="geo.load")
    assert event.after["created"]["current.commune"] == 3321
    assert verify_chain() == []


def test_stats_command_json(geo):
    out = StringIO()
    call_command("geo", "stats", "--json", stdout=out)
    assert json.loads(out.getvalue()) == EXPECTED


def test_stats_command_text(geo):
    out = StringIO()
    call_command("geo", "stats", stdout=out)
    text = out.getvalue()
    assert "legacy: province 63, district 696, commune 10040" in text
    assert "current: province 34, commune 3321" in text


def test_units_have_valid_time_and_hierarchy(geo):
    legacy = AdminUnit.objects.filter(edition=Edition.LEGACY)
    current = AdminUnit.objects.filter(edition=Edition.CURRENT)
    assert not legacy.exclude(valid_to=REFORM_DATE).exists()
    assert not legacy.exclude(valid_from__isnull=True).exists()
    assert not current.exclude(valid_from=REFORM_DATE).exists()
    assert not current.exclude(valid_to__isnull=True).exists()
    assert not AdminUnit.objects.filter(level=Level.PROVINCE, parent__isnull=False).exists()
    assert not legacy.filter(level=Level.DISTRICT).exclude(parent__level=Level.PROVINCE).exists()
    assert not legacy.filter(level=Level.COMMUNE).exclude(parent__level=Level.DISTRICT).exists()
    assert not current.filter(level=Level.COMMUNE).exclude(parent__level=Level.PROVINCE).exists()
    assert not current.filter(level=Level.DISTRICT).exists()


def test_successions_link_legacy_to_current(geo):
    assert not AdminUnitSuccession.objects.exclude(legacy__edition=Edition.LEGACY).exists()
    assert not AdminUnitSuccession.objects.exclude(current__edition=Edition.CURRENT).exists()
    # Every legacy commune-level unit that was divided has exactly one default destination
    divided = AdminUnitSuccession.objects.filter(divided=True)
    assert divided.exists()
    for legacy_id in divided.values_list("legacy_id", flat=True).distinct()[:50]:
        assert AdminUnitSuccession.objects.filter(legacy_id=legacy_id, is_default=True).count() == 1


def test_search_key_is_folded(geo):
    unit = AdminUnit.objects.filter(edition=Edition.LEGACY, short_name="Hạ Long").first()
    assert unit is not None
    assert unit.search_key == "ha long"
    assert AdminUnit.objects.filter(search_key="ha long").exists()
