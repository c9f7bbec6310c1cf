"""The engine: every event type on a small tree with members; check writes nothing; apply is
all or nothing and happens once; errors are refused at check and at apply with nothing written."""

from __future__ import annotations

import pytest

from chibo.members.choices import AffiliationKind
from chibo.members.models import Affiliation, Transfer, TransferState
from chibo.members.selectors import member_counts
from chibo.members.services import transfer_request
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization, OrgEvent
from chibo.orgs.selectors import org_counts
from chibo.restructuring.models import AppliedPlan
from chibo.restructuring.plans import plan_parse
from chibo.restructuring.services import PlanRefused, plan_apply, plan_check
from tests.orgs.tree_invariants import assert_valid_forest

from .helpers import (
    DAY_BEFORE,
    REFORM,
    admit,
    cells_of_members,
    kind_on,
    parent_on,
    plan_yaml,
    row_counts,
    state_checksum,
    superuser,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def run(events, key="test-plan", **kw):
    """Check (asserting nothing is written), then apply."""
    plan = plan_parse(plan_yaml(events, key=key, **kw))
    counts, checksum = row_counts(), state_checksum()
    impact = plan_check(actor=None, plan=plan)
    assert row_counts() == counts and state_checksum() == checksum, "check wrote something"
    assert impact.ok, [i.message for i in impact.issues]
    applied = plan_apply(actor=None, plan=plan)
    assert applied.applied
    assert_valid_forest()
    return impact, applied


def refused(events, match, key="bad-plan", **kw):
    """Refused at check and at apply, with nothing written either time."""
    plan = plan_parse(plan_yaml(events, key=key, **kw))
    counts, checksum = row_counts(), state_checksum()
    impact = plan_check(actor=None, plan=plan)
    assert not impact.ok
    assert any(match in i.message for i in impact.issues), [i.message for i in impact.issues]
    with pytest.raises(PlanRefused) as exc:
        plan_apply(actor=None, plan=plan)
    assert any(match in i.message for i in exc.value.issues), [i.message for i in exc.value.issues]
    assert row_counts() == counts and state_checksum() == checksum, "a refused plan wrote something"
    return impact


def each_member_in_one_cell(on, before):
    """Every member in a cell on `before` is in exactly one cell on `on`."""
    then = cells_of_members(before)
    now = cells_of_members(on, list(then))
    assert set(now) == set(then), set(then) - set(now)
    assert all(len(cells) == 1 for cells in now.values()), now


# --- each event type ------------------------------------------------------------------------------


def test_establish_rename_move_reclassify(world):
    impact, _ = run([
        {"type": "establish", "code": "RS-N1", "name": "Đảng bộ xã Mới", "kind": K.COMMUNE_LEVEL,
         "parent": "RS-P", "sector": "commune", "powers": ["decide_admission"]},
        {"type": "rename", "org": "RS-C4", "name": "Chi bộ thôn Bốn"},
        {"type": "move", "org": "RS-A1", "parent": "RS-N1"},
        {"type": "reclassify", "org": "RS-D2", "kind": K.AGENCY_BLOC, "on": "2025-08-01"},
    ])
    assert [o.code for o in impact.created] == ["RS-N1"]
    assert {c.code for c in impact.moved} == {"RS-A1"}
    assert {c.code for c in impact.renamed} == {"RS-C4"}
    assert parent_on("RS-A1", REFORM) == "RS-N1" and parent_on("RS-A1", DAY_BEFORE) == "RS-D1"
    assert Organization.objects.get(code="RS-C4").version_on(REFORM).name == "Chi bộ thôn Bốn"
    assert OrgEvent.objects.filter(plan_key="test-plan").count() == 4
    assert Organization.objects.get(code="RS-N1").powers.filter(power="decide_admission").exists()


def test_reclassify_refused_when_it_strands_members(world):
    refused([{"type": "reclassify", "org": "RS-C1", "kind": K.COMPONENT}], "members are active")


def test_merge_cells_moves_members_to_the_destination(world):
    members_c2 = list(Affiliation.objects.filter(org__code="RS-C2").values_list("member_id", flat=True))
    impact, _ = run([{"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"}])
    assert [o.code for o in impact.closed] == ["RS-C2"]
    assert impact.members_by_destination() == [("RS-C1", 1)]
    each_member_in_one_cell(REFORM, DAY_BEFORE)
    assert cells_of_members(REFORM, members_c2) == {m: ["RS-C1"] for m in members_c2}
    t = Transfer.objects.get(member_id=members_c2[0])
    assert t.state == TransferState.RECEIVED and t.note == "test-plan #1"


def test_merge_cells_into_a_new_cell_and_members_to(world):
    run([
        {"type": "merge", "sources": ["RS-C1", "RS-C2"],
         "new": {"code": "RS-C12", "name": "Chi bộ thôn Một Hai", "kind": K.PARTY_CELL, "parent": "RS-G1"}},
        {"type": "merge", "sources": ["RS-C3"], "into": "RS-G1", "members_to": "RS-C12"},
    ])
    each_member_in_one_cell(REFORM, DAY_BEFORE)
    assert set(Affiliation.objects.filter(org__code="RS-C12").values_list("member_id", flat=True)) == set(
        Affiliation.objects.filter(org__code__in=["RS-C1", "RS-C2", "RS-C3"]).values_list("member_id", flat=True))


def test_merge_committees_with_children_kinds_and_children_to(world):
    impact, _ = run([
        {"type": "establish", "code": "RS-N1", "name": "Đảng bộ xã Mới", "kind": K.COMMUNE_LEVEL, "parent": "RS-P"},
        {"type": "establish", "code": "RS-N2", "name": "Đảng bộ xã Khác", "kind": K.COMMUNE_LEVEL, "parent": "RS-P"},
        {"type": "merge", "sources": ["RS-G1", "RS-G2"], "into": "RS-N1",
         "children_kinds": {K.PARTY_CELL: K.GRASSROOTS_CELL}, "children_to": {"RS-C3": "RS-N2"}},
    ])
    assert kind_on("RS-C1", REFORM) == K.GRASSROOTS_CELL and kind_on("RS-C1", DAY_BEFORE) == K.PARTY_CELL
    assert parent_on("RS-C3", REFORM) == "RS-N2"
    assert {o.code for o in impact.closed} == {"RS-G1", "RS-G2"}
    assert impact.members_carried == 5  # C1, C2, C3 stay whole
    each_member_in_one_cell(REFORM, DAY_BEFORE)
    n1 = Organization.objects.get(code="RS-N1")
    assert set(OrgEvent.objects.get(type="merge", plan_key="test-plan").links.filter(role="predecessor")
               .values_list("org__code", flat=True)) == {"RS-G1", "RS-G2"}
    assert org_counts(user=superuser(), org=n1, on=REFORM)[K.GRASSROOTS_CELL] == 2


def test_split_a_cell_with_a_member_rule(world):
    ids = sorted(Affiliation.objects.filter(org__code="RS-C1").values_list("member_id", flat=True))
    run([{
        "type": "split", "source": "RS-C1",
        "parts": [{"code": "RS-C1A", "name": "Chi bộ thôn 1A", "kind": K.PARTY_CELL, "parent": "RS-G1"},
                  {"code": "RS-C1B", "name": "Chi bộ thôn 1B", "kind": K.PARTY_CELL, "parent": "RS-G1"}],
        "members": {"default": 0, "by_member": {ids[1]: 1}},
    }])
    each_member_in_one_cell(REFORM, DAY_BEFORE)
    assert cells_of_members(REFORM, ids) == {ids[0]: ["RS-C1A"], ids[1]: ["RS-C1B"]}


def test_split_a_committee_assigns_children(world):
    run([{
        "type": "split", "source": "RS-G1",
        "parts": ["RS-G2", {"code": "RS-G1B", "name": "Đảng bộ xã Hòa Bắc", "kind": K.GRASSROOTS_COMMITTEE,
                            "parent": "RS-D1"}],
        "assign": {"RS-C1": 0, "RS-C2": 1},
    }])
    assert parent_on("RS-C1", REFORM) == "RS-G2" and parent_on("RS-C2", REFORM) == "RS-G1B"
    each_member_in_one_cell(REFORM, DAY_BEFORE)


def test_split_of_a_cell_needs_a_rule_for_members(world):
    refused([{"type": "split", "source": "RS-C1",
              "parts": [{"code": "RS-C1A", "name": "Chi bộ thôn 1A", "kind": K.PARTY_CELL, "parent": "RS-G1"}]}],
            "say where they go")


def test_dissolve_with_destinations(world):
    impact, _ = run([
        {"type": "dissolve", "org": "RS-C4", "members_to": "RS-C1"},
        {"type": "dissolve", "org": "RS-G3", "on": "2025-07-02"},
        {"type": "dissolve", "org": "RS-D2", "on": "2025-07-03"},
    ])
    assert {o.code for o in impact.closed} == {"RS-C4", "RS-G3", "RS-D2"}
    each_member_in_one_cell(REFORM, DAY_BEFORE)
    assert org_counts(user=superuser(), org=Organization.objects.get(code="RS-P"), on=REFORM)[K.DISTRICT] == 2


def test_open_work_moves_with_the_members(world):
    c1, c2 = Organization.objects.get(code="RS-C1"), Organization.objects.get(code="RS-C2")
    # a member of C4 asks to transfer to C2 (under way on the day), a temporary activity in C2
    m4 = Affiliation.objects.get(org__code="RS-C4").member
    transfer_request(actor=None, member=m4, kind="official", to_org=c2, trigger_date=DAY_BEFORE,
                     requested_on=DAY_BEFORE)
    m1 = Affiliation.objects.filter(org=c1).first().member
    Affiliation.objects.create(member=m1, org=c2, kind=AffiliationKind.TEMPORARY, valid_from=DAY_BEFORE)
    impact, _ = run([{"type": "merge", "sources": ["RS-C2"], "into": "RS-C3"}])
    assert impact.summary()["transfers_redirected"] == 1
    assert impact.summary()["temporary_activity_ended"] == 1
    assert Transfer.objects.get(member=m4, state=TransferState.REQUESTED).to_org.code == "RS-C3"


# --- refusals ---------------------------------------------------------------------------------------


def test_dissolve_without_destination_is_refused(world):
    refused([{"type": "dissolve", "org": "RS-D1"}], "sub-organization")
    refused([{"type": "dissolve", "org": "RS-C1"}], "field “members_to”")


def test_cycle_is_refused(world):
    refused([{"type": "move", "org": "RS-D1", "parent": "RS-G1"}], "Event 1 (move)")
    refused([{"type": "move", "org": "RS-G1", "parent": "RS-C1"}], "Event 1 (move)")


def test_unknown_unit_is_refused(world):
    impact = refused([{"type": "rename", "org": "RS-C1", "name": "Chi bộ Một"},
                      {"type": "merge", "sources": ["RS-NOPE"], "into": "RS-C1"}],
                     "unknown organization “RS-NOPE”")
    assert impact.not_found
    refused([{"type": "establish", "code": "RS-X", "name": "X", "kind": K.PARTY_CELL, "parent": "RS-G1",
              "admin_unit": "legacy:99999"}], "unknown administrative unit")


def test_bad_kind_is_refused_when_parsing():
    from chibo.restructuring.plans import PlanError

    with pytest.raises(PlanError) as exc:
        plan_parse(plan_yaml([{"type": "reclassify", "org": "RS-C1", "kind": "village_committee"}]))
    assert "Event 1 (reclassify), field “kind”" in exc.value.errors[0]


def test_error_late_in_the_plan_writes_nothing(world):
    refused([
        {"type": "establish", "code": "RS-N1", "name": "Đảng bộ xã Mới", "kind": K.COMMUNE_LEVEL, "parent": "RS-P"},
        {"type": "merge", "sources": ["RS-G1"], "into": "RS-N1", "children_kinds": {K.PARTY_CELL: K.GRASSROOTS_CELL}},
        {"type": "dissolve", "org": "RS-D1"},  # RS-G2 and RS-A1 are still under it
    ], "Event 3 (dissolve)")
    assert not Organization.objects.filter(code="RS-N1").exists()


def test_apply_twice_is_refused(world):
    events = [{"type": "rename", "org": "RS-C1", "name": "Chi bộ thôn Một"}]
    run(events, key="once")
    counts = row_counts()
    with pytest.raises(PlanRefused) as exc:
        plan_apply(actor=None, plan=plan_parse(plan_yaml(events, key="once")))
    assert "already applied" in str(exc.value)
    # a changed plan under the same key as well
    with pytest.raises(PlanRefused) as exc:
        plan_apply(actor=None, plan=plan_parse(plan_yaml(events + events, key="once")))
    assert "different version" in str(exc.value)
    assert row_counts() == counts
    impact = plan_check(actor=None, plan=plan_parse(plan_yaml(events, key="once")))
    assert [i.kind for i in impact.issues][0] == "applied"
    assert AppliedPlan.objects.get(key="once").summary["renamed"] == 1


def test_applied_plan_is_audited(world):
    from chibo.core.models import AuditEvent

    run([{"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"}], key="audited")
    event = AuditEvent.objects.get(action="restructuring.apply")
    assert event.after["members_moved"] == 1 and event.reason == "audited"
    assert event.org_path  # the common ancestor of what changed
    assert AuditEvent.objects.filter(action="member.follow_restructuring").count() == 1


def test_counts_before_the_plan_are_unchanged(world):
    root = Organization.objects.get(code="RS-P")
    days = [DAY_BEFORE, REFORM.replace(year=2024)]
    before = {d: (org_counts(user=superuser(), org=root, on=d), member_counts(user=superuser(), org=root, on=d)) for d in days}
    run([
        {"type": "establish", "code": "RS-N1", "name": "Đảng bộ xã Mới", "kind": K.COMMUNE_LEVEL, "parent": "RS-P"},
        {"type": "merge", "sources": ["RS-G1", "RS-G2", "RS-G3"], "into": "RS-N1",
         "children_kinds": {K.PARTY_CELL: K.GRASSROOTS_CELL}},
        {"type": "move", "org": "RS-A1", "parent": "RS-N1"},
        {"type": "dissolve", "org": "RS-D1", "children_to": "RS-P"},
        {"type": "dissolve", "org": "RS-D2", "children_to": "RS-P"},
    ])
    after = {d: (org_counts(user=superuser(), org=root, on=d), member_counts(user=superuser(), org=root, on=d)) for d in days}
    assert after == before
    now = org_counts(user=superuser(), org=root, on=REFORM)
    assert now[K.DISTRICT] == 0 and now[K.COMMUNE_LEVEL] == 1 and now[K.GRASSROOTS_CELL] == 5
    assert member_counts(user=superuser(), org=root, on=REFORM) == before[DAY_BEFORE][1]


def test_scope_out_of_scope_is_unknown(world):
    """With a user, an organization the user may not change is reported like a missing one."""
    from tests.factories import make_persona

    staff = make_persona("rs_staff", role="organization_committee_staff", org=Organization.objects.get(code="RS-D1"))
    inside = plan_parse(plan_yaml([{"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"}]))
    assert plan_check(actor=staff, plan=inside, user=staff).ok
    outside = plan_parse(plan_yaml([{"type": "merge", "sources": ["RS-C4"], "into": "RS-C1"}]))
    missing = plan_parse(plan_yaml([{"type": "merge", "sources": ["RS-ZZ"], "into": "RS-C1"}]))
    a, b = plan_check(actor=staff, plan=outside, user=staff), plan_check(actor=staff, plan=missing, user=staff)
    assert a.not_found and b.not_found
    assert a.issues[0].message.replace("RS-C4", "X") == b.issues[0].message.replace("RS-ZZ", "X")


def test_member_admitted_later_does_not_block(world):
    """A member who joins after the plan's date is refused by the members service (the cell has later
    affiliations): the plan is refused with nothing written."""
    admit(Organization.objects.get(code="RS-C2"), "Lê Văn Sau", on=REFORM.replace(month=9))
    refused([{"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"}], "after")


def test_where_report_reconciles_leavers_and_joiners(world):
    from chibo.members.services import member_event
    from chibo.restructuring.selectors import where_did_they_go

    run([{"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"}], key="where-1")
    leaver = Affiliation.objects.filter(org__code="RS-C3").first().member
    member_event(actor=None, member=leaver, type="deceased", on=REFORM)
    admit(Organization.objects.get(code="RS-C4"), "Lê Văn Mới", on=REFORM)
    report = where_did_they_go(user=superuser(), province="RS-P", start=DAY_BEFORE, end=REFORM, members=True)
    assert (report.before, report.stayed, report.left_party, report.joined, report.after) == (7, 6, 1, 1, 7)
    assert report.balance == 0 and report.balance_after == 0
    c2 = next(r for r in report.rows if r.cell.code == "RS-C2")
    assert [(d.cell.code, d.count) for d in c2.destinations] == [("RS-C1", 1)] and c2.balance == 0
    c3 = next(r for r in report.rows if r.cell.code == "RS-C3")
    assert c3.before == 2 and c3.left_party == 1 and c3.balance == 0
    assert {m.outcome for m in c3.members} == {"stayed", "left_party"}
