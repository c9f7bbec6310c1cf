"""Consistency checks of a dataset (generated or not), in SQL that runs on SQLite and PostgreSQL.

- no member has two official affiliations at once (adjacent rows by start date suffice: if two
  intervals sorted by start overlap, some adjacent pair does);
- on each check date, every member in the party (probationary, official, exempt) has an
  official affiliation, and nobody outside the party has one: with the first check, every member
  is in exactly one cell on that date;
- the counts sum up the tree: on a date, the members under each node equal the members of its own
  cells plus those under its children, level by level, and the roots add up to the whole;
- optionally, the members in the party on each date equal what the generator expected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from chibo.core.paths import SEGMENT_WIDTH
from chibo.members.choices import IN_PARTY

_IN = ", ".join(f"'{s.value}'" for s in IN_PARTY)


def _valid(alias: str) -> str:
    return f"{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %s)"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    levels: dict[dt.date, list[tuple[int, int, int]]] = field(default_factory=dict)  # (depth, nodes, members)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        out = [f"{'OK ' if c.ok else 'BAD'} {c.name}: {c.detail}" for c in self.checks]
        for day, rows in self.levels.items():
            out.append(f"    members under the nodes of each level on {day}: "
                       + ", ".join(f"depth {d}: {m:,} in {n:,} nodes" for d, n, m in rows))
        return out


def _one(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return int(cursor.fetchone()[0] or 0)


def overlapping_affiliations() -> int:
    return _one("""
        SELECT COUNT(*) FROM (
            SELECT valid_from,
                   LAG(member_id) OVER w AS prev_member, LAG(valid_to) OVER w AS prev_to
            FROM members_affiliation WHERE kind = 'official'
            WINDOW w AS (PARTITION BY member_id ORDER BY valid_from)
        ) t
        WHERE prev_member IS NOT NULL AND (prev_to IS NULL OR prev_to > valid_from)""")


def in_party(day: dt.date) -> int:
    return _one(f"SELECT COUNT(*) FROM members_statusperiod sp WHERE {_valid('sp')} AND sp.status IN ({_IN})",  # noqa: S608
                [day, day])


def without_cell(day: dt.date) -> int:
    return _one(f"""
        SELECT COUNT(*) FROM members_statusperiod sp
        WHERE {_valid('sp')} AND sp.status IN ({_IN})
          AND NOT EXISTS (SELECT 1 FROM members_affiliation a
                          WHERE a.member_id = sp.member_id AND a.kind = 'official' AND {_valid('a')})""",  # noqa: S608
                [day, day, day, day])


def in_cell_outside_party(day: dt.date) -> int:
    return _one(f"""
        SELECT COUNT(*) FROM members_affiliation a
        WHERE a.kind = 'official' AND {_valid('a')}
          AND NOT EXISTS (SELECT 1 FROM members_statusperiod sp
                          WHERE sp.member_id = a.member_id AND sp.status IN ({_IN}) AND {_valid('sp')})""",  # noqa: S608
                [day, day, day, day])


def level_counts(day: dt.date) -> tuple[list[str], list[tuple[int, int, int]]]:
    """Check that counts sum up the tree on `day`; returns the problems and (depth, nodes, members)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(depth) FROM orgs_orgversion")
        max_depth = int(cursor.fetchone()[0] or 0)
    under: dict[int, dict[str, int]] = {}
    own: dict[int, dict[str, int]] = {}
    for level in range(1, max_depth + 1):
        width = SEGMENT_WIDTH * level
        sql = f"""
            SELECT substr(v.path, 1, {width}) AS node, v.depth = {level} AS own, COUNT(*)
            FROM members_affiliation a
            JOIN orgs_orgversion v ON v.org_id = a.org_id AND {_valid('v')}
            WHERE a.kind = 'official' AND {_valid('a')} AND v.depth >= {level}
            GROUP BY substr(v.path, 1, {width}), v.depth = {level}"""  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [day, day, day, day])
            rows = cursor.fetchall()
        under[level], own[level] = {}, {}
        for node, is_own, n in rows:
            under[level][node] = under[level].get(node, 0) + n
            if is_own:
                own[level][node] = n
    problems: list[str] = []
    total = sum(under.get(1, {}).values())
    affiliated = _one(f"SELECT COUNT(*) FROM members_affiliation a WHERE a.kind = 'official' AND {_valid('a')}",  # noqa: S608
                      [day, day])
    if total != affiliated:
        problems.append(f"{day}: roots {total} != affiliated {affiliated} (cells outside the tree?)")
    for level in range(1, max_depth):
        children: dict[str, int] = {}
        for node, n in under[level + 1].items():
            parent = node[: SEGMENT_WIDTH * level]
            children[parent] = children.get(parent, 0) + n
        for node, n in under[level].items():
            if n != own[level].get(node, 0) + children.get(node, 0):
                problems.append(f"{day}: node {node} has {n} != own {own[level].get(node, 0)} + children "
                                f"{children.get(node, 0)}")
    summary = [(level, len(under[level]), sum(under[level].values())) for level in range(1, max_depth + 1)]
    return problems, summary


def run_checks(*, dates: Sequence[dt.date], tree_dates: Sequence[dt.date] = (),
               expected_in_party: dict[dt.date, int] | None = None, baseline: dict[dt.date, int] | None = None
               ) -> Report:
    """`baseline`: members in the party on each date before the generation (other data)."""
    report = Report()
    n = overlapping_affiliations()
    report.checks.append(Check("no overlapping official affiliations", n == 0, f"{n} overlaps"))
    for day in dates:
        missing, stray, total = without_cell(day), in_cell_outside_party(day), in_party(day)
        report.checks.append(Check(f"exactly one cell on {day}", missing == 0 and stray == 0,
                                   f"{total:,} in the party, {missing} without a cell, {stray} in a cell outside "
                                   "the party"))
        if expected_in_party is not None:
            want = expected_in_party.get(day, 0) + (baseline or {}).get(day, 0)
            report.checks.append(Check(f"in the party on {day} as generated", total == want,
                                       f"{total:,} stored, {want:,} generated"))
    for day in tree_dates:
        problems, summary = level_counts(day)
        report.levels[day] = summary
        report.checks.append(Check(f"counts sum up the tree on {day}", not problems,
                                   "; ".join(problems[:3]) or f"{len(summary)} levels"))
    return report
