"""Pages and API: a secretary works on their cell's sheet and gets 404 on another cell's; the
committee's board; stale writes answer 409; ratings read are in the read log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from chibo.core.models import ReadLogEntry
from chibo.evaluation import services
from chibo.evaluation.models import Assessment, State, Subject

from .conftest import points

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def rnd(tree, people, criteria):
    return services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))


def unit(rnd, org):
    return Assessment.objects.get(round=rnd, subject=Subject.ORGANIZATION, org=org)


def first_member(rnd, org):
    return Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org=org).order_by("id").first()


def test_secretary_fills_the_sheet_row_by_row(login, secretary_a, tree, rnd):
    c = login(secretary_a)
    u = unit(rnd, tree["CA"])
    page = c.get(f"/evaluation/units/{u.pk}/")
    assert page.status_code == 200
    assert ReadLogEntry.objects.filter(actor=secretary_a, target_type="evaluation.assessment").count() == 6
    a = first_member(rnd, tree["CA"])
    data = {"version": a.version, "self_level": "good_completion", "proposed_level": "good_completion",
            "votes_for": 5, **{f"score_{k}": v for k, v in points(82).items()}}
    r = c.post(f"/evaluation/assessments/{a.pk}/row/", data, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()[:500]
    a.refresh_from_db()
    assert (a.state, a.self_total, a.proposed_level) == (State.PROPOSED, 82, "good_completion")
    # the same page, an old version: 409 with what changed (HTMX: the row's status cell says it)
    r = c.post(f"/evaluation/assessments/{a.pk}/row/", {**data, "version": 1, "proposed_level": "task_completion"})
    assert r.status_code == 409
    r = c.post(f"/evaluation/assessments/{a.pk}/row/", {**data, "version": 1, "proposed_level": "task_completion"},
               HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'role="alert"' in r.content
    a.refresh_from_db()
    assert a.proposed_level == "good_completion"
    # a level contradicting the score: 422, nothing written
    b = Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org=tree["CA"]).order_by("id")[1]
    with translation.override("en"):
        r = c.post(f"/evaluation/assessments/{b.pk}/row/",
                   {"version": b.version, "self_level": "excellent_completion", **{f"score_{k}": v for k, v in
                                                                                     points(60).items()}},
                   HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    b.refresh_from_db()
    assert b.state == State.PENDING


def test_other_cell_is_404_on_every_page_and_endpoint(login, secretary_b, tree, rnd):
    c = login(secretary_b)
    u = unit(rnd, tree["CA"])
    a = first_member(rnd, tree["CA"])
    for url in (f"/evaluation/units/{u.pk}/", f"/evaluation/units/{u.pk}/print/",
                f"/evaluation/assessments/{a.pk}/", f"/evaluation/assessments/{a.pk}/print/",
                f"/evaluation/rounds/{rnd.pk}/", f"/evaluation/rounds/{rnd.pk}/export.xlsx",
                f"/api/v1/evaluation-assessments/{a.pk}/", f"/api/v1/evaluation-rounds/{rnd.pk}/"):
        assert c.get(url).status_code == 404, url
    for url in (f"/evaluation/assessments/{a.pk}/row/", f"/evaluation/units/{u.pk}/decide/",
                f"/evaluation/assessments/{a.pk}/"):
        assert c.post(url, {"version": 1, "step": "flag"}).status_code == 404, url
    r = c.post(f"/api/v1/evaluation-assessments/{a.pk}/propose/", {"version": 1, "level": "good_completion"},
               content_type="application/json")
    assert r.status_code == 404
    a.refresh_from_db()
    assert a.state == State.PENDING
    # their own cell is there
    assert c.get(f"/evaluation/units/{unit(rnd, tree['CB']).pk}/").status_code == 200
    # a secretary sees no round board (the committee's)
    assert c.get(f"/evaluation/rounds/{rnd.pk}/").status_code == 404


def test_committee_board_summary_and_export(login, staff_p1, tree, rnd):
    c = login(staff_p1)
    assert c.get(f"/evaluation/rounds/{rnd.pk}/").status_code == 200
    assert c.get("/evaluation/").status_code == 200
    r = c.get(f"/evaluation/rounds/{rnd.pk}/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert c.get(f"/evaluation/org/{tree['GX1'].code}/summary/?year=2025").status_code == 200
    assert c.get(f"/evaluation/org/{tree['GX1'].code}/summary/list/?year=2025&of=members&key=pending").status_code == 200
    r = c.get(f"/api/v1/evaluation-rounds/summary/?under={tree['GX1'].code}&year=2025&of=members")
    assert r.status_code == 200 and r.json()["total"] == 10 and r.json()["pending"] == 10


def test_api_steps_and_409(login, staff_p1, tree, rnd):
    c = login(staff_p1)
    u = unit(rnd, tree["CA"])
    r = c.post(f"/api/v1/evaluation-assessments/{u.pk}/propose/",
               {"version": u.version, "level": "good_completion", "votes_for": 5, "on": "2025-12-02"},
               content_type="application/json")
    assert r.status_code == 200, r.content
    r = c.post(f"/api/v1/evaluation-assessments/{u.pk}/decide/",
               {"version": u.version, "level": "good_completion", "decision_number": "1", "on": "2025-12-03"},
               content_type="application/json")
    assert r.status_code == 409 and r.json()["current"]["state"] == "proposed"
    r = c.post(f"/api/v1/evaluation-assessments/{u.pk}/decide/",
               {"version": u.version + 1, "level": "good_completion", "on": "2025-12-03"},
               content_type="application/json")
    assert r.status_code == 400  # no decision number
    r = c.post(f"/api/v1/evaluation-assessments/{u.pk}/decide/",
               {"version": u.version + 1, "level": "good_completion", "decision_number": "1", "on": "2025-12-03"},
               content_type="application/json")
    assert r.status_code == 200 and r.json()["decided_level"] == "good_completion"
    r = c.post("/api/v1/evaluation-rounds/", {"org": tree["GY1"].code, "year": 2025, "opened_on": "2025-12-01"},
               content_type="application/json")
    assert r.status_code == 201
    schema = c.get("/api/schema/")
    assert schema.status_code == 200 and b"evaluation-assessments" in schema.content


def test_province_staff_sees_their_province_only(login, staff_p1, tree, rnd):
    other = services.round_open(actor=None, org=tree["GZ1"], year=2024, opened_on=D(2024, 12, 2))
    c = login(staff_p1)
    assert c.get(f"/evaluation/rounds/{other.pk}/").status_code == 404
    assert c.get(f"/api/v1/evaluation-rounds/summary/?under={tree['GZ1'].code}&year=2024").status_code == 404
    assert c.get(f"/evaluation/org/{tree['GZ1'].code}/summary/?year=2024").status_code == 404
    ids = {r["id"] for r in c.get("/api/v1/evaluation-rounds/").json()["results"]}
    assert rnd.pk in ids and other.pk not in ids
