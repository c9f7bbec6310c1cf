"""Issue 5, "the demo shows today": `chibo demo` builds Quảng Ninh's history and then applies the
2025 reform through the restructuring feature, so the demo tree is today's tree and every earlier
date still answers as before.

Uses the session's shared demo (`tests/demo_fixture.py`); these tests run at the end.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Q
from django.test import Client

from chibo.core.models import AuditEvent
from chibo.core.validtime import valid_on_q
from chibo.geo.models import REFORM_DATE, AdminUnit, Edition, Level
from chibo.members.models import Affiliation, Member
from chibo.orgs import kinds as K
from chibo.orgs.models import EventType, LinkRole, Organization, OrgEvent, OrgEventLink, OrgVersion
from chibo.restructuring.models import AppliedPlan
from chibo.restructuring.plans import plan_parse
from chibo.restructuring.selectors import where_did_they_go
from chibo.restructuring.services import PlanRefused, plan_apply

from .helpers import superuser
from .helpers_demo import DAY_BEFORE, assert_one_cell_each_across_the_reform, counts, paths_of

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

KEY = "reform-2025-22"


@pytest.fixture
def demo(demo_quang_ninh):
    return demo_quang_ninh


def test_the_command_applied_the_reform_after_the_history(demo):
    lines = demo.stderr.splitlines()
    order = [next(i for i, line in enumerate(lines) if line.startswith(prefix)) for prefix in (
        "… built Quảng Ninh", "… members of Quảng Ninh", f"… reform 2025: Tỉnh Quảng Ninh ({KEY}",
        f"… reform 2025: {KEY} applied",
    )]
    assert order == sorted(order)
    assert "Chibo demo is ready" in demo.stdout
    assert AppliedPlan.objects.filter(key=KEY).count() == 1
    assert OrgEvent.objects.filter(plan_key=KEY, on=REFORM_DATE).count() > 2000


def test_counts_of_today_and_of_mid_2024(demo):
    today = counts("22", "2025-07-01")
    assert today[K.DISTRICT] == 0
    assert today[K.COMMUNE_LEVEL] == 54
    mid_2024 = counts("22", "2024-06-30")
    assert (mid_2024[K.GRASSROOTS_ORGANIZATION], mid_2024[K.COMPONENT], mid_2024[K.PARTY_CELL]) == (674, 39, 4821)
    day_before = counts("22", DAY_BEFORE)
    assert day_before[K.DISTRICT] == 13 and day_before[K.COMMUNE_LEVEL] == 0
    assert day_before[K.GRASSROOTS_ORGANIZATION] == 674


def test_no_district_committee_after_the_reform(demo):
    late = OrgVersion.objects.filter(kind__key=K.DISTRICT).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=REFORM_DATE))
    assert not late.exists()
    assert OrgVersion.objects.filter(kind__key=K.DISTRICT, valid_to=REFORM_DATE).count() == 13


def test_every_commune_level_committee_is_a_current_commune(demo):
    province = AdminUnit.objects.get(edition=Edition.CURRENT, level=Level.PROVINCE, code="22")
    communes = set(AdminUnit.objects.filter(parent=province, level=Level.COMMUNE).values_list("pk", flat=True))
    committees = OrgVersion.objects.filter(valid_on_q(REFORM_DATE), kind__key=K.COMMUNE_LEVEL).select_related(
        "org", "parent")
    units = [v.org.admin_unit_id for v in committees]
    assert len(units) == len(set(units)) == len(communes) == 54
    assert set(units) == communes
    assert {v.parent.code for v in committees} == {"22"}


def test_every_member_in_a_cell_stays_in_exactly_one_cell(demo):
    n = assert_one_cell_each_across_the_reform(["22"], after_code="22")
    assert 35_000 < n < 60_000


def test_where_did_they_go_balances_to_zero(demo):
    report = where_did_they_go(user=superuser(), province="22")
    assert report.balance == 0 and report.balance_after == 0
    assert report.in_two_cells_before == report.in_two_cells_after == 0
    assert report.before == report.stayed + report.moved_out + report.left
    assert report.moved_out == 0 and report.stayed > 35_000
    assert all(row.balance == 0 for row in report.rows)
    assert report.org_counts_after[K.COMMUNE_LEVEL] == 54 and report.org_counts_after[K.DISTRICT] == 0


def test_the_reform_is_not_applied_twice(demo):
    applied = AppliedPlan.objects.get(key=KEY)
    with pytest.raises(PlanRefused) as refused:
        plan_apply(actor=None, plan=plan_parse(applied.text))
    assert [i.kind for i in refused.value.issues] == ["applied"]


def test_a_second_run_changes_nothing(demo):
    def state() -> tuple[int, ...]:
        return (Organization.objects.count(), OrgVersion.objects.count(), OrgEvent.objects.count(),
                Member.objects.count(), Affiliation.objects.count(), AuditEvent.objects.count(),
                AppliedPlan.objects.count())

    before = state()
    passwords = dict(get_user_model().objects.values_list("username", "password"))
    out, err = io.StringIO(), io.StringIO()
    call_command("demo", "--no-serve", "--base-only", "--province", "22", stdout=out, stderr=err)
    text = out.getvalue()
    assert "demo data already present" in text
    assert "Chibo demo is ready: http://127.0.0.1:8000/" in text
    assert "admin / " in text and "qn-staff / " in text and "qn-secretary / " in text
    assert f"reform 2025: {KEY} already applied" in err.getvalue()
    assert state() == before
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords


def test_the_unit_page_says_where_a_committee_came_from(demo):
    merge = (OrgEvent.objects.filter(plan_key=KEY, type=EventType.MERGE, on=REFORM_DATE)
             .filter(links__org__code__startswith="22-CL-").order_by("id").first())
    assert merge is not None
    target = OrgEventLink.objects.get(event=merge, role=LinkRole.SUCCESSOR).org
    sources = [link.org.latest_version().name for link in  # type: ignore[union-attr]
               OrgEventLink.objects.filter(event=merge, role=LinkRole.PREDECESSOR).select_related("org")]
    admin = get_user_model().objects.get(username="admin")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    html = client.get(f"/orgs/{target.code}/").content.decode()
    summary = re.search(r'<p class="lineage-summary">(.*?)</p>', html, re.S)
    assert summary is not None
    text = re.sub(r"<[^>]+>", "", summary.group(1))
    assert text.startswith("Formed on 01/07/2025 from ")
    assert all(name in text for name in sources)
    source = OrgEventLink.objects.filter(event=merge, role=LinkRole.PREDECESSOR).first()
    assert source is not None
    html = client.get(f"/orgs/{source.org.code}/").content.decode()
    assert "Merged on 01/07/2025 into" in html
    assert paths_of([target.code])  # the committee has its place in the tree
