from __future__ import annotations

from typing import Any

from django import template

from chibo.rules import display

register = template.Library()


@register.simple_tag
def rule_value(row: Any) -> str:
    """`{% rule_value row %}`: a policy parameter's value with its unit, for people."""
    return display.format_value(row.value, row.unit)


@register.simple_tag
def rule_label(row: Any) -> str:
    return display.parameter_label(row.key, row.description)
