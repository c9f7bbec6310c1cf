"""Forms of the cadre pages: they parse input; the services validate the domain rules (a refusal
of the service is shown as the form's error, nothing written)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.datefields import BoundedDateField
from chibo.members.choices import ProfessionalLevel, TheoryLevel

from .models import CourseKind, Method, Position, QualificationKind, RoleKind

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


def _choices(field: Any, people: list[tuple[int, str]]) -> None:
    field.choices = [("", "—"), *people]


class RoleForm(forms.Form):
    """A role held alongside a party post (kiêm nhiệm), at the place of an organization."""

    org = forms.CharField(label=_("Organization (code)"), max_length=64)
    kind = forms.ChoiceField(label=_("Role"), choices=RoleKind.choices)
    unit_name = forms.CharField(label=_("Village or unit"), max_length=200, required=False)
    valid_from = BoundedDateField(label=_("From"), widget=DATE)
    valid_to = BoundedDateField(label=_("Until (empty: open)"), widget=DATE, required=False)


class QualificationForm(forms.Form):
    """A qualification obtained on a date: the level is one of the register's levels for a
    professional or theory qualification, free text for general education (e.g. 12/12)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=QualificationKind.choices)
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[
            ("", "—"),
            (_("Professional level"), ProfessionalLevel.choices),
            (_("Political theory level"), TheoryLevel.choices),
        ],
    )
    education = forms.CharField(
        label=_("General education (e.g. 12/12)"), max_length=40, required=False
    )
    obtained_on = BoundedDateField(label=_("Obtained on"), widget=DATE)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=64, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == QualificationKind.EDUCATION:
            data["level"] = data.get("education", "").strip()
            if not data["level"]:
                self.add_error("education", _("Give the level of general education."))
        elif data.get("kind") and not data.get("level"):
            self.add_error("level", _("Choose the level."))
        return data


class WatchForm(forms.Form):
    committee = forms.TypedChoiceField(label=_("Committee of"), coerce=int)
    watcher = forms.TypedChoiceField(label=_("Committee member watching"), coerce=int)
    valid_from = BoundedDateField(label=_("From"), widget=DATE)
    valid_to = BoundedDateField(label=_("Until (empty: open)"), widget=DATE, required=False)
    decision_no = forms.CharField(label=_("Decision number"), max_length=64, required=False)

    def __init__(
        self,
        *args: Any,
        committees: list[tuple[int, str]],
        people: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["committee"], committees)
        _choices(self.fields["watcher"], people)


class WatchEndForm(forms.Form):
    on = BoundedDateField(label=_("Ends on"), widget=DATE)


class SecondmentForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    from_org = forms.CharField(label=_("Sending department (code)"), max_length=64)
    post_held = forms.CharField(label=_("Post held"), max_length=200)
    valid_from = BoundedDateField(label=_("From"), widget=DATE)
    valid_to = BoundedDateField(label=_("Return (empty: not yet known)"), widget=DATE, required=False)
    decision_no = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    decision_date = BoundedDateField(label=_("Decision date"), widget=DATE, required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["member"], people)


class ContestForm(forms.Form):
    organizer = forms.CharField(label=_("Organizer (code)"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=300)
    year = forms.IntegerField(label=_("Year"), min_value=1930, max_value=2100)
    rounds = forms.CharField(
        label=_("Rounds"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One round per line: its date (YYYY-MM-DD), then its name."),
    )

    def clean_rounds(self) -> list[tuple[str, dt.date]]:
        out: list[tuple[str, dt.date]] = []
        lines = [line.strip() for line in self.cleaned_data["rounds"].splitlines()]
        for n, line in enumerate((line for line in lines if line), start=1):
            day, _sep, name = line.partition(" ")
            try:
                held_on = dt.date.fromisoformat(day)
            except ValueError:
                held_on = None
            if held_on is None or not name.strip():
                raise forms.ValidationError(
                    _("Round %(n)d: give its date (YYYY-MM-DD), then its name.") % {"n": n}
                )
            out.append((name.strip()[:200], held_on))
        if not out:
            raise forms.ValidationError(_("Give at least one round."))
        return out


class EntryForm(forms.Form):
    entrant = forms.TypedChoiceField(label=_("Cell secretary"), coerce=int)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["entrant"], people)


class ScoreForm(forms.Form):
    entry = forms.TypedChoiceField(label=_("Entrant"), coerce=int)
    round = forms.TypedChoiceField(label=_("Round"), coerce=int)
    score = forms.DecimalField(label=_("Score"), max_digits=5, decimal_places=2)

    def __init__(
        self,
        *args: Any,
        entries: list[tuple[int, str]],
        rounds: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["entry"], entries)
        _choices(self.fields["round"], rounds)


class AwardForm(forms.Form):
    entry = forms.TypedChoiceField(label=_("Entrant"), coerce=int)
    award = forms.CharField(label=_("Award (empty: none)"), max_length=100, required=False)

    def __init__(self, *args: Any, entries: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["entry"], entries)
