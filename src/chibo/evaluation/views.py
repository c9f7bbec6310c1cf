"""Pages of the evaluation app: the entry page (the units a user works on, rounds, opening a
round), the cell's year-end sheet (every member on one screen, saved as you go over HTMX), one
assessment with its steps, the committee's board, the summary with its drill-down, printable
forms (Mẫu 01, 2A/2B/2C), the XLSX export and the "four good" programmes. Thin: parse, call a
selector or a service, render. Every fetch is scoped; out of scope answers 404; a stale write
answers 409 with what changed."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chibo.core.access import SCOPED, access_policy
from chibo.core.validtime import today
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from . import selectors, services
from .models import (
    Assessment,
    Exclusion,
    Grade,
    Level,
    PeriodType,
    Programme,
    Round,
    State,
    Subject,
)
from .services import StaleWrite


def _org_or_404(request: HttpRequest, code: str) -> Organization:
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


def _assessment_or_404(request: HttpRequest, pk: int) -> Assessment:
    try:
        return selectors.assessment_get(user=request.user, pk=pk)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def _round_or_404(request: HttpRequest, pk: int) -> Round:
    try:
        return selectors.round_get(user=request.user, pk=pk)
    except Round.DoesNotExist as exc:
        raise Http404 from exc


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


LEVELS = [(v, label) for v, label in Level.choices]


def _key_labels() -> list[tuple[str, str]]:
    """The summary's keys with their labels, in the summary's order."""
    return [("excellent", str(Level.EXCELLENT.label)), ("good", str(Level.GOOD.label)),
            ("completed", str(Level.COMPLETED.label)), ("not_completed", str(Level.NOT_COMPLETED.label)),
            ("not_rated", _("Not rated")), ("pending", _("Pending"))]


def _of_labels() -> dict[str, str]:
    return {"members": _("Members"), "organizations": _("Organizations"), "secretaries": _("Cell secretaries")}


@access_policy(SCOPED)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The units the user works on in open rounds, the rounds in scope, and opening a round."""
    if request.method == "POST":
        code = request.POST.get("code", "").strip()
        try:
            org = org_selectors.org_get(user=request.user, code=code)
        except Organization.DoesNotExist:
            messages.error(request, _("No organization with this code in your scope."))
        else:
            year = _int(request.POST.get("year"), 0) or 0
            try:
                rnd = services.round_open(actor=request.user, org=org, year=year,
                                          opened_on=_day(request.POST.get("opened_on")) or today(),
                                          period_type=request.POST.get("period_type") or PeriodType.YEAR,
                                          quarter=_int(request.POST.get("quarter")),
                                          label=request.POST.get("label", ""))
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("The round is open."))
                return redirect("evaluation:board", pk=rnd.pk)
    units = list(selectors.my_units(user=request.user))
    names = selectors.names_on({u.org_id for u in units}, today())
    page = Paginator(selectors.rounds(user=request.user).order_by("-opened_on", "-id"), 25).get_page(
        request.GET.get("page"))
    round_names = selectors.names_on({r.org_id for r in page}, today())
    return render(request, "evaluation/index.html", {
        "units": [(u, names.get(u.org_id, u.org.code)) for u in units], "page": page,
        "rounds": [(r, round_names.get(r.org_id, "")) for r in page], "periods": PeriodType.choices,
        "year": today().year, "today": today()})


