"""Validation of member data that imports, forms and the API share."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chibo.core.text import has_bidi_controls, normalize_text

# Scripts whose writing needs the zero-width (non-)joiner: Arabic script (Persian), the Indic
# scripts. Latin-script names (Vietnamese) never do.
_JOINER_SCRIPTS = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u0900-\u0dff]")
_MARKUP = frozenset("<>")
_FORMULA_START = ("=", "+", "@")


def clean_full_name(value: str) -> str:
    """A person's name: no invisible characters (format characters such as U+200C or U+2060 are
    allowed only where the script needs the joiners), no markup, no formula, no digits."""
    if has_bidi_controls(value):
        raise ValidationError(_("The name contains invisible control characters."))
    needs_joiners = bool(_JOINER_SCRIPTS.search(value))
    for ch in value:
        if unicodedata.category(ch) == "Cf" and not (needs_joiners and ch in "\u200c\u200d"):
            raise ValidationError(
                _("The name contains an invisible character (U+%(code)04X): retype the name without it.")
                % {"code": ord(ch)})
    if any(ch in _MARKUP for ch in value):
        raise ValidationError(_("A name cannot contain “<” or “>”."))
    if value.strip().startswith(_FORMULA_START):
        raise ValidationError(_("A name cannot start with “=”, “+” or “@” (a spreadsheet formula)."))
    name = normalize_text(value)
    if not name:
        raise ValidationError(_("The full name is required."))
    if len(name) > 200:
        raise ValidationError(_("The full name is too long (at most 200 characters)."))
    if any(ch.isdigit() for ch in name):
        raise ValidationError(_("A name cannot contain digits."))
    return name


def clean_national_id(value: str | None, *, birth_date: dt.date | None = None, gender: str | None = None) -> str | None:
    """A 12-digit citizen identity number: province code 001–096, then a digit for century and
    gender, then the last two digits of the birth year."""
    if value is None:
        return None
    value = value.strip().replace(" ", "")
    if not value:
        return None
    if len(value) != 12 or not value.isdigit():
        raise ValidationError(_("A citizen identity number has exactly 12 digits."))
    if not 1 <= int(value[:3]) <= 96:
        raise ValidationError(_("The first three digits of the identity number are not a province code."))
    if birth_date is not None:
        century_digit = int(value[3])
        century = 1900 + 100 * (century_digit // 2)
        if century + int(value[4:6]) != birth_date.year:
            raise ValidationError(_("The identity number does not match the year of birth."))
        if gender is not None and (century_digit % 2 == 1) != (gender == "female"):
            raise ValidationError(_("The identity number does not match the gender."))
    return value


def full_months(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_admission_age(*, birth_date: dt.date, decision_date: dt.date, min_age_months: int,
                        max_age_months: int | None = None, provincial_approval: bool = False) -> None:
    """The age rules of admission (Charter Art. 1; the numbers come from the rulebook as of the
    decision date): raises ValidationError on `birth_date`. `max_age_months=None` skips the upper
    limit (an import of past admissions does not say whether the province approved)."""
    age = full_months(birth_date, decision_date)
    if age < min_age_months:
        raise ValidationError({"birth_date": [
            _("Too young to be admitted: %(years)d full years (at least %(min)d).")
            % {"years": age // 12, "min": min_age_months // 12}]})
    if max_age_months is not None and age > max_age_months and not provincial_approval:
        raise ValidationError({"birth_date": [
            _("Over %(max)d years old: admission needs the provincial committee's approval.")
            % {"max": max_age_months // 12}]})
