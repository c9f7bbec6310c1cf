"""The meetings API and the `chibo meetings quality` command."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chibo.meetings import services
from chibo.meetings.models import MeetingKind

from .conftest import admit, at, vn_name

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def held(tree):
    ms = [admit(tree["CA"], vn_name("Văn", i)) for i in range(4)]
    out = []
    for month in (1, 2):
        m = services.meeting_schedule(actor=None, org=tree["CA"], kind=MeetingKind.REGULAR,
                                      scheduled_at=at(D(2023, month, 10)))
        services.meeting_record(actor=None, meeting=m, held_at=at(D(2023, month, 10)), duration_minutes=120,
                                chair=None, clerk=None, self_score=90 if month == 1 else None,
                                entries=[services.AttendanceEntry(x.pk, "present") for x in ms])
        v = services.vote_record(actor=None, meeting=m, question="NQ", official_present=4, votes_for=4,
                                 votes_against=0, abstentions=0)
        r = services.resolution_record(actor=None, meeting=m, number=f"{month}-NQ", title="NQ", vote=v)
        services.task_create(actor=None, resolution=r, title="Việc", owner=ms[0], due_date=D(2023, month, 28))
        out.append(m)
    return out


def test_api_lists_are_scoped(tree, held, login, secretary_a, secretary_b):
    a, b = login(secretary_a), login(secretary_b)
    for url in ("/api/v1/meetings/", "/api/v1/meeting-votes/", "/api/v1/resolutions/", "/api/v1/meeting-tasks/",
                "/api/v1/meeting-attendance/"):
        got = a.get(url).json()
        assert got["count"] > 0, url
        assert b.get(url).json()["count"] == 0, url
    assert a.get(f"/api/v1/meetings/{held[0].pk}/").json()["agenda"][0]["position"] == 1
    assert b.get(f"/api/v1/meetings/{held[0].pk}/").status_code == 404


def test_api_quality(tree, held, login, district_x, district_y):
    c = login(district_x)
    r = c.get("/api/v1/meetings/quality/", {"under": tree["GX1"].code, "from": "2023-01-01", "to": "2023-03-31"})
    assert r.status_code == 200
    total = r.json()["total"]
    # two cells, three months and one quarter each
    assert (total["due"], total["held"], total["met_criteria"], total["attendance_rate"]) == (8, 2, 1, 100.0)
    assert login(district_y).get("/api/v1/meetings/quality/", {"under": tree["GX1"].code}).status_code == 404
    assert c.get("/api/v1/meetings/quality/", {"under": tree["GX1"].code, "from": "nope"}).status_code == 400


def test_command_quality(tree, held):
    out = StringIO()
    call_command("meetings", "quality", "--under", tree["GX1"].code, "--from", "2023-01-01", "--to",
                 "2023-12-31", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert {"due", "held", "met_criteria", "attendance_rate", "tasks_done_on_time", "tasks_overdue"} <= set(data)
    assert data["held"] == 2 and data["tasks_overdue"] == 2 and data["tasks_done_on_time"] == 0
    with pytest.raises(CommandError):
        call_command("meetings", "quality", "--under", "NOPE", "--from", "2023-01-01", "--to", "2023-12-31")
