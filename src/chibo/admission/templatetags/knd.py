"""Filters of the printable KNĐ forms: a value where the record holds it, else a dotted blank
for the person to write by hand; dates written the Vietnamese way, whatever the interface
language (the forms are legal documents in Vietnamese)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

BLANK = '<span class="blank" aria-hidden="true"></span>'
WIDE = '<span class="blank wide" aria-hidden="true"></span>'


def _blank(size: str) -> SafeString:
    return mark_safe(WIDE if size == "wide" else BLANK)  # noqa: S308 (constant markup)


@register.filter
def fill(value: Any, size: str = "") -> SafeString:
    """The value, else a dotted blank (`size` "wide" for a longer one)."""
    if value is None or value == "":
        return _blank(size)
    return format_html('<span class="filled">{}</span>', value)


@register.filter
def dmy(value: dt.date | None) -> SafeString:
    """A date as dd/mm/yyyy, else a blank."""
    if not isinstance(value, dt.date):
        return _blank("")
    return format_html('<span class="filled">{}</span>', f"{value.day:02d}/{value.month:02d}/{value.year}")


@register.filter
def ngay(value: dt.date | None) -> SafeString:
    """"ngày … tháng … năm …", filled in from the date where there is one."""
    if not isinstance(value, dt.date):
        return mark_safe(f"ngày {BLANK} tháng {BLANK} năm {BLANK}")  # noqa: S308 (constant markup)
    return format_html('ngày <span class="filled">{}</span> tháng <span class="filled">{}</span> '
                       'năm <span class="filled">{}</span>', f"{value.day:02d}", f"{value.month:02d}", value.year)


@register.simple_tag
def lines(count: int) -> SafeString:
    """`count` dotted lines to write on."""
    return mark_safe('<span class="line" aria-hidden="true"></span>' * max(0, min(int(count), 40)))  # noqa: S308

