"""Forms of the evaluation pages that are plain Django forms (the year-end sheet is its own)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Audience

GROUP_ROWS = 12  # criteria groups a set may have on the page (CV 10072 has 4–6 per audience)


class CriteriaSetForm(forms.Form):
    """A new version of a committee's criteria for one audience: its groups and their points,
    which add up to 100 (checked by `services.criteria_set_publish`)."""

    owner = forms.CharField(label=_("Committee (code)"), max_length=32)
    audience = forms.ChoiceField(label=_("For"), choices=Audience.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    valid_from = forms.DateField(label=_("In use from"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(GROUP_ROWS):
            self.fields[f"code_{i}"] = forms.CharField(label=_("Code"), max_length=16, required=False)
            self.fields[f"group_{i}"] = forms.CharField(label=_("Criteria group"), max_length=300, required=False)
            self.fields[f"points_{i}"] = forms.IntegerField(label=_("Points"), min_value=1, max_value=100,
                                                            required=False)

    def head(self) -> list[Any]:
        return [self[name] for name in ("owner", "audience", "name", "valid_from")]

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"code_{i}"], self[f"group_{i}"], self[f"points_{i}"]) for i in range(GROUP_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        groups = []
        for i in range(GROUP_ROWS):
            code, name, points = (data.get(f"code_{i}") or "").strip(), (data.get(f"group_{i}") or "").strip(), \
                data.get(f"points_{i}")
            if not code and not name and points is None:
                continue
            if not code or not name or points is None:
                self.add_error(f"group_{i}", _("Each group needs a code, a name and its points."))
                continue
            groups.append({"code": code, "name": name, "max_points": points})
        if not groups and not self.errors:
            raise forms.ValidationError(_("Give at least one criteria group."))
        data["groups"] = groups
        return data

    @classmethod
    def initial_from(cls, cs: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {"owner": cs.owner.code, "audience": cs.audience, "name": cs.name}
        for i, g in enumerate(cs.groups[:GROUP_ROWS]):
            initial.update({f"code_{i}": g["code"], f"group_{i}": g["name"], f"points_{i}": g["max_points"]})
        return initial
