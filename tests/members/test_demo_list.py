"""Issue 19, item 3 on the demo: province staff ask the member list (page and API) for the
students admitted in Quảng Ninh from 2020-01-01 to 2024-06-30 and find seed 002's 283, the same
number as the admission counts; the export of that list has 283 rows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from chibo.accounts.models import Role, RoleAssignment, User
from chibo.demo import members as demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PERIOD = {"admitted_from": demo.ADMITTED_FROM.isoformat(), "admitted_to": demo.ADMITTED_TO.isoformat(),
          "admitted_sector": "student"}


@pytest.fixture
def staff(demo_quang_ninh):
    from chibo.orgs.models import Organization

    user = User.objects.create_user(username="qn-staff-19", password="x-long-password-19", full_name="Ban Tổ chức")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(key="organization_committee_staff"),
                                  org=Organization.objects.get(code=demo.QUANG_NINH), valid_from=demo.ADMITTED_FROM)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_member_list_finds_the_283_students(staff):
    page = staff.get("/members/", {"under": demo.QUANG_NINH, **PERIOD, "count_by": "gender"}).content.decode()
    assert re.search(r"\b283 members found", page), page[:2000]
    api = staff.get("/api/v1/members/breakdown/", {"under": demo.QUANG_NINH, **PERIOD, "by": "gender"}).json()
    assert api["total"] == demo.QN_STUDENTS
    counts = staff.get("/api/v1/members/counts/", {"under": demo.QUANG_NINH, "admitted_from": PERIOD["admitted_from"],
                                                   "admitted_to": PERIOD["admitted_to"], "by": "sector"}).json()
    assert counts["counts"]["student"] == demo.QN_STUDENTS
    link = re.search(r'id="export-link" href="([^"]+)"', page)
    assert link
    response = staff.get(link.group(1).replace("&amp;", "&"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + demo.QN_STUDENTS
