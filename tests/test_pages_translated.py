"""Issue 19: every page, in every language, speaks that language (acceptance items 6 and 7).

Every GET route of the URL conf that renders an HTML page is rendered as the administrator and as
a cell secretary (where the secretary may see it; the public pages also anonymously), in vi, en,
ko and fa (the `LANGUAGE_COOKIE_NAME` cookie, read by `LocaleMiddleware`). The visible text
(text outside `<script>`/`<style>`, and the `title`, `placeholder`, `aria-label`, `alt`
attributes and button values) must not contain:

- in vi, ko, fa: an English msgid of the project's catalogues whose translation in that language
  differs from it (a string that reached the page untranslated: a missing `{% translate %}`, a
  `gettext` that ran before the language was chosen, a label kept in a dict without a lookup);
- in every language: a raw key: an audit action key (`org.move`, from the history phrases), a
  Python repr (`{'num': 2, ...}`, `['a']`, `None`, `True`, `False`), a snake_case choice value or
  unit (`working_days`, `regular_monthly_meeting`) shown instead of its label.

The routes come from `tests.routes` (the same discovery and objects as the scoping test), so a
new page is checked without being listed here. Routes that are not HTML pages are skipped by rule
(the API: DRF views; form targets that answer a GET only with 405 or a redirect, for everyone) or
listed in `NOT_PAGES` with a reason (downloads, feeds); the list must stay exact.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

from chibo.core import history
from chibo.core.access import PUBLIC
from chibo.rules.models import PolicyParameter
from tests.routes import (
    CASES,
    PROVIDERS,
    ROUTES,
    Route,
    build_url,
    model_of,
    placeholder_values,
    route_ids,
)

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "chibo"
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# Route name -> why it is not an HTML page to check (asserted below: each answers as said).
NOT_PAGES: dict[str, str] = {
    "set_language": "Django's language switch: a POST that sets the cookie and redirects.",
    "web:favicon": "The favicon: an image.",
    "web:logout": "Signing out: a POST that redirects to the sign-in page.",
    "members_io:template_xlsx": "A download: the import template as a spreadsheet.",
    "members_io:template_csv": "A download: the import template as CSV.",
    "jobs:download": "A download: a background job's result file.",
    "evaluation:export": "A download: the round's spreadsheet.",
    "supervision:letter_export": "A download: the letters as CSV.",
    "meetings:ical": "A calendar feed (text/calendar) for calendar programs.",
    "admission:file": "A download: a scan in an applicant's dossier.",
}

# Route name -> the query a page needs (it answers 404 without one): one figure and its list.
QUERIES: dict[str, dict[str, str]] = {
    "reports:value": {"indicator": "members.total", "under": "ORG-GX1"},
    "reports:drill": {"indicator": "members.total", "under": "ORG-GX1"},
}

# English msgids that are the same word in every language (names, codes): never a finding.
SAME_EVERYWHERE = {"Chibo", "HTMX", "OpenAPI", "CSV", "XLSX", "PDF", "API", "ID", "OK", "Email", "TOTP"}

# --- the catalogues --------------------------------------------------------------------------------


def _catalogues(code: str) -> list[polib.POFile]:
    dirs = [PACKAGE / "locale", *sorted(p for p in PACKAGE.glob("*/locale") if p.is_dir())]
    return [polib.pofile(str(d / code / "LC_MESSAGES" / "django.po")) for d in dirs
            if (d / code / "LC_MESSAGES" / "django.po").is_file()]


_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def _probes(code: str) -> dict[str, str]:
    """English text that must not show on a page in `code`: for each msgid (and plural) whose
    translation differs, its longest literal piece between placeholders, if it has at least two
    words or is one word of five letters or more. Probe -> the msgid it comes from."""
    out: dict[str, str] = {}
    for cat in _catalogues(code):
        for e in cat:
            if e.obsolete:
                continue
            translations = [e.msgstr] if not e.msgid_plural else list(e.msgstr_plural.values())
            for source in filter(None, (e.msgid, e.msgid_plural)):
                if source in translations or source in SAME_EVERYWHERE:
                    continue
                pieces = [p.strip(" .,:;!?()“”\"'–—…/") for p in _PLACEHOLDER.split(source)]
                piece = max(pieces, key=len)
                words = piece.split()
                if "\n" in piece or not words or any(piece in t for t in translations):
                    continue
                # a label of one word only when it is the whole msgid and capitalised ("Members"):
                # a lowercase word or a piece of a longer sentence is too common to tell
                whole_label = piece == source and len(piece) >= 5 and piece.isalpha() and piece[0].isupper()
                if len(words) >= 2 or whole_label:
                    out.setdefault(piece, source)
    return out


# --- the visible text ------------------------------------------------------------------------------


class _Visible(HTMLParser):
    ATTRS = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.code: list[str] = []  # inside <code>: identifiers shown as such (a rule's key)
        self._skip = 0
        self._in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "code":
            self._in_code += 1
        values = dict(attrs)
        for name in self.ATTRS:
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1
        if tag == "code" and self._in_code:
            self._in_code -= 1

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        (self.code if self._in_code else self.parts).append(data)


def visible_text(html: str) -> tuple[str, str]:
    """(the visible text outside `<code>`, the text inside `<code>`), whitespace collapsed."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return (" ".join(" ".join(parser.parts).split()), " ".join(" ".join(parser.code).split()))


