"""Browser journey (issue 16): a citizen sends feedback without signing in and gets a reference;
the letter reaches the grassroots committee, whose page never shows the sender until an
entitled reader states a purpose; Mass Mobilization staff record the answer to a proposal; the
published programme's public page shows topics, status and answers without any personal data
(checked in Vietnamese and in Persian), with no foreign request and no CSP error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import PASSWORD, UI, Tree

pytestmark = pytest.mark.browser
CITIZEN = "Lê Thị Canarycitizen"
RAISER = "Ông Canaryraiser"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _programme(tree: Tree) -> Any:
    from chibo.supervision import services

    agency = services.agency_create(actor=None, org=tree.root, name="Sở Giao thông vận tải", kind="department")
    programme = services.programme_create(
        actor=None, org=tree.root, title="Gặp mặt, đối thoại 2023", hosts="Ban Thường vụ Tỉnh ủy",
        audience="Bí thư các xã", starts_on=dt.date(2023, 8, 3), ends_on=dt.date(2023, 8, 4), public=True)
    services.proposal_raise(actor=None, programme=programme, topic="Sửa đường liên xã", agency=agency,
                            raised_by=RAISER, commune=tree.grassroots)
    return programme


def test_citizen_feedback_stays_secret_and_the_programme_is_accountable(ui: UI, browser_tree: Tree) -> None:
    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.supervision.models import Letter

    expect = _expect()
    page = ui.page
    # 1. a citizen, not signed in
    ui.goto(f"/feedback/{browser_tree.grassroots.code}/")
    page.fill("#id_summary", "Đường thôn 3 xuống cấp, đề nghị sửa chữa trước mùa mưa.")
    page.fill("#id_name", CITIZEN)
    page.fill("#id_address", "Thôn 3")
    expect(page.locator("#id_website")).not_to_be_in_viewport()
    page.wait_for_timeout(3300)  # a person takes longer than the form's minimum
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    letter = Letter.objects.get()
    expect(page.locator("main strong")).to_have_text(letter.reference)

    # 2. the committee's page shows the letter, never its sender, until a purpose is stated
    ui.login()
    ui.goto("/supervision/letters/")
    expect(page.locator("main table")).to_contain_text(letter.reference)
    assert CITIZEN not in page.content()
    with page.expect_navigation():
        page.click(f"main a:has-text('{letter.reference}')")
    assert CITIZEN not in page.content()
    with page.expect_navigation():
        page.click(f"main a[href='/supervision/letters/{letter.pk}/sender/']")
    assert CITIZEN not in page.content()
    page.fill("#id_purpose", "xác minh nội dung phản ánh")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("main dl")).to_contain_text(CITIZEN)

    # 3. Mass Mobilization staff answer the proposal
    programme = _programme(browser_tree)
    staff = User.objects.create_user(username="dan-van", password=PASSWORD, full_name="Dân vận")
    RoleAssignment.objects.create(user=staff, role=Role.objects.get(key="mass_mobilization_staff"),
                                  org=browser_tree.root, valid_from=dt.date(2020, 1, 1))
    with page.expect_navigation():
        page.click("header form.account button[type=submit]")
    ui.login("dan-van", PASSWORD)
    ui.goto(f"/supervision/programmes/{programme.pk}/")
    with page.expect_navigation():
        page.click("main a:text('Sửa đường liên xã')")
    page.fill("input[name=on]", "2023-09-20")
    page.fill("textarea[name=answer]", "Đã bố trí vốn sửa đường trong quý IV.")
    with page.expect_navigation():
        page.click("main form:has(input[value=answer]) button[type=submit]")
    expect(page.locator("main dl")).to_contain_text("Đã bố trí vốn")
    assert not ui.foreign_requests() and not ui.csp_errors() and not ui.page_errors


@pytest.mark.parametrize("language", ["vi", "fa"])
def test_public_programme_page_has_no_personal_data(ui: UI, browser_tree: Tree, language: str) -> None:
    expect = _expect()
    programme = _programme(browser_tree)
    page = ui.page
    ui.goto(f"/public/programmes/{programme.public_key}/")
    if language != "vi":
        ui.switch_language(language)
    expect(page.locator("main table")).to_contain_text("Sửa đường liên xã")
    expect(page.locator("main table")).to_contain_text("Sở Giao thông vận tải")
    body = page.content()
    assert RAISER not in body and "Canary" not in body
    assert "/login/" not in page.url
    assert not ui.foreign_requests() and not ui.csp_errors() and not ui.page_errors
