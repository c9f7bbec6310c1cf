"""`chibo report list [--json]`, `chibo report value INDICATOR [--under CODE] [--as-of D | --from D --to D]
[--json]` and `chibo report seeds [--json]`: the indicator registry, one figure, and the seed
figures computed from the records (the command line sees everything)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.reports.compute import BadQuestion, ask, compute
from chibo.reports.registry import all_indicators
from chibo.reports.seeds import seed_rows
from chibo.reports.serialize import indicator_dict


def system_actor() -> Any:
    return get_user_model()(username="chibo-cli", is_superuser=True, is_active=True)


class Command(BaseCommand):
    help = "Reports: the indicator registry (`list`), one figure (`value`), the seed figures (`seeds`)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        listing = sub.add_parser("list", help="Every registered indicator.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        value = sub.add_parser("value", help="One indicator for a node on a date or over a period.")
        value.add_argument("indicator")
        value.add_argument("--under", metavar="CODE")
        value.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD")
        value.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
        value.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
        value.add_argument("--json", action="store_true", help="Print JSON.")
        seeds = sub.add_parser(
            "seeds", help="Every seed figure next to the value computed from the records."
        )
        seeds.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "do_" + opts["sub"])(opts)

    def do_list(self, opts: dict[str, Any]) -> None:
        items = [indicator_dict(i) for i in all_indicators()]
        if opts["json"]:
            self.stdout.write(json.dumps(items, ensure_ascii=False, indent=2))
            return
        for i in items:
            self.stdout.write(f"{i['key']:34} {i['unit']:6} {i['kind']:7} {i['name']}")

    def do_value(self, opts: dict[str, Any]) -> None:
        try:
            ind, q = ask(
                user=system_actor(),
                indicator=opts["indicator"],
                under=opts.get("under"),
                as_of=opts.get("as_of"),
                start=opts.get("start"),
                end=opts.get("end"),
            )
        except BadQuestion as exc:
            raise CommandError(exc.message) from exc
        data = compute(ind, q).as_dict()
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{data['indicator']}: {data['value']}")

    def do_seeds(self, opts: dict[str, Any]) -> None:
        rows = seed_rows(user=system_actor())
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            computed = "—" if r["computed"] is None else r["computed"]
            extra = f" (waits for {r['waits_for']})" if r["waits_for"] else ""
            self.stdout.write(
                f"{r['status']:8} {r['seed']:11} {r['expected']!s:>7} {computed!s:>7}  {r['figure']}{extra}"
            )
