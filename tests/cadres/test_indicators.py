"""The cadres' report indicators on a small fixture: each value equals a hand count, each number
the length of the records behind it, and a user of another district gets 404.

    P1 ── DX ── GX1 ── CA (village):    An (secretary, village head, degree 2010), Bình, Cường
    │                └─ CB (enterprise): Dũng (secretary, degree 2022), Hà
    └──── DY ── GY1 ── CY1 (village):   Lan (secretary, theory 2015; border-guard officer on GY1's
                                         committee), Mai
    Courses in 2021: one by DX (An, Bình completed; Dũng did not), one by DY (Lan completed).
"""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.models import User
from chibo.cadres import services
from chibo.cadres.models import CourseKind, FactKind, Position, QualificationKind, RoleKind
from chibo.members.choices import ProfessionalLevel, TheoryLevel
from chibo.orgs.models import Organization, Sector
from chibo.reports import registry
from chibo.reports.compute import BadQuestion, ask, compute
from chibo.reports.registry import DENOMINATOR, NUMERATOR

from .conftest import ON, admit

pytestmark = pytest.mark.django_db
D = dt.date
SYSTEM = User(username="system", is_superuser=True, is_active=True)
LATER = D(2023, 1, 1)


@pytest.fixture
def cadres(tree):
    Organization.objects.filter(pk__in=[tree["CA"].pk, tree["CY1"].pk]).update(
        sector=Sector.VILLAGE
    )
    Organization.objects.filter(pk=tree["CB"].pk).update(sector=Sector.STATE_ENTERPRISE)
    tree.refresh()
    people = {
        "an": admit(tree["CA"], "Nguyễn Văn An"),
        "binh": admit(tree["CA"], "Trần Thị Bình"),
        "cuong": admit(tree["CA"], "Lê Văn Cường"),
        "dung": admit(tree["CB"], "Phạm Văn Dũng"),
        "ha": admit(tree["CB"], "Hoàng Thị Hà"),
        "lan": admit(tree["CY1"], "Vũ Thị Lan"),
        "mai": admit(tree["CY1"], "Đỗ Thị Mai"),
    }
    for cell, who in (("CA", "an"), ("CB", "dung"), ("CY1", "lan")):
        services.post_assign(
            actor=None,
            org=tree[cell],
            member=people[who],
            position=Position.SECRETARY,
            valid_from=ON,
        )
    services.concurrent_role_add(
        actor=None, member=people["an"], org=tree["CA"], kind=RoleKind.VILLAGE_HEAD, valid_from=ON
    )
    for who, kind, level, on in (
        ("an", QualificationKind.PROFESSIONAL, ProfessionalLevel.UNIVERSITY, D(2010, 6, 30)),
        ("dung", QualificationKind.PROFESSIONAL, ProfessionalLevel.MASTER, D(2022, 6, 30)),
        ("lan", QualificationKind.THEORY, TheoryLevel.ELEMENTARY, D(2015, 11, 20)),
    ):
        services.qualification_record(
            actor=None, member=people[who], kind=kind, level=level, obtained_on=on
        )
    services.cadre_fact_record(
        actor=None,
        member=people["lan"],
        org=tree["GY1"],
        kind=FactKind.BORDER_GUARD_OFFICER,
        valid_from=ON,
    )
    dx = services.course_create(
        actor=None,
        organizer=tree["DX"],
        topic="Nghiệp vụ công tác Đảng",
        kind=CourseKind.SKILLS,
        starts_on=D(2021, 4, 5),
        ends_on=D(2021, 4, 9),
    )
    dy = services.course_create(
        actor=None,
        organizer=tree["DY"],
        topic="Nghiệp vụ công tác Đảng",
        kind=CourseKind.SKILLS,
        starts_on=D(2021, 5, 3),
        ends_on=D(2021, 5, 7),
    )
    for course, who, done in (
        (dx, "an", True),
        (dx, "binh", True),
        (dx, "dung", False),
        (dy, "lan", True),
    ):
        services.enrolment_record(
            actor=None,
            course=course,
            member=people[who],
            attended_days=5 if done else 1,
            completed=done,
        )
    return people


def value(user, key, under, **dates):
    ind, q = ask(user=user, indicator=key, under=under, **dates)
    result = compute(ind, q, version="0")
    # every number is the length of the list behind it
    for part, number in ((NUMERATOR, result.numerator), (DENOMINATOR, result.denominator)):
        listing = ind.part(part)
        if listing is not None:
            assert number == len(list(listing.records(q))), (key, under, part)
    return result


def test_cadres_register_the_seeds_indicators():
    keys = {i.key for i in registry.all_indicators() if i.app == "cadres"}
    assert {
        "cadres.secretaries_with_degree",
        "cadres.secretaries_with_theory",
        "cadres.training_courses",
        "cadres.secretaries_trained",
        "cadres.border_guard_deputies",
        "cadres.coal_secretaries_managers",
        "cadres.secretaries_village_heads",
    } <= keys


