"""`chibo supervision`: letters' figures and the sender keys.

    chibo supervision summary --under CODE --from D1 --to D2 --json
        keys: received, handled, on_time, overdue, not_handled (an object by reason)
    chibo supervision overdue --under CODE [--as-of D] [--json]   overdue letters per handling body
    chibo supervision new-key                                     a new Fernet key for CHIBO_SENDER_KEYS
    chibo supervision rotate-keys                                 re-encrypt every sender under the first key

The figures come from `supervision.selectors` (the same functions as the API), as the operator
(the whole system). No command prints a sender.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.core.validtime import today
from chibo.supervision import secrecy, selectors, services

from ._common import date_arg, org_arg, system_user


class Command(BaseCommand):
    help = "Letters: `summary`, `overdue`; sender keys: `new-key`, `rotate-keys`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        summary = sub.add_parser("summary", help="Letters received under a node in a period.")
        summary.add_argument("--under", metavar="CODE")
        summary.add_argument("--from", dest="start", metavar="DATE")
        summary.add_argument("--to", dest="end", metavar="DATE")
        summary.add_argument("--json", action="store_true")
        overdue = sub.add_parser("overdue", help="Overdue letters per handling body.")
        overdue.add_argument("--under", metavar="CODE")
        overdue.add_argument("--as-of", dest="as_of", metavar="DATE")
        overdue.add_argument("--json", action="store_true")
        sub.add_parser("new-key", help="Print a new key to put first in CHIBO_SENDER_KEYS.")
        sub.add_parser("rotate-keys", help="Re-encrypt every sender and scan under the first key.")

    def handle(self, *args: Any, **options: Any) -> None:
        sub = options["sub"]
        if sub == "new-key":
            self.stdout.write(secrecy.new_key())
            return
        if sub == "rotate-keys":
            n = services.rotate_sender_keys()
            self.stdout.write(f"re-encrypted {n} record(s) under the first key of {secrecy.ENV}")
            return
        user = system_user()
        org = org_arg(options.get("under"))
        if sub == "summary":
            end = date_arg(options.get("end"), "--to") or today()
            start = date_arg(options.get("start"), "--from") or dt.date(end.year, 1, 1)
            if end < start:
                raise CommandError("--to comes before --from.")
            data: Any = selectors.letter_summary(user=user, org=org, start=start, end=end)
            if options["json"]:
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                for key, value in data.items():
                    self.stdout.write(f"{key}: {value}")
            return
        on = date_arg(options.get("as_of"), "--as-of") or today()
        rows = selectors.overdue_by_body(user=user, org=org, on=on)
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                self.stdout.write(f"{r['code']}\t{r['overdue']}")
