"""Forms of the member pages: they parse and validate input; the selectors and services do the
rest. Choices of cells are restricted to the user's scope for `member.change`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from chibo.core.validtime import today, valid_on_q
from chibo.orgs.models import Organization, OrgVersion

from .choices import (
    ETHNICITY_CHOICES,
    EventType,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    Status,
    TheoryLevel,
)
from .selectors import Period
from .sensitive import SENSITIVE_FIELDS
from .services import JOINING, MEMBER_CELL_KINDS

ANY = [("", _("Any"))]
ATTRIBUTE_FILTERS = ("status", "gender", "ethnicity", "religion", "general_education",
                     "professional_level", "theory_level", "occupation")
SENSITIVE_FILTERS = tuple(f for f in ATTRIBUTE_FILTERS if f in SENSITIVE_FIELDS)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, party card or identity number"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. nguyen van an")}),
    )
    as_of = forms.DateField(label=_("In a cell on"), required=False, widget=_date_input(),
                            help_text=_("Leave empty to search every record, including members who left."))
    under = forms.CharField(label=_("Under organization (code)"), required=False, max_length=40)
    status = forms.ChoiceField(label=_("Current status"), required=False, choices=ANY + list(Status.choices))
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=ANY + list(Gender.choices))
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False, choices=ANY + list(ETHNICITY_CHOICES))
    religion = forms.ChoiceField(label=_("Religion"), required=False, choices=ANY + list(Religion.choices))
    general_education = forms.ChoiceField(label=_("General education"), required=False,
                                          choices=ANY + list(GeneralEducation.choices))
    professional_level = forms.ChoiceField(label=_("Professional level"), required=False,
                                           choices=ANY + list(ProfessionalLevel.choices))
    theory_level = forms.ChoiceField(label=_("Political theory level"), required=False,
                                     choices=ANY + list(TheoryLevel.choices))
    occupation = forms.ChoiceField(label=_("Occupation sector"), required=False,
                                   choices=ANY + list(Occupation.choices))

    admitted_from = forms.DateField(label=_("Admitted from"), required=False, widget=_date_input())
    admitted_to = forms.DateField(label=_("Admitted until (inclusive)"), required=False, widget=_date_input())
    admitted_sector = forms.ChoiceField(label=_("Sector when admitted"), required=False,
                                        choices=ANY + list(Occupation.choices))
    left_from = forms.DateField(label=_("Left the party from"), required=False, widget=_date_input())
    left_to = forms.DateField(label=_("Left the party until (inclusive)"), required=False, widget=_date_input())
    count_by = forms.ChoiceField(label=_("Count by"), required=False, choices=[("", _("No counts"))] + [
        ("status", _("Current status")), ("gender", _("Gender")), ("age_band", _("Age")),
        ("ethnicity", _("Ethnicity")), ("religion", _("Religion")), ("general_education", _("General education")),
        ("professional_level", _("Professional level")), ("theory_level", _("Political theory level")),
        ("occupation", _("Occupation sector")),
    ])

    def __init__(self, *args: Any, sensitive: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sensitive:  # no filter (nor count) on what the user may not see
            for name in SENSITIVE_FILTERS:
                del self.fields[name]
            self.fields["count_by"].choices = [  # type: ignore[attr-defined]
                c for c in self.fields["count_by"].choices  # type: ignore[attr-defined]
                if c[0] not in SENSITIVE_FILTERS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("admitted", "left"):
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if f"{name}_from" in self.errors or f"{name}_to" in self.errors:
                continue
            if bool(start) != bool(end):
                self.add_error(f"{name}_to" if start else f"{name}_from", _("Give both ends of the period."))
            elif start and end and end < start:
                self.add_error(f"{name}_to", _("The end of the period is before its start."))
        if data.get("admitted_sector") and not data.get("admitted_from") and "admitted_from" not in self.errors:
            self.add_error("admitted_from", _("Give the period of admission."))
        return data

    def attributes(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", {})
        return {f: data[f] for f in ATTRIBUTE_FILTERS if data.get(f)}

    def periods(self) -> dict[str, Any]:
        """The period arguments of `selectors.member_search` (none for a field in error)."""
        data = getattr(self, "cleaned_data", {})
        out: dict[str, Any] = {}
        if data.get("admitted_from") and data.get("admitted_to"):
            out["admitted"] = Period(data["admitted_from"], data["admitted_to"])
            out["admitted_sector"] = data.get("admitted_sector") or ""
        if data.get("left_from") and data.get("left_to"):
            out["left"] = Period(data["left_from"], data["left_to"])
        return out


# the list's filters an export link carries (as_of and under are the export's own)
CRITERIA_FIELDS = ("q", *ATTRIBUTE_FILTERS, "admitted_from", "admitted_to", "admitted_sector", "left_from", "left_to")


def cells_for_change(user: Any) -> QuerySet[Organization]:
    """Party cells (and grassroots cells) in the user's scope for `member.change`, by code, with
    today's name (or the last one) as `label_name`."""
    today_name = OrgVersion.objects.filter(org_id=OuterRef("pk")).filter(valid_on_q(today())).values("name")[:1]
    last_name = OrgVersion.objects.filter(org_id=OuterRef("pk")).order_by("-valid_from").values("name")[:1]
    is_cell = OrgVersion.objects.filter(org_id=OuterRef("pk"), kind__key__in=sorted(MEMBER_CELL_KINDS))
    return (
        Organization.objects.restrict(user, "member.change")
        .filter(Exists(is_cell))
        .annotate(today_name=Subquery(today_name), last_name=Subquery(last_name))
        .order_by("code")
    )


