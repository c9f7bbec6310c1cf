from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.datefields import InstantField


class OtpTokenForm(forms.Form):
    otp_token = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": _("Enter the six digits shown by your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReadLogFilterForm(forms.Form):
    start = InstantField(label=_("From"), required=False)
    end = InstantField(label=_("Until"), required=False)
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    target_type = forms.CharField(label=_("Record type"), required=False, max_length=64)
    target_id = forms.CharField(label=_("Record"), required=False, max_length=64)
