"""`chibo dialogue report`: the answers to a programme's proposals, per agency.

    chibo dialogue report --programme ID --json
        per agency: assigned, answered_on_time, answered_late, open (and overdue today)
    chibo dialogue annual --under CODE --year YEAR --json   the same over a year's programmes
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.core.validtime import today
from chibo.supervision import selectors
from chibo.supervision.models import Programme

from ._common import org_arg, system_user


class Command(BaseCommand):
    help = "Dialogue programmes: `report --programme ID`, `annual --under CODE --year YEAR`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        report = sub.add_parser("report", help="Per agency, the answers to one programme's proposals.")
        report.add_argument("--programme", type=int, required=True, metavar="ID")
        report.add_argument("--json", action="store_true")
        annual = sub.add_parser("annual", help="Per agency, a year's programmes under a node.")
        annual.add_argument("--under", metavar="CODE")
        annual.add_argument("--year", type=int, default=None)
        annual.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = system_user()
        if options["sub"] == "report":
            try:
                programme = selectors.programme_get(user=user, pk=options["programme"])
            except Programme.DoesNotExist as exc:
                raise CommandError(f"--programme: no programme {options['programme']}.") from exc
            rows = selectors.programme_report(user=user, programme=programme, on=today())
            data: Any = {"programme": programme.pk, "title": programme.title,
                         "agencies": {r["agency"]: {k: r[k] for k in ("assigned", "answered_on_time",
                                                                       "answered_late", "open", "overdue")}
                                      for r in rows}}
        else:
            year = options.get("year") or today().year
            rows = selectors.annual_report(user=user, org=org_arg(options.get("under")), year=year, on=today())
            data = {"year": year, "agencies": {r["agency"]: {k: r[k] for k in (
                "assigned", "answered_on_time", "answered_late", "open", "overdue")} for r in rows}}
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for name, row in data["agencies"].items():
                self.stdout.write(f"{name}\t" + "\t".join(f"{k}={v}" for k, v in row.items()))
