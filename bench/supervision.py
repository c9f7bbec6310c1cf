"""Benchmark scenarios of supervision and dialogue (for `bench/run.py`; the lead wires them in):

- a province's overdue letters (`supervision.selectors.overdue_letters` first page and
  `overdue_by_body`), target < 100 ms; floor: the same rows and counts in hand-written SQL;
- the annual dialogue report per agency (`supervision.selectors.annual_report`), target < 300 ms;
  floor: one grouped statement over the same proposals.

`scenarios(admin, province, scenario, timed_pair)` takes the runner's helpers so that this module
imports nothing from it. The data are generated once through the bulk path (a letter for every
third cell of the province, a third of them open past their deadline; twelve programmes of the
year with 250 proposals each), marked so that a second run reuses them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

YEAR = 2024
MARK = "bench-supervision"
PROGRAMMES, PROPOSALS = 12, 250


def _ensure(province: Any) -> int:
    """Letters and programmes under the province (idempotent); the number of letters."""
    from django.db import connection, transaction
    from django.utils import timezone

    from chibo.core.bulk import insert_rows
    from chibo.core.paths import subtree_q
    from chibo.orgs.models import OrgVersion
    from chibo.supervision import services
    from chibo.supervision.models import Agency, Letter, Programme, Proposal

    if Programme.objects.filter(title=MARK).exists():
        return Letter.objects.filter(reference__startswith=MARK).count()
    on = dt.date(YEAR, 6, 15)
    path = province.version_on(on).path
    cells = sorted(set(
        OrgVersion.objects.filter(subtree_q(path), kind__is_cell=True, valid_from__lte=on)
        .exclude(kind__key="party_group").exclude(valid_to__lte=on).values_list("org_id", flat=True)))
    rng = random.Random(11)  # noqa: S311 (benchmark data)
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    with transaction.atomic():
        rows = []
        for i, org_id in enumerate(cells[::3]):
            received = dt.date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
            deadline = received + dt.timedelta(days=126)
            state = ("verification", "concluded", "accepted")[i % 3]
            concluded = deadline - dt.timedelta(days=10) if state == "concluded" else None
            rows.append((f"{MARK}-{i}", "denunciation", "post", org_id, received, org_id, received, "Bench", False,
                         state, "", "", "", deadline, "{}", concluded, stamp, "", "", ""))
        insert_rows(Letter, ["reference", "kind", "channel", "received_by", "received_on", "handler",
                             "competent_received_on", "summary", "congress_related", "state", "not_handled_reason",
                             "not_handled_note", "guidance", "deadline", "deadline_rule", "concluded_on",
                             "created_at", "extension_reason", "assigned_note", "conclusion"], rows)
        agencies = [services.agency_create(actor=None, org=province, name=f"{MARK} {k}", kind="department")
                    for k in range(8)]
        for n in range(PROGRAMMES):
            p = services.programme_create(actor=None, org=province, title=MARK if n == 0 else f"{MARK} {n}",
                                          hosts="Ban Thường vụ", audience="Cơ sở", starts_on=dt.date(YEAR, n + 1, 3),
                                          ends_on=dt.date(YEAR, n + 1, 4))
            prop_rows = []
            for k in range(PROPOSALS):
                assigned = dt.date(YEAR, n + 1, 10)
                due = assigned + dt.timedelta(days=42)
                roll = rng.random()
                answered = (due - dt.timedelta(days=5) if roll < 0.6 else due + dt.timedelta(days=9)
                            if roll < 0.85 else None)
                prop_rows.append((p.pk, k + 1, "Kiến nghị", "", "", "", agencies[k % 8].pk, assigned, due, "{}",
                                  "answered" if answered else "open", answered, "Trả lời" if answered else ""))
            insert_rows(Proposal, ["programme", "number", "topic", "content", "field", "raised_by", "agency",
                                   "assigned_on", "due_on", "deadline_rule", "state", "answered_on", "answer"],
                        prop_rows)
        assert Agency.objects.filter(org=province).count() >= 8
    return len(rows)


def _overdue_floor(path: str, on: dt.date) -> tuple[int, list[int]]:
    from django.db import connection

    from chibo.core.paths import upper_bound

    orgs = "SELECT v.org_id FROM orgs_orgversion v WHERE v.path >= %s AND v.path < %s"
    where = f"""l.state IN ('accepted', 'assigned', 'verification')
        AND ((l.extended_until IS NULL AND l.deadline < %s) OR l.extended_until < %s)
        AND l.handler_id IN ({orgs})"""  # noqa: S608 (constant text)
    args = [on, on, path, upper_bound(path)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT l.handler_id, COUNT(*) FROM supervision_letter l WHERE {where} "  # noqa: S608
                       "GROUP BY l.handler_id", args)
        n = sum(int(r[1]) for r in cursor.fetchall())
        cursor.execute(f"SELECT l.id FROM supervision_letter l WHERE {where} "  # noqa: S608
                       "ORDER BY l.deadline, l.id LIMIT 50", args)
        first = [int(r[0]) for r in cursor.fetchall()]
    return n, first


def _annual_floor(path: str, year: int, on: dt.date) -> int:
    from django.db import connection

    from chibo.core.paths import upper_bound

    sql = """SELECT p.agency_id, COUNT(*),
                    SUM(CASE WHEN p.state = 'answered' AND p.answered_on <= p.due_on THEN 1 ELSE 0 END),
                    SUM(CASE WHEN p.state = 'answered' AND p.answered_on > p.due_on THEN 1 ELSE 0 END),
                    SUM(CASE WHEN p.state = 'open' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN p.state = 'open' AND p.due_on < %s THEN 1 ELSE 0 END)
             FROM supervision_proposal p JOIN supervision_programme g ON g.id = p.programme_id
             WHERE g.starts_on >= %s AND g.starts_on <= %s
               AND g.org_id IN (SELECT v.org_id FROM orgs_orgversion v WHERE v.path >= %s AND v.path < %s)
             GROUP BY p.agency_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, dt.date(year, 1, 1), dt.date(year, 12, 31), path, upper_bound(path)])
        return sum(int(r[1]) for r in cursor.fetchall())


