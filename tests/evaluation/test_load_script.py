"""The 2,000-writer script (bench/evaluation_load.py) sends self-assessments the round accepts.

Its first run at province scale got 400 for all 2,000 writes: it sent points to a 2023 round of
124-QĐ/TW, whose criteria are graded. The body is now derived from the round's rules and criteria
through the API; this test sends it for a graded round and a 100-point round, through the same
API with a token, and each write is accepted."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from bench import evaluation_load
from chibo.accounts.services import token_create
from chibo.evaluation import services
from chibo.evaluation.models import Assessment, State

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def via_api(admin, monkeypatch):
    _, key = token_create(actor=None, user=admin, days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    def call(url: str, token: str, method: str = "GET", body: dict[str, Any] | None = None) -> tuple[int, Any]:
        assert token == key
        path = url.removeprefix("http://chibo.test")
        if method == "POST":
            resp = client.post(path, data=json.dumps(body), content_type="application/json")
        else:
            resp = client.get(path, HTTP_ACCEPT="application/json")
        return resp.status_code, resp.json() if resp.content else None

    monkeypatch.setattr(evaluation_load, "call", call)
    return key


@pytest.mark.parametrize("year", [2023, 2025])
def test_the_scripts_bodies_are_accepted(tree, people, criteria, via_api, year):
    rnd = services.round_open(actor=None, org=tree["GX1"], year=year, opened_on=D(year, 12, 1))
    base = "http://chibo.test"
    rows = evaluation_load.pending(base, via_api, rnd.pk, 4)
    assert len(rows) == 4
    bodies = evaluation_load.bodies_for(base, via_api, rnd.pk)
    expected_scale = "grades" if year == 2023 else "points"
    assert rnd.rules["scale"] == expected_scale
    for row in rows:
        body = {"version": row["version"], **evaluation_load.body_for(bodies, row)}
        status, answer = evaluation_load.call(
            f"{base}/api/v1/evaluation-assessments/{row['id']}/self-assess/", via_api, "POST", body)
        assert status == 200, answer
    done = Assessment.objects.filter(pk__in=[r["id"] for r in rows], state=State.SELF_ASSESSED, version=2)
    assert done.count() == 4
    # read back through the API's state filter, as the script does
    back = evaluation_load.self_assessed(base, via_api, rnd.pk)
    assert sorted(r["id"] for r in back) == sorted(r["id"] for r in rows)
    assert all(r["state"] == "pending" for r in evaluation_load.pending(base, via_api, rnd.pk, 100))


def test_an_unknown_state_is_a_clear_400(tree, people, criteria, via_api):
    rnd = services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))
    status, answer = evaluation_load.call(
        f"http://chibo.test/api/v1/evaluation-assessments/?round={rnd.pk}&state=done", via_api)
    assert status == 400 and "state" in answer
