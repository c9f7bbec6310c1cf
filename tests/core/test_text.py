"""Text: NFC storage, the folded search key, bidi-control stripping (security.md G16)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chibo.core.text import fold, has_bidi_controls, normalize_text


@pytest.mark.parametrize(
    "value",
    [
        "Hạ Long",
        "HA LONG",
        "ha  long",
        "  Hạ\tLong ",
        "HẠ LONG",
        unicodedata.normalize("NFD", "Hạ Long"),
        unicodedata.normalize("NFKD", "Hạ Long"),
    ],
)
def test_fold_ha_long(value):
    assert fold(value) == "ha long"


def test_fold_d_stroke():
    assert fold("Đ") == "d"
    assert fold("đ") == "d"
    assert fold("Đồng Đăng") == "dong dang"
    # đ has no decomposition: removing marks alone would not map it to d
    assert unicodedata.normalize("NFD", "đ") == "đ"


def test_fold_tone_placement_variants_are_equal():
    old_style, new_style = "Hòa", "Hoà"
    assert unicodedata.normalize("NFC", old_style) != unicodedata.normalize("NFC", new_style)
    assert fold(old_style) == fold(new_style) == "hoa"
    assert fold("Thủy") == fold("Thuỷ")


def test_fold_persian_and_arabic_letters_unified():
    assert fold("علي") == fold("علی")
    assert fold("كتاب") == fold("کتاب")
    # ZWNJ folds to a space in the search key
    assert fold("می\u200cخواهم") == "می خواهم"


def test_normalize_text_is_nfc_and_collapses_spaces():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hòa")
    assert len(nfd) == 18
    out = normalize_text("  " + nfd + "  ")
    assert out == "Nguyễn Thị Hòa"
    assert unicodedata.is_normalized("NFC", out)
    assert len(out) == 14
    assert normalize_text("a \n\t b") == "a b"


@pytest.mark.parametrize(
    "control",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
     "\u200b", "\u200d", "\u200e", "\u200f", "\ufeff"],
)
def test_normalize_text_strips_bidi_and_invisible(control):
    value = f"Chi bộ{control} 1"
    assert has_bidi_controls(value)
    out = normalize_text(value)
    assert control not in out
    assert out == "Chi bộ 1"
    assert not has_bidi_controls(out)


def test_normalize_text_keeps_zwnj():
    word = "می\u200cخواهم"
    assert normalize_text(word) == word
    assert not has_bidi_controls(word)


def test_rlo_spoof_is_removed():
    spoof = "Chi bộ \u202egnol ah\u202c"
    assert "\u202e" not in normalize_text(spoof)


vietnamese = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(vietnamese)
def test_fold_is_form_and_case_insensitive(value):
    key = fold(value)
    assert fold(unicodedata.normalize("NFD", value)) == key
    assert fold(unicodedata.normalize("NFC", value)) == key
    assert fold(value.upper()) == key
    assert fold(key) == key  # idempotent
    assert key.isascii() or not any(unicodedata.combining(c) for c in key)


@settings(max_examples=100, deadline=None)
@given(vietnamese)
def test_normalize_text_idempotent_and_nfc(value):
    out = normalize_text(value)
    assert normalize_text(out) == out
    assert unicodedata.is_normalized("NFC", out)
    assert normalize_text(unicodedata.normalize("NFD", value)) == out
