"""Property test (security.md G11, §5.3): random plans on random small trees with members.

Either the plan is refused — at check and at apply, with nothing written — or, after apply, the
tree is a valid forest at every date (`tests/orgs/tree_invariants.py`), every member who was in a
cell the day before an event's date is in exactly one cell on that date, nobody is lost, and the
impact `check` predicted is what `apply` did. Each example runs in a savepoint that is rolled
back. CHIBO_PROPERTY_EXAMPLES sets the number of examples (default 20).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chibo.orgs import kinds as K
from chibo.orgs.models import Organization
from chibo.orgs.services import org_establish
from chibo.restructuring.plans import PlanError, plan_parse
from chibo.restructuring.services import PlanRefused, plan_apply, plan_check
from tests.orgs.tree_invariants import forest_problems

from .helpers import admit, cells_of_members, person_name, plan_yaml, row_counts, state_checksum

D = dt.date
START = D(2012, 1, 1)
DATES = ["2025-07-01", "2025-07-01", "2025-07-01", "2025-08-01", "2025-09-01"]
KINDS = [k["key"] for k in K.BUILTIN_KINDS]


class _Rollback(Exception):
    pass


@st.composite
def shapes(draw) -> list[list[list[int]]]:
    """districts -> communes -> cells -> members (0 or 1)."""
    return draw(st.lists(
        st.lists(st.lists(st.integers(0, 1), min_size=1, max_size=2), min_size=1, max_size=2),
        min_size=1, max_size=2,
    ))


def codes_of(shape: list[list[list[int]]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"district": [], "commune": [], "cell": []}
    for i, communes in enumerate(shape):
        out["district"].append(f"PD{i}")
        for j, cells in enumerate(communes):
            out["commune"].append(f"PG{i}{j}")
            for k in range(len(cells)):
                out["cell"].append(f"PC{i}{j}{k}")
    return out


def build(shape: list[list[list[int]]]) -> None:
    p = org_establish(actor=None, code="PP", name="Đảng bộ tỉnh", kind=K.PROVINCIAL, parent=None, on=START)
    n = 0
    for i, communes in enumerate(shape):
        d = org_establish(actor=None, code=f"PD{i}", name=f"Đảng bộ huyện {i}", kind=K.DISTRICT, parent=p, on=START)
        for j, cells in enumerate(communes):
            g = org_establish(actor=None, code=f"PG{i}{j}", name=f"Đảng bộ xã {i}{j}", kind=K.GRASSROOTS_COMMITTEE,
                              parent=d, on=START)
            for k, members in enumerate(cells):
                c = org_establish(actor=None, code=f"PC{i}{j}{k}", name=f"Chi bộ thôn {i}{j}{k}",
                                  kind=K.PARTY_CELL, parent=g, on=START)
                for _m in range(members):
                    n += 1
                    admit(c, person_name(n))


@st.composite
def events(draw, codes: dict[str, list[str]]) -> list[dict]:
    everything = ["PP", *codes["district"], *codes["commune"], *codes["cell"], "NEW0", "NEW1", "NOPE"]
    any_code = st.sampled_from(everything)
    cell = st.sampled_from(codes["cell"] * 4 + ["NEW1"])
    commune = st.sampled_from(codes["commune"])
    out: list[dict] = []
    n_events = draw(st.integers(1, 5))
    days = sorted(draw(st.lists(st.sampled_from(DATES), min_size=n_events, max_size=n_events)))
    for on in days:
        choice = draw(st.sampled_from(["establish", "merge_cells", "merge_cells", "merge_communes", "reform",
                                       "reform", "dissolve_cell", "dissolve_cell", "dissolve_district", "move",
                                       "rename", "reclassify", "split_cell", "split_cell", "random_merge"]))
        e: dict
        if choice == "reform" and not any(x.get("code") == "NEW0" for x in out):
            out.append({"type": "establish", "code": "NEW0", "name": "Đảng bộ xã Mới", "kind": K.COMMUNE_LEVEL,
                        "parent": "PP", "on": on})
            e = {"type": "merge", "sources": draw(st.lists(commune, min_size=1, max_size=3, unique=True)),
                 "into": "NEW0", "children_kinds": {K.PARTY_CELL: K.GRASSROOTS_CELL}}
        elif choice == "establish":
            e = {"type": "establish", "code": draw(st.sampled_from(["NEW0", "NEW1"])), "name": "Đảng bộ xã Mới",
                 "kind": draw(st.sampled_from([K.COMMUNE_LEVEL, K.PARTY_CELL])), "parent": draw(any_code)}
        elif choice == "merge_cells":
            sources = draw(st.lists(cell, min_size=1, max_size=2, unique=True))
            e = {"type": "merge", "sources": sources,
                 "into": draw(cell.filter(lambda c, s=sources: c not in s) | st.sampled_from(codes["cell"]))}
            if draw(st.booleans()):
                e["members_to"] = draw(cell)
        elif choice == "merge_communes":
            sources = draw(st.lists(commune, min_size=1, max_size=2, unique=True))
            e = {"type": "merge", "sources": sources, "into": draw(commune.filter(lambda c, s=sources: c not in s)
                                                                    | st.sampled_from(codes["commune"])),
                 "children_kinds": {K.PARTY_CELL: K.GRASSROOTS_CELL} if draw(st.booleans()) else {}}
        elif choice == "dissolve_cell":
            source = draw(cell)
            e = {"type": "dissolve", "org": source}
            if draw(st.integers(0, 4)):
                e["members_to"] = draw(cell.filter(lambda c, s=source: c != s) | cell)
        elif choice == "dissolve_district":
            e = {"type": "dissolve", "org": draw(st.sampled_from(codes["district"])),
                 "children_to": draw(st.sampled_from(["PP", *codes["district"], "NEW0"]))}
        elif choice == "move":
            e = {"type": "move", "org": draw(any_code), "parent": draw(any_code)}
            if draw(st.booleans()):
                e["kind"] = draw(st.sampled_from(KINDS))
        elif choice == "rename":
            e = {"type": "rename", "org": draw(any_code), "name": "Tên mới"}
        elif choice == "reclassify":
            e = {"type": "reclassify", "org": draw(any_code), "kind": draw(st.sampled_from(KINDS))}
        elif choice == "split_cell":
            source = draw(cell)
            e = {"type": "split", "source": source,
                 "parts": [draw(cell.filter(lambda c, s=source: c != s)), {"code": "NEWS", "name": "Chi bộ tách", "kind": K.PARTY_CELL,
                                        "parent": draw(commune)}]}
            if draw(st.integers(0, 3)):
                e["members"] = {"default": draw(st.integers(0, 1))}
        else:
            e = {"type": "merge", "sources": draw(st.lists(any_code, min_size=1, max_size=2, unique=True)),
                 "into": draw(any_code)}
        e["on"] = on
        out.append(e)
    return out


@st.composite
def scenarios(draw):
    shape = draw(shapes())
    return shape, draw(events(codes_of(shape)))


def members_each_in_one_cell(dates: list[dt.date]) -> None:
    for on in dates:
        then = cells_of_members(on - dt.timedelta(days=1))
        now = cells_of_members(on, list(then))
        assert set(now) == set(then), f"lost on {on}: {set(then) - set(now)}"
        assert all(len(c) == 1 for c in now.values()), f"in two cells on {on}: {now}"


@pytest.mark.django_db
@settings(max_examples=int(os.environ.get("CHIBO_PROPERTY_EXAMPLES", "20")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(scenario=scenarios())
def test_random_plans(scenario, english):
    shape, plan_events = scenario
    try:
        with transaction.atomic():
            build(shape)
            try:
                plan = plan_parse(plan_yaml(plan_events, key="prop"))
            except PlanError:
                event("refused when parsing")
                raise _Rollback from None  # refused before anything (duplicate codes and the like)
            counts, checksum = row_counts(), state_checksum()
            impact = plan_check(actor=None, plan=plan)
            assert row_counts() == counts and state_checksum() == checksum, "check wrote something"
            if not impact.ok:
                with pytest.raises(PlanRefused):
                    plan_apply(actor=None, plan=plan)
                assert row_counts() == counts and state_checksum() == checksum, "a refused plan wrote something"
                event(f"refused at event {min((i.event or 0) for i in impact.issues)}")
                raise _Rollback
            members_before = set(cells_of_members(D(2025, 6, 30)))
            applied = plan_apply(actor=None, plan=plan)
            problems = forest_problems()
            assert not problems, problems
            dates = sorted({e.on for e in plan.events})
            members_each_in_one_cell(dates)
            assert set(cells_of_members(dates[-1])) == members_before
            assert applied.summary() == impact.summary()
            assert Organization.objects.filter(code="PP").exists()
            event(f"applied {len(plan.events)} events")
            raise _Rollback
    except _Rollback:
        pass
