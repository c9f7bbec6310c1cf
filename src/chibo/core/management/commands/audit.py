import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from chibo.core.audit import verify_chain
from chibo.core.models import ReadLogEntry


def _when(raw: str) -> dt.datetime:
    value = parse_datetime(raw)
    if value is None:
        try:
            value = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
        except ValueError as exc:
            raise CommandError(f"Not a date or time: {raw!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM).") from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


class Command(BaseCommand):
    help = ("The audit trail. `audit reads --from T1 --to T2` lists who read which record holding "
            "personal data in a window (breach drill); `audit verify` checks the hash chain.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        reads = sub.add_parser("reads", help="Who read what between two times (UTC unless given).")
        reads.add_argument("--from", dest="start", required=True)
        reads.add_argument("--to", dest="end", required=True)
        reads.add_argument("--json", action="store_true")
        sub.add_parser("verify", help="Check that no audit event was altered.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "verify":
            bad = verify_chain()
            if bad:
                raise CommandError(f"{len(bad)} audit events fail the hash chain: {bad[:20]}")
            self.stdout.write("audit trail intact")
            return
        start, end = _when(opts["start"]), _when(opts["end"])
        if end <= start:
            raise CommandError("--to must be after --from.")
        rows = (
            ReadLogEntry.objects.filter(at__gte=start, at__lt=end)
            .select_related("actor")
            .order_by("at", "id")
        )
        records = [
            {
                "at": r.at.astimezone(dt.UTC).isoformat(),
                "actor": r.actor.username if r.actor else None,
                "target_type": r.target_type,
                "target_id": r.target_id,
                "purpose": r.purpose,
                "request_id": r.request_id,
            }
            for r in rows.iterator()
        ]
        if opts["json"]:
            subjects = {(r["target_type"], r["target_id"]) for r in records}
            self.stdout.write(json.dumps({"from": start.isoformat(), "to": end.isoformat(),
                                          "reads": records, "records_read": len(subjects),
                                          "readers": sorted({r["actor"] or "" for r in records})},
                                         ensure_ascii=False))
            return
        for r in records:
            self.stdout.write(f"{r['at']}  {r['actor'] or '-':20} {r['purpose']:8} {r['target_type']}:{r['target_id']}")
        self.stdout.write(f"{len(records)} reads of {len({(r['target_type'], r['target_id']) for r in records})} records")
