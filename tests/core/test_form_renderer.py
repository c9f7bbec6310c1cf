"""The Python-written selects of `chibo.core.forms.FormRenderer` are byte for byte Django's."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from chibo.core.forms import FormRenderer

DJANGO = DjangoTemplates()
OURS = FormRenderer()

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
choice = st.tuples(st.one_of(text, st.integers(-5, 5000)), st.one_of(text, st.integers(0, 100_000)))


def both(
    widget: forms.Widget, name: str, value: object, attrs: dict | None = None
) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs=attrs, renderer=DJANGO),
        widget.render(name, value, attrs=attrs, renderer=OURS),
    )


@settings(max_examples=150, deadline=None)
@given(
    choices=st.lists(choice, max_size=8),
    value=st.one_of(st.none(), text, st.integers(-5, 5000)),
    name=text,
    attr=st.one_of(st.booleans(), st.none(), text, st.integers()),
)
def test_select_is_djangos(
    choices: list[tuple[object, object]], value: object, name: str, attr: object
) -> None:
    widget = forms.Select(choices=choices, attrs={"class": "x", "data-v": attr})
    django, ours = both(widget, name, value, attrs={"id": "id_" + name, "required": True})
    assert ours == django


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.tuples(text, st.lists(choice, min_size=1, max_size=4)), max_size=4),
    plain=st.lists(choice, max_size=3),
    values=st.lists(st.one_of(text, st.integers(-5, 5000)), max_size=3),
)
def test_optgroups_and_multiple_are_djangos(groups: list, plain: list, values: list) -> None:
    choices = plain + [(label, options) for label, options in groups]
    for widget in (forms.Select(choices=choices), forms.SelectMultiple(choices=choices)):
        django, ours = both(
            widget,
            "f",
            values if isinstance(widget, forms.SelectMultiple) else (values or [None])[0],
        )
        assert ours == django


def test_lazy_translated_labels_numbers_and_dates_in_every_language() -> None:
    choices = [
        ("", gettext_lazy("Any")),
        (1234567, 1234567),
        (dt.date(2025, 7, 1), dt.date(2025, 7, 1)),
        ("a&b", '<"quoted">'),
        (None, gettext_lazy("Gender")),
    ]
    for language in ("vi", "en", "ko", "fa"):
        with translation.override(language):
            for widget in (forms.Select(choices=choices), forms.NullBooleanSelect()):
                django, ours = both(widget, "g", 1234567)
                assert ours == django


def test_an_option_with_its_own_template_goes_through_the_templates() -> None:
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    django, ours = both(Custom(choices=[("a", "A")]), "c", "a")
    assert ours == django and "<option" not in ours


def test_the_settings_use_it() -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
