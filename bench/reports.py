"""Benchmark scenarios of the reports app (issue 11), for bench/run.py to wire in `main()`:

    from bench.reports import s_reports
    results += s_reports(admin)

- a province's dashboard (`/reports/<code>/`), cold (empty cache) and warm: target < 300 ms on
  SQLite (absolute; the floor is the hand-written count of its members on the date);
- its yearly report as a PDF: target < 5 s on SQLite;
- every indicator for the whole nation against hand-written SQL (target ≤ 1.5x on PostgreSQL) for
  the indicators that have an obvious floor: members in party on a date, grassroots organizations
  on a date.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bench.run import PAST, _asof_floor, _fetch, _valid, province_org, scenario, timed_pair


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def _once(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _grassroots_floor(on: dt.date, path: str | None) -> int:
    from chibo.core.paths import upper_bound

    where = "AND v.path > %s AND v.path < %s" if path else ""
    sql = f"""
        SELECT COUNT(*) FROM orgs_orgversion v JOIN orgs_orgkind k ON k.id = v.kind_id
        WHERE {_valid("v")} {where} AND k.is_grassroots"""  # noqa: S608
    return int(_fetch(sql, [on, on, *([path, upper_bound(path)] if path else [])])[0][0])


def s_reports(admin: Any) -> list[dict[str, Any]]:
    from django.core.cache import cache

    from chibo.reports.compute import compute, question
    from chibo.reports.registry import get

    out = []
    prov = province_org()
    on = dt.date.today()  # noqa: DTZ011
    path = prov.version_on(on).path
    client = _client(admin)
    url = f"/reports/{prov.code}/"

    def dashboard() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    floor = min(_once(lambda: _asof_floor(on, path)) for _i in range(3))
    cache.clear()
    cold = _once(dashboard)
    warm = min(_once(dashboard) for _i in range(5))
    out.append(
        scenario(
            f"dashboard of province {prov.code}, cold (empty cache)",
            cold * 1000,
            floor * 1000,
            "ms",
            None,
            note="target < 300 ms absolute",
        )
    )
    out.append(
        scenario(
            f"dashboard of province {prov.code}, warm",
            warm * 1000,
            floor * 1000,
            "ms",
            None,
            note="target < 300 ms absolute",
        )
    )

    year = on.year - 1

    def pdf() -> None:
        response = client.get(
            f"/reports/{prov.code}/report/", {"period": "year", "year": year, "format": "pdf"}
        )
        assert response.status_code == 200 and response.content.startswith(b"%PDF")

    cache.clear()
    cold_pdf = _once(pdf)
    out.append(
        scenario(
            f"yearly report {year} of province {prov.code} as PDF, cold",
            cold_pdf,
            floor,
            "s",
            None,
            note="target < 5 s absolute",
        )
    )

    # every indicator with an obvious hand-written floor, the whole nation, no cache
    for key, floor_fn in (
        ("members.total", lambda: sum(_asof_floor(PAST, None).values())),
        ("orgs.grassroots", lambda: _grassroots_floor(PAST, None)),
    ):
        ind = get(key)
        q = question(ind, user=admin, org=None, as_of=PAST)
        chibo_s, got, floor_s, want = timed_pair(
            lambda ind=ind, q=q: compute(ind, q, version="0").value, floor_fn
        )
        if got != want:
            raise AssertionError(f"{key}: {got} != {want}")
        out.append(
            scenario(
                f"indicator {key} as of {PAST}, nation ({got:,})",
                chibo_s * 1000,
                floor_s * 1000,
                "ms",
                1.5,
            )
        )
    return out
