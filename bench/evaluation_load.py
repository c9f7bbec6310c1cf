"""The 2,000-writer test of the evaluation (issue 15, security goals G10/G13), run by hand:

    python bench/evaluation_load.py --url http://127.0.0.1:8000 --token KEY --round ROUND_ID [--writers 2000]

against a Chibo served on PostgreSQL (gunicorn, a few workers). It takes the first `--writers`
pending member assessments of the round (through the API, as the token's user sees them) and
sends every self-assessment at once, one thread each, each naming the version it read. A writer
that gets 429 or 503 (overload) waits and sends again; any 5xx other than 503 is a failure. At
the end it reads the round's assessments back and checks that exactly `--writers` of them are
self-assessed, each once (version 2), and prints the figures to record in docs/performance.md
(requests, retries, statuses, p50/p95/p99 latency, wall time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def call(url: str, token: str, method: str = "GET", body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={  # noqa: S310 (the operator's URL)
        "Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read() or b"null")
        except ValueError:
            payload = None
        return exc.code, payload


def pending(base: str, token: str, round_id: int, n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    url: str | None = f"{base}/api/v1/evaluation-assessments/?round={round_id}"
    while url and len(rows) < n:
        status, page = call(url, token)
        if status != 200:
            raise SystemExit(f"listing the round: HTTP {status}")
        rows += [r for r in page["results"] if r["subject"] == "member" and r["state"] == "pending"]
        url = page.get("next")
    return rows[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--round", type=int, required=True)
    ap.add_argument("--writers", type=int, default=2000)
    ap.add_argument("--level", default="good_completion")
    ap.add_argument("--scores", default='{"politics": 16, "ethics": 16, "discipline": 16, "tasks": 32}')
    args = ap.parse_args()
    base = args.url.rstrip("/")
    rows = pending(base, args.token, args.round, args.writers)
    if len(rows) < args.writers:
        raise SystemExit(f"only {len(rows)} pending member assessments in round {args.round}")
    scores = json.loads(args.scores)
    start = threading.Barrier(len(rows))
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    retries = Counter[str]()
    lock = threading.Lock()

    def write(row: dict[str, Any]) -> int:
        start.wait()
        body = {"version": row["version"], "level": args.level, "scores": scores}
        while True:
            t0 = time.perf_counter()
            status, _payload = call(f"{base}/api/v1/evaluation-assessments/{row['id']}/self-assess/", args.token,
                                    "POST", body)
            with lock:
                statuses[status] += 1
                latencies.append(time.perf_counter() - t0)
            if status in (429, 503):
                retries["overload"] += 1
                time.sleep(0.5)
                continue
            return status

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(rows)) as pool:
        final = list(pool.map(write, rows))
    wall = time.perf_counter() - began
    ids = {r["id"] for r in rows}
    after = [r for r in pending_or_done(base, args.token, args.round) if r["id"] in ids]
    done = sum(1 for r in after if r["state"] == "self_assessed" and r["version"] == 2)
    lat = sorted(latencies)
    report = {
        "writers": len(rows), "wall_s": round(wall, 2), "final_statuses": dict(Counter(final)),
        "all_statuses": dict(statuses), "retries": dict(retries), "self_assessed_once": done,
        "p50_ms": round(1000 * statistics.median(lat), 1),
        "p95_ms": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1),
        "p99_ms": round(1000 * lat[int(0.99 * (len(lat) - 1))], 1),
        "server_errors": sum(n for s, n in statuses.items() if s >= 500 and s != 503),
    }
    print(json.dumps(report, indent=2))
    ok = done == len(rows) and report["server_errors"] == 0 and set(final) == {200}
    sys.exit(0 if ok else 1)


def pending_or_done(base: str, token: str, round_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    url: str | None = f"{base}/api/v1/evaluation-assessments/?round={round_id}"
    while url:
        status, page = call(url, token)
        if status != 200:
            raise SystemExit(f"reading the round back: HTTP {status}")
        rows += page["results"]
        url = page.get("next")
    return rows


if __name__ == "__main__":
    main()