CELL_SELECT_MAX = 200  # above this many cells in scope, the cell is a code typed in a text box


class _LoadedChoices(ModelChoiceIterator):
    """The choices from the rows the form already read (no second query), when it read them."""

    def __iter__(self) -> Any:
        rows = self.queryset._result_cache
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in rows:
            yield self.choice(obj)


class CellChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = _LoadedChoices

    def label_from_instance(self, obj: Any) -> str:
        name = getattr(obj, "today_name", None) or getattr(obj, "last_name", None) or ""
        return f"{obj.code} — {name}" if name else str(obj.code)


class MemberEventForm(forms.Form):
    # One door into the register (issue 14): an admission or a readmission is the end of the
    # admission procedure (the admission app's ceremony writes it through the member services), so
    # neither can be recorded here; every other event can.
    # No event is preselected: the secretary chooses one (a default once recorded readmissions).
    type = forms.ChoiceField(
        label=_("Event"),
        choices=[("", _("— choose the event —"))]
        + [c for c in EventType.choices if c[0] not in (EventType.ADMITTED, EventType.READMITTED)],
        help_text=_("Admissions and readmissions are recorded by the admission procedure, at the ceremony."),
    )
    on = forms.DateField(
        label=_("Effective from"), required=False, widget=_date_input(),
        help_text=_("Recognition as an official member is dated at the end of probation whatever is entered."),
    )
    decision_no = forms.CharField(label=_("Decision number"), required=False, max_length=64)
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=_date_input())
    issuer = forms.CharField(label=_("Issued by"), required=False, max_length=200)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    cell = CellChoiceField(
        label=_("Cell (when the member joins or rejoins)"), required=False, queryset=Organization.objects.none(),
        to_field_name="code",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cells = cells_for_change(user)
        first = list(cells[:CELL_SELECT_MAX + 1])  # one query: the choices, or "too many"
        typed = len(first) > CELL_SELECT_MAX
        field: Any = self.fields["cell"]
        if typed:
            # in a large installation a select of every cell in scope weighs megabytes (300k cells
            # in the nation): the code is typed instead, and validated against the same queryset
            field.widget = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        if self.is_bound or not typed:  # an empty text box needs no choices
            field.queryset = cells
            if not typed:  # every cell in scope is in `first`: the select lists them as read
                field.queryset._result_cache = first
                field.queryset._prefetch_done = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        if kind in JOINING and not data.get("cell") and "cell" not in self.errors:
            self.add_error("cell", _("Choose the cell the member joins."))
        if kind and kind != EventType.RECOGNIZED and not data.get("on") and "on" not in self.errors:
            self.add_error("on", _("Give the date of the event."))
        return data
