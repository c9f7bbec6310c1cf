from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.datefields import InstantField

from .models import Role


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


class _OrgCodeField(forms.CharField):
    """An organization, typed as its code, looked up in the signed-in user's `user.change`
    scope (anything else reads as unknown, as a 404 would)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Organization (code)"))
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.actor: Any = None

    def clean(self, value: Any) -> Any:
        code = super().clean(value)
        if not code:
            return None
        from chibo.orgs.models import Organization

        org = Organization.objects.restrict(self.actor, "user.change").filter(code=code).first()
        if org is None:
            raise forms.ValidationError(
                _("No organization with the code “%(code)s” in your area."), params={"code": code}
            )
        return org


class _ActorFormMixin:
    """Forms that look things up in the signed-in user's scope."""

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.actor = actor
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, _OrgCodeField):
                field.actor = actor


class UserCreateForm(_ActorFormMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.order_by("key"))
    org = _OrgCodeField(required=False)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))


class RoleAssignForm(_ActorFormMixin, forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.order_by("key"))
    org = _OrgCodeField(required=False)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class RoleEndForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
