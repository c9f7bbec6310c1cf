import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chibo.geo.selectors import geo_stats
from chibo.geo.services import geo_load


class Command(BaseCommand):
    help = "Vietnam's administrative units: `geo load` loads them, `geo stats` counts them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("load", help="Load both editions and their mapping (idempotent).")
        stats = sub.add_parser("stats", help="Counts per edition and level.")
        stats.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "load":
            result = geo_load(progress=lambda m: self.stderr.write(f"… {m}"))
            if result.changed:
                self.stdout.write(
                    f"created {result.created}, updated {result.updated}, "
                    f"mapping rows {result.successions_created}"
                )
            else:
                self.stdout.write("already up to date: nothing changed")
            self.stdout.write(json.dumps(geo_stats()))
        else:
            stats = geo_stats()
            if opts["json"]:
                self.stdout.write(json.dumps(stats))
            else:
                for edition, levels in stats.items():
                    self.stdout.write(
                        f"{edition}: " + ", ".join(f"{k} {v}" for k, v in levels.items())
                    )
