"""`chibo meetings quality`: the quality of meetings under a unit over a period;
`chibo meetings summarize`: rebuild the monthly summary the report reads (`meetings.summary`),
after meetings were loaded in bulk or the site's time zone changed.

    chibo meetings quality --under CODE --from D1 --to D2 [--json]
    chibo meetings summarize

Keys: `due`, `held`, `met_criteria`, `attendance_rate` (percent), `tasks_done_on_time`,
`tasks_overdue` (and `missed`). The command sees everything (a system user); the numbers come
from `meetings.quality.meeting_quality`, as the page and the API's `meetings/quality/`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.accounts.models import User
from chibo.meetings import quality, summary
from chibo.orgs.models import Organization


def _date(raw: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"{option}: {raw!r} is not a date (use YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Meeting quality: `meetings quality --under CODE --from D1 --to D2 [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        q = sub.add_parser("quality", help="Meetings due and held, criteria met, attendance, tasks.")
        q.add_argument("--under", metavar="CODE", required=True, help="Organization code.")
        q.add_argument("--from", dest="start", metavar="DATE", required=True, help="YYYY-MM-DD")
        q.add_argument("--to", dest="end", metavar="DATE", required=True, help="YYYY-MM-DD")
        q.add_argument("--json", action="store_true", help="Print JSON.")
        q.add_argument("--units", action="store_true", help="Also the figures of each unit below.")
        sub.add_parser("summarize", help="Rebuild the monthly summary of held meetings from the meetings.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "summarize":
            rows = summary.summarize()
            self.stdout.write(f"meetings summarized: {rows} organization-months")
            return
        start, end = _date(options["start"], "--from"), _date(options["end"], "--to")
        if end < start:
            raise CommandError("--to is before --from.")
        try:
            org = Organization.objects.get(code=options["under"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with code {options['under']!r}.") from exc
        user = User(username="system", is_superuser=True, is_active=True)
        report = quality.meeting_quality(user=user, org=org, start=start, end=end)
        out: dict[str, Any] = {"under": org.code, "from": start.isoformat(), "to": end.isoformat(),
                               **report.total.as_dict()}
        if options["units"]:
            out["units"] = [{"code": u.code, "name": u.name, **u.figures.as_dict()} for u in report.rows]
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        for key, value in out.items():
            if key != "units":
                self.stdout.write(f"{key}: {value}")
        for u in out.get("units", []):
            self.stdout.write(f"  {u['code']} {u['name']}: held {u['held']}/{u['due']}, met {u['met_criteria']}")
