"""Benchmark scenarios of the evaluation (for `bench/run.py`; the lead wires them in):

- a province's year-end summary (every member of the province in one round,
  `evaluation.selectors.summary`), target ≤ 1.5× the floor: the same counts in one hand-written
  grouped statement over the same rows;
- a cell's year-end page (`/evaluation/units/<pk>/`, a cell with 30 members or more), target
  < 100 ms; floor: the unit's row and its members' rows with their names in two statements.

`scenarios(admin, province, scenario, timed_pair)` takes the runner's helpers so that this module
imports nothing from it. The round is opened once over the province (`services.round_open`, which
writes the assessments in bulk) and its ratings are written in bulk, level by level (`BENCH_REUSE=1`
keeps them).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

YEAR = 2024
MARK = "bench-evaluation"


def _ensure_round(province: Any) -> Any:
    from django.db import transaction

    from chibo.evaluation import services
    from chibo.evaluation.models import LEVEL_ORDER, Assessment, Round, State

    rnd = Round.objects.filter(label=MARK).first()
    if rnd is not None:
        return rnd
    with transaction.atomic():
        rnd = services.round_open(actor=None, org=province, year=YEAR, opened_on=dt.date(YEAR, 12, 1), label=MARK)
        ids = list(Assessment.objects.filter(round=rnd).exclude(state=State.NOT_RATED).values_list("id", flat=True))
        rng = random.Random(15)  # noqa: S311 (benchmark data)
        by_level: dict[str, list[int]] = {lv: [] for lv in LEVEL_ORDER}
        for pk in ids:
            by_level[rng.choices(LEVEL_ORDER, weights=[8, 80, 10, 2])[0]].append(pk)
        for level, pks in by_level.items():
            for i in range(0, len(pks), 900):
                Assessment.objects.filter(pk__in=pks[i:i + 900]).update(
                    state=State.DECIDED, proposed_level=level, decided_level=level, decided_on=dt.date(YEAR, 12, 26),
                    decision_number="BENCH")
    return rnd


def _summary_floor(round_id: int, path: str) -> dict[str, int]:
    from django.db import connection

    from chibo.core.paths import upper_bound

    sql = """SELECT state, decided_level, COUNT(*) FROM evaluation_assessment
             WHERE round_id = %s AND subject = 'member' AND path >= %s AND path < %s GROUP BY state, decided_level"""
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id, path, upper_bound(path)])
        for state, level, n in cursor.fetchall():
            key = "not_rated" if state == "not_rated" else (level if state == "decided" else "pending")
            out[key] = out.get(key, 0) + n
    return out


def _page_floor(round_id: int, org_id: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM evaluation_assessment WHERE round_id = %s AND org_id = %s "
                       "AND subject = 'organization'", [round_id, org_id])
        cursor.fetchall()
        cursor.execute("""SELECT a.*, m.full_name FROM evaluation_assessment a JOIN members_member m
                          ON m.id = a.member_id WHERE a.round_id = %s AND a.org_id = %s AND a.subject = 'member'""",
                       [round_id, org_id])
        return len(cursor.fetchall())


def scenarios(admin: Any, province: Any, scenario: Callable[..., dict[str, Any]],
              timed_pair: Callable[..., tuple[float, Any, float, Any]]) -> list[dict[str, Any]]:
    from django.db.models import Count
    from django.test import Client

    from chibo.evaluation import selectors
    from chibo.evaluation.models import Assessment, Subject

    rnd = _ensure_round(province)
    out = []
    chibo_s, report, floor_s, floor = timed_pair(
        lambda: selectors.summary(user=admin, org=province, year=YEAR, of="members"),
        lambda: _summary_floor(rnd.pk, rnd.path))
    if report["total"] != sum(floor.values()):
        raise AssertionError(f"the summary differs from the floor: {report} vs {floor}")
    out.append(scenario(f"year-end summary of province {province.code} for {YEAR} ({report['total']:,} members; "
                        "target ≤ 1.5× the floor)", chibo_s * 1000, floor_s * 1000, "ms", 1.5))
    big = (Assessment.objects.filter(round=rnd, subject=Subject.MEMBER).values("org_id").annotate(n=Count("id"))
           .filter(n__gte=30).order_by("org_id").values_list("org_id", flat=True).first())
    if big is None:
        raise AssertionError("no cell with 30 members in the round")
    unit = Assessment.objects.get(round=rnd, subject=Subject.ORGANIZATION, org_id=big)
    client = Client()
    client.force_login(admin)
    url = f"/evaluation/units/{unit.pk}/"

    def page() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url}: {response.status_code}")
        return len(response.content)

    chibo_s, _size, floor_s, rows = timed_pair(page, lambda: _page_floor(rnd.pk, big))
    out.append(scenario(f"a cell's year-end page ({rows} members; target < 100 ms)", chibo_s * 1000,
                        floor_s * 1000, "ms", None))
    return out
