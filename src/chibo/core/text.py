"""Text normalisation: NFC storage, a folded search key, bidi-control stripping."""

from __future__ import annotations

import re
import unicodedata

# Bidirectional controls and invisible characters that can spoof names (ZWNJ U+200C is kept:
# Persian needs it).
_BIDI_AND_INVISIBLE = re.compile("[\u200b\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_FOLD_EXTRA = str.maketrans(
    {
        "đ": "d",
        "Đ": "d",
        "ي": "ی",  # Arabic yeh -> Persian yeh
        "ك": "ک",  # Arabic kaf -> Persian kaf
        "\u200c": " ",
    }
)


def normalize_text(value: str) -> str:
    """NFC, no bidi/invisible controls, single spaces, stripped."""
    value = unicodedata.normalize("NFC", value)
    value = _BIDI_AND_INVISIBLE.sub("", value)
    return _SPACES.sub(" ", value).strip()


def has_bidi_controls(value: str) -> bool:
    return bool(_BIDI_AND_INVISIBLE.search(value))


def fold(value: str) -> str:
    """The search key: case- and diacritic-insensitive, đ -> d, tone placement folded.

    "Hạ Long", "HA LONG", "ha  long" and the NFD form all fold to "ha long"; "Hòa" and "Hoà"
    fold alike because every combining mark is dropped.
    """
    value = unicodedata.normalize("NFD", value.translate(_FOLD_EXTRA))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.casefold()
    return _SPACES.sub(" ", value).strip()


# C0 controls (NUL included: PostgreSQL cannot store it) and DEL; tab and line breaks are text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    """True for text holding a control character that no person types (NUL, escape…)."""
    return bool(_CONTROL.search(value))
