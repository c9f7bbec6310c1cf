"""Form fields for dates and instants that refuse what the database or UTC cannot hold.

Django's `DateTimeField` accepts `9999-12-31T23:59:59-23:59`, which is past year 9999 in UTC:
the query then raises `OverflowError` (a 500). `InstantField` converts to UTC while cleaning
and answers a form error instead. `BoundedDateField` keeps a date where a day may still be
added or taken away (periods end exclusively, the day after), so no later `date ± 1 day` fails.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_DATE = dt.date(1, 1, 2)
MAX_DATE = dt.date(9999, 12, 30)
OUT_OF_RANGE = _("Enter a date between the years 1 and 9999.")


def check_date(value: dt.date) -> dt.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")
    return value


class InstantField(forms.DateTimeField):
    """An instant (date and time, with or without an offset; without one, the site's time zone),
    returned in UTC. Out of range in UTC -> a form error."""

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            result = super().to_python(value)
        except OverflowError as exc:
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from exc
        if result is None:
            return None
        try:
            if timezone.is_naive(result):
                result = timezone.make_aware(result)
            utc = result.astimezone(dt.UTC)
            check_date(utc.date())
        except (OverflowError, ValueError) as exc:
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from exc
        return utc


class BoundedDateField(forms.DateField):
    def to_python(self, value: Any) -> dt.date | None:
        result = super().to_python(value)
        return None if result is None else check_date(result)
