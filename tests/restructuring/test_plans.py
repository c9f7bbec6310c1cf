"""The plan format: every problem of shape is reported with the event number and the field."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.restructuring.plans import PlanError, plan_parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEAD = """\
key: p1
on: 2025-07-01
decision: {number: 1-QĐ/TU, date: 2025-06-20, issuer: Tỉnh ủy}
events:
"""


def errors(text: str) -> list[str]:
    with pytest.raises(PlanError) as exc:
        plan_parse(text)
    return exc.value.errors


def test_a_good_plan():
    plan = plan_parse(HEAD + """\
  - {type: establish, code: N1, name: Đảng bộ xã Mới, kind: commune_level_party_committee, parent: "22",
     admin_unit: "current:06691", powers: [decide_admission]}
  - {type: rename, org: N1, name: Đảng bộ phường Mới, on: 2025-08-01,
     decision: {number: 2-QĐ/TU, date: 2025-07-20, issuer: Tỉnh ủy}}
  - type: split
    source: C1
    on: 2025-08-02
    parts: [C2, {code: C3, name: Chi bộ 3, kind: party_cell, parent: G1}]
    assign: {C1-T1: 1}
    members: {default: 0, by_member: {"17": 1}}
""")
    assert plan.key == "p1" and [e.type for e in plan.events] == ["establish", "rename", "split"]
    assert plan.events[0].on == dt.date(2025, 7, 1)  # the unquoted `on:` key (YAML 1.1 reads it as true)
    assert plan.events[1].decision.number == "2-QĐ/TU"
    assert plan.events[2].fields["members"] == {"default": 0, "by_member": {17: 1}}
    assert plan.dates == (dt.date(2025, 7, 1), dt.date(2025, 8, 2))
    assert len(plan.checksum) == 64


def test_problems_name_the_event_and_the_field():
    found = errors(HEAD + """\
  - {type: merge, sources: [A], intoo: B}
  - {type: move, org: A}
  - {type: reclassify, org: A, kind: village_committee}
  - {type: teleport, org: A}
  - {type: dissolve, org: "bad code!"}
  - {type: establish, code: X, name: X, kind: party_cell, admin_unit: "somewhere"}
  - {type: rename, org: A, name: B, on: 2025-01-01}
  - {type: split, source: A, parts: [B], assign: {C: 3}}
""")
    text = "\n".join(found)
    assert "Event 1 (merge), field “intoo”: unknown field" in text
    assert "Event 1 (merge), field “into”" in text
    assert "Event 2 (move), field “parent”: missing" in text
    assert "Event 3 (reclassify), field “kind”: unknown kind 'village_committee'" in text
    assert "Event 4 (teleport), field “type”: unknown event type" in text
    assert "Event 5 (dissolve), field “org”" in text
    assert "Event 6 (establish), field “admin_unit”" in text
    assert "Event 7 (rename), field “on”: events are listed in date order" in text
    assert "Event 8 (split), field “assign”: C: there is no part 3" in text


def test_top_level_problems():
    text = "\n".join(errors("key: 'has space'\nevents: []\nextra: 1\ndecision: {number: 1}\n"))
    assert "field “key”" in text and "field “events”" in text and "field “extra”: unknown field" in text
    assert "field “decision”: missing: date, issuer" in text
    assert errors("- just a list") == ["A plan is a YAML mapping with `key`, `decision` and `events`."]
    assert "missing (give it here or at the top of the plan)" in errors(
        "key: k\nevents: [{type: rename, org: A, name: B}]\n")[0]


def test_codes_established_twice():
    found = errors(HEAD + """\
  - {type: establish, code: X, name: X, kind: party_cell, parent: G}
  - {type: merge, sources: [A], new: {code: X, name: X, kind: party_cell, parent: G}}
""")
    assert "X is established twice" in found[0]


def test_aliases_are_refused():
    bomb = "key: k\na: &a [x, x]\nb: &b [*a, *a]\nevents: [*b]\n"
    assert "aliases" in errors(bomb)[0]


def test_unconfirmed_events_are_recorded():
    plan = plan_parse(HEAD + """\
  - {type: merge, sources: [A], into: B, divided: true, confirmed: false, candidates: [B, C]}
""")
    assert [e.index for e in plan.unconfirmed] == [1]
    assert plan.events[0].candidates == ["B", "C"]
