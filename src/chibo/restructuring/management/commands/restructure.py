"""`chibo restructure …`: restructuring plans from the command line.

    chibo restructure check PLAN.yaml [--json]        validate, print the impact, write nothing
    chibo restructure apply PLAN.yaml [--as USER]     apply all of it or nothing (once per key)
    chibo restructure plan-2025 --province CODE [--out FILE] [--code-format F]
    chibo restructure where --province CODE [--from D1] [--to D2] [--json] [--members]

PLAN may be `-` for standard input. `check` and `apply` exit with a non-zero status when the plan
is refused; the reasons are printed. The command line sees everything (it is run by an operator
on the server); `apply` records the user given with `--as`, else no user.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.restructuring import plan2025, selectors
from chibo.restructuring.plans import PlanError, plan_parse
from chibo.restructuring.services import Impact, PlanRefused, plan_apply, plan_check


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (expected YYYY-MM-DD): {value!r}") from None


def _cli_user() -> Any:
    """Reads: an unsaved, active superuser (never stored)."""
    return get_user_model()(username="chibo-cli", is_superuser=True, is_active=True)


class Command(BaseCommand):
    help = "Restructuring plans: check, apply, generate the 2025 reform, and where members went."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        check = sub.add_parser("check", help="Validate a plan and print its impact; writes nothing.")
        check.add_argument("plan", help="The plan (YAML); - for standard input.")
        check.add_argument("--json", action="store_true", help="Print the impact as JSON.")
        check.add_argument("--verbose", action="store_true", help="List every change.")
        apply = sub.add_parser("apply", help="Apply a plan: all of it or nothing, once per key.")
        apply.add_argument("plan", help="The plan (YAML); - for standard input.")
        apply.add_argument("--as", dest="as_user", metavar="USERNAME", help="Record this user as the actor.")
        apply.add_argument("--json", action="store_true", help="Print the impact as JSON.")
        gen = sub.add_parser(
            "plan-2025",
            help="Write the plan of the 2025 reform for a province (for a province merged in the reform, "
                 "either legacy code gives the plan of the whole merged province, with the same key).",
        )
        gen.add_argument("--province", required=True, metavar="CODE", help="Legacy province code, e.g. 22.")
        gen.add_argument("--out", metavar="FILE", help="Write the plan here (default: standard output).")
        gen.add_argument("--code-format", default=plan2025.DEFAULT_CODE_FORMAT,
                         help="Codes of the new committees (default %(default)s).")
        where = sub.add_parser("where", help="Where the members of a province's old units went.")
        where.add_argument("--province", required=True, metavar="CODE")
        where.add_argument("--from", dest="start", default=selectors.DEFAULT_FROM.isoformat(), metavar="YYYY-MM-DD")
        where.add_argument("--to", dest="end", default=selectors.DEFAULT_TO.isoformat(), metavar="YYYY-MM-DD")
        where.add_argument("--json", action="store_true", help="Print JSON (every old cell).")
        where.add_argument("--members", action="store_true", help="With --json: list every member.")

        dpia = sub.add_parser("dpia", help="Impact-assessment updates raised by applied plans (open ones; "
                                           "--done KEY --note TEXT records one as done).")
        dpia.add_argument("--done", metavar="PLAN_KEY", help="Record the update for this plan as done.")
        dpia.add_argument("--note", default="", help="What was updated (the dossier's reference).")
        dpia.add_argument("--as", dest="as_user", metavar="USERNAME", help="Record this user as the actor.")
        dpia.add_argument("--all", action="store_true", help="List done ones too.")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "do_" + opts["sub"].replace("-", "_"))(opts)

    # plans
    def _read(self, name: str) -> Any:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the plan {name!r}: {exc}") from None
        try:
            return plan_parse(text)
        except PlanError as exc:
            raise CommandError("The plan is refused:\n  " + "\n  ".join(exc.errors)) from None

    def do_check(self, opts: dict[str, Any]) -> None:
        plan = self._read(opts["plan"])
        started = time.monotonic()
        impact = plan_check(actor=None, plan=plan)
        seconds = time.monotonic() - started
        if opts["json"]:
            self.stdout.write(json.dumps(impact.as_dict(), ensure_ascii=False, default=str, indent=1))
        else:
            self._print(impact, verbose=opts["verbose"])
            self.stdout.write(f"Checked in {seconds:.1f} s; nothing was written.")
        if not impact.ok:
            raise CommandError("The plan is refused:\n  " + "\n  ".join(i.message for i in impact.issues))

    def _actor(self, username: str | None) -> Any:
        if not username:
            return None
        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"No user {username!r}.")
        return actor

    def do_apply(self, opts: dict[str, Any]) -> None:
        plan = self._read(opts["plan"])
        actor = self._actor(opts.get("as_user"))
        started = time.monotonic()
        try:
            impact = plan_apply(actor=actor, plan=plan)
        except PlanRefused as exc:
            raise CommandError("The plan is refused; nothing was written:\n  "
                               + "\n  ".join(i.message for i in exc.issues)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(impact.as_dict(), ensure_ascii=False, default=str, indent=1))
        else:
            self._print(impact, verbose=False)
            self.stdout.write(f"Applied “{plan.key}” in {time.monotonic() - started:.1f} s.")

    def _print(self, impact: Impact, verbose: bool) -> None:
        w = self.stdout.write
        w(f"Plan {impact.key}" + (f" — {impact.title}" if impact.title else ""))
        w(f"  {len(impact.events)} events run; the tree on {impact.before} compared with {impact.after}")

        def by_kind(label: str, kinds: Counter[str]) -> None:
            total = sum(kinds.values())
            detail = ", ".join(f"{k} {n:,}" for k, n in kinds.most_common())
            w(f"  {label:<14}{total:>7,}" + (f"   ({detail})" if detail else ""))

        by_kind("created", Counter(o.kind for o in impact.created))
        by_kind("closed", Counter(o.kind for o in impact.closed))
        by_kind("moved", Counter(c.kind_after for c in impact.moved))
        by_kind("reclassified", Counter(f"{c.kind_before} → {c.kind_after}" for c in impact.reclassified))
        by_kind("renamed", Counter("renamed" for _c in impact.renamed))
        moved = sum(m.moved for m in impact.member_moves)
        w(f"  members moved out of cells that stop existing: {moved:,}")
        for code, n in impact.members_by_destination()[: None if verbose else 15]:
            w(f"      → {code}: {n:,}")
        w(f"  members staying in cells that move: {impact.members_carried:,}")
        w("  open work: "
          f"{sum(m.transfers_redirected for m in impact.member_moves):,} transfers redirected, "
          f"{sum(m.temporary_ended for m in impact.member_moves):,} temporary activities ended, "
          f"{impact.transfers_from_closed:,} transfers under way out of closing cells (kept)")
        if impact.unconfirmed:
            w(f"  {len(impact.unconfirmed)} events to confirm (divided communes):")
            for index, what, candidates in impact.unconfirmed:
                w(f"      event {index}: {what}   candidates: {', '.join(candidates)}")
        if verbose:
            for o in impact.created:
                w(f"  + {o.code} {o.name} ({o.kind}) under {o.parent}")
            for o in impact.closed:
                w(f"  - {o.code} {o.name} ({o.kind})")
            for c in impact.changed:
                w(f"  ~ {c.code} {c.name}: {c.parent_before} → {c.parent_after}, {c.kind_before} → {c.kind_after}")
        w("  OK: the plan can be applied." if impact.ok else "  REFUSED.")

    # the 2025 reform
    def do_plan_2025(self, opts: dict[str, Any]) -> None:
        try:
            result = plan2025.plan_2025(province=opts["province"].strip(), code_format=opts["code_format"])
        except plan2025.Plan2025Error as exc:
            raise CommandError(str(exc)) from None
        except (KeyError, IndexError, ValueError) as exc:
            raise CommandError(f"Bad --code-format: {exc}") from None
        if opts.get("out"):
            Path(opts["out"]).write_text(result.text, encoding="utf-8")
        else:
            self.stdout.write(result.text)
        say = self.stderr.write
        say(f"{result.province_name} (current code {result.province}), key {result.key}; legacy provinces: "
            f"{', '.join(result.legacy_provinces)}; {len(result.data['events']):,} events")
        for name, n in result.counts.items():
            say(f"  {name.replace('_', ' ')}: {n:,}")
        say(f"  divided communes flagged for confirmation: {len(result.flagged)}")
        for f in result.flagged:
            say(f"      {f.org} {f.name} → {f.proposed} (candidates: {', '.join(f.candidates)})")
        for warning in result.warnings:
            say(f"  warning: {warning}")

    # reports
    def do_where(self, opts: dict[str, Any]) -> None:
        start, end = _date(opts["start"]), _date(opts["end"])
        if end <= start:
            raise CommandError("--to must be after --from.")
        from chibo.orgs.models import Organization

        try:
            report = selectors.where_did_they_go(user=_cli_user(), province=opts["province"].strip(), start=start,
                                                 end=end, members=opts["members"])
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with code {opts['province']!r}.") from None
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(members=opts["members"]), ensure_ascii=False, indent=1))
            return
        w = self.stdout.write
        w(f"Where the members of {', '.join(u.code for u in report.provinces_before)} went, {start} → {end}"
          + (f" (after: {report.province_after.code} {report.province_after.name})" if report.province_after else ""))
        for g in report.groups():
            label = f"{g.grassroots.code} {g.grassroots.name}" if g.grassroots else "(no grassroots organization)"
            dest = "; ".join(f"{(gr.code if gr else '?')}: {n}" for gr, _up, n in g.destinations()[:4])
            w(f"  {label}: {g.before} → {dest}"
              + (f"; moved out {g.moved_out}" if g.moved_out else "") + (f"; left {g.left}" if g.left else ""))
        w(f"Members before: {report.before:,} = stayed {report.stayed:,} + moved out {report.moved_out:,} "
          f"+ left {report.left:,} (left the party {report.left_party:,}, in transfer {report.in_transfer:,}, "
          f"no cell {report.no_cell:,}); balance {report.balance}")
        w(f"Members after: {report.after:,} = stayed {report.stayed:,} + joined {report.joined:,}; "
          f"balance {report.balance_after}")
        if report.in_two_cells_before or report.in_two_cells_after:
            w(f"WARNING: members in two cells at once: {report.in_two_cells_before} before, "
              f"{report.in_two_cells_after} after")

    # impact assessments

    def do_dpia(self, opts: dict[str, Any]) -> None:
        from chibo.restructuring.dpia import dpia_task_complete
        from chibo.restructuring.models import DpiaTask

        if opts["done"]:
            task = DpiaTask.objects.select_related("plan").filter(plan__key=opts["done"]).first()
            if task is None:
                raise CommandError(f"no impact-assessment task for a plan with key {opts['done']!r}")
            actor = self._actor(opts.get("as_user"))
            try:
                dpia_task_complete(actor=actor, task=task, note=opts["note"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            self.stdout.write(f"recorded: {task.plan.key}")
            return
        tasks = DpiaTask.objects.select_related("plan").order_by("due_on", "id")
        if not opts["all"]:
            tasks = tasks.filter(done_at__isnull=True)
        rows = list(tasks)
        if not rows:
            self.stdout.write("no impact-assessment update is open" if not opts["all"] else "none")
        for t in rows:
            state = f"done {t.done_at:%Y-%m-%d} ({t.note})" if t.done_at else "OPEN"
            self.stdout.write(f"{t.plan.key}\tdue {t.due_on.isoformat()}\t{state}")
