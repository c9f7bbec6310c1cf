"""Pages: the tree browser (lazy expansion with HTMX) and the unit page. Thin: parse, call a
selector, render. Every fetch goes through the selectors, which are scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.html import format_html

from chibo.core.access import SCOPED, access_policy
from chibo.core.audit import audit_history
from chibo.core.validtime import today

from . import selectors
from .models import Organization, OrgVersion


def _as_of(request: HttpRequest) -> tuple[dt.date, str | None]:
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return today(), None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        from django.utils.translation import gettext as _

        return today(), _("“%(value)s” is not a date; showing today.") % {"value": raw}


def _org_or_404(request: HttpRequest, code: str) -> Organization:
    try:
        return selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
def tree(request: HttpRequest) -> HttpResponse:
    on, date_error = _as_of(request)
    q = request.GET.get("q", "").strip()
    context = {"on": on, "q": q, "date_error": date_error}
    if q:
        context["results"] = list(selectors.org_search(user=request.user, q=q, on=on))
    else:
        context["roots"] = selectors.org_roots(user=request.user, on=on)
    template = "orgs/tree.html#results" if getattr(request, "htmx", False) and q else "orgs/tree.html"
    return render(request, template, context)


@access_policy(SCOPED)
@login_required
def children(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_or_404(request, code)
    on, err = _as_of(request)
    if err:  # a fragment: no page to show the message on, so the message alone, and 400
        return HttpResponseBadRequest(format_html('<li class="error" role="alert">{}</li>', err))
    kids = selectors.org_children(user=request.user, org=org, on=on)
    return render(request, "orgs/tree.html#children", {"children": kids, "on": on})


LINKS_SHOWN = 12  # organizations named per change; a reform links thousands ("and N more")


def _name_links(events: list[Any], first: int | None = None) -> None:
    """Give each event `shown_links` (the organization `first` first, then the others, at most
    LINKS_SHOWN) and `more_links` (how many are not shown), and each shown organization a
    `display_name`: its name on the event's date (or its first), in one query for the page."""
    for e in events:
        links = sorted(e.links.all(), key=lambda link: link.org_id != first)
        e.shown_links, e.more_links = links[:LINKS_SHOWN], max(0, len(links) - LINKS_SHOWN)
    versions: dict[int, list[tuple[dt.date, str]]] = {}
    rows = OrgVersion.objects.filter(
        org_id__in={link.org_id for e in events for link in e.shown_links}).order_by("valid_from")
    for org_id, valid_from, name in rows.values_list("org_id", "valid_from", "name"):
        versions.setdefault(org_id, []).append((valid_from, name))
    for e in events:
        for link in e.shown_links:
            named = versions.get(link.org_id, [])
            before = [name for valid_from, name in named if valid_from <= e.on]
            link.display_name = (before[-1] if before else named[0][1]) if named else link.org.code


@access_policy(SCOPED)
@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_or_404(request, code)
    on, date_error = _as_of(request)
    version, exact = selectors.version_on_or_last(org, on)
    kids = selectors.org_children(user=request.user, org=org, on=on)
    page = Paginator(kids, 100).get_page(request.GET.get("page"))
    counts = selectors.org_counts(user=request.user, org=org, on=on)
    lineage = selectors.org_lineage(user=request.user, org=org)
    changes = list(selectors.org_changes(user=request.user, org=org)[:50])
    _name_links(changes, first=org.pk)
    history = org.versions.select_related("kind", "parent", "event__decision").order_by("valid_from")
    powers = org.powers.order_by("valid_from")
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org, "version": version, "exact": exact, "on": on, "date_error": date_error,
            "children_page": page, "counts": selectors.labelled_counts(counts),
            "lineage": lineage, "changes": changes, "history": history, "powers": powers,
            "audit": audit_history(
                user=request.user, target_type="orgs.organization", target_id=str(org.pk)
            )[:50],
        },
    )
