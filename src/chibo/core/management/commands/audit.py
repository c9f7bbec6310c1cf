import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from chibo.core.audit import audit_checkpoint, verify_all
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
            "personal data in a window (breach drill), `audit reads --member ID` who saw a member's "
            "data (their record, a list or an export); `audit verify` checks the hash chains of the "
            "audit trail and the read log against their signed checkpoints; `audit checkpoint` "
            "writes one (run it periodically).")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        reads = sub.add_parser("reads", help="Who read what between two times (UTC unless given).")
        reads.add_argument("--from", dest="start", help="Start (required without --member).")
        reads.add_argument("--to", dest="end", help="End, exclusive (required without --member).")
        reads.add_argument("--member", type=int, metavar="ID",
                           help="Only the reads of this member's record: who saw member ID (any time "
                                "unless --from/--to are given).")
        reads.add_argument("--json", action="store_true")
        sub.add_parser("verify", help="Check that no audit event or read-log row was altered, "
                       "deleted or truncated (against the signed checkpoints).")
        sub.add_parser("checkpoint", help="Anchor the chains' heads: append a signed line to "
                       "CHIBO_AUDIT_CHECKPOINT_FILE (and the log). Run it periodically.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "verify":
            self._verify()
            return
        if opts["sub"] == "checkpoint":
            for entry in audit_checkpoint():
                self.stdout.write(f"checkpoint {entry['chain']}: head #{entry['head_id']} "
                                  f"(seq {entry['head_seq']}) {entry['head_hash'][:16]}…")
            return
        member = opts.get("member")
        if member is None and not (opts["start"] and opts["end"]):
            raise CommandError("Give --from and --to, or --member.")
        rows = ReadLogEntry.objects.all()
        start = end = None
        if opts["start"] or opts["end"]:
            if not (opts["start"] and opts["end"]):
                raise CommandError("Give both --from and --to.")
            start, end = _when(opts["start"]), _when(opts["end"])
            if end <= start:
                raise CommandError("--to must be after --from.")
            rows = rows.filter(at__gte=start, at__lt=end)
        if member is not None:
            rows = rows.filter(target_type="members.member", target_id=str(member))
        rows = rows.select_related("actor").order_by("at", "id")
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
            self.stdout.write(json.dumps({"from": start.isoformat() if start else None,
                                          "to": end.isoformat() if end else None,
                                          **({"member": member} if member is not None else {}),
                                          "reads": records, "records_read": len(subjects),
                                          "readers": sorted({r["actor"] or "" for r in records})},
                                         ensure_ascii=False))
            return
        for r in records:
            self.stdout.write(f"{r['at']}  {r['actor'] or '-':20} {r['purpose']:8} {r['target_type']}:{r['target_id']}")
        self.stdout.write(f"{len(records)} reads of {len({(r['target_type'], r['target_id']) for r in records})} records")

    def _verify(self) -> None:
        reports, problems = verify_all()
        failures: list[str] = list(problems)
        for r in reports:
            name = {"audit": "audit trail", "reads": "read log"}[r.chain]
            legacy = f", {r.legacy_rows} from before the keyed chain" if r.legacy_rows else ""
            self.stdout.write(f"{name}: {r.rows} rows{legacy}, {r.checkpoints_checked} checkpoints")
            if r.bad:
                more = " …" if len(r.bad) > 50 else ""
                failures.append(f"{name}: {len(r.bad)} rows fail the hash chain (edited, "
                                f"reordered or re-hashed): ids {r.bad[:50]}{more}")
            failures.extend(f"{name}: missing row {m}" for m in r.missing)
            failures.extend(f"{name}: {c}" for c in r.checkpoint)
        if failures:
            raise CommandError("\n".join(failures))
        if not any(r.checkpoints_checked for r in reports):
            self.stdout.write(self.style.WARNING(
                "no checkpoint yet: a truncated tail cannot be detected; run `chibo audit "
                "checkpoint` periodically"))
        self.stdout.write("audit trail intact")
