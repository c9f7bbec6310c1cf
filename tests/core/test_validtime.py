"""Valid time: [valid_from, valid_to) with nulls as open ends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q

from chibo.accounts.models import RoleAssignment
from chibo.core.validtime import as_of, covers, overlaps_q, today, valid_on_q
from tests.factories import get_role, make_persona

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "on", "expected"),
    [
        (D(2020, 1, 1), None, D(2020, 1, 1), True),  # start inclusive
        (D(2020, 1, 1), None, D(2019, 12, 31), False),
        (D(2020, 1, 1), D(2021, 1, 1), D(2020, 12, 31), True),
        (D(2020, 1, 1), D(2021, 1, 1), D(2021, 1, 1), False),  # end exclusive
        (None, D(2021, 1, 1), D(1900, 1, 1), True),
        (None, None, D(2000, 1, 1), True),
    ],
)
def test_covers(start, end, on, expected):
    assert covers(start, end, on) is expected


def test_valid_on_q_shape():
    q = valid_on_q(D(2020, 5, 1), prefix="org")
    assert "org__valid_from__lte" in str(q)
    assert "org__valid_to__gt" in str(q)
    assert isinstance(q, Q)


def test_today_is_local_date():
    from django.utils import timezone

    assert today() == timezone.localdate()


@pytest.mark.django_db
def test_as_of_and_overlaps_on_the_database():
    user = make_persona("u")
    r = get_role("committee_viewer")
    rows = {
        "open": RoleAssignment.objects.create(user=user, role=r, valid_from=D(2020, 1, 1)),
        "closed": RoleAssignment.objects.create(
            user=user, role=r, valid_from=D(2020, 1, 1), valid_to=D(2021, 1, 1)
        ),
        "later": RoleAssignment.objects.create(user=user, role=r, valid_from=D(2022, 1, 1)),
    }
    qs = RoleAssignment.objects.filter(user=user)

    def names(q):
        return {k for k, v in rows.items() if v.pk in set(q.values_list("pk", flat=True))}

    assert names(as_of(qs, D(2019, 12, 31))) == set()
    assert names(as_of(qs, D(2020, 1, 1))) == {"open", "closed"}
    assert names(as_of(qs, D(2021, 1, 1))) == {"open"}
    assert names(as_of(qs, D(2022, 1, 1))) == {"open", "later"}
    assert names(qs.filter(overlaps_q(D(2020, 6, 1), D(2022, 1, 1)))) == {"open", "closed"}
    assert names(qs.filter(overlaps_q(D(2021, 1, 1), None))) == {"open", "later"}
    assert names(qs.filter(overlaps_q(D(2019, 1, 1), D(2020, 1, 1)))) == set()
    for name, row in rows.items():
        for on in (D(2019, 1, 1), D(2020, 1, 1), D(2020, 12, 31), D(2021, 1, 1), D(2023, 1, 1)):
            assert row.is_valid_on(on) == (name in names(as_of(qs, on)))
