"""`make bench`: Chibo next to its floor, scenario by scenario, on a generated dataset.

    BENCH_SCALE=province|nation|demo (default province)   DATABASE_URL=... (default: SQLite file
    var/bench-<scale>.sqlite3)   BENCH_REUSE=1 keeps an existing dataset   BENCH_SKIP=http,demo,...

Each scenario times Chibo's own code path and the minimal work a DBA would hand-write for the same
result on the same database in the same run (executemany / COPY, one SQL statement, a bare view),
and reports `ratio` = how many times slower (or hungrier) Chibo is; lower is better. Results go to
bench/results/<date>-<database>.json and a table on stdout. See docs/performance.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCALE = os.environ.get("BENCH_SCALE", "province")
SEED = int(os.environ.get("BENCH_SEED", "1"))
PROVINCE = os.environ.get("BENCH_PROVINCE", "22")
SKIP = {s.strip() for s in os.environ.get("BENCH_SKIP", "").split(",") if s.strip()}
PAST = dt.date(2015, 1, 1)
CHIBO = str(ROOT / ".venv" / "bin" / "chibo")
PY = str(ROOT / ".venv" / "bin" / "python")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / f'bench-{SCALE}.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chibo.settings.dev")
DB_URL = os.environ["DATABASE_URL"]
VENDOR = "postgresql" if DB_URL.startswith(("postgres://", "postgresql://")) else "sqlite"


def say(text: str) -> None:
    print(text, flush=True)


# --- preparing the database -------------------------------------------------------------------


def _pg_admin(sql: str, url: str = DB_URL) -> None:
    import psycopg

    base = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql)


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', url)
        _pg_admin(f'CREATE DATABASE "{name}"', url)


def run(cmd: list[str], env: dict[str, str] | None = None, quiet: bool = True) -> tuple[float, str]:
    started = time.monotonic()
    out = subprocess.run(cmd, env={**os.environ, **(env or {})}, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    if not quiet:
        say(out.stdout.rstrip())
    return time.monotonic() - started, out.stdout


def prepare() -> dict[str, Any]:
    info: dict[str, Any] = {}
    if os.environ.get("BENCH_REUSE") and _has_dataset():
        say("reusing the existing dataset (BENCH_REUSE); applying any new migrations")
        run([CHIBO, "migrate", "--noinput"])
        setup_django()
        from chibo.scale.generate import analyze

        analyze()
        return info
    say(f"preparing a fresh {VENDOR} database with the {SCALE} dataset (seed {SEED})")
    fresh_database(DB_URL)
    run([CHIBO, "migrate", "--noinput"])
    run([CHIBO, "geo", "load"])
    seconds, out = run([CHIBO, "generate", "--scale", SCALE, "--seed", str(SEED), "--province", PROVINCE])
    for line in out.splitlines():
        if line.startswith(("generated", "[", "BAD", "checks")):
            say("  " + line)
    info["generate_seconds"] = round(seconds, 1)
    info["generate_output"] = [x for x in out.splitlines() if x.startswith(("generated", "OK", "BAD", "checks"))]
    return info


def _has_dataset() -> bool:
    try:
        setup_django()
        from chibo.members.models import Member

        return Member.objects.exists()
    except Exception:  # noqa: BLE001
        return False


_SETUP = False


def setup_django() -> None:
    global _SETUP
    if not _SETUP:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        # the capabilities' page scenarios use Django's test client, whose host is "testserver"
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        _SETUP = True


# --- helpers -------------------------------------------------------------------------------------


def timed_pair(chibo: Callable[[], Any], floor: Callable[[], Any], repeat: int = 7) -> tuple[float, Any, float, Any]:
    """Both, interleaved (chibo, floor, chibo, floor, ...) after a warm-up of each, so that drift
    in the machine's load hits both alike: medians and last results."""
    a, b = chibo(), floor()
    ta: list[float] = []
    tb: list[float] = []
    for _i in range(repeat):
        started = time.perf_counter()
        a = chibo()
        ta.append(time.perf_counter() - started)
        started = time.perf_counter()
        b = floor()
        tb.append(time.perf_counter() - started)
    return statistics.median(ta), a, statistics.median(tb), b


