"""Bidirectional text (issue 19 item 7): Latin and digit tokens inside right-to-left pages.

In a Persian page (`dir="rtl"`) a code such as `22-KBP` or a decision number `42-QĐ/TU` is
reordered by the Unicode bidi algorithm (`KBP-22`, `QĐ/TU-42`), and a Latin name next to an
arrow or a number runs into its neighbours. The cure is to isolate each such token:

- `ltr(value)`: codes, decision numbers, card numbers, user names, e-mail addresses, file names,
  ISO dates — anything that always reads left to right — as `<bdi dir="ltr">…</bdi>`;
- `isolate(value)`: a name or free text whose direction is its own (Vietnamese names, places),
  as `<bdi>…</bdi>` (direction from its first strong character);
- `arrow()`: the "goes to" arrow, pointing the reading way (`→` left to right, `←` right to
  left), with a spoken label.

Every value is escaped; only the wrapper is marked safe. None and "" give "".
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_bidi, pgettext


def _empty(value: Any) -> bool:
    return value is None or str(value) == ""


def ltr(value: Any) -> SafeString | str:
    """`22-KBP` -> `<bdi dir="ltr">22-KBP</bdi>` (escaped); None/"" -> ""."""
    if _empty(value):
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


def isolate(value: Any) -> SafeString | str:
    """A name in its own direction: `<bdi>Chi bộ thôn 3</bdi>` (escaped); None/"" -> ""."""
    if _empty(value):
        return ""
    return format_html("<bdi>{}</bdi>", value)


def arrow_glyph() -> str:
    """The arrow pointing the reading way of the active language."""
    return "\u2190" if get_language_bidi() else "\u2192"


def arrow(label: str | None = None) -> SafeString:
    """`<span class="arrow" role="img" aria-label="to">→</span>`, `←` in a right-to-left language."""
    return format_html(
        '<span class="arrow" role="img" aria-label="{}">{}</span>',
        label if label else pgettext("arrow between two things", "to"),
        arrow_glyph(),
    )
