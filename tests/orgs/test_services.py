"""Writes to the organization tree: happy paths with as-of checks, and refusals that write nothing."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import date_format

from chibo.core.audit import verify_chain
from chibo.core.models import AuditEvent
from chibo.orgs import kinds as K
from chibo.orgs import selectors, services
from chibo.orgs.models import (
    Decision,
    EventType,
    LinkRole,
    Organization,
    OrgEvent,
    OrgEventLink,
    OrgPower,
    Power,
)
from chibo.orgs.services import DecisionRef, NewOrg
from tests.orgs.tree_invariants import assert_valid_forest, counts, snapshot

D = dt.date
BEFORE = D(2021, 12, 31)
ON = D(2022, 1, 1)
REFORM = D(2025, 7, 1)
DECISION = DecisionRef(number="123-QĐ/TU", date=D(2021, 12, 20), issuer="Tỉnh ủy Quảng Ninh")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def d(on: dt.date) -> str:
    """A date as the services write it in messages."""
    return date_format(on, "SHORT_DATE_FORMAT")


def v(org: Organization, on: dt.date):
    return org.version_on(on)


def child_codes(user, org, on) -> set[str]:
    return {x.org.code for x in selectors.org_children(user=user, org=org, on=on)}


def audits(action: str, org: Organization) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=action, target_id=str(org.pk)).order_by("id")
    )


@contextmanager
def refused(match: str):
    """The change is refused with a message matching `match`, and nothing at all is written."""
    before_counts, before_rows = counts(), snapshot()
    with pytest.raises(ValidationError) as info:
        yield info
    message = " ".join(info.value.messages)
    assert match in message, message
    assert counts() == before_counts
    assert snapshot() == before_rows
    assert_valid_forest()


# --- happy paths --------------------------------------------------------------------------------


def test_tree_fixture_is_a_valid_forest(tree):
    assert_valid_forest()
    assert verify_chain() == []


def test_establish(tree, admin):
    cc = services.org_establish(
        actor=admin, code="ORG-CELL-C", name="  Chi bộ\u202e khu phố 3 ", kind=K.PARTY_CELL,
        parent=tree["GX1"], on=ON, decision=DECISION, sector="residential_group",
        powers=[Power.DECIDE_RATINGS],
    )
    assert cc.valid_from == ON and cc.valid_to is None
    assert v(cc, BEFORE) is None
    now = v(cc, ON)
    assert now.name == "Chi bộ khu phố 3"  # normalized: bidi control gone, spaces collapsed
    assert now.search_key == "chi bo khu pho 3"
    assert now.path == v(tree["GX1"], ON).path + f"{cc.pk:08d}"
    assert now.depth == 4
    assert child_codes(admin, tree["GX1"], BEFORE) == {"ORG-CELL-A", "ORG-CELL-B"}
    assert child_codes(admin, tree["GX1"], ON) == {"ORG-CELL-A", "ORG-CELL-B", "ORG-CELL-C"}
    event = now.event
    assert event.type == EventType.ESTABLISH and event.on == ON and event.actor == admin
    assert str(event.decision) == "123-QĐ/TU (20/12/2021, Tỉnh ủy Quảng Ninh)"
    assert list(event.links.values_list("org__code", "role")) == [("ORG-CELL-C", LinkRole.SUBJECT)]
    assert OrgPower.objects.get(org=cc).power == Power.DECIDE_RATINGS
    (audit,) = audits("org.establish", cc)
    assert audit.actor == admin and audit.before is None
    assert audit.after["name"] == "Chi bộ khu phố 3"
    assert audit.after["parent"] == "ORG-GX1"
    assert audit.org_path == now.path
    assert audit.reason == str(event.decision)
    assert_valid_forest()
    # the same decision is reused, not duplicated
    services.org_establish(actor=admin, code="ORG-CELL-D", name="Chi bộ khu phố 4",
                           kind=K.PARTY_CELL, parent=tree["GX1"], on=ON, decision=DECISION)
    assert Decision.objects.count() == 1


def test_rename(tree, admin):
    dx = tree["DX"]
    old = tree.name("DX")
    before = counts()
    services.org_rename(actor=admin, org=dx, name="Đảng bộ thành phố Hạ Long (mới)", on=ON,
                        decision=DECISION)
    assert v(dx, BEFORE).name == old
    assert v(dx, ON).name == "Đảng bộ thành phố Hạ Long (mới)"
    assert v(dx, ON).search_key == "dang bo thanh pho ha long (moi)"
    assert v(dx, BEFORE).valid_to == ON
    assert v(dx, BEFORE).path == v(dx, ON).path
    # only the renamed organization got a new version: the subtree's paths did not change
    assert counts()["versions"] == before["versions"] + 1
    (audit,) = audits("org.rename", dx)
    assert audit.before["name"] == old
    assert audit.after["name"] == "Đảng bộ thành phố Hạ Long (mới)"
    assert_valid_forest()


def test_rename_twice_on_the_same_day_amends(tree, admin):
    dx = tree["DX"]
    services.org_rename(actor=admin, org=dx, name="Tên 1", on=ON)
    services.org_rename(actor=admin, org=dx, name="Tên 2", on=ON)
    assert dx.versions.count() == 2
    assert v(dx, ON).name == "Tên 2"
    assert_valid_forest()


def test_move_subtree_follows(tree, admin):
    gx1, dx, dy = tree["GX1"], tree["DX"], tree["DY"]
    ca = tree["CA"]
    services.org_move(actor=admin, org=gx1, parent=dy, on=ON, decision=DECISION)
    assert v(gx1, BEFORE).parent == dx and v(gx1, ON).parent == dy
    assert v(gx1, ON).path == v(dy, ON).path + f"{gx1.pk:08d}"
    # the cells under it moved with it, keeping their history
    assert v(ca, BEFORE).path.startswith(v(dx, BEFORE).path)
    assert v(ca, ON).path.startswith(v(dy, ON).path + f"{gx1.pk:08d}")
    assert v(ca, ON).parent == gx1
    assert child_codes(admin, dx, BEFORE) == {"ORG-GX1", "ORG-GX2"}
    assert child_codes(admin, dx, ON) == {"ORG-GX2"}
    assert child_codes(admin, dy, ON) == {"ORG-GX1", "ORG-GY1"}
    assert selectors.org_counts(user=admin, org=dx, on=BEFORE)[K.PARTY_CELL] == 2
    assert selectors.org_counts(user=admin, org=dx, on=ON)[K.PARTY_CELL] == 0
    assert selectors.org_counts(user=admin, org=dy, on=BEFORE)[K.PARTY_CELL] == 1
    assert selectors.org_counts(user=admin, org=dy, on=ON)[K.PARTY_CELL] == 3
    (audit,) = audits("org.move", gx1)
    assert audit.before["parent"] == "ORG-DX" and audit.after["parent"] == "ORG-DY"
    assert_valid_forest()


def test_move_back_dated_before_a_later_child_change(tree, admin):
    """Moving a parent in the past splits its children's versions at the move date."""
    ca = tree["CA"]
    services.org_rename(actor=admin, org=ca, name="Chi bộ khu phố 1 (mới)", on=D(2023, 1, 1))
    services.org_move(actor=admin, org=tree["GX1"], parent=tree["DY"], on=ON)
    assert [x.valid_from for x in ca.versions.order_by("valid_from")] == [
        D(2020, 1, 1), ON, D(2023, 1, 1)
    ]
    assert v(ca, D(2023, 6, 1)).name == "Chi bộ khu phố 1 (mới)"
    assert v(ca, D(2023, 6, 1)).path.startswith(v(tree["DY"], ON).path)
    assert_valid_forest()


