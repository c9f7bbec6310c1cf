"""A write storm on the audit trail and the read log (run by tests/core/test_audit_chain.py in
subprocesses): `audit_storm.py THREADS PER_THREAD NAME`. Every thread waits at a barrier, then
writes PER_THREAD rounds of audit events (one alone, or two in one transaction every third
round) and two read-log rows (one by one, or in bulk), all as fast as it can."""

from __future__ import annotations

import sys
import threading

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from chibo.core.audit import audit_log  # noqa: E402
from chibo.core.models import ReadLogEntry  # noqa: E402


def worker(barrier: threading.Barrier, name: str, rounds: int, errors: list[BaseException]) -> None:
    try:
        barrier.wait()
        for i in range(rounds):
            if i % 3 == 2:
                with transaction.atomic():
                    audit_log(actor=None, action="storm.pair", target_type="x", target_id=f"{name}-{i}a")
                    audit_log(actor=None, action="storm.pair", target_type="x", target_id=f"{name}-{i}b")
            else:
                audit_log(actor=None, action="storm.one", target_type="x", target_id=f"{name}-{i}",
                          after={"i": i})
            if i % 2:
                ReadLogEntry.objects.bulk_create([
                    ReadLogEntry(target_type="x", target_id=f"{name}-{i}-{k}", purpose="export")
                    for k in range(2)
                ])
            else:
                for k in range(2):
                    ReadLogEntry.objects.create(target_type="x", target_id=f"{name}-{i}-{k}",
                                                purpose="view")
    except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
        errors.append(exc)
    finally:
        connection.close()


def main() -> int:
    threads, rounds, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    pool = [threading.Thread(target=worker, args=(barrier, f"{name}t{t}", rounds, errors))
            for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    for exc in errors:
        print(repr(exc), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
