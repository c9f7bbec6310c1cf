"""`chibo members_export --under CODE [--as-of DATE] [--format csv|xlsx] --out FILE
[--columns full_name,gender,...] [--as USERNAME]`: the members under an organization, streamed
to a file with the same safety as the web export (formula neutralising, masking by role), and
recorded in the read log and audit trail. Without `--as`, the operator's system scope applies."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from chibo.members import exporting
from chibo.orgs.models import Organization


def _system_user() -> Any:
    """An unsaved superuser: the whole system's scope, for the operator."""
    return get_user_model()(username="system", is_superuser=True, is_active=True)


class Command(BaseCommand):
    help = "Export the members under an organization to CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--under", required=True, help="Organization code")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", default="csv", choices=exporting.FORMATS)
        parser.add_argument("--out", required=True, help="Output file")
        parser.add_argument("--columns", nargs="*", help="Column keys (default: all): "
                            + ", ".join(exporting.DEFAULT_COLUMNS))
        parser.add_argument("--as", dest="username", help="Export as this user (their scope and masking apply).")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options["as_of"]:
            try:
                on = dt.date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(f"--as-of: {options['as_of']!r} is not a date (YYYY-MM-DD)") from exc
        actor = None
        user = _system_user()
        if options["username"]:
            try:
                user = actor = get_user_model().objects.get(username=options["username"], is_active=True)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no active user {options['username']!r}") from exc
        with translation.override(options["language"]):
            try:
                export = exporting.members_export_prepare(
                    user=user, actor=actor, code=options["under"], on=on, columns=options["columns"],
                    fmt=options["format"])
            except Organization.DoesNotExist as exc:
                raise CommandError(f"no organization {options['under']!r} in scope") from exc
            except exporting.ExportError as exc:
                raise CommandError(f"unknown column or format: {exc}") from exc
            out = options["out"]
            if export.fmt == exporting.CSV_FORMAT:
                with open(out, "wb") as fh:
                    exporting.write_csv(export, fh)
            else:
                path, _count = exporting.xlsx_tempfile(export)
                try:
                    shutil.move(path, out)
                finally:
                    if os.path.exists(path):
                        os.unlink(path)
        self.stderr.write(f"{out}: written ({'with' if export.sensitive else 'without'} sensitive columns)")