def scenario(name: str, chibo: float, floor: float, unit: str, target: float | None,
             higher_is_better: bool = False, note: str = "") -> dict[str, Any]:
    ratio = (floor / chibo if chibo else float("inf")) if higher_is_better else (chibo / floor if floor else None)
    row = {"name": name, "chibo": round(chibo, 4), "floor": round(floor, 4), "unit": unit,
           "ratio": round(ratio, 2) if ratio is not None else None, "target_ratio": target}
    if note:
        row["note"] = note
    met = "" if target is None or ratio is None else ("met" if ratio <= target else "NOT MET")
    say(f"  {name}: chibo {chibo:,.4g} {unit}, floor {floor:,.4g} {unit}, ratio {row['ratio']} "
        f"(target {target}) {met}")
    return row


def _valid(alias: str) -> str:
    return f"{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %s)"


def users() -> tuple[Any, Any, Any]:
    """The administrator, a district-scoped user and the district (the largest of the first province)."""
    from django.db import connection

    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.core.paths import SEGMENT_WIDTH
    from chibo.orgs.models import Organization

    admin, _c = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True, "is_staff": True})
    province = province_org()
    path = province.version_on(dt.date.today()).path  # noqa: DTZ011
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT substr(v.path, 1, {2 * SEGMENT_WIDTH}) AS node, COUNT(*) FROM members_affiliation a
            JOIN orgs_orgversion v ON v.org_id = a.org_id AND v.valid_to IS NULL
            JOIN orgs_orgkind k ON k.id = v.kind_id
            WHERE a.valid_to IS NULL AND a.kind = 'official' AND v.depth > 2 AND v.path >= %s AND v.path < %s
              AND EXISTS (SELECT 1 FROM orgs_orgversion d JOIN orgs_orgkind dk ON dk.id = d.kind_id
                          WHERE d.path = substr(v.path, 1, {2 * SEGMENT_WIDTH}) AND dk.key = 'district_party_committee')
            GROUP BY substr(v.path, 1, {2 * SEGMENT_WIDTH}) ORDER BY 2 DESC""",  # noqa: S608
            [path, path + ":"])
        top = cursor.fetchone()[0]
    district = Organization.objects.get(pk=int(top[-SEGMENT_WIDTH:]))
    user, created = User.objects.get_or_create(username="bench-district")
    if created:
        RoleAssignment.objects.create(user=user, role=Role.objects.get(key="organization_committee_staff"),
                                      org=district, valid_from=dt.date(1960, 1, 1))
    return admin, user, district


def province_org() -> Any:
    from chibo.orgs.models import Organization

    return Organization.objects.get(code=f"T{PROVINCE}") if Organization.objects.filter(
        code=f"T{PROVINCE}").exists() else Organization.objects.filter(code__regex=r"^T[0-9]+$").first()


# --- scenarios -----------------------------------------------------------------------------------


RAW: dict[str, Any] = {}  # raw tool output, kept in the result file


class Rollback(Exception):
    pass


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


TABLES = [  # (table, id column written by the floor too)
    ("members_member", True), ("members_memberevent", False), ("members_statusperiod", False),
    ("members_affiliation", False), ("members_transfer", False),
]


def _raw_insert(rows_by_table: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    """The floor: the same rows into the same tables, executemany (SQLite) or COPY (PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, (names, rows) in rows_by_table.items():
            if not rows:
                continue
            columns = [f'"{c}"' for c in names]
            if VENDOR == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})"  # noqa: S608
                cursor.cursor.executemany(sql, rows)


