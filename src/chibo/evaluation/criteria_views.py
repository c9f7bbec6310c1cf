"""Criteria sets (issue 15, item 2): the committee's criteria groups and their points within the
100-point framework, per audience, versioned; listed and read within the user's scope, a new
version published from a form prefilled with the one before (a version never changes), each
with its history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chibo.core.access import SCOPED, access_policy
from chibo.core.audit import audit_history
from chibo.core.validtime import today
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from . import selectors, services
from .forms import CriteriaSetForm
from .models import Audience, CriteriaSet

READ = "org.view"


def _sets(request: HttpRequest) -> Any:
    return CriteriaSet.objects.restrict(request.user, READ).select_related("owner")


def _set_or_404(request: HttpRequest, pk: int) -> CriteriaSet:
    try:
        return _sets(request).get(pk=pk)
    except CriteriaSet.DoesNotExist as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
def criteria_list(request: HttpRequest) -> HttpResponse:
    qs = _sets(request).order_by("owner__code", "audience", "-version")
    audience = request.GET.get("audience", "")
    if audience in Audience.values:
        qs = qs.filter(audience=audience)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    names = selectors.names_on({cs.owner_id for cs in page}, today())
    return render(request, "evaluation/criteria_list.html", {
        "page": page, "rows": [(cs, names.get(cs.owner_id, cs.owner.code)) for cs in page],
        "audiences": Audience.choices, "audience": audience})


@access_policy(SCOPED)
@login_required
def criteria_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cs = _set_or_404(request, pk)
    versions = list(_sets(request).filter(owner_id=cs.owner_id, audience=cs.audience).order_by("-version"))
    name = selectors.names_on({cs.owner_id}, today()).get(cs.owner_id, cs.owner.code)
    history = audit_history(user=request.user, target_type="evaluation.criteriaset", target_id=str(cs.pk))[:50]
    return render(request, "evaluation/criteria_detail.html", {
        "cs": cs, "owner_name": name, "versions": versions, "history": history,
        "total": sum(int(g["max_points"]) for g in cs.groups),
        "may_publish": selectors.may(request.user, cs.owner_id)})


@access_policy(SCOPED)
@login_required
def criteria_new(request: HttpRequest) -> HttpResponse:
    """Publish a new version; `?from=<pk>` prefills the form with a version in scope."""
    status = 200
    if request.method == "POST":
        form = CriteriaSetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                owner = org_selectors.org_get(user=request.user, code=data["owner"].strip())
            except Organization.DoesNotExist:
                form.add_error("owner", _("No organization with this code in your scope."))
            else:
                if not selectors.may(request.user, owner.pk):
                    form.add_error("owner", _("You may not change this organization's criteria."))
                else:
                    try:
                        cs = services.criteria_set_publish(
                            actor=request.user, owner=owner, audience=data["audience"], name=data["name"],
                            groups=data["groups"], valid_from=data["valid_from"])
                    except ValidationError as exc:
                        for message in exc.messages:
                            form.add_error(None, message)
                    else:
                        messages.success(request, _("Version %(v)s of the criteria is published.") % {"v": cs.version})
                        return redirect("evaluation:criteria", pk=cs.pk)
        status = 400
    else:
        initial: dict[str, Any] = {"valid_from": today()}
        source = request.GET.get("from", "")
        if source.isdigit():
            initial.update(CriteriaSetForm.initial_from(_set_or_404(request, int(source))))
        form = CriteriaSetForm(initial=initial)
    return render(request, "evaluation/criteria_new.html", {"form": form}, status=status)
