"""`plan-2025` on small fake provinces: administrative units in both editions with the mapping,
organizations and members built through the services.

Province 91 (kept whole; current code 91):

    legacy 91 ── district 901 ── 90001 Xã Một, 90002 Xã Hai
             └─ district 902 ── 90003 Xã Ba (divided: 90005 by default, or 90004), 90004 Phường Bốn
    current 91 ── 90001 Xã Một (← 90001, 90002), 90004 Phường Bốn (← 90004, part of 90003),
                  90005 Xã Năm (← most of 90003), 90006 Đặc khu Sáu (no predecessor)

Provinces 92 + 93 → current 92 (merged).
"""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from chibo.geo.models import AdminUnit, AdminUnitSuccession, Edition, Level
from chibo.members.models import Affiliation
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization, OrgEvent, Sector
from chibo.orgs.selectors import org_counts
from chibo.orgs.services import org_establish
from chibo.restructuring.plan2025 import Plan2025Error, plan_2025
from chibo.restructuring.plans import plan_dump, plan_parse
from chibo.restructuring.selectors import where_did_they_go
from chibo.restructuring.services import PlanRefused, plan_apply, plan_check
from tests.orgs.tree_invariants import assert_valid_forest

from .helpers import DAY_BEFORE, ESTABLISHED, REFORM, admit, cells_of_members, row_counts, superuser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def unit(edition, level, code, name, parent=None):
    kind, _sep, short = name.partition(" ")
    if name.startswith("Đặc khu"):
        kind, short = "Đặc khu", name[len("Đặc khu "):]
    return AdminUnit.objects.create(
        edition=edition, level=level, code=code, name=name, short_name=short, unit_type=kind, parent=parent,
        key=f"test-{edition}-{code}", search_key=short.lower(),
    )


def link(old, new, divided=False, default=True):
    AdminUnitSuccession.objects.create(legacy=old, current=new, divided=divided, is_default=default)


def org(code, name, kind, parent=None, sector=Sector.OTHER, au=None):
    return org_establish(actor=None, code=code, name=name, kind=kind,
                         parent=Organization.objects.get(code=parent) if parent else None,
                         on=ESTABLISHED, sector=sector, admin_unit_id=au.pk if au else None)


