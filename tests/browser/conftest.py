"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's
live server.

- Nothing is downloaded: the tests use /usr/bin/chromium (`apt-get install chromium`), never
  `playwright install`.
- Without chromium the tests skip with a reason; with CHIBO_REQUIRE_BROWSER=1 (CI) they fail.
- Playwright's sync API keeps an event loop registered in the test thread, which makes Django
  refuse ORM calls there (SynchronousOnlyOperation). The ORM calls here are plain synchronous
  test code, so the `browser` fixture sets DJANGO_ALLOW_ASYNC_UNSAFE=true while Playwright
  runs, and removes it afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"  # set while the browser runs, see `browser`

CHROMIUM = os.environ.get("CHIBO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-password-1"
# Every structure below is dated so that the pages can be asked about a fixed day.
ESTABLISHED = dt.date(2010, 1, 1)
AS_OF = "2020-01-01"

ROOT = "Đảng bộ tỉnh Quảng Ninh"
DISTRICT = "Đảng bộ thành phố Hạ Long"
GRASSROOTS = "Đảng bộ phường Bãi Cháy"
CELLS = ["Chi bộ khu 1", "Chi bộ khu 2"]


def _required() -> bool:
    return os.environ.get("CHIBO_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"browser tests cannot run (CHIBO_REQUIRE_BROWSER=1): {reason}", pytrace=False)
    pytest.skip(
        f"browser tests skipped: {reason} (install Debian's chromium: apt-get install chromium)"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, for one test module. Module scope: once Playwright stops, its event loop is
    gone from the test thread, and so is the need for DJANGO_ALLOW_ASYNC_UNSAFE."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev extra not installed
        _unavailable(f"the playwright package is not installed ({exc})")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    manager = sync_playwright()
    playwright = manager.start()
    try:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()
    finally:
        manager.__exit__(None, None, None)
        # Not inherited by later tests, nor by the subprocesses they start (Django's deploy
        # check refuses this variable).
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def results_dir(request: pytest.FixtureRequest) -> Path:
    path = Path(request.config.rootpath) / "test-results"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Tree:
    root: Any
    district: Any
    grassroots: Any
    cells: list[Any]
    admin: Any


@pytest.fixture
def browser_tree(transactional_db: None) -> Tree:
    """Quảng Ninh (code 22) → Hạ Long → Bãi Cháy → two party cells, and a superuser."""
    from django.contrib.auth import get_user_model

    from chibo.orgs import services
    from chibo.orgs.kinds import ensure_kinds

    ensure_kinds()
    admin = get_user_model().objects.create_superuser(
        username="admin", email="admin@chibo.example", password=PASSWORD
    )
    root = services.org_establish(
        actor=admin,
        code="22",
        name=ROOT,
        kind="provincial_party_committee",
        parent=None,
        on=ESTABLISHED,
    )
    district = services.org_establish(
        actor=admin,
        code="22-HL",
        name=DISTRICT,
        kind="district_party_committee",
        parent=root,
        on=ESTABLISHED,
    )
    grassroots = services.org_establish(
        actor=admin,
        code="22-HL-BC",
        name=GRASSROOTS,
        kind="grassroots_party_committee",
        parent=district,
        on=ESTABLISHED,
    )
    cells = [
        services.org_establish(
            actor=admin,
            code=f"22-HL-BC-K{i}",
            name=name,
            kind="party_cell",
            parent=grassroots,
            on=ESTABLISHED,
        )
        for i, name in enumerate(CELLS, start=1)
    ]
    return Tree(root=root, district=district, grassroots=grassroots, cells=cells, admin=admin)


@dataclass
class UI:
    """One browser tab on the live server, with everything it requested and logged."""

    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, f"GET {path}: {response and response.status}"
        return response

    def login(self, username: str = "admin", password: str = PASSWORD) -> None:
        self.goto("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")
        assert "/login/" not in self.page.url, "sign-in failed"

    def switch_language(self, code: str) -> None:
        from playwright.sync_api import expect

        with self.page.expect_navigation():
            self.page.click(f"header form.langs button[name=language][value={code}]")
        expect(self.page.locator("html")).to_have_attribute("lang", code)

    def foreign_requests(self) -> list[str]:
        return [
            u
            for u in self.requests
            if not (
                u == self.base_url
                or u.startswith(self.base_url + "/")
                or u.startswith(("data:", "blob:"))
            )
        ]

    def csp_errors(self) -> list[str]:
        return [
            m
            for m in self.console_errors
            if "content security policy" in m.lower() or "content-security-policy" in m.lower()
        ]


@pytest.fixture
def ui(browser: Any, live_server: Any, browser_tree: Tree) -> Iterator[UI]:
    context = browser.new_context(
        locale="vi-VN",  # Accept-Language: vi, like a user in Vietnam
        viewport={"width": 1280, "height": 900},
        service_workers="block",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    session = UI(page=page, base_url=live_server.url.rstrip("/"))
    context.on("request", lambda request: session.requests.append(request.url))
    page.on(
        "console",
        lambda msg: session.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: session.page_errors.append(str(exc)))
    try:
        yield session
    finally:
        context.close()
