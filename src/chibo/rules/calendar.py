"""One working-day calendar for every deadline: Monday–Friday, minus Vietnam's public holidays
(Tết included, from the `holidays` package), with the exceptions administrators record."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=[year]).keys())


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_working_day"))


def is_working_day(day: dt.date, exceptions: dict[dt.date, bool] | None = None) -> bool:
    if exceptions is None:
        exceptions = _exceptions(day, day)
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5 and day not in _national(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    exceptions = _exceptions(start, start + dt.timedelta(days=days * 2 + 60))
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            n += 1
    return n