def test_reclassify(tree, admin):
    gx2 = tree["GX2"]
    dx = tree["DX"]
    services.org_reclassify(actor=admin, org=gx2, kind=K.GRASSROOTS_COMMITTEE, on=ON)
    assert v(gx2, BEFORE).kind.key == K.GRASSROOTS_CELL
    assert v(gx2, ON).kind.key == K.GRASSROOTS_COMMITTEE
    before, after = (selectors.org_counts(user=admin, org=dx, on=d) for d in (BEFORE, ON))
    assert (before[K.GRASSROOTS_CELL], before[K.GRASSROOTS_COMMITTEE]) == (1, 1)
    assert (after[K.GRASSROOTS_CELL], after[K.GRASSROOTS_COMMITTEE]) == (0, 2)
    assert before[K.GRASSROOTS_ORGANIZATION] == after[K.GRASSROOTS_ORGANIZATION] == 2
    (audit,) = audits("org.reclassify", gx2)
    assert audit.before["kind"] == K.GRASSROOTS_CELL and audit.after["kind"] == K.GRASSROOTS_COMMITTEE
    assert_valid_forest()


def test_move_with_a_new_kind(tree, admin):
    """The 2025 restructuring: a grassroots committee moves from a district to a new
    commune-level committee."""
    reform = D(2025, 7, 1)
    commune = services.org_establish(
        actor=admin, code="ORG-XA-1", name="Đảng bộ phường Hạ Long", kind=K.COMMUNE_LEVEL,
        parent=tree["P1"], on=reform,
    )
    services.org_move(actor=admin, org=tree["CA"], parent=commune, on=reform,
                      kind=K.GRASSROOTS_CELL)
    ca = v(tree["CA"], reform)
    assert ca.kind.key == K.GRASSROOTS_CELL and ca.parent == commune
    assert v(tree["CA"], D(2025, 6, 30)).kind.key == K.PARTY_CELL
    assert_valid_forest()


