"""`chibo cadres summary`: the cadre figures of a node on a date (and its training in a period).

    chibo cadres summary --under CODE --as-of DATE [--from D1 --to D2] --json

The command sees everything (a system user); the figures come from `cadres.selectors.cadre_summary`,
the same function as the API's `cadres/summary/`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.accounts.models import User
from chibo.cadres import selectors
from chibo.core.validtime import today
from chibo.orgs.models import Organization


def _system_user() -> User:
    """An unsaved superuser: the scope of the whole system, for reports run by the operator."""
    return User(username="system", is_superuser=True, is_active=True)


def _date(raw: str | None, option: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"{option}: {raw!r} is not a date (use YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Cadre figures: `cadres summary --under CODE --as-of DATE [--from D1 --to D2] [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        summary = sub.add_parser(
            "summary",
            help="Secretaries, their qualifications and dual roles on a date; "
            "courses and people trained in a period.",
        )
        summary.add_argument(
            "--under", metavar="CODE", help="Organization code (default: the whole system)."
        )
        summary.add_argument(
            "--as-of", dest="as_of", metavar="DATE", help="YYYY-MM-DD (default today)."
        )
        summary.add_argument(
            "--from", dest="start", metavar="DATE", help="Start of the training period."
        )
        summary.add_argument(
            "--to", dest="end", metavar="DATE", help="End of the training period (inclusive)."
        )
        summary.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = None
        if options["under"]:
            org = Organization.objects.filter(code=options["under"]).first()
            if org is None:
                raise CommandError(f"No organization with code {options['under']!r}.")
        on = _date(options["as_of"], "--as-of") or today()
        start, end = _date(options["start"], "--from"), _date(options["end"], "--to")
        if (start is None) != (end is None):
            raise CommandError("Give both --from and --to.")
        if start is not None and end is not None and end < start:
            raise CommandError("--to is before --from.")
        report = selectors.cadre_summary(user=_system_user(), org=org, on=on, start=start, end=end)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        width = max(len(k) for k in report)
        for key, value in report.items():
            self.stdout.write(f"{key:<{width}}  {'' if value is None else value}")