def test_secretaries_and_their_shares_on_a_date(tree, cadres):
    on = ON.isoformat()
    assert value(SYSTEM, "cadres.secretaries", "ORG-P1", as_of=on).value == 3
    r = value(SYSTEM, "cadres.secretaries_with_degree", "ORG-P1", as_of=on)
    assert (r.numerator, r.denominator, r.value) == (1, 3, 33.33)  # Dũng's master's came later
    r = value(SYSTEM, "cadres.secretaries_with_degree", "ORG-P1", as_of=LATER.isoformat())
    assert (r.numerator, r.denominator) == (2, 3)
    r = value(SYSTEM, "cadres.secretaries_with_theory", "ORG-P1", as_of=on)
    assert (r.numerator, r.denominator) == (1, 3)
    r = value(SYSTEM, "cadres.secretaries_village_heads", "ORG-P1", as_of=on)
    assert (r.numerator, r.denominator, r.value) == (1, 2, 50.0)  # An, not Lan
    r = value(SYSTEM, "cadres.secretaries_village_heads", "ORG-DX", as_of=on)
    assert (r.numerator, r.denominator, r.value) == (1, 1, 100.0)
    r = value(SYSTEM, "cadres.coal_secretaries_managers", "ORG-P1", as_of=on)
    assert (r.numerator, r.denominator, r.value) == (0, 1, 0.0)
    assert value(SYSTEM, "cadres.non_local_secretaries", "ORG-P1", as_of=on).numerator == 0
    assert value(SYSTEM, "cadres.border_guard_deputies", "ORG-P1", as_of=on).value == 1
    assert value(SYSTEM, "cadres.border_guard_deputies", "ORG-DX", as_of=on).value == 0
    assert value(SYSTEM, "cadres.watched_units", "ORG-P1", as_of=on).value == 0
    # before the posts: nobody; the whole scope (no node) counts the same as the province
    assert value(SYSTEM, "cadres.secretaries", "ORG-P1", as_of="2020-06-01").value == 0
    assert value(SYSTEM, "cadres.secretaries", None, as_of=on).value == 3


def test_the_records_behind_a_share_are_the_posts(tree, cadres):
    ind, q = ask(
        user=SYSTEM,
        indicator="cadres.secretaries_village_heads",
        under="ORG-P1",
        as_of=ON.isoformat(),
    )
    heads = list(ind.numerator.records(q))
    assert [p.member.full_name for p in heads] == ["Nguyễn Văn An"]
    assert {p.org.code for p in ind.denominator.records(q)} == {"ORG-CELL-A", "ORG-CY1"}
    row = [c.value(heads[0]) for c in ind.numerator.columns]
    assert row[:2] == ["Nguyễn Văn An", "ORG-CELL-A"]


def test_training_over_a_period(tree, cadres):
    year = {"start": "2021-01-01", "end": "2021-12-31"}
    assert value(SYSTEM, "cadres.training_courses", "ORG-P1", **year).value == 2
    assert value(SYSTEM, "cadres.training_courses", "ORG-DX", **year).value == 1
    assert value(SYSTEM, "cadres.people_trained", "ORG-P1", **year).value == 3  # An, Bình, Lan
    r = value(SYSTEM, "cadres.secretaries_trained", "ORG-P1", **year)
    assert r.value == 2  # An and Lan; Bình holds no post, Dũng did not complete
    assert value(SYSTEM, "cadres.secretaries_trained", "ORG-DX", **year).value == 1
    assert (
        value(
            SYSTEM, "cadres.training_courses", "ORG-P1", start="2022-01-01", end="2022-12-31"
        ).value
        == 0
    )


def test_a_district_counts_only_its_own(tree, cadres, district_x):
    on = ON.isoformat()
    assert value(district_x, "cadres.secretaries", None, as_of=on).value == 2
    assert value(district_x, "cadres.border_guard_deputies", None, as_of=on).value == 0
    assert (
        value(
            district_x, "cadres.secretaries_trained", None, start="2021-01-01", end="2021-12-31"
        ).value
        == 1
    )
    with pytest.raises(BadQuestion) as err:
        ask(user=district_x, indicator="cadres.secretaries", under="ORG-DY", as_of=on)
    assert err.value.status == 404


def test_another_district_gets_404_on_the_pages_and_the_api(tree, cadres, client_district_x):
    for key in (
        "cadres.secretaries_with_degree",
        "cadres.border_guard_deputies",
        "cadres.training_courses",
    ):
        params = {"indicator": key, "under": "ORG-DY", "as_of": ON.isoformat()}
        for url in ("/reports/value/", "/reports/drill/", "/api/v1/reports/value/"):
            assert client_district_x.get(url, params).status_code == 404, (url, key)
    r = client_district_x.get(
        "/api/v1/reports/value/",
        {"indicator": "cadres.secretaries_with_degree", "under": "ORG-DX", "as_of": ON.isoformat()},
    )
    assert r.status_code == 200 and (r.json()["numerator"], r.json()["denominator"]) == (1, 2)
    r = client_district_x.get(
        "/reports/drill/",
        {"indicator": "cadres.secretaries", "under": "ORG-DX", "as_of": ON.isoformat()},
    )
    body = r.content.decode()
    assert r.status_code == 200 and "Nguyễn Văn An" in body and "Vũ Thị Lan" not in body
