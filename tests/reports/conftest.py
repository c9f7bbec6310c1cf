"""Fixtures for the reports tests: the project's small tree (tests/factories.py) with members
admitted, moved and leaving through the member services, so that every indicator has records.

    P1 (province) ── DX (district) ── GX1 (grassroots committee) ── CA, CB (cells)
                  │                └─ GX2 (grassroots cell)
                  └─ DY (district) ── GY1 ── CY1
    P2 ── DZ ── GZ1
"""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.members import services
from chibo.members.choices import EventType, Occupation
from chibo.members.models import Member
from chibo.members.services import DecisionInfo, PersonData

D = dt.date
FORMULA_NAME = '=HYPERLINK("x")'

# cell, name, gender, ethnicity, occupation, admitted, (event, on) or None
PEOPLE = [
    ("CA", "Nguyễn Văn An", "male", "01", Occupation.STUDENT, D(2020, 3, 1), None),
    ("CA", "Trần Thị Bình", "female", "02", Occupation.PRIVATE_ENTERPRISE, D(2021, 5, 1), None),
    (
        "CA",
        "Ngô Thị Hoa",
        "female",
        "01",
        Occupation.FARMER,
        D(2020, 6, 1),
        (EventType.EXPELLED, D(2022, 2, 1)),
    ),
    ("CB", "Lê Văn Cường", "male", "01", Occupation.STUDENT, D(2022, 1, 10), None),
    (
        "CB",
        "Phạm Thị Dung",
        "female",
        "03",
        Occupation.AGENCY,
        D(2020, 2, 1),
        (EventType.WITHDRAWN, D(2023, 3, 1)),
    ),
    ("GX2", "Hoàng Văn Em", "male", "01", Occupation.PRIVATE_ENTERPRISE, D(2021, 9, 1), None),
    (
        "CY1",
        "Vũ Thị Giang",
        "female",
        "01",
        Occupation.STUDENT,
        D(2020, 4, 1),
        (EventType.DECEASED, D(2024, 1, 5)),
    ),
    ("CY1", "Đỗ Văn Hải", "male", "05", Occupation.OTHER, D(2023, 6, 1), None),
]


def admit(tree, cell: str, name: str, gender: str, ethnicity: str, occupation: str, on: dt.date):
    return services.member_admit(
        actor=None,
        person=PersonData(
            full_name=name,
            gender=gender,
            birth_date=D(1990, 1, 1),
            ethnicity=ethnicity,
            occupation=occupation,
        ),
        cell=tree[cell],
        decision=DecisionInfo(number=f"{cell}-{on}", date=on, issuer="Đảng ủy"),
        ceremony_date=on,
    )


@pytest.fixture
def people(tree):
    out = {}
    for cell, name, gender, ethnicity, occupation, on, leave in PEOPLE:
        m = admit(tree, cell, name, gender, ethnicity, occupation, on)
        if leave is not None:
            services.member_event(actor=None, member=m, type=EventType.RECOGNIZED, on=None)
            services.member_event(actor=None, member=m, type=leave[0], on=leave[1], reason="test")
        out[name] = m
    # A name stored before names were checked (legacy data): the exports must still neutralise it.
    Member.objects.filter(pk=out["Ngô Thị Hoa"].pk).update(full_name=FORMULA_NAME)
    return out
