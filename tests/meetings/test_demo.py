"""The demo meetings on a small tree: a Cẩm Vịnh commune with two cells and the factory tree's
cells elsewhere; idempotent; missed meetings, unexcused absences and overdue tasks are there;
the figures stored agree with the services' computation."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest

from chibo.demo import meetings as demo
from chibo.meetings import quality, services
from chibo.meetings.models import Attendance, Meeting, Resolution, Task
from chibo.orgs import kinds as K
from chibo.orgs.services import org_establish

from .conftest import SYSTEM, admit, vn_name

D = dt.date
pytestmark = pytest.mark.django_db
TODAY = D(2025, 12, 1)


@pytest.fixture
def cam_vinh(tree):
    g = org_establish(actor=None, code="42-CV", name="Đảng bộ xã Cẩm Vịnh", kind=K.GRASSROOTS_COMMITTEE,
                      parent=tree["DX"], on=D(2020, 1, 1))
    cells = [org_establish(actor=None, code=f"42-CV-{n}", name=f"Chi bộ thôn {name}", kind=K.PARTY_CELL,
                           parent=g, on=D(2020, 1, 1)) for n, name in ((1, "Tâm Đồng"), (2, "Trung Hải"))]
    for k, cell in enumerate(cells):
        for i in range(8):
            admit(cell, vn_name("Cẩm", 10 * k + i), on=D(2020, 1, 5))
    for i in range(5):
        admit(tree["CB"], vn_name("Khác", i), on=D(2020, 1, 5))
    return g, cells


def test_build_is_idempotent_and_consistent(cam_vinh):
    g, cells = cam_vinh
    out = StringIO()
    counts = demo.build(stdout=out, today=TODAY)
    assert counts["meetings"] > 100 and counts["tasks"] > 0
    assert Meeting.objects.filter(org=cells[0]).count() > 50
    assert Meeting.objects.filter(org__code="ORG-CELL-B").exists()  # the sample elsewhere
    assert demo.build(stdout=out, today=TODAY) == {"meetings": 0, "attendance": 0, "votes": 0, "resolutions": 0,
                                                   "tasks": 0}
    assert Attendance.objects.filter(status="absent_unexcused").exists()
    assert Task.objects.filter(done_date__isnull=True, due_date__lt=TODAY).exists()
    report = quality.meeting_quality(user=SYSTEM, org=g, start=D(2021, 1, 1), end=D(2025, 10, 31), on=TODAY)
    assert 0 < report.total.held < report.total.due and report.missed
    assert 0 < report.total.met_criteria < report.total.held
    # the stored figures are what the services compute from the same attendance
    for m in Meeting.objects.filter(org=cells[0], status="held").order_by("scheduled_at")[:24]:
        stored = (m.base_count, m.present_count, m.unexcused_count, m.longest_absence_run, m.met_criteria)
        services.refresh_quality(m)
        m.refresh_from_db()
        assert (m.base_count, m.present_count, m.unexcused_count, m.longest_absence_run, m.met_criteria) == stored
    assert Resolution.objects.filter(org=cells[0]).count() > 30