def _captured(ids: list[int]) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    from django.db import connection

    out: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for table, with_id in TABLES:
        key = "id" if table == "members_member" else "member_id"
        rows: list[tuple[Any, ...]] = []
        columns: list[str] = []
        for i in range(0, len(ids), 5000):
            chunk = ids[i:i + 5000]
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(chunk))})", chunk)  # noqa: S608
                columns = [c[0] for c in cursor.description]
                rows.extend(cursor.fetchall())
        if not with_id and "id" in columns:
            k = columns.index("id")
            columns = columns[:k] + columns[k + 1:]
            rows = [r[:k] + r[k + 1:] for r in rows]
        out[table] = (columns, rows)
    return out


def load_records(n: int) -> list[Any]:
    import random

    from chibo.geo.models import AdminUnit, Edition, Level
    from chibo.orgs.models import Organization
    from chibo.scale.generate import SCALES, MemberMaker, _Rules, plan_province

    prov = AdminUnit.objects.get(edition=Edition.LEGACY, level=Level.PROVINCE, code=PROVINCE)
    districts = list(AdminUnit.objects.filter(parent=prov).order_by("code"))
    communes: dict[int, list[Any]] = {}
    for c in AdminUnit.objects.filter(parent__in=districts).order_by("code"):
        communes.setdefault(c.parent_id, []).append(c)
    rng = random.Random(f"{SEED}:{PROVINCE}")  # noqa: S311
    plan = plan_province(prov, SCALES["province" if SCALE != "demo" else "demo"], rng, districts, communes)
    cell_ids = dict(Organization.objects.filter(code__in=[c.code for c in plan.cells]).values_list("code", "id"))
    cells = [c for c in plan.cells if c.code in cell_ids]
    maker = MemberMaker(PROVINCE, random.Random(f"load:{SEED}"), _Rules(), cell_ids, serial_base=700_000)  # noqa: S311
    maker.card_serial = 90_000_000
    groups: dict[int, list[Any]] = {}
    for c in cells:
        groups.setdefault(c.group, []).append(c)
    return [maker.record(cells[i % len(cells)], groups[cells[i % len(cells)].group])[0] for i in range(n)]


def s_load() -> list[dict[str, Any]]:
    from django.db import transaction

    from chibo.members.bulk import members_bulk_create

    n = {"demo": 5_000, "province": 50_000}.get(SCALE, 200_000)
    records = load_records(n)
    say(f"  load: {n:,} member records ({sum(len(r.events) for r in records):,} events, "
        f"{sum(len(r.moves) for r in records):,} transfers)")
    captured: dict[str, Any] = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            ids = members_bulk_create(actor=None, records=records, source="bench load")
            chibo_s = time.perf_counter() - started
            captured = _captured(ids)
            raise Rollback
    except Rollback:
        pass
    rows = sum(len(r) for _c, r in captured.values())
    try:
        with transaction.atomic():
            started = time.perf_counter()
            _raw_insert(captured)
            floor_s = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    floor_name = "COPY" if VENDOR == "postgresql" else "executemany"
    return [scenario(f"load members ({n:,} records = {rows:,} rows; floor: {floor_name} of the same rows)",
                     n / chibo_s, n / floor_s, "members/s", 2.5, higher_is_better=True)]


def _asof_floor(on: dt.date, path: str | None) -> dict[str, int]:
    from chibo.core.paths import upper_bound
    from chibo.members.choices import IN_PARTY

    statuses = ", ".join(f"'{s.value}'" for s in IN_PARTY)
    where = "AND v.path >= %s AND v.path < %s" if path else ""
    params: list[Any] = [on, on, on, on, on, on] + ([path, upper_bound(path)] if path else [])
    sql = f"""
        SELECT sp.status, COUNT(*) FROM orgs_orgversion v
        JOIN members_affiliation a ON a.org_id = v.org_id AND a.kind = 'official' AND {_valid('a')}
        JOIN members_statusperiod sp ON sp.member_id = a.member_id AND {_valid('sp')}
        WHERE {_valid('v')} {where} AND sp.status IN ({statuses})
        GROUP BY sp.status"""  # noqa: S608
    return dict(_fetch(sql, params))


