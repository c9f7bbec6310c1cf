"""Forms of the meeting pages: they parse input; the services validate the domain rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.datefields import BoundedDateField

from .models import MeetingKind, VoteSubject
from .services import MINUTES_FIELDS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    scheduled_at = forms.DateTimeField(label=_("Date and time"), widget=DATETIME)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    title = forms.CharField(label=_("Title or topic"), max_length=300, required=False)
    combined = forms.BooleanField(label=_("Thematic and regular meeting held together"), required=False)


class AgendaForm(forms.Form):
    agenda = forms.CharField(label=_("Agenda (one item per line)"), widget=forms.Textarea(attrs={"rows": 9}))
    materials = forms.CharField(label=_("Materials (links or titles, one per line)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))

    def items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class NoticeForm(forms.Form):
    at = forms.DateTimeField(label=_("Sent at (empty: now)"), widget=DATETIME, required=False)


class HoldForm(forms.Form):
    chair = forms.TypedChoiceField(label=_("Chair"), coerce=int, required=False, empty_value=None)
    clerk = forms.TypedChoiceField(label=_("Clerk"), coerce=int, required=False, empty_value=None)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=24 * 60)
    self_score = forms.IntegerField(label=_("Self-score (0-100)"), min_value=0, max_value=100, required=False)
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *people]
        self.fields["chair"].choices = choices  # type: ignore[attr-defined]
        self.fields["clerk"].choices = choices  # type: ignore[attr-defined]


class VoteForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=500)
    subject = forms.ChoiceField(label=_("Subject"), choices=VoteSubject.choices, initial=VoteSubject.RESOLUTION)
    official_present = forms.IntegerField(label=_("Official members present"), min_value=0)
    votes_for = forms.IntegerField(label=_("For"), min_value=0)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, initial=0)
    abstentions = forms.IntegerField(label=_("Abstaining"), min_value=0, initial=0)


class MinutesForm(forms.Form):
    opening = forms.CharField(label=_("Opening and roll call"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    report = forms.CharField(label=_("Report on last month and tasks for next month"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))
    communications = forms.CharField(label=_("Documents of the superior committee"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    discussion = forms.CharField(label=_("Discussion"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    conclusion = forms.CharField(label=_("Conclusion"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def values(self) -> dict[str, str]:
        return {f: self.cleaned_data.get(f) or "" for f in MINUTES_FIELDS}


class AmendmentForm(forms.Form):
    on = forms.DateField(label=_("Dated"), widget=DATE)
    text = forms.CharField(label=_("Correction"), widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ResolutionForm(forms.Form):
    number = forms.CharField(label=_("Resolution number"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=300)
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    vote = forms.TypedChoiceField(label=_("Vote"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, votes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vote"].choices = [("", "—"), *votes]  # type: ignore[attr-defined]


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    resolution = forms.TypedChoiceField(label=_("Resolution"), coerce=int)

    def __init__(self, *args: Any, people: list[tuple[int, str]], resolutions: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = people  # type: ignore[attr-defined]
        self.fields["resolution"].choices = resolutions  # type: ignore[attr-defined]


class DoneForm(forms.Form):
    done_date = forms.DateField(label=_("Done on"), widget=DATE)


class PeriodForm(forms.Form):
    start = BoundedDateField(label=_("From"), widget=DATE, required=False)
    end = BoundedDateField(label=_("To"), widget=DATE, required=False)

    def period(self, default_year: int) -> tuple[dt.date, dt.date]:
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or dt.date(default_year, 1, 1)
        end = data.get("end") or dt.date(default_year, 12, 31)
        if end < start:
            start, end = end, start
        return start, end
