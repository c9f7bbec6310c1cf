"""The benchmark's meeting scenarios run on the small tree and agree with their floors (no timing
is checked here: speed targets live in the benchmark)."""

from __future__ import annotations

import pytest

from bench import meetings as bench

from .conftest import admit, vn_name

pytestmark = pytest.mark.django_db


def test_bench_scenarios_run_and_agree(tree, admin):
    for i in range(30):
        admit(tree["CA"], vn_name("Bàn", i))
    rows = []

    def scenario(name, chibo, floor, unit, target, **kw):
        rows.append((name, chibo, floor))
        return {"name": name}

    def timed_pair(a, b, repeat=1):
        return 0.001, a(), 0.001, b()

    out = bench.scenarios(admin, tree["P1"], scenario, timed_pair)
    assert len(out) == 2
    assert "30 members" in rows[1][0]
    # a second run reuses the generated meetings
    first = bench._ensure_meetings(tree["P1"])
    assert bench._ensure_meetings(tree["P1"]) == first
