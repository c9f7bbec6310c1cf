from __future__ import annotations

from typing import Any

from django import template

from chibo.core.history import Entry, describe

register = template.Library()


@register.filter
def readable(events: Any) -> list[Entry]:
    """`{% for e in history|readable %}`: audit events as phrases and changes."""
    return describe(events or [])
