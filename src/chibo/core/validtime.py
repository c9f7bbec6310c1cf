"""Valid time: facts carry `valid_from` (inclusive) and `valid_to` (exclusive, null = open).

One helper filters any such queryset as of a date, so "the tree on 2020-01-01" and "members of
this cell in March 2023" are the same kind of query.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.db import models
from django.db.models import Q

_QS = TypeVar("_QS", bound=models.QuerySet)  # type: ignore[type-arg]


def valid_on_q(on: dt.date, prefix: str = "") -> Q:
    """A Q object selecting rows valid on `on` (valid_from <= on < valid_to)."""
    p = f"{prefix}__" if prefix else ""
    return (Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": on})) & (
        Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gt": on})
    )


def overlaps_q(start: dt.date, end: dt.date | None, prefix: str = "") -> Q:
    """Rows whose validity overlaps [start, end)."""
    p = f"{prefix}__" if prefix else ""
    q = Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gt": start})
    if end is not None:
        q &= Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lt": end})
    return q


def as_of(qs: _QS, on: dt.date, prefix: str = "") -> _QS:
    """Filter a valid-time queryset to the rows valid on `on`."""
    return qs.filter(valid_on_q(on, prefix))


def covers(valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date) -> bool:
    return (valid_from is None or valid_from <= on) and (valid_to is None or on < valid_to)


class ValidTimeModel(models.Model):
    """Abstract base for rows with valid time."""

    valid_from = models.DateField(db_index=False)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    def is_valid_on(self, on: dt.date) -> bool:
        return covers(self.valid_from, self.valid_to, on)


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
