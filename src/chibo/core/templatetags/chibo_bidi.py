"""Bidi helpers for every template, without `{% load %}` (a builtin, settings `TEMPLATES`).

    {{ org.code|ltr }}        -> <bdi dir="ltr">22-KBP</bdi>
    {{ org.display_name|bdi }} -> <bdi>Chi bộ thôn 3</bdi>
    {% arrow %}               -> → (left to right) / ← (right to left), with a spoken label
See `chibo.core.bidi` and docs/architecture.md ("Bidirectional text")."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from chibo.core import bidi as _bidi

register = template.Library()


@register.filter(name="ltr", is_safe=True)
def ltr(value: Any) -> SafeString | str:
    return _bidi.ltr(value)


@register.filter(name="bdi", is_safe=True)
def bdi(value: Any) -> SafeString | str:
    return _bidi.isolate(value)


@register.simple_tag(name="arrow")
def arrow(label: str | None = None) -> SafeString:
    return _bidi.arrow(label)
