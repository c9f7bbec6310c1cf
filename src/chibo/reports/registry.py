"""The indicator registry: every report figure is defined once, as code plus metadata.

An `Indicator` is a stable key, its translatable name and definition, a unit (count, share,
ratio), a kind (as of a date, or over a period), its numerator and (for a share or ratio) its
denominator as functions returning *querysets* of the records behind the number, so that every
number drills down to the lists it was computed from, and optionally the rulebook key of the
target it is measured against.

This module knows no domain app. Each app declares its indicators in its own `indicators.py`,
which `ReportsConfig.ready()` imports (`autodiscover_modules("indicators")`, as Django finds
`admin.py`); the functions it registers compute through that app's own selectors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNT, SHARE, RATIO = "count", "share", "ratio"
UNITS = {COUNT: _("count"), SHARE: _("share (%)"), RATIO: _("ratio (%)")}
AS_OF, PERIOD = "as_of", "period"
KINDS = {AS_OF: _("as of a date"), PERIOD: _("over a period")}
NUMERATOR, DENOMINATOR = "numerator", "denominator"


@dataclass(frozen=True)
class Question:
    """What is asked: by whom (the scope), under which organization (None: the whole scope), on
    which date or over which period (both ends included)."""

    user: Any
    org: Any | None
    as_of: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        user = getattr(self.user, "pk", None) or id(self.user)
        return (user, getattr(self.org, "pk", None), self.as_of, self.start, self.end)

    @property
    def on(self) -> dt.date:
        """The date of an as-of question; for a period, its first day (a ratio's denominator)."""
        day = self.as_of or self.start
        assert day is not None
        return day


@dataclass(frozen=True)
class Column:
    header: Promise | str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Listing:
    """The records behind a number: a queryset builder, its columns for pages and exports, and
    optionally a fast count through the app's selectors (the property tests check it equals the
    length of the list)."""

    records: Callable[[Question], QuerySet[Any]]
    columns: Sequence[Column]
    count: Callable[[Question], int] | None = None
    label: Promise | str = ""
    # the organization path each row is read-logged under (for lists of personal data)
    logged: bool = False

    def number(self, q: Question) -> int:
        return int(
            cached(
                ("listing", id(self), *q.key),
                lambda: self.count(q) if self.count is not None else self.records(q).count(),
            )
        )


@dataclass(frozen=True)
class Indicator:
    key: str
    name: Promise | str
    definition: Promise | str
    unit: str
    kind: str
    numerator: Listing
    denominator: Listing | None = None
    app: str = ""
    source_rule: str | None = None  # a rulebook key the value is measured against (at least)
    group: str = ""
    order: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    # the numerator for each organization directly under the node (by code), in one go
    by_child: Callable[[Question], dict[str, int]] | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS or self.kind not in KINDS:
            raise ValueError(f"{self.key}: unit {self.unit!r} or kind {self.kind!r} unknown")
        if (self.unit == COUNT) != (self.denominator is None):
            raise ValueError(f"{self.key}: a count has no denominator, a share or ratio has one")

    @property
    def unit_label(self) -> Promise | str:
        return UNITS[self.unit]

    @property
    def kind_label(self) -> Promise | str:
        return KINDS[self.kind]

    def part(self, name: str) -> Listing | None:
        return (
            self.numerator
            if name == NUMERATOR
            else self.denominator
            if name == DENOMINATOR
            else None
        )


_MEMO: ContextVar[dict[Any, Any] | None] = ContextVar("chibo_reports_memo", default=None)


@contextlib.contextmanager
def memo() -> Iterator[None]:
    """Within the block, the same count for the same question is computed once (a dashboard
    asks for the members on a date for several indicators)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def cached(key: Any, compute: Callable[[], Any]) -> Any:
    store = _MEMO.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


class UnknownIndicator(KeyError):
    pass


_REGISTRY: dict[str, Indicator] = {}


def register(*indicators: Indicator) -> None:
    for ind in indicators:
        if ind.key in _REGISTRY and _REGISTRY[ind.key] is not ind:
            raise ValueError(f"indicator {ind.key!r} registered twice")
        _REGISTRY[ind.key] = ind


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def get(key: str) -> Indicator:
    try:
        return _REGISTRY[key]
    except KeyError as exc:
        raise UnknownIndicator(key) from exc


def all_indicators(keys: Iterable[str] | None = None) -> list[Indicator]:
    items = list(_REGISTRY.values()) if keys is None else [get(k) for k in keys]
    return sorted(items, key=lambda i: (i.app, i.order, i.key))
