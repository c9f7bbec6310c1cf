"""`chibo demo`: build the demo data (once), print the sign-ins, serve on 127.0.0.1:8000."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chibo.geo.models import AdminUnit, Edition
from chibo.orgs import demo


class Command(BaseCommand):
    help = ("Build deterministic demo data for four provinces (once), print the demo sign-ins "
            "and serve on 127.0.0.1:8000.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Build and print, but do not serve.")
        parser.add_argument("--seed", type=int, default=demo.SEED, help=f"Random seed (default {demo.SEED}).")
        parser.add_argument("--addrport", default="127.0.0.1:8000",
                            help="Where to serve (default 127.0.0.1:8000).")
        parser.add_argument("--province", action="append", choices=demo.PROVINCES, dest="provinces",
                            metavar="CODE", help="Build only this province (repeatable; default: "
                            + ", ".join(demo.PROVINCES) + ").")

    def say(self, msg: str) -> None:
        self.stderr.write(msg)
        self.stderr.flush()

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.say("… applying migrations")
            call_command("migrate", interactive=False, verbosity=0)
        if not AdminUnit.objects.filter(edition=Edition.LEGACY).exists():
            from chibo.geo.services import geo_load

            self.say("… loading the administrative units")
            geo_load(progress=lambda m: self.say(f"… administrative units: {m}"))
        try:
            result = demo.build_demo(provinces=opts["provinces"] or demo.PROVINCES, seed=opts["seed"],
                                     say=self.say)
        except Exception as exc:  # the build is one transaction per province: nothing half-written
            raise CommandError(f"Building the demo data failed: {exc}") from exc
        if not result.built:
            self.stdout.write("demo data already present")
        else:
            self.say(f"… built {', '.join(demo.PROVINCE_NAMES[p] for p in result.built)}: "
                     f"{result.organizations:,} organizations, {result.changes} changes "
                     f"in {result.seconds:.0f} s")
            if result.present:
                self.stdout.write("demo data already present for "
                                  + ", ".join(demo.PROVINCE_NAMES[p] for p in result.present))
        logins = demo.ensure_demo_users()
        self.say(f"… ready in {time.monotonic() - started:.0f} s")
        addrport = opts["addrport"]
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(f"Chibo demo is ready: http://{host}/")
        for i, login in enumerate(logins):
            lead = "Sign in as:  " if i == 0 else " " * 13
            self.stdout.write(f"{lead}{login.username} / {login.password}   ({login.label})")
        if not opts["no_serve"]:
            self.stdout.flush()
            call_command("runserver", addrport, use_reloader=False)