def test_merge_into_new(tree, admin):
    gx1, gx2, dx = tree["GX1"], tree["GX2"], tree["DX"]
    new = services.org_merge(
        actor=admin, sources=[gx1, gx2], on=ON, decision=DECISION,
        new=NewOrg(code="ORG-GX-NEW", name="Đảng bộ phường Hồng Hải", kind=K.GRASSROOTS_COMMITTEE,
                   parent=dx),
    )
    gx1.refresh_from_db()
    gx2.refresh_from_db()
    assert gx1.valid_to == ON and gx2.valid_to == ON
    assert v(gx1, BEFORE) is not None and v(gx1, ON) is None
    assert child_codes(admin, dx, BEFORE) == {"ORG-GX1", "ORG-GX2"}
    assert child_codes(admin, dx, ON) == {"ORG-GX-NEW"}
    assert child_codes(admin, new, ON) == {"ORG-CELL-A", "ORG-CELL-B"}
    c_before = selectors.org_counts(user=admin, org=dx, on=BEFORE)
    c_after = selectors.org_counts(user=admin, org=dx, on=ON)
    assert c_before[K.GRASSROOTS_ORGANIZATION] == 2 and c_after[K.GRASSROOTS_ORGANIZATION] == 1
    assert c_before[K.PARTY_CELL] == c_after[K.PARTY_CELL] == 2
    lineage = selectors.org_lineage(user=admin, org=new)
    assert {n.org.code for n in lineage["past"]} == {"ORG-GX1", "ORG-GX2"}
    assert lineage["future"] == []
    assert [n.org.code for n in selectors.org_lineage(user=admin, org=gx1)["future"]] == ["ORG-GX-NEW"]
    event = OrgEvent.objects.get(type=EventType.MERGE)
    roles = set(event.links.values_list("org__code", "role"))
    assert roles == {("ORG-GX1", "predecessor"), ("ORG-GX2", "predecessor"),
                     ("ORG-GX-NEW", "successor")}
    assert audits("org.merge", gx1)[0].after["valid_to"] == "2022-01-01"
    assert audits("org.merge", new)[0].before is None
    assert_valid_forest()


def test_merge_into_existing(tree, admin):
    gx1, gy1 = tree["GX1"], tree["GY1"]
    out = services.org_merge(actor=admin, sources=[gy1], into=gx1, on=ON)
    assert out == gx1
    assert child_codes(admin, gx1, ON) == {"ORG-CELL-A", "ORG-CELL-B", "ORG-CY1"}
    assert child_codes(admin, tree["DY"], ON) == set()
    assert v(tree["CY1"], ON).path.startswith(v(gx1, ON).path)
    assert [n.org.code for n in selectors.org_lineage(user=admin, org=gx1)["past"]] == ["ORG-GY1"]
    assert_valid_forest()


