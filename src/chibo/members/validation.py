"""Validation of member data that imports, forms and the API share."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chibo.core.text import has_bidi_controls, normalize_text


def clean_full_name(value: str) -> str:
    if has_bidi_controls(value):
        raise ValidationError(_("The name contains invisible control characters."))
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
