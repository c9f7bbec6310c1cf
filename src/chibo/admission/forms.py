"""Forms of the admission pages: they parse input; the services validate the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.datefields import BoundedDateField
from chibo.members.choices import ETHNICITY_CHOICES, Gender, GeneralEducation, Occupation, Religion

from .models import ProposedBy, Step, TargetKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: Any, required: bool = True) -> forms.DateField:
    return BoundedDateField(label=label, widget=DATE, required=required)


class ApplicantForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    birth_date = _date(_("Date of birth"))
    national_id = forms.CharField(label=_("Citizen identity number"), max_length=12, required=False)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITY_CHOICES, initial="01")
    religion = forms.ChoiceField(label=_("Religion"), choices=Religion.choices, initial=Religion.NONE)
    general_education = forms.ChoiceField(label=_("General education"), choices=GeneralEducation.choices,
                                          initial=GeneralEducation.UPPER_SECONDARY)
    occupation = forms.ChoiceField(label=_("Occupation sector"), choices=Occupation.choices)
    youth_union = forms.BooleanField(label=_("Youth Union member"), required=False)
    proposed_by = forms.ChoiceField(label=_("Proposed by"), choices=ProposedBy.choices)
    helper = forms.TypedChoiceField(label=_("Official member assigned to help"), coerce=int, required=False,
                                    empty_value=None)
    listed_on = _date(_("Date of the cell's resolution"))
    resolution_no = forms.CharField(label=_("Number of the cell's resolution"), max_length=64)

    def __init__(self, *args: Any, people: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["helper"]).choices = [("", "—"), *(people or [])]


class ActForm(forms.Form):
    on = _date(_("Date"))
    document_no = forms.CharField(label=_("Document number"), max_length=64, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class IntroductionForm(forms.Form):
    on = _date(_("Date"))
    introducers = forms.TypedMultipleChoiceField(label=_("Introducing official members"), coerce=int,
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    youth_union_resolution_no = forms.CharField(
        label=_("Youth Union committee's resolution (for a Youth Union member)"), max_length=64, required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["introducers"]).choices = people or []


class VoteForm(forms.Form):
    on = _date(_("Date of the vote"))
    votes_for = forms.IntegerField(label=_("For"), min_value=0, max_value=100000)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, max_value=100000, initial=0)
    document_no = forms.CharField(label=_("Resolution number"), max_length=64, required=False)
    provincial_approval = forms.BooleanField(label=_("Over 60: the provincial committee approved"), required=False)
    meeting_vote = forms.TypedChoiceField(label=_("Vote of the cell's meeting (its counts are used)"), coerce=int,
                                          required=False, empty_value=None)

    def __init__(self, *args: Any, votes: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["meeting_vote"]).choices = [("", "—"), *(votes or [])]


class DecisionForm(forms.Form):
    on = _date(_("Date of the decision"))
    document_no = forms.CharField(label=_("Decision number"), max_length=64)
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    received_on = _date(_("Received on (empty: the same day)"), required=False)


class CeremonyForm(forms.Form):
    on = _date(_("Date of the ceremony"))
    card_number = forms.CharField(label=_("Party card number"), max_length=20, required=False)


class RemoveForm(forms.Form):
    on = _date(_("Date"))
    document_no = forms.CharField(label=_("Decision number (during probation)"), max_length=64, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(forms.Form):
    reason = forms.CharField(label=_("Why the decision needs more time"), max_length=300)


class UploadForm(forms.Form):
    step = forms.ChoiceField(label=_("Document of"), choices=Step.choices)
    file = forms.FileField(label=_("Scan (PDF, JPEG or PNG)"))


class AsOfForm(forms.Form):
    as_of = _date(_("As of"), required=False)


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1930, max_value=9998)
    kind = forms.ChoiceField(label=_("Kind"), choices=TargetKind.choices)
    value = forms.DecimalField(label=_("Value"), min_value=0, max_digits=8, decimal_places=2)
    source = forms.CharField(label=_("Source document"), max_length=300, required=False)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1930, max_value=9998, required=False)


class ReviewForm(forms.Form):
    """The grassroots committee's monthly review of its cells' lists of outstanding people."""

    reviewed_on = _date(_("Reviewed on"))
    resolution_no = forms.CharField(label=_("Resolution or minutes number"), max_length=64, required=False)
    note = forms.CharField(label=_("Conclusions"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
