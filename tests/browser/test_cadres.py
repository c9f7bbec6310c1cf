"""Cadres in the browser: a cell secretary opens their own "my posts" page and sees their posts, a
post held at the same time at another unit (a dual role) and a training course, in Vietnamese
and in Persian (right to left); committee staff appoint a cell's secretary through the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import PASSWORD, UI, Tree

pytestmark = pytest.mark.browser

POST_FROM = dt.date(2020, 1, 1)


def _admit(cell: Any, name: str) -> Any:
    from chibo.members import services as members
    from chibo.members.services import DecisionInfo, PersonData

    m = members.member_admit(
        actor=None, person=PersonData(full_name=name, gender="male", birth_date=dt.date(1980, 1, 1)),
        cell=cell, decision=DecisionInfo(number=f"QĐ {name}", date=dt.date(2015, 1, 5), issuer="Đảng ủy"),
        ceremony_date=dt.date(2015, 1, 5))
    members.member_event(actor=None, member=m, type="recognized_official")
    return m


@pytest.fixture
def cadres(browser_tree: Tree) -> dict[str, Any]:
    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.accounts.roles import ensure_roles
    from chibo.cadres import services
    from chibo.cadres.models import Position
    from chibo.members.models import Member
    from chibo.rules.seed import ensure_rulebook

    ensure_rulebook()
    ensure_roles()
    cell, other = browser_tree.cells
    secretary_member = _admit(cell, "Nguyễn Văn Kiêm")
    candidate = _admit(other, "Trần Văn Ứng")
    secretary = User.objects.create_user(username="bithu", password=PASSWORD, full_name="Bí thư")
    RoleAssignment.objects.create(user=secretary, role=Role.objects.get(key="party_cell_secretary"), org=cell,
                                  valid_from=dt.date(2015, 1, 1))
    Member.objects.filter(pk=secretary_member.pk).update(user=secretary)
    services.post_assign(actor=None, org=cell, member=secretary_member, position=Position.SECRETARY,
                         valid_from=POST_FROM)
    services.post_assign(actor=None, org=browser_tree.grassroots, member=secretary_member,
                         position=Position.COMMITTEE_MEMBER, valid_from=POST_FROM)
    course = services.course_create(actor=None, organizer=browser_tree.district, topic="Nghiệp vụ công tác đảng",
                                    kind="skills", starts_on=dt.date(2021, 3, 1), ends_on=dt.date(2021, 3, 3))
    services.enrolment_record(actor=None, course=course, member=secretary_member, attended_days=3, completed=True)
    staff = User.objects.create_user(username="bantochuc", password=PASSWORD, full_name="Ban Tổ chức")
    RoleAssignment.objects.create(user=staff, role=Role.objects.get(key="organization_committee_staff"),
                                  org=browser_tree.root, valid_from=dt.date(2015, 1, 1))
    return {"other": other, "candidate": candidate}


def test_the_secretary_sees_their_posts_dual_role_and_training(ui: UI, cadres: dict[str, Any],
                                                              results_dir: Any) -> None:
    ui.login("bithu")
    # from the home page to "my posts"
    ui.goto("/")
    with ui.page.expect_navigation():
        ui.page.click("main a[href='/cadres/me/']")
    content = ui.page.content()
    assert "Chức vụ của tôi" in content  # "My posts"
    current = ui.page.locator("#current-posts")
    assert current.locator("tr.dual").count() == 2  # each of the two concurrent posts
    text = current.inner_text()
    assert "Bí thư" in text and "Kiêm nhiệm" in text  # Secretary; "dual role"
    assert "Chi bộ khu 1" in text and "Đảng bộ phường Bãi Cháy" in text
    assert "Nghiệp vụ công tác đảng" in ui.page.locator("#training").inner_text()
    ui.page.screenshot(path=str(results_dir / "cadres-my-posts-vi.png"), full_page=True)
    ui.switch_language("fa")
    assert ui.page.locator("html").get_attribute("dir") == "rtl"
    assert "سمت‌های من" in ui.page.locator("h1").inner_text()
    current = ui.page.locator("#current-posts")
    assert "سمت هم‌زمان" in current.inner_text() and current.locator("tr.dual").count() == 2
    assert "Nghiệp vụ công tác đảng" in ui.page.locator("#training").inner_text()
    ui.page.screenshot(path=str(results_dir / "cadres-my-posts-fa.png"), full_page=True)
    assert ui.csp_errors() == [] and ui.page_errors == [] and ui.foreign_requests() == []


def test_committee_staff_appoint_a_secretary_through_the_form(ui: UI, cadres: dict[str, Any],
                                                             results_dir: Any) -> None:
    from chibo.cadres.models import Post
    from chibo.core.models import AuditEvent

    cell = cadres["other"]
    ui.login("bantochuc")
    ui.goto(f"/cadres/units/{cell.code}/")
    with ui.page.expect_navigation():
        ui.page.click(f"a[href='/cadres/units/{cell.code}/posts/new/']")
    ui.page.select_option("#id_member", str(cadres["candidate"].pk))
    ui.page.select_option("#id_position", "secretary")
    ui.page.select_option("#id_method", "appointment")
    ui.page.fill("#id_valid_from", "2020-06-01")
    ui.page.fill("#id_decision_no", "15-QĐ/ĐU")
    ui.page.fill("#id_decision_date", "2020-05-25")
    with ui.page.expect_navigation():
        ui.page.click("main form button[type=submit]")
    post = Post.objects.get(org=cell, member=cadres["candidate"])
    assert ui.page.url.endswith(f"/cadres/posts/{post.pk}/")
    assert "Trần Văn Ứng" in ui.page.content()
    assert (post.position, post.method, post.decision_no) == ("secretary", "appointment", "15-QĐ/ĐU")
    assert AuditEvent.objects.filter(action="post.assign", target_id=str(post.pk)).exists()
    ui.page.screenshot(path=str(results_dir / "cadres-appointed.png"), full_page=True)
    assert ui.csp_errors() == [] and ui.page_errors == [] and ui.foreign_requests() == []
