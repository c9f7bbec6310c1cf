"""Fixtures for the member pages, API, command and properties: a small tree built through the
organization services, members admitted through the member services, and named personas.

    MT-P   Đảng bộ tỉnh Thử nghiệm        (provincial)       <- staff (organization committee), viewer
    └── MT-D   Đảng bộ huyện Một           (district)
        └── MT-G   Đảng bộ xã Hòa          (grassroots committee)
            ├── MT-CA  Chi bộ thôn A       (party cell)       <- sec_a
            └── MT-CB  Chi bộ thôn B       (party cell)       <- sec_b
    MT-Q   Đảng bộ tỉnh Khác              (provincial, out of everyone's scope but the admin's)
    └── MT-QD  Đảng bộ huyện Khác
        └── MT-QG  Đảng bộ xã Khác
            └── MT-CQ  Chi bộ thôn Q

Fixture names are distinctive (`mt_*`) so that they do not shadow the project-wide ones.
Identity numbers are canaries: a test looks for them in response bodies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from chibo.accounts.models import Role, RoleAssignment, User
from chibo.members import services
from chibo.members.models import Member
from chibo.members.services import DecisionInfo, PersonData
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization
from chibo.orgs.services import org_establish

D = dt.date
ESTABLISHED = D(2000, 1, 1)
ASSIGNED = D(2019, 1, 1)

TREE: list[tuple[str, str, str, str | None]] = [
    ("MT-P", "Đảng bộ tỉnh Thử nghiệm", K.PROVINCIAL, None),
    ("MT-D", "Đảng bộ huyện Một", K.DISTRICT, "MT-P"),
    ("MT-G", "Đảng bộ xã Hòa", K.GRASSROOTS_COMMITTEE, "MT-D"),
    ("MT-CA", "Chi bộ thôn A", K.PARTY_CELL, "MT-G"),
    ("MT-CB", "Chi bộ thôn B", K.PARTY_CELL, "MT-G"),
    ("MT-Q", "Đảng bộ tỉnh Khác", K.PROVINCIAL, None),
    ("MT-QD", "Đảng bộ huyện Khác", K.DISTRICT, "MT-Q"),
    ("MT-QG", "Đảng bộ xã Khác", K.GRASSROOTS_COMMITTEE, "MT-QD"),
    ("MT-CQ", "Chi bộ thôn Q", K.PARTY_CELL, "MT-QG"),
]

# canary identity numbers (valid: province 001, century/gender digit, year of birth)
NID_AN = "001090777111"     # male, 1990
NID_BINH = "001185777222"   # female, 1985
NID_CUONG = "001092777333"  # male, 1992
NID_DUNG = "001088777444"   # male, 1988


def build_tree() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for code, name, kind, parent in TREE:
        orgs[code] = org_establish(actor=None, code=code, name=name, kind=kind,
                                   parent=orgs[parent] if parent else None, on=ESTABLISHED)
    return orgs


def person(name: str, **kw: Any) -> PersonData:
    base = PersonData(full_name=name, gender="male", birth_date=D(1990, 3, 4), ethnicity="01",
                      religion="none", occupation="agency")
    return replace(base, **kw)


def admit(cell: Organization, data: PersonData, ceremony: D, *, number: str = "") -> Member:
    return services.member_admit(
        actor=None, person=data, cell=cell, ceremony_date=ceremony,
        decision=DecisionInfo(number=number or f"QĐ-{data.full_name[:3]}", date=ceremony - dt.timedelta(days=10),
                              issuer="Đảng ủy xã Hòa"),
    )


def make_user(username: str, *, role: str | None = None, org: Organization | None = None,
              superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery staple",
                                    full_name=username, is_superuser=superuser, is_staff=superuser)
    if role is not None:
        RoleAssignment.objects.create(user=user, role=Role.objects.get(key=role), org=org, valid_from=ASSIGNED)
    return user


@pytest.fixture
def mt_english():
    """Messages in English (the tests that compare message text use it)."""
    with translation.override("en"):
        yield


@pytest.fixture
def mt_tree(db) -> dict[str, Organization]:
    return build_tree()


@pytest.fixture
def mt_people(mt_tree) -> dict[str, User]:
    return {
        "admin": make_user("mt_admin", superuser=True),
        "staff": make_user("mt_staff", role="organization_committee_staff", org=mt_tree["MT-P"]),
        "sec_a": make_user("mt_sec_a", role="party_cell_secretary", org=mt_tree["MT-CA"]),
        "sec_b": make_user("mt_sec_b", role="party_cell_secretary", org=mt_tree["MT-CB"]),
        "viewer": make_user("mt_viewer", role="committee_viewer", org=mt_tree["MT-P"]),
        "nobody": make_user("mt_nobody"),
    }


@pytest.fixture
def mt_members(mt_tree) -> dict[str, Member]:
    """An (cell A, Tày, Buddhist), Bình (cell B, female), Cường (cell A, recognised official),
    Dũng (cell Q, out of the province's scope)."""
    an = admit(mt_tree["MT-CA"], person("Nguyễn Văn An", national_id=NID_AN, ethnicity="02", religion="buddhism",
                                        card_number="CARD-AN-01"), D(2015, 5, 19))
    binh = admit(mt_tree["MT-CB"], person("Trần Thị Bình", gender="female", birth_date=D(1985, 6, 1),
                                          national_id=NID_BINH, occupation="private_enterprise"), D(2012, 9, 2))
    cuong = admit(mt_tree["MT-CA"], person("Đặng Văn Cường", birth_date=D(1992, 1, 2), national_id=NID_CUONG,
                                           occupation="student"), D(2016, 3, 26))
    services.member_event(actor=None, member=cuong, type="recognized_official")
    dung = admit(mt_tree["MT-CQ"], person("Lê Văn Dũng", birth_date=D(1988, 8, 8), national_id=NID_DUNG),
                 D(2014, 2, 3))
    for m in (an, binh, cuong, dung):
        m.refresh_from_db()
    return {"an": an, "binh": binh, "cuong": cuong, "dung": dung}


@pytest.fixture
def mt_login():
    def login(user: User) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return login
