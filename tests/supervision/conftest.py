"""Fixtures for supervision: members in the small tree (tests/conftest.py), inspection personas,
and letters whose senders are canaries (unique strings that must never leak)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.models import User
from chibo.members import services as members
from chibo.members.models import Member
from chibo.members.services import DecisionInfo, PersonData
from chibo.orgs.models import Organization
from chibo.supervision import services
from chibo.supervision.services import SenderData
from tests.factories import make_persona

D = dt.date
SYSTEM = User(username="system", is_superuser=True, is_active=True)
ADMITTED = D(2020, 3, 2)
CANARY_NAME = "Hoàng Thị Canarysender"
CANARY_ADDRESS = "Số 7 ngõ Canaryaddr"
CANARY_CONTACT = "0912-CANARYPHONE"
CANARIES = ("Canarysender", "Canaryaddr", "CANARYPHONE")


def admit(cell: Organization, name: str, *, on: dt.date = ADMITTED) -> Member:
    m = members.member_admit(
        actor=None, person=PersonData(full_name=name, gender="male", birth_date=D(1980, 1, 1)), cell=cell,
        decision=DecisionInfo(number=f"QĐ-{name}", date=on, issuer="Đảng ủy"), ceremony_date=on,
    )
    return Member.objects.get(pk=m.pk)


RECEIVED = D(2024, 3, 4)


def receive(cell: Organization, member: Member | None = None, *, on: dt.date = RECEIVED, kind: str = "denunciation",
            sender: SenderData | None = None, **kw) -> object:
    return services.letter_receive(
        actor=None, kind=kind, channel="post", received_by=cell, received_on=on,
        summary="Bí thư chi bộ lạm quyền", sender=sender or SenderData(CANARY_NAME, CANARY_ADDRESS, CANARY_CONTACT),
        subject_member=member, **kw,
    )


@pytest.fixture
def inspector_gx1(tree) -> User:
    """Inspection staff of the grassroots committee GX1 (over cells CA and CB)."""
    return make_persona("inspector_gx1", role="inspection_staff", org=tree["GX1"])


@pytest.fixture
def inspector_gy1(tree) -> User:
    return make_persona("inspector_gy1", role="inspection_staff", org=tree["GY1"])


def verified_client(user: User):
    """A client signed in with the second step done (inspection staff must use two-step sign-in)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    c = Client()
    c.force_login(user)
    session = c.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return c
