"""Browser journeys (issue 19, items 2 and 3), in Vietnamese and in Persian:

- a cell secretary opens their cell and its members today and on 2022-01-01, then the member
  list, whose default is today's members of their cell;
- province staff filter the member list to the students admitted from 2020-01-01 to 2024-06-30,
  count them by gender, and export exactly that list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from .conftest import PASSWORD, UI, Tree

pytestmark = pytest.mark.browser

D = dt.date


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _people(tree: Tree) -> dict[str, Any]:
    """Two users and four members: An (cell 1 since 2015), Bình (cell 1 since 2023, a student),
    Chi (cell 2 since 2021, a student), Dũng (a student admitted in cell 1 in 2020, in cell 2 since
    2023)."""
    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.accounts.roles import ensure_roles
    from chibo.members.models import Affiliation
    from chibo.members.services import DecisionInfo, PersonData, member_admit

    ensure_roles()

    def user(username: str, role: str, org: Any) -> Any:
        u = User.objects.create_user(username=username, password=PASSWORD, full_name=username)
        RoleAssignment.objects.create(user=u, role=Role.objects.get(key=role), org=org, valid_from=D(2019, 1, 1))
        return u

    def admit(name: str, cell: Any, on: dt.date, occupation: str) -> Any:
        return member_admit(
            actor=None, cell=cell, ceremony_date=on,
            person=PersonData(full_name=name, gender="female" if name.startswith("Trần") else "male",
                              birth_date=D(1985 if occupation == "agency" else 2000, 3, 4), occupation=occupation),
            decision=DecisionInfo(number=f"{on.year}-QĐ/ĐU", date=on - dt.timedelta(days=10),
                                  issuer="Đảng ủy phường Bãi Cháy"),
        )

    k1, k2 = tree.cells
    admit("Nguyễn Văn An", k1, D(2015, 5, 19), "agency")
    admit("Trần Thị Bình", k1, D(2023, 3, 1), "student")
    admit("Lê Văn Chi", k2, D(2021, 6, 1), "student")
    dung = admit("Phạm Văn Dũng", k1, D(2020, 5, 1), "student")
    moved = Affiliation.objects.get(member=dung, valid_to__isnull=True)
    moved.valid_to = D(2023, 1, 1)
    moved.save()
    Affiliation.objects.create(member=dung, org=k2, kind="official", valid_from=D(2023, 1, 1))
    return {"secretary": user("thu-ky-k1", "party_cell_secretary", k1),
            "staff": user("ban-to-chuc", "organization_committee_staff", tree.root)}


def _names(ui: UI, selector: str) -> set[str]:
    return {t.strip() for t in ui.page.locator(selector).all_inner_texts()}


@pytest.mark.parametrize("language", ["vi", "fa"])
def test_a_secretary_opens_their_cell_and_its_members(ui: UI, browser_tree: Tree, language: str) -> None:
    expect = _expect()
    _people(browser_tree)
    page = ui.page
    ui.login("thu-ky-k1")
    if language != "vi":
        ui.switch_language(language)
    cell = browser_tree.cells[0].code

    # their cell today: its members, loaded into the page
    ui.goto(f"/orgs/{cell}/")
    section = page.locator("#org-members")
    expect(section).to_be_visible()
    assert _names(ui, "#org-members tbody td:first-child a") == {"Nguyễn Văn An", "Trần Thị Bình"}

    # the same cell on 2022-01-01
    page.fill("#as_of", "2022-01-01")
    with page.expect_navigation():
        page.click("main form.toolbar button[type=submit]")
    expect(page.locator("#org-members")).to_be_visible()
    assert _names(ui, "#org-members tbody td:first-child a") == {"Nguyễn Văn An", "Phạm Văn Dũng"}

    # from there to the member list, on that date
    with page.expect_navigation():
        page.click(f"#org-members a[href^='/members/?under={cell}']")
    assert "as_of=2022-01-01" in page.url
    assert _names(ui, "#results tbody td:first-child a") == {"Nguyễn Văn An", "Phạm Văn Dũng"}

    # the default list: today's members of the cell
    ui.goto("/members/")
    expect(page.locator("#id_under")).to_have_value(cell)
    assert _names(ui, "#results tbody td:first-child a") == {"Nguyễn Văn An", "Trần Thị Bình"}

    # another cell is not theirs
    response = page.goto(ui.url(f"/members/of/{browser_tree.cells[1].code}/"))
    assert response is not None and response.status == 404
    assert not ui.foreign_requests() and not ui.csp_errors() and not ui.page_errors


@pytest.mark.parametrize("language", ["vi", "fa"])
def test_province_staff_count_and_export_the_students_admitted_in_a_period(
    ui: UI, browser_tree: Tree, language: str
) -> None:
    expect = _expect()
    _people(browser_tree)
    page = ui.page
    ui.login("ban-to-chuc")
    if language != "vi":
        ui.switch_language(language)
    ui.goto("/members/")
    expect(page.locator("#id_under")).to_have_value(browser_tree.root.code)
    page.fill("#id_as_of", "")  # wherever they are now
    page.fill("#id_admitted_from", "2020-01-01")
    page.fill("#id_admitted_to", "2024-06-30")
    page.select_option("#id_admitted_sector", "student")
    page.select_option("#id_count_by", "gender")
    with page.expect_navigation():
        page.click("main form.toolbar button[type=submit]")
    students = {"Trần Thị Bình", "Lê Văn Chi", "Phạm Văn Dũng"}
    assert _names(ui, "#results tbody td:first-child a") == students
    counts = page.locator("#counts tbody tr")
    expect(counts).to_have_count(3)  # male, female, total

    with page.expect_download() as info:
        page.click("#export-link")
    download = info.value
    content = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115, PTH123
    rows = list(csv.reader(io.StringIO(content)))
    assert {row[0] for row in rows[1:]} == students and len(rows) == 4
    assert not ui.foreign_requests() and not ui.csp_errors() and not ui.page_errors
