"""The hash chain under the audit trail and the read log (security.md G22).

Each row of a chained table (`AuditEvent`, `ReadLogEntry`) carries:

- `seq`, its position in the chain (1, 2, 3, … with no gap), `prev_id` and `prev_hash`, the id
  and hash of the row before it;
- `hash`, an HMAC-SHA256 keyed with `settings.CHIBO_AUDIT_KEY` (from the environment, never in
  the database) over **every column** of the row, its id included (`HASHED_FIELDS`), so an edited
  column, a deleted row (the next row's `prev_id` names it), reordered rows or a chain recomputed
  without the key all show;
- `scheme`, the version of the hashing rule. Rows written before the keyed chain keep theirs:
  audit events of scheme 1 (unkeyed SHA-256 over some columns) and read-log rows of scheme 0 (no
  chain) stay as they were — rewriting history would need the triggers off and would bless any
  tampering already done. `verify` checks each row by its own scheme, refuses an old scheme after
  a newer one (no downgrade), and the first scheme-2 row links to the last legacy row, so the old
  prefix is anchored by a keyed row.

Appends are serialized so concurrent writers never fork the chain: the last row is read and the
new one inserted inside one transaction holding the chain's lock — on PostgreSQL a transaction
advisory lock (`pg_advisory_xact_lock`, released at commit), on SQLite the database write lock
taken by `BEGIN IMMEDIATE` (settings: `transaction_mode`, checked at start-up). One lock serves
both chains (no deadlock between a transaction that reads-then-audits and one that audits-then-
reads). Ids are allocated
under the lock (so they are hashed and increase in chain order).

The tail is anchored outside the table by signed checkpoints (`write_checkpoint`, `chibo audit
checkpoint`, run periodically): one JSON line per chain appended to
`settings.CHIBO_AUDIT_CHECKPOINT_FILE` and to the log. `verify` checks every checkpoint's head is
still in the table with the same hash, so a truncated tail shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone

logger = logging.getLogger("chibo.audit")

SCHEME = 2
# Every column of each chained table, hashed in this order (a test checks nothing is left out:
# a new column needs a new scheme).
HASHED_FIELDS: dict[str, tuple[str, ...]] = {
    "core_auditevent": (
        "id", "seq", "prev_id", "prev_hash", "scheme", "at", "actor_id", "action", "target_type",
        "target_id", "target_label", "org_path", "before", "after", "reason", "request_id",
    ),
    "core_readlogentry": (
        "id", "seq", "prev_id", "prev_hash", "scheme", "at", "actor_id", "target_type",
        "target_id", "org_path", "purpose", "request_id",
    ),
}
CHAIN_NAMES = {"core_auditevent": "audit", "core_readlogentry": "reads"}


def audit_key() -> bytes:
    key = getattr(settings, "CHIBO_AUDIT_KEY", "")
    if not key:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("CHIBO_AUDIT_KEY is not set: the audit trail cannot be written.")
    return str(key).encode()


def _subkey(purpose: str) -> bytes:
    return hmac.new(audit_key(), f"chibo.{purpose}".encode(), hashlib.sha256).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    return value


def row_hash(table: str, obj: models.Model) -> str:
    payload = [CHAIN_NAMES[table]] + [_canonical(getattr(obj, f)) for f in HASHED_FIELDS[table]]
    data = json.dumps(payload, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    return hmac.new(_subkey("chain"), data.encode(), hashlib.sha256).hexdigest()


def json_value(value: Any) -> Any:
    """A JSON column's value as the database gives it back (so the hash survives the round trip)."""
    return None if value is None else json.loads(json.dumps(value))


# --- Appending --------------------------------------------------------------------------------

# One lock for both chains: a transaction that logs a read and audits a change (in either order)
# can never deadlock against one doing the reverse. Re-entrant within a transaction.
LOCK_KEY = zlib.crc32(b"chibo.audit.chain")


