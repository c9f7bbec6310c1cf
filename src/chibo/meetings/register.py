"""Who a meeting counts: the member register on the meeting's date.

The attendance base of an organization on a date is every member affiliated with it that day
(official or temporary activity) whose status that day is probationary or official: members
exempted from work and activities are not counted, nor are members who left or had not joined.
Members on special duty are taken out by their attendance row (`special_duty`).
Unscoped helpers: the services and selectors that call them have already scoped the meeting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from chibo.core.validtime import valid_on_q
from chibo.members.choices import Status
from chibo.members.models import Affiliation, StatusPeriod

COUNTED = (Status.PROBATIONARY, Status.OFFICIAL)


def statuses_on(member_ids: Iterable[int], on: dt.date) -> dict[int, str]:
    ids = list(member_ids)
    out: dict[int, str] = {}
    for i in range(0, len(ids), 900):
        rows = StatusPeriod.objects.filter(member_id__in=ids[i:i + 900]).filter(valid_on_q(on))
        out.update(rows.values_list("member_id", "status"))
    return out


def base_statuses(org_id: int, on: dt.date) -> dict[int, str]:
    """Member id -> status on `on`, for the attendance base of the organization on that date."""
    ids = set(
        Affiliation.objects.filter(org_id=org_id).filter(valid_on_q(on)).values_list("member_id", flat=True)
    )
    return {m: s for m, s in statuses_on(ids, on).items() if s in COUNTED}


def official_members(org_id: int, on: dt.date) -> int:
    return sum(1 for s in base_statuses(org_id, on).values() if s == Status.OFFICIAL)


def affiliated_between(org_id: int, start: dt.date, end: dt.date) -> set[int]:
    """Members affiliated with the organization at any time in [start, end)."""
    q = (Q(valid_to__isnull=True) | Q(valid_to__gt=start)) & Q(valid_from__lt=end)
    return set(Affiliation.objects.filter(org_id=org_id).filter(q).values_list("member_id", flat=True))
