"""A secretary walks through the cell's year-end round in the browser: from the evaluation page
to the cell's sheet, every member's scores, self-rating and the cell's proposal entered with the
keyboard and saved as they go (HTMX, one request at a time per row), a level contradicting the
score refused on the row, the printable report; nothing refused by the CSP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import PASSWORD, UI, Tree

pytestmark = pytest.mark.browser

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]
GROUPS = [{"code": "politics", "name": "Chính trị tư tưởng", "max_points": 20},
          {"code": "ethics", "name": "Đạo đức, lối sống", "max_points": 20},
          {"code": "discipline", "name": "Ý thức tổ chức kỷ luật", "max_points": 20},
          {"code": "tasks", "name": "Kết quả thực hiện nhiệm vụ", "max_points": 40}]


@pytest.fixture
def cell_round(browser_tree: Tree) -> dict[str, Any]:
    from chibo.accounts.models import Role, RoleAssignment, User
    from chibo.accounts.roles import ensure_roles
    from chibo.core.validtime import today
    from chibo.evaluation import services
    from chibo.evaluation.rulesets import ensure_rules
    from chibo.members import services as members
    from chibo.members.services import DecisionInfo, PersonData
    from chibo.rules.seed import ensure_rulebook

    ensure_rulebook()
    ensure_rules()
    ensure_roles()
    cell = browser_tree.cells[0]
    for i, name in enumerate(NAMES):
        m = members.member_admit(
            actor=None, person=PersonData(full_name=name, gender="male", birth_date=dt.date(1980, 1, 1)),
            cell=cell, decision=DecisionInfo(number=f"QĐ {i}", date=dt.date(2015, 1, 5), issuer="Đảng ủy"),
            ceremony_date=dt.date(2015, 1, 5))
        members.member_event(actor=None, member=m, type="recognized_official")
    secretary = User.objects.create_user(username="bithu", password=PASSWORD, full_name="Bí thư")
    RoleAssignment.objects.create(user=secretary, role=Role.objects.get(key="party_cell_secretary"), org=cell,
                                  valid_from=dt.date(2015, 1, 1))
    for audience in ("member", "leader", "collective"):
        services.criteria_set_publish(actor=None, owner=browser_tree.root, audience=audience, name="Bộ tiêu chí",
                                      groups=GROUPS, valid_from=dt.date(2025, 9, 1))
    on = today()
    rnd = services.round_open(actor=None, org=browser_tree.grassroots, year=on.year, opened_on=on)
    return {"round": rnd, "cell": cell}


def test_secretary_fills_the_cells_round(ui: UI, cell_round: dict[str, Any], results_dir: Any) -> None:
    from chibo.evaluation.models import Assessment, State, Subject

    rnd, cell = cell_round["round"], cell_round["cell"]
    page = ui.page
    ui.login("bithu", PASSWORD)
    ui.goto("/evaluation/")
    unit = Assessment.objects.get(round=rnd, subject=Subject.ORGANIZATION, org=cell)
    with page.expect_navigation():
        page.click(f"a[href='/evaluation/units/{unit.pk}/']")
    rows = list(Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org=cell).order_by("id"))
    scores = [(18, 18, 17, 30), (19, 19, 19, 36), (15, 15, 14, 25), (12, 12, 12, 20)]
    levels = ["good_completion", "excellent_completion", "task_completion", "task_completion"]
    # a score that contradicts the level is refused on the row, nothing saved
    first = rows[0]
    page.focus(f"#row-{first.pk} input[name=score_politics]")
    for value in scores[0]:
        page.keyboard.type(str(value))
        with page.expect_response(lambda r: r.url.endswith(f"/assessments/{first.pk}/row/")):
            page.keyboard.press("Tab")
    with page.expect_response(lambda r: "/row/" in r.url):
        page.select_option(f"#row-{first.pk} select[name=self_level]", "excellent_completion")
    assert page.locator(f"#st-{first.pk} .err").count() == 1
    first.refresh_from_db()
    assert first.state == State.PENDING
    for a, s, level in zip(rows, scores, levels, strict=True):
        if a.pk != first.pk:
            page.focus(f"#row-{a.pk} input[name=score_politics]")
            for value in s:
                page.keyboard.type(str(value))
                with page.expect_response(lambda r, pk=a.pk: r.url.endswith(f"/assessments/{pk}/row/")):
                    page.keyboard.press("Tab")
        with page.expect_response(lambda r: "/row/" in r.url):
            page.select_option(f"#row-{a.pk} select[name=self_level]", level)
        page.fill(f"#row-{a.pk} input[name=votes_for]", "4")
        with page.expect_response(lambda r: "/row/" in r.url):
            page.select_option(f"#row-{a.pk} select[name=proposed_level]",
                               "good_completion" if level == "excellent_completion" else level)
    page.wait_for_load_state("networkidle")
    # every row is proposed, with its self-score
    assert Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org=cell, state=State.PROPOSED).count() == 4
    totals = sorted(Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org=cell)
                    .values_list("self_total", flat=True))
    assert [int(t) for t in totals] == [56, 69, 83, 93]
    assert ui.csp_errors() == [] and ui.page_errors == [] and ui.foreign_requests() == []
    page.screenshot(path=str(results_dir / "evaluation-sheet.png"), full_page=True)
    # the printable collective report
    ui.goto(f"/evaluation/units/{unit.pk}/print/")
    assert "Mẫu 01" in page.content()
