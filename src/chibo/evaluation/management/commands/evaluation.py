"""`chibo evaluation summary`: the distribution of ratings under a node in a year's round.

    chibo evaluation summary --under CODE --year 2024 --of members|organizations|secretaries --json

Keys: excellent, good, completed, not_completed, not_rated, total (and pending, the round, the
shares "good or better" and "completed or better" among those rated). The tree is the one of the
round's date. The command sees everything (a system user); the figures come from
`evaluation.selectors.summary`, the same function as the API's `evaluation-rounds/summary/`.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.accounts.models import User
from chibo.evaluation import selectors
from chibo.orgs.models import Organization


class Command(BaseCommand):
    help = "Ratings: `evaluation summary --under CODE --year YEAR --of members|organizations|secretaries [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        summary = sub.add_parser("summary", help="The distribution of levels under a node in a year's round.")
        summary.add_argument("--under", metavar="CODE", required=True, help="Organization code.")
        summary.add_argument("--year", type=int, required=True)
        summary.add_argument("--of", choices=list(selectors.OF), default="members")
        summary.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(code=options["under"]).first()
        if org is None:
            raise CommandError(f"No organization with code {options['under']!r}.")
        system = User(username="system", is_superuser=True, is_active=True)
        report = selectors.summary(user=system, org=org, year=options["year"], of=options["of"])
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        width = max(len(k) for k in report)
        for key, value in report.items():
            self.stdout.write(f"{key:<{width}}  {'' if value is None else value}")
