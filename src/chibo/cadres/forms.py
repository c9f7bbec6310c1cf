"""Forms of the cadre pages: they parse input; the services validate the domain rules (a refusal
of the service is shown as the form's error, nothing written)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.datefields import BoundedDateField

from .models import CourseKind, Method, Position

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PostAssignForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    method = forms.ChoiceField(label=_("How"), choices=Method.choices)
    valid_from = BoundedDateField(label=_("From"), widget=DATE)
    valid_to = BoundedDateField(label=_("Until (empty: open)"), widget=DATE, required=False)
    decision_no = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    decision_date = BoundedDateField(label=_("Decision date"), widget=DATE, required=False)
    exception = forms.CharField(label=_("Documented exception (if any)"), max_length=200, required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *people]  # type: ignore[attr-defined]


class PostEndForm(forms.Form):
    on = BoundedDateField(label=_("Ends on"), widget=DATE)
    reason = forms.CharField(label=_("Why it ends"), max_length=200)


class CourseForm(forms.Form):
    organizer = forms.CharField(label=_("Organizer (code)"), max_length=64)
    topic = forms.CharField(label=_("Topic"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    starts_on = BoundedDateField(label=_("Starts on"), widget=DATE)
    ends_on = BoundedDateField(label=_("Ends on"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class EnrolForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *people]  # type: ignore[attr-defined]


class ResultForm(EnrolForm):
    attended_days = forms.IntegerField(label=_("Days attended"), min_value=0, max_value=366)
    completed = forms.BooleanField(label=_("Completed"), required=False)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=64, required=False)
