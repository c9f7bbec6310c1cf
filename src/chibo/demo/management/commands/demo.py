"""`chibo demo`: build the demo data (once), print the sign-ins, serve on 127.0.0.1:8000.

The steps, in order, each skipped when it is already done (a second run changes nothing):

1. the organization tree of each province up to 2025-06-30 (`chibo.demo.orgs.build_demo`);
2. its members (`chibo.demo.members.build_members`);
3. the 2025 reform of each current province that the demo provinces form, through the
   restructuring feature (`plan_2025`, every divided commune confirmed as proposed, then
   `plan_apply`; skipped when the plan's key was applied), so the demo tree is today's tree and
   every earlier date still answers as before;
4. the demo sign-ins;
5. each capability's demo data (`chibo.demo.<capability>.build`, in the order of `STEPS`: the
   meetings, the cadres, …), each skipped when present. `--base-only` stops after step 4 (the
   tests' shared demo builds the capabilities' data in their own tests).

Tuyên Quang (08) and Hà Giang (02) were merged into one province by the reform: asking for either
builds both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chibo.demo import orgs as demo
from chibo.geo.models import AdminUnit, Edition

# The capabilities' demo steps, in order: a module of `chibo.demo` with `build(*, stdout)`,
# idempotent (a second run writes nothing). A new capability adds its line here.
STEPS: tuple[str, ...] = (
    "meetings",
    "cadres",
    "evaluation",
    "admission",
    "supervision",
)


@contextmanager
def _no_query_log() -> Iterator[None]:
    """With DEBUG on (the demo's settings) Django keeps every SQL statement it runs, formatted
    with its parameters: about a third of the build's time. Off while building."""
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug


class Command(BaseCommand):
    help = ("Build deterministic demo data (organizations, members, the 2025 reform) for the demo "
            "provinces (once), print the demo sign-ins and serve on 127.0.0.1:8000.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Build and print, but do not serve.")
        parser.add_argument("--base-only", action="store_true",
                            help="Build the tree, the members, the reform and the sign-ins only, not the "
                            "capabilities' data (" + ", ".join(STEPS) + ").")
        parser.add_argument("--seed", type=int, default=demo.SEED, help=f"Random seed (default {demo.SEED}).")
        parser.add_argument("--addrport", default="127.0.0.1:8000",
                            help="Where to serve (default 127.0.0.1:8000).")
        parser.add_argument("--province", action="append", choices=demo.PROVINCES, dest="provinces",
                            metavar="CODE", help="Build only this province (repeatable; default: "
                            + ", ".join(demo.PROVINCES) + "; 08 and 02 go together).")

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
        provinces = demo.with_reform_partners(opts["provinces"] or demo.PROVINCES)
        with _no_query_log():
            built = self.build_tree(provinces, opts["seed"])
            built |= self.build_members(provinces, opts["seed"])
            built |= self.apply_reform(provinces)
            logins = demo.ensure_demo_users()
            if not opts["base_only"]:
                built |= self.build_capabilities()
        if not built:
            self.stdout.write("demo data already present")
        self.say(f"… ready in {time.monotonic() - started:.0f} s")
        addrport = opts["addrport"]
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(f"Chibo demo is ready: http://{host}/")
        for i, login in enumerate(logins):
            lead = "Sign in as:  " if i == 0 else " " * 13
            self.stdout.write(f"{lead}{login.username} / {login.password}   ({login.label})")
        if not opts["no_serve"]:
            self.stdout.flush()
            self.serve(host)

    def serve(self, host: str) -> None:
        """Serve as production would: gunicorn with `chibo.settings.demo` (DEBUG off, WhiteNoise),
        on the same database; Ctrl-C stops it."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "chibo.settings.demo",
               "CHIBO_HOME": str(settings.PROJECT_DIR), "CHIBO_VAR_DIR": str(settings.VAR_DIR)}
        command = [sys.executable, "-m", "gunicorn", "chibo.wsgi:application", "--bind", host,
                   "--workers", "2", "--threads", "4", "--timeout", "120", "--access-logfile", "-"]
        try:
            subprocess.run(command, env=env, check=False)  # noqa: S603 (our own interpreter and arguments)
        except KeyboardInterrupt:
            pass

    # the steps: each returns whether it wrote anything
    def build_capabilities(self) -> bool:
        from importlib import import_module

        from chibo.core.models import AuditEvent

        before = AuditEvent.objects.count()
        for step in STEPS:
            t0 = time.monotonic()
            module = import_module(f"chibo.demo.{step}")
            try:
                module.build(stdout=self.stderr)
            except Exception as exc:  # each step is one transaction: nothing half-written
                raise CommandError(f"Building the demo {step} failed: {exc}") from exc
            self.say(f"… {step}: {time.monotonic() - t0:.0f} s")
        return AuditEvent.objects.count() != before

    def build_tree(self, provinces: list[str], seed: int) -> bool:
        try:
            result = demo.build_demo(provinces=provinces, seed=seed, say=self.say)
        except Exception as exc:  # the build is one transaction per province: nothing half-written
            raise CommandError(f"Building the demo organizations failed: {exc}") from exc
        if result.built:
            self.say(f"… built {', '.join(demo.PROVINCE_NAMES[p] for p in result.built)}: "
                     f"{result.organizations:,} organizations, {result.changes} changes "
                     f"in {result.seconds:.0f} s")
        if result.present:
            self.say("… organizations already present for "
                     + ", ".join(demo.PROVINCE_NAMES[p] for p in result.present))
        return bool(result.built)

    def build_members(self, provinces: list[str], seed: int) -> bool:
        from chibo.demo.members import build_members

        try:
            result = build_members(provinces=provinces, seed=seed, progress=self.say)
        except Exception as exc:  # one transaction per province
            raise CommandError(f"Building the demo members failed: {exc}") from exc
        if result["built"]:
            self.say(f"… members of {', '.join(demo.PROVINCE_NAMES[p] for p in result['built'])}: "
                     f"{sum(result['members'].values()):,} in {result['seconds']:.0f} s")
        if result["present"]:
            self.say("… members already present for "
                     + ", ".join(demo.PROVINCE_NAMES[p] for p in result["present"]))
        return bool(result["built"])

    def apply_reform(self, provinces: list[str]) -> bool:
        """The 2025 reform of every current province the demo provinces belong to, once each."""
        from chibo.restructuring.models import AppliedPlan
        from chibo.restructuring.plan2025 import Plan2025Error, plan_2025, plan_2025_key
        from chibo.restructuring.plans import plan_parse
        from chibo.restructuring.services import PlanRefused, plan_apply

        applied = False
        seen: set[str] = set()
        for province in provinces:
            try:
                key = plan_2025_key(province=province)
            except Plan2025Error as exc:
                raise CommandError(f"The 2025 reform of {province}: {exc}") from exc
            if key in seen:
                continue
            seen.add(key)
            if AppliedPlan.objects.filter(key=key).exists():
                self.say(f"… reform 2025: {key} already applied")
                continue
            t0 = time.monotonic()
            try:
                plan = plan_2025(province=province)
                self.say(f"… reform 2025: {plan.province_name} ({key}, from "
                         f"{', '.join(demo.PROVINCE_NAMES.get(p, p) for p in plan.legacy_provinces)}): "
                         f"{len(plan.data['events']):,} events, {len(plan.flagged)} divided communes "
                         "confirmed as proposed; applying")
                impact = plan_apply(actor=None, plan=plan_parse(plan.confirmed_text()))
            except Plan2025Error as exc:
                raise CommandError(f"The 2025 reform of {province}: {exc}") from exc
            except PlanRefused as exc:
                raise CommandError(f"The 2025 reform of {province} was refused; nothing was written:\n  "
                                   + "\n  ".join(i.message for i in exc.issues)) from exc
            summary = impact.summary()
            self.say(f"… reform 2025: {key} applied in {time.monotonic() - t0:.0f} s: "
                     f"{sum(summary['created'].values()):,} organizations created, "
                     f"{sum(summary['closed'].values()):,} closed, {sum(summary['moved'].values()):,} moved, "
                     f"{summary['members_moved']:,} members moved, "
                     f"{impact.members_carried:,} staying in cells that moved")
            applied = True
        return applied