def s_asof(admin: Any) -> list[dict[str, Any]]:
    from chibo.members.selectors import member_counts

    out = []
    prov = province_org()
    path = prov.version_on(PAST).path
    for label, org, p in ((f"province {prov.code}", prov, path), ("nation", None, None)):
        chibo_s, got, floor_s, want = timed_pair(lambda org=org: member_counts(user=admin, org=org, on=PAST),
                                                 lambda p=p: _asof_floor(PAST, p))
        if got != want:
            raise AssertionError(f"as-of counts differ: {got} != {want}")
        total = sum(got.values())
        target = 1.5
        out.append(scenario(f"members by status as of {PAST}, {label} ({total:,} members)",
                            chibo_s * 1000, floor_s * 1000, "ms", target))
    return out


def s_tree(admin: Any, district: Any) -> list[dict[str, Any]]:
    from chibo.core.paths import SEGMENT_WIDTH, upper_bound
    from chibo.members.choices import IN_PARTY
    from chibo.members.selectors import tree_with_counts

    def chibo() -> tuple[int, int]:  # what /api/v1/members/tree/?under=…&as_of=… answers
        (root,) = tree_with_counts(user=admin, org=district, on=PAST)
        stack, n = [root], 0
        while stack:
            n += 1
            stack.extend(stack.pop()["children"])
        return n, root["members"]

    path = district.version_on(PAST).path
    statuses = ", ".join(f"'{s.value}'" for s in IN_PARTY)

    def floor() -> tuple[int, int]:
        nodes = _fetch(f"""SELECT v.org_id, v.path, v.name, k.key, o.code FROM orgs_orgversion v
                          JOIN orgs_orgkind k ON k.id = v.kind_id JOIN orgs_organization o ON o.id = v.org_id
                          WHERE {_valid('v')} AND v.path >= %s AND v.path < %s ORDER BY v.path""",  # noqa: S608
                       [PAST, PAST, path, upper_bound(path)])
        per_cell = dict(_fetch(f"""
            SELECT v.path, COUNT(*) FROM orgs_orgversion v
            JOIN members_affiliation a ON a.org_id = v.org_id AND a.kind = 'official' AND {_valid('a')}
            JOIN members_statusperiod sp ON sp.member_id = a.member_id AND {_valid('sp')}
            WHERE {_valid('v')} AND v.path >= %s AND v.path < %s AND sp.status IN ({statuses})
            GROUP BY v.path""",  # noqa: S608
            [PAST] * 6 + [path, upper_bound(path)]))
        totals = {p: 0 for _i, p, *_r in nodes}
        for p, n in per_cell.items():
            for end in range(len(path), len(p) + 1, SEGMENT_WIDTH):
                totals[p[:end]] += n
        return len(nodes), totals[path]

    chibo_s, got, floor_s, want = timed_pair(chibo, floor)
    if got != want:
        raise AssertionError(f"tree counts differ: {got} != {want}")
    return [scenario(f"tree of district {district.code} as of {PAST} with counts ({want[0]} nodes, "
                     f"{want[1]:,} members)", chibo_s * 1000, floor_s * 1000, "ms", 1.5)]


def s_scoping(admin: Any, scoped: Any, district: Any) -> list[dict[str, Any]]:
    from chibo.members.selectors import member_counts, member_search

    today = dt.date.today()  # noqa: DTZ011

    def listing(user: Any) -> tuple[int, list[int]]:
        qs = member_search(user=user, org=district, on=today)
        return qs.count(), list(qs.values_list("pk", flat=True)[:50])

    out = []
    for user in (admin, scoped):  # warm the memoised scope
        listing(user)
    s_s, s, a_s, a = timed_pair(lambda: listing(scoped), lambda: listing(admin))
    if a != s:
        raise AssertionError("the scoped list differs")
    out.append(scenario(f"scoping price: member list of district {district.code} (count + first page), "
                        f"district user vs administrator", s_s * 1000, a_s * 1000, "ms", 1.2))
    s_s, s2, a_s, a2 = timed_pair(lambda: member_counts(user=scoped, org=district, on=PAST),
                                  lambda: member_counts(user=admin, org=district, on=PAST))
    if a2 != s2:
        raise AssertionError("the scoped counts differ")
    out.append(scenario(f"scoping price: counts by status of district {district.code} as of {PAST}, "
                        "district user vs administrator", s_s * 1000, a_s * 1000, "ms", 1.2))
    return out


