"""Issue 19 item 7: bidirectional text. Codes and decision numbers are isolated left to right
(`<bdi dir="ltr">`), names in their own direction, and arrows point the reading way: no template
writes an arrow glyph itself (`{% arrow %}` does, → or ← by the language)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from chibo.core import bidi

SRC = Path(__file__).resolve().parents[2] / "src" / "chibo"
ARROWS = ("\u2192", "\u2190")  # → ←


def test_no_template_has_a_hard_coded_arrow():
    templates = sorted(SRC.rglob("*.html"))
    assert len(templates) > 50, "the walk found no templates"
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in templates
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(arrow in line for arrow in ARROWS)
    ]
    assert not found, f"use {{% arrow %}} instead of a hard-coded arrow: {found}"


def test_the_ltr_filter_isolates_and_escapes():
    assert bidi.ltr("22-KBP") == '<bdi dir="ltr">22-KBP</bdi>'
    assert bidi.ltr("42-QĐ/TU") == '<bdi dir="ltr">42-QĐ/TU</bdi>'
    assert bidi.ltr("<script>x</script>") == '<bdi dir="ltr">&lt;script&gt;x&lt;/script&gt;</bdi>'
    assert bidi.ltr(None) == "" and bidi.ltr("") == ""
    assert bidi.ltr(42) == '<bdi dir="ltr">42</bdi>'
    assert bidi.isolate("Chi bộ <b>") == "<bdi>Chi bộ &lt;b&gt;</bdi>"


def test_the_filters_need_no_load_and_mark_only_the_wrapper_safe():
    t = Template('{{ code|ltr }}|{{ none|ltr|default:"—" }}|{{ name|bdi }}|{{ evil|ltr }}')
    out = t.render(Context({"code": "22-KBP", "none": None, "name": "thôn 3",
                            "evil": '"><script>alert(1)</script>'}))
    assert out == ('<bdi dir="ltr">22-KBP</bdi>|—|<bdi>thôn 3</bdi>|'
                   '<bdi dir="ltr">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</bdi>')
    assert "chibo.core.templatetags.chibo_bidi" in settings.TEMPLATES[0]["OPTIONS"]["builtins"]


@pytest.mark.parametrize(("lang", "glyph"), [("vi", "→"), ("en", "→"), ("ko", "→"), ("fa", "←")])
def test_the_arrow_points_the_reading_way(lang, glyph):
    with translation.override(lang):
        out = Template('{% arrow %}|{% arrow _("changed to") %}').render(Context())
    first, second = out.split("|")
    assert re.fullmatch(r'<span class="arrow" role="img" aria-label="[^"<]+">(.)</span>', first)
    assert first.endswith(f">{glyph}</span>") and second.endswith(f">{glyph}</span>")
    assert 'aria-label="to"' not in first or lang == "en"  # the label is translated


@pytest.mark.django_db
def test_an_organization_page_in_persian_isolates_its_code(tree, client_admin):
    code = tree["ORG-GX1"].code
    client_admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "fa"
    page = client_admin.get(f"/orgs/{code}/").content.decode()
    assert '<html lang="fa" dir="rtl">' in page
    assert f'<dd><bdi dir="ltr">{code}</bdi></dd>' in page  # the "Code" fact
    parent = tree["ORG-GX1"].versions.order_by("-valid_from").first().parent
    assert re.search(rf'<dd><a href="/orgs/{parent.code}/[^"]*"><bdi dir="ltr">{parent.code}</bdi></a>',
                     page)  # the parent, linked
    assert "<bdi dir=\"ltr\"><bdi" not in page  # never isolated twice
