"""Bidirectional text in a real browser (issue 19 item 7), in Persian (right to left) and
Vietnamese:

- a code (`22-HL-BC`) and a decision number (`42-QĐ/TU`) read left to right in a Persian page,
  where the same text without isolation is reordered (`HL-BC-22`);
- the arrow between a name before and after a change points the reading way: ← in Persian,
  → in Vietnamese, with the names on the matching sides;
- at phone width (375 px) the home page, an organization page and the member list never scroll
  sideways.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import AS_OF, UI, Tree

pytestmark = pytest.mark.browser

D = dt.date
DECISION = "42-QĐ/TU"
OLD_NAME, NEW_NAME = "Chi bộ khu 1", "Chi bộ thôn 3"

# The left edges of the first and the last character of an element's text, drawn on screen.
EDGES = """(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const text = walker.nextNode();
  const range = document.createRange();
  const left = (i) => { range.setStart(text, i); range.setEnd(text, i + 1);
                        return range.getBoundingClientRect().left; };
  return [left(0), left(text.length - 1)];
}"""

# The same text, not isolated, dropped into the page: the control that shows the reordering.
BARE = """(text) => {
  const p = document.createElement('p'); p.id = 'bare'; p.textContent = text + ' .';
  document.querySelector('main').prepend(p); return true;
}"""


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _member(tree: Tree) -> Any:
    from chibo.members.services import DecisionInfo, PersonData, member_admit

    return member_admit(
        actor=None, cell=tree.cells[0], ceremony_date=D(2015, 5, 19),
        person=PersonData(full_name="Nguyễn Văn An", gender="male", birth_date=D(1985, 3, 4),
                          occupation="agency"),
        decision=DecisionInfo(number=DECISION, date=D(2015, 5, 9), issuer="Đảng ủy phường Bãi Cháy"),
    )


def _exactly(locator: Any, text: str) -> Any:
    import re

    return locator.filter(has_text=re.compile(rf"^{re.escape(text)}$"))


def _reads_left_to_right(ui: UI, locator: Any) -> None:
    expect = _expect()
    expect(locator).to_have_count(1)
    assert locator.evaluate("el => getComputedStyle(el).direction") == "ltr"
    first, last = locator.evaluate(EDGES)
    assert first < last, f"{locator.inner_text()!r} is drawn right to left ({first} >= {last})"


def _reordered_when_bare(ui: UI, text: str) -> None:
    """Without isolation the Persian paragraph reorders the text: the control of the test."""
    ui.page.evaluate(BARE, text)
    first, last = ui.page.locator("#bare").evaluate(EDGES)
    assert first > last, "the bare text was not reordered: the check above proves nothing"


def test_codes_and_decision_numbers_read_left_to_right_in_persian(ui: UI, browser_tree: Tree) -> None:
    member = _member(browser_tree)
    ui.login()
    ui.switch_language("fa")
    code = browser_tree.grassroots.code  # 22-HL-BC
    ui.goto(f"/orgs/{code}/?as_of={AS_OF}")
    _expect()(ui.page.locator("html")).to_have_attribute("dir", "rtl")
    facts = ui.page.locator("dl.facts")
    _reads_left_to_right(ui, _exactly(facts.locator('bdi[dir="ltr"]'), code))
    _reads_left_to_right(ui, _exactly(facts.locator('bdi[dir="ltr"]'), browser_tree.district.code))
    _reordered_when_bare(ui, code)

    ui.goto(f"/members/{member.pk}/")
    _reads_left_to_right(ui, _exactly(ui.page.locator("dl.facts bdi[dir='ltr']"), DECISION))
    _reordered_when_bare(ui, DECISION)


@pytest.mark.parametrize(("language", "glyph"), [("fa", "←"), ("vi", "→")])
def test_an_arrow_between_two_names_points_the_reading_way(
    ui: UI, browser_tree: Tree, language: str, glyph: str
) -> None:
    from chibo.orgs import services

    cell = browser_tree.cells[0]
    services.org_rename(actor=browser_tree.admin, org=cell, name=NEW_NAME, on=D(2021, 1, 1))
    ui.login()
    if language != "vi":
        ui.switch_language(language)
    ui.goto(f"/orgs/{cell.code}/")
    change = (ui.page.locator("#history ul.changes li").filter(has=ui.page.locator(".arrow"))
              .filter(has_text=OLD_NAME).filter(has_text=NEW_NAME))
    _expect()(change).to_have_count(1)
    arrow = change.locator(".arrow")
    assert arrow.inner_text() == glyph
    assert arrow.get_attribute("aria-label")  # heard, not only seen
    assert arrow.evaluate("el => getComputedStyle(el).transform") == "none"  # the glyph itself
    before = _exactly(change.locator("bdi"), OLD_NAME).bounding_box()
    after = _exactly(change.locator("bdi"), NEW_NAME).bounding_box()
    middle = arrow.bounding_box()
    assert before and after and middle
    if language == "fa":  # read from the right: old name, arrow pointing left, new name
        assert before["x"] > middle["x"] > after["x"], (before, middle, after)
    else:
        assert before["x"] < middle["x"] < after["x"], (before, middle, after)


@pytest.mark.parametrize("language", ["fa", "vi"])
def test_phone_pages_do_not_scroll_sideways(ui: UI, browser_tree: Tree, language: str,
                                            results_dir: Any) -> None:
    _member(browser_tree)
    ui.login()
    if language != "vi":
        ui.switch_language(language)
    ui.page.set_viewport_size({"width": 375, "height": 740})
    for name, path in [("home", "/"), ("org", f"/orgs/{browser_tree.grassroots.code}/?as_of={AS_OF}"),
                       ("members", "/members/")]:
        ui.goto(path)
        width, inner = ui.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner:
            ui.page.screenshot(path=str(results_dir / f"phone-{name}-{language}.png"), full_page=True)
        assert width <= inner, f"{path} in {language} is {width}px wide on a {inner}px screen"
