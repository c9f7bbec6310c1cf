"""The menu: every entry leads to a page the user can open, and a user sees only those."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from chibo.web.nav import ENTRIES, entries_for

pytestmark = pytest.mark.django_db


def labels(user) -> set[str]:
    with translation.override("en"):
        return {str(item["label"]) for item in entries_for(user, "/")}


def test_a_cell_secretary_sees_the_work_of_a_cell_and_not_the_administration(secretary_a):
    seen = labels(secretary_a)
    assert {"Party members", "Meetings", "Reports", "My background jobs"} <= seen
    assert "User accounts" not in seen and "Read log" not in seen


def test_every_entry_a_user_sees_opens(personas):
    for name in ("admin", "staff_p1", "secretary_a"):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(personas[name])
        for item in entries_for(personas[name], "/"):
            r = client.get(item["url"])
            assert r.status_code in (200, 302), (name, item["url"], r.status_code)


def test_an_anonymous_visitor_has_no_menu():
    from django.contrib.auth.models import AnonymousUser

    assert entries_for(AnonymousUser(), "/") == []
    assert len(ENTRIES) >= 8
