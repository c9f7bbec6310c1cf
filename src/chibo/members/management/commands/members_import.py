"""`chibo members_import FILE [--dry-run] [--as USERNAME] [--language vi]`: import members
from an XLSX or CSV file, all or nothing, and print the summary and every error (row, column,
reason). With `--as`, the user's scope applies (rows in cells they may not change are errors)
and the audit trail names them; without it, the operator imports with the whole system's scope.
Exits with status 1 when the file has errors."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from chibo.members import importing


class Command(BaseCommand):
    help = "Import members from an XLSX or CSV file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; save nothing.")
        parser.add_argument("--ignore-unknown-columns", action="store_true",
                            help="Import even when some columns are not columns of the import (their data is lost).")
        parser.add_argument("--as", dest="username", help="Import as this user (their scope applies).")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        user = None
        if options["username"]:
            try:
                user = get_user_model().objects.get(username=options["username"], is_active=True)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no active user {options['username']!r}") from exc
        with translation.override(options["language"]), tempfile.TemporaryDirectory() as tmp:
            # Work on a private copy: the checks and the import read the same bytes.
            path = Path(tmp) / "upload.bin"
            shutil.copyfile(source, path)
            try:
                kind = importing.check_upload(path)
                result = importing.members_import(
                    actor=user, user=user, path=path, kind=kind, dry_run=options["dry_run"],
                    source=f"command line: {importing.safe_filename(source.name)}",
                    ignore_unknown=options["ignore_unknown_columns"],
                )
            except importing.UploadRejected as exc:
                raise CommandError(exc.message) from exc
            self._report(result)
            if not result.ok:
                raise CommandError(_("Nothing was imported: the file has errors."))

    def _report(self, result: importing.ImportResult) -> None:
        out = self.stdout
        out.write(_("Rows read: %(n)d") % {"n": result.total_rows})
        for heading, label in result.read_columns:
            out.write(_("Column “%(heading)s” read as: %(column)s") % {"heading": heading, "column": label})
        for heading in result.columns_ignored:
            out.write(_("Column ignored: %(heading)s") % {"heading": heading})
        if result.ok:
            out.write(_("New members: %(n)d") % {"n": result.new})
        else:
            out.write(_("Rows without errors: %(n)d (nothing is imported while any row has errors)") % {"n": result.new})
        out.write(_("Unchanged (already registered): %(n)d") % {"n": result.unchanged})
        out.write(_("Rows with errors: %(n)d") % {"n": result.error_rows})
        if result.encoding not in ("unicode",):
            out.write(_("Text encoding: %(name)s") % {"name": result.encoding_label})
        if result.show_kinds:
            out.write(_("Kinds of error:"))
            for kind in result.error_kinds:
                out.write(_("%(count)d × %(column)s: %(message)s (first in row %(row)d)") % {
                    "count": kind.count, "column": kind.column_label or "—", "message": kind.message, "row": kind.row})
        for p in result.problems:
            out.write(_("Row %(row)d, %(column)s: %(message)s")
                      % {"row": p.row, "column": p.column_label or "—", "message": p.message})
        if result.more_problems:
            out.write(_("… and %(n)d more errors") % {"n": result.more_problems})
        if result.committed and not result.dry_run:
            out.write(self.style.SUCCESS(_("Imported %(n)d members.") % {"n": result.created}))
        elif result.dry_run:
            out.write(_("Dry run: nothing was saved."))
