"""Parsing and validating one row: cells to a `MemberRecord`, or the row's problems."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from chibo.core.text import has_bidi_controls
from chibo.core.validtime import today
from chibo.core.vnencoding import LegacyTextError, TextFixer
from chibo.orgs.models import Organization

from ..bulk import EventSpec, MemberRecord
from ..choices import (
    EventType,
    Status,
)
from ..services import PersonData
from ..validation import add_months, check_admission_age, clean_full_name, clean_national_id
from .columns import CHOICE_ENUMS, COLUMN_BY_KEY, REQUIRED, Problem, _choice_lookups, _header_lookup
from .vocabulary import ETHNIC_OTHER_NAMES, compact, education_from_grade, header_keys

log = logging.getLogger(__name__)

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
                raise CellError(
                    _("“%(value)s” is not a date: write dd/mm/yyyy.") % {"value": text[:40]}
                )
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
    # A status the import cannot give a new member (exempt, left): fine for a member already
    # registered (a re-imported export), an error for a new one (`run._match_existing`).
    status_for_existing_only: str | None = None


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
        self._rule_rows: dict[str, list[tuple[Any, Any, Any, Any]]] = {}
        self._ancestors: dict[tuple[int, dt.date], list[int]] = {}
        self._choices: dict[tuple[str, str], str] = {}
        self.header_matches = 0
        self.columns_read: list[tuple[str, str]] = []
        self.unknown: list[tuple[str, str]] = []

    # header ------------------------------------------------------------------------------------

    def read_header(self, number: int, values: Sequence[Any]) -> list[Problem]:
        """Map the column names in row `number`; the problems say what is missing. The mapping
        is kept only when there is no problem. `columns_read` lists (heading, column key) of
        every column read; `unknown` the headings that name no column (column letter, text)."""
        problems: list[Problem] = []
        positions: dict[str, int] = {}
        read: list[tuple[str, str]] = []
        unknown: list[tuple[str, str]] = []
        for position, raw in enumerate(values):
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                text = self.fixer(str(raw)).strip()
            except LegacyTextError:
                text = str(raw).strip()
            key = next((self.headers[k] for k in header_keys(text) if k in self.headers), None)
            if key is None:
                unknown.append((get_column_letter(position + 1), text[:80]))
                continue
            if key in positions:
                problems.append(Problem(number, key, _("This column appears twice.")))
                continue
            positions[key] = position
            read.append((text[:80], key))
        for key in REQUIRED:
            if key not in positions:
                problems.append(
                    Problem(number, key, _("This column is missing from the row of column names."))
                )
        self.unknown = unknown
        if not problems:
            self.positions = positions
            self.columns_read = read
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
            raise CellError(
                _(
                    "This text seems to be in an old Vietnamese encoding (TCVN3 or VNI) that cannot be "
                    "converted cleanly. Convert the file to Unicode (for example with Unikey's "
                    "converter) and try again."
                )
            ) from exc
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
        found = self.lookups[key].get(compact(text))
        if found is None and key == "general_education":
            found = education_from_grade(text)
        if found is None:
            raise CellError(self._not_accepted(key, text))
        self._choices[memo] = found
        return found

    def _not_accepted(self, key: str, text: str) -> str:
        """What to write instead: the closest accepted spelling, else the accepted values."""
        value = text[:60]
        if key == "general_education":
            return _(
                "“%(value)s” is not a general education level: write the grade completed and the system,"
                " for example 9/12, 11/12 or 12/12 (or 7/10, 10/10 in the old 10-year system)."
            ) % {"value": value}
        options = CHOICE_ENUMS[key].choices if key in CHOICE_ENUMS else COLUMN_BY_KEY[key].choices or ()
        names = {compact(str(label)): str(label) for _key, label in options}
        if key == "ethnicity":
            for name, others in ETHNIC_OTHER_NAMES.items():
                names.update({compact(o): name for o in others})
        close = difflib.get_close_matches(compact(text), list(names), n=1, cutoff=0.75)
        if close:
            return _("“%(value)s” is not accepted here: write “%(suggestion)s”.") % {
                "value": value, "suggestion": names[close[0]]}
        if key == "ethnicity":
            return _(
                "“%(value)s” is not one of the 54 ethnic groups: write the group's name (for example"
                " “Mông”, “Ê Đê”, “Khmer”) or its two-digit code, as in the template's instructions sheet."
            ) % {"value": value}
        return _("“%(value)s” is not accepted here: write one of %(values)s.") % {
            "value": value, "values": ", ".join(f"“{label}”" for label in dict.fromkeys(names.values()))}

    def _date(self, values: Sequence[Any], key: str) -> dt.date | None:
        return parse_date(self._raw(values, key), self.epoch)

    def _cell(self, code: str) -> int | None:
        if code not in self.cells:
            qs = (
                Organization.objects.all()
                if self.user is None
                else Organization.objects.restrict(self.user, "member.change")
            )
            self.cells[code] = qs.filter(code=code).values_list("pk", flat=True).first()
        return self.cells[code]

    def rule_value(self, key: str, on: dt.date, cell_id: int | None = None) -> int:
        """`rule(key, on=on, org_ids=<the cell and its ancestors on that day>)`, as the member
        services read it, from the rulebook rows read once per file (a file has thousands of
        distinct dates); the cell's ancestors are looked up only when some organization sets
        its own value for `key`."""
        from chibo.rules.models import PolicyParameter
        from chibo.rules.selectors import MissingRule

        if key not in self._rule_rows:
            self._rule_rows[key] = list(
                PolicyParameter.objects.filter(key=key).values_list("org_id", "valid_from", "valid_to", "value"))
        rows = self._rule_rows[key]
        org_ids: list[int] = []
        if cell_id is not None and any(org for org, _s, _e, _v in rows):
            memo = (cell_id, on)
            if memo not in self._ancestors:
                from ..services import _ancestor_ids

                self._ancestors[memo] = _ancestor_ids(Organization.objects.get(pk=cell_id), on)
            org_ids = self._ancestors[memo]
        in_force = {org: value for org, start, end, value in rows
                    if (start is None or start <= on) and (end is None or on < end)}
        for org_id in [*org_ids, None]:
            if org_id in in_force:
                return int(in_force[org_id])
        raise MissingRule(f"No value for {key!r} on {on}")

    def probation_months(self, on: dt.date) -> int:
        if on not in self._probation:
            self._probation[on] = self.rule_value("probation.months", on)
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
        for key in (
            "ethnicity",
            "religion",
            "general_education",
            "professional_level",
            "theory_level",
            "occupation",
        ):
            take(key, lambda key=key: self._choice(values, key))  # type: ignore[misc]
        take("national_id", lambda: self._identifier(values, "national_id", 20))
        take("phone", lambda: self._identifier(values, "phone", 20))
        take("cell", lambda: self._text(values, "cell", 40))
        take("admission_decision_no", lambda: self._text(values, "admission_decision_no", 64))
        for key in ("admission_decision_date", "ceremony_date", "official_date", "card_date"):
            take(key, lambda key=key: self._date(values, key))  # type: ignore[misc]
        take("card_number", lambda: self._identifier(values, "card_number", 20))
        take("status", lambda: self._choice(values, "status"))
        self._check_person(number, got, problems)
        self._check_status(number, got, problems)

        for key in REQUIRED:
            if key not in {p.column for p in problems} and not got.get(key):
                problems.append(Problem(number, key, _("This value is required.")))
        phone = got.get("phone") or ""
        if phone and not _PHONE.fullmatch(phone.replace(".", "").replace("-", "")):
            problems.append(
                Problem(number, "phone", _("A phone number has digits only, optionally after +."))
            )
        cell_id = None
        if got.get("cell"):
            if not _CODE.fullmatch(got["cell"]) or (cell_id := self._cell(got["cell"])) is None:
                problems.append(Problem(number, "cell", _("No such cell.")))
        got["_cell_id"] = cell_id
        self._check_dates(number, got, problems)
        if (
            not got.get("national_id")
            and not got.get("card_number")
            and not any(p.column in ("national_id", "card_number") for p in problems)
        ):
            problems.append(
                Problem(
                    number,
                    "national_id",
                    _(
                        "Give the identity number or the party card number: they recognise the member when a file "
                        "is imported again."
                    ),
                )
            )
        national_id = got.get("national_id") or None
        card_number = got.get("card_number") or None
        if problems:
            return ParsedRow(number, None, national_id, card_number, problems)
        ceremony: dt.date = got["ceremony_date"]
        events = [
            EventSpec(
                type=EventType.ADMITTED,
                on=ceremony,
                cell_id=cell_id,
                decision_no=got["admission_decision_no"] or "",
                decision_date=got["admission_decision_date"],
            )
        ]
        if got.get("official_date"):
            events.append(EventSpec(type=EventType.RECOGNIZED, on=got["official_date"]))
        defaults = PersonData("", "", dt.date.min)
        person = PersonData(
            full_name=got["full_name"],
            gender=got["gender"],
            birth_date=got["birth_date"],
            ethnicity=got["ethnicity"] or defaults.ethnicity,
            religion=got["religion"] or defaults.religion,
            national_id=national_id,
            phone=(phone or "").replace(".", "").replace("-", ""),
            general_education=got["general_education"] or defaults.general_education,
            professional_level=got["professional_level"] or defaults.professional_level,
            theory_level=got["theory_level"] or defaults.theory_level,
            occupation=got["occupation"] or defaults.occupation,
            card_number=card_number,
            card_date=got.get("card_date"),
        )
        record = MemberRecord(
            person=person,
            events=events,
            admission_decision_no=got["admission_decision_no"] or "",
            admission_decision_date=got["admission_decision_date"],
        )
        status = got.get("status")
        other = status if status and status not in (Status.PROBATIONARY, Status.OFFICIAL) else None
        return ParsedRow(number, record, national_id, card_number, [], other)

    def _check_status(self, number: int, got: dict[str, Any], problems: list[Problem]) -> None:
        """The status column, when the file has one, must agree with the dates: nothing of what
        the file says is dropped without a word."""
        status = got.get("status")
        if status == Status.OFFICIAL and not got.get("official_date") and "official_date" not in {
                p.column for p in problems}:
            problems.append(Problem(number, "official_date", _(
                "The status says official member: give the date of recognition (official member from).")))
        elif status == Status.PROBATIONARY and got.get("official_date"):
            problems.append(Problem(number, "status", _(
                "The status says probationary, but the row gives an official date: correct one of them.")))

    def _check_person(self, number: int, got: dict[str, Any], problems: list[Problem]) -> None:
        """The checks of the member services (`clean_full_name`, `clean_national_id`) on every
        row, so that all of a row's errors are found in one pass."""
        failed = {p.column for p in problems}
        if got.get("full_name") and "full_name" not in failed:
            try:
                clean_full_name(got["full_name"])
            except ValidationError as exc:
                problems.extend(Problem(number, "full_name", m) for m in exc.messages)
        if got.get("national_id") and "national_id" not in failed:
            try:
                clean_national_id(got["national_id"], birth_date=got.get("birth_date"), gender=got.get("gender"))
            except ValidationError as exc:
                problems.extend(Problem(number, "national_id", m) for m in exc.messages)

    def _check_admission(self, number: int, got: dict[str, Any], problems: list[Problem]) -> None:
        """The age rule of admission (`check_admission_age`, as `member_admit` applies it), with
        the rulebook's values as of the row's decision date (else its ceremony date)."""
        birth, decision = got.get("birth_date"), got.get("admission_decision_date") or got.get("ceremony_date")
        if not birth or not decision or birth >= decision:
            return
        try:
            check_admission_age(birth_date=birth, decision_date=decision,
                                min_age_months=self.rule_value("admission.min_age_months", decision,
                                                               got.get("_cell_id")))
        except ValidationError as exc:
            problems.extend(Problem(number, "birth_date", m) for m in exc.messages)

    def _check_dates(self, number: int, got: dict[str, Any], problems: list[Problem]) -> None:
        self._check_admission(number, got, problems)
        birth, ceremony = got.get("birth_date"), got.get("ceremony_date")
        decision, official, card = (
            got.get("admission_decision_date"),
            got.get("official_date"),
            got.get("card_date"),
        )
        if ceremony and ceremony > self.today:
            problems.append(
                Problem(number, "ceremony_date", _("The ceremony date is in the future."))
            )
        if birth and ceremony and birth >= ceremony:
            problems.append(
                Problem(number, "birth_date", _("The date of birth must be before the admission."))
            )
        if decision and ceremony and decision > ceremony:
            problems.append(
                Problem(
                    number,
                    "admission_decision_date",
                    _("The admission decision cannot come after the ceremony."),
                )
            )
        if official and ceremony:
            months = self.probation_months(ceremony)
            expected = add_months(ceremony, months)
            if official != expected:
                problems.append(
                    Problem(
                        number,
                        "official_date",
                        _(
                            "The official date must be the end of probation: %(date)s (the ceremony date plus %(months)d "
                            "months)."
                        )
                        % {"date": expected.strftime("%d/%m/%Y"), "months": months},
                    )
                )
            elif official > self.today:
                problems.append(
                    Problem(number, "official_date", _("The official date is in the future."))
                )
        if card and ceremony and card < ceremony:
            problems.append(
                Problem(number, "card_date", _("The card cannot be issued before the admission."))
            )
