"""The synthetic dataset at demo scale (deterministic, consistent) and the org bulk path's refusals."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import call_command

from chibo.geo.models import AdminUnit, Edition, Level
from chibo.members.models import Affiliation, Member, MemberEvent, StatusPeriod, Transfer
from chibo.orgs import kinds as K
from chibo.orgs.bulk import OrgBulkError, OrgSpec, orgs_bulk_create
from chibo.orgs.models import Organization, OrgEvent, OrgEventLink, OrgVersion
from chibo.scale.checks import run_checks
from chibo.scale.generate import CHECK_DATES, END, SCALES, SOURCE, generate, plan_province

D0 = dt.date(2000, 1, 1)


@pytest.fixture
def units(db):
    """A small legacy province 22 with two districts of three communes (the demo takes no more)."""
    prov = AdminUnit.objects.create(edition=Edition.LEGACY, level=Level.PROVINCE, code="22", name="Tỉnh Quảng Ninh",
                                    short_name="Quảng Ninh", unit_type="Tỉnh", key="qn", search_key="quang ninh")
    for d in range(2):
        dist = AdminUnit.objects.create(edition=Edition.LEGACY, level=Level.DISTRICT, code=f"19{d}",
                                        name=f"Huyện Số {d}", short_name=f"Số {d}", unit_type="Huyện", parent=prov,
                                        key=f"d{d}", search_key=f"so {d}")
        for c in range(3):
            AdminUnit.objects.create(edition=Edition.LEGACY, level=Level.COMMUNE, code=f"0{d}{c}00",
                                     name=f"Xã Số {d}{c}", short_name=f"Số {d}{c}",
                                     unit_type="Phường" if c == 0 else "Xã", parent=dist, key=f"c{d}{c}",
                                     search_key=f"so {d}{c}")
    return prov


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    rank = {pk: i for i, pk in enumerate(Member.objects.order_by("id").values_list("id", flat=True))}
    codes = dict(Organization.objects.values_list("id", "code"))
    return {
        "orgs": sorted((v.org.code, v.name, v.kind.key, codes.get(v.parent_id), v.depth, v.valid_from)
                       for v in OrgVersion.objects.select_related("org", "kind")),
        "members": list(Member.objects.order_by("id").values_list(
            "full_name", "gender", "birth_date", "ethnicity", "religion", "national_id", "card_number",
            "occupation", "status", "official_date")),
        "events": sorted((rank[e.member_id], e.type, e.on, codes.get(e.org_id)) for e in MemberEvent.objects.all()),
        "affiliations": sorted((rank[a.member_id], codes[a.org_id], a.valid_from, a.valid_to)
                               for a in Affiliation.objects.all()),
    }


def _delete_generated() -> None:
    Transfer.objects.all().delete()
    Affiliation.objects.all().delete()
    MemberEvent.objects.all().delete()
    StatusPeriod.objects.all().delete()
    Member.objects.all().delete()
    OrgEventLink.objects.all().delete()
    OrgVersion.objects.all().delete()
    Organization.objects.all().delete()
    OrgEvent.objects.filter(note__startswith=SOURCE).delete()


def test_demo_scale_is_deterministic_and_consistent(units):
    first = generate(scale="demo", seed=7, say=lambda _s: None)
    assert 1500 <= first.members <= 5000
    assert first.cells > 30 and first.grassroots > 10
    kinds = set(OrgVersion.objects.values_list("kind__key", flat=True))
    assert {K.PROVINCIAL, K.DISTRICT, K.AGENCY_BLOC, K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL, K.COMPONENT,
            K.PARTY_CELL} <= kinds
    assert Affiliation.objects.values("member").distinct().count() < Affiliation.objects.count()  # some moved
    assert StatusPeriod.objects.filter(status="deceased").exists()
    report = run_checks(dates=CHECK_DATES, tree_dates=(END,), expected_in_party=first.in_party)
    assert report.ok, report.lines()
    snapshot = _snapshot()
    _delete_generated()
    again = generate(scale="demo", seed=7, say=lambda _s: None)
    assert again.members == first.members and again.in_party == first.in_party
    assert _snapshot() == snapshot


def test_another_seed_gives_another_dataset(units):
    districts = list(AdminUnit.objects.filter(level=Level.DISTRICT).order_by("code"))
    communes = {d.pk: list(d.children.order_by("code")) for d in districts}
    plans = [plan_province(units, SCALES["demo"], random.Random(f"{seed}:22"), districts, communes)
             for seed in (7, 7, 8)]
    assert plans[0].specs == plans[1].specs
    assert [c.size for c in plans[0].cells] != [c.size for c in plans[2].cells]


def test_generate_command_checks(units):
    out = StringIO()
    call_command("generate", "--scale", "demo", "--seed", "3", stdout=out)
    text = out.getvalue()
    assert "checks passed" in text and "BAD" not in text


def _spec(code: str, kind: str, parent: str | None, on: dt.date = D0, **kw: object) -> OrgSpec:
    return OrgSpec(code=code, name=f"Tổ chức {code}", kind=kind, parent=parent, valid_from=on, **kw)  # type: ignore[arg-type]


def test_org_bulk_path_writes_a_valid_forest(db):
    ids = orgs_bulk_create(actor=None, source="test", specs=[
        _spec("B-C1", K.PARTY_CELL, "B-G1"),  # children may come before their parents
        _spec("B-G1", K.GRASSROOTS_COMMITTEE, "B-D"),
        _spec("B-D", K.DISTRICT, "B-P"),
        _spec("B-P", K.PROVINCIAL, None),
    ])
    cell = OrgVersion.objects.get(org_id=ids["B-C1"])
    assert cell.depth == 4 and cell.path.endswith(f"{ids['B-C1']:08d}")
    assert cell.path.startswith(OrgVersion.objects.get(org_id=ids["B-G1"]).path)
    more = orgs_bulk_create(actor=None, source="test", specs=[_spec("B-C2", K.PARTY_CELL, "B-G1", dt.date(2010, 1, 1))])
    assert OrgVersion.objects.get(org_id=more["B-C2"]).path.startswith(OrgVersion.objects.get(org_id=ids["B-G1"]).path)


@pytest.mark.parametrize(("specs", "field"), [
    ([_spec("X-P", K.PROVINCIAL, None), _spec("X-A", K.GRASSROOTS_COMMITTEE, "X-B"),
      _spec("X-B", K.GRASSROOTS_COMMITTEE, "X-A")], "parent"),  # a cycle
    ([_spec("X-P", K.PROVINCIAL, None), _spec("X-C", K.PARTY_CELL, "X-P")], "kind"),  # a cell under a province
    ([_spec("X-P", K.PROVINCIAL, None), _spec("X-G", K.GRASSROOTS_COMMITTEE, "X-P"),
      _spec("X-C", K.PARTY_CELL, "X-G"), _spec("X-H", K.GRASSROOTS_COMMITTEE, "X-C")], "kind"),  # cell above committee
    ([_spec("X-P", K.PROVINCIAL, None, dt.date(2001, 1, 1)),
      _spec("X-G", K.GRASSROOTS_COMMITTEE, "X-P")], "valid_from"),  # outlives its parent
    ([_spec("X-G", K.GRASSROOTS_COMMITTEE, None)], "parent"),  # not a root kind
    ([_spec("X-P", K.PROVINCIAL, None), _spec("X-P", K.PROVINCIAL, None)], "code"),  # repeated code
])
def test_org_bulk_path_refuses_a_bad_batch_writing_nothing(db, specs, field):
    before = (Organization.objects.count(), OrgVersion.objects.count(), OrgEvent.objects.count())
    with pytest.raises(OrgBulkError) as info:
        orgs_bulk_create(actor=None, source="test", specs=specs)
    assert field in {e.field for e in info.value.errors}
    assert (Organization.objects.count(), OrgVersion.objects.count(), OrgEvent.objects.count()) == before
