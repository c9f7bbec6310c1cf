"""Killing `chibo restructure apply` in the middle leaves the database exactly as before
(security.md §5.3 a). The command runs in a subprocess against an SQLite file; the hook
`CHIBO_TEST_CRASH_AFTER_EVENTS=N` (chibo.restructuring.services) makes it SIGKILL itself after N
events, inside the transaction."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import plan_yaml

ROOT = Path(__file__).resolve().parents[2]
CHIBO = str(Path(sys.executable).with_name("chibo"))

SNAPSHOT = """
import json, django
django.setup()
from tests.restructuring.helpers import row_counts, state_checksum
print(json.dumps({"counts": row_counts(), "checksum": state_checksum()}))
"""
BUILD = """
import django
django.setup()
from tests.restructuring.helpers import build_world
build_world()
"""

EVENTS = [
    {"type": "establish", "code": "RS-N1", "name": "Đảng bộ xã Mới", "kind": "commune_level_party_committee",
     "parent": "RS-P"},
    {"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"},
    {"type": "merge", "sources": ["RS-G1", "RS-G2"], "into": "RS-N1",
     "children_kinds": {"party_cell": "grassroots_party_cell"}},
    {"type": "move", "org": "RS-A1", "parent": "RS-N1"},
    {"type": "dissolve", "org": "RS-D1", "children_to": "RS-P"},
]


def _run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=check)


def _snapshot(env: dict[str, str]) -> dict:
    out = _run([sys.executable, "-c", SNAPSHOT], env).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow
def test_kill_in_the_middle_of_apply_leaves_nothing(tmp_path):
    db = tmp_path / "crash.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "chibo.settings.test",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    env.pop("CHIBO_TEST_CRASH_AFTER_EVENTS", None)
    _run([CHIBO, "migrate", "--noinput", "-v0"], env)
    _run([sys.executable, "-c", BUILD], env)
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_yaml(EVENTS, key="crash-plan"), encoding="utf-8")
    before = _snapshot(env)

    killed = _run([CHIBO, "restructure", "apply", str(plan)], {**env, "CHIBO_TEST_CRASH_AFTER_EVENTS": "3"},
                  check=False)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stdout, killed.stderr)
    assert _snapshot(env) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    done = _run([CHIBO, "restructure", "apply", str(plan)], env)
    assert "Applied" in done.stdout
    after = _snapshot(env)
    assert after["checksum"] != before["checksum"] and after["counts"]["AppliedPlan"] == 1
