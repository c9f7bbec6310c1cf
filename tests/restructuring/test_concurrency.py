"""Two applies of the same plan at the same time (PostgreSQL): exactly one is applied, the other
is refused, and the plan's changes exist once (security.md §5.3 c)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from chibo.orgs.models import OrgEvent
from chibo.restructuring.models import AppliedPlan
from chibo.restructuring.plans import plan_parse
from chibo.restructuring.services import PlanRefused, plan_apply

from .helpers import DAY_BEFORE, REFORM, build_world, cells_of_members, plan_yaml

EVENTS = [
    {"type": "merge", "sources": ["RS-C2", "RS-C3"], "into": "RS-C1"},
    {"type": "dissolve", "org": "RS-G2", "children_to": "RS-G1"},
]


@pytest.mark.django_db(transaction=True)
def test_concurrent_applies_apply_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent writers)")
    build_world()
    text = plan_yaml(EVENTS, key="twice-at-once")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            plan = plan_parse(text)
            barrier.wait()
            plan_apply(actor=None, plan=plan)
            outcomes.append("applied")
        except PlanRefused as exc:
            outcomes.append("refused: " + exc.issues[0].kind)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["applied", "refused: applied"], outcomes
    assert AppliedPlan.objects.filter(key="twice-at-once").count() == 1
    assert OrgEvent.objects.filter(plan_key="twice-at-once").count() == 2
    then = cells_of_members(DAY_BEFORE)
    now = cells_of_members(REFORM, list(then))
    assert set(now) == set(then) and all(len(v) == 1 for v in now.values())
