from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from chibo.accounts.models import User
from chibo.core.models import AuditEvent
from chibo.orgs.services import org_establish
from chibo.rules.calendar import add_working_days, is_working_day, working_days_between
from chibo.rules.models import CalendarDay, PolicyParameter
from chibo.rules.selectors import MissingRule, rule
from chibo.rules.services import parameter_set

pytestmark = pytest.mark.django_db
D = dt.date


def test_rulebook_is_seeded_with_sources():
    row = PolicyParameter.objects.get(key="transfer.official.initiate_deadline_working_days", org=None)
    assert row.value == 60 and "QĐ/TW" in row.source
    assert rule("probation.months", on=D(2024, 1, 1)) == 12
    with pytest.raises(MissingRule):
        rule("dues.bhxh_rate_percent", on=D(2020, 1, 1))  # the 2026 regulation was not in force


def test_a_new_value_closes_the_old_one_and_old_dates_keep_the_old_value():
    parameter_set(actor=None, key="probation.months", value=18, valid_from=D(2030, 1, 1),
                  source="hypothetical regulation", reason="test")
    assert rule("probation.months", on=D(2029, 12, 31)) == 12
    assert rule("probation.months", on=D(2030, 1, 1)) == 18
    event = AuditEvent.objects.get(action="rules.set")
    assert event.before["value"] == 12 and event.after["value"] == 18


def test_bad_edits_are_refused_and_change_nothing():
    parameter_set(actor=None, key="probation.months", value=18, valid_from=D(2030, 1, 1), source="x")
    count = PolicyParameter.objects.count()
    with pytest.raises(ValidationError):
        parameter_set(actor=None, key="probation.months", value=6, valid_from=D(2029, 1, 1), source="x")
    with pytest.raises(ValidationError):
        parameter_set(actor=None, key="probation.months", value=6, valid_from=D(2031, 1, 1), source=" ")
    with pytest.raises(ValidationError):
        parameter_set(actor=None, key="probation.months", value=6, valid_from=D(2030, 1, 1), source="x")
    assert PolicyParameter.objects.count() == count


def test_a_province_value_takes_precedence_under_it():
    qn = org_establish(actor=None, code="22", name="Đảng bộ tỉnh Quảng Ninh",
                       kind="provincial_party_committee", parent=None, on=D(2015, 1, 1))
    parameter_set(actor=None, key="admission.target_percent_of_members", value=3.2,
                  valid_from=D(2020, 1, 1), source="Nghị quyết Đại hội XV Đảng bộ tỉnh", org=qn)
    assert rule("admission.target_percent_of_members", on=D(2021, 1, 1), org_ids=[qn.pk]) == 3.2
    assert rule("admission.target_percent_of_members", on=D(2021, 1, 1)) == 3.0


def test_working_days_skip_weekends_and_tet():
    # Tết 2025: 27 Jan – 1 Feb off. Friday 24 Jan + 1 working day = Monday 3 Feb.
    assert add_working_days(D(2025, 1, 24), 1) == D(2025, 2, 3)
    assert not is_working_day(D(2025, 1, 29))
    assert is_working_day(D(2025, 2, 3))
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 3)) == 1
    assert add_working_days(D(2025, 3, 3), 60) > D(2025, 3, 3) + dt.timedelta(days=60)


def test_calendar_exceptions_count():
    CalendarDay.objects.create(date=D(2025, 2, 3), is_working_day=False, note="extra day off")
    CalendarDay.objects.create(date=D(2025, 2, 8), is_working_day=True, note="make-up Saturday")
    assert add_working_days(D(2025, 1, 24), 1) == D(2025, 2, 4)
    assert is_working_day(D(2025, 2, 8))


def test_pages_and_editing_rights():
    staff = User.objects.create_user("viewer", password="x" * 12)
    admin = User.objects.create_user("root", password="x" * 12, is_superuser=True)
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(staff)
    assert c.get("/rules/").status_code == 200
    page = c.get("/rules/probation.months/")
    assert page.status_code == 200 and "<form" not in page.content.decode().split("<main")[1]
    assert c.post("/rules/probation.months/", {"value": "6"}).status_code == 404
    assert c.get("/rules/no.such.key/").status_code == 404
    c.force_login(admin)
    r = c.post("/rules/probation.months/", {"value": "13", "valid_from": "2031-01-01", "source": "test doc",
                                             "confidence": "confirmed", "reason": "testing"})
    assert r.status_code == 302
    assert rule("probation.months", on=D(2031, 6, 1)) == 13
    r = c.post("/rules/probation.months/", {"value": "14", "valid_from": "2030-01-01", "source": "test doc",
                                             "confidence": "confirmed", "reason": "testing"})
    assert r.status_code == 200 and 'class="error"' in r.content.decode()
    assert rule("probation.months", on=D(2030, 6, 1)) == 12
