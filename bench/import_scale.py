"""Benchmark scenario: importing a large member file that has one bad row (issue 12, finding 8).

    .venv/bin/python bench/import_scale.py [--rows 10000,100000] [--formats csv,xlsx]
    DATABASE_URL=... (default: SQLite file var/bench-import.sqlite3; on PostgreSQL use a database
    whose name contains "import": it is dropped and created again)

The database gets a small organization tree (one province, 20 party cells) and the rulebook. For
each size and format, a file is generated the way committees write them (Vietnamese headings,
"H'Mông", "11/12", official dates) with exactly one bad row in the middle (a member admitted at
16). Each import runs in a child process (`members_import`, as the web job and the command run
it, not a dry run), which reports the time, its peak resident memory (VmHWM) and the rows
reported as wrong; a baseline child reports the peak memory of a process that has only loaded
Django and the import code. Targets: the bad row and only it reported, < 60 s for 100,000 rows,
peak memory flat (within 20 % between 10,000 and 100,000 rows).

`scenarios()` returns the records for bench/run.py; run as a script it prints a table and the
JSON (and writes bench/results/<date>-<database>-import.json).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
CHIBO = str(ROOT / ".venv" / "bin" / "chibo")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-import.sqlite3'}")
# the benchmark's settings: the development settings with DEBUG off (no query log kept)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
DB_URL = os.environ["DATABASE_URL"]
VENDOR = "postgresql" if DB_URL.startswith(("postgres://", "postgresql://")) else "sqlite"
CELLS = 20
HEADINGS = ["Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc", "Tôn giáo", "Số CCCD", "Giáo dục phổ thông",
            "Trình độ chuyên môn", "Lý luận chính trị", "Nghề nghiệp", "Chi bộ", "Ngày kết nạp (lễ kết nạp)",
            "Ngày công nhận chính thức", "Số thẻ đảng"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = {"male": ["Văn", "Đức", "Công", "Quốc", "Minh"], "female": ["Thị", "Thu", "Ngọc", "Thanh", "Minh"]}
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phương",
         "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Việt", "Yến"]
ETHNIC = ["Kinh"] * 12 + ["Tày", "Thái", "Mường", "H'Mông", "Nùng", "Dao", "Ê Đê"]
EDUCATION = ["12/12"] * 6 + ["11/12", "9/12", "10/10", "7/10"]


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _cell_code(i: int) -> str:
    return f"BI-C{i:02d}"


def prepare_database() -> None:
    """A fresh database: migrations, the rulebook and a province with `CELLS` party cells."""
    if VENDOR == "sqlite":
        path = Path(DB_URL[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        name = DB_URL.rsplit("/", 1)[1]
        if "import" not in name:
            raise SystemExit(f"refusing to drop {name!r}: use a database name containing 'import'")
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
    subprocess.run([CHIBO, "migrate", "--noinput"], check=True, capture_output=True, cwd=ROOT,  # noqa: S603
                   env={**os.environ, "DJANGO_SETTINGS_MODULE": "chibo.settings.dev"})
    _setup_django()
    from chibo.orgs import kinds as K
    from chibo.orgs.services import org_establish
    from chibo.rules.seed import ensure_rulebook

    ensure_rulebook()
    on = dt.date(1950, 1, 1)
    province = org_establish(actor=None, code="BI-P", name="Đảng bộ tỉnh Đo", kind=K.PROVINCIAL, parent=None, on=on)
    commune = org_establish(actor=None, code="BI-G", name="Đảng bộ xã Đo", kind=K.GRASSROOTS_COMMITTEE,
                            parent=province, on=on)
    for i in range(CELLS):
        org_establish(actor=None, code=_cell_code(i), name=f"Chi bộ thôn {i + 1}", kind=K.PARTY_CELL,
                      parent=commune, on=on)


def rows(n: int, seed: int = 12) -> tuple[list[list[str]], int]:
    """`n` rows (header excluded) and the spreadsheet row number of the one bad row."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    bad = n // 2
    out = []
    for i in range(n):
        gender = "male" if i % 2 == 0 else "female"
        birth = dt.date(1950 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 29))
        ceremony = birth.replace(year=birth.year + 22 + rng.randrange(8))
        if i == bad:  # admitted at 16
            birth, ceremony = dt.date(2004, 5, 15), dt.date(2020, 6, 20)
        official = ceremony.replace(year=ceremony.year + 1)
        century = (birth.year - 1900) // 100 * 2 + (gender == "female")
        national_id = f"001{century}{birth.year % 100:02d}{i:06d}"
        out.append([
            f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN)}",
            "Nam" if gender == "male" else "Nữ", birth.strftime("%d/%m/%Y"), rng.choice(ETHNIC), "Không", national_id,
            rng.choice(EDUCATION), "Đại học", "Sơ cấp", "Cơ quan", _cell_code(i % CELLS),
            ceremony.strftime("%d/%m/%Y"), official.strftime("%d/%m/%Y") if official < dt.date(2025, 1, 1) else "",
            f"BI{i:08d}",
        ])
    return out, bad + 2


