"""Acceptance: `chibo report seeds --json` on the demo (Quảng Ninh, built once per session by
tests/demo_fixture.py): every computable seed figure equals the seed's value; the others wait for
a named capability."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def quang_ninh(demo_quang_ninh):
    return demo_quang_ninh


def seeds() -> list[dict]:
    out = io.StringIO()
    call_command("report", "seeds", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_every_computable_seed_figure_is_equal(quang_ninh):
    from chibo.demo import cadres

    cadres.build(stdout=io.StringIO())  # the cadres of Quảng Ninh (rolled back with the test)
    rows = seeds()
    computed = [r for r in rows if r["status"] != "waiting"]
    assert [r for r in computed if r["status"] != "equal"] == []
    by = {(r["indicator"], r["as_of"] or r["from"]): r["computed"] for r in computed}
    assert by[("orgs.grassroots", "2020-01-01")] == 725
    assert by[("orgs.components", "2020-01-01")] == 31
    assert by[("orgs.party_cells", "2020-01-01")] == 4925
    assert by[("orgs.grassroots", "2024-06-30")] == 674
    assert by[("orgs.components", "2024-06-30")] == 39
    assert by[("orgs.party_cells", "2024-06-30")] == 4821
    assert by[("members.admitted_students", "2020-01-01")] == 283
    assert by[("members.admitted_private", "2020-01-01")] == 1061
    assert by[("members.left", "2021-01-01")] == 770
    rates = [r for r in computed if r["indicator"] == "members.admission_rate"]
    assert len(rates) == 4 and all(r["computed"] > r["target"] == 3.2 for r in rates)
    assert by[("orgs.district_committees", "2025-07-01")] == 0
    assert by[("orgs.commune_committees", "2025-07-01")] == 54
    assert by[("cadres.border_guard_deputies", "2024-06-30")] == 24
    assert by[("cadres.secretaries_village_heads", "2024-06-30")] == 100
    assert round(by[("cadres.coal_secretaries_managers", "2024-06-30")], 1) == 91.7
    waiting = [r for r in rows if r["status"] == "waiting"]
    assert waiting and all(r["waits_for"] and r["computed"] is None for r in waiting)


def test_the_seeds_page_on_the_demo(quang_ninh, client):
    from chibo.accounts.models import User

    client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())
    r = client.get("/reports/seeds/")
    body = r.content.decode()
    assert r.status_code == 200 and "4925" in body and "1061" in body
