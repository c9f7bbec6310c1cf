"""Helpers for the cadres tests: official members admitted through the member services into the
project-wide test tree (tests/conftest.py, established 2020-01-01)."""

from __future__ import annotations

import datetime as dt
import itertools

from chibo.members import services as members
from chibo.members.choices import EventType
from chibo.members.models import Member
from chibo.members.services import DecisionInfo, PersonData
from chibo.orgs.models import Organization

D = dt.date
CEREMONY = D(2020, 1, 10)
OFFICIAL = D(2021, 1, 10)  # twelve months of probation
ON = D(2021, 3, 1)  # a date when every member admitted here is official

_seq = itertools.count(1)
_GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hùng",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thu",
]


def _name(n: int) -> str:
    return f"Nguyễn {_GIVEN[n % len(_GIVEN)]} {_GIVEN[(n // len(_GIVEN)) % len(_GIVEN)]}"


def admit(
    cell: Organization, name: str = "", *, official: bool = True, ceremony: dt.date = CEREMONY
) -> Member:
    n = next(_seq)
    m = members.member_admit(
        actor=None,
        person=PersonData(full_name=name or _name(n), gender="male", birth_date=D(1980, 1, 1)),
        cell=cell,
        decision=DecisionInfo(number=f"QĐ-{n}", date=ceremony, issuer="Đảng ủy"),
        ceremony_date=ceremony,
    )
    if official:
        members.member_event(actor=None, member=m, type=EventType.RECOGNIZED)
    return m


def admit_many(cell: Organization, n: int) -> list[Member]:
    return [admit(cell) for _ in range(n)]
