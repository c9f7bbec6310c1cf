"""Access acceptance on the demo (Access issue): signed in as the demo secretary of one Quảng
Ninh cell, the API and the pages show that cell's data only, and a sibling cell is 404."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chibo.core.validtime import today
from chibo.demo import orgs as demo
from chibo.members.models import Affiliation
from chibo.orgs.models import Organization, OrgVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(demo_quang_ninh) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username="qn-secretary"))
    return client


def _sibling(cell: Organization) -> Organization:
    on = today()
    mine = cell.version_on(on)
    other = (OrgVersion.objects.filter(parent_id=mine.parent_id, valid_from__lte=on)
             .exclude(org=cell).exclude(valid_to__lte=on).select_related("org").order_by("org__code").first())
    assert other is not None, "the demo secretary's cell has a sibling"
    return other.org


def test_the_secretary_sees_their_cell_only(secretary):
    cell = Organization.objects.get(code=demo.SECRETARY_CELL_CODE)
    sibling = _sibling(cell)

    listing = secretary.get("/api/v1/organizations/", {"page_size": 500})
    assert listing.status_code == 200
    assert {row["code"] for row in listing.json()["results"]} == {cell.code}
    assert secretary.get(f"/api/v1/organizations/{cell.code}/").status_code == 200
    assert secretary.get(f"/api/v1/organizations/{sibling.code}/").status_code == 404
    assert secretary.get(f"/orgs/{sibling.code}/").status_code == 404
    assert secretary.get(f"/orgs/{cell.code}/").status_code == 200

    members = secretary.get("/api/v1/members/", {"page_size": 500})
    assert members.status_code == 200
    rows = members.json()["results"]
    assert rows, "the demo cell has members"
    # Current members show the cell; former members (who left the party) show none, and every
    # member listed was affiliated with this cell and no member of another cell is listed.
    assert {row["cell"] for row in rows} <= {cell.code, None}
    ids = {row["id"] for row in rows}
    in_cell = set(Affiliation.objects.filter(org=cell).values_list("member_id", flat=True))
    assert ids <= in_cell and len(ids) == min(len(in_cell), 500)
