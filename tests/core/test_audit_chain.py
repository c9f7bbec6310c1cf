"""The keyed hash chain under the audit trail and the read log (issue 18, items 2 and 3; G22).

`verify` must catch an edited column (any), a deleted middle row (its id named), a truncated tail
(against the signed checkpoint), a chain recomputed without the key, a downgrade to the old
scheme; and appends from concurrent threads and processes must never fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from chibo.core import chain
from chibo.core.audit import audit_checkpoint, audit_log, read_log, verify_all, verify_chain
from chibo.core.models import AppendOnlyError, AuditEvent, ReadLogEntry
from tests.factories import make_persona

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _checkpoint_file(settings, tmp_path):
    settings.CHIBO_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    return settings.CHIBO_AUDIT_CHECKPOINT_FILE


def _events(n: int = 5) -> list[AuditEvent]:
    return [
        audit_log(actor=None, action=f"test.{i}", target_type="x", target_id=str(i),
                  target_label=f"Label {i}", org_path="00000001", before={"a": i},
                  after={"a": i + 1, "name": "Hạ Long"}, reason=f"why {i}")
        for i in range(n)
    ]


def _reads(n: int = 5) -> list[ReadLogEntry]:
    target = make_persona("read-target")
    return [read_log(actor=None, target=target, org_path="00000001", purpose="view")
            for _ in range(n)]


def _tamper(table: str, sql: str, params: list) -> None:
    """What the database owner could do: triggers off (inside the test's transaction), edit."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                        [table])
            for (name,) in cur.fetchall():
                cur.execute(f'DROP TRIGGER "{name}"')
        cur.execute(sql, params)


def _report(chain_name: str) -> chain.ChainReport:
    reports, problems = verify_all()
    assert problems == []
    return {r.chain: r for r in reports}[chain_name]


def test_every_column_is_hashed():
    for model in (AuditEvent, ReadLogEntry):
        columns = {f.attname for f in model._meta.concrete_fields} - {"hash"}
        assert columns == set(chain.HASHED_FIELDS[model._meta.db_table]), model


def test_new_rows_chain_by_id_seq_and_keyed_hash():
    a, b, c = _events(3)
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    assert (b.prev_id, c.prev_id) == (a.pk, b.pk) and a.prev_id is None
    assert (b.prev_hash, c.prev_hash) == (a.hash, b.hash)
    assert all(e.scheme == 2 for e in (a, b, c))
    fresh = AuditEvent.objects.get(pk=b.pk)  # the hash survives the database's round trip
    assert fresh.compute_hash() == b.hash
    assert verify_chain() == []
    r = _report("audit")
    assert r.ok and r.rows == 3


# --- any edited column ------------------------------------------------------------------------

EDITS = {
    "at": ("at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    "actor_id": ("actor_id", None),  # set below to a real user
    "action": ("action", "test.forged"),
    "target_type": ("target_type", "y"),
    "target_id": ("target_id", "99"),
    "target_label": ("target_label", "Someone else"),
    "org_path": ("org_path", "00000009"),
    "before": ("before", json.dumps({"a": 7})),
    "after": ("after", json.dumps({"a": 8})),
    "reason": ("reason", "forged"),
    "request_id": ("request_id", "r-forged"),
    "seq": ("seq", 42),
    "prev_id": ("prev_id", 4242),
    "prev_hash": ("prev_hash", "0" * 64),
    "scheme": ("scheme", 1),
    "hash": ("hash", "f" * 64),
}


@pytest.mark.parametrize("column", sorted(EDITS))
def test_an_edit_of_any_column_is_caught(column):
    a, b, c = _events(3)
    _col, value = EDITS[column]
    if column == "actor_id":
        value = make_persona("someone").pk
    _tamper("core_auditevent", f"UPDATE core_auditevent SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, b.pk])
    bad = verify_chain()
    assert b.pk in bad or c.pk in bad


def test_an_edited_id_is_caught():
    a, b, c = _events(3)
    _tamper("core_auditevent", "UPDATE core_auditevent SET id = %s WHERE id = %s", [c.pk + 100, b.pk])
    assert not _report("audit").ok


def test_an_edited_read_log_column_is_caught():
    r1, r2, r3 = _reads(3)
    _tamper("core_readlogentry", "UPDATE core_readlogentry SET purpose = %s WHERE id = %s",
            ["export", r2.pk])
    assert _report("reads").bad == [r2.pk]


# --- deleted rows -----------------------------------------------------------------------------

def test_a_deleted_middle_row_is_named():
    events = _events(5)
    _tamper("core_auditevent", "DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    r = _report("audit")
    assert r.bad == [events[3].pk]
    assert len(r.missing) == 1 and f"#{events[2].pk} " in r.missing[0]
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", stdout=out)
    assert f"#{events[2].pk}" in str(exc.value)


def test_several_deleted_rows_are_counted():
    events = _events(6)
    ids = [events[1].pk, events[2].pk, events[3].pk]
    _tamper("core_auditevent", "DELETE FROM core_auditevent WHERE id IN (%s, %s, %s)", ids)
    r = _report("audit")
    assert len(r.missing) == 1
    assert f"#{events[3].pk} " in r.missing[0] and "2 more" in r.missing[0]


def test_a_deleted_read_log_row_is_named():
    rows = _reads(4)
    _tamper("core_readlogentry", "DELETE FROM core_readlogentry WHERE id = %s", [rows[1].pk])
    r = _report("reads")
    assert f"#{rows[1].pk} " in r.missing[0]


@pytest.mark.parametrize("cut", [1, 50])
def test_a_truncated_tail_is_caught_against_the_checkpoint(_checkpoint_file, cut):
    """The last row, or the last 50, deleted: the remaining chain is consistent, the checkpoint
    is not."""
    events = _events(55)
    _reads(3)
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "checkpoint audit" in out.getvalue()
    lines = [json.loads(line) for line in _checkpoint_file.read_text().splitlines()]
    assert {e["chain"] for e in lines} == {"audit", "reads"}
    call_command("audit", "verify", stdout=io.StringIO())  # intact
    _events(2)  # later rows are fine
    call_command("audit", "verify", stdout=io.StringIO())
    # the tail up to the checkpointed head, and what came after, is deleted...
    tail = [e.pk for e in events[-cut:]]
    _tamper("core_auditevent", "DELETE FROM core_auditevent WHERE id >= %s", [tail[0]])
    r = _report("audit")
    assert r.bad == [] and r.missing == []
    # ...but the signed checkpoint names the head that is gone
    assert len(r.checkpoint) == 1 and f"#{events[-1].pk}" in r.checkpoint[0]
    with pytest.raises(CommandError, match="truncated"):
        call_command("audit", "verify", stdout=io.StringIO())


def test_a_truncated_read_log_is_caught(_checkpoint_file):
    rows = _reads(4)
    audit_checkpoint()
    _tamper("core_readlogentry", "DELETE FROM core_readlogentry WHERE id = %s", [rows[-1].pk])
    assert _report("reads").checkpoint


def test_a_forged_checkpoint_line_is_refused(_checkpoint_file):
    _events(2)
    audit_checkpoint()
    entry = json.loads(_checkpoint_file.read_text().splitlines()[0])
    entry["head_id"] = 1  # edited without the key
    with _checkpoint_file.open("a") as f:
        f.write(json.dumps(entry) + "\n")
    _reports, problems = verify_all()
    assert problems and "line 3" in problems[0]


def test_verify_without_checkpoint_warns():
    _events(1)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "no checkpoint yet" in out.getvalue()
    assert "audit trail intact" in out.getvalue()


# --- a chain recomputed without the key ---------------------------------------------------------

def test_a_chain_recomputed_without_the_key_is_caught(settings):
    """Someone with the database but not CHIBO_AUDIT_KEY edits a row and recomputes every hash
    and link from it on (with a key of their own): the first forged row fails."""
    events = _events(4)
    settings.CHIBO_AUDIT_KEY = "an-attackers-guess-of-the-key-0000"
    forged = list(AuditEvent.objects.order_by("id"))
    forged[1].reason = "forged"
    prev_hash = forged[0].hash
    for e in forged[1:]:
        e.prev_hash = prev_hash
        e.hash = chain.row_hash("core_auditevent", e)
        prev_hash = e.hash
    for e in forged[1:]:
        _tamper("core_auditevent",
                "UPDATE core_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [e.reason, e.prev_hash, e.hash, e.pk])
    assert _report("audit").bad  # under the forger's key it is consistent...
    settings.CHIBO_AUDIT_KEY = settings.DEV_AUDIT_KEY
    assert verify_chain() == [e.pk for e in events[1:]]  # ...not under the real one


# --- rows from before the keyed chain ---------------------------------------------------------

def _legacy_rows(n: int) -> list[int]:
    """Scheme-1 audit events as the previous code wrote them (unkeyed SHA-256)."""
    ids, prev = [], ""
    for i in range(n):
        e = AuditEvent(action=f"old.{i}", target_type="x", target_id=str(i), org_path="00000001",
                       after={"i": i}, prev_hash=prev, scheme=1)
        e.hash = hashlib.sha256(e.payload().encode()).hexdigest()
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO core_auditevent (at, action, target_type, target_id, target_label, "
                "org_path, after, reason, request_id, prev_hash, hash, seq, scheme) VALUES "
                "(%s, %s, %s, %s, '', %s, %s, '', '', %s, %s, 0, 1)",
                [dt.datetime.now(dt.UTC), e.action, e.target_type, e.target_id, e.org_path,
                 json.dumps(e.after), e.prev_hash, e.hash])
        ids.append(AuditEvent.objects.order_by("-id").values_list("id", flat=True).first())
        prev = e.hash
    return ids


def test_old_rows_keep_their_scheme_and_the_keyed_chain_continues_from_them():
    old = _legacy_rows(3)
    new = _events(2)
    assert new[0].prev_id == old[-1] and new[0].seq == 1
    r = _report("audit")
    assert r.ok and r.legacy_rows == 3 and r.rows == 5
    # an old row edited (and even re-hashed with the old, unkeyed rule) breaks the keyed link
    row = AuditEvent.objects.get(pk=old[-1])
    row.reason = "forged"
    _tamper("core_auditevent", "UPDATE core_auditevent SET reason = %s, hash = %s WHERE id = %s",
            ["forged", row.legacy_hash(), row.pk])
    assert verify_chain() == [new[0].pk]


def test_a_downgrade_to_the_old_scheme_is_caught():
    _legacy_rows(1)
    a, b, c = _events(3)
    row = AuditEvent.objects.get(pk=b.pk)
    row.scheme = 1
    _tamper("core_auditevent", "UPDATE core_auditevent SET scheme = 1, hash = %s WHERE id = %s",
            [row.legacy_hash(), b.pk])
    assert b.pk in verify_chain()


# --- the model layer chains whatever path writes --------------------------------------------------

def test_bulk_create_and_create_chain_too():
    target = make_persona("bulk-target")
    rows = ReadLogEntry.objects.bulk_create([
        ReadLogEntry(actor=None, target_type="accounts.user", target_id=str(target.pk),
                     org_path="00000001", purpose="export") for _ in range(5)
    ])
    ReadLogEntry.objects.create(target_type="x", target_id="1", purpose="view")
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    r = _report("reads")
    assert r.ok and r.rows == 6
    with pytest.raises(AppendOnlyError):
        ReadLogEntry.objects.filter(pk=rows[0].pk).update(purpose="x")
    with pytest.raises(AppendOnlyError):
        ReadLogEntry.objects.filter(pk=rows[0].pk).delete()
    with pytest.raises(AppendOnlyError):
        rows[0].save()


def test_the_hash_is_keyed():
    (e,) = _events(1)
    plain = hashlib.sha256(e.payload().encode()).hexdigest()
    assert e.hash != plain
    assert len(e.hash) == 64


def test_sqlite_must_begin_immediate(settings):
    from chibo.core.checks import chibo_audit_lock_check

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert chibo_audit_lock_check(None) == []
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("transaction_mode")
    try:
        options["transaction_mode"] = "DEFERRED"
        assert [e.id for e in chibo_audit_lock_check(None)] == ["chibo.E001"]
    finally:
        options["transaction_mode"] = saved


# --- concurrent writers never fork the chain ----------------------------------------------------

def _storm_database(tmp_path: Path) -> str:
    """A DATABASE_URL other processes can write to: PostgreSQL's test database, or for SQLite a
    file copy of the (in-memory) test database."""
    sd = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd.get("PASSWORD") else "")
        return f"postgres://{auth}@{sd['HOST'] or '127.0.0.1'}:{sd['PORT'] or 5432}/{sd['NAME']}"
    path = tmp_path / "storm.sqlite3"
    connection.ensure_connection()
    import sqlite3

    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def _run(args: list[str], url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="chibo.settings.test",
               CHIBO_AUDIT_CHECKPOINT_FILE=str(tmp_path / "no-checkpoints.jsonl"))
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("processes", "threads"), [(1, 16), (4, 4)])
def test_a_write_storm_never_forks_the_chain(tmp_path, processes, threads):
    """16 threads in one process, then 16 threads across 4 processes, write audit events (alone
    and several in one transaction) and read-log rows (one by one and in bulk) at once."""
    url = _storm_database(tmp_path)
    per_thread = 6
    script = str(Path(__file__).with_name("audit_storm.py"))
    procs = [
        subprocess.Popen([sys.executable, script, str(threads), str(per_thread), f"p{i}"],
                         env={**os.environ, "DATABASE_URL": url,
                              "DJANGO_SETTINGS_MODULE": "chibo.settings.test"},
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(processes)
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
    writers = processes * threads
    result = _run(["-m", "chibo", "audit", "verify"], url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"audit trail: {writers * per_thread * 4 // 3} rows" in result.stdout, result.stdout
    assert f"read log: {writers * per_thread * 2} rows" in result.stdout, result.stdout
