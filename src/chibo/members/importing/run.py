"""The import itself: one streaming pass that validates and reports, then (all or nothing) the
commit."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import time
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.paths import SEGMENT_WIDTH
from chibo.core.scoping import OutOfScopeWrite, recheck_in_scope
from chibo.core.text import fold
from chibo.core.vnencoding import UNKNOWN_LEGACY, TextFixer
from chibo.orgs.models import Organization, OrgVersion

from ..bulk import BulkError, MemberRecord, RowError, _Cells, _plan, members_bulk_create
from ..choices import Status
from ..models import Member
from .columns import BATCH, COLUMN_BY_KEY, COLUMNS, ImportResult, Problem, UploadRejected, max_rows
from .files import Table, read_table
from .rows import ParsedRow, RowParser

log = logging.getLogger(__name__)

# --- the import ---------------------------------------------------------------------------------

Progress = Callable[[str, int, int | None], None]
DETECTION_ROWS = 5000
COMMIT_BATCH = 5000  # records written per `members_bulk_create` call, all in one transaction
HEADER_SEARCH_ROWS = 10  # the column names may sit below a title
# RowError.field of the bulk path -> column key
_BULK_FIELDS = {"events": "ceremony_date", "moves": "cell", "cell": "cell"}


class SeenNumbers:
    """The identifiers seen so far in a file and the row of each: an open-addressing table of
    64-bit hashes in two arrays (12 bytes a slot, a tenth of a dict's memory), so that the check
    for numbers repeated in the file stays flat in memory."""

    def __init__(self, size: int = 1 << 12) -> None:
        self._size = size
        self._count = 0
        self._keys = array("q", bytes(8 * size))
        self._rows = array("i", bytes(4 * size))

    def first(self, value: str, row: int) -> int | None:
        """The row where `value` was seen first, or None (and it is recorded as seen in `row`)."""
        h = hash(value) or 1
        mask = self._size - 1
        i = h & mask
        keys = self._keys
        while True:
            k = keys[i]
            if k == 0:
                keys[i] = h
                self._rows[i] = row
                self._count += 1
                if self._count * 2 > self._size:
                    self._grow()
                return None
            if k == h:
                return self._rows[i]
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = [(k, r) for k, r in zip(self._keys, self._rows, strict=True) if k]
        self._size *= 2
        self._keys = array("q", bytes(8 * self._size))
        self._rows = array("i", bytes(4 * self._size))
        mask = self._size - 1
        for k, r in old:
            i = k & mask
            while self._keys[i]:
                i = (i + 1) & mask
            self._keys[i] = k
            self._rows[i] = r


def _bulk_column(name: str) -> str:
    return _BULK_FIELDS.get(name, name if name in COLUMN_BY_KEY else "")


def _detect(rows: Iterator[tuple[int, list[Any]]]) -> tuple[TextFixer, Iterator[tuple[int, list[Any]]]]:
    """The text encoding, decided from the first `DETECTION_ROWS` rows, and the rows again from
    the first (those rows are kept in memory, so the file is read once)."""
    head = list(itertools.islice(rows, DETECTION_ROWS))
    texts = [v for _number, values in head for v in values if isinstance(v, str) and not v.isascii()]
    return TextFixer.detect(texts), itertools.chain(head, rows)


def _common_path(paths: set[str]) -> str:
    if not paths:
        return ""
    prefix = os.path.commonprefix(sorted(paths))
    return prefix[: len(prefix) - len(prefix) % SEGMENT_WIDTH]


def _person(name: str, birth: dt.date | None) -> str:
    return f"{name} ({birth.strftime('%d/%m/%Y')})" if birth else name


def _match_existing(user: Any, batch: list[ParsedRow], result: ImportResult) -> list[ParsedRow]:
    """Rows whose card or identity number is registered already: unchanged when it is the same
    person (same name and date of birth) in the user's scope; an error naming both people when
    the number belongs to someone else, and an error when the member is outside the user's scope
    (whose name is not shown). Returns the rows still to create."""
    remaining = _match_registered(user, batch, result)
    for row in remaining:
        if row.status_for_existing_only:
            result.add(Problem(row.row, "status", _(
                "A new member is registered on probation or as official; record “%(status)s” on the member's "
                "page after the import.") % {"status": Status(row.status_for_existing_only).label}))
            result.error_rows += 1
    return [r for r in remaining if not r.status_for_existing_only]


def _match_registered(user: Any, batch: list[ParsedRow], result: ImportResult) -> list[ParsedRow]:
    ids = [r.national_id for r in batch if r.national_id]
    cards = [r.card_number for r in batch if r.card_number]
    if not ids and not cards:
        return batch
    existing = list(
        Member.objects.filter(Q(national_id__in=ids) | Q(card_number__in=cards)).values_list(
            "pk", "national_id", "card_number", "full_name", "birth_date"
        )
    )
    if not existing:
        return batch
    by_id = {n: pk for pk, n, _c, _f, _b in existing if n}
    by_card = {c: pk for pk, _n, c, _f, _b in existing if c}
    people = {pk: (name, birth) for pk, _n, _c, name, birth in existing}
    visible_qs = Member.objects.all() if user is None else Member.objects.restrict(user, "member.view")
    visible = set(visible_qs.filter(pk__in=list(people)).values_list("pk", flat=True))
    remaining: list[ParsedRow] = []
    for row in batch:
        pk_id = by_id.get(row.national_id or "")
        pk_card = by_card.get(row.card_number or "")
        if pk_id is None and pk_card is None:
            remaining.append(row)
            continue
        column = "card_number" if pk_card is not None else "national_id"
        pk = pk_card if pk_card is not None else pk_id
        if pk_id is not None and pk_card is not None and pk_id != pk_card:
            result.add(Problem(row.row, "card_number",
                               _("The card number and the identity number belong to two different members.")))
            result.error_rows += 1
        elif pk in visible:
            name, birth = people[pk]  # type: ignore[index]
            person = row.record.person if row.record else None
            if person is None or (fold(name) == fold(person.full_name) and birth == person.birth_date):
                result.add_unchanged(row.row)
                continue
            values = {"other": _person(name, birth), "this": _person(person.full_name, person.birth_date)}
            message = (
                _("This card number belongs to %(other)s, registered already, not to %(this)s: check the number.")
                if column == "card_number"
                else _("This identity number belongs to %(other)s, registered already, not to %(this)s: "
                       "check the number.")
            ) % values
            result.add(Problem(row.row, column, message))
            result.error_rows += 1
        else:
            message = (
                _("This card number is already registered in another organization.")
                if column == "card_number"
                else _("This identity number is already registered in another organization.")
            )
            result.add(Problem(row.row, column, message))
            result.error_rows += 1
    return remaining


def members_import(
    *,
    actor: Any,
    user: Any,
    path: Path,
    kind: str,
    dry_run: bool,
    source: str = "",
    progress: Progress | None = None,
    ignore_unknown: bool = False,
) -> ImportResult:
    """Validate every row of the file and, unless `dry_run` or any row is wrong, create the new
    members, all or nothing. `user` is whose scope applies (None: the whole system, for the
    operator's command line); `actor` is recorded in the audit trail. A column whose heading
    names no column of the import refuses the file unless `ignore_unknown` (the user chose to
    ignore such columns; the result lists them).

    One pass over the rows: each row is checked once, errors are counted by kind, and the
    records to create are kept only while no error was found (a file with an error keeps
    nothing, so memory does not grow with its length)."""
    result = ImportResult(dry_run=dry_run)
    table = read_table(path, kind)
    parser: RowParser | None = None
    seen_ids = SeenNumbers()
    seen_cards = SeenNumbers()
    cell_ids: set[int] = set()
    batch: list[ParsedRow] = []
    limit = max_rows()
    last_report = 0.0

    def flush() -> None:
        nonlocal batch
        if not batch:
            return
        remaining = _match_existing(user, batch, result)
        cells = _Cells(
            {e.cell_id for r in remaining if r.record for e in r.record.events if e.cell_id}
        )
        for row in remaining:
            assert row.record is not None  # noqa: S101
            errors: list[RowError] = []
            _plan(
                0, row.record, cells, errors, parser.probation_months if parser else (lambda _d: 12)
            )
            if errors:
                result.error_rows += 1
                for e in errors:
                    result.add(Problem(row.row, _bulk_column(e.field), e.message))
                continue
            result.new += 1
            cell_ids.update(e.cell_id for e in row.record.events if e.cell_id)
        batch = []

    header: int | None = None
    best: tuple[int, list[Problem]] = (-1, [Problem(1, "", _("The file is empty."))])
    with table.rows() as file_rows:
        fixer, rows = _detect(file_rows)
        result.encoding = fixer.encoding
        if fixer.encoding == UNKNOWN_LEGACY:
            log.info("import: text looks legacy but matches neither TCVN3, VNI nor Windows-1258")
        parser = RowParser(user=user, fixer=fixer, epoch=table.epoch)
        for number, values in rows:
            blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
            if header is None:  # the column names: row 1, or below a title of a few rows
                if blank:
                    continue
                header_problems = parser.read_header(number, values)
                if not header_problems:
                    header = number
                    _columns(result, parser, number, ignore_unknown)
                elif parser.header_matches > best[0]:
                    best = (parser.header_matches, header_problems + _unknown_columns(parser, number))
                if header is None and number >= HEADER_SEARCH_ROWS:
                    break
                continue
            if blank:
                continue
            result.total_rows += 1
            if result.total_rows > limit:
                raise UploadRejected(
                    _("The file has more than %(n)d rows: split it.") % {"n": limit}, status=413
                )
            parsed = parser.parse(number, values)
            for key, value, seen in (
                ("national_id", parsed.national_id, seen_ids),
                ("card_number", parsed.card_number, seen_cards),
            ):
                if value and (first := seen.first(value, number)) is not None:
                    parsed.problems.append(Problem(number, key, _(
                        "Repeated in the file (first in row %(row)d).") % {"row": first}))
            if parsed.problems:
                result.error_rows += 1
                for p in parsed.problems:
                    result.add(p)
            else:
                batch.append(parsed)
                if len(batch) >= BATCH:
                    flush()
            if progress and time.monotonic() - last_report > 0.5:
                last_report = time.monotonic()
                progress("checking", result.total_rows, table.total_hint)
        flush()
    if header is None:
        for p in best[1]:
            result.add(p)
        result.error_rows += 1
        return result
    order = {c.key: i for i, c in enumerate(COLUMNS)}
    result.problems.sort(key=lambda p: (p.row, order.get(p.column, len(order))))
    if dry_run:
        return result
    paths = set(OrgVersion.objects.filter(org_id__in=cell_ids).values_list("path", flat=True))
    if not result.ok or not result.new:
        result.committed = result.ok
        _audit_import(actor, result, source, _common_path(paths))
        return result
    # The attempt is on record before anything is written (security.md §5.1: an audit event for
    # each attempt, even one that a crash cuts short and rolls back).
    audit_log(
        actor=actor,
        action="member.import.attempt",
        target_type="members.member",
        target_id="*",
        org_path=_common_path(paths),
        reason=source[:200],
        after={"rows": result.new},
    )
    assert parser is not None  # noqa: S101 (the header was read)
    try:
        with transaction.atomic():
            created = 0
            for chunk in _valid_records(table, parser, user, header):
                try:
                    created += len(members_bulk_create(
                        actor=actor, records=[rec for _row, rec in chunk], source=source or "import"))
                except BulkError as exc:  # the register changed since the check: name the rows
                    raise BulkError([RowError(chunk[e.index][0], e.field, e.message) for e in exc.errors]) from exc
                if progress:
                    progress("saving", created, result.new)
            if user is not None:  # every cell written to is still the user's, inside the transaction
                recheck_in_scope(user, "member.change", Organization.objects.all(), cell_ids)
            result.created = created
            result.committed = True
            _audit_import(actor, result, source, _common_path(paths))
    except OutOfScopeWrite:
        # The user's scope changed while the file was checked: nothing was written.
        result.add(
            Problem(
                1,
                "cell",
                _("A cell of this file is no longer in your scope: nothing was imported."),
            )
        )
        result.error_rows = result.new
        result.new = 0
        result.created = 0
        result.committed = False
        _audit_import(actor, result, source, _common_path(paths))
    except BulkError as exc:
        for e in exc.errors:
            result.add(Problem(e.index, _bulk_column(e.field), e.message))
        result.error_rows = len({e.index for e in exc.errors})
        result.new = 0
        result.created = 0
        result.committed = False
        _audit_import(actor, result, source, _common_path(paths))
    return result


def _columns(result: ImportResult, parser: RowParser, header: int, ignore_unknown: bool) -> None:
    """Record the columns read; a heading that names no column is an error unless ignored."""
    result.columns_read = [[heading, key] for heading, key in parser.columns_read]
    if ignore_unknown:
        result.columns_ignored = [f"{letter}: {heading}" for letter, heading in parser.unknown]
        return
    for problem in _unknown_columns(parser, header):
        result.add(problem)


def _valid_records(
    table: Table, parser: RowParser, user: Any, header: int
) -> Iterator[list[tuple[int, MemberRecord]]]:
    """The commit's pass over a file that passed the checks: its new members' records, in
    chunks (the file is read again rather than kept in memory), without the rows already
    registered."""
    scratch = ImportResult()
    batch: list[ParsedRow] = []
    with table.rows() as rows:
        for number, values in rows:
            if number <= header or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            parsed = parser.parse(number, values)
            if parsed.record is None:  # the file passed the checks: cannot happen
                raise BulkError([RowError(number, p.column, p.message) for p in parsed.problems])
            batch.append(parsed)
            if len(batch) >= COMMIT_BATCH:
                yield [(r.row, r.record) for r in _match_existing(user, batch, scratch) if r.record]
                batch = []
    if batch:
        yield [(r.row, r.record) for r in _match_existing(user, batch, scratch) if r.record]


def _unknown_columns(parser: RowParser, header: int) -> list[Problem]:
    return [
        Problem(header, "", _(
            "Column %(letter)s, “%(heading)s”, is not a column of the member import, so its data would be lost."
            " Rename it to a column name of the template, delete it, or choose to ignore unknown columns.")
            % {"letter": letter, "heading": heading})
        for letter, heading in parser.unknown
    ]


def _audit_import(actor: Any, result: ImportResult, source: str, org_path: str) -> None:
    audit_log(
        actor=actor,
        action="member.import",
        target_type="members.member",
        target_id="*",
        org_path=org_path,
        reason=source[:200],
        after={
            "rows": result.total_rows,
            "new": result.new,
            "unchanged": result.unchanged,
            "errors": result.error_rows,
            "created": result.created,
            "committed": result.committed,
            "encoding": result.encoding,
        },
    )
