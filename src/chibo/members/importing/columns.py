"""The columns of the member import, the limits, and the result of a run."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from ..choices import (
    ETHNICITY_CHOICES,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    Status,
    TheoryLevel,
)
from .vocabulary import HEADER_SYNONYMS, compact, ethnic_lookup

log = logging.getLogger(__name__)

MB = 1024 * 1024
BATCH = 1000
MAX_ERRORS_KEPT = 1000
MAX_KINDS = 100
KINDS_FROM = 10  # more errors than this: the kinds are listed first


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
    Column(
        "full_name",
        gettext_lazy("full name"),
        gettext_lazy("Full name as on the identity card."),
        True,
    ),
    Column(
        "gender",
        gettext_lazy("gender"),
        gettext_lazy("One of the values below (key or name)."),
        True,
        _choices(Gender.choices),
    ),
    Column("birth_date", gettext_lazy("date of birth"), _DATE_HELP, True),
    Column(
        "ethnicity",
        gettext_lazy("ethnicity"),
        gettext_lazy("The name of the ethnic group or its two-digit code; empty means Kinh."),
        False,
        tuple(ETHNICITY_CHOICES),
    ),
    Column(
        "religion",
        gettext_lazy("religion"),
        gettext_lazy("One of the values below; empty means none."),
        False,
        _choices(Religion.choices),
    ),
    Column(
        "national_id",
        gettext_lazy("citizen identity number"),
        gettext_lazy("12 digits; format the column as text so that leading zeros stay."),
    ),
    Column("phone", gettext_lazy("phone"), gettext_lazy("Digits, optionally starting with +.")),
    Column(
        "general_education",
        gettext_lazy("general education"),
        gettext_lazy("One of the values below (12/12, 9/12 and 5/12 are understood)."),
        False,
        _choices(GeneralEducation.choices),
    ),
    Column(
        "professional_level",
        gettext_lazy("professional level"),
        gettext_lazy("One of the values below."),
        False,
        _choices(ProfessionalLevel.choices),
    ),
    Column(
        "theory_level",
        gettext_lazy("political theory level"),
        gettext_lazy("One of the values below."),
        False,
        _choices(TheoryLevel.choices),
    ),
    Column(
        "occupation",
        gettext_lazy("occupation sector"),
        gettext_lazy("One of the values below."),
        False,
        _choices(Occupation.choices),
    ),
    Column(
        "cell",
        gettext_lazy("cell code"),
        gettext_lazy(
            "The code of the party cell the member belongs to (see the organization tree)."
        ),
        True,
    ),
    Column(
        "admission_decision_no",
        gettext_lazy("admission decision number"),
        gettext_lazy("Free text."),
    ),
    Column("admission_decision_date", gettext_lazy("admission decision date"), _DATE_HELP),
    Column(
        "ceremony_date",
        gettext_lazy("admission ceremony date"),
        gettext_lazy("A date; the member is probationary from this day, in the cell above."),
        True,
    ),
    Column(
        "official_date",
        gettext_lazy("official member from"),
        gettext_lazy(
            "Optional: the end of probation (the ceremony date plus the probation period)."
            " When given, the member is recorded as recognised official on that day."
        ),
    ),
    Column(
        "status",
        gettext_lazy("status"),
        gettext_lazy(
            "Optional, as Chibo's export writes it: a new member is probationary or official (official"
            " needs the date above); a row of a member already registered is checked, not changed."
        ),
        False,
        _choices(Status.choices),
    ),
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
        "khong": Religion.NONE,
        "phat giao": Religion.BUDDHISM,
        "dao phat": Religion.BUDDHISM,
        "cong giao": Religion.CATHOLICISM,
        "thien chua giao": Religion.CATHOLICISM,
        "tin lanh": Religion.PROTESTANTISM,
        "cao dai": Religion.CAODAISM,
        "hoa hao": Religion.HOA_HAO,
        "phat giao hoa hao": Religion.HOA_HAO,
        "hoi giao": Religion.ISLAM,
        "khac": Religion.OTHER,
    },
    "general_education": {
        "12/12": GeneralEducation.UPPER_SECONDARY,
        "10/10": GeneralEducation.UPPER_SECONDARY,
        "thpt": GeneralEducation.UPPER_SECONDARY,
        "trung hoc pho thong": GeneralEducation.UPPER_SECONDARY,
        "9/12": GeneralEducation.LOWER_SECONDARY,
        "7/10": GeneralEducation.LOWER_SECONDARY,
        "thcs": GeneralEducation.LOWER_SECONDARY,
        "trung hoc co so": GeneralEducation.LOWER_SECONDARY,
        "5/12": GeneralEducation.PRIMARY,
        "4/10": GeneralEducation.PRIMARY,
        "tieu hoc": GeneralEducation.PRIMARY,
    },
    "professional_level": {
        "khong": ProfessionalLevel.NONE,
        "so cap": ProfessionalLevel.VOCATIONAL,
        "trung cap": ProfessionalLevel.VOCATIONAL,
        "nghe": ProfessionalLevel.VOCATIONAL,
        "cao dang": ProfessionalLevel.COLLEGE,
        "dai hoc": ProfessionalLevel.UNIVERSITY,
        "cu nhan": ProfessionalLevel.UNIVERSITY,
        "ky su": ProfessionalLevel.UNIVERSITY,
        "thac si": ProfessionalLevel.MASTER,
        "tien si": ProfessionalLevel.DOCTORATE,
    },
    "theory_level": {
        "khong": TheoryLevel.NONE,
        "so cap": TheoryLevel.ELEMENTARY,
        "trung cap": TheoryLevel.INTERMEDIATE,
        "cao cap": TheoryLevel.ADVANCED,
        "cu nhan": TheoryLevel.ADVANCED,
    },
    "occupation": {
        "co quan": Occupation.AGENCY,
        "hanh chinh": Occupation.AGENCY,
        "don vi su nghiep": Occupation.PUBLIC_SERVICE_UNIT,
        "doanh nghiep nha nuoc": Occupation.STATE_ENTERPRISE,
        "doanh nghiep tu nhan": Occupation.PRIVATE_ENTERPRISE,
        "doanh nghiep ngoai nha nuoc": Occupation.PRIVATE_ENTERPRISE,
        "hoc sinh": Occupation.STUDENT,
        "sinh vien": Occupation.STUDENT,
        "nong dan": Occupation.FARMER,
        "quan doi": Occupation.ARMED_FORCES,
        "luc luong vu trang": Occupation.ARMED_FORCES,
        "cong an": Occupation.POLICE,
        "huu tri": Occupation.RETIRED,
        "nghi huu": Occupation.RETIRED,
        "khac": Occupation.OTHER,
    },
}
CHOICE_FIELDS = (
    "gender",
    "ethnicity",
    "religion",
    "general_education",
    "professional_level",
    "theory_level",
    "occupation",
    "status",
)


CHOICE_ENUMS: dict[str, Any] = {
    "gender": Gender, "religion": Religion, "general_education": GeneralEducation,
    "professional_level": ProfessionalLevel, "theory_level": TheoryLevel, "occupation": Occupation,
    "status": Status,
}


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _choice_lookups() -> dict[str, dict[str, str]]:
    """For each enumerated column: compact text -> key, from the keys, the labels in every
    interface language, the usual Vietnamese spellings and (ethnicity) every name of the 54
    groups (see `vocabulary`)."""
    lookups: dict[str, dict[str, str]] = {name: {} for name in CHOICE_FIELDS}
    for name in CHOICE_FIELDS:
        column = COLUMN_BY_KEY[name]
        assert column.choices is not None  # noqa: S101
        for key, _label in column.choices:
            lookups[name][compact(key)] = key
        for alias, key in ALIASES.get(name, {}).items():
            lookups[name][compact(alias)] = key
    lookups["ethnicity"].update(ethnic_lookup())
    choices_by_field = {name: enum.choices for name, enum in CHOICE_ENUMS.items()}
    for language in _languages():
        with translation.override(language):
            for name, options in choices_by_field.items():
                for key, label in options:
                    lookups[name].setdefault(compact(str(label)), str(key))
    return lookups


def _header_lookup() -> dict[str, str]:
    """Compact header text -> column key: the key itself, the label in every language and the
    usual Vietnamese headings (`vocabulary.HEADER_SYNONYMS`)."""
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        lookup[compact(column.key)] = column.key
    for language in _languages():
        with translation.override(language):
            for column in COLUMNS:
                lookup.setdefault(compact(str(column.label)), column.key)
    for key, names in HEADER_SYNONYMS.items():
        for name in names:
            found = lookup.setdefault(compact(name), key)
            assert found == key, name  # noqa: S101 (a heading names one column)
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
    # the heading of each column read and the column it was read as (key)
    columns_read: list[list[str]] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)  # headings ignored at the user's request
    # kind of error -> [column key, count, first row, first message] (see `kind_of`)
    kinds: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error_rows

    def add(self, problem: Problem) -> None:
        kind = f"{problem.column}|{kind_of(problem.message)}"
        if kind in self.kinds:
            self.kinds[kind][1] += 1
        elif len(self.kinds) < MAX_KINDS:
            self.kinds[kind] = [problem.column, 1, problem.row, problem.message]
        if len(self.problems) < MAX_ERRORS_KEPT:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def add_unchanged(self, row: int) -> None:
        self.unchanged += 1
        if len(self.unchanged_rows) < MAX_ERRORS_KEPT:
            self.unchanged_rows.append(row)

    @property
    def error_kinds(self) -> list[ErrorKind]:
        """The distinct kinds of error, the most frequent first, each with its count and the first
        row where it occurs."""
        kinds = [ErrorKind(column, count, row, message) for column, count, row, message in self.kinds.values()]
        return sorted(kinds, key=lambda k: (-k.count, k.row))

    @property
    def show_kinds(self) -> bool:
        return len(self.kinds) > 1 and (self.more_problems > 0 or len(self.problems) > KINDS_FROM)

    @property
    def encoding_label(self) -> str:
        return str(ENCODING_LABELS.get(self.encoding, self.encoding))

    @property
    def read_columns(self) -> list[tuple[str, str]]:
        return [(heading, column_label(key)) for heading, key in self.columns_read]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unchanged_rows"] = self.unchanged_rows[:MAX_ERRORS_KEPT]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        data = dict(data)
        data["problems"] = [Problem(**p) for p in data.get("problems", [])]
        return cls(**data)


ENCODING_LABELS = {
    "unicode": gettext_lazy("Unicode"),
    "tcvn3": gettext_lazy("TCVN3 (ABC, .VnTime fonts)"),
    "vni": gettext_lazy("VNI (VNI-Times fonts)"),
    "cp1258": gettext_lazy("Windows-1258 (Vietnamese Windows code page)"),
    "unknown_legacy": gettext_lazy("an old Vietnamese encoding that could not be recognised"),
}


@dataclass(frozen=True)
class ErrorKind:
    column: str
    count: int
    row: int
    message: str

    @property
    def column_label(self) -> str:
        return column_label(self.column)


_QUOTED = re.compile(r"“[^”]*”|\d+")


def kind_of(message: str) -> str:
    """The kind of an error: its message with the quoted values and the numbers taken out."""
    return _QUOTED.sub("…", message)


class UploadRejected(Exception):
    """The file as a whole is refused (size, type, structure). `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
