"""Issue 19, item 9: a dissolved district says where its units and members went, with names and
links; "where did they go" is paged, with linked names; its "to" date label is a date in
Vietnamese, and what became of each member is translated. Out of scope: 404, nothing outside."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from chibo.restructuring import views
from chibo.restructuring.plans import plan_parse
from chibo.restructuring.selectors import units_went
from chibo.restructuring.services import plan_apply
from tests.factories import make_persona

from .helpers import plan_yaml, superuser
from .test_views import REFORM_EVENTS

pytestmark = [pytest.mark.django_db]

DISSOLVE = [*REFORM_EVENTS, {"type": "dissolve", "org": "RS-D1", "children_to": "RS-P"}]


def client_for(user, language: str = "en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    return c


@pytest.fixture
def reformed(world):
    plan_apply(actor=None, plan=plan_parse(plan_yaml(DISSOLVE, key="usability-plan")))
    for org in world.values():
        org.refresh_from_db()
    return world


@pytest.fixture
def admin(world):
    return make_persona("rs_u_admin", superuser=True)


def test_units_went_names_each_unit_and_its_destination(reformed):
    went = units_went(user=superuser(), org=reformed["RS-D1"])
    assert went is not None and went.members == 6
    by_code = {u.code: u for u in went.units}
    assert set(by_code) == {"RS-G1", "RS-G2", "RS-A1"}
    assert by_code["RS-G1"].how == "became" and by_code["RS-G1"].to == [("RS-N1", "Đảng bộ xã Hòa Bình Mới")]
    assert by_code["RS-G1"].members == 3 and by_code["RS-G2"].members == 2
    assert by_code["RS-A1"].how == "moved" and by_code["RS-A1"].to == [("RS-P", "Đảng bộ tỉnh Thử")]
    assert units_went(user=superuser(), org=reformed["RS-D2"]) is None  # still exists


def test_a_dissolved_districts_page_says_where_its_units_went(admin, reformed):
    with translation.override("en"):
        page = client_for(admin).get(reverse("orgs:detail", args=["RS-D1"])).content.decode()
    assert "No successor recorded." not in page
    assert "Its 3 units and 6 members went" in page
    assert re.search(r'<a href="/orgs/RS-N1/\?as_of=2025-07-01" dir="auto">Đảng bộ xã Hòa Bình Mới</a>', page)
    assert re.search(r'<a href="/orgs/RS-P/\?as_of=2025-07-01" dir="auto">Đảng bộ tỉnh Thử</a>', page)
    assert re.search(r'<a href="/orgs/RS-A1/\?as_of=2025-07-01" dir="auto">Chi bộ Trường THPT Một</a>', page)
    # the changes under it name the units (and keep their codes beside)
    assert re.search(r'<a href="/orgs/RS-G1/\?as_of=2025-07-01" dir="auto">Đảng bộ xã Hòa</a> <span class="kind"><bdi dir="ltr">RS-G1</bdi></span>',
                     page)


def test_the_dissolved_districts_page_has_a_bounded_number_of_queries(admin, reformed):
    c = client_for(admin)
    c.get(reverse("orgs:detail", args=["RS-D1"]))
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(reverse("orgs:detail", args=["RS-D1"])).status_code == 200
    assert len(ctx.captured_queries) < 60


def test_a_district_user_sees_only_their_district(reformed):
    d2 = make_persona("rs_u_d2", role="organization_committee_staff", org=reformed["RS-D2"])
    assert client_for(d2).get(reverse("orgs:detail", args=["RS-D1"])).status_code == 404
    d1 = make_persona("rs_u_d1", role="organization_committee_staff", org=reformed["RS-D1"])
    went = units_went(user=d1, org=reformed["RS-D1"])
    assert went is not None
    # the province and the new commune are outside a district user's scope: not named
    for unit in went.units:
        assert all(code not in {"RS-N1"} for code, _name in unit.to) or unit.how == "moved"


def test_where_is_paged_with_linked_names(admin, reformed, monkeypatch):
    monkeypatch.setattr(views, "GROUPS_PER_PAGE", 1)
    c = client_for(admin)
    first = c.get(reverse("restructuring:where"), {"province": "RS-P"}).content.decode()
    assert "Page 1 of" in first and "page=2" in first
    assert 'href="/orgs/RS-N1/?as_of=2025-07-01"' in first or 'unit=' in first
    second = c.get(reverse("restructuring:where"), {"province": "RS-P", "page": 2}).content.decode()
    assert "Page 2 of" in second
    unit = c.get(reverse("restructuring:where"), {"province": "RS-P", "unit": "RS-G1"}).content.decode()
    assert '<a href="/orgs/RS-C1/?as_of=2025-06-30" dir="auto">Chi bộ thôn 1</a>' in unit
    assert 'href="/orgs/RS-N1/?as_of=2025-07-01"' in unit
    assert re.search(r'<a href="/members/\d+/" dir="auto">', unit)
    assert "stayed in the province" in unit and "<span class=\"kind\">stayed</span>" not in unit


def test_where_in_vietnamese_and_persian(admin, reformed):
    page = client_for(admin, "vi").get(reverse("restructuring:where"),
                                        {"province": "RS-P", "unit": "RS-G1"}).content.decode()
    assert '<label for="to">Đến ngày</label>' in page and "Nơi chuyển đến" not in page
    assert "stayed" not in page
    page = client_for(admin, "fa").get(reverse("restructuring:where"),
                                        {"province": "RS-P", "unit": "RS-G1"}).content.decode()
    assert "stayed" not in page


def test_where_out_of_scope_is_404(reformed):
    d2 = make_persona("rs_u_d2b", role="organization_committee_staff", org=reformed["RS-D2"])
    c = client_for(d2)
    assert c.get(reverse("restructuring:where"), {"province": "RS-P", "unit": "RS-G1"}).status_code in (403, 404)
