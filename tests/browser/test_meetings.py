"""A secretary records a monthly meeting in the browser with the keyboard only: the notice, the
attendance of the 30 members (one absent with a reason), chair and clerk, two votes, the
resolution, three tasks and the minutes, adopted; in under 40 interactions (each key press,
typed text or page load counts as one, signing in included), with nothing refused by the
Content Security Policy."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from .conftest import PASSWORD, UI, Tree

pytestmark = pytest.mark.browser

GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"]


class Keys:
    """The keyboard, counting interactions."""

    def __init__(self, ui: UI) -> None:
        self.ui, self.count = ui, 0

    def goto(self, path: str) -> None:
        self.count += 1
        self.ui.goto(path)
        self.settle()

    def press(self, key: str, navigates: bool = False) -> None:
        self.count += 1
        if navigates:
            with self.ui.page.expect_navigation():
                self.ui.page.keyboard.press(key)
            self.settle()
        else:
            self.ui.page.keyboard.press(key)

    def settle(self) -> None:
        """Wait (no interaction) until the new page has put the focus where it says (autofocus
        runs after the load event in Chromium), so that no typed key is lost."""
        deadline = time.monotonic() + 3  # a page without a next step focuses nothing
        while time.monotonic() < deadline:
            if self.ui.page.evaluate("() => document.activeElement !== document.body"):
                return
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self.count += 1
        self.ui.page.keyboard.type(text)


@pytest.fixture
def cell_meeting(browser_tree: Tree) -> dict[str, Any]:
    from django.utils import timezone

    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.meetings import services as meetings
    from chibo.members import services as members
    from chibo.members.models import Member
    from chibo.members.services import DecisionInfo, PersonData
    from chibo.rules.seed import ensure_rulebook

    ensure_rulebook()
    from chibo.accounts.roles import ensure_roles

    ensure_roles()
    cell = browser_tree.cells[0]
    people = []
    for i in range(30):
        name = f"{FAMILY[i % 5]} Văn {GIVEN[i // 5]}"
        m = members.member_admit(
            actor=None, person=PersonData(full_name=name, gender="male", birth_date=dt.date(1980, 1, 1)),
            cell=cell, decision=DecisionInfo(number=f"QĐ {i}", date=dt.date(2015, 1, 5), issuer="Đảng ủy"),
            ceremony_date=dt.date(2015, 1, 5))
        members.member_event(actor=None, member=m, type="recognized_official")
        people.append(m)
    secretary = User.objects.create_user(username="bithu", password=PASSWORD, full_name="Bí thư")
    RoleAssignment.objects.create(user=secretary, role=Role.objects.get(key="party_cell_secretary"), org=cell,
                                  valid_from=dt.date(2015, 1, 1))
    Member.objects.filter(pk=people[0].pk).update(user=secretary)
    meeting = meetings.meeting_schedule(actor=None, org=cell, kind="regular_monthly_meeting",
                                        scheduled_at=timezone.now() - dt.timedelta(hours=3), place="Nhà văn hóa")
    return {"meeting": meeting, "people": people}


def test_secretary_records_a_monthly_meeting_with_the_keyboard(ui: UI, cell_meeting: dict[str, Any],
                                                               results_dir: Any) -> None:
    from chibo.meetings.models import Attendance, Meeting, Minutes, Resolution, Task, Vote

    meeting = cell_meeting["meeting"]
    k = Keys(ui)
    k.goto(f"/login/?next=/meetings/{meeting.pk}/")
    k.type("bithu")
    k.press("Tab")
    k.type(PASSWORD)
    k.press("Enter", navigates=True)
    # the notice (dated the day before, as the form proposes)
    k.press("Enter", navigates=True)
    # hold: the chair is the secretary; the clerk, the duration kept, the self-score, one absence
    k.press("Tab")  # clerk: the first on the list
    k.press("ArrowDown")
    k.press("Tab")  # duration (120)
    k.press("Tab")  # self-score
    k.type("92")
    k.press("Tab")  # the first member's attendance: present
    k.press("ArrowRight")  # absent with reason
    k.press("Tab")
    k.type("Ốm")
    k.press("Enter", navigates=True)
    # two votes (the count for is everyone present, as proposed)
    k.type("Thông qua nghị quyết tháng")
    k.press("Enter", navigates=True)
    k.type("Thông qua kế hoạch vệ sinh môi trường")
    k.press("Enter", navigates=True)
    # the resolution, as proposed
    k.press("Shift+Tab")
    k.press("Enter", navigates=True)
    k.press("Enter", navigates=True)
    # three tasks
    for title in ("Thu nộp đảng phí", "Ra quân vệ sinh đường thôn", "Rà soát hộ nghèo"):
        k.type(title)
        k.press("Enter", navigates=True)
    # the minutes: the report and the conclusion, adopted
    k.press("Shift+Tab")
    k.press("Enter", navigates=True)
    k.type("Chi bộ hoàn thành các nhiệm vụ tháng trước.")
    for _i in range(3):
        k.press("Tab")
    k.type("Chi bộ thống nhất thông qua nghị quyết.")
    k.press("Tab")
    k.press("Enter", navigates=True)

    assert k.count < 40, k.count
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.status == "held" and meeting.notice_sent_at is not None
    assert (meeting.base_count, meeting.present_count) == (30, 29)
    assert meeting.chair_id == cell_meeting["people"][0].pk and meeting.clerk_id is not None
    assert Attendance.objects.filter(meeting=meeting).count() == 30
    assert Attendance.objects.get(meeting=meeting, status="absent_excused").reason == "Ốm"
    assert Vote.objects.filter(meeting=meeting, passed=True).count() == 2
    resolution = Resolution.objects.get(meeting=meeting)
    assert sorted(Task.objects.filter(resolution=resolution).values_list("title", flat=True)) == sorted(
        ["Thu nộp đảng phí", "Ra quân vệ sinh đường thôn", "Rà soát hộ nghèo"])
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.locked and "thống nhất" in minutes.conclusion and "hoàn thành" in minutes.report
    assert ui.csp_errors() == [] and ui.page_errors == [] and ui.foreign_requests() == []
    ui.page.screenshot(path=str(results_dir / "meeting-recorded.png"), full_page=True)
    # the printed minutes, in Vietnamese
    ui.goto(f"/meetings/{meeting.pk}/minutes/print/")
    assert "BIÊN BẢN" in ui.page.content()
    ui.page.screenshot(path=str(results_dir / "meeting-minutes-print.png"), full_page=True)
