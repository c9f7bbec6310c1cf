"""The meetings' report indicators on a small fixture: each value equals a hand count, each number
the length of the records behind it, and a user of another district gets 404.

    CA (under DX), five members: regular meeting 10 May 2022 (all present, met the criteria),
        thematic meeting 20 May 2022 (one excused: 4 of 5, not met), regular meeting of June
        cancelled; its May resolution has three tasks: due 30 May done 25 May (on time), due 15
        June done 20 June (late), due 30 June not done.
    CY1 (under DY), three members: regular meeting 12 May 2022 (all present, met).
"""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.meetings import services
from chibo.meetings.models import AttendanceStatus, MeetingKind
from chibo.meetings.services import AttendanceEntry
from chibo.reports import registry
from chibo.reports.compute import BadQuestion, ask, compute
from chibo.reports.registry import DENOMINATOR, NUMERATOR

from .conftest import SYSTEM, admit, at, vn_name

pytestmark = pytest.mark.django_db
D = dt.date
PERIOD = {"start": "2022-05-01", "end": "2022-06-30"}


def held(cell, members, day, kind=MeetingKind.REGULAR, overrides=None):
    m = services.meeting_schedule(actor=None, org=cell, kind=kind, scheduled_at=at(day))
    services.meeting_hold(
        actor=None,
        meeting=m,
        held_at=at(day),
        duration_minutes=120,
        chair=None,
        clerk=None,
        self_score=90,
    )
    overrides = overrides or {}
    services.meeting_record_attendance(
        actor=None,
        meeting=m,
        entries=[
            AttendanceEntry(p.pk, overrides.get(p.pk, AttendanceStatus.PRESENT)) for p in members
        ],
    )
    return m


@pytest.fixture
def meetings(tree):
    ca = [admit(tree["CA"], vn_name("Văn", i)) for i in range(5)]
    cy = [admit(tree["CY1"], vn_name("Thị", i)) for i in range(3)]
    may = held(tree["CA"], ca, D(2022, 5, 10))
    held(tree["CA"], ca, D(2022, 5, 20), MeetingKind.THEMATIC, {ca[0].pk: AttendanceStatus.EXCUSED})
    june = services.meeting_schedule(
        actor=None, org=tree["CA"], kind=MeetingKind.REGULAR, scheduled_at=at(D(2022, 6, 10))
    )
    services.meeting_cancel(actor=None, meeting=june, reason="Bão")
    held(tree["CY1"], cy, D(2022, 5, 12))
    r = services.resolution_record(
        actor=None, meeting=may, number="05-NQ/CB", title="Nghị quyết tháng 5"
    )
    for title, due, done in (
        ("Thu đảng phí", D(2022, 5, 30), D(2022, 5, 25)),
        ("Vệ sinh môi trường", D(2022, 6, 15), D(2022, 6, 20)),
        ("Rà soát hộ nghèo", D(2022, 6, 30), None),
    ):
        t = services.task_create(actor=None, resolution=r, title=title, owner=ca[1], due_date=due)
        if done is not None:
            services.task_complete(actor=None, task=t, done_on=done)
    return ca, cy


def value(user, key, under, **dates):
    ind, q = ask(user=user, indicator=key, under=under, **dates)
    result = compute(ind, q, version="0")
    for part, number in ((NUMERATOR, result.numerator), (DENOMINATOR, result.denominator)):
        listing = ind.part(part)
        if listing is not None:
            records = list(listing.records(q))
            assert number == len(records), (key, under, part)
            for record in records:  # every cell of the list can be shown
                [c.value(record) for c in listing.columns]
    return result


def test_meetings_register_their_indicators():
    keys = {i.key for i in registry.all_indicators() if i.app == "meetings"}
    assert {
        "meetings.thematic_meetings",
        "meetings.held",
        "meetings.attendance_rate",
        "meetings.tasks_overdue",
    } <= keys


def test_meetings_held_and_their_quality_over_a_period(tree, meetings):
    assert value(SYSTEM, "meetings.held", "ORG-P1", **PERIOD).value == 3
    assert value(SYSTEM, "meetings.regular_meetings", "ORG-P1", **PERIOD).value == 2
    assert value(SYSTEM, "meetings.thematic_meetings", "ORG-P1", **PERIOD).value == 1
    assert value(SYSTEM, "meetings.thematic_meetings", "ORG-CELL-A", **PERIOD).value == 1
    assert value(SYSTEM, "meetings.thematic_meetings", "ORG-CY1", **PERIOD).value == 0
    r = value(SYSTEM, "meetings.met_criteria", "ORG-P1", **PERIOD)
    assert (r.numerator, r.denominator) == (2, 3)
    r = value(SYSTEM, "meetings.attendance_rate", "ORG-P1", **PERIOD)
    assert (r.numerator, r.denominator, r.value) == (12, 13, 92.31)
    r = value(SYSTEM, "meetings.attendance_rate", "ORG-DX", **PERIOD)
    assert (r.numerator, r.denominator) == (9, 10)
    assert value(SYSTEM, "meetings.held", None, **PERIOD).value == 3
    assert value(SYSTEM, "meetings.held", "ORG-P1", start="2022-06-01", end="2022-06-30").value == 0


def test_tasks_due_on_time_and_overdue(tree, meetings):
    assert value(SYSTEM, "meetings.tasks_due", "ORG-P1", **PERIOD).value == 3
    r = value(SYSTEM, "meetings.tasks_on_time", "ORG-P1", **PERIOD)
    assert (r.numerator, r.denominator) == (1, 3)
    # overdue on a date: past due and not done by then
    for on, n in (("2022-05-31", 0), ("2022-06-18", 1), ("2022-07-01", 1), ("2022-06-25", 0)):
        assert value(SYSTEM, "meetings.tasks_overdue", "ORG-P1", as_of=on).value == n, on
    ind, q = ask(
        user=SYSTEM, indicator="meetings.tasks_overdue", under="ORG-P1", as_of="2022-07-01"
    )
    assert [t.title for t in ind.numerator.records(q)] == ["Rà soát hộ nghèo"]


def test_a_district_counts_only_its_own(tree, meetings, district_x):
    assert value(district_x, "meetings.held", None, **PERIOD).value == 2
    assert value(district_x, "meetings.attendance_rate", None, **PERIOD).denominator == 10
    with pytest.raises(BadQuestion) as err:
        ask(user=district_x, indicator="meetings.held", under="ORG-DY", **PERIOD)
    assert err.value.status == 404


def test_another_district_gets_404_on_the_pages_and_the_api(tree, meetings, client_district_x):
    for key in ("meetings.held", "meetings.attendance_rate", "meetings.tasks_overdue"):
        params = {"indicator": key, "under": "ORG-DY", "from": PERIOD["start"], "to": PERIOD["end"]}
        for url in ("/reports/value/", "/reports/drill/", "/api/v1/reports/value/"):
            assert client_district_x.get(url, params).status_code == 404, (url, key)
    r = client_district_x.get(
        "/api/v1/reports/value/",
        {
            "indicator": "meetings.held",
            "under": "ORG-DX",
            "from": PERIOD["start"],
            "to": PERIOD["end"],
        },
    )
    assert r.status_code == 200 and r.json()["value"] == 2
    r = client_district_x.get(
        "/reports/drill/",
        {
            "indicator": "meetings.attendance_rate",
            "under": "ORG-DX",
            "part": "denominator",
            "from": PERIOD["start"],
            "to": PERIOD["end"],
        },
    )
    assert r.status_code == 200 and "ORG-CELL-A" in r.content.decode()
