"""Issue 19, item 6: the rulebook page speaks the reader's language: every parameter has a
name, every unit and value is written for people (2/3, 60 working days), in all four
languages; no raw unit key or Python value reaches the page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from chibo.rules import display
from chibo.rules.seed import DEFAULTS

pytestmark = pytest.mark.django_db

RAW = re.compile(r"\{'|working_days|\bfraction\b|\bpercent\b|lower_secondary|\[\d")


@pytest.mark.parametrize("language", ["vi", "en", "ko", "fa"])
def test_rulebook_has_no_raw_keys_or_values(admin, language):
    c = Client()
    c.force_login(admin)
    c.cookies["chibo_language"] = language
    page = c.get("/rules/?as_of=2026-01-01").content.decode()
    body = page.split('<main id="main">')[1]
    visible = re.sub(r"<code[^>]*>.*?</code>", "", body)  # the keys themselves are shown as code
    visible = re.sub(r"<[^>]+>", " ", visible)  # text only (links carry the keys)
    assert not RAW.findall(visible), sorted(set(RAW.findall(visible)))


def test_every_seeded_parameter_has_a_name_and_every_unit_a_label():
    for key, _value, unit, *_rest in DEFAULTS:
        assert key in display.KEY_LABELS, key
        assert not unit or unit in display.UNIT_NAMES, unit


@pytest.mark.parametrize(
    ("language", "value", "unit", "expected"),
    [
        ("en", {"num": 2, "den": 3}, "fraction", "2/3"),
        ("en", 60, "working_days", "60 working days"),
        ("en", 1, "times", "1 time"),
        ("en", 85, "percent", "85%"),
        ("en", 3.0, "percent", "3%"),
        ("en", 5000, "vnd", "5,000 ₫"),
        ("vi", 5000, "vnd", "5.000 ₫"),
        ("vi", 60, "working_days", "60 ngày làm việc"),
        ("en", "lower_secondary", "", "lower-secondary diploma or higher"),
    ],
)
def test_values_for_people(language, value, unit, expected):
    with translation.override(language):
        assert display.format_value(value, unit) == expected