# --- raw keys --------------------------------------------------------------------------------------

_REPR = re.compile(r"\{'|\['|': |<[A-Za-z]+ object at|\w+\.\w+\(")
# Python's None/True/False shown as words: in English they are words ("Religion: None"), so only
# the other languages are checked for them
_PY_WORDS = re.compile(r"\b(?:None|True|False)\b")
_SNAKE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-])")


def _action_keys() -> re.Pattern[str]:
    keys = sorted(history._ACTIONS, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w])")


def without_data(text: str, users: list[str]) -> str:
    """The text without what is data or a proper name, not a key: the personas' user names
    (`secretary_b`) and the languages' own names in the language menu ("English")."""
    from django.utils.translation import get_language_info

    for word in [*users, *(get_language_info(c)["name_local"] for c in LANGUAGES)]:
        text = re.sub(r"(?<![\w])" + re.escape(word) + r"(?![\w])", " ", text)
    return text


def raw_keys(text: str, actions: re.Pattern[str], language: str = "vi") -> list[str]:
    patterns = [actions, _REPR, _SNAKE] + ([_PY_WORDS] if language != "en" else [])
    return sorted({m.group(0) for rx in patterns for m in rx.finditer(text)})


def english_left(text: str, probes: dict[str, str]) -> list[str]:
    found = []
    for piece, msgid in probes.items():
        if piece in text and re.search(r"(?<![\w])" + re.escape(piece) + r"(?![\w])", text):
            found.append(msgid)
    # a probe inside a longer probe that was found is the same finding
    return sorted(m for m in found if not any(m != o and m in o for o in found))


# --- the pages -------------------------------------------------------------------------------------


def _is_page_route(route: Route) -> bool:
    return not route.is_drf and not route.template[0].startswith("api/")


PAGE_ROUTES = [r for r in ROUTES if _is_page_route(r)]


def _urls(route: Route, tree, world) -> list[str]:
    """The URLs to render for `route`: its objects in the secretary's cell (case 0), every rule
    for the rulebook's detail page, and, for pages of a unit, also the cell's committee."""
    if not route.object_params:
        return [build_url(route, {})]
    if route.name == "rules:detail":
        keys = PolicyParameter.objects.values_list("key", flat=True).distinct().order_by("key")
        return [build_url(route, {"key": k}) for k in keys]
    model = model_of(route)
    if route.name in NOT_PAGES and model not in PROVIDERS:
        return [placeholder_values(route)["_url"]]
    assert model in PROVIDERS, f"{route}: no object to render it with (tests.routes.PROVIDERS)"
    case = CASES[0]
    values = PROVIDERS[model][0](case, tree, world)
    if model == "supervision.publicprogramme":  # shown once published
        from chibo.supervision import services as supervision
        from chibo.supervision.models import Programme

        for programme in Programme.objects.filter(public_key__in=values):
            supervision.programme_publish(actor=None, programme=programme, public=True)
    if model == "orgs.organization":
        values = [*values, tree["GX1"].code]
    return [build_url(route, {p: v for p in route.object_params}) for v in values]


