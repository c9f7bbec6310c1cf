"""The benchmark's admission scenarios run on the small tree and agree with their floors; with
5,000 people in the procedure the overdue list and the target report are timed (reported, not
asserted here: speed targets live in the benchmark)."""

from __future__ import annotations

import time

import pytest

from bench import admission as bench
from chibo.admission import selectors

pytestmark = pytest.mark.django_db


def test_bench_scenarios_run_and_agree(tree, admin, capsys):
    rows = []

    def scenario(name, chibo, floor, unit, target):
        rows.append(name)
        return {"name": name}

    def timed_pair(a, b, repeat=1):
        return 0.001, a(), 0.001, b()

    out = bench.scenarios(admin, tree["P1"], scenario, timed_pair)
    assert len(out) == 2 == len(rows), rows  # the scenarios raise when Chibo and the floor disagree
    assert bench.ensure_applicants(tree["P1"]) == bench.IN_PROGRESS  # a second run reuses them
    timings = {}
    for name, fn in (("overdue", lambda: (selectors.pipeline_status(user=admin, org=tree["P1"], on=bench.ON),
                                          list(selectors.overdue_acts(user=admin, org=tree["P1"], on=bench.ON)[:50]))),
                     ("target", lambda: selectors.target_report(user=admin, org=tree["P1"], year=2025, on=bench.ON))):
        fn()
        t0 = time.perf_counter()
        for _ in range(5):
            fn()
        timings[name] = (time.perf_counter() - t0) / 5 * 1000
    with capsys.disabled():
        print(f"\nadmission, 5,000 in the procedure (SQLite, small tree): "
              f"overdue list {timings['overdue']:.1f} ms, target report {timings['target']:.1f} ms")
