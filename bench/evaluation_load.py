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
    url: str | None = f"{base}/api/v1/evaluation-assessments/?round={round_id}&state=pending"
    while url and len(rows) < n:
        status, page = call(url, token)
        if status != 200:
            raise SystemExit(f"listing the round: HTTP {status}")
        rows += [r for r in page["results"] if r["subject"] == "member" and r["state"] == "pending"]
        url = page.get("next")
    return rows[:n]


def valid_body(rules: dict[str, Any], groups: list[dict[str, Any]]) -> dict[str, Any]:
    """A self-assessment the round's rules accept: every criterion graded "good" (rule sets with
    grades, 132 and 124-QĐ/TW), or 85% of each criterion's points with the level of the total's band
    (366-QĐ/TW), so the load measures the writes, not the validation's refusals."""
    if rules.get("scale") == "grades":
        return {"scores": {g["code"]: "good" for g in groups}, "level": "good_completion"}
    scores = {g["code"]: round(0.85 * float(g["max_points"]) * 2) / 2 for g in groups}
    total = sum(scores.values())
    bands = rules.get("bands") or {"excellent": 90, "good": 70, "completion": 50}
    level = ("excellent_completion" if total >= float(bands["excellent"]) else
             "good_completion" if total >= float(bands["good"]) else
             "task_completion" if total >= float(bands["completion"]) else "non_completion")
    return {"scores": scores, "level": level}


def bodies_for(base: str, token: str, round_id: int) -> dict[str, dict[str, Any]]:
    """The body for a member and for a secretary (who may have the leaders' criteria), read from the
    round's rules and criteria sets through the API."""
    status, rnd = call(f"{base}/api/v1/evaluation-rounds/{round_id}/", token)
    if status != 200:
        raise SystemExit(f"reading round {round_id}: HTTP {status}")

    def groups(set_id: int | None) -> list[dict[str, Any]]:
        if not set_id:
            return []
        status, criteria = call(f"{base}/api/v1/evaluation-criteria/{set_id}/", token)
        if status != 200:
            raise SystemExit(f"reading criteria set {set_id}: HTTP {status}")
        return list(criteria["groups"])

    member = groups(rnd["criteria_member"])
    leader = groups(rnd["criteria_leader"]) if rnd["criteria_leader"] else member
    return {"member": valid_body(rnd["rules"], member), "secretary": valid_body(rnd["rules"], leader)}


def body_for(bodies: dict[str, dict[str, Any]], row: dict[str, Any]) -> dict[str, Any]:
    return bodies["secretary"] if row.get("post") == "secretary" else bodies["member"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--round", type=int, required=True)
    ap.add_argument("--writers", type=int, default=2000)
    ap.add_argument("--level", default="", help="override the level derived from the round's rules")
    ap.add_argument("--scores", default="", help="override the scores (JSON) derived from the round's criteria")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    rows = pending(base, args.token, args.round, args.writers)
    if len(rows) < args.writers:
        raise SystemExit(f"only {len(rows)} pending member assessments in round {args.round}")
    bodies = bodies_for(base, args.token, args.round)
    if args.scores or args.level:
        bodies = {post: {"scores": json.loads(args.scores) if args.scores else b["scores"],
                         "level": args.level or b["level"]} for post, b in bodies.items()}
    refused: list[Any] = []
    start = threading.Barrier(len(rows))
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    retries = Counter[str]()
    lock = threading.Lock()

    def write(row: dict[str, Any]) -> int:
        start.wait()
        body = {"version": row["version"], **body_for(bodies, row)}
        while True:
            t0 = time.perf_counter()
            status, payload = call(f"{base}/api/v1/evaluation-assessments/{row['id']}/self-assess/", args.token,
                                   "POST", body)
            with lock:
                statuses[status] += 1
                latencies.append(time.perf_counter() - t0)
                if 400 <= status < 500 and status != 429 and len(refused) < 3:
                    refused.append({"status": status, "body": body, "answer": payload})
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
    after = [r for r in self_assessed(base, args.token, args.round) if r["id"] in ids]
    done = sum(1 for r in after if r["state"] == "self_assessed" and r["version"] == 2)
    lat = sorted(latencies)
    report = {
        "writers": len(rows), "wall_s": round(wall, 2), "final_statuses": dict(Counter(final)),
        "all_statuses": dict(statuses), "retries": dict(retries), "self_assessed_once": done,
        "p50_ms": round(1000 * statistics.median(lat), 1),
        "p95_ms": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1),
        "p99_ms": round(1000 * lat[int(0.99 * (len(lat) - 1))], 1),
        "server_errors": sum(n for s, n in statuses.items() if s >= 500 and s != 503),
        "refused_examples": refused,
    }
    print(json.dumps(report, indent=2))
    ok = done == len(rows) and report["server_errors"] == 0 and set(final) == {200}
    sys.exit(0 if ok else 1)


def self_assessed(base: str, token: str, round_id: int) -> list[dict[str, Any]]:
    """The round's self-assessed assessments, read back through the API."""
    rows: list[dict[str, Any]] = []
    url: str | None = f"{base}/api/v1/evaluation-assessments/?round={round_id}&state=self_assessed"
    while url:
        status, page = call(url, token)
        if status != 200:
            raise SystemExit(f"reading the round back: HTTP {status}")
        rows += page["results"]
        url = page.get("next")
    return rows


if __name__ == "__main__":
    main()
