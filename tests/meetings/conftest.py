"""Fixtures for the meetings tests: members admitted into the project-wide small tree (see
tests/conftest.py) through the member services, official from a year after their ceremony."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chibo.accounts.models import User
from chibo.members import services as members
from chibo.members.models import Member
from chibo.members.services import DecisionInfo, PersonData
from chibo.orgs.models import Organization

D = dt.date
SYSTEM = User(username="system", is_superuser=True, is_active=True)
ADMITTED = D(2020, 3, 2)


FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Lan", "Minh", "Nam", "Oanh", "Phúc", "Quang", "Sơn"]


def vn_name(prefix: str, i: int) -> str:
    """A name without digits, distinct for each `i` (members' names may not contain digits)."""
    return f"{FAMILY[i % len(FAMILY)]} {prefix} {GIVEN[(i // len(FAMILY)) % len(GIVEN)]}"


def at(day: dt.date, hour: int = 8) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def admit(cell: Organization, name: str, *, on: dt.date = ADMITTED, official: bool = True) -> Member:
    m = members.member_admit(
        actor=None, person=PersonData(full_name=name, gender="male", birth_date=D(1980, 1, 1)), cell=cell,
        decision=DecisionInfo(number=f"QĐ-{name}", date=on, issuer="Đảng ủy"), ceremony_date=on,
    )
    if official:
        members.member_event(actor=None, member=m, type="recognized_official")
    return Member.objects.get(pk=m.pk)


@pytest.fixture
def cell_a_members(tree) -> list[Member]:
    return [admit(tree["CA"], vn_name("Văn", i)) for i in range(5)]
