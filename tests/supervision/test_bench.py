"""The benchmark's supervision scenarios run on the small tree and agree with their floors (no
timing is checked here: speed targets live in the benchmark)."""

from __future__ import annotations

import time

import pytest

from bench import supervision as bench

pytestmark = pytest.mark.django_db


def test_bench_scenarios_run_and_agree(tree, admin):
    rows = []

    def scenario(name, chibo, floor, unit, target, **kw):
        rows.append((name, chibo, floor))
        return {"name": name}

    def timed_pair(a, b, repeat=1):
        t0 = time.perf_counter()
        x = a()
        t1 = time.perf_counter()
        y = b()
        return t1 - t0, x, time.perf_counter() - t1, y

    out = bench.scenarios(admin, tree["P1"], scenario, timed_pair)
    assert len(out) == 2
    assert f"{bench.PROGRAMMES * bench.PROPOSALS:,} proposals" in rows[1][0]
    first = bench._ensure(tree["P1"])
    assert bench._ensure(tree["P1"]) == first
