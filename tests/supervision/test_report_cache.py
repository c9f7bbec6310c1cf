"""A figure kept in the reports' cache is never shown to a user who may not read its records:
the cache key covers every scope of the user (`scope_fingerprint`), not only the member and
organization ones. Two users who differ only in `letter.view` (same report, organization and
member scopes) used to share the key, so the second read the first one's count of letters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from chibo.accounts.models import Role, RoleAssignment
from chibo.reports.compute import compute
from chibo.reports.registry import Question, get
from tests.factories import make_persona

from .conftest import admit, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_cache_key_separates_users_who_differ_only_in_letter_rights(tree):
    receive(tree["CB"], admit(tree["CB"], "Trần Văn Gê"))
    reader = Role.objects.create(key="letters_reader", name="Letters reader", actions=["letter.view"])
    with_letters = make_persona("viewer_letters", role="committee_viewer", org=tree["P1"])
    RoleAssignment.objects.create(user=with_letters, role=reader, org=tree["P1"], valid_from=dt.date(2000, 1, 1))
    without = make_persona("viewer_plain", role="committee_viewer", org=tree["P1"])
    ind = get("supervision.letters_received")
    period = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 12, 31)}

    seen = compute(ind, Question(user=with_letters, org=tree["P1"], **period))
    assert seen.numerator == 1
    # the same question by a user without letter rights: computed for them, not read from the cache
    hidden = compute(ind, Question(user=without, org=tree["P1"], **period))
    assert hidden.numerator == 0
    # and the first user's figure is still served to them from the cache
    assert compute(ind, Question(user=with_letters, org=tree["P1"], **period)).numerator == 1


def test_an_ended_role_changes_the_key(tree):
    receive(tree["CB"], admit(tree["CB"], "Trần Văn Hê"))
    reader = Role.objects.create(key="letters_reader", name="Letters reader", actions=["letter.view"])
    user = make_persona("viewer_ending", role="committee_viewer", org=tree["P1"])
    grant = RoleAssignment.objects.create(user=user, role=reader, org=tree["P1"], valid_from=dt.date(2000, 1, 1))
    ind = get("supervision.letters_received")
    q = {"org": tree["P1"], "start": dt.date(2024, 1, 1), "end": dt.date(2024, 12, 31)}
    assert compute(ind, Question(user=user, **q)).numerator == 1
    grant.valid_to = dt.date(2001, 1, 1)
    grant.save()
    user.refresh_from_db()
    fresh = type(user).objects.get(pk=user.pk)  # a new request: a new user object
    assert compute(ind, Question(user=fresh, **q)).numerator == 0
