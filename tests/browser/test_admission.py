"""A cell secretary follows one person in the browser from the list of outstanding people to
official member: puts her on the list, records every act of the procedure with its document,
adds a scan to the dossier, and sees the ceremony create the member's record and the recognition
make her official from the end of the 12 months; with nothing refused by the Content Security
Policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import PASSWORD, UI, Tree

pytestmark = pytest.mark.browser


@pytest.fixture
def cell_with_members(browser_tree: Tree, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.accounts.roles import ensure_roles
    from chibo.members import services as members
    from chibo.members.services import DecisionInfo, PersonData
    from chibo.rules.seed import ensure_rulebook

    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    ensure_rulebook()
    ensure_roles()
    cell = browser_tree.cells[0]
    people = []
    for i, name in enumerate(["Nguyễn Văn An", "Trần Văn Bình", "Lê Thị Cúc", "Phạm Văn Dũng", "Hoàng Thị Én"]):
        m = members.member_admit(
            actor=None, person=PersonData(full_name=name, gender="male", birth_date=dt.date(1975, 1, 1)),
            cell=cell, decision=DecisionInfo(number=f"QĐ {i}", date=dt.date(2012, 1, 5), issuer="Đảng ủy"),
            ceremony_date=dt.date(2012, 1, 5))
        members.member_event(actor=None, member=m, type="recognized_official")
        people.append(m)
    secretary = User.objects.create_user(username="bithu", password=PASSWORD, full_name="Bí thư")
    RoleAssignment.objects.create(user=secretary, role=Role.objects.get(key="party_cell_secretary"), org=cell,
                                  valid_from=dt.date(2015, 1, 1))
    return {"cell": cell, "people": people}


def _record(ui: UI, fields: dict[str, str], checks: list[str] | None = None) -> None:
    page = ui.page
    for name, value in fields.items():
        page.fill(f"#act-form [name={name}]", value)
    for selector in checks or []:
        page.check(selector)
    with page.expect_navigation():
        page.click("#act-form button[type=submit]")


def test_secretary_follows_one_applicant_to_official_member(ui: UI, cell_with_members: dict[str, Any],
                                                             results_dir: Any) -> None:
    from chibo.admission.models import Applicant, DossierFile
    from chibo.core.models import ReadLogEntry
    from chibo.members.models import Member

    cell = cell_with_members["cell"]
    ui.login("bithu")
    ui.goto(f"/admission/org/{cell.code}/")
    page = ui.page
    page.fill("#id_full_name", "Vũ Thị Hoa")
    page.select_option("#id_gender", "female")
    page.fill("#id_birth_date", "1998-03-14")
    page.select_option("#id_occupation", "private_enterprise")
    page.fill("#id_listed_on", "2022-01-10")
    page.fill("#id_resolution_no", "01-NQ/CB")
    page.select_option("#id_helper", label="Nguyễn Văn An")
    with page.expect_navigation():
        page.click("#applicant-form button[type=submit]")
    a = Applicant.objects.get(full_name="Vũ Thị Hoa")
    assert f"/admission/{a.pk}/" in page.url
    acts = [
        ({"on": "2022-02-15", "document_no": "CN-NTVĐ 15"}, None),  # awareness course
        ({"on": "2022-03-01", "document_no": "1-KNĐ"}, None),  # application
        ({"on": "2022-03-02", "document_no": "2-KNĐ"}, None),  # biography
        ({"on": "2022-04-20", "document_no": "Thẩm tra"}, None),  # verification
        ({"on": "2022-05-04"}, ["#act-form input[name=introducers] >> nth=0",
                                "#act-form input[name=introducers] >> nth=1"]),  # introduction
        ({"on": "2022-05-20", "document_no": "5-KNĐ"}, None),  # comments
        ({"on": "2022-06-06", "votes_for": "5", "votes_against": "0", "document_no": "6-KNĐ"}, None),  # vote
        ({"on": "2022-06-20", "document_no": "8-KNĐ"}, None),  # grassroots committee
        ({"on": "2022-07-15", "document_no": "120-QĐ/TU", "issuer": "Ban Thường vụ Thành ủy"}, None),  # decision
        ({"on": "2022-08-01"}, None),  # ceremony
    ]
    for fields, checks in acts:
        _record(ui, fields, checks)
        assert ui.page.locator(".error, .errorlist").count() == 0, ui.page.content()[:2000]
    a.refresh_from_db()
    assert a.state == "ceremony" and a.member_id is not None
    member = Member.objects.get(pk=a.member_id)
    assert member.ceremony_date == dt.date(2022, 8, 1) and member.status == "probationary_member"
    # a scan for the dossier
    page.set_input_files("#id_upload-file", files=[{"name": "don-xin-vao-dang.pdf", "mimeType": "application/pdf",
                                                    "buffer": b"%PDF-1.4\n% scan\n"}])
    page.select_option("#id_upload-step", "application")
    with page.expect_navigation():
        page.click("form[action$='/upload/'] button[type=submit]")
    f = DossierFile.objects.get(applicant=a)
    # the probation, then recognition
    for fields in ({"on": "2022-10-03", "document_no": "Chứng nhận"},
                   {"on": "2023-08-07", "votes_for": "5", "votes_against": "0"},
                   {"on": "2023-08-21", "document_no": "15-KNĐ"},
                   {"on": "2023-09-05", "document_no": "200-QĐ/TU", "issuer": "Ban Thường vụ Thành ủy"}):
        _record(ui, fields)
    a.refresh_from_db()
    member.refresh_from_db()
    assert a.state == "official"
    assert member.status == "official_member" and member.official_date == dt.date(2023, 8, 1)
    assert "#act-form" not in page.content()
    ui.page.screenshot(path=str(results_dir / "admission-official.png"), full_page=True)
    # the scan opens through the scoped page, and the read is logged
    response = page.request.get(ui.url(f"/admission/files/{f.pk}/"))
    assert response.ok and response.body().startswith(b"%PDF")
    assert ReadLogEntry.objects.filter(target_type="admission.dossierfile", target_id=str(f.pk)).exists()
    assert ui.csp_errors() == [] and ui.page_errors == [] and ui.foreign_requests() == []


def test_committee_staff_record_the_monthly_review_of_the_lists(ui: UI, cell_with_members: dict[str, Any],
                                                                browser_tree: Tree, results_dir: Any) -> None:
    """Issue 14, item 1: the grassroots committee reviews its cells' lists once a month on its
    admission page; a future date is refused with the reason and nothing is written; the recorded
    review shows in the table with the number of people then on the lists, and is audited."""
    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.admission.models import Applicant, SourceListReview
    from chibo.core.models import AuditEvent
    from chibo.core.validtime import today

    grassroots = browser_tree.grassroots
    staff = User.objects.create_user(username="dangu", password=PASSWORD, full_name="Văn phòng Đảng ủy")
    RoleAssignment.objects.create(user=staff, role=Role.objects.get(key="organization_committee_staff"),
                                  org=grassroots, valid_from=dt.date(2015, 1, 1))
    # one person on the cell's list, put there by the secretary's page
    ui.login("bithu")
    ui.goto(f"/admission/org/{cell_with_members['cell'].code}/")
    page = ui.page
    assert page.locator("#review-form").count() == 0  # a cell does not review the lists
    page.fill("#id_full_name", "Đỗ Thị Lan")
    page.select_option("#id_gender", "female")
    page.fill("#id_birth_date", "2000-06-01")
    page.select_option("#id_occupation", "private_enterprise")
    page.fill("#id_listed_on", "2024-03-04")
    page.fill("#id_resolution_no", "03-NQ/CB")
    with page.expect_navigation():
        page.click("#applicant-form button[type=submit]")
    assert Applicant.objects.filter(full_name="Đỗ Thị Lan").exists()
    page.context.clear_cookies()

    ui.login("dangu")
    ui.goto(f"/admission/org/{grassroots.code}/")
    review = page.locator("#review")
    assert review.locator(".bad").count() == 1  # not recorded this month yet
    page.fill("#review-form [name=reviewed_on]", today().replace(year=today().year + 1).isoformat())
    with page.expect_navigation():
        page.click("#review-form button[type=submit]")
    assert page.locator(".error, .errorlist, .messages .error").count() >= 1
    assert not SourceListReview.objects.exists()

    page.fill("#review-form [name=reviewed_on]", today().isoformat())
    page.fill("#review-form [name=resolution_no]", "15-BB/ĐU")
    page.fill("#review-form [name=note]", "Tiếp tục bồi dưỡng quần chúng Đỗ Thị Lan")
    with page.expect_navigation():
        page.click("#review-form button[type=submit]")
    row = SourceListReview.objects.get()
    assert (row.org_id, row.listed, row.resolution_no) == (grassroots.pk, 1, "15-BB/ĐU")
    assert review.locator(".good").count() == 1 and page.locator("#review-form").count() == 0
    assert "15-BB/ĐU" in review.locator("table").inner_text()
    assert AuditEvent.objects.filter(action="admission.review", actor=staff).count() == 1
    page.screenshot(path=str(results_dir / "admission-monthly-review.png"), full_page=True)
    assert ui.csp_errors() == [] and ui.page_errors == [] and ui.foreign_requests() == []
