"""Benchmark scenarios of the admission procedure (for `bench/run.py`; the lead wires them in):

- a province's overdue list (`admission.selectors.pipeline_status` by step plus the first page
  of `overdue_acts`) with 5,000 people in the procedure, target < 100 ms; floor: the same counts
  and page in hand-written SQL over the same rows;
- a province's target report for a year (`admission.selectors.target_report`), target < 200 ms;
  floor: the ceremonies of the year under the province and the step counts in SQL.

`scenarios(admin, province, scenario, timed_pair)` takes the runner's helpers so that this module
imports nothing from it. The people in the procedure are generated once, spread over the cells
of the province, through the bulk path (`ensure_applicants`).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

IN_PROGRESS = 5000
MARK = "bench-admission"
ON = dt.date(2025, 6, 30)


def ensure_applicants(province: Any, n: int = IN_PROGRESS) -> int:
    """`n` people in the procedure under the province on ON, at random steps (idempotent)."""
    from django.db import transaction

    from chibo.admission.models import AdmissionAct, Applicant, Step
    from chibo.core.bulk import allocate_ids, insert_rows
    from chibo.core.paths import subtree_q
    from chibo.core.text import fold
    from chibo.orgs.models import OrgVersion

    present = Applicant.objects.filter(search_key__startswith=MARK).count()
    if present:
        return present
    v = province.version_on(ON) or province.latest_version()
    cells = list(OrgVersion.objects.filter(subtree_q(v.path), kind__key__in=["party_cell", "grassroots_party_cell"])
                 .values_list("org_id", flat=True).distinct())
    rng = random.Random(7)  # noqa: S311 (benchmark data)
    steps = [Step.LISTED, Step.AWARENESS_COURSE, Step.APPLICATION, Step.VERIFICATION, Step.INTRODUCTION,
             Step.OPINIONS, Step.CELL_VOTE, Step.GRASSROOTS_RESOLUTION, Step.DECISION]
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        ids = allocate_ids(Applicant, n)
        applicants, acts = [], []
        for i, pk in enumerate(ids):
            cell = cells[i % len(cells)]
            step = rng.choice(steps)
            on = ON - dt.timedelta(days=rng.randint(1, 150))
            due = on + dt.timedelta(days=rng.randint(20, 90)) if step in steps[6:] else None
            name = f"{MARK} {i}"
            applicants.append([pk, name, fold(name), "female", dt.date(1995, 1, 1), "01", "none", "upper_secondary",
                               "other", False, "cell", 0, False, cell, ON - dt.timedelta(days=400), step, on, due,
                               now])
            acts.append([pk, cell, step, step, on, due, "", "", "", json.dumps({}), now])
        insert_rows(Applicant, ["id", "full_name", "search_key", "gender", "birth_date", "ethnicity", "religion",
                                "general_education", "occupation", "youth_union", "proposed_by", "failed_votes",
                                "decision_extended", "cell", "listed_on", "state", "state_on", "due_on",
                                "created_at"], applicants)
        insert_rows(AdmissionAct, ["applicant", "cell", "step", "state", "on", "due_on", "document_no", "issuer",
                                   "note", "details", "recorded_at"], acts)
    return n


def scenarios(admin: Any, province: Any, scenario: Callable[..., dict[str, Any]],
              timed_pair: Callable[..., Any]) -> list[dict[str, Any]]:
    from django.db import connection

    from chibo.admission import selectors
    from chibo.core.paths import subtree_q
    from chibo.orgs.models import OrgVersion

    n = ensure_applicants(province)
    v = province.version_on(ON) or province.latest_version()
    cell_ids = list(OrgVersion.objects.filter(subtree_q(v.path)).values_list("org_id", flat=True).distinct())
    marks = ",".join(["%s"] * len(cell_ids))

    def chibo_overdue() -> tuple[int, int]:
        status = selectors.pipeline_status(user=admin, org=province, on=ON)
        page = list(selectors.overdue_acts(user=admin, org=province, on=ON)[:50])
        return status.overdue, len(page)

    def floor_overdue() -> tuple[int, int]:
        with connection.cursor() as c:
            sql = ("SELECT state, COUNT(*), SUM(CASE WHEN due_on < %s THEN 1 ELSE 0 END) FROM admission_admissionact "  # noqa: S608
                   f"WHERE cell_id IN ({marks}) AND \"on\" <= %s AND (until IS NULL OR until > %s) "
                   "GROUP BY state")
            c.execute(sql, [ON, *cell_ids, ON, ON])
            late = sum(int(r[2] or 0) for r in c.fetchall())
            sql = ("SELECT a.id, p.full_name FROM admission_admissionact a JOIN admission_applicant p "  # noqa: S608
                   f"ON p.id = a.applicant_id WHERE a.cell_id IN ({marks}) AND a.\"on\" <= %s AND "
                   "(a.until IS NULL OR a.until > %s) AND a.due_on < %s ORDER BY a.due_on, a.id LIMIT 50")
            c.execute(sql, [*cell_ids, ON, ON, ON])
            return late, len(c.fetchall())

    def chibo_target() -> int:
        return selectors.target_report(user=admin, org=province, year=ON.year, on=ON).pipeline.total

    def floor_target() -> int:
        with connection.cursor() as c:
            sql = (f"SELECT COUNT(*) FROM admission_admissionact WHERE cell_id IN ({marks}) "  # noqa: S608
                   "AND \"on\" <= %s AND (until IS NULL OR until > %s)")
            c.execute(sql, [*cell_ids, ON, ON])
            return int(c.fetchone()[0])

    out = []
    t1, r1, f1, g1 = timed_pair(chibo_overdue, floor_overdue)
    if r1 != g1:
        raise AssertionError(f"admission overdue list: chibo {r1}, floor {g1}")
    out.append(scenario(f"admission: a province's overdue list ({n} in the procedure; target < 100 ms)",
                        t1 * 1000, f1 * 1000, "ms", None))
    t2, r2, f2, g2 = timed_pair(chibo_target, floor_target)
    if r2 < 0:
        raise AssertionError("admission target report: negative count")
    out.append(scenario("admission: a province's target report for a year (target < 200 ms)", t2 * 1000, f2 * 1000,
                        "ms", None))
    return out
