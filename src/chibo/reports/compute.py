"""Computing an indicator for a node of the user's scope, on a date or over a period.

The question is checked first (`ask`): an unknown indicator, a node the user may not report on
(404, as for a node that does not exist), a date that is not a date, before 1930 or an inverted
period (400) raise `BadQuestion` with a translated message. A `Result` records the data version
it was computed at: the id of the last audit event (every write, bulk writes included, writes
one), so the same question at the same data version gives the same number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from chibo.core.models import AuditEvent
from chibo.core.paths import segments
from chibo.core.scoping import scope_fingerprint
from chibo.core.validtime import today
from chibo.orgs.models import Organization
from chibo.rules.selectors import MissingRule, rule

from .registry import AS_OF, COUNT, Indicator, Question, UnknownIndicator, get

REPORT = "report.view"
EARLIEST = dt.date(1930, 1, 1)


class BadQuestion(ValueError):
    def __init__(self, message: str, status: int = 400, field: str = "") -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def parse_date(raw: str | None, name: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise BadQuestion(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}, field=name
        ) from exc
    if day < EARLIEST:
        raise BadQuestion(
            _("There are no records before 1930: %(date)s.") % {"date": day.isoformat()}, field=name
        )
    return day


def node_get(*, user: Any, code: str) -> Organization:
    """The organization with this code if the user may report on it (else BadQuestion 404)."""
    try:
        return Organization.objects.restrict(user, REPORT).get(code=code)
    except Organization.DoesNotExist as exc:
        raise BadQuestion(
            _("No organization with this code in your scope."), status=404, field="under"
        ) from exc


def indicator_get(key: str) -> Indicator:
    try:
        return get(key)
    except UnknownIndicator as exc:
        raise BadQuestion(
            _("Unknown indicator “%(key)s”.") % {"key": key}, status=404, field="indicator"
        ) from exc


def period_default(on: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(on.year, 1, 1), on


def ask(
    *,
    user: Any,
    indicator: str,
    under: str | None,
    as_of: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> tuple[Indicator, Question]:
    """Check a question given as text (a page's or the API's parameters)."""
    ind = indicator_get(indicator)
    org = node_get(user=user, code=under) if under else None
    day, first, last = parse_date(as_of, "as_of"), parse_date(start, "from"), parse_date(end, "to")
    if first is not None and last is not None and first > last:
        raise BadQuestion(
            _("The period ends before it starts (%(start)s – %(end)s).")
            % {"start": first.isoformat(), "end": last.isoformat()},
            field="from",
        )
    return ind, question(ind, user=user, org=org, as_of=day, start=first, end=last)


def question(
    ind: Indicator,
    *,
    user: Any,
    org: Organization | None,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Question:
    if ind.kind == AS_OF:
        return Question(user=user, org=org, as_of=as_of or end or today())
    if start is None and end is None and as_of is not None:
        start, end = period_default(as_of)
    end = end or today()
    start = start or dt.date(end.year, 1, 1)
    if start > end:
        raise BadQuestion(
            _("The period ends before it starts (%(start)s – %(end)s).")
            % {"start": start.isoformat(), "end": end.isoformat()},
            field="from",
        )
    return Question(user=user, org=org, start=start, end=end)


def data_version() -> str:
    """The id and hash of the last audit event (every write writes one; the trail is hash-chained):
    what the data looked like when a figure was computed."""
    # exports change nothing: their events (written as figures leave) do not make a new version
    last = (
        AuditEvent.objects.exclude(action__endswith=".export")
        .order_by("-id")
        .values_list("id", "hash")
        .first()
    )
    return f"{last[0]}-{last[1][:12]}" if last else "0"


@dataclass(frozen=True)
class Result:
    indicator: Indicator
    question: Question
    numerator: int
    denominator: int | None
    target: float | None
    data_version: str

    @property
    def value(self) -> float | int | None:
        if self.indicator.unit == COUNT:
            return self.numerator
        if not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator, 2)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return float(self.value) >= self.target

    def as_dict(self) -> dict[str, Any]:
        q = self.question
        return {
            "indicator": self.indicator.key,
            "unit": self.indicator.unit,
            "kind": self.indicator.kind,
            "under": q.org.code if q.org is not None else None,
            "as_of": q.as_of.isoformat() if q.as_of else None,
            "from": q.start.isoformat() if q.start else None,
            "to": q.end.isoformat() if q.end else None,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
            "meets_target": self.meets_target,
            "data_version": self.data_version,
        }


def target_of(ind: Indicator, q: Question) -> float | None:
    if not ind.source_rule:
        return None
    org_ids: list[int] = []
    if q.org is not None:
        version = q.org.version_on(q.on) or q.org.versions.order_by("-valid_from").first()
        if version is not None:
            org_ids = list(reversed(segments(version.path)))
    try:
        value = rule(ind.source_rule, on=q.on, org_ids=org_ids)
    except MissingRule:  # no such rule on that date: no target to measure against
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _scope_key(user: Any) -> str:
    """The user's scopes, for every action an indicator may read through (members, letters,
    meetings…): the roles they hold today and where (`scope_fingerprint`)."""
    return hashlib.sha256(scope_fingerprint(user).encode()).hexdigest()[:16]


def remember(parts: tuple[Any, ...], user: Any, version: str, fn: Callable[[], Any]) -> Any:
    """`fn()`, kept in the cache under the data version and the user's scope."""
    if version == "0":
        return fn()
    key = (
        "chibo-report:"
        + hashlib.sha256(repr((parts, _scope_key(user), version)).encode()).hexdigest()
    )
    hit = cache.get(key)
    if hit is None:
        hit = fn()
        cache.set(key, hit, 24 * 3600)
    return hit


def compute(
    ind: Indicator, q: Question, *, version: str | None = None, use_cache: bool = True
) -> Result:
    """The value; kept in the cache under the data version and the user's scope (the same
    question on the same data gives the same number, so a kept one is never stale)."""
    version = data_version() if version is None else version
    key = None
    if use_cache and version != "0":
        key = (
            "chibo-report:"
            + hashlib.sha256(
                repr(
                    (
                        ind.key,
                        _scope_key(q.user),
                        getattr(q.org, "pk", None),
                        q.as_of,
                        q.start,
                        q.end,
                        version,
                    )
                ).encode()
            ).hexdigest()
        )
        hit = cache.get(key)
        if hit is not None:
            return Result(
                indicator=ind,
                question=q,
                numerator=hit[0],
                denominator=hit[1],
                target=target_of(ind, q),
                data_version=version,
            )
    num = ind.numerator.number(q)
    den = ind.denominator.number(q) if ind.denominator is not None else None
    if key is not None:
        cache.set(key, (num, den), 24 * 3600)
    return Result(
        indicator=ind,
        question=q,
        numerator=num,
        denominator=den,
        target=target_of(ind, q),
        data_version=version,
    )