def write_file(path: Path, fmt: str, n: int) -> int:
    data, bad_row = rows(n)
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADINGS)
            writer.writerows(data)
    else:
        import xlsxwriter

        # shared strings, as Excel writes them (xlsxwriter's constant_memory mode writes inline strings,
        # which openpyxl parses several times slower and which spreadsheet programs do not produce)
        wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
        ws = wb.add_worksheet("Đảng viên")
        ws.write_row(0, 0, HEADINGS)
        date_format = wb.add_format({"num_format": "dd/mm/yyyy"})
        dates = {HEADINGS.index(h) for h in ("Ngày sinh", "Ngày kết nạp (lễ kết nạp)", "Ngày công nhận chính thức")}
        for r, values in enumerate(data, start=1):
            for c, value in enumerate(values):
                if c in dates and value:  # a date cell, as Excel keeps dates
                    day, month, year = (int(x) for x in value.split("/"))
                    ws.write_datetime(r, c, dt.date(year, month, day), date_format)
                else:
                    ws.write_string(r, c, value)
        wb.close()
    return bad_row


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(task: str, path: str, kind: str) -> dict[str, Any]:
    _setup_django()
    from chibo.members import importing

    if task == "baseline":
        importing.COLUMNS  # noqa: B018 (the import code loaded, as in the import child)
        return {"rss_mb": _peak_rss_mb()}
    started, cpu = time.perf_counter(), time.process_time()
    result = importing.members_import(actor=None, user=None, path=Path(path), kind=kind, dry_run=False,
                                      source="bench import_scale")
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "cpu_seconds": round(time.process_time() - cpu, 2), "rss_mb": round(_peak_rss_mb(), 1), "rows": result.total_rows,
            "error_rows": result.error_rows, "reported_rows": sorted({p.row for p in result.problems}),
            "problems": [p.message for p in result.problems[:3]], "committed": result.committed,
            "created": result.created}


def _run_child(*args: str) -> dict[str, Any]:
    out = subprocess.run([PY, __file__, "--child", *args], check=True, capture_output=True, text=True,  # noqa: S603
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def scenarios(sizes: tuple[int, ...] = (10_000, 100_000), formats: tuple[str, ...] = ("csv", "xlsx"),
              prepare: bool = True) -> list[dict[str, Any]]:
    if prepare:
        prepare_database()
    records: list[dict[str, Any]] = []
    baseline = _run_child("baseline", "-", "-")["rss_mb"]
    with tempfile.TemporaryDirectory(prefix="chibo-import-bench-") as tmp:
        for fmt in formats:
            for n in sizes:
                path = Path(tmp) / f"members-{n}.{fmt}"
                bad_row = write_file(path, fmt, n)
                got = _run_child("import", str(path), fmt)
                path.unlink()
                records.append({
                    "name": f"import {n:,} rows ({fmt.upper()}, one bad row)", "format": fmt, "rows": n,
                    "database": VENDOR, "seconds": got["seconds"], "cpu_seconds": got["cpu_seconds"], "peak_rss_mb": got["rss_mb"],
                    "baseline_rss_mb": round(baseline, 1), "bad_row": bad_row, "reported_rows": got["reported_rows"],
                    "exactly_the_bad_row": got["reported_rows"] == [bad_row] and got["error_rows"] == 1,
                    "nothing_written": not got["committed"] and got["created"] == 0, "problems": got["problems"],
                })
        for fmt in formats:
            by_size = {r["rows"]: r for r in records if r["format"] == fmt}
            if len(by_size) >= 2:
                small, large = by_size[min(by_size)], by_size[max(by_size)]
                growth = large["peak_rss_mb"] / small["peak_rss_mb"] - 1
                large["rss_growth_from_smallest"] = round(growth, 3)
                large["rss_flat_within_20pct"] = growth <= 0.20
    return records


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))  # noqa: T201
        return
    sizes = tuple(int(x) for x in args.rows.split(","))
    records = scenarios(sizes, tuple(args.formats.split(",")))
    for r in records:
        print(f"{r['name']:<45} {r['database']:<10} {r['seconds']:>7.1f} s (CPU {r['cpu_seconds']:.1f} s)  peak {r['peak_rss_mb']:>6.1f} MiB "  # noqa: T201
              f"(baseline {r['baseline_rss_mb']:.1f})  reported rows {r['reported_rows']} (bad row {r['bad_row']})"
              + (f"  RSS growth {r['rss_growth_from_smallest']:+.1%}" if "rss_growth_from_smallest" in r else ""))
    out = ROOT / "bench" / "results" / f"{dt.datetime.now(dt.UTC).date().isoformat()}-{VENDOR}-import.json"
    out.write_text(json.dumps(records, ensure_ascii=False, indent=1))
    print(json.dumps(records, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
