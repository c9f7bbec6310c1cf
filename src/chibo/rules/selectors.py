from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from chibo.core.validtime import valid_on_q

from .models import PolicyParameter


class MissingRule(LookupError):
    pass


def rule_row(key: str, *, on: dt.date, org_ids: list[int] | None = None) -> PolicyParameter:
    """The parameter in force on `on`: the value set by the nearest of `org_ids` (listed from
    the organization itself up to its root), else the national value."""
    rows = list(PolicyParameter.objects.filter(key=key).filter(valid_on_q(on)))
    by_org = {r.org_id: r for r in rows}
    for org_id in org_ids or []:
        if org_id in by_org:
            return by_org[org_id]
    if None in by_org:
        return by_org[None]
    raise MissingRule(f"No value for {key!r} on {on}")


def rule(key: str, *, on: dt.date, org_ids: list[int] | None = None) -> Any:
    return rule_row(key, on=on, org_ids=org_ids).value


def rulebook(*, on: dt.date | None = None) -> QuerySet[PolicyParameter]:
    qs = PolicyParameter.objects.select_related("org")
    if on is not None:
        qs = qs.filter(valid_on_q(on))
    return qs.order_by("key", "org__code", "valid_from")


def history(key: str) -> QuerySet[PolicyParameter]:
    return PolicyParameter.objects.filter(key=key).select_related("org").order_by("org__code", "valid_from")
