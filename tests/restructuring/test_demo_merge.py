"""The demo of Tuyên Quang (08) and Hà Giang (02), which the 2025 reform merged into the current
province Tuyên Quang (08): asking `chibo demo` for either builds both and applies the one plan
(`reform-2025-08`) that covers them.

Built once for the test session on top of the Quảng Ninh demo (`tests/demo_fixture.py`): the
organizations and members first (so the counts before the reform are kept), then
`chibo demo --province 02`, which finds them present and applies the reform (about 10–15 s).
These tests run last.
"""

from __future__ import annotations

import pytest

from chibo.demo import orgs as org_demo
from chibo.geo.models import REFORM_DATE, AdminUnit, Edition, Level
from chibo.orgs import kinds as K
from chibo.orgs.models import EventType, LinkRole, Organization, OrgEventLink
from chibo.restructuring.models import AppliedPlan
from chibo.restructuring.plans import plan_parse
from chibo.restructuring.selectors import where_did_they_go

from .helpers import superuser
from .helpers_demo import assert_one_cell_each_across_the_reform, counts

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

KEY = "reform-2025-08"
MID_2024 = "2024-06-30"


@pytest.fixture
def tq_hg(demo_tuyen_quang_ha_giang):
    return demo_tuyen_quang_ha_giang


def test_both_provinces_and_one_plan(tq_hg):
    assert org_demo.with_reform_partners(["02"]) == ["08", "02"] == org_demo.with_reform_partners(["08"])
    assert "organizations already present for Tuyên Quang, Hà Giang" in tq_hg.stderr
    assert f"… reform 2025: Tỉnh Tuyên Quang ({KEY}, from Hà Giang, Tuyên Quang)" in tq_hg.stderr
    assert AppliedPlan.objects.filter(key=KEY).count() == 1
    assert not AppliedPlan.objects.filter(key="reform-2025-02").exists()
    assert "tq-staff / " in tq_hg.stdout


def test_ha_giang_merged_into_tuyen_quang(tq_hg):
    ha_giang, tuyen_quang = Organization.objects.get(code="02"), Organization.objects.get(code="08")
    assert ha_giang.valid_to == REFORM_DATE and ha_giang.version_on(REFORM_DATE) is None
    assert tuyen_quang.valid_to is None and tuyen_quang.version_on(REFORM_DATE) is not None
    link = OrgEventLink.objects.get(org=ha_giang, role=LinkRole.PREDECESSOR, event__type=EventType.MERGE)
    assert link.event.on == REFORM_DATE
    assert OrgEventLink.objects.get(event=link.event, role=LinkRole.SUCCESSOR).org == tuyen_quang


def test_counts_after_the_reform_and_before_it_unchanged(tq_hg):
    after = counts("08", "2025-07-01")
    current = AdminUnit.objects.get(edition=Edition.CURRENT, level=Level.PROVINCE, code="08")
    assert after[K.DISTRICT] == 0
    assert after[K.COMMUNE_LEVEL] == AdminUnit.objects.filter(parent=current, level=Level.COMMUNE).count() == 124
    assert counts("02", "2025-07-01")[K.GRASSROOTS_ORGANIZATION] == 0  # Hà Giang is no more
    for code in ("08", "02"):
        assert counts(code, MID_2024) == tq_hg.counts_before[code]
        before = tq_hg.counts_before[code]
        assert before[K.DISTRICT] > 0 and before[K.GRASSROOTS_ORGANIZATION] > 100


def test_members_of_both_in_exactly_one_cell_of_the_merged_province(tq_hg):
    n = assert_one_cell_each_across_the_reform(["08", "02"], after_code="08")
    assert n == len(tq_hg.members_before)
    assert 5_000 < n < 12_000


def test_where_did_they_go_is_the_same_for_both_codes(tq_hg):
    reports = [where_did_they_go(user=superuser(), province=code) for code in ("02", "08")]
    for report in reports:
        assert report.balance == 0 and report.balance_after == 0
        assert {u.code for u in report.provinces_before} == {"02", "08"}
        assert report.province_after is not None and report.province_after.code == "08"
        assert report.before == len(tq_hg.members_before) and report.moved_out == 0
    assert reports[0].as_dict()["totals"] == reports[1].as_dict()["totals"]


def test_divided_communes_were_applied_by_the_confirmed_rule(tq_hg):
    plan = plan_parse(AppliedPlan.objects.get(key=KEY).text)
    divided = [e for e in plan.events if e.divided]
    assert divided and all(e.confirmed is True for e in divided)
    for e in divided:
        assert len(e.candidates) > 1
        if e.type == "move":  # a commune whose organization is a grassroots cell
            assert e.fields["parent"] in e.candidates
            v = Organization.objects.get(code=e.fields["org"]).version_on(REFORM_DATE)
            assert v is not None and v.parent is not None and v.parent.code == e.fields["parent"]
            continue
        assert e.type == "merge" and e.fields["into"] in e.candidates
        for code in e.fields["sources"]:
            link = OrgEventLink.objects.get(org__code=code, role=LinkRole.PREDECESSOR, event__on=REFORM_DATE)
            successor = OrgEventLink.objects.get(event=link.event, role=LinkRole.SUCCESSOR).org
            assert successor.code == e.fields["into"]
