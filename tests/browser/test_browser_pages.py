"""The tree browser and the unit page in a real browser, in Vietnamese and in Persian (RTL),
with no request leaving the origin and nothing refused by the Content Security Policy."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AS_OF, CELLS, DISTRICT, GRASSROOTS, ROOT, UI, Tree

pytestmark = pytest.mark.browser

LANGUAGES = ["vi", "en", "ko", "fa"]


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _node(ui: UI, name: str) -> Any:
    """The `.node` row of the organization called `name` in the tree."""
    return ui.page.locator("#tree .node").filter(
        has=ui.page.get_by_role("link", name=name, exact=True)
    )


def _expand(ui: UI, name: str, child: str) -> None:
    """Click the toggle of `name`; `child` is loaded by HTMX into the `<ul>` after the row."""
    expect = _expect()
    node = _node(ui, name)
    toggle = node.locator("button.toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    children = node.locator("xpath=following-sibling::ul[1]")
    expect(children.get_by_role("link", name=child, exact=True)).to_be_visible()


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box


def _assert_clean(ui: UI) -> None:
    assert ui.foreign_requests() == [], "requests left the origin"
    assert ui.csp_errors() == [], "the Content Security Policy refused something"
    assert ui.page_errors == [], "JavaScript errors on the page"


def test_tree_browser_in_vietnamese(ui: UI, browser_tree: Tree, results_dir: Any) -> None:
    expect = _expect()
    ui.login()
    ui.goto(f"/orgs/?as_of={AS_OF}")
    html = ui.page.locator("html")
    expect(html).to_have_attribute("lang", "vi")
    expect(html).to_have_attribute("dir", "ltr")

    # Only the root is shown at first; its children arrive when its toggle is clicked.
    expect(_node(ui, ROOT)).to_have_count(1)
    expect(ui.page.get_by_role("link", name=DISTRICT, exact=True)).to_have_count(0)
    _expand(ui, ROOT, DISTRICT)
    _expand(ui, DISTRICT, GRASSROOTS)
    _expand(ui, GRASSROOTS, CELLS[0])
    expect(ui.page.get_by_role("link", name=CELLS[1], exact=True)).to_be_visible()

    # Left to right: the brand sits left of the navigation, children are indented rightwards.
    assert _box(ui.page.locator("a.brand")).get("x", 0) < _box(ui.page.locator("nav.nav"))["x"]
    parent, child = _box(_node(ui, ROOT)), _box(_node(ui, DISTRICT))
    assert child["x"] > parent["x"] + 4, (parent, child)
    ui.page.screenshot(path=str(results_dir / "tree-vi.png"), full_page=True)

    # A second click hides the children again, a third shows them (no reload).
    toggle = _node(ui, GRASSROOTS).locator("button.toggle")
    cell = ui.page.get_by_role("link", name=CELLS[0], exact=True)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(cell).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(cell).to_be_visible()

    # Searching without diacritics finds "Hạ Long".
    ui.page.fill("input#q", "ha long")
    results = ui.page.locator("#tree-area ul.results")
    expect(results.get_by_role("link", name=DISTRICT, exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=ROOT, exact=True)).to_have_count(0)
    _assert_clean(ui)


def test_tree_browser_in_persian_is_mirrored(ui: UI, browser_tree: Tree, results_dir: Any) -> None:
    expect = _expect()
    ui.login()
    ui.goto(f"/orgs/?as_of={AS_OF}")
    expect(ui.page.locator("html")).to_have_attribute("lang", "vi")
    ui.switch_language("fa")
    html = ui.page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    assert f"as_of={AS_OF}" in ui.page.url, "the language switch lost the page's query"

    _expand(ui, ROOT, DISTRICT)
    _expand(ui, DISTRICT, GRASSROOTS)
    _expand(ui, GRASSROOTS, CELLS[0])

    # Right to left: the brand is at the right edge, right of the navigation.
    brand, nav = _box(ui.page.locator("a.brand")), _box(ui.page.locator("nav.nav"))
    viewport = ui.page.viewport_size
    assert brand["x"] > nav["x"], (brand, nav)
    assert brand["x"] + brand["width"] > viewport["width"] / 2, (brand, viewport)
    # Children are indented from the right: the child's right edge is left of the parent's.
    parent, child = _box(_node(ui, ROOT)), _box(_node(ui, DISTRICT))
    assert child["x"] + child["width"] < parent["x"] + parent["width"] - 4, (parent, child)
    deeper = _box(_node(ui, GRASSROOTS))
    assert deeper["x"] + deeper["width"] < child["x"] + child["width"] - 4, (child, deeper)
    ui.page.screenshot(path=str(results_dir / "tree-fa.png"), full_page=True)

    ui.page.fill("input#q", "ha long")
    expect(
        ui.page.locator("#tree-area ul.results").get_by_role("link", name=DISTRICT, exact=True)
    ).to_be_visible()
    expect(ui.page.locator("html")).to_have_attribute("dir", "rtl")
    _assert_clean(ui)


def test_unit_page_in_every_language(ui: UI, browser_tree: Tree) -> None:
    expect = _expect()
    ui.login()
    ui.goto("/orgs/22/")
    headings: dict[str, str] = {}
    for code in LANGUAGES:
        ui.switch_language(code)
        html = ui.page.locator("html")
        expect(html).to_have_attribute("lang", code)
        expect(html).to_have_attribute("dir", "rtl" if code == "fa" else "ltr")
        assert ui.page.url.endswith("/orgs/22/"), ui.page.url
        expect(ui.page.locator("main h1")).to_have_text(ROOT)
        expect(
            ui.page.locator("main").get_by_role("link", name=DISTRICT, exact=True).first
        ).to_be_visible()
        headings[code] = ui.page.locator("main section.card h2").first.inner_text().strip()
        assert headings[code], f"empty heading in {code}"
    # The interface really changes language: the first section heading differs in all four.
    assert len(set(headings.values())) == len(LANGUAGES), f"untranslated headings: {headings}"
    _assert_clean(ui)


def _visit_everything(ui: UI) -> None:
    ui.goto("/login/")
    ui.login()
    ui.goto("/")
    ui.goto(f"/orgs/?as_of={AS_OF}")
    _expand(ui, ROOT, DISTRICT)
    ui.page.fill("input#q", "bai chay")
    _expect()(
        ui.page.locator("#tree-area ul.results").get_by_role("link", name=GRASSROOTS, exact=True)
    ).to_be_visible()
    ui.goto("/orgs/22/")
    ui.goto(f"/orgs/22-HL-BC/?as_of={AS_OF}")
    ui.switch_language("fa")
    ui.goto("/orgs/22/")
    ui.page.wait_for_load_state("networkidle")


def test_no_request_leaves_the_origin(ui: UI, browser_tree: Tree) -> None:
    """G26: no CDN, font service, tracker or any other outside host, on any page."""
    _visit_everything(ui)
    assert ui.requests, "no request was recorded"
    assert any(u.endswith(".css") for u in ui.requests), ui.requests
    assert any(u.endswith(".js") for u in ui.requests), ui.requests
    assert any("/children/" in u for u in ui.requests), "the tree did not load children"
    assert ui.foreign_requests() == [], "requests left the origin"


def test_no_content_security_policy_errors(ui: UI, browser_tree: Tree) -> None:
    _visit_everything(ui)
    response = ui.page.request.get(ui.url("/orgs/22/"))
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, csp
    assert ui.csp_errors() == [], "the Content Security Policy refused something"
    assert ui.page_errors == [], "JavaScript errors on the page"
    # Every script and style came from a file (no inline code, which the policy refuses).
    assert ui.page.locator("script:not([src])").count() == 0
    assert ui.page.locator("style").count() == 0


def test_api_docs_obey_the_content_security_policy(ui: UI, browser_tree: Tree) -> None:
    """The navigation links to the API docs; they must load within the same strict policy."""
    expect = _expect()
    ui.login()
    ui.goto("/api/docs/")
    ui.page.wait_for_load_state("networkidle")
    assert ui.foreign_requests() == [], "requests left the origin"
    assert ui.csp_errors() == [], "the Content Security Policy refused something on /api/docs/"
    expect(ui.page.locator("#swagger-ui")).to_contain_text("Chibo API")
