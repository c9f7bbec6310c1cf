from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Confidence


class ParameterForm(forms.Form):
    value = forms.CharField(
        label=_("New value"),
        help_text=_("A number, or JSON for lists and mappings (e.g. [30, 40] or {\"num\": 2, \"den\": 3})."),
        max_length=2000,
    )
    valid_from = forms.DateField(label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("Source document"), max_length=300)
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)

    def clean_value(self) -> Any:
        raw = self.cleaned_data["value"].strip()
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw  # plain text
