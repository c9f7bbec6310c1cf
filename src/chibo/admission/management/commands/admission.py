"""`chibo admission`: the procedure's figures from its records.

    chibo admission status --under CODE [--as-of DATE] --json     (by step, due this week, overdue)
    chibo admission target --under CODE --year 2023 --json         (target, members, admitted, share)
    chibo admission admitted --under CODE --from D1 --to D2 --json (admissions by source)

The command sees everything (a system user); the numbers come from the same selectors as the API.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.accounts.models import User
from chibo.admission import selectors
from chibo.core.validtime import today
from chibo.orgs.models import Organization


def _system_user() -> User:
    return User(username="system", is_superuser=True, is_active=True)


def _date(raw: str | None, option: str, default: dt.date | None = None) -> dt.date:
    if raw is None:
        if default is None:
            raise CommandError(f"Give {option}.")
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"{option}: {raw!r} is not a date (use YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Admission figures: `admission status|target|admitted --under CODE … [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        status = sub.add_parser("status", help="People in the procedure by step, due this week and overdue.")
        target = sub.add_parser("target", help="A year's target and its progress.")
        admitted = sub.add_parser("admitted", help="Admissions in a period, by source.")
        for p in (status, target, admitted):
            p.add_argument("--under", metavar="CODE", required=True, help="Organization code.")
            p.add_argument("--json", action="store_true", help="Print JSON.")
        status.add_argument("--as-of", dest="as_of", metavar="DATE", help="YYYY-MM-DD (default today).")
        target.add_argument("--year", type=int, required=True)
        target.add_argument("--as-of", dest="as_of", metavar="DATE", help="Progress on this date (default year end).")
        admitted.add_argument("--from", dest="start", metavar="DATE", required=True)
        admitted.add_argument("--to", dest="end", metavar="DATE", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        user = _system_user()
        org = Organization.objects.filter(code=opts["under"]).first()
        if org is None:
            raise CommandError(f"No organization with code {opts['under']!r}.")
        if opts["sub"] == "status":
            on = _date(opts.get("as_of"), "--as-of", today())
            data = {"under": org.code, **selectors.pipeline_status(user=user, org=org, on=on).as_dict()}
        elif opts["sub"] == "target":
            year = opts["year"]
            if not 1930 <= year <= 9998:
                raise CommandError("--year: give a year between 1930 and 9998.")
            until = _date(opts["as_of"], "--as-of") if opts.get("as_of") else None
            data = selectors.target_report(user=user, org=org, year=year, on=until).as_dict()
        else:
            start, end = _date(opts["start"], "--from"), _date(opts["end"], "--to")
            if end < start:
                raise CommandError("--to is before --from.")
            data = {"under": org.code, "from": start.isoformat(), "to": end.isoformat(),
                    **selectors.admitted_by_source(user=user, org=org, start=start, end=end)}
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        for key, value in data.items():
            if key != "by_step":
                self.stdout.write(f"{key}: {value}")
        for row in data.get("by_step", []):
            self.stdout.write(f"  {row['step']}: {row['count']} (due this week {row['due_this_week']}, "
                              f"overdue {row['overdue']})")