def _around(text: str, found: str) -> str:
    piece = max(_PLACEHOLDER.split(found), key=len)
    i = text.find(piece)
    return "…" + text[max(i - 40, 0): i + len(piece) + 40] + "…"


def _get(client: Client, url: str, language: str, route_name: str = ""):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url, QUERIES.get(route_name, {}))


def _is_html(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


@pytest.fixture(scope="module")
def probes() -> dict[str, dict[str, str]]:
    return {code: _probes(code) for code in LANGUAGES if code != "en"}


def test_probes_are_not_vacuous(probes):
    """The catalogues give thousands of probes, and the check finds an English label."""
    for code, found in probes.items():
        assert len(found) > 1000, (code, len(found))
        assert "Rulebook" in found and "Change recorded" in found, code
    assert english_left("Sổ quy định — Change recorded —", probes["vi"]) == ["Change recorded"]
    actions = _action_keys()
    assert raw_keys("Đã chuyển org.move {'num': 2, 'den': 3}: 60 working_days, None", actions) == [
        "': ", "None", "org.move", "working_days", "{'"]
    assert raw_keys("Religion: None", actions, "en") == []
    assert raw_keys("Sổ quy định: 2/3, 60 ngày làm việc (HD 43-HD/BTCTW)", actions) == []


def test_not_pages_is_current():
    names = {r.name for r in PAGE_ROUTES}
    assert set(NOT_PAGES) | set(QUERIES) <= names
    assert len(NOT_PAGES) <= 12, "keep the list of routes that are not pages small"


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=route_ids(PAGE_ROUTES))
def test_page_is_translated(route, tree, personas, world_data, login, probes):
    actions = _action_keys()
    clients = {"admin": login(personas["admin"]), "secretary": login(personas[CASES[0].owner])}
    if route.policy == PUBLIC:
        clients["anonymous"] = Client()
    urls = _urls(route, tree, world_data)
    usernames = [u.username for u in personas.values()]
    # an object only its owner gets (a background job, a token): the secretary's, not the admin's
    owners_only = bool(route.object_params) and model_of(route) in PROVIDERS and PROVIDERS[
        model_of(route)][1] is None
    rendered = 0
    statuses: set[int] = set()
    problems: list[str] = []
    for url in urls:
        for who, client in clients.items():
            for language in LANGUAGES:
                r = _get(client, url, language, route.name)
                statuses.add(r.status_code)
                assert r.status_code < 500, f"{who} {language} {url}: {r.status_code}"
                if route.name in NOT_PAGES:
                    assert not _is_html(r), f"{url} renders a page: take it off NOT_PAGES"
                    continue
                if not _is_html(r):
                    if who == "admin" and not owners_only:  # the administrator sees every page
                        assert r.status_code in (302, 405) or r.status_code == 200, (
                            f"{who} {url}: {r.status_code} {r.get('Content-Type')}")
                    if r.status_code == 200:
                        pytest.fail(f"{url} answers {r['Content-Type']}: add it to NOT_PAGES")
                    continue
                rendered += 1
                assert r.get("Content-Language") == language, (url, r.get("Content-Language"))
                text, code = visible_text(r.content.decode())
                text = without_data(text, usernames)
                raw = raw_keys(text, actions, language) + [
                    k for k in raw_keys(code, actions, language) if not _SNAKE.fullmatch(k)]
                if raw:
                    where = [_around(text + " " + code, k) for k in raw]
                    problems.append(f"{who} {language} {url}: raw keys {raw} in {where}")
                if language != "en":
                    left = english_left(text, probes[language])
                    if left:
                        where = [_around(text, m) for m in left]
                        problems.append(f"{who} {language} {url}: untranslated {left} in {where}")
    if route.name not in NOT_PAGES and not rendered:
        # a form's target that only takes a POST (405) or sends a GET back to its page (302)
        assert statuses <= {302, 405}, f"{route}: no page rendered for anyone ({statuses})"
    assert not problems, f"{len(problems)} page(s) not in their language:\n" + "\n".join(
        dict.fromkeys(problems))