def test_split(tree, admin):
    gx1 = tree["GX1"]
    parts = services.org_split(
        actor=admin, source=gx1, on=ON, decision=DECISION,
        parts=[
            NewOrg(code="ORG-GX1-N", name="Đảng bộ phường Hồng Gai Bắc",
                   kind=K.GRASSROOTS_COMMITTEE, parent=tree["DX"]),
            NewOrg(code="ORG-GX1-S", name="Đảng bộ phường Hồng Gai Nam",
                   kind=K.GRASSROOTS_COMMITTEE, parent=tree["DX"]),
        ],
        assign={tree["CA"].pk: 0, tree["CB"].pk: 1},
    )
    north, south = parts
    gx1.refresh_from_db()
    assert gx1.valid_to == ON
    assert child_codes(admin, north, ON) == {"ORG-CELL-A"}
    assert child_codes(admin, south, ON) == {"ORG-CELL-B"}
    assert child_codes(admin, gx1, BEFORE) == {"ORG-CELL-A", "ORG-CELL-B"}
    assert child_codes(admin, tree["DX"], ON) == {"ORG-GX1-N", "ORG-GX1-S", "ORG-GX2"}
    assert {n.org.code for n in selectors.org_lineage(user=admin, org=gx1)["future"]} == {
        "ORG-GX1-N", "ORG-GX1-S"
    }
    assert [n.org.code for n in selectors.org_lineage(user=admin, org=south)["past"]] == ["ORG-GX1"]
    assert len(audits("org.split", gx1)) == 1
    assert audits("org.split", north)[0].before is None
    assert_valid_forest()


def test_split_keeping_the_source(tree, admin):
    gx1 = tree["GX1"]
    (part,) = services.org_split(
        actor=admin, source=gx1, on=ON, dissolve_source=False,
        parts=[NewOrg(code="ORG-GX1-S", name="Tách ra", kind=K.GRASSROOTS_COMMITTEE,
                      parent=tree["DX"])],
        assign={tree["CB"].pk: 0},
    )
    gx1.refresh_from_db()
    assert gx1.valid_to is None
    assert child_codes(admin, gx1, ON) == {"ORG-CELL-A"}
    assert child_codes(admin, part, ON) == {"ORG-CELL-B"}
    assert_valid_forest()


def test_dissolve_leaf(tree, admin):
    cb = tree["CB"]
    services.org_dissolve(actor=admin, org=cb, on=ON, decision=DECISION)
    cb.refresh_from_db()
    assert cb.valid_to == ON
    assert v(cb, BEFORE) is not None and v(cb, ON) is None
    assert child_codes(admin, tree["GX1"], ON) == {"ORG-CELL-A"}
    assert selectors.org_counts(user=admin, org=tree["P1"], on=BEFORE)[K.PARTY_CELL] == 3
    assert selectors.org_counts(user=admin, org=tree["P1"], on=ON)[K.PARTY_CELL] == 2
    (audit,) = audits("org.dissolve", cb)
    assert audit.before["valid_to"] is None and audit.after["valid_to"] == "2022-01-01"
    assert_valid_forest()


def test_dissolve_with_destination(tree, admin):
    gx1, gy1 = tree["GX1"], tree["GY1"]
    services.org_dissolve(actor=admin, org=gx1, on=ON, children_to=gy1)
    assert child_codes(admin, gy1, ON) == {"ORG-CELL-A", "ORG-CELL-B", "ORG-CY1"}
    assert child_codes(admin, gx1, BEFORE) == {"ORG-CELL-A", "ORG-CELL-B"}
    assert [n.org.code for n in selectors.org_lineage(user=admin, org=gx1)["future"]] == ["ORG-GY1"]
    assert_valid_forest()


