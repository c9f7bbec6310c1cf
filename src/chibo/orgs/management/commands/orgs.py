"""`chibo orgs count --under CODE --as-of YYYY-MM-DD [--json]`: organizations by kind, counted
from the records (the same numbers as the tree page and the reports)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from chibo.core.validtime import today
from chibo.orgs.kinds import GRASSROOTS_ORGANIZATION
from chibo.orgs.models import Organization, OrgKind
from chibo.orgs.selectors import org_counts, version_on_or_last


def system_actor() -> Any:
    """The command line sees everything: an unsaved, active superuser (never stored)."""
    return get_user_model()(username="chibo-cli", is_superuser=True, is_active=True)


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (expected YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "The organization tree from the command line: `orgs count` counts organizations by kind."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        count = sub.add_parser("count", help="Organizations under a node on a date, by kind.")
        count.add_argument("--under", metavar="CODE",
                           help="Code of the organization to count under (not counting itself); "
                                "default: the whole tree.")
        count.add_argument("--as-of", metavar="YYYY-MM-DD", dest="as_of",
                           help="The date (default: today).")
        count.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "count":
            self.count(opts)

    def count(self, opts: dict[str, Any]) -> None:
        on = parse_date(opts["as_of"]) if opts.get("as_of") is not None else today()
        code = opts.get("under")
        org = None
        if code is not None:
            org = Organization.objects.filter(code=code.strip()).first()
            if org is None:
                raise CommandError(f"No organization with code {code!r}.")
        counts = org_counts(user=system_actor(), org=org, on=on)
        if opts["json"]:
            self.stdout.write(json.dumps(
                {"under": org.code if org else None, "as_of": on.isoformat(), "counts": counts},
                ensure_ascii=False,
            ))
            return
        labels = {k.key: k.label for k in OrgKind.objects.all()}
        labels[GRASSROOTS_ORGANIZATION] = _("Grassroots party organizations (both kinds)")
        if org is not None:
            v, alive = version_on_or_last(org, on)
            title = f"{v.name if v else org.code} ({org.code})"
            if not alive:
                title += " — did not exist on that date"
        else:
            title = "the whole tree"
        self.stdout.write(f"Under {title}, as of {on.isoformat()}:")
        width = max(len(labels.get(k, k)) for k in counts)
        for key, n in counts.items():
            self.stdout.write(f"  {labels.get(key, key):<{width}}  {n:>7,}  {key}")