def build_91():
    L, C = Edition.LEGACY, Edition.CURRENT
    p = unit(L, Level.PROVINCE, "91", "Tỉnh Thử")
    d1 = unit(L, Level.DISTRICT, "901", "Huyện Một", p)
    d2 = unit(L, Level.DISTRICT, "902", "Huyện Hai", p)
    c1, c2 = unit(L, Level.COMMUNE, "90001", "Xã Một", d1), unit(L, Level.COMMUNE, "90002", "Xã Hai", d1)
    c3, c4 = unit(L, Level.COMMUNE, "90003", "Xã Ba", d2), unit(L, Level.COMMUNE, "90004", "Phường Bốn", d2)
    cp = unit(C, Level.PROVINCE, "91", "Tỉnh Thử")
    n1, n4 = unit(C, Level.COMMUNE, "90001", "Xã Một", cp), unit(C, Level.COMMUNE, "90004", "Phường Bốn", cp)
    n5, n6 = unit(C, Level.COMMUNE, "90005", "Xã Năm", cp), unit(C, Level.COMMUNE, "90006", "Đặc khu Sáu", cp)
    link(c1, n1)
    link(c2, n1)
    link(c4, n4)
    link(c3, n5, divided=True, default=True)
    link(c3, n4, divided=True, default=False)
    assert n6  # no predecessor: still gets its committee

    org("91", "Đảng bộ tỉnh Thử", K.PROVINCIAL, au=p)
    org("91-K", "Đảng bộ Khối các cơ quan tỉnh", K.AGENCY_BLOC, "91", Sector.AGENCY, p)
    org("91-K-01", "Chi bộ Sở Tư pháp", K.GRASSROOTS_CELL, "91-K", Sector.AGENCY, p)
    org("91-901", "Đảng bộ huyện Một", K.DISTRICT, "91", au=d1)
    org("91-902", "Đảng bộ huyện Hai", K.DISTRICT, "91", au=d2)
    org("91-90001", "Đảng bộ xã Một", K.GRASSROOTS_COMMITTEE, "91-901", Sector.COMMUNE, c1)
    org("91-90001-01", "Chi bộ thôn 1", K.PARTY_CELL, "91-90001", Sector.VILLAGE, c1)
    org("91-90001-B1", "Đảng bộ bộ phận Trường học", K.COMPONENT, "91-90001", Sector.SCHOOL, c1)
    org("91-90001-02", "Chi bộ Trường Tiểu học", K.PARTY_CELL, "91-90001-B1", Sector.SCHOOL, c1)
    org("91-90002", "Đảng bộ xã Hai", K.GRASSROOTS_COMMITTEE, "91-901", Sector.COMMUNE, c2)
    org("91-90002-01", "Chi bộ thôn 2", K.PARTY_CELL, "91-90002", Sector.VILLAGE, c2)
    org("91-90003", "Đảng bộ xã Ba", K.GRASSROOTS_COMMITTEE, "91-902", Sector.COMMUNE, c3)
    org("91-90003-01", "Chi bộ thôn 3A", K.PARTY_CELL, "91-90003", Sector.VILLAGE, c3)
    org("91-90003-02", "Chi bộ thôn 3B", K.PARTY_CELL, "91-90003", Sector.VILLAGE, c3)
    org("91-90004", "Chi bộ phường Bốn", K.GRASSROOTS_CELL, "91-902", Sector.COMMUNE, c4)
    org("91-901-UB", "Đảng bộ Cơ quan Ủy ban nhân dân huyện Một", K.GRASSROOTS_COMMITTEE, "91-901",
        Sector.AGENCY, d1)
    org("91-901-UB-01", "Chi bộ Văn phòng", K.PARTY_CELL, "91-901-UB", Sector.AGENCY, d1)
    org("91-902-TH", "Chi bộ Trường THPT Bốn", K.GRASSROOTS_CELL, "91-902", Sector.SCHOOL, c4)
    names = iter(["Nguyễn Văn An", "Trần Văn Bình", "Lê Thị Cúc", "Phạm Văn Dũng", "Hoàng Văn Em", "Vũ Thị Giang",
                  "Đặng Văn Hải", "Bùi Văn Khoa", "Đỗ Thị Lan", "Ngô Văn Minh"])
    for code in ["91-90001-01", "91-90001-02", "91-90002-01", "91-90003-01", "91-90003-02", "91-90004",
                 "91-90004", "91-901-UB-01", "91-902-TH", "91-K-01"]:
        admit(Organization.objects.get(code=code), next(names))


def build_92_93():
    L, C = Edition.LEGACY, Edition.CURRENT
    cp = unit(C, Level.PROVINCE, "92", "Tỉnh Hợp")
    new = unit(C, Level.COMMUNE, "92001", "Xã Hợp", cp)
    for code in ("92", "93"):
        p = unit(L, Level.PROVINCE, code, f"Tỉnh Cũ {'Một' if code == '92' else 'Hai'}")
        d = unit(L, Level.DISTRICT, f"{code}1", f"Huyện Cũ {code[-1]}", p)
        c = unit(L, Level.COMMUNE, f"{code}001", f"Xã Cũ {'Một' if code == '92' else 'Hai'}", d)
        link(c, new)
        org(code, f"Đảng bộ tỉnh Cũ {code}", K.PROVINCIAL, au=p)
        org(f"{code}-K", "Đảng bộ Công an tỉnh", K.AGENCY_BLOC, code, Sector.POLICE, p)
        org(f"{code}-{d.code}", "Đảng bộ huyện", K.DISTRICT, code, au=d)
        org(f"{code}-{c.code}", "Đảng bộ xã", K.GRASSROOTS_COMMITTEE, f"{code}-{d.code}", Sector.COMMUNE, c)
        org(f"{code}-{c.code}-01", "Chi bộ thôn", K.PARTY_CELL, f"{code}-{c.code}", Sector.VILLAGE, c)
        admit(Organization.objects.get(code=f"{code}-{c.code}-01"), f"Nguyễn Văn {'An' if code == '92' else 'Ba'}")


