"""Browser journey (issue 19, item 4): an administrator creates a user and gives them a
secretary role at a cell; the new user signs in with the one-time password, is made to choose
their own, and then sees only that cell. In Vietnamese and in Persian."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import CELLS, UI, Tree

pytestmark = pytest.mark.browser


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


@pytest.mark.parametrize("language", ["vi", "fa"])
def test_admin_creates_a_secretary_who_then_sees_only_their_cell(
    ui: UI, browser_tree: Tree, language: str
) -> None:
    expect = _expect()
    page = ui.page
    ui.login()
    if language != "vi":
        ui.goto("/")
        ui.switch_language(language)
    ui.goto("/users/")
    with page.expect_navigation():
        page.click("main a.button.primary[href='/users/new/']")
    page.fill("#id_username", f"thu-ky-{language}")
    page.fill("#id_full_name", "Nguyễn Thị Hoa")
    page.select_option("#id_role", label=_role_label(page))
    page.fill("#id_org", browser_tree.cells[0].code)
    page.fill("#id_valid_from", "2024-01-01")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    secret = page.locator("code.secret")
    expect(secret).to_be_visible()
    password = secret.inner_text().strip()
    expect(page.locator("main table").first).to_contain_text(browser_tree.cells[0].code)

    # Sign out; the new secretary signs in and must choose a password first.
    with page.expect_navigation():
        page.click("header form.account button[type=submit]")
    ui.login(f"thu-ky-{language}", password)
    assert page.url.endswith("/account/password/"), page.url
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "a long passphrase for Hoa 2024")
    page.fill("#id_new_password2", "a long passphrase for Hoa 2024")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert not page.url.endswith("/account/password/"), page.url

    # Their cell is theirs; the sibling cell does not exist for them.
    ui.goto(f"/orgs/{browser_tree.cells[0].code}/")
    expect(page.locator("main h1")).to_have_text(CELLS[0])
    response = page.goto(ui.url(f"/orgs/{browser_tree.cells[1].code}/"))
    assert response is not None and response.status == 404
    response = page.goto(ui.url("/orgs/22/"))
    assert response is not None and response.status == 404
    assert not ui.foreign_requests() and not ui.csp_errors() and not ui.page_errors


def _role_label(page: Any) -> str:
    """The secretary role's label in the page's language, read from the select itself."""
    from chibo.accounts.models import Role

    pk = str(Role.objects.get(key="party_cell_secretary").pk)
    return page.locator(f"#id_role option[value='{pk}']").inner_text().strip()
