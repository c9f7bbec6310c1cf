"""A bulk import is all or nothing and idempotent under crashes (security.md G9, §5.1 a and b).
`chibo members_import` runs in a subprocess against an SQLite file; the test hooks of the bulk
path (`CHIBO_TEST_CRASH_AFTER_MEMBERS` = SIGKILL, `CHIBO_TEST_FAIL_AFTER_MEMBERS` = an exception,
both inside the transaction after N members are written) cut it short at random points. The
member count is always "before" or "before + N", the file is sound, a retry gives exactly +N,
and every attempt has its audit event."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHIBO = str(Path(sys.executable).with_name("chibo"))
ROWS = 5000  # the bulk path writes 2,000 members per batch: crashes land between batches

BUILD = """
import csv, datetime as dt, sys, django
django.setup()
from django.utils import translation
from chibo.members import importing
from chibo.orgs.services import org_establish
D = dt.date(2000, 1, 1)
p = org_establish(actor=None, code="CR-P", name="Đảng bộ tỉnh Thử", kind="provincial_party_committee", parent=None, on=D)
g = org_establish(actor=None, code="CR-G", name="Đảng bộ xã Hòa", kind="grassroots_party_committee", parent=p, on=D)
org_establish(actor=None, code="CR-C", name="Chi bộ thôn Một", kind="party_cell", parent=g, on=D)
with translation.override("en"):
    example = importing.template_example(None)
    header = [str(c.label) for c in importing.COLUMNS]
    with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i in range(int(sys.argv[2])):
            row = dict(example, full_name=("Nguyễn Văn " + ["An", "Bình", "Cường", "Dũng", "Hải"][i % 5]), national_id=f"001090{i:06d}",
                       card_number=f"CR{i:07d}", cell="CR-C")
            out.writerow([row[c.key] for c in importing.COLUMNS])
"""
STATE = """
import json, django
django.setup()
from chibo.core.models import AuditEvent
from chibo.members.models import Affiliation, Member, MemberEvent, StatusPeriod
print(json.dumps({
    "members": Member.objects.count(),
    "orphans": Member.objects.filter(affiliations__isnull=True).count()
               + Affiliation.objects.filter(member__isnull=True).count(),
    "events": MemberEvent.objects.count(), "periods": StatusPeriod.objects.count(),
    "attempts": AuditEvent.objects.filter(action="member.import.attempt").count(),
}))
"""


def _run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=check)


def _state(env: dict[str, str], db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return json.loads(_run([sys.executable, "-c", STATE], env).stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_crashes_during_import_leave_nothing_and_a_retry_imports_everything_once(tmp_path):
    db = tmp_path / "import.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "chibo.settings.test",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    for name in ("CHIBO_TEST_CRASH_AFTER_MEMBERS", "CHIBO_TEST_FAIL_AFTER_MEMBERS"):
        env.pop(name, None)
    _run([CHIBO, "migrate", "--noinput", "-v0"], env)
    sheet = tmp_path / "members.csv"
    _run([sys.executable, "-c", BUILD, str(sheet), str(ROWS)], env)
    before = _state(env, db)
    assert before["members"] == 0

    rng = random.Random(9)  # noqa: S311 - the crash points, reproducibly
    attempts = 0
    for hook, expected in (("CHIBO_TEST_CRASH_AFTER_MEMBERS", -signal.SIGKILL),
                           ("CHIBO_TEST_CRASH_AFTER_MEMBERS", -signal.SIGKILL),
                           ("CHIBO_TEST_FAIL_AFTER_MEMBERS", 1)):
        point = rng.randint(1, ROWS - 1)
        cut = _run([CHIBO, "members_import", str(sheet), "--language", "en"], {**env, hook: str(point)}, check=False)
        attempts += 1
        assert cut.returncode == expected, (hook, point, cut.returncode, cut.stderr[-2000:])
        state = _state(env, db)
        assert {k: state[k] for k in ("members", "events", "periods", "orphans")} == {
            k: before[k] for k in ("members", "events", "periods", "orphans")}, (hook, point)
        assert state["attempts"] == attempts  # the attempt is on record though it was undone

    done = _run([CHIBO, "members_import", str(sheet), "--language", "en"], env)
    assert "5000" in done.stdout.replace(",", "").replace(".", ""), done.stdout
    after = _state(env, db)
    assert after["members"] == ROWS and after["orphans"] == 0 and after["attempts"] == attempts + 1

    again = _run([CHIBO, "members_import", str(sheet), "--language", "en"], env)  # idempotent
    assert _state(env, db)["members"] == ROWS, again.stdout
