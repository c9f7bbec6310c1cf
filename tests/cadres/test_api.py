"""The cadres API and CLI: figures from records, scoped; a secretary sees only their cell's posts, a
watcher their assigned units, and another province's posts answer 404."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from chibo.cadres import services
from chibo.cadres.models import FactKind, Position, Post, QualificationKind, RoleKind
from chibo.cadres.services import DecisionInfo
from chibo.members.choices import ProfessionalLevel, TheoryLevel
from chibo.orgs.models import Sector
from tests.factories import make_persona

from .conftest import ON, admit

D = dt.date


@pytest.fixture
def cadres(tree):
    """Secretaries of CA, CB (village cells) and CY1, and of GZ1's cell in the other province."""
    from chibo.orgs.services import org_establish

    for code in ("CA", "CB"):
        org = tree[code]
        org.sector = Sector.VILLAGE
        org.save(update_fields=["sector"])
    cz = org_establish(
        actor=None,
        code="ORG-CZ",
        name="Chi bộ thôn Z",
        kind="party_cell",
        parent=tree["GZ1"],
        on=D(2020, 1, 1),
    )
    out = {}
    for code, cell in (("CA", tree["CA"]), ("CB", tree["CB"]), ("CY1", tree["CY1"]), ("CZ", cz)):
        m = admit(cell)
        out[code] = services.post_assign(
            actor=None, org=cell, member=m, position=Position.SECRETARY, valid_from=ON
        )
    a, b = out["CA"].member, out["CB"].member
    services.qualification_record(
        actor=None,
        member=a,
        kind=QualificationKind.PROFESSIONAL,
        level=ProfessionalLevel.UNIVERSITY,
        obtained_on=D(2005, 6, 1),
    )
    services.qualification_record(
        actor=None,
        member=a,
        kind=QualificationKind.THEORY,
        level=TheoryLevel.ELEMENTARY,
        obtained_on=D(2021, 6, 1),
    )
    services.qualification_record(
        actor=None,
        member=b,
        kind=QualificationKind.THEORY,
        level=TheoryLevel.INTERMEDIATE,
        obtained_on=D(2019, 6, 1),
    )
    services.concurrent_role_add(
        actor=None, member=a, org=tree["CA"], kind=RoleKind.VILLAGE_HEAD, valid_from=ON
    )
    services.cadre_fact_record(
        actor=None, member=b, org=tree["GX1"], kind=FactKind.NON_LOCAL, valid_from=ON
    )
    course = services.course_create(
        actor=None,
        organizer=tree["P1"],
        topic="Nghiệp vụ",
        kind="skills",
        starts_on=D(2022, 3, 1),
        ends_on=D(2022, 3, 3),
    )
    services.course_create(
        actor=None,
        organizer=tree["P2"],
        topic="Nghiệp vụ",
        kind="skills",
        starts_on=D(2022, 3, 1),
        ends_on=D(2022, 3, 3),
    )
    services.enrolment_record(actor=None, course=course, member=a, attended_days=3, completed=True)
    services.enrolment_record(actor=None, course=course, member=b, attended_days=1, completed=False)
    return out


