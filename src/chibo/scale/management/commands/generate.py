"""`chibo generate --scale nation|province|demo --seed N [--province CODE] [--no-check]`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.orgs.bulk import OrgBulkError
from chibo.scale.checks import in_party, run_checks
from chibo.scale.generate import CHECK_DATES, END, SCALES, generate


class Command(BaseCommand):
    help = "Generate a deterministic synthetic dataset on the real administrative units, then check it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--province", help="legacy province code for province and demo scales (default 22)")
        parser.add_argument("--no-check", action="store_true", help="skip the consistency checks")
        parser.add_argument("--check-only", action="store_true", help="only run the consistency checks")

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write
        expected = baseline = None
        if not options["check_only"]:
            baseline = {day: in_party(day) for day in CHECK_DATES}
            started = time.monotonic()
            try:
                result = generate(scale=options["scale"], seed=options["seed"], province=options["province"],
                                  say=say)
            except (OrgBulkError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            elapsed = time.monotonic() - started
            say(f"generated {result.orgs:,} organizations ({result.grassroots:,} grassroots, {result.cells:,} cells)"
                f" and {result.members:,} members in {elapsed:.1f} s ("
                + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()) + ")")
            expected = result.in_party
        if options["no_check"]:
            return
        started = time.monotonic()
        report = run_checks(dates=CHECK_DATES, tree_dates=(CHECK_DATES[3], END), expected_in_party=expected,
                            baseline=baseline)
        for line in report.lines():
            say(line)
        say(f"checks {'passed' if report.ok else 'FAILED'} in {time.monotonic() - started:.1f} s")
        if not report.ok:
            raise CommandError("consistency checks failed")
