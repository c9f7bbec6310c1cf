"""Pages: check a plan (paste or upload, see its impact as a before/after tree), generate the
2025 plan of a province into the form, and the "where did they go" report. Thin: parse, call
one service or selector, render.

Scope: checking a plan needs `org.change` on every organization the plan names; an organization
outside the user's scope is reported exactly like one that does not exist, with status 404. The
2025 plan needs `org.change` on the provincial committee, the report `report.view` on it (else
404).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chibo.core.access import SCOPED, access_policy
from chibo.core.datefields import check_date
from chibo.core.scoping import resolve_scope
from chibo.orgs.models import Organization

from . import plan2025, selectors
from .plans import MAX_PLAN_BYTES, PlanError, plan_parse
from .services import CHANGE, plan_check

PAGE_LIMIT = 5 * 1024 * 1024  # a plan pasted or uploaded on the page


def _require(request: HttpRequest, action: str) -> None:
    if resolve_scope(request.user, action).is_empty:
        raise PermissionDenied


def _form(request: HttpRequest, *, text: str = "", errors: list[str] | None = None, status: int = 200,
          impact: object = None) -> HttpResponse:
    return render(request, "restructuring/check.html", {
        "text": text, "errors": errors or [], "impact": impact, "max_mb": PAGE_LIMIT // 2**20,
        "provinces": selectors.provinces(user=request.user, on=selectors.DEFAULT_FROM, action=CHANGE),
    }, status=status)


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    _require(request, CHANGE)
    if request.method != "POST":
        return _form(request)
    upload = request.FILES.get("file")
    text = request.POST.get("plan", "")
    if upload is not None:
        if upload.size is not None and upload.size > PAGE_LIMIT:
            return _form(request, errors=[_("The file is too large (at most %(mb)d MB).")
                                          % {"mb": PAGE_LIMIT // 2**20}], status=413)
        try:
            text = upload.read(PAGE_LIMIT + 1).decode("utf-8")
        except UnicodeDecodeError:
            return _form(request, errors=[_("The file is not UTF-8 text.")], status=400)
    if not text.strip():
        return _form(request, errors=[_("Paste a plan or choose a file.")], status=400)
    if len(text.encode("utf-8")) > min(PAGE_LIMIT, MAX_PLAN_BYTES):
        return _form(request, errors=[_("The plan is too large (at most %(mb)d MB).")
                                      % {"mb": PAGE_LIMIT // 2**20}], status=413)
    try:
        plan = plan_parse(text)
    except PlanError as exc:
        return _form(request, text=text, errors=exc.errors, status=400)
    impact = plan_check(actor=request.user, plan=plan, user=request.user)
    return _form(request, text=text, impact=impact, errors=[i.message for i in impact.issues],
                 status=404 if impact.not_found else 200)


@access_policy(SCOPED)
@login_required
@require_GET
def plan_2025(request: HttpRequest) -> HttpResponse:
    """The generated 2025 plan of a province, put into the check form (not checked yet)."""
    _require(request, CHANGE)
    code = request.GET.get("province", "").strip()
    if not code:
        return _form(request)
    if not Organization.objects.restrict(request.user, CHANGE).filter(code=code).exists():
        raise Http404
    try:
        result = plan2025.plan_2025(province=code)
    except plan2025.Plan2025Error as exc:
        return _form(request, errors=[str(exc)], status=400)
    return _form(request, text=result.text)


def _date(raw: str, default: dt.date | None) -> dt.date | None | Literal[False]:
    """The date in `raw`, `default` when it is empty, False when it is no date (or one at the
    very ends of the calendar, where a period's exclusive end cannot be computed)."""
    try:
        return check_date(dt.date.fromisoformat(raw.strip())) if raw.strip() else default
    except (ValueError, ValidationError):
        return False


@access_policy(SCOPED)
@login_required
@require_GET
def where(request: HttpRequest) -> HttpResponse:
    _require(request, selectors.REPORT)
    bad = [raw for raw in (request.GET.get("from", ""), request.GET.get("to", "")) if _date(raw, None) is False]
    start = _date(request.GET.get("from", ""), selectors.DEFAULT_FROM) or selectors.DEFAULT_FROM
    end = _date(request.GET.get("to", ""), selectors.DEFAULT_TO) or selectors.DEFAULT_TO
    code = request.GET.get("province", "").strip()
    unit = request.GET.get("unit", "").strip()
    context: dict[str, object] = {
        "start": start, "end": end, "province": code, "unit": unit,
        "provinces": selectors.provinces(user=request.user, on=start),
    }
    if bad:
        context["error"] = _("“%(value)s” is not a date.") % {"value": bad[0].strip()[:20]}
        return render(request, "restructuring/where.html", context, status=400)
    if end <= start:
        context["error"] = _("The second date must be after the first.")
        return render(request, "restructuring/where.html", context, status=400)
    if code:
        try:
            report = selectors.where_did_they_go(user=request.user, province=code, start=start, end=end,
                                                 members=bool(unit))
        except Organization.DoesNotExist as exc:
            raise Http404 from exc
        groups = report.groups()
        if unit:
            groups = [g for g in groups if g.grassroots and g.grassroots.code == unit]
            if not groups:
                raise Http404
            # one old grassroots organization, member by member: paged by its cells
            page = Paginator(groups[0].rows, CELLS_PER_PAGE).get_page(request.GET.get("page"))
            outcomes = outcome_labels()
            for row in page.object_list:
                for m in row.members:
                    m.outcome_label = outcomes.get(m.outcome, m.outcome)  # type: ignore[attr-defined]
            context.update({"group": groups[0], "page": page})
        else:
            context["page"] = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        context["report"] = report
    return render(request, "restructuring/where.html", context)


GROUPS_PER_PAGE = 50
CELLS_PER_PAGE = 20


def outcome_labels() -> dict[str, str]:
    """What became of a member between the two dates, in words."""
    return {
        "stayed": _("stayed in the province"), "moved_out": _("in a cell outside the province"),
        "left_party": _("left the party"), "in_transfer": _("in transfer or transferred out of the system"),
        "no_cell": _("in no cell, for no recorded reason"),
    }