def scenarios(admin: Any, province: Any, scenario: Callable[..., dict[str, Any]],
              timed_pair: Callable[..., tuple[float, Any, float, Any]]) -> list[dict[str, Any]]:
    from chibo.supervision import selectors

    letters = _ensure(province)
    on = dt.date(YEAR + 1, 12, 31)
    path = province.version_on(dt.date(YEAR, 6, 15)).path
    out = []

    def overdue() -> tuple[int, list[int]]:
        by_body = selectors.overdue_by_body(user=admin, org=province, on=on)
        first = list(selectors.overdue_letters(user=admin, org=province, on=on).values_list("id", flat=True)[:50])
        return sum(r["overdue"] for r in by_body), first

    chibo_s, got, floor_s, floor = timed_pair(overdue, lambda: _overdue_floor(path, on))
    if got[0] != floor[0]:
        raise AssertionError(f"overdue letters differ from the floor: {got[0]} vs {floor[0]}")
    out.append(scenario(f"overdue letters of province {province.code} ({got[0]:,} of {letters:,}; target < 100 ms)",
                        chibo_s * 1000, floor_s * 1000, "ms", None))
    chibo_s, rows, floor_s, n = timed_pair(
        lambda: selectors.annual_report(user=admin, org=province, year=YEAR, on=on),
        lambda: _annual_floor(path, YEAR, on))
    if sum(r["assigned"] for r in rows) != n:
        raise AssertionError(f"annual dialogue report differs from the floor: {rows} vs {n}")
    out.append(scenario(f"annual dialogue report of province {province.code} ({n:,} proposals; target < 300 ms)",
                        chibo_s * 1000, floor_s * 1000, "ms", None))
    return out