def test_power_grant(tree, admin):
    grant = services.org_power_grant(actor=admin, org=tree["GX1"], power=Power.ISSUE_CARDS, on=ON)
    assert grant.valid_to is None
    assert audits("org.power_grant", tree["GX1"])[0].after["power"] == Power.ISSUE_CARDS
    with refused("already holds this power"):
        services.org_power_grant(actor=admin, org=tree["GX1"], power=Power.ISSUE_CARDS,
                                 on=D(2023, 1, 1))
    with refused("end date must be after the start date"):
        services.org_power_grant(actor=admin, org=tree["GX1"], power=Power.DECIDE_RATINGS,
                                 on=ON, until=ON)


def test_every_change_is_audited_in_one_chain(tree, admin):
    services.org_rename(actor=admin, org=tree["DX"], name="X", on=ON)
    services.org_move(actor=admin, org=tree["GX2"], parent=tree["DY"], on=ON)
    services.org_dissolve(actor=admin, org=tree["CB"], on=ON)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("org.establish") == 12
    assert actions[-3:] == ["org.rename", "org.move", "org.dissolve"]
    assert verify_chain() == []


# --- refusals: clear message, nothing written ---------------------------------------------------


def test_refuse_cycle(tree, admin):
    with refused("would make a cycle"):
        services.org_move(actor=admin, org=tree["DX"], parent=tree["CA"], on=ON)


def test_refuse_own_parent(tree, admin):
    with refused("cannot be its own parent"):
        services.org_move(actor=admin, org=tree["GX1"], parent=tree["GX1"], on=ON)


def test_refuse_committee_under_a_party_cell(tree, admin):
    with refused("A Grassroots party committee cannot be placed under a Party cell"):
        services.org_establish(actor=admin, code="ORG-BAD", name="Đảng bộ sai chỗ",
                               kind=K.GRASSROOTS_COMMITTEE, parent=tree["CA"], on=ON)
    with refused("cannot be placed under a Party cell"):
        services.org_move(actor=admin, org=tree["GY1"], parent=tree["CA"], on=ON)


def test_refuse_reclassify_that_breaks_children(tree, admin):
    # party cells may not sit under a grassroots party cell
    with refused("A Party cell cannot be placed under a Grassroots party cell"):
        services.org_reclassify(actor=admin, org=tree["GX1"], kind=K.GRASSROOTS_CELL, on=ON)


def test_refuse_root_of_a_non_root_kind(tree, admin):
    with refused("must have a parent organization"):
        services.org_establish(actor=admin, code="ORG-BAD", name="Mồ côi", kind=K.PARTY_CELL,
                               parent=None, on=ON)
    with refused("must have a parent organization"):
        services.org_move(actor=admin, org=tree["DX"], parent=None, on=ON)


def test_refuse_province_under_something(tree, admin):
    with refused("cannot be placed under"):
        services.org_move(actor=admin, org=tree["P2"], parent=tree["P1"], on=ON)


def test_refuse_dissolve_with_children_and_no_destination(tree, admin):
    with refused(f"has 2 sub-organizations on {d(ON)}: choose where they go"):
        services.org_dissolve(actor=admin, org=tree["GX1"], on=ON)
    with refused(f"has 1 sub-organization on {d(ON)}: choose where it goes"):
        services.org_dissolve(actor=admin, org=tree["GY1"], on=ON)


def test_refuse_dissolve_into_an_incompatible_destination(tree, admin):
    with refused("cannot be placed under"):
        services.org_dissolve(actor=admin, org=tree["GX1"], on=ON, children_to=tree["DY"])


def test_refuse_dissolve_into_own_child(tree, admin):
    with refused("cannot be its own parent"):
        services.org_dissolve(actor=admin, org=tree["GY1"], on=ON, children_to=tree["CY1"])


def test_refuse_child_before_parent(tree, admin):
    with refused("the parent does not exist for the whole period"):
        services.org_establish(actor=admin, code="ORG-EARLY", name="Chi bộ sớm",
                               kind=K.PARTY_CELL, parent=tree["GX1"], on=D(2019, 6, 1))