def confirm_all(text):
    data = yaml.safe_load(text)
    for e in data["events"]:
        if e.get("confirmed") is False:
            e["confirmed"] = True
    return plan_dump(data)


def test_plan_for_a_province_kept_whole():
    build_91()
    cli = superuser()
    counts_before = {d: org_counts(user=cli, org=Organization.objects.get(code="91"), on=d)
                     for d in (DAY_BEFORE, dt.date(2024, 6, 30))}
    result = plan_2025(province="91")
    assert result.key == "reform-2025-91" and result.legacy_provinces == ["91"]
    assert result.counts["commune_level_committees_established"] == 4
    assert [f.org for f in result.flagged] == ["91-90003"]
    assert result.flagged[0].proposed == "91-CL-90005"
    assert result.flagged[0].candidates == ["91-CL-90005", "91-CL-90004"]
    assert not plan_parse(result.confirmed_text()).unconfirmed
    plan = plan_parse(result.text)
    # the divided commune is flagged: check shows the impact but refuses; apply refuses
    rows = row_counts()
    impact = plan_check(actor=None, plan=plan)
    assert [i.kind for i in impact.issues] == ["unconfirmed"] and impact.created
    assert "91-90003" in impact.issues[0].message
    with pytest.raises(PlanRefused) as exc:
        plan_apply(actor=None, plan=plan)
    assert "confirmed: false" in str(exc.value) and "91-90003" in str(exc.value)
    assert row_counts() == rows
    # a person confirms, sending one cell of the divided commune to the other candidate
    data = yaml.safe_load(result.text)
    flagged = next(e for e in data["events"] if e.get("divided"))
    flagged["confirmed"] = True
    flagged["children_to"] = {"91-90003-02": "91-CL-90004"}
    plan = plan_parse(plan_dump(data))
    assert plan_check(actor=None, plan=plan).ok
    plan_apply(actor=None, plan=plan)
    assert_valid_forest()

    root = Organization.objects.get(code="91")
    after = org_counts(user=cli, org=root, on=REFORM)
    assert after[K.DISTRICT] == 0 and after[K.COMMUNE_LEVEL] == 4
    assert after[K.GRASSROOTS_ORGANIZATION] == 9  # 5 village/school cells, 1 component, ward, agency, school + bloc's
    for d, counts in counts_before.items():
        assert org_counts(user=cli, org=root, on=d) == counts
    new = {o.code: o for o in Organization.objects.filter(code__startswith="91-CL-")}
    assert {c: o.version_on(REFORM).name for c, o in new.items()} == {
        "91-CL-90001": "Đảng bộ xã Một", "91-CL-90004": "Đảng bộ phường Bốn", "91-CL-90005": "Đảng bộ xã Năm",
        "91-CL-90006": "Đảng bộ đặc khu Sáu"}
    assert all(o.admin_unit.edition == Edition.CURRENT for o in new.values())

    def where(code):
        v = Organization.objects.get(code=code).version_on(REFORM)
        return v.parent.code, v.kind.key

    assert where("91-90001-01") == ("91-CL-90001", K.GRASSROOTS_CELL)
    assert where("91-90001-B1") == ("91-CL-90001", K.GRASSROOTS_COMMITTEE)
    assert where("91-90001-02") == ("91-90001-B1", K.PARTY_CELL)
    assert where("91-90003-01") == ("91-CL-90005", K.GRASSROOTS_CELL)
    assert where("91-90003-02") == ("91-CL-90004", K.GRASSROOTS_CELL)
    assert where("91-90004") == ("91-CL-90004", K.GRASSROOTS_CELL)
    assert where("91-902-TH") == ("91-CL-90004", K.GRASSROOTS_CELL)  # its unit is a commune
    assert where("91-901-UB") == ("91", K.GRASSROOTS_COMMITTEE)  # its unit is a district
    assert not Organization.objects.get(code="91-901").version_on(REFORM)
    assert Organization.objects.get(code="91-90001").valid_to == REFORM
    # every member who was in a cell the day before is in exactly one cell on the day
    then = cells_of_members(DAY_BEFORE)
    now = cells_of_members(REFORM, list(then))
    assert set(now) == set(then) and all(len(v) == 1 for v in now.values())
    # the reconciliation balances
    report = where_did_they_go(user=cli, province="91")
    assert report.before == 10 and report.stayed == 10 and report.balance == 0 and report.balance_after == 0
    # lineage: the new committee was formed from the old communes
    merge = OrgEvent.objects.get(type="merge", links__org__code="91-CL-90001", links__role="successor")
    assert set(merge.links.filter(role="predecessor").values_list("org__code", flat=True)) == {
        "91-90001", "91-90002"}