# --- HTTP ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wrk(url: str, cookie: str | None, seconds: int = 10) -> dict[str, float]:
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} non-2xx responses")
    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "raw": out}


def s_http(admin: Any, district: Any) -> list[dict[str, Any]]:
    if shutil.which("wrk") is None:
        say("  http: wrk is not installed (apt-get install wrk); skipped")
        return []
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from chibo.accounts.middleware import LAST_SEEN, SIGNED_IN_AT
    from chibo.members.models import Affiliation

    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session[LAST_SEEN] = session[SIGNED_IN_AT] = int(time.time())
    session.create()
    member_id = Affiliation.objects.filter(valid_to__isnull=True, kind="official").order_by("id").values_list("member_id", flat=True)[0]
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "bench.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _i in range(100):
            try:
                urllib.request.urlopen(base + "/bench/bare/", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        bare = _wrk(base + "/bench/bare/", None)
        page = _wrk(f"{base}/members/{member_id}/", session.session_key)
        listing = _wrk(f"{base}/members/?under={district.code}", session.session_key)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    RAW["http"] = {"bare": bare["raw"], "member page": page["raw"], "list page": listing["raw"]}
    out = []
    for label, r in (("member page", page), (f"list page (members under {district.code})", listing)):
        out.append(scenario(f"{label} over HTTP, 32 clients, gunicorn 2 workers: requests/s vs a bare view "
                            f"(p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms; bare p99 {bare['p99']:.1f} ms)",
                            r["rps"], bare["rps"], "req/s", 1.67, higher_is_better=True))
        out.append(scenario(f"{label} p99 latency at 32 clients (floor: the bare view's p99; target < 50 ms)",
                            r["p99"], bare["p99"], "ms", None))
    return out


# --- import / export in child processes (peak memory) ------------------------------------------------


def _child(task: str, *args: str) -> dict[str, Any]:
    _s, out = run([PY, str(Path(__file__)), "--task", task, *args])
    return json.loads(out.strip().splitlines()[-1])


def s_import_export(admin: Any) -> list[dict[str, Any]]:
    out = []
    n_import = {"demo": 5_000}.get(SCALE, 100_000)
    tmp = Path(tempfile.mkdtemp(prefix="chibo-bench-"))
    try:
        csv_path = tmp / "import.csv"
        _write_import_csv(csv_path, n_import)
        base = _child("baseline")
        chibo = _child("import", str(csv_path))
        floor = _child("import-floor", str(csv_path))
        out.append(scenario(f"import {n_import:,} rows (CSV) (floor: csv module + executemany/COPY of the same "
                            f"rows; target < 60 s)", chibo["seconds"], floor["seconds"], "s", None))
        out.append(scenario(f"import {n_import:,} rows: peak memory (floor: the process before importing)",
                            chibo["rss_mb"], base["rss_mb"], "MiB", None))
        code = province_org().code
        chibo = _child("export", code)
        floor = _child("export-floor", code)
        rows = chibo["rows"]
        out.append(scenario(f"export {rows:,} rows (CSV, members of {code}) (floor: SQL + csv module)",
                            chibo["seconds"], floor["seconds"], "s", None))
        out.append(scenario(f"export {rows:,} rows: peak memory (floor: the same with SQL + csv module; "
                            "target < 200 MB)", chibo["rss_mb"], floor["rss_mb"], "MiB", None))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _write_import_csv(path: Path, n: int) -> None:
    from chibo.members.validation import add_months

    records = load_records(n)
    from chibo.orgs.models import Organization

    codes = dict(Organization.objects.values_list("id", "code"))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["full_name", "gender", "birth_date", "ethnicity", "religion", "national_id", "general_education",
                    "professional_level", "theory_level", "occupation", "cell", "ceremony_date", "official_date",
                    "card_number"])
        for i, r in enumerate(records):
            p = r.person
            ceremony = r.events[0].on
            official = add_months(ceremony, 12)
            w.writerow([p.full_name, p.gender, p.birth_date.strftime("%d/%m/%Y"), p.ethnicity, p.religion,
                        p.national_id or "", p.general_education, p.professional_level, p.theory_level,
                        p.occupation, codes[r.events[0].cell_id], ceremony.strftime("%d/%m/%Y"),
                        official.strftime("%d/%m/%Y") if official <= dt.date(2025, 6, 30) else "",
                        f"IMP{i:08d}"])