def _summary(**params) -> dict:  # type: ignore[no-untyped-def]
    out = StringIO()
    args = ["summary", "--json"] + [f"--{k.replace('_', '-')}={v}" for k, v in params.items()]
    call_command("cadres", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_the_summary_counts_records(cadres):
    s = _summary(under="ORG-P1", as_of="2021-07-01")
    assert s["secretaries"] == 3
    assert s["degree_share"] == 33.3
    assert s["theory_share"] == 66.7  # A's elementary (June 2021) and B's intermediate
    assert s["non_local_share"] == 33.3
    assert s["village_head_share"] == 50.0  # of the two village cells' secretaries
    before = _summary(under="ORG-P1", as_of="2021-05-01")
    assert before["theory_share"] == 33.3  # A had not yet obtained elementary theory
    period = _summary(
        under="ORG-P1", as_of="2022-12-31", **{"from": "2022-01-01", "to": "2022-12-31"}
    )
    assert period["courses"] == 1 and period["trained"] == 1 and period["trained_leaders"] == 1
    nothing = _summary(
        under="ORG-P1", as_of="2022-12-31", **{"from": "2023-01-01", "to": "2023-12-31"}
    )
    assert nothing["courses"] == 0 and nothing["trained"] == 0


@pytest.mark.django_db
def test_the_api_gives_the_same_figures_within_the_scope(cadres, personas):
    c = Client()
    c.force_login(personas["admin"])
    r = c.get("/api/v1/cadres/summary/", {"under": "ORG-P1", "as_of": "2021-07-01"})
    assert r.status_code == 200
    assert r.json() == _summary(under="ORG-P1", as_of="2021-07-01")
    c.force_login(personas["secretary_a"])
    r = c.get("/api/v1/cadres/summary/", {"as_of": "2021-07-01"})
    assert r.json()["secretaries"] == 1  # only their own cell
    assert c.get("/api/v1/cadres/summary/", {"under": "ORG-CELL-B"}).status_code == 404
    assert c.get("/api/v1/cadres/summary/", {"as_of": "2021-99-01"}).status_code == 400


@pytest.mark.django_db
def test_a_secretary_sees_only_their_cells_posts(cadres, personas):
    c = Client()
    c.force_login(personas["secretary_a"])
    rows = c.get("/api/v1/cadres/posts/").json()["results"]
    assert [r["id"] for r in rows] == [cadres["CA"].pk]
    assert c.get(f"/api/v1/cadres/posts/{cadres['CA'].pk}/").status_code == 200
    assert c.get(f"/api/v1/cadres/posts/{cadres['CB'].pk}/").status_code == 404


@pytest.mark.django_db
def test_posts_of_another_province_are_404(cadres, personas):
    c = Client()
    c.force_login(personas["staff_p1"])
    assert c.get(f"/api/v1/cadres/posts/{cadres['CY1'].pk}/").status_code == 200
    assert c.get(f"/api/v1/cadres/posts/{cadres['CZ'].pk}/").status_code == 404
    assert c.get(f"/cadres/posts/{cadres['CZ'].pk}/").status_code == 404
    assert c.get("/api/v1/cadres/summary/", {"under": "ORG-P2"}).status_code == 404


@pytest.mark.django_db
def test_a_watcher_sees_their_assigned_units_and_nothing_else(cadres, tree):
    committee = admit(tree["CA"])
    user = make_persona("watcher_w", role="party_member", org=tree["CA"])
    committee.user = user
    committee.save(update_fields=["user"])
    services.post_assign(
        actor=None,
        org=tree["GX1"],
        member=committee,
        position=Position.COMMITTEE_MEMBER,
        valid_from=ON,
    )
    c = Client()
    c.force_login(user)
    assert c.get(f"/api/v1/cadres/posts/{cadres['CB'].pk}/").status_code == 404  # not yet assigned
    services.watch_assign(
        actor=None,
        watcher=committee,
        committee=tree["GX1"],
        unit=tree["CB"],
        valid_from=ON,
        decision_no="7-QĐ/ĐU",
    )
    c = Client()
    c.force_login(user)
    assert c.get(f"/api/v1/cadres/posts/{cadres['CB'].pk}/").status_code == 200
    assert c.get(f"/cadres/posts/{cadres['CB'].pk}/").status_code == 200
    ids = {r["id"] for r in c.get("/api/v1/cadres/posts/").json()["results"]}
    assert ids == {cadres["CB"].pk}  # the watched unit's, not its own cell's nor the commune's
    for other in ("CA", "CY1", "CZ"):
        assert c.get(f"/api/v1/cadres/posts/{cadres[other].pk}/").status_code == 404
    assert c.get("/api/v1/cadres/watches/").json()["results"][0]["unit_code"] == "ORG-CELL-B"
    assert Post.objects.count() == 5
    assert DecisionInfo().number == ""