def _lock(connection: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    # SQLite: the atomic block began with BEGIN IMMEDIATE (the write lock), see checks.py.


def _head_and_ids(connection: Any, model: type[models.Model], n: int
                  ) -> tuple[dict[str, Any] | None, list[int]]:
    """The chain's last row (id, seq, hash, scheme) and `n` new ids, read under the lock in one
    statement: on PostgreSQL the ids come from the table's sequence, on SQLite they follow the
    larger of the last id and `sqlite_sequence` (AUTOINCREMENT never reuses an id, even a
    deleted one's); elsewhere they follow the last id."""
    table = connection.ops.quote_name(model._meta.db_table)
    head = f"(SELECT id, seq, hash, scheme FROM {table} ORDER BY id DESC LIMIT 1)"  # noqa: S608
    if connection.vendor == "postgresql":
        extra = ("(SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) "
                 "FROM generate_series(1, %s))")
        params: list[Any] = [model._meta.db_table, n]
    elif connection.vendor == "sqlite":
        extra, params = "(SELECT seq FROM sqlite_sequence WHERE name = %s)", [model._meta.db_table]
    else:
        extra, params = "NULL", []
    with connection.cursor() as cur:
        # one row whether or not the table is empty (the head's columns are then NULL)
        # (the table name is the model's, quoted; every value is a parameter)
        sql = f"SELECT h.id, h.seq, h.hash, h.scheme, {extra} FROM (SELECT 1 AS one) AS d "  # noqa: S608
        cur.execute(sql + f"LEFT JOIN {head} AS h ON 1 = 1", params)
        last_id, seq, hash_, scheme, allocated = cur.fetchone()
    last = None if last_id is None else {"id": last_id, "seq": seq, "hash": hash_, "scheme": scheme}
    if connection.vendor == "postgresql":
        return last, sorted(allocated)
    start = max(last_id or 0, allocated or 0)
    return last, list(range(start + 1, start + 1 + n))


def append(model: type[models.Model], objs: Sequence[Any], insert: Callable[[], Any],
           using: str | None = None) -> None:
    """Chain `objs` onto `model`'s table and run `insert()` (which writes them), atomically.

    Three statements on PostgreSQL (the lock; the head and the ids; the insert), two on SQLite.
    Inside a transaction already (a service's, a request's) no savepoint is taken: the lock, the
    head read and the insert belong to the caller's transaction, and a failed append dooms it
    (it never half-writes); outside one, the block is its own transaction."""
    if not objs:
        insert()
        return
    table = model._meta.db_table
    alias = using or "default"
    connection = connections[alias]
    with transaction.atomic(using=alias, savepoint=False):
        _lock(connection)
        last, ids = _head_and_ids(connection, model, len(objs))
        prev_id = last["id"] if last else None
        prev_hash = last["hash"] if last else ""
        seq = last["seq"] if last and last["scheme"] >= SCHEME else 0
        now = timezone.now()
        for obj, new_id in zip(objs, ids, strict=True):
            seq += 1
            obj.pk = new_id
            obj.seq, obj.prev_id, obj.prev_hash, obj.scheme = seq, prev_id, prev_hash, SCHEME
            obj.at = now
            for name in ("before", "after"):
                if hasattr(obj, name):
                    setattr(obj, name, json_value(getattr(obj, name)))
            obj.hash = row_hash(table, obj)
            prev_id, prev_hash = new_id, obj.hash
        insert()


# --- Verifying --------------------------------------------------------------------------------

@dataclass
class ChainReport:
    chain: str
    rows: int = 0
    legacy_rows: int = 0
    bad: list[int] = field(default_factory=list)  # rows whose content or link fails
    missing: list[str] = field(default_factory=list)  # what is gone, ids named
    checkpoint: list[str] = field(default_factory=list)  # problems against the checkpoints
    checkpoints_checked: int = 0
    head: tuple[int, int, str] | None = None  # (id, seq, hash) of the last row

    @property
    def ok(self) -> bool:
        return not (self.bad or self.missing or self.checkpoint)


def verify_table(model: type[models.Model], legacy_hash: Callable[[Any], str] | None = None,
                 checkpoints: Iterable[dict[str, Any]] = ()) -> ChainReport:
    table = model._meta.db_table
    report = ChainReport(CHAIN_NAMES[table])
    prev: Any = None
    keyed_seen = False
    row: Any
    for row in model._base_manager.order_by("id").iterator(chunk_size=2000):
        report.rows += 1
        scheme = row.scheme
        if scheme < SCHEME:
            report.legacy_rows += 1
            ok = not keyed_seen
            if ok and scheme == 1 and legacy_hash is not None:
                ok = row.prev_hash == (prev.hash if prev else "") and legacy_hash(row) == row.hash
            elif ok and scheme != 0:
                ok = False
            if not ok:
                report.bad.append(row.pk)
            prev = row
            continue
        keyed_seen = True
        expected_seq = (prev.seq if prev is not None and prev.scheme >= SCHEME else 0) + 1
        expected_prev_id = prev.pk if prev is not None else None
        linked = (row.prev_id == expected_prev_id and row.seq == expected_seq
                  and row.prev_hash == (prev.hash if prev is not None else ""))
        if row.prev_id != expected_prev_id and row.prev_id is not None and (
            prev is None or row.prev_id > prev.pk
        ):
            gone = row.seq - expected_seq
            after = f"after #{prev.pk}" if prev is not None else "at the start"
            report.missing.append(
                f"#{row.prev_id} (the predecessor #{row.pk} names)"
                + (f" and {gone - 1} more before it, {after}" if gone > 1 else "")
            )
        if not linked or row_hash(table, row) != row.hash:
            report.bad.append(row.pk)
        prev = row
    if prev is not None:
        report.head = (prev.pk, prev.seq, prev.hash)
    by_id: dict[int, Any] = {}
    for cp in checkpoints:
        report.checkpoints_checked += 1
        head_id, head_hash = cp["head_id"], cp["head_hash"]
        if head_id is None:
            continue
        if head_id not in by_id:
            by_id[head_id] = model._base_manager.filter(pk=head_id).values("hash", "seq").first()
        found = by_id[head_id]
        if found is None:
            last = f"#{report.head[0]} (seq {report.head[1]})" if report.head else "nothing"
            report.checkpoint.append(
                f"checkpoint of {cp['at']} recorded head #{head_id} (seq {cp['head_seq']}), which "
                f"is gone: the table was truncated (it now ends at {last})"
            )
        elif found["hash"] != head_hash or found["seq"] != cp["head_seq"]:
            report.checkpoint.append(
                f"checkpoint of {cp['at']}: #{head_id} no longer has the hash it recorded"
            )
    return report


# --- Checkpoints ------------------------------------------------------------------------------

def checkpoint_path() -> Path:
    return Path(settings.CHIBO_AUDIT_CHECKPOINT_FILE)


def _sign(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "sig"}
    data = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(_subkey("checkpoint"), data.encode(), hashlib.sha256).hexdigest()


def write_checkpoint(models_: Iterable[type[models.Model]]) -> list[dict[str, Any]]:
    """Append one signed line per chain (its head) to the checkpoint file and to the log."""
    entries = []
    at = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    for model in models_:
        last = model._base_manager.order_by("-id").values("id", "seq", "hash", "scheme").first()
        entry: dict[str, Any] = {
            "chain": CHAIN_NAMES[model._meta.db_table], "at": at,
            "head_id": last["id"] if last else None,
            "head_seq": last["seq"] if last else 0,
            "head_hash": last["hash"] if last else "",
        }
        entry["sig"] = _sign(entry)
        entries.append(entry)
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for entry in entries:
            out.write(json.dumps(entry, sort_keys=True) + "\n")
    for entry in entries:
        logger.warning("audit checkpoint %s", json.dumps(entry, sort_keys=True))
    return entries


def read_checkpoints() -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The checkpoints by chain, and the lines that are not valid signed checkpoints."""
    by_chain: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    path = checkpoint_path()
    if not path.exists():
        return by_chain, problems
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            valid = hmac.compare_digest(str(entry.get("sig", "")), _sign(entry))
        except (ValueError, TypeError, AttributeError):
            valid = False
        if not valid:
            problems.append(f"{path} line {n}: not a validly signed checkpoint")
            continue
        by_chain.setdefault(entry["chain"], []).append(entry)
    return by_chain, problems