def test_refuse_child_outliving_its_parent(tree, admin):
    """A child established before its parent's (already recorded) dissolution would outlive it."""
    services.org_dissolve(actor=admin, org=tree["CB"], on=D(2024, 1, 1))
    with refused("a child cannot outlive its parent"):
        services.org_establish(actor=admin, code="ORG-GROUP", name="Tổ đảng 1",
                               kind=K.PARTY_GROUP, parent=tree["CB"], on=ON)
    with refused("a child cannot outlive its parent"):
        services.org_move(actor=admin, org=tree["CA"], parent=tree["CB"], on=ON)


def test_refuse_dissolve_twice(tree, admin):
    services.org_dissolve(actor=admin, org=tree["CB"], on=ON)
    with refused("is already dissolved"):
        services.org_dissolve(actor=admin, org=tree["CB"], on=D(2023, 1, 1))
    with refused("no longer exists"):
        services.org_rename(actor=admin, org=tree["CB"], name="Hồi sinh", on=D(2023, 1, 1))


def test_refuse_out_of_order_change(tree, admin):
    services.org_rename(actor=admin, org=tree["DX"], name="Tên mới", on=D(2023, 1, 1))
    with refused("already has a later change"):
        services.org_rename(actor=admin, org=tree["DX"], name="Tên cũ hơn", on=ON)
    with refused("already has a later change"):
        services.org_move(actor=admin, org=tree["DX"], parent=tree["P2"], on=ON)
    with refused("has a change on or after that date"):
        services.org_dissolve(actor=admin, org=tree["DX"], on=ON, children_to=tree["DY"])


def test_refuse_change_before_establishment(tree, admin):
    with refused("already has a later change"):
        services.org_rename(actor=admin, org=tree["DX"], name="Trước khi có", on=D(2019, 1, 1))


def test_refuse_kind_not_yet_valid(tree, admin):
    with refused(f"exists only from {d(REFORM)}"):
        services.org_establish(actor=admin, code="ORG-XA", name="Đảng bộ xã mới",
                               kind=K.COMMUNE_LEVEL, parent=tree["P1"], on=D(2025, 6, 30))
    with refused(f"exists only from {d(REFORM)}"):
        services.org_reclassify(actor=admin, org=tree["DX"], kind=K.COMMUNE_LEVEL, on=ON)
    services.org_establish(actor=admin, code="ORG-XA", name="Đảng bộ xã mới",
                           kind=K.COMMUNE_LEVEL, parent=tree["P1"], on=D(2025, 7, 1))


def test_refuse_kind_abolished(tree, admin):
    with refused(f"was abolished on {d(REFORM)}"):
        services.org_establish(actor=admin, code="ORG-HUYEN", name="Huyện ủy mới",
                               kind=K.DISTRICT, parent=tree["P1"], on=D(2025, 7, 1))


def test_refuse_unknown_kind(tree, admin):
    with refused("Unknown organization kind: nope"):
        services.org_establish(actor=admin, code="ORG-X", name="X", kind="nope",
                               parent=tree["P1"], on=ON)


@pytest.mark.parametrize("code", ["", "bad code", "-leading-dash", "x" * 41, "mã", "a/b", "a\nb"])
def test_refuse_bad_code(tree, admin, code):
    with refused("is not a valid code"):
        services.org_establish(actor=admin, code=code, name="Chi bộ", kind=K.PARTY_CELL,
                               parent=tree["GX1"], on=ON)


def test_code_is_normalized(tree, admin):
    org = services.org_establish(actor=admin, code=" ORG-\u202eNEW ", name="Chi bộ",
                                 kind=K.PARTY_CELL, parent=tree["GX1"], on=ON)
    assert org.code == "ORG-NEW"


def test_refuse_duplicate_code(tree, admin):
    with refused("The code “ORG-CELL-A” is already used"):
        services.org_establish(actor=admin, code="ORG-CELL-A", name="Chi bộ trùng mã",
                               kind=K.PARTY_CELL, parent=tree["GX1"], on=ON)
    with refused("is already used"):
        services.org_merge(actor=admin, sources=[tree["CA"]], on=ON,
                           new=NewOrg(code="ORG-CELL-B", name="Trùng", kind=K.PARTY_CELL,
                                      parent=tree["GX1"]))


