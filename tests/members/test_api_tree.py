"""`/api/v1/members/tree/`: an organization's subtree on a date with the members under each node.
Every node's number is the one the counts endpoint gives for it; scoped (404 outside); bad
parameters answer 400 and the size is capped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chibo.members import selectors, services
from chibo.members.api import views as api_views

pytestmark = pytest.mark.django_db
URL = "/api/v1/members/tree/"


@pytest.fixture
def api(mt_people, mt_login):
    return {key: mt_login(user) for key, user in mt_people.items()}


def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from walk(node["children"])


@pytest.mark.parametrize("on", ["2013-01-01", "2015-06-01", "2020-01-01"])
@pytest.mark.parametrize("who", ["admin", "staff"])
def test_every_node_agrees_with_the_counts_endpoint(api, mt_members, who, on):
    response = api[who].get(URL, {"under": "MT-P", "as_of": on})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["under"], body["as_of"], body["depth"]) == ("MT-P", on, None)
    nodes = list(walk(body["tree"]))
    assert [n["code"] for n in nodes] == ["MT-P", "MT-D", "MT-G", "MT-CA", "MT-CB"]
    for node in nodes:
        counts = api[who].get("/api/v1/members/counts/", {"under": node["code"], "as_of": on}).json()
        assert node["members"] == counts["total"], node["code"]
    assert [n["members"] for n in nodes] == {"2013-01-01": [1, 1, 1, 0, 1], "2015-06-01": [2, 2, 2, 1, 1],
                                             "2020-01-01": [3, 3, 3, 2, 1]}[on]


def test_members_who_left_are_not_counted_after_they_left(api, mt_members):
    services.member_event(actor=None, member=mt_members["an"], type="withdrawn", on=dt.date(2022, 1, 1))
    before = api["admin"].get(URL, {"under": "MT-G", "as_of": "2021-12-31"}).json()["tree"][0]
    after = api["admin"].get(URL, {"under": "MT-G", "as_of": "2022-01-01"}).json()["tree"][0]
    assert (before["members"], after["members"]) == (3, 2)
    assert [c["members"] for c in after["children"]] == [1, 1]


def test_depth_limits_the_nodes_not_the_numbers(api, mt_members):
    body = api["admin"].get(URL, {"under": "MT-P", "as_of": "2020-01-01", "depth": "1"}).json()
    (top,) = body["tree"]
    assert body["depth"] == 1 and top["members"] == 3
    assert [(c["code"], c["members"], c["children"]) for c in top["children"]] == [("MT-D", 3, [])]
    (root,) = api["admin"].get(URL, {"under": "MT-CA", "depth": "0"}).json()["tree"]
    assert (root["code"], root["children"]) == ("MT-CA", [])


def test_scoped_users_see_their_part_and_404_outside(api, mt_members):
    (cell,) = api["sec_a"].get(URL, {"under": "MT-CA", "as_of": "2020-01-01"}).json()["tree"]
    assert (cell["code"], cell["members"]) == ("MT-CA", 2)
    assert api["sec_a"].get(URL, {"under": "MT-CB"}).status_code == 404
    assert api["sec_a"].get(URL, {"under": "MT-P"}).status_code == 404
    assert api["staff"].get(URL, {"under": "MT-CQ"}).status_code == 404
    assert api["staff"].get(URL, {"under": "NOPE"}).status_code == 404
    body = api["admin"].get(URL, {"under": "MT-Q", "as_of": "2020-01-01"}).json()
    assert [(n["code"], n["members"]) for n in walk(body["tree"])] == [
        ("MT-Q", 1), ("MT-QD", 1), ("MT-QG", 1), ("MT-CQ", 1)]


def test_an_organization_not_yet_established_gives_an_empty_tree(api, mt_members):
    assert api["admin"].get(URL, {"under": "MT-P", "as_of": "1999-12-31"}).json()["tree"] == []


@pytest.mark.parametrize("params", [{}, {"under": ""}, {"under": "MT-P", "depth": "-1"},
                                    {"under": "MT-P", "depth": "two"}, {"under": "MT-P", "depth": "21"},
                                    {"under": "MT-P", "as_of": "yesterday"}])
def test_bad_parameters_answer_400(api, mt_members, params):
    response = api["staff"].get(URL, params)
    assert response.status_code == 400, response.content


def test_a_tree_too_large_asks_for_a_smaller_depth(api, mt_members, monkeypatch):
    monkeypatch.setattr(api_views, "TREE_MAX_NODES", 4)
    response = api["admin"].get(URL, {"under": "MT-P"})
    assert response.status_code == 400
    assert "give a smaller depth" in response.content.decode()
    assert api["admin"].get(URL, {"under": "MT-P", "depth": "2"}).status_code == 200


def test_three_queries_whatever_the_size(mt_people, mt_members, mt_tree):
    with CaptureQueriesContext(connection) as queries:
        tree = selectors.tree_with_counts(user=mt_people["admin"], org=mt_tree["MT-P"], on=dt.date(2020, 1, 1))
    assert tree[0]["members"] == 3
    assert len(queries) == 3
