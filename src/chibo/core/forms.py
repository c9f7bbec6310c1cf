"""The form renderer: Django's own, except that `<select>` widgets are written in Python.

Django renders a select through a template and every `<option>` through a further template
include (about 0.1 ms each). The member search form alone has some 150 options, which made a
third of the list page's time. `FormRenderer` writes the same HTML, byte for byte (a test
compares it with Django's renderer), for selects whose option template is Django's; any other
template goes through Django's renderer unchanged."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value: Any) -> str:
    """`{{ value }}` in a template: localized, then escaped unless already safe."""
    return str(conditional_escape(localize(value)))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: True gives a bare name, False omits the attribute."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(
            f" {_text(name)}"
            if value is True
            else f' {_text(name)}="{conditional_escape(str(value))}"'
        )
    return "".join(out)


def render_select(widget: dict[str, Any]) -> str | None:
    """The HTML of django/forms/widgets/select.html for a widget context, or None when an option
    uses another template (the caller then renders through the templates)."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
            )  # the template's last newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
