"""`chibo members count`: members under a node on a date, admissions or departures in a period.

    chibo members count --under CODE --as-of DATE --by FIELD --json
    chibo members count --under CODE --admitted-from D1 --admitted-to D2 [--by sector] --json
    chibo members count --under CODE --left-from D1 --left-to D2 --json

The command sees everything (a system user) unless `--as USERNAME` is given: then that user's
scope applies, and a count by a sensitive field (ethnicity, religion) needs their permission to
see sensitive member data over the organization counted, as in the API. The numbers come from
the same functions as the API's `members/counts/`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.accounts.models import User
from chibo.core.validtime import today
from chibo.members.api import reading
from chibo.members.sensitive import SensitiveFieldDenied, require_sensitive
from chibo.orgs import selectors as org_selectors
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


def _period(start: dt.date | None, end: dt.date | None, name: str) -> tuple[dt.date, dt.date]:
    if start is None or end is None:
        raise CommandError(f"Give both --{name}-from and --{name}-to.")
    if end < start:
        raise CommandError(f"--{name}-to is before --{name}-from.")
    return start, end


class Command(BaseCommand):
    help = "Member counts: `members count --under CODE --as-of DATE --by FIELD [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        count = sub.add_parser(
            "count",
            help=("Members under an organization on a date by a field; with --admitted-from/--admitted-to, "
                  "admissions in a period; with --left-from/--left-to, members who left in a period."),
        )
        count.add_argument("--under", metavar="CODE", help="Organization code (default: the whole system).")
        count.add_argument("--as-of", dest="as_of", metavar="DATE", help="YYYY-MM-DD (default today).")
        count.add_argument("--by", metavar="FIELD",
                           help=f"One of {', '.join(reading.COUNT_FIELDS)} (default status; sector for admissions).")
        count.add_argument("--admitted-from", dest="admitted_from", metavar="DATE")
        count.add_argument("--admitted-to", dest="admitted_to", metavar="DATE")
        count.add_argument("--left-from", dest="left_from", metavar="DATE")
        count.add_argument("--left-to", dest="left_to", metavar="DATE")
        count.add_argument("--as", dest="username", metavar="USERNAME",
                           help="Count as this user (their scope and permissions apply).")
        count.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = _system_user()
        if opts.get("username"):
            try:
                user = User.objects.get(username=opts["username"], is_active=True)
            except User.DoesNotExist as exc:
                raise CommandError(f"No active user {opts['username']!r}.") from exc
        org = self._org(user, opts["under"])
        as_of = _date(opts["as_of"], "--as-of")
        try:
            require_sensitive(user, [opts["by"] or ""], org=org, on=as_of)
        except SensitiveFieldDenied as exc:
            raise CommandError(exc.user_message) from exc
        admitted = (_date(opts["admitted_from"], "--admitted-from"), _date(opts["admitted_to"], "--admitted-to"))
        left = (_date(opts["left_from"], "--left-from"), _date(opts["left_to"], "--left-to"))
        by: str | None = opts["by"]
        has_admitted, has_left = any(d is not None for d in admitted), any(d is not None for d in left)
        if has_admitted and has_left:
            raise CommandError("Count admissions or departures, not both at once.")
        if (has_admitted or has_left) and as_of is not None:
            raise CommandError("--as-of counts members on a date; periods take --*-from and --*-to.")
        if has_admitted:
            start, end = _period(*admitted, name="admitted")
            by = by or "sector"
            if by not in reading.ADMISSION_FIELDS:
                raise CommandError(f"Admissions are counted by one of: {', '.join(reading.ADMISSION_FIELDS)}.")
            report = reading.admissions_count(user=user, org=org, start=start, end=end, by=by)
        elif has_left:
            start, end = _period(*left, name="left")
            if by is not None:
                raise CommandError("Departures are counted by how members left; --by does not apply.")
            report = reading.departures_count(user=user, org=org, start=start, end=end)
        else:
            by = by or "status"
            if by not in reading.COUNT_FIELDS:
                raise CommandError(f"--by must be one of: {', '.join(reading.COUNT_FIELDS)}.")
            report = reading.members_count(user=user, org=org, on=as_of or today(), by=by)
        self._print(report, as_json=opts["json"])

    def _org(self, user: User, code: str | None) -> Organization | None:
        if code is None:
            return None
        try:
            return org_selectors.org_get(user=user, code=code)
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization has the code {code!r} (in scope).") from exc

    def _print(self, report: dict[str, Any], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        for key, value in report.items():
            if key not in ("counts", "total"):
                self.stdout.write(f"{key}: {value if value is not None else '-'}")
        width = max([len(k) for k in report["counts"]] + [5])
        for key, n in report["counts"].items():
            self.stdout.write(f"  {key:<{width}}  {n:>8}")
        self.stdout.write(f"  {'total':<{width}}  {report['total']:>8}")
