"""Forms of the supervision pages: they parse input; the services validate the domain rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from chibo.core.datefields import BoundedDateField

from .models import AgencyKind, Channel, LetterKind, NotHandledReason
from .services import MAX_SCAN_BYTES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: Any, required: bool = True) -> BoundedDateField:
    return BoundedDateField(label=label, widget=DATE, required=required)


class LetterReceiveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LetterKind.choices)
    channel = forms.ChoiceField(label=_("Received"), choices=[c for c in Channel.choices if c[0] != Channel.WEB])
    received_by = forms.CharField(label=_("Received by (organization code)"), max_length=64)
    received_on = _date(_("Received on"))
    competent_received_on = _date(_("Received by the competent body on (empty: the same day)"), required=False)
    subject_member = forms.IntegerField(label=_("Member concerned (number in the register)"), required=False,
                                        min_value=1, max_value=2**31 - 1)
    subject_org = forms.CharField(label=_("Organization concerned (code)"), max_length=64, required=False)
    summary = forms.CharField(label=_("Content"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    congress_related = forms.BooleanField(label=_("About the congress"), required=False)
    sender_name = forms.CharField(label=_("Sender's name"), max_length=200, required=False)
    sender_address = forms.CharField(label=_("Sender's address"), max_length=300, required=False)
    sender_contact = forms.CharField(label=_("Sender's telephone or e-mail"), max_length=200, required=False)
    scan = forms.FileField(label=_("Scan (image or PDF, up to 10 MB)"), required=False)

    def clean_scan(self) -> bytes | None:
        f = self.cleaned_data.get("scan")
        if not f:
            return None
        if f.size > MAX_SCAN_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return bytes(f.read())


class NotHandledForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=NotHandledReason.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class DayForm(forms.Form):
    on = _date(_("Date"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AssignForm(forms.Form):
    note = forms.CharField(label=_("Who verifies"), max_length=300)
    on = _date(_("Date"), required=False)


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=365)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    notice_on = _date(_("Sender told on"))


class ConcludeForm(forms.Form):
    on = _date(_("Concluded on"))
    conclusion = forms.CharField(label=_("Conclusion"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))
    discipline_event = forms.IntegerField(label=_("Discipline event on the member's record (number)"), required=False,
                                          min_value=1, max_value=2**31 - 1)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=500)
    on = _date(_("Date"), required=False)


class ForwardForm(forms.Form):
    handler = forms.CharField(label=_("Competent body (organization code)"), max_length=64)
    on = _date(_("Received there on"))


class PurposeForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose of this read"), max_length=200)
    scan = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class LetterFilterForm(forms.Form):
    code = forms.CharField(label=_("Under (organization code)"), max_length=64, required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import LetterState

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "—"), *LetterState.choices]  # type: ignore[attr-defined]


# --- dialogue ------------------------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    org = forms.CharField(label=_("Host (organization code)"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=300)
    theme = forms.CharField(label=_("Theme"), max_length=300, required=False)
    hosts = forms.CharField(label=_("Who meets"), max_length=300)
    audience = forms.CharField(label=_("Whom"), max_length=300)
    starts_on = _date(_("From"))
    ends_on = _date(_("To"))


class AgencyForm(forms.Form):
    name = forms.CharField(label=_("Agency"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=AgencyKind.choices)


class ProposalForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=300)
    content = forms.CharField(label=_("Content"), max_length=5000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    field = forms.CharField(label=_("Field"), max_length=100, required=False)
    raised_by = forms.CharField(label=_("Raised by"), max_length=200, required=False)
    commune = forms.CharField(label=_("From (organization code)"), max_length=64, required=False)
    agency = forms.TypedChoiceField(label=_("Assigned to"), coerce=int)
    due_on = _date(_("Answer due (empty: the rulebook's deadline)"), required=False)

    def __init__(self, *args: Any, agencies: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = agencies or []  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    on = _date(_("Answered on"))
    answer = forms.CharField(label=_("Answer"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))


class RemindForm(forms.Form):
    on = _date(_("Date"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    escalate = forms.BooleanField(label=_("Escalate (overdue)"), required=False)


class ConclusionForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=64)
    issued_on = _date(_("Issued on"))
    text = forms.CharField(label=_("Text"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tasks = forms.CharField(label=_("Key tasks (one per line)"), max_length=20000, required=False,
                            widget=forms.Textarea(attrs={"rows": 6}))


class DoneForm(forms.Form):
    done_on = _date(_("Done on"))


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=1930, max_value=2200, required=False)


# --- the public form -----------------------------------------------------------------------------

SIGNER_SALT = "chibo.supervision.feedback"
MIN_SECONDS, MAX_SECONDS = 3, 2 * 3600


class FeedbackForm(forms.Form):
    """The citizens' form: no sign-in. Abuse resistance: a honeypot field people do not see, a
    signed timestamp (too fast or too old is refused), limits on every length, CSRF, and a limit
    per address in the view."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[
        (LetterKind.FEEDBACK, _("Feedback or petition")), (LetterKind.DENUNCIATION, _("Denunciation")),
        (LetterKind.COMPLAINT, _("Complaint about discipline"))])
    summary = forms.CharField(label=_("What you want to tell us"), min_length=20, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 6}))
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    address = forms.CharField(label=_("Your address"), max_length=300, required=False)
    contact = forms.CharField(label=_("Telephone or e-mail"), max_length=200, required=False)
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)  # honeypot
    started = forms.CharField(widget=forms.HiddenInput)

    @staticmethod
    def stamp() -> str:
        return signing.TimestampSigner(salt=SIGNER_SALT).sign("form")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise forms.ValidationError(_("The form could not be accepted."))
        try:
            signing.TimestampSigner(salt=SIGNER_SALT).unsign(self.data.get("started", ""), max_age=MAX_SECONDS)
        except signing.SignatureExpired as exc:
            raise forms.ValidationError(_("The form was open too long: please send it again.")) from exc
        except signing.BadSignature as exc:
            raise forms.ValidationError(_("The form could not be accepted.")) from exc
        ts = signing.TimestampSigner(salt=SIGNER_SALT)
        try:
            ts.unsign(self.data.get("started", ""), max_age=MIN_SECONDS)
        except signing.SignatureExpired:
            pass  # older than the minimum: a person filled it in
        except signing.BadSignature as exc:
            raise forms.ValidationError(_("The form could not be accepted.")) from exc
        else:
            raise forms.ValidationError(_("The form was sent too fast: please check it and send it again."))
        return data