def _row_context(a: Assessment, sheet_may_change: bool, error: str = "", stale: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    criteria = services.criteria_for(a)
    groups = criteria.groups if criteria else [{"code": "overall", "name": _("Overall"), "max_points": 100}]
    return {"a": a, "groups": [(g, (a.scores or {}).get(g["code"], "")) for g in groups],
            "scale": a.round.rules["scale"], "levels": LEVELS, "grades": Grade.choices,
            "editable": sheet_may_change and a.state in (State.PENDING, State.SELF_ASSESSED, State.PROPOSED)
            and a.round.closed_on is None, "error": error, "stale": stale}


@access_policy(SCOPED)
@login_required
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's year-end page: every member with self-score, proposal and status."""
    try:
        s = selectors.sheet(user=request.user, pk=pk)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc
    rows = [_row_context(a, s.may_change) for a in s.members]
    return render(request, "evaluation/sheet.html", {
        "s": s, "rnd": s.unit.round, "rows": rows, "levels": LEVELS, "today": today(),
        "unit_row": _row_context(s.unit, s.may_change)})


@access_policy(SCOPED)
@login_required
@require_POST
def row_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one row of the sheet (HTMX): the self-assessment and the cell's proposal."""
    a = _assessment_or_404(request, pk)
    if not selectors.may(request.user, a.org_id):
        raise Http404
    p = request.POST
    version = _int(p.get("version"))
    scores = {k[6:]: str(v) for k, v in p.items() if k.startswith("score_") and str(v).strip()}
    status = 200
    error = ""
    stale = None
    try:
        a = services.assessment_record(
            actor=request.user, assessment=a, version=version, scores=scores,
            self_level=p.get("self_level", ""), proposed_level=p.get("proposed_level", ""),
            votes_for=_int(p.get("votes_for")), on=_day(p.get("on")))
    except StaleWrite as exc:
        status, stale = 409, exc.current
        error = _("Someone else changed this row meanwhile: here is what it is now. Enter your change again.")
        a = Assessment.objects.select_related("round", "member").get(pk=a.pk)
    except ValidationError as exc:
        status, error = 422, " ".join(exc.messages)
        a = Assessment.objects.select_related("round", "member").get(pk=a.pk)
    if not request.htmx:  # type: ignore[attr-defined]
        # without JavaScript: back to the sheet, with the error and the status code
        if status == 200:
            return redirect("evaluation:sheet", pk=Assessment.objects.get(
                round_id=a.round_id, subject=Subject.ORGANIZATION, org_id=a.org_id).pk)
        messages.error(request, error)
        unit = Assessment.objects.filter(round_id=a.round_id, subject=Subject.ORGANIZATION, org_id=a.org_id).first()
        if unit is None:
            raise Http404
        s = selectors.sheet(user=request.user, pk=unit.pk)
        return render(request, "evaluation/sheet.html", {
            "s": s, "rnd": s.unit.round, "rows": [_row_context(m, s.may_change) for m in s.members], "levels": LEVELS,
            "today": today(), "unit_row": _row_context(s.unit, s.may_change)}, status=status)
    # HTMX swaps only successful answers: the row's status cell shows the error, the version and
    # the total are updated out of band; the inputs (and the keyboard focus) stay as they are
    ctx = _row_context(a, True, error=error, stale=stale)
    ctx["label"] = _("Self-score")
    return render(request, "evaluation/_row_saved.html", ctx)


@access_policy(SCOPED)
@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One assessment with its steps: flags, appraisal, decision, reopening, exclusion."""
    a = _assessment_or_404(request, pk)
    may_change = selectors.may(request.user, a.org_id)
    may_decide = selectors.may(request.user, a.round.org_id)
    status = 200
    if request.method == "POST":
        if not (may_change or may_decide):
            raise Http404
        p = request.POST
        step = p.get("step", "")
        version = _int(p.get("version"))
        on = _day(p.get("on"))
        try:
            if step == "flag":
                services.assessment_flag(actor=request.user, assessment=a, version=version,
                                         disciplined_in_year=bool(p.get("disciplined_in_year")),
                                         self_detected=bool(p.get("self_detected")),
                                         targets_percent=_int(p.get("targets_percent")),
                                         units_disciplined_percent=_int(p.get("units_disciplined_percent")))
            elif step == "appraise":
                services.assessment_appraise(actor=request.user, assessment=a, version=version,
                                             level=p.get("level", ""), note=p.get("note", ""), on=on)
            elif step == "decide":
                services.assessment_decide(actor=request.user, assessment=a, version=version, level=p.get("level", ""),
                                           decision_number=p.get("decision_number", ""), on=on,
                                           quota_override=p.get("quota_override", ""))
            elif step == "reopen":
                services.assessment_reopen(actor=request.user, assessment=a, version=version,
                                           reason=p.get("reason", ""))
            elif step == "exclude":
                services.assessment_exclude(actor=request.user, assessment=a, version=version,
                                            reason=p.get("reason", ""))
            else:
                raise ValidationError(_("Unknown step."))
        except StaleWrite:
            status = 409
            messages.error(request, _("Someone else changed this rating meanwhile: the page shows it as it is now."
                                      " Enter your change again."))
        except ValidationError as exc:
            _errors(request, exc)
            status = 422
        else:
            messages.success(request, _("Saved."))
            return redirect("evaluation:assessment", pk=a.pk)
        a = _assessment_or_404(request, pk)
    if a.subject == Subject.MEMBER:
        selectors.log_reads(user=request.user, rows=[a])
    name = a.member.full_name if a.member is not None else selectors.names_on([a.org_id], a.round.opened_on).get(a.org_id, "")
    from chibo.core.audit import audit_history

    history = list(audit_history(user=request.user, target_type="evaluation.assessment", target_id=str(a.pk))[:50])
    unit = Assessment.objects.filter(round=a.round, subject=Subject.ORGANIZATION, org_id=a.org_id).first()
    return render(request, "evaluation/assessment.html", {
        "a": a, "name": name, "levels": LEVELS, "may_change": may_change, "may_decide": may_decide,
        "exclusions": Exclusion.choices, "history": history, "unit": unit, "today": today(),
        "forced": services.forced_level(a, a.round.rules)}, status=status)


@access_policy(SCOPED)
@login_required
@require_POST
def unit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    a = _assessment_or_404(request, pk)
    if not selectors.may(request.user, a.round.org_id):
        raise Http404
    try:
        n = services.unit_decide(actor=request.user, unit=a, decision_number=request.POST.get("decision_number", ""),
                                 on=_day(request.POST.get("on")), quota_override=request.POST.get("quota_override", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(n)s ratings decided.") % {"n": n})
    return redirect("evaluation:sheet", pk=a.pk)


@access_policy(SCOPED)
@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        b = selectors.board(user=request.user, pk=pk)
    except Round.DoesNotExist as exc:
        raise Http404 from exc
    keys = _key_labels()[:4]
    of = _of_labels()
    rows = [(k, of[k], [(key, d[key]) for key, _l in keys], d) for k, d in b.distribution.items()]
    return render(request, "evaluation/board.html", {"b": b, "rnd": b.round, "keys": keys, "rows": rows})


@access_policy(SCOPED)
@login_required
def summary(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_or_404(request, code)
    year = _int(request.GET.get("year"), today().year) or today().year
    year = min(max(year, 1930), today().year + 1)
    tables = {of: selectors.summary(user=request.user, org=org, year=year, of=of) for of in selectors.OF}
    keys = _key_labels()
    of = _of_labels()
    rows = [(k, of[k], [(key, t[key]) for key, _l in keys], t) for k, t in tables.items()]
    return render(request, "evaluation/summary.html", {
        "org": org, "year": year, "rows": rows, "keys": keys,
        "name": selectors.names_on([org.pk], dt.date(year, 12, 31)).get(org.pk, org.code)})


@access_policy(SCOPED)
@login_required
def summary_list(request: HttpRequest, code: str) -> HttpResponse:
    """The list behind one number of the summary."""
    org = _org_or_404(request, code)
    year = _int(request.GET.get("year"), today().year) or today().year
    of = request.GET.get("of", "members")
    key = request.GET.get("key", "")
    if of not in selectors.OF:
        of = "members"
    found = selectors.round_for(user=request.user, org=org, year=year)
    rows: Any = []
    if found is not None:
        rows = selectors.records(user=request.user, rnd=found[0], path=found[1], of=of, key=key)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    items = list(page)
    selectors.log_reads(user=request.user, rows=items, purpose="list")
    names = selectors.names_on({a.org_id for a in items}, found[0].opened_on if found else today())
    return render(request, "evaluation/summary_list.html", {
        "org": org, "year": year, "of": of, "key": key, "page": page,
        "items": [(a, names.get(a.org_id, "")) for a in items]})


@access_policy(SCOPED)
@login_required
def print_unit(request: HttpRequest, pk: int) -> HttpResponse:
    """Mẫu 01 (the collective's report) with the list of its members' ratings."""
    try:
        s = selectors.sheet(user=request.user, pk=pk)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "evaluation/print_unit.html", {"s": s, "rnd": s.unit.round})


@access_policy(SCOPED)
@login_required
def print_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Mẫu 2A (members), 2B (leaders), 2C (collectives' heads): the individual self-assessment."""
    a = _assessment_or_404(request, pk)
    if a.subject == Subject.MEMBER:
        selectors.log_reads(user=request.user, rows=[a], purpose="print")
    form = "2B" if a.post == "secretary" else "2A"
    criteria = services.criteria_for(a)
    return render(request, "evaluation/print_assessment.html", {
        "a": a, "form": form, "groups": criteria.groups if criteria else [],
        "unit": selectors.names_on([a.org_id], a.round.opened_on).get(a.org_id, "")})


@access_policy(SCOPED)
@login_required
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's ratings in the user's scope as a spreadsheet (read-logged)."""
    from openpyxl import Workbook

    rnd = _round_or_404(request, pk)
    rows = list(selectors.assessments(user=request.user).filter(round=rnd).select_related("member")
                .order_by("path", "subject", "member__search_key")[:100000])
    names = selectors.names_on({a.org_id for a in rows}, rnd.opened_on)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(rnd.year))
    ws.append([_("Organization"), _("Member"), _("Post"), _("Self-score"), _("Self-rating"), _("Cell's proposal"),
               _("Rating"), _("Decision number"), _("Status")])
    for a in rows:
        ws.append([names.get(a.org_id, ""), a.member.full_name if a.member is not None else "", a.get_post_display() if a.post
                   else "", float(a.self_total) if a.self_total is not None else None, a.get_self_level_display(),
                   a.get_proposed_level_display(), a.get_decided_level_display(), a.decision_number,
                   a.get_state_display()])
    selectors.log_reads(user=request.user, rows=rows, purpose="export")
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="evaluation-{rnd.year}-{rnd.pk}.xlsx"'
    return resp


@access_policy(SCOPED)
@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.programmes(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "evaluation/programmes.html", {"page": page})


@access_policy(SCOPED)
@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        prog = selectors.programme_get(user=request.user, pk=pk)
    except Programme.DoesNotExist as exc:
        raise Http404 from exc
    under = None
    code = request.GET.get("under", "").strip()
    if code:
        under = _org_or_404(request, code)
    p = selectors.pledges(user=request.user, programme=prog, under=under)
    return render(request, "evaluation/programme.html", {"prog": prog, "p": p, "under": under})
