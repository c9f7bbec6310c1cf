"""Importing members from the spreadsheets committees already keep (XLSX and CSV).

The path of a file:

1. `check_upload()` looks at the bytes, never at the name: an XLSX must be a zip holding
   `[Content_Types].xml`, with few entries and a bounded uncompressed size (zip bombs are refused
   from the zip directory, before any XML is parsed; openpyxl parses with defusedxml, so entity
   tricks are refused too); anything else must be text (UTF-8 with or without BOM, UTF-16 with a
   BOM, or 8-bit text in a legacy Vietnamese encoding).
2. `read_table()` streams the first sheet's rows (openpyxl read-only) or the CSV's rows.
3. `RowParser` maps each row to a `MemberRecord` (admitted at the ceremony date in the cell;
   recognised as official when the official date is given), converting legacy TCVN3/VNI text
   (`chibo.core.vnencoding`), dates as text or spreadsheet serials, and the keys or labels of every
   enumeration in any of the interface languages.
4. `members_import()` validates every row, skips the rows whose card or identity number is already
   registered in the user's scope ("unchanged"), and, unless it is a dry run and only when there is
   no error at all, creates the new members with `members_bulk_create` in one transaction.

Rows are numbered as in the spreadsheet (header = row 1). Targets are restricted: a row whose cell
the user may not change (`member.change`) reads "no such cell", as for a cell that does not exist.

Long files run as jobs: the upload is kept under `VAR_DIR/imports/<random id>/` with a JSON state
file (progress, result) that only the user who uploaded it can read (see `job_*`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.core.audit import audit_log
from chibo.core.paths import SEGMENT_WIDTH
from chibo.core.scoping import OutOfScopeWrite, recheck_in_scope
from chibo.core.text import fold, has_bidi_controls
from chibo.core.validtime import today
from chibo.core.vnencoding import UNKNOWN_LEGACY, LegacyTextError, TextFixer
from chibo.orgs.models import Organization, OrgVersion

from .bulk import BulkError, EventSpec, MemberRecord, RowError, _Cells, _plan, members_bulk_create
from .choices import (
    ETHNIC_GROUPS,
    ETHNICITY_CHOICES,
    EventType,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    TheoryLevel,
)
from .models import Member
from .services import PersonData
from .validation import add_months

log = logging.getLogger(__name__)

MB = 1024 * 1024
BATCH = 1000
MAX_ERRORS_KEPT = 1000


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_upload_bytes() -> int:
    return _setting("CHIBO_IMPORT_MAX_BYTES", 20 * MB)


def max_uncompressed_bytes() -> int:
    return _setting("CHIBO_IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * MB)


def max_zip_entries() -> int:
    return _setting("CHIBO_IMPORT_MAX_ZIP_ENTRIES", 2000)


def max_rows() -> int:
    return _setting("CHIBO_IMPORT_MAX_ROWS", 250_000)


MAX_COLUMNS = 64


# --- columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    help: Promise
    required: bool = False
    choices: tuple[tuple[str, str], ...] | None = None  # (key, label) for the instructions sheet


def _choices(options: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in options)


_DATE_HELP = gettext_lazy("A date: dd/mm/yyyy (also yyyy-mm-dd, or a spreadsheet date).")

COLUMNS: tuple[Column, ...] = (
    Column("full_name", gettext_lazy("full name"), gettext_lazy("Full name as on the identity card."), True),
    Column("gender", gettext_lazy("gender"), gettext_lazy("One of the values below (key or name)."), True,
           _choices(Gender.choices)),
    Column("birth_date", gettext_lazy("date of birth"), _DATE_HELP, True),
    Column("ethnicity", gettext_lazy("ethnicity"),
           gettext_lazy("The name of the ethnic group or its two-digit code; empty means Kinh."),
           False, tuple(ETHNICITY_CHOICES)),
    Column("religion", gettext_lazy("religion"), gettext_lazy("One of the values below; empty means none."),
           False, _choices(Religion.choices)),
    Column("national_id", gettext_lazy("citizen identity number"),
           gettext_lazy("12 digits; format the column as text so that leading zeros stay.")),
    Column("phone", gettext_lazy("phone"), gettext_lazy("Digits, optionally starting with +.")),
    Column("general_education", gettext_lazy("general education"),
           gettext_lazy("One of the values below (12/12, 9/12 and 5/12 are understood)."), False,
           _choices(GeneralEducation.choices)),
    Column("professional_level", gettext_lazy("professional level"), gettext_lazy("One of the values below."),
           False, _choices(ProfessionalLevel.choices)),
    Column("theory_level", gettext_lazy("political theory level"), gettext_lazy("One of the values below."),
           False, _choices(TheoryLevel.choices)),
    Column("occupation", gettext_lazy("occupation sector"), gettext_lazy("One of the values below."),
           False, _choices(Occupation.choices)),
    Column("cell", gettext_lazy("cell code"),
           gettext_lazy("The code of the party cell the member belongs to (see the organization tree)."), True),
    Column("admission_decision_no", gettext_lazy("admission decision number"), gettext_lazy("Free text.")),
    Column("admission_decision_date", gettext_lazy("admission decision date"), _DATE_HELP),
    Column("ceremony_date", gettext_lazy("admission ceremony date"),
           gettext_lazy("A date; the member is probationary from this day, in the cell above."), True),
    Column("official_date", gettext_lazy("official member from"),
           gettext_lazy("Optional: the end of probation (the ceremony date plus the probation period)."
                        " When given, the member is recorded as recognised official on that day.")),
    Column("card_number", gettext_lazy("party card number"), gettext_lazy("Free text, unique.")),
    Column("card_date", gettext_lazy("party card date"), _DATE_HELP),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)


def column_label(key: str) -> str:
    column = COLUMN_BY_KEY.get(key)
    return str(column.label) if column else ""


# Common ways of writing values in Vietnamese registers (folded: no diacritics, lower case).
ALIASES: dict[str, dict[str, str]] = {
    "gender": {"nam": Gender.MALE, "nu": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE},
    "religion": {
        "khong": Religion.NONE, "phat giao": Religion.BUDDHISM, "dao phat": Religion.BUDDHISM,
        "cong giao": Religion.CATHOLICISM, "thien chua giao": Religion.CATHOLICISM,
        "tin lanh": Religion.PROTESTANTISM, "cao dai": Religion.CAODAISM, "hoa hao": Religion.HOA_HAO,
        "phat giao hoa hao": Religion.HOA_HAO, "hoi giao": Religion.ISLAM, "khac": Religion.OTHER,
    },
    "general_education": {
        "12/12": GeneralEducation.UPPER_SECONDARY, "10/10": GeneralEducation.UPPER_SECONDARY,
        "thpt": GeneralEducation.UPPER_SECONDARY, "trung hoc pho thong": GeneralEducation.UPPER_SECONDARY,
        "9/12": GeneralEducation.LOWER_SECONDARY, "7/10": GeneralEducation.LOWER_SECONDARY,
        "thcs": GeneralEducation.LOWER_SECONDARY, "trung hoc co so": GeneralEducation.LOWER_SECONDARY,
        "5/12": GeneralEducation.PRIMARY, "4/10": GeneralEducation.PRIMARY, "tieu hoc": GeneralEducation.PRIMARY,
    },
    "professional_level": {
        "khong": ProfessionalLevel.NONE, "so cap": ProfessionalLevel.VOCATIONAL,
        "trung cap": ProfessionalLevel.VOCATIONAL, "nghe": ProfessionalLevel.VOCATIONAL,
        "cao dang": ProfessionalLevel.COLLEGE, "dai hoc": ProfessionalLevel.UNIVERSITY,
        "cu nhan": ProfessionalLevel.UNIVERSITY, "ky su": ProfessionalLevel.UNIVERSITY,
        "thac si": ProfessionalLevel.MASTER, "tien si": ProfessionalLevel.DOCTORATE,
    },
    "theory_level": {
        "khong": TheoryLevel.NONE, "so cap": TheoryLevel.ELEMENTARY, "trung cap": TheoryLevel.INTERMEDIATE,
        "cao cap": TheoryLevel.ADVANCED, "cu nhan": TheoryLevel.ADVANCED,
    },
    "occupation": {
        "co quan": Occupation.AGENCY, "hanh chinh": Occupation.AGENCY,
        "don vi su nghiep": Occupation.PUBLIC_SERVICE_UNIT, "doanh nghiep nha nuoc": Occupation.STATE_ENTERPRISE,
        "doanh nghiep tu nhan": Occupation.PRIVATE_ENTERPRISE,
        "doanh nghiep ngoai nha nuoc": Occupation.PRIVATE_ENTERPRISE,
        "hoc sinh": Occupation.STUDENT, "sinh vien": Occupation.STUDENT, "nong dan": Occupation.FARMER,
        "quan doi": Occupation.ARMED_FORCES, "luc luong vu trang": Occupation.ARMED_FORCES,
        "cong an": Occupation.POLICE, "huu tri": Occupation.RETIRED, "nghi huu": Occupation.RETIRED,
        "khac": Occupation.OTHER,
    },
}
CHOICE_FIELDS = ("gender", "ethnicity", "religion", "general_education", "professional_level",
                 "theory_level", "occupation")


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _choice_lookups() -> dict[str, dict[str, str]]:
    """For each enumerated column: folded text -> key, from the keys, the labels in every
    interface language and the usual Vietnamese spellings."""
    lookups: dict[str, dict[str, str]] = {name: {} for name in CHOICE_FIELDS}
    for name in CHOICE_FIELDS:
        column = COLUMN_BY_KEY[name]
        assert column.choices is not None  # noqa: S101
        for key, _label in column.choices:
            lookups[name][fold(key)] = key
            lookups[name][fold(key.replace("_", " "))] = key
        for alias, key in ALIASES.get(name, {}).items():
            lookups[name][alias] = key
    for code, group in ETHNICITY_CHOICES:
        lookups["ethnicity"][str(int(code))] = code
        lookups["ethnicity"][fold(group)] = code
    choices_by_field = {
        "gender": Gender.choices, "religion": Religion.choices, "general_education": GeneralEducation.choices,
        "professional_level": ProfessionalLevel.choices, "theory_level": TheoryLevel.choices,
        "occupation": Occupation.choices,
    }
    for language in _languages():
        with translation.override(language):
            for name, options in choices_by_field.items():
                for key, label in options:
                    lookups[name].setdefault(fold(str(label)), str(key))
    return lookups


def _header_lookup() -> dict[str, str]:
    """Folded header text -> column key: the key itself and the label in every language."""
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        lookup[fold(column.key)] = column.key
        lookup[fold(column.key.replace("_", " "))] = column.key
    for language in _languages():
        with translation.override(language):
            for column in COLUMNS:
                lookup.setdefault(fold(str(column.label)), column.key)
    return lookup


# --- results -----------------------------------------------------------------------------------


@dataclass
class Problem:
    """One error: the spreadsheet row (header = 1; 0 for the whole file), the column key ("" for
    the whole row) and the reason, in the language active when it was found."""

    row: int
    column: str
    message: str

    @property
    def column_label(self) -> str:
        return column_label(self.column)


@dataclass
class ImportResult:
    total_rows: int = 0
    new: int = 0
    unchanged: int = 0
    error_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # errors found beyond the ones kept
    unchanged_rows: list[int] = field(default_factory=list)
    created: int = 0
    committed: bool = False
    dry_run: bool = True
    encoding: str = "unicode"

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error_rows

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_ERRORS_KEPT:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unchanged_rows"] = self.unchanged_rows[:MAX_ERRORS_KEPT]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        data = dict(data)
        data["problems"] = [Problem(**p) for p in data.get("problems", [])]
        return cls(**data)


class UploadRejected(Exception):
    """The file as a whole is refused (size, type, structure). `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- hostile uploads ----------------------------------------------------------------------------

XLSX, CSV = "xlsx", "csv"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf",
                      b"MZ", b"\x7fELF", b"BZh")
# C0 controls that text never holds. TCVN3 puts capital letters on 0x01, 0x02, 0x04-0x06 and
# 0x11-0x17, so those are allowed in 8-bit text.
_BAD_CONTROLS = frozenset({0x00, 0x03, 0x07, 0x08, 0x0B, 0x0C, 0x0E, 0x0F, 0x10, 0x18, 0x19, 0x1A, 0x1B, 0x1C,
                           0x1D, 0x1E, 0x1F, 0x7F})


def check_upload(path: Path) -> str:
    """The kind of the file at `path` (XLSX or CSV) from its bytes; raises `UploadRejected`."""
    size = path.stat().st_size
    if size > max_upload_bytes():
        raise UploadRejected(too_big_message(), status=413)
    if size == 0:
        raise UploadRejected(_("The file is empty."))
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        _check_xlsx(path)
        return XLSX
    if head.startswith(_OLE2):
        raise UploadRejected(_("This is an old Excel file (.xls). Save it as .xlsx (Excel Workbook) and try again."))
    if head.startswith(b"PK") or head.startswith(_BINARY_SIGNATURES):
        raise UploadRejected(_("This is not a spreadsheet: upload an .xlsx workbook or a .csv file."))
    _check_text(path)
    return CSV


def too_big_message() -> str:
    return _("The file is too large: at most %(mb)d MB.") % {"mb": max_upload_bytes() // MB}


def _check_xlsx(path: Path) -> None:
    not_workbook = _("This file is not an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > max_zip_entries():
                raise UploadRejected(_("The workbook has too many parts (%(n)d).") % {"n": len(infos)})
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise UploadRejected(not_workbook)
            total = sum(i.file_size for i in infos)
            if total > max_uncompressed_bytes():
                raise UploadRejected(
                    _("The workbook unpacks to more than %(mb)d MB: it is refused.")
                    % {"mb": max_uncompressed_bytes() // MB}, status=413)
            for info in infos:
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    with zf.open(info) as member:
                        start = member.read(4096)
                    if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                        raise UploadRejected(_("The workbook contains XML declarations that are not allowed."))
    except zipfile.BadZipFile as exc:
        raise UploadRejected(not_workbook) from exc


def _check_text(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if any(b in _BAD_CONTROLS for b in head):
        raise UploadRejected(_("This is not a text (CSV) file: upload an .xlsx workbook or a .csv file."))


# --- reading -------------------------------------------------------------------------------------


@dataclass
class Table:
    """The rows of a file: `rows()` yields (spreadsheet row number, values), header first."""

    path: Path
    kind: str
    epoch: dt.datetime | None = None
    total_hint: int | None = None
    text_encoding: str = "utf-8-sig"

    @contextmanager
    def rows(self) -> Iterator[Iterator[tuple[int, list[Any]]]]:
        if self.kind == XLSX:
            with _xlsx_rows(self) as rows:
                yield rows
        else:
            with self.path.open("r", encoding=self.text_encoding, newline="") as fh:
                yield _csv_rows(fh)


def read_table(path: Path, kind: str) -> Table:
    table = Table(path=path, kind=kind)
    if kind == CSV:
        table.text_encoding = _text_encoding(path)
        with path.open("rb") as fh:
            table.total_hint = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(MB), b""))
    return table


def _text_encoding(path: Path) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, or else Latin-1: every byte kept as is, for the
    legacy-encoding detection to decide what the bytes mean."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: fh.read(MB), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8-sig"


def _csv_rows(fh: IO[str]) -> Iterator[tuple[int, list[Any]]]:
    first = fh.readline()
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(_chain_line(first, fh), delimiter=delimiter)
    for number, row in enumerate(reader, start=1):
        yield number, list(row[:MAX_COLUMNS])


def _chain_line(first: str, fh: IO[str]) -> Iterator[str]:
    yield first
    yield from fh


@contextmanager
def _xlsx_rows(table: Table) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    import openpyxl
    from openpyxl import DEFUSEDXML

    if not DEFUSEDXML:  # fail closed: never parse workbooks without the XML defences
        raise UploadRejected(_("Workbooks cannot be read safely on this server (defusedxml is missing)."))
    fh = table.path.open("rb")  # a file object: openpyxl would judge a path by its extension
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # defusedxml's refusals, broken zips, missing parts
        fh.close()
        raise _unreadable(exc) from exc
    try:
        table.epoch = wb.epoch
        ws = wb.worksheets[0]
        if table.total_hint is None and getattr(ws, "max_row", None):
            table.total_hint = ws.max_row

        def rows() -> Iterator[tuple[int, list[Any]]]:
            try:
                for number, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                    yield number, list(values)
            except UploadRejected:
                raise
            except Exception as exc:
                raise _unreadable(exc) from exc

        yield rows()
    finally:
        wb.close()
        fh.close()


def _unreadable(exc: BaseException) -> UploadRejected:
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps defusedxml's refusal in a ValueError
        if isinstance(cause, DefusedXmlException):
            return UploadRejected(_("The workbook contains XML declarations that are not allowed."))
        cause = cause.__cause__ or cause.__context__
    name = type(exc).__name__
    log.info("unreadable workbook: %s", name)
    return UploadRejected(_("The workbook cannot be read: %(reason)s") % {"reason": name})


# --- parsing a row --------------------------------------------------------------------------------

_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SERIAL = re.compile(r"\d{1,7}(?:\.0*)?")
_TIME_TAIL = re.compile(r"[ T]0{1,2}:00(?::00(?:\.0+)?)?$")
_PHONE = re.compile(r"\+?\d{6,15}")
_CODE = re.compile(r"[\w.\-/]{1,40}")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class CellError(ValueError):
    pass


def excel_serial_to_date(value: float, epoch: dt.datetime | None = None) -> dt.date:
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

    if not 1 <= value < 2958466:
        raise CellError(_("“%(value)s” is not a date.") % {"value": value})
    result = from_excel(value, epoch or CALENDAR_WINDOWS_1900)
    return result.date() if isinstance(result, dt.datetime) else result  # type: ignore[return-value]


def parse_date(value: Any, epoch: dt.datetime | None = None) -> dt.date | None:
    """dd/mm/yyyy (also with - or .), yyyy-mm-dd, a spreadsheet date cell, or a serial number
    (as a number or as text). Empty -> None. Raises `CellError`."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a date.") % {"value": value})
    elif isinstance(value, int | float):
        day = excel_serial_to_date(float(value), epoch)
    else:
        text = _TIME_TAIL.sub("", str(value).strip())
        if not text:
            return None
        try:
            if m := _DMY.fullmatch(text):
                day = dt.date(int(m[3]), int(m[2]), int(m[1]))
            elif m := _YMD.fullmatch(text):
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            elif _SERIAL.fullmatch(text):
                day = excel_serial_to_date(float(text), epoch)
            else:
                raise CellError(_("“%(value)s” is not a date: write dd/mm/yyyy.") % {"value": text[:40]})
        except ValueError as exc:
            if isinstance(exc, CellError):
                raise
            raise CellError(_("“%(value)s” is not a valid date.") % {"value": text[:40]}) from exc
    if not 1900 <= day.year <= 2100:
        raise CellError(_("The date %(value)s is out of range.") % {"value": day.isoformat()})
    return day


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@dataclass
class ParsedRow:
    row: int
    record: MemberRecord | None
    national_id: str | None = None
    card_number: str | None = None
    problems: list[Problem] = field(default_factory=list)


class RowParser:
    """Turns rows into records. One per file: it holds the header mapping, the legacy-text
    decision, the lookups and the cells the user may change."""

    def __init__(self, *, user: Any, fixer: TextFixer, epoch: dt.datetime | None = None) -> None:
        self.user = user
        self.fixer = fixer
        self.epoch = epoch
        self.lookups = _choice_lookups()
        self.headers = _header_lookup()
        self.positions: dict[str, int] = {}
        self.cells: dict[str, int | None] = {}
        self.today = today()
        self._probation: dict[dt.date, int] = {}
        self._probation_rows: list[tuple[Any, Any, Any]] | None = None
        self._choices: dict[tuple[str, str], str] = {}
        self.header_matches = 0

    # header ------------------------------------------------------------------------------------

    def read_header(self, number: int, values: Sequence[Any]) -> list[Problem]:
        """Map the column names in row `number`; the problems say what is missing. The mapping
        is kept only when there is no problem."""
        problems: list[Problem] = []
        positions: dict[str, int] = {}
        for position, raw in enumerate(values):
            if raw is None:
                continue
            try:
                text = self.fixer(str(raw))
            except LegacyTextError:
                continue
            key = self.headers.get(fold(text.rstrip("* ").strip()))
            if key is None:
                continue
            if key in positions:
                problems.append(Problem(number, key, _("This column appears twice.")))
                continue
            positions[key] = position
        for key in REQUIRED:
            if key not in positions:
                problems.append(Problem(number, key, _("This column is missing from the row of column names.")))
        if not problems:
            self.positions = positions
        self.header_matches = len(positions)
        return problems

    # cells --------------------------------------------------------------------------------------

    def _raw(self, values: Sequence[Any], key: str) -> Any:
        position = self.positions.get(key)
        if position is None or position >= len(values):
            return None
        value = values[position]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def _text(self, values: Sequence[Any], key: str, max_length: int) -> str:
        value = self._raw(values, key)
        if value is None:
            return ""
        if isinstance(value, dt.datetime | dt.date):
            raise CellError(_("Write text here, not a date."))
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number_text(value)
        try:
            text = self.fixer(str(value))
        except LegacyTextError as exc:
            raise CellError(_("This text seems to be in an old Vietnamese encoding (TCVN3 or VNI) that cannot be "
                              "converted cleanly. Convert the file to Unicode (for example with Unikey's "
                              "converter) and try again.")) from exc
        text = unicodedata.normalize("NFC", text).strip()
        if _CONTROLS.search(text):
            raise CellError(_("The text contains control characters."))
        if key != "full_name" and has_bidi_controls(text):
            raise CellError(_("The text contains invisible control characters."))
        if len(text) > max_length:
            raise CellError(_("Too long: at most %(n)d characters.") % {"n": max_length})
        return text

    def _identifier(self, values: Sequence[Any], key: str, max_length: int) -> str:
        value = self._raw(values, key)
        text = self._text(values, key, max_length).replace(" ", "")
        if key == "national_id" and text.isdigit() and 10 <= len(text) < 12:
            text = text.zfill(12)  # leading zeros lost when the column was a number
        if key == "phone" and isinstance(value, int | float) and text.isdigit() and len(text) == 9:
            text = "0" + text
        return text

    def _choice(self, values: Sequence[Any], key: str) -> str | None:
        value = self._raw(values, key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = _number_text(value)
        else:
            text = self._text(values, key, 200)
        memo = (key, text)
        if memo in self._choices:
            return self._choices[memo]
        found = self.lookups[key].get(fold(text)) or self.lookups[key].get(fold(text).replace("_", " "))
        if found is not None:
            self._choices[memo] = found
        else:
            raise CellError(_("“%(value)s” is not one of the allowed values (see the instructions sheet of the "
                              "template).") % {"value": text[:60]})
        return found

    def _date(self, values: Sequence[Any], key: str) -> dt.date | None:
        return parse_date(self._raw(values, key), self.epoch)

    def _cell(self, code: str) -> int | None:
        if code not in self.cells:
            qs = Organization.objects.all() if self.user is None else Organization.objects.restrict(
                self.user, "member.change")
            self.cells[code] = qs.filter(code=code).values_list("pk", flat=True).first()
        return self.cells[code]

    def probation_months(self, on: dt.date) -> int:
        """`rule("probation.months", on=on)`, from the national rows read once per file (a file
        has thousands of distinct dates)."""
        if on not in self._probation:
            from chibo.rules.models import PolicyParameter
            from chibo.rules.selectors import MissingRule

            if self._probation_rows is None:
                self._probation_rows = list(PolicyParameter.objects.filter(key="probation.months", org__isnull=True)
                                            .values_list("valid_from", "valid_to", "value"))
            for start, end, value in self._probation_rows:
                if (start is None or start <= on) and (end is None or on < end):
                    self._probation[on] = int(value)
                    break
            else:
                raise MissingRule(f"No value for 'probation.months' on {on}")
        return self._probation[on]

    # the row ------------------------------------------------------------------------------------

    def parse(self, number: int, values: Sequence[Any]) -> ParsedRow:
        problems: list[Problem] = []
        got: dict[str, Any] = {}

        def take(key: str, fn: Callable[[], Any]) -> None:
            try:
                got[key] = fn()
            except CellError as exc:
                problems.append(Problem(number, key, str(exc)))
                got[key] = None

        take("full_name", lambda: self._text(values, "full_name", 400))
        take("gender", lambda: self._choice(values, "gender"))
        take("birth_date", lambda: self._date(values, "birth_date"))
        for key in ("ethnicity", "religion", "general_education", "professional_level", "theory_level",
                    "occupation"):
            take(key, lambda key=key: self._choice(values, key))  # type: ignore[misc]
        take("national_id", lambda: self._identifier(values, "national_id", 20))
        take("phone", lambda: self._identifier(values, "phone", 20))
        take("cell", lambda: self._text(values, "cell", 40))
        take("admission_decision_no", lambda: self._text(values, "admission_decision_no", 64))
        for key in ("admission_decision_date", "ceremony_date", "official_date", "card_date"):
            take(key, lambda key=key: self._date(values, key))  # type: ignore[misc]
        take("card_number", lambda: self._identifier(values, "card_number", 20))

        for key in REQUIRED:
            if key not in {p.column for p in problems} and not got.get(key):
                problems.append(Problem(number, key, _("This value is required.")))
        phone = got.get("phone") or ""
        if phone and not _PHONE.fullmatch(phone.replace(".", "").replace("-", "")):
            problems.append(Problem(number, "phone", _("A phone number has digits only, optionally after +.")))
        cell_id = None
        if got.get("cell"):
            if not _CODE.fullmatch(got["cell"]) or (cell_id := self._cell(got["cell"])) is None:
                problems.append(Problem(number, "cell", _("No such cell.")))
        self._check_dates(number, got, problems)
        if not got.get("national_id") and not got.get("card_number") and not any(
                p.column in ("national_id", "card_number") for p in problems):
            problems.append(Problem(number, "national_id", _(
                "Give the identity number or the party card number: they recognise the member when a file "
                "is imported again.")))
        national_id = got.get("national_id") or None
        card_number = got.get("card_number") or None
        if problems:
            return ParsedRow(number, None, national_id, card_number, problems)
        ceremony: dt.date = got["ceremony_date"]
        events = [EventSpec(type=EventType.ADMITTED, on=ceremony, cell_id=cell_id,
                            decision_no=got["admission_decision_no"] or "",
                            decision_date=got["admission_decision_date"])]
        if got.get("official_date"):
            events.append(EventSpec(type=EventType.RECOGNIZED, on=got["official_date"]))
        defaults = PersonData("", "", dt.date.min)
        person = PersonData(
            full_name=got["full_name"], gender=got["gender"], birth_date=got["birth_date"],
            ethnicity=got["ethnicity"] or defaults.ethnicity, religion=got["religion"] or defaults.religion,
            national_id=national_id, phone=(phone or "").replace(".", "").replace("-", ""),
            general_education=got["general_education"] or defaults.general_education,
            professional_level=got["professional_level"] or defaults.professional_level,
            theory_level=got["theory_level"] or defaults.theory_level,
            occupation=got["occupation"] or defaults.occupation,
            card_number=card_number, card_date=got.get("card_date"),
        )
        record = MemberRecord(person=person, events=events,
                              admission_decision_no=got["admission_decision_no"] or "",
                              admission_decision_date=got["admission_decision_date"])
        return ParsedRow(number, record, national_id, card_number, [])

    def _check_dates(self, number: int, got: dict[str, Any], problems: list[Problem]) -> None:
        birth, ceremony = got.get("birth_date"), got.get("ceremony_date")
        decision, official, card = got.get("admission_decision_date"), got.get("official_date"), got.get("card_date")
        if ceremony and ceremony > self.today:
            problems.append(Problem(number, "ceremony_date", _("The ceremony date is in the future.")))
        if birth and ceremony and birth >= ceremony:
            problems.append(Problem(number, "birth_date", _("The date of birth must be before the admission.")))
        if decision and ceremony and decision > ceremony:
            problems.append(Problem(number, "admission_decision_date",
                                    _("The admission decision cannot come after the ceremony.")))
        if official and ceremony:
            months = self.probation_months(ceremony)
            expected = add_months(ceremony, months)
            if official != expected:
                problems.append(Problem(number, "official_date", _(
                    "The official date must be the end of probation: %(date)s (the ceremony date plus %(months)d "
                    "months).") % {"date": expected.strftime("%d/%m/%Y"), "months": months}))
            elif official > self.today:
                problems.append(Problem(number, "official_date", _("The official date is in the future.")))
        if card and ceremony and card < ceremony:
            problems.append(Problem(number, "card_date", _("The card cannot be issued before the admission.")))


# --- the import ---------------------------------------------------------------------------------

Progress = Callable[[str, int, int | None], None]
DETECTION_ROWS = 5000
HEADER_SEARCH_ROWS = 10  # the column names may sit below a title
# RowError.field of the bulk path -> column key
_BULK_FIELDS = {"events": "ceremony_date", "moves": "cell", "cell": "cell"}


def _bulk_column(name: str) -> str:
    return _BULK_FIELDS.get(name, name if name in COLUMN_BY_KEY else "")


def _detect(table: Table) -> TextFixer:
    texts: list[str] = []
    with table.rows() as rows:
        for number, values in rows:
            if number > DETECTION_ROWS:
                break
            texts.extend(v for v in values if isinstance(v, str) and not v.isascii())
    return TextFixer.detect(texts)


def _common_path(paths: set[str]) -> str:
    if not paths:
        return ""
    prefix = os.path.commonprefix(sorted(paths))
    return prefix[: len(prefix) - len(prefix) % SEGMENT_WIDTH]


def _match_existing(user: Any, batch: list[ParsedRow], result: ImportResult) -> list[ParsedRow]:
    """Rows whose card or identity number is registered already: unchanged when the member is in
    the user's scope, an error otherwise. Returns the rows still to create."""
    ids = [r.national_id for r in batch if r.national_id]
    cards = [r.card_number for r in batch if r.card_number]
    if not ids and not cards:
        return batch
    existing = list(Member.objects.filter(Q(national_id__in=ids) | Q(card_number__in=cards))
                    .values_list("pk", "national_id", "card_number"))
    if not existing:
        return batch
    by_id = {n: pk for pk, n, _c in existing if n}
    by_card = {c: pk for pk, _n, c in existing if c}
    visible_qs = Member.objects.all() if user is None else Member.objects.restrict(user, "member.view")
    visible = set(visible_qs.filter(pk__in=[pk for pk, _n, _c in existing]).values_list("pk", flat=True))
    remaining: list[ParsedRow] = []
    for row in batch:
        pk_id = by_id.get(row.national_id or "")
        pk_card = by_card.get(row.card_number or "")
        if pk_id is None and pk_card is None:
            remaining.append(row)
            continue
        column = "card_number" if pk_card is not None else "national_id"
        if pk_id is not None and pk_card is not None and pk_id != pk_card:
            result.add(Problem(row.row, "card_number", _(
                "The card number and the identity number belong to two different members.")))
            result.error_rows += 1
        elif (pk_id or pk_card) in visible:
            result.unchanged += 1
            result.unchanged_rows.append(row.row)
        else:
            message = (_("This card number is already registered in another organization.") if column == "card_number"
                       else _("This identity number is already registered in another organization."))
            result.add(Problem(row.row, column, message))
            result.error_rows += 1
    return remaining


def members_import(
    *, actor: Any, user: Any, path: Path, kind: str, dry_run: bool, source: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every row of the file and, unless `dry_run` or any row is wrong, create the new
    members, all or nothing. `user` is whose scope applies (None: the whole system, for the
    operator's command line); `actor` is recorded in the audit trail."""
    result = ImportResult(dry_run=dry_run)
    table = read_table(path, kind)
    fixer = _detect(table)
    result.encoding = fixer.encoding
    if fixer.encoding == UNKNOWN_LEGACY:
        log.info("import: text looks legacy but matches neither TCVN3 nor VNI")
    parser: RowParser | None = None
    seen_ids: dict[str, int] = {}
    seen_cards: dict[str, int] = {}
    to_create: list[tuple[int, MemberRecord]] = []
    cell_ids: set[int] = set()
    batch: list[ParsedRow] = []
    limit = max_rows()
    last_report = 0.0

    def flush() -> None:
        nonlocal batch
        if not batch:
            return
        remaining = _match_existing(user, batch, result)
        cells = _Cells({e.cell_id for r in remaining if r.record for e in r.record.events if e.cell_id})
        for row in remaining:
            assert row.record is not None  # noqa: S101
            errors: list[RowError] = []
            _plan(0, row.record, cells, errors, parser.probation_months if parser else (lambda _d: 12))
            if errors:
                result.error_rows += 1
                for e in errors:
                    result.add(Problem(row.row, _bulk_column(e.field), e.message))
                continue
            result.new += 1
            cell_ids.update(e.cell_id for e in row.record.events if e.cell_id)
            if not dry_run:
                to_create.append((row.row, row.record))
        batch = []

    header: int | None = None
    best: tuple[int, list[Problem]] = (-1, [Problem(1, "", _("The file is empty."))])
    with table.rows() as rows:
        parser = RowParser(user=user, fixer=fixer, epoch=table.epoch)
        for number, values in rows:
            blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
            if header is None:  # the column names: row 1, or below a title of a few rows
                if blank:
                    continue
                header_problems = parser.read_header(number, values)
                if not header_problems:
                    header = number
                elif parser.header_matches > best[0]:
                    best = (parser.header_matches, header_problems)
                if header is None and number >= HEADER_SEARCH_ROWS:
                    break
                continue
            if blank:
                continue
            result.total_rows += 1
            if result.total_rows > limit:
                raise UploadRejected(_("The file has more than %(n)d rows: split it.") % {"n": limit}, status=413)
            parsed = parser.parse(number, values)
            for key, value, seen in (("national_id", parsed.national_id, seen_ids),
                                     ("card_number", parsed.card_number, seen_cards)):
                if value:
                    if value in seen:
                        parsed.problems.append(Problem(number, key, _(
                            "Repeated in the file (first in row %(row)d).") % {"row": seen[value]}))
                    else:
                        seen[value] = number
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
    if not result.ok or not to_create:
        result.committed = result.ok
        _audit_import(actor, result, source, _common_path(paths))
        return result
    rows_by_index = [row for row, _rec in to_create]
    # The attempt is on record before anything is written (security.md §5.1: an audit event for
    # each attempt, even one that a crash cuts short and rolls back).
    audit_log(actor=actor, action="member.import.attempt", target_type="members.member", target_id="*",
              org_path=_common_path(paths), reason=source[:200], after={"rows": len(to_create)})
    try:
        with transaction.atomic():
            created = members_bulk_create(
                actor=actor, records=[rec for _row, rec in to_create], source=source or "import",
                progress=(lambda done, total: progress("saving", done, total)) if progress else None,
            )
            if user is not None:  # every cell written to is still the user's, inside the transaction
                recheck_in_scope(user, "member.change", Organization.objects.all(), cell_ids)
            result.created = len(created)
            result.committed = True
            _audit_import(actor, result, source, _common_path(paths))
    except OutOfScopeWrite:
        # The user's scope changed while the file was checked: nothing was written.
        result.add(Problem(1, "cell", _("A cell of this file is no longer in your scope: nothing was imported.")))
        result.error_rows = result.new
        result.new = 0
        result.created = 0
        result.committed = False
        _audit_import(actor, result, source, _common_path(paths))
    except BulkError as exc:
        for e in exc.errors:
            result.add(Problem(rows_by_index[e.index], _bulk_column(e.field), e.message))
        result.error_rows = len({e.index for e in exc.errors})
        result.new = 0
        result.created = 0
        result.committed = False
        _audit_import(actor, result, source, _common_path(paths))
    return result


def _audit_import(actor: Any, result: ImportResult, source: str, org_path: str) -> None:
    audit_log(
        actor=actor, action="member.import", target_type="members.member", target_id="*",
        org_path=org_path, reason=source[:200],
        after={"rows": result.total_rows, "new": result.new, "unchanged": result.unchanged,
               "errors": result.error_rows, "created": result.created, "committed": result.committed,
               "encoding": result.encoding},
    )


def safe_filename(name: str) -> str:
    """A file name fit for display and logs (never for paths): no controls, no directories."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:120] or "upload"


# --- the template --------------------------------------------------------------------------------


def template_example(user: Any) -> dict[str, str]:
    qs = Organization.objects.all() if user is None else Organization.objects.restrict(user, "member.change")
    cell = (qs.filter(versions__kind__key__in=["party_cell", "grassroots_party_cell"], versions__valid_to__isnull=True)
            .values_list("code", flat=True).order_by("code").first())
    return {
            "full_name": "Nguyễn Văn An", "gender": str(Gender.MALE.label), "birth_date": "15/05/1990",
            "ethnicity": ETHNIC_GROUPS[0], "religion": str(Religion.NONE.label), "national_id": "001090012345",
            "phone": "0912345678", "general_education": "12/12",
            "professional_level": str(ProfessionalLevel.UNIVERSITY.label), "theory_level": str(TheoryLevel.ELEMENTARY.label),
            "occupation": str(Occupation.AGENCY.label), "cell": cell or "CODE",
            "admission_decision_no": "123-QĐ/ĐU", "admission_decision_date": "20/01/2020",
            "ceremony_date": "03/02/2020", "official_date": "03/02/2021", "card_number": "12345678",
            "card_date": "19/05/2021",
    }


TEXT_COLUMNS = {"national_id", "phone", "card_number", "admission_decision_no", "cell"}


def write_template_xlsx(out: IO[bytes] | str, *, user: Any) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEEEEE"})
    text = wb.add_format({"num_format": "@"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    sheet = wb.add_worksheet(_("Members")[:31])
    example = template_example(user)
    for col, column in enumerate(COLUMNS):
        label = str(column.label) + (" *" if column.required else "")
        sheet.set_column(col, col, max(14, len(label) + 2), text if column.key in TEXT_COLUMNS else None)
        sheet.write_string(0, col, label, bold)
        sheet.write_string(1, col, example[column.key])
    sheet.freeze_panes(1, 0)
    help_sheet = wb.add_worksheet(_("Instructions")[:31])
    help_sheet.set_column(0, 0, 30)
    help_sheet.set_column(1, 1, 12)
    help_sheet.set_column(2, 2, 70)
    help_sheet.set_column(3, 3, 24)
    help_sheet.write_row(0, 0, [_("Column"), _("Required"), _("What to write"), _("Allowed value (key)")], bold)
    row = 1
    notes = [
        _("Fill the first sheet, one member per row, from row 2. Keep the first row (the column names)."),
        _("Rows whose party card number or identity number is already registered are skipped."),
        _("If any row is wrong, nothing is imported: the errors list the row, the column and the reason."),
        _("Text typed in the old TCVN3 (.VnTime) or VNI fonts is converted to Unicode."),
    ]
    for column in COLUMNS:
        help_sheet.write_string(row, 0, str(column.label), wrap)
        help_sheet.write_string(row, 1, _("yes") if column.required else _("no"), wrap)
        help_sheet.write_string(row, 2, str(column.help), wrap)
        row += 1
        for key, label in column.choices or ():
            help_sheet.write_string(row, 2, label, wrap)
            help_sheet.write_string(row, 3, key, wrap)
            row += 1
    row += 1
    for note in notes:
        help_sheet.write_string(row, 0, note)
        row += 1
    wb.close()


def write_template_csv(out: IO[str], *, user: Any) -> None:
    writer = csv.writer(out)
    writer.writerow([str(c.label) for c in COLUMNS])
    example = template_example(user)
    writer.writerow([example[c.key] for c in COLUMNS])


# --- jobs -----------------------------------------------------------------------------------------

JOB_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_NAME = "upload.bin"
STATE_NAME = "state.json"
RUNNING = ("queued", "checking", "saving")
STALE_SECONDS = 15 * 60
KEEP_SECONDS = 24 * 3600


class JobNotFound(LookupError):
    pass


@dataclass
class ImportJob:
    id: str
    user_id: int
    filename: str
    kind: str
    size: int
    language: str
    created: float
    updated: float
    phase: str = "queued"  # queued, checking, saving, ready, done, failed
    commit: bool = False
    done_rows: int = 0
    total_rows: int | None = None
    message: str = ""
    result: dict[str, Any] | None = None

    @property
    def dir(self) -> Path:
        return jobs_dir() / self.id

    @property
    def upload_path(self) -> Path:
        return self.dir / UPLOAD_NAME

    @property
    def running(self) -> bool:
        return self.phase in RUNNING and not self.stale

    @property
    def stale(self) -> bool:
        return self.phase in RUNNING and time.time() - self.updated > STALE_SECONDS

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(100 * self.done_rows / self.total_rows))

    @property
    def outcome(self) -> ImportResult | None:
        return ImportResult.from_dict(self.result) if self.result is not None else None

    @property
    def can_commit(self) -> bool:
        outcome = self.outcome
        return (self.phase == "ready" and not self.commit and outcome is not None and outcome.ok
                and outcome.new > 0 and self.upload_path.exists())


def jobs_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _save(job: ImportJob) -> None:
    job.updated = time.time()
    tmp = job.dir / (STATE_NAME + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(asdict(job), fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, job.dir / STATE_NAME)


def _sweep() -> None:
    """Forget jobs older than a day (their uploads hold personal data)."""
    base = jobs_dir()
    if not base.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for entry in base.iterdir():
        if entry.is_dir() and JOB_ID.fullmatch(entry.name):
            state = entry / STATE_NAME
            stamp = state.stat().st_mtime if state.exists() else entry.stat().st_mtime
            if stamp < cutoff:
                shutil.rmtree(entry, ignore_errors=True)


def job_create(*, user: Any, chunks: Iterator[bytes], filename: str, size: int | None = None) -> ImportJob:
    """Store an upload under a random id (the file name is only displayed) and check it.
    Raises `UploadRejected` (and keeps nothing) when the file is refused."""
    if size is not None and size > max_upload_bytes():
        raise UploadRejected(too_big_message(), status=413)
    _sweep()
    base = jobs_dir()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    job_id = secrets.token_hex(16)
    directory = base / job_id
    directory.mkdir(mode=0o700)
    path = directory / UPLOAD_NAME
    written = 0
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                written += len(chunk)
                if written > max_upload_bytes():
                    raise UploadRejected(too_big_message(), status=413)
                fh.write(chunk)
        kind = check_upload(path)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    now = time.time()
    job = ImportJob(id=job_id, user_id=user.pk, filename=safe_filename(filename), kind=kind, size=written,
                    language=translation.get_language() or settings.LANGUAGE_CODE, created=now, updated=now)
    _save(job)
    return job


def job_get(*, user: Any, job_id: str) -> ImportJob:
    """The user's own job; anyone else's, or a missing one, raises `JobNotFound`."""
    if not JOB_ID.fullmatch(job_id or ""):
        raise JobNotFound(job_id)
    state = jobs_dir() / job_id / STATE_NAME
    try:
        with open(state, encoding="utf-8") as fh:
            job = ImportJob(**json.load(fh))
    except (OSError, ValueError, TypeError) as exc:
        raise JobNotFound(job_id) from exc
    if job.user_id != getattr(user, "pk", None) or job.id != job_id:
        raise JobNotFound(job_id)
    return job


def _claim_commit(job: ImportJob) -> bool:
    """Only one commit per job, even on a double click."""
    try:
        fd = os.open(job.dir / "commit.lock", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def job_run(job: ImportJob, *, user: Any, commit: bool) -> ImportJob:
    """Check (or commit) the job's file, recording progress and the result in its state."""
    job.commit = commit
    job.phase = "checking"
    job.done_rows = 0
    _save(job)

    def progress(phase: str, done: int, total: int | None) -> None:
        job.phase, job.done_rows, job.total_rows = phase, done, total
        _save(job)

    try:
        with translation.override(job.language):
            result = members_import(
                actor=user, user=user, path=job.upload_path, kind=job.kind, dry_run=not commit,
                source=f"import {job.id}: {job.filename}", progress=progress,
            )
        job.result = result.as_dict()
        job.done_rows = job.total_rows = result.total_rows
        job.phase = "done" if commit and result.committed else "ready"
        if job.phase == "done":
            job.upload_path.unlink(missing_ok=True)
    except UploadRejected as exc:
        job.phase, job.message = "failed", exc.message
    except Exception:
        log.exception("import job %s failed", job.id)
        with translation.override(job.language):
            job.phase, job.message = "failed", _("The import failed because of an error on our side. Nothing was saved.")
    if commit and job.phase != "done":
        (job.dir / "commit.lock").unlink(missing_ok=True)
    _save(job)
    return job


def inline_max_bytes() -> int:
    return _setting("CHIBO_IMPORT_INLINE_MAX_BYTES", 512 * 1024)


def _run_in_thread(job_id: str, user_id: int, commit: bool) -> None:
    from django.contrib.auth import get_user_model

    try:
        user = get_user_model().objects.get(pk=user_id, is_active=True)
        job = job_get(user=user, job_id=job_id)
        job_run(job, user=user, commit=commit)
    except Exception:
        log.exception("import job %s could not run", job_id)
    finally:
        connections.close_all()


def _spawn(job: ImportJob, user: Any, commit: bool) -> None:
    threading.Thread(target=_run_in_thread, args=(job.id, user.pk, commit), daemon=True,
                     name=f"import-{job.id[:8]}").start()


def job_start(job: ImportJob, *, user: Any, commit: bool) -> ImportJob:
    """Run small files now, in the request; larger ones in a background thread (the page polls
    the job's state)."""
    if commit and not (job.can_commit and _claim_commit(job)):
        return job
    if job.size <= inline_max_bytes():
        return job_run(job, user=user, commit=commit)
    job.phase, job.commit = "queued", commit
    _save(job)
    _spawn(job, user, commit)
    return job

