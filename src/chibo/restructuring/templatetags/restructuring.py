"""`{% lineage_summary lineage as sentences %}`: one sentence per lineage step of a unit, e.g.
"Formed on 01/07/2025 from A, B and C." (used by restructuring/_lineage_summary.html, which the
organization page includes)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

PAST = {
    "merge": lambda: _("Formed on {date} from {names}."),
    "split": lambda: _("Formed on {date} by splitting {names}."),
    "dissolve": lambda: _("On {date} took over the organizations of {names}."),
}
FUTURE = {
    "merge": lambda: _("Merged on {date} into {names}."),
    "split": lambda: _("Split on {date} into {names}."),
    "dissolve": lambda: _("Dissolved on {date}; what was under it went to {names}."),
}


def _names(nodes: list[Any]) -> SafeString:
    links = [(reverse("orgs:detail", args=[n.org.code]), n.name) for n in nodes]
    if len(links) == 1:
        return format_html('<a href="{}" dir="auto">{}</a>', *links[0])
    head = format_html_join(", ", '<a href="{}" dir="auto">{}</a>', links[:-1])
    last = format_html('<a href="{}" dir="auto">{}</a>', *links[-1])
    return format_html(_("{list} and {last}"), list=head, last=last)


def _sentences(nodes: list[Any], templates: dict[str, Any]) -> list[SafeString]:
    groups: dict[tuple[Any, str], list[Any]] = defaultdict(list)
    for n in nodes:
        if n.event is not None and n.event.type in templates:
            groups[(n.event.on, n.event.type)].append(n)
    return [
        format_html(templates[type_](), date=date_format(on, "SHORT_DATE_FORMAT"), names=_names(group))
        for (on, type_), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]


@register.simple_tag
def lineage_summary(lineage: dict[str, list[Any]] | None) -> list[SafeString]:
    if not lineage:
        return []
    return _sentences(lineage.get("past", []), PAST) + _sentences(lineage.get("future", []), FUTURE)


@register.simple_tag(takes_context=True)
def units_went(context: template.Context, org: Any) -> Any:
    """Where the units and members of an organization that ended went (None while it exists)."""
    from chibo.restructuring.selectors import units_went as went

    request = context.get("request")
    if org is None or request is None or getattr(org, "valid_to", None) is None:
        return None
    return went(user=request.user, org=org)
