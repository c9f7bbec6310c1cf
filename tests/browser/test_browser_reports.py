"""The reports dashboard in a real browser, in Vietnamese and in Persian (RTL): its three charts
render (SVG images with a size), each next to its data table, no request leaves the origin and
nothing is refused by the Content Security Policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import UI, Tree

pytestmark = pytest.mark.browser


def _members(tree: Tree) -> None:
    from chibo.members.services import DecisionInfo, PersonData, member_admit

    for i, (cell, year) in enumerate([(0, 2019), (0, 2021), (1, 2022), (1, 2023)]):
        day = dt.date(year, 3, 1)
        member_admit(
            actor=None,
            person=PersonData(
                full_name="Người " + "ABCD"[i],
                gender="female" if i % 2 else "male",
                birth_date=dt.date(1990, 1, 1),
            ),
            cell=tree.cells[cell],
            decision=DecisionInfo(number=str(i), date=day),
            ceremony_date=day,
        )


def _check_dashboard(ui: UI, language: str, direction: str) -> None:
    from playwright.sync_api import expect

    ui.goto("/reports/22/?as_of=2024-06-30")
    ui.page.wait_for_load_state("networkidle")
    html = ui.page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", direction)
    charts = ui.page.locator("img[data-chart]")
    expect(charts).to_have_count(3)
    for i in range(3):
        chart = charts.nth(i)
        loaded: Any = chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, f"chart {i} did not render"
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
        table_id = chart.get_attribute("aria-describedby")
        expect(ui.page.locator(f"#{table_id}")).to_be_visible()
    expect(ui.page.locator("#table-children + table")).to_contain_text("Đảng bộ thành phố Hạ Long")
    assert ui.foreign_requests() == [], "requests left the origin"
    assert ui.csp_errors() == [], "the Content Security Policy refused something"
    assert ui.page_errors == [], "JavaScript errors on the page"


def test_dashboard_charts_in_vietnamese_and_persian(ui: UI, browser_tree: Tree) -> None:
    _members(browser_tree)
    ui.login()
    _check_dashboard(ui, "vi", "ltr")
    ui.switch_language("fa")
    _check_dashboard(ui, "fa", "rtl")