def test_plan_for_merged_provinces_is_one_plan():
    build_92_93()
    a, b = plan_2025(province="92"), plan_2025(province="93")
    assert a.data == b.data and a.key == "reform-2025-92" and a.legacy_provinces == ["92", "93"]
    plan = plan_parse(b.confirmed_text())
    assert not plan.unconfirmed
    plan_apply(actor=None, plan=plan)
    assert_valid_forest()
    cli = superuser()
    root = Organization.objects.get(code="92")
    counts = org_counts(user=cli, org=root, on=REFORM)
    assert counts[K.DISTRICT] == 0 and counts[K.COMMUNE_LEVEL] == 1 and counts[K.AGENCY_BLOC] == 2
    assert Organization.objects.get(code="93").valid_to == REFORM
    assert Affiliation.objects.filter(org__code__in=["92-92001-01", "93-93001-01"], valid_to__isnull=True).count() == 2
    report = where_did_they_go(user=cli, province="93")
    assert [u.code for u in report.provinces_before] == ["92", "93"] and report.province_after.code == "92"
    assert report.before == 2 and report.stayed == 2 and report.balance == 0
    # applying the plan of the other legacy province is applying the same plan again
    with pytest.raises(PlanRefused, match="already applied"):
        plan_apply(actor=None, plan=plan_parse(confirm_all(a.text)))


def test_code_format_that_collides_is_refused():
    build_92_93()
    with pytest.raises(Plan2025Error, match="already exist"):
        plan_2025(province="92", code_format="{province}-{commune}")


def test_unknown_province():
    with pytest.raises(Plan2025Error, match="Unknown legacy province"):
        plan_2025(province="99")


def test_command_writes_the_plan(tmp_path, capsys):
    build_91()
    out = tmp_path / "plan.yaml"
    call_command("restructure", "plan-2025", "--province", "91", "--out", str(out))
    err = capsys.readouterr().err
    assert "divided communes flagged for confirmation: 1" in err and "91-90003" in err
    assert plan_parse(out.read_text()).key == "reform-2025-91"
    with pytest.raises(CommandError, match="confirmed"):
        call_command("restructure", "apply", str(out))
    out.write_text(confirm_all(out.read_text()))
    call_command("restructure", "check", str(out))
    assert "OK: the plan can be applied" in capsys.readouterr().out
    call_command("restructure", "apply", str(out))
    assert "Applied" in capsys.readouterr().out
    call_command("restructure", "where", "--province", "91")
    assert "balance 0" in capsys.readouterr().out
