"""The pages: check a plan (impact as a before/after tree), generate the 2025 plan into the form,
"where did they go", and the one-line lineage summary. Out of scope is the same as unknown: 404."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from chibo.orgs import kinds as K
from chibo.orgs.models import Organization
from chibo.orgs.selectors import org_lineage
from chibo.restructuring.plans import plan_parse
from chibo.restructuring.services import plan_apply
from tests.factories import make_persona

from .helpers import plan_yaml, row_counts, superuser

pytestmark = [pytest.mark.django_db]

REFORM_EVENTS = [
    {"type": "establish", "code": "RS-N1", "name": "Đảng bộ xã Hòa Bình Mới", "kind": K.COMMUNE_LEVEL,
     "parent": "RS-P"},
    {"type": "merge", "sources": ["RS-G1", "RS-G2"], "into": "RS-N1",
     "children_kinds": {K.PARTY_CELL: K.GRASSROOTS_CELL}},
]


def client_for(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


@pytest.fixture
def admin(world):
    return make_persona("rs_admin", superuser=True)


@pytest.fixture
def d1_staff(world):
    return make_persona("rs_d1", role="organization_committee_staff", org=world["RS-D1"])


@pytest.fixture
def viewer(world):
    return make_persona("rs_viewer", role="committee_viewer", org=world["RS-P"])


def test_anonymous_is_sent_to_sign_in(world):
    for name in ("check", "where", "plan_2025"):
        r = Client().get(reverse(f"restructuring:{name}"))
        assert r.status_code == 302 and r.headers["Location"].startswith("/login/")


def test_check_page_shows_the_impact_and_writes_nothing(admin):
    c = client_for(admin)
    assert c.get(reverse("restructuring:check")).status_code == 200
    counts = row_counts()
    r = c.post(reverse("restructuring:check"), {"plan": plan_yaml(REFORM_EVENTS, key="page-plan")})
    assert r.status_code == 200
    body = r.content.decode()
    assert "The plan can be applied" in body
    assert "Đảng bộ xã Hòa Bình Mới" in body and "mark-new" in body and "mark-closed" in body
    assert 'moved from <span dir="auto">Đảng bộ xã Hòa</span>' in body and "Grassroots party cell" in body
    assert row_counts() == counts


def test_check_page_upload_and_errors(admin):
    c = client_for(admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile("plan.yaml", plan_yaml(REFORM_EVENTS).encode(), content_type="text/yaml")
    assert c.post(reverse("restructuring:check"), {"file": f}).status_code == 200
    r = c.post(reverse("restructuring:check"), {"plan": "key: [unclosed"})
    assert r.status_code == 400 and "not valid YAML" in r.content.decode()
    r = c.post(reverse("restructuring:check"), {"plan": plan_yaml([{"type": "dissolve", "org": "RS-D1"}])})
    assert r.status_code == 200 and "would be refused" in r.content.decode()
    assert c.post(reverse("restructuring:check"), {"plan": ""}).status_code == 400


def test_out_of_scope_is_unknown(d1_staff, world):
    """A district's staff may check a plan inside the district; naming a unit of the other
    district answers 404 with the same message as a unit that does not exist."""
    c = client_for(d1_staff)
    inside = plan_yaml([{"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"}])
    r = c.post(reverse("restructuring:check"), {"plan": inside})
    assert r.status_code == 200 and "The plan can be applied" in r.content.decode()
    outside = c.post(reverse("restructuring:check"),
                     {"plan": plan_yaml([{"type": "merge", "sources": ["RS-C4"], "into": "RS-C1"}])})
    missing = c.post(reverse("restructuring:check"),
                     {"plan": plan_yaml([{"type": "merge", "sources": ["RS-C9"], "into": "RS-C1"}])})
    assert outside.status_code == missing.status_code == 404
    errors = [re.findall(r'<li class="error">(.*?)</li>', r.content.decode()) for r in (outside, missing)]
    assert [e.replace("RS-C4", "X") for e in errors[0]] == [e.replace("RS-C9", "X") for e in errors[1]]
    assert "unknown organization" in errors[0][0]
    assert "Chi bộ thôn 4" not in outside.content.decode()
    # the whole province is out of this user's reach for the 2025 plan and the report
    assert c.get(reverse("restructuring:plan_2025"), {"province": "RS-P"}).status_code == 404
    assert c.get(reverse("restructuring:where"), {"province": "RS-P"}).status_code == 404


def test_a_viewer_cannot_check_plans(viewer):
    assert client_for(viewer).get(reverse("restructuring:check")).status_code == 403


@pytest.mark.usefixtures("english")
def test_where_page(admin, world):
    plan_apply(actor=None, plan=plan_parse(plan_yaml(REFORM_EVENTS, key="where-plan")))
    c = client_for(admin)
    r = c.get(reverse("restructuring:where"), {"province": "RS-P"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "Đảng bộ xã Hòa" in body and "Đảng bộ xã Hòa Bình Mới" in body
    assert 'balance-bad' not in body
    assert "Commune-level party committee" in body and "District party committee" in body
    r = c.get(reverse("restructuring:where"), {"province": "RS-P", "unit": "RS-G1"})
    assert r.status_code == 200 and "stayed" in r.content.decode()
    assert c.get(reverse("restructuring:where"), {"province": "RS-P", "unit": "RS-NOPE"}).status_code == 404
    assert c.get(reverse("restructuring:where"), {"province": "RS-P", "from": "2025-07-01",
                                                  "to": "2025-06-01"}).status_code == 400


def test_plan_2025_page_fills_the_form(admin):
    from .test_plan2025 import build_91

    build_91()
    r = client_for(admin).get(reverse("restructuring:plan_2025"), {"province": "91"})
    assert r.status_code == 200
    assert "reform-2025-91" in r.content.decode() and "91-CL-90005" in r.content.decode()


@pytest.mark.usefixtures("english")
def test_lineage_summary_partial(world):
    plan_apply(actor=None, plan=plan_parse(plan_yaml(REFORM_EVENTS, key="lineage-plan")))
    new = Organization.objects.get(code="RS-N1")
    html = render_to_string("restructuring/_lineage_summary.html",
                            {"lineage": org_lineage(user=superuser(), org=new), "org": new})
    assert "Formed on" in html and "Đảng bộ xã Hòa</a> and <a" in html
    old = Organization.objects.get(code="RS-G1")
    html = render_to_string("restructuring/_lineage_summary.html",
                            {"lineage": org_lineage(user=superuser(), org=old), "org": old})
    assert "Merged on" in html and "Đảng bộ xã Hòa Bình Mới" in html
    assert render_to_string("restructuring/_lineage_summary.html", {"lineage": None}).strip() == ""
