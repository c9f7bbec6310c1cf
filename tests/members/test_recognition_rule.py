"""Issue 19, item 1: a recognition before the end of probation, an event dated in the future,
and a decision given without its date or issuer are refused, and nothing changes: the status
the page, the list, the counts and the API show stays "probationary"."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from chibo.members import selectors, services
from chibo.members.choices import Status
from chibo.members.models import MemberEvent
from chibo.members.services import DecisionInfo

from .conftest import admit, person

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def _probationary(mt_tree):
    # Admitted 2026-03-20: probation ends 2027-03-20.
    return admit(mt_tree["MT-CA"], person("Phạm Thị Hằng", gender="female", birth_date=D(2000, 1, 5)),
                 D(2026, 3, 20))


@pytest.mark.parametrize(
    "decision",
    [DecisionInfo(), DecisionInfo(number="15-QĐ/ĐU"),
     DecisionInfo(number="15-QĐ/ĐU", date=D(2026, 12, 1), issuer="Đảng ủy xã Hòa")],
)
def test_recognition_before_the_end_of_probation_is_refused(mt_tree, decision):
    with time_machine.travel(TODAY, tick=False):
        member = _probationary(mt_tree)
        events = MemberEvent.objects.count()
        with pytest.raises(ValidationError, match="2027"):
            services.member_event(actor=None, member=member, type="recognized_official", decision=decision)
        member.refresh_from_db()
        assert MemberEvent.objects.count() == events
        assert member.status == Status.PROBATIONARY
        assert selectors.status_on(member, dt.date(2026, 12, 4)) == Status.PROBATIONARY


def test_recognition_after_probation_is_dated_at_its_end(mt_tree):
    with time_machine.travel(TODAY, tick=False):
        member = _probationary(mt_tree)
    with time_machine.travel(dt.datetime(2027, 4, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        event = services.member_event(
            actor=None, member=member, type="recognized_official",
            decision=DecisionInfo(number="40-QĐ/ĐU", date=D(2027, 3, 30), issuer="Đảng ủy xã Hòa"),
        )
        member.refresh_from_db()
        assert event.on == D(2027, 3, 20)
        assert member.status == Status.OFFICIAL == selectors.status_on(member, D(2027, 4, 2))


@pytest.mark.parametrize(
    "decision",
    [DecisionInfo(number="7-QĐ"), DecisionInfo(number="7-QĐ", date=D(2024, 1, 1)),
     DecisionInfo(date=D(2024, 1, 1), issuer="Đảng ủy"), DecisionInfo(issuer="Đảng ủy")],
)
def test_a_decision_needs_its_number_date_and_issuer(mt_members, decision):
    member = mt_members["an"]
    events = member.events.count()
    with translation.override("en"), pytest.raises(ValidationError, match="number, its date"):
        services.member_event(actor=None, member=member, type="exempted", on=D(2024, 2, 1),
                              decision=decision, reason="health")
    assert member.events.count() == events


def test_an_event_in_the_future_is_refused(mt_members):
    member = mt_members["an"]
    with translation.override("en"), pytest.raises(ValidationError, match="future"):
        services.member_event(actor=None, member=member, type="exempted",
                              on=dt.date.today() + dt.timedelta(days=3), reason="health")


def test_the_event_form_has_no_preselected_event(mt_members, mt_people):
    from django.test import Client

    c = Client()
    c.force_login(mt_people["sec_a"])
    page = c.get(f"/members/{mt_members['an'].pk}/").content.decode()
    select = page.split('name="type"')[1].split("</select>")[0]
    assert 'value="" selected' in select