@pytest.mark.parametrize("name", ["", "   ", "\u202e\u202c", "\u200b"])
def test_refuse_empty_name(tree, admin, name):
    with refused("The name must not be empty"):
        services.org_establish(actor=admin, code="ORG-EMPTY", name=name, kind=K.PARTY_CELL,
                               parent=tree["GX1"], on=ON)
    with refused("The name must not be empty"):
        services.org_rename(actor=admin, org=tree["CA"], name=name, on=ON)


def test_refuse_name_too_long(tree, admin):
    with refused("too long"):
        services.org_rename(actor=admin, org=tree["CA"], name="a" * 256, on=ON)


def test_refuse_bad_decision(tree, admin):
    with refused("A decision needs a number and an issuer"):
        services.org_rename(actor=admin, org=tree["CA"], name="Tên", on=ON,
                            decision=DecisionRef(number=" ", date=ON, issuer="Tỉnh ủy"))


def test_refuse_bad_merges(tree, admin):
    with refused("exactly one destination"):
        services.org_merge(actor=admin, sources=[tree["CA"]], on=ON)
    with refused("cannot be merged into itself"):
        services.org_merge(actor=admin, sources=[tree["CA"]], into=tree["CA"], on=ON)
    with refused("at least one organization"):
        services.org_merge(actor=admin, sources=[], into=tree["CA"], on=ON)
    with refused("cannot be placed under"):  # cells cannot go under a district
        services.org_merge(actor=admin, sources=[tree["GX1"]], into=tree["DY"], on=ON)
    with refused("cannot be its own parent"):
        services.org_merge(actor=admin, sources=[tree["DX"]], into=tree["GX1"], on=ON)
    with refused("would make a cycle"):
        services.org_merge(actor=admin, sources=[tree["DX"]], into=tree["CA"], on=ON)


def test_refuse_merge_or_split_into_an_organization_that_does_not_exist(tree, admin):
    services.org_dissolve(actor=admin, org=tree["CB"], on=ON)
    later = services.org_establish(actor=admin, code="ORG-LATER", name="Chi bộ sau",
                                   kind=K.PARTY_CELL, parent=tree["GX1"], on=D(2024, 1, 1))
    for dead in (tree["CB"], later):
        with refused("does not exist on"):
            services.org_merge(actor=admin, sources=[tree["CA"]], into=dead, on=D(2023, 1, 1))
        with refused("does not exist on"):
            services.org_split(actor=admin, source=tree["CA"], on=D(2023, 1, 1), parts=[dead],
                               assign={}, dissolve_source=False)
        # nor split an organization that is gone (or not yet there), keeping it or not
        for keep in (True, False):
            with refused("does not exist on"):
                services.org_split(actor=admin, source=dead, on=D(2023, 1, 1), parts=[tree["CA"]],
                                   assign={}, dissolve_source=not keep)


def test_refuse_bad_splits(tree, admin):
    with refused("at least one resulting organization"):
        services.org_split(actor=admin, source=tree["GX1"], on=ON, parts=[], assign={})
    with refused("has no destination in the split"):
        services.org_split(actor=admin, source=tree["GX1"], on=ON, parts=[tree["GY1"]],
                           assign={tree["CA"].pk: 0})
    with refused("Unknown destination"):
        services.org_split(actor=admin, source=tree["GX1"], on=ON, parts=[tree["GY1"]],
                           assign={tree["CA"].pk: 0, tree["CB"].pk: 3})
    with refused("cannot be split into itself"):
        services.org_split(actor=admin, source=tree["GX1"], on=ON, parts=[tree["GX1"]],
                           assign={})


def test_refusals_keep_links_and_events_clean(tree, admin):
    n_links, n_events = OrgEventLink.objects.count(), OrgEvent.objects.count()
    for call in (
        lambda: services.org_dissolve(actor=admin, org=tree["GX1"], on=ON),
        lambda: services.org_move(actor=admin, org=tree["DX"], parent=tree["CA"], on=ON),
    ):
        with pytest.raises(ValidationError):
            call()
    assert (OrgEventLink.objects.count(), OrgEvent.objects.count()) == (n_links, n_events)