def _rss_mb() -> float:
    """This process's peak resident memory (VmHWM: not inherited from the parent, unlike ru_maxrss)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def task(name: str, arg: str | None) -> dict[str, Any]:
    setup_django()
    from django.db import connection, transaction

    if name == "baseline":
        from chibo.members import exporting, importing  # noqa: F401

        return {"rss_mb": _rss_mb()}
    if name == "import":
        from chibo.members.importing import members_import

        started = time.perf_counter()
        try:
            with transaction.atomic():
                result = members_import(actor=None, user=None, path=Path(str(arg)), kind="csv", dry_run=False,
                                        source="bench")
                seconds = time.perf_counter() - started
                if not result.ok:
                    raise RuntimeError(str(result.as_dict())[:2000])
                raise Rollback
        except Rollback:
            pass
        return {"seconds": seconds, "rss_mb": _rss_mb()}
    if name == "import-floor":
        started = time.perf_counter()
        with open(str(arg), newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))[1:]
        codes = dict(_fetch("SELECT code, id FROM orgs_organization", []))
        now = dt.datetime.now(dt.UTC)
        members = []
        for r in rows:
            b = dt.datetime.strptime(r[2], "%d/%m/%Y").date()  # noqa: DTZ007
            c = dt.datetime.strptime(r[11], "%d/%m/%Y").date()  # noqa: DTZ007
            members.append((r[0], r[0].lower(), r[1], b, r[3], r[4], r[5] or None, "", r[6], r[7], r[8], r[9], c, "",
                            c, None, r[13], None, "probationary_member", now, codes[r[10]]))
        cols = ["full_name", "search_key", "gender", "birth_date", "ethnicity", "religion", "national_id", "phone",
                "general_education", "professional_level", "theory_level", "occupation", "admission_decision_date",
                "admission_decision_no", "ceremony_date", "official_date", "card_number", "card_date", "status",
                "created_at"]
        try:
            with transaction.atomic():
                ids = [x[0] for x in _fetch("SELECT COALESCE(MAX(id), 0) FROM members_member", [])]
                top = ids[0]
                member_rows = [(top + 1 + i, *m[:-1]) for i, m in enumerate(members)]
                aff = [(top + 1 + i, m[-1], "official", m[12], None) for i, m in enumerate(members)]
                sp = [(top + 1 + i, "probationary_member", m[12], None) for i, m in enumerate(members)]
                ev = [(top + 1 + i, "admitted", m[12], "", None, "", "", m[-1], m[11], "", now)
                      for i, m in enumerate(members)]
                _raw_insert({
                    "members_member": (["id", *cols], member_rows),
                    "members_affiliation": (["member_id", "org_id", "kind", "valid_from", "valid_to"], aff),
                    "members_statusperiod": (["member_id", "status", "valid_from", "valid_to"], sp),
                    "members_memberevent": (["member_id", "type", "on", "decision_no", "decision_date", "issuer",
                                             "reason", "org_id", "occupation", "status_before", "recorded_at"], ev),
                })
                seconds = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        return {"seconds": seconds, "rss_mb": _rss_mb()}
    if name == "export":
        from chibo.accounts.models import User
        from chibo.members.exporting import members_export_prepare, write_csv

        admin = User.objects.get(username="bench-admin")
        started = time.perf_counter()
        export = members_export_prepare(user=admin, actor=admin, code=str(arg))
        with open(os.devnull, "wb") as sink:
            write_csv(export, sink)
        rows = export.queryset.count()
        return {"seconds": time.perf_counter() - started, "rss_mb": _rss_mb(), "rows": rows}
    if name == "export-floor":
        from chibo.core.paths import upper_bound
        from chibo.orgs.models import Organization

        today = dt.date.today()  # noqa: DTZ011
        path = Organization.objects.get(code=arg).version_on(today).path
        started = time.perf_counter()
        sql = f"""
            SELECT m.full_name, m.gender, m.birth_date, m.ethnicity, m.religion, m.national_id, m.phone,
                   m.general_education, m.professional_level, m.theory_level, m.occupation, o.code,
                   m.admission_decision_no, m.admission_decision_date, m.ceremony_date, m.official_date,
                   m.card_number, m.card_date, sp.status
            FROM orgs_orgversion v
            JOIN members_affiliation a ON a.org_id = v.org_id AND a.kind = 'official' AND {_valid('a')}
            JOIN members_member m ON m.id = a.member_id
            JOIN orgs_organization o ON o.id = a.org_id
            JOIN members_statusperiod sp ON sp.member_id = m.id AND {_valid('sp')}
            WHERE {_valid('v')} AND v.path >= %s AND v.path < %s AND sp.status IN
                  ('probationary_member', 'official_member', 'exempt_from_activities')
            ORDER BY m.search_key, m.id"""  # noqa: S608
        n = 0
        with connection.cursor() as cursor, open(os.devnull, "w", newline="", encoding="utf-8") as sink:
            if VENDOR == "postgresql":
                connection.ensure_connection()
            cursor.execute(sql, [today] * 6 + [path, upper_bound(path)])
            w = csv.writer(sink)
            while True:
                block = cursor.fetchmany(2000)
                if not block:
                    break
                w.writerows(block)
                n += len(block)
        return {"seconds": time.perf_counter() - started, "rss_mb": _rss_mb(), "rows": n}
    raise SystemExit(f"unknown task {name}")


# --- make demo -------------------------------------------------------------------------------------------


def s_demo() -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="chibo-demo-"))
    try:
        env = {"DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}"}
        seconds = 0.0
        for cmd in ([CHIBO, "migrate", "--noinput"], [CHIBO, "geo", "load"], [CHIBO, "demo", "--no-serve"]):
            s, _out = run(cmd, env=env)
            seconds += s
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [scenario("make demo: migrate + geo load + demo data on a fresh SQLite file, to ready to serve "
                     "(floor: the target, 180 s)", seconds, 180.0, "s", 1.0)]


# --- main ------------------------------------------------------------------------------------------------


# The capabilities' scenarios live next to their own data builders (bench/<capability>.py); they
# import this module's helpers as `bench.run`, which is this very module when run as a script.
def _capability(name: str) -> Any:
    from importlib import import_module

    sys.modules.setdefault("bench.run", sys.modules[__name__])
    return import_module(f"bench.{name}")


def s_capability(name: str, admin: Any) -> list[dict[str, Any]]:
    """bench/<name>.py's `scenarios(admin, province, scenario, timed_pair)`."""
    return list(_capability(name).scenarios(admin, province_org(), scenario, timed_pair))


