from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chibo.core.access import SIGNED_IN, access_policy
from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today

from . import selectors, services
from .forms import ParameterForm


def _may_change(request: HttpRequest) -> bool:
    return resolve_scope(request.user, "rules.change").everything


@access_policy(SIGNED_IN)
@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("as_of", "")
    try:
        on = dt.date.fromisoformat(raw) if raw else today()
    except ValueError:
        on = today()
        messages.error(request, _("“%(value)s” is not a date; showing today.") % {"value": raw})
    return render(request, "rules/list.html", {"rows": selectors.rulebook(on=on), "on": on})


@access_policy(SIGNED_IN)
@login_required
def rule_detail(request: HttpRequest, key: str) -> HttpResponse:
    rows = list(selectors.history(key))
    if not rows:
        raise Http404
    may_change = _may_change(request)
    form = ParameterForm(request.POST or None, initial={"confidence": rows[-1].confidence}) if may_change else None
    if request.method == "POST":
        if not may_change:
            raise Http404
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.parameter_set(
                    actor=request.user, key=key, value=data["value"], valid_from=data["valid_from"],
                    source=data["source"], confidence=data["confidence"], reason=data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The new value is recorded."))
                return redirect("rules:detail", key=key)
    return render(request, "rules/detail.html", {"key": key, "rows": rows, "form": form})