def s_cadres(admin: Any) -> list[dict[str, Any]]:
    return list(_capability("cadres").s_cadres(admin, province_org(), timed_pair, scenario))


def s_reports(admin: Any) -> list[dict[str, Any]]:
    return list(_capability("reports").s_reports(admin))


def machine() -> dict[str, Any]:
    mem = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_mib": mem, "cpu": cpu, "python": platform.python_version(),
            "os": platform.platform()}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--markdown":
        for name in sys.argv[2:]:
            print(markdown(json.loads(Path(name).read_text(encoding="utf-8"))))
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--task":
        print(json.dumps(task(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)))
        return
    started = time.monotonic()
    load_before = os.getloadavg()
    info = prepare()
    setup_django()
    from django.db import connection

    db_version = ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if VENDOR == "sqlite" else "SHOW server_version")
        db_version = str(cursor.fetchone()[0])
    admin, scoped, district = users()
    scenarios: list[dict[str, Any]] = []
    steps: list[tuple[str, Callable[[], list[dict[str, Any]]]]] = [
        ("load", s_load),
        ("asof", lambda: s_asof(admin)),
        ("tree", lambda: s_tree(admin, district)),
        ("scoping", lambda: s_scoping(admin, scoped, district)),
        ("http", lambda: s_http(admin, district)),
        ("pages", lambda: s_capability("pages", admin)),
        ("io", lambda: s_import_export(admin)),
        ("meetings", lambda: s_capability("meetings", admin)),
        ("cadres", lambda: s_cadres(admin)),
        ("reports", lambda: s_reports(admin)),
        ("admission", lambda: s_capability("admission", admin)),
        ("evaluation", lambda: s_capability("evaluation", admin)),
        ("supervision", lambda: s_capability("supervision", admin)),
        ("demo", s_demo),
    ]
    for key, step in steps:
        if key in SKIP:
            continue
        say(f"[{key}]")
        t0 = time.monotonic()
        scenarios.extend(step())
        say(f"  ({time.monotonic() - t0:.0f} s)")
    from chibo.members.models import Member
    from chibo.orgs.models import Organization

    result = {
        "database": VENDOR, "database_version": db_version, "scale": SCALE, "seed": SEED,
        "date": dt.date.today().isoformat(),  # noqa: DTZ011
        "machine": {**machine(), "load_average_at_start": [round(x, 2) for x in load_before],
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "dataset": {"members": Member.objects.count(), "organizations": Organization.objects.count(), **info},
        "scenarios": scenarios, "seconds": round(time.monotonic() - started), "raw": RAW,
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if SCALE == "province" else f"-{SCALE}"
    target = out_dir / f"{result['date']}-{VENDOR}{suffix}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say("")
    say(table(result))
    say(f"written {target.relative_to(ROOT)} in {result['seconds']} s")


def table(result: dict[str, Any]) -> str:
    buf = io.StringIO()
    m = result["machine"]
    buf.write(f"{result['database']} {result['database_version']}, {result['scale']} scale "
              f"({result['dataset']['members']:,} members), {m['cores']} cores, {m['memory_mib']:,} MiB\n")
    buf.write(f"{'scenario':<100} {'chibo':>11} {'floor':>11} {'unit':<10} {'ratio':>6} {'target':>6}\n")
    for s in result["scenarios"]:
        name = s["name"] if len(s["name"]) <= 100 else s["name"][:97] + "..."
        buf.write(f"{name:<100} {s['chibo']:>11,.4g} {s['floor']:>11,.4g} {s['unit']:<10} "
                  f"{s['ratio'] if s['ratio'] is not None else '':>6} {s['target_ratio'] or '':>6}\n")
    return buf.getvalue()


def markdown(result: dict[str, Any]) -> str:
    """The result as a Markdown table (for docs/performance.md)."""
    m = result["machine"]
    lines = [f"**{result['database']} {result['database_version']}**, {result['scale']} scale "
             f"({result['dataset']['members']:,} members, {result['dataset']['organizations']:,} organizations), "
             f"{m['cores']} cores, {m['memory_mib']:,} MiB, {result['date']}", "",
             "| scenario | Chibo | floor | unit | ratio | target | |", "|---|---:|---:|---|---:|---:|---|"]
    for s in result["scenarios"]:
        ratio, target = s["ratio"], s["target_ratio"]
        met = "" if target is None or ratio is None else ("met" if ratio <= target else "**not met**")
        lines.append(f"| {s['name']} | {s['chibo']:,.4g} | {s['floor']:,.4g} | {s['unit']} | {ratio} | "
                     f"{target if target is not None else ''} | {met} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
