"""Pages of the admission app (mounted at /admission/): a unit's list of outstanding people and
its pipeline, what is due and late, the year's target, one applicant's record with the form of
the next act, the dossier's scans (served only here, each read logged) and the printable record.
Thin: parse, call a selector or one service, render. Every fetch is scoped; out of scope is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chibo.core.access import SCOPED, access_policy
from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today
from chibo.members.models import Member
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization, OrgVersion

from . import printforms, selectors, services
from .forms import (
    ActForm,
    ApplicantForm,
    AsOfForm,
    CeremonyForm,
    DecisionForm,
    ExtendForm,
    IntroductionForm,
    RemoveForm,
    ReviewForm,
    TargetForm,
    UploadForm,
    VoteForm,
    YearForm,
)
from .models import Applicant, DossierFile, SourceListReview, Step

VIEW, CHANGE = selectors.VIEW, selectors.CHANGE
PAGE_SIZE = 50


def _org_or_404(request: HttpRequest, code: str) -> Organization:
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


def _org_name(org: Organization, on: dt.date) -> str:
    return org.name_on(on)


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _may_change_org(request: HttpRequest, org: Organization) -> bool:
    return Organization.objects.restrict(request.user, CHANGE).filter(pk=org.pk).exists()


def _as_of(request: HttpRequest) -> tuple[AsOfForm, dt.date]:
    form = AsOfForm(request.GET or None)
    on = today()
    if form.is_bound and form.is_valid() and form.cleaned_data.get("as_of"):
        on = form.cleaned_data["as_of"]
    return form, on


@access_policy(SCOPED)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The units the user is assigned to; any other unit by code."""
    code = request.GET.get("code", "").strip()
    if code:
        try:
            org = org_selectors.org_get(user=request.user, code=code)
        except Organization.DoesNotExist:
            messages.error(request, _("No organization with this code in your scope."))
        else:
            return redirect("admission:org", code=org.code)
    scope = resolve_scope(request.user, VIEW)
    on = today()
    units = []
    if not scope.everything:
        versions = OrgVersion.objects.filter(path__in=scope.paths).filter(valid_from__lte=on).exclude(
            valid_to__lte=on).select_related("org", "kind")
        units = [{"code": v.org.code, "name": v.name, "kind": v.kind.label} for v in versions]
    return render(request, "admission/index.html", {"units": units, "code": code})


@access_policy(SCOPED)
@login_required
def org_page(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's list of outstanding people and applicants in progress, its pipeline by step, and
    (for a cell) the form that puts a person on the list."""
    org = _org_or_404(request, code)
    on = today()
    version = org.version_on(on)
    is_cell = bool(version and version.kind.key in ("party_cell", "grassroots_party_cell"))
    may_change = is_cell and _may_change_org(request, org)
    people = selectors.official_people(org, on) if is_cell else []
    form = ApplicantForm(people=people, initial={"listed_on": on})
    if request.method == "POST":
        if not may_change:
            raise Http404
        form = ApplicantForm(request.POST, people=people)
        if form.is_valid():
            data = form.cleaned_data
            helper = Member.objects.filter(pk=data["helper"]).first() if data["helper"] else None
            person = services.ApplicantData(
                full_name=data["full_name"], gender=data["gender"], birth_date=data["birth_date"],
                ethnicity=data["ethnicity"], religion=data["religion"], national_id=data["national_id"] or None,
                general_education=data["general_education"], occupation=data["occupation"],
                youth_union=data["youth_union"])
            try:
                applicant = services.applicant_create(
                    actor=request.user, person=person, cell=org, listed_on=data["listed_on"],
                    resolution_no=data["resolution_no"], helper=helper, proposed_by=data["proposed_by"])
            except ValidationError as exc:
                _errors(request, exc)
            else:
                return redirect("admission:detail", pk=applicant.pk)
    query = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("step", "")
    state = state if state in Step.values else ""
    found = selectors.applicant_list(user=request.user, org=org, state=state or None, query=query)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    status = selectors.pipeline_status(user=request.user, org=org, on=on)
    is_grassroots = bool(version and version.kind.is_grassroots)
    reviews = list(SourceListReview.objects.restrict(request.user, VIEW).filter(org=org)[:12]) if is_grassroots else []
    return render(request, "admission/org.html", {
        "org": org, "org_name": _org_name(org, on), "page": page, "status": status, "form": form,
        "may_change": may_change, "query": query, "step": state, "steps": Step.choices, "today": on,
        "is_grassroots": is_grassroots, "reviews": reviews,
        "reviewed_this_month": bool(reviews and reviews[0].month == on.replace(day=1)),
        "may_review": is_grassroots and _may_change_org(request, org),
        "review_form": ReviewForm(initial={"reviewed_on": on}),
    })


@access_policy(SCOPED)
@login_required
@require_POST
def review(request: HttpRequest, code: str) -> HttpResponse:
    """Record this month's review of the lists of outstanding people of a grassroots committee."""
    org = _org_or_404(request, code)
    if not _may_change_org(request, org):
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_record(actor=request.user, org=org, on=data["reviewed_on"],
                                   resolution_no=data["resolution_no"], note=data["note"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The monthly review is recorded."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect("admission:org", code=org.code)


@access_policy(SCOPED)
@login_required
def overdue(request: HttpRequest, code: str) -> HttpResponse:
    """What is late and what is due within a week under a unit, on a date, per step."""
    org = _org_or_404(request, code)
    form, on = _as_of(request)
    late = selectors.overdue_acts(user=request.user, org=org, on=on)
    page = Paginator(late, PAGE_SIZE).get_page(request.GET.get("page"))
    soon = list(selectors.overdue_acts(user=request.user, org=org, on=on, soon=True)[:200])
    status = selectors.pipeline_status(user=request.user, org=org, on=on)
    return render(request, "admission/overdue.html", {
        "org": org, "org_name": _org_name(org, on), "page": page, "soon": soon, "status": status, "form": form,
        "on": on}, status=400 if form.is_bound and not form.is_valid() else 200)


@access_policy(SCOPED)
@login_required
def target(request: HttpRequest, code: str) -> HttpResponse:
    """The year's target under a unit and its progress; committee staff set the target."""
    org = _org_or_404(request, code)
    year_form = YearForm(request.GET or None)
    year = today().year
    if year_form.is_bound and year_form.is_valid() and year_form.cleaned_data.get("year"):
        year = year_form.cleaned_data["year"]
    may_change = _may_change_org(request, org)
    form = TargetForm(initial={"year": year, "kind": "percent"})
    if request.method == "POST":
        if not may_change:
            raise Http404
        form = TargetForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.target_set(actor=request.user, org=org, year=d["year"], kind=d["kind"],
                                    value=float(d["value"]), source=d["source"])
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("The target is saved."))
                return redirect(f"{request.path}?year={d['year']}")
    on = min(today(), dt.date(year, 12, 31))
    report = selectors.target_report(user=request.user, org=org, year=year, on=on)
    return render(request, "admission/target.html", {
        "org": org, "org_name": _org_name(org, on), "report": report, "year": year, "form": form,
        "year_form": year_form, "may_change": may_change, "years": [year - 1, year + 1]})


def _record_or_404(request: HttpRequest, pk: int) -> selectors.ApplicantRecord:
    try:
        return selectors.applicant_record(user=request.user, pk=pk)
    except Applicant.DoesNotExist as exc:
        raise Http404 from exc


def _may_change(request: HttpRequest, applicant: Applicant) -> bool:
    return selectors.applicants(user=request.user, action=CHANGE).filter(pk=applicant.pk).exists()


FORMS: dict[str, Any] = {
    Step.INTRODUCTION: IntroductionForm, Step.CELL_VOTE: VoteForm, Step.RECOGNITION_VOTE: VoteForm,
    Step.DECISION: DecisionForm, Step.RECOGNITION_DECISION: DecisionForm, Step.CEREMONY: CeremonyForm,
}


def _act_form(step: str, applicant: Applicant, data: Any = None) -> Any:
    cls = FORMS.get(step, ActForm)
    kwargs: dict[str, Any] = {}
    if cls is IntroductionForm:
        kwargs["people"] = selectors.official_people(applicant.cell, today())
    if cls is VoteForm:
        kwargs["votes"] = selectors.meeting_votes(applicant)
    return cls(data, **kwargs) if data is not None else cls(initial={"on": today()}, **kwargs)


@access_policy(SCOPED)
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_or_404(request, pk)
    _log_read(request, record.applicant, "admission.dossier")
    return render(request, "admission/detail.html", _detail_context(request, record))


def _log_read(request: HttpRequest, applicant: Applicant, purpose: str) -> None:
    from chibo.core.audit import read_log

    v = applicant.cell.version_on(today()) or applicant.cell.latest_version()
    read_log(actor=request.user, target=applicant, org_path=v.path if v else "", purpose=purpose)


def _detail_context(request: HttpRequest, record: selectors.ApplicantRecord, **forms: Any) -> dict[str, Any]:
    a = record.applicant
    step = selectors.next_step(a)
    may_change = _may_change(request, a)
    return {
        "a": a, "record": record, "next_step": step, "next_label": Step(step).label if step else "",
        "act_form": forms.get("act_form") or (_act_form(step, a) if step else None),
        "upload_form": forms.get("upload_form") or UploadForm(initial={"step": a.state}, prefix="upload"),
        "remove_form": forms.get("remove_form") or RemoveForm(initial={"on": today()}, prefix="remove"),
        "extend_form": ExtendForm(prefix="extend"), "may_change": may_change, "today": today(),
        "may_extend": a.state in (Step.CELL_VOTE, Step.GRASSROOTS_RESOLUTION) and not a.decision_extended,
        "cell_name": _org_name(a.cell, today()),
        "dossier_forms": printforms.available(record),
    }


def _write(request: HttpRequest, pk: int) -> Applicant:
    """The applicant, if the user may change it (else 404)."""
    try:
        return selectors.applicant_get(user=request.user, pk=pk, action=CHANGE)
    except Applicant.DoesNotExist as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the next act of the procedure."""
    applicant = _write(request, pk)
    step = selectors.next_step(applicant)
    if step is None or request.POST.get("step") != step:
        messages.error(request, _("The record changed meanwhile: look at it again."))
        return redirect("admission:detail", pk=pk)
    form = _act_form(step, applicant, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if step in services.SIMPLE:
                services.act_record(actor=request.user, applicant=applicant, step=step, on=d["on"],
                                    document_no=d["document_no"], issuer=d["issuer"], note=d["note"])
            elif step == Step.INTRODUCTION:
                people = list(Member.objects.filter(pk__in=d["introducers"]))
                services.introduction_record(actor=request.user, applicant=applicant, on=d["on"], introducers=people,
                                             youth_union_resolution_no=d["youth_union_resolution_no"])
            elif step in (Step.CELL_VOTE, Step.RECOGNITION_VOTE):
                from chibo.meetings.models import Vote

                meeting_vote = (Vote.objects.restrict(request.user, "org.view").select_related("meeting")
                                .filter(pk=d["meeting_vote"]).first() if d["meeting_vote"] else None)
                services.vote_record(actor=request.user, applicant=applicant, on=d["on"], votes_for=d["votes_for"],
                                     votes_against=d["votes_against"], document_no=d["document_no"],
                                     provincial_approval=d["provincial_approval"], meeting_vote=meeting_vote)
            elif step in (Step.DECISION, Step.RECOGNITION_DECISION):
                services.decision_record(actor=request.user, applicant=applicant, on=d["on"],
                                         document_no=d["document_no"], issuer=d["issuer"],
                                         received_on=d.get("received_on"))
            elif step == Step.CEREMONY:
                services.ceremony_record(actor=request.user, applicant=applicant, on=d["on"],
                                         card_number=d["card_number"] or None)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Recorded: %(act)s.") % {"act": Step(step).label})
            return redirect("admission:detail", pk=pk)
    record = _record_or_404(request, pk)
    return render(request, "admission/detail.html", _detail_context(request, record, act_form=form), status=400)


@access_policy(SCOPED)
@login_required
@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _write(request, pk)
    form = ExtendForm(request.POST, prefix="extend")
    if form.is_valid():
        try:
            services.decision_extend(actor=request.user, applicant=applicant, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Say why the deadline is extended."))
    return redirect("admission:detail", pk=pk)


@access_policy(SCOPED)
@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _write(request, pk)
    form = RemoveForm(request.POST, prefix="remove")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.applicant_remove(actor=request.user, applicant=applicant, on=d["on"],
                                      document_no=d["document_no"], issuer=d["issuer"], reason=d["reason"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            return redirect("admission:detail", pk=pk)
    record = _record_or_404(request, pk)
    return render(request, "admission/detail.html", _detail_context(request, record, remove_form=form), status=400)


@access_policy(SCOPED)
@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _write(request, pk)
    form = UploadForm(request.POST, request.FILES, prefix="upload")
    if form.is_valid():
        try:
            services.dossier_upload(actor=request.user, applicant=applicant, step=form.cleaned_data["step"],
                                    upload=form.cleaned_data["file"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The document is added to the dossier."))
            return redirect("admission:detail", pk=pk)
    record = _record_or_404(request, pk)
    return render(request, "admission/detail.html", _detail_context(request, record, upload_form=form), status=400)


@access_policy(SCOPED)
@login_required
def file_download(request: HttpRequest, pk: int) -> FileResponse:
    """A scan of the dossier: only for users who may see the applicant; every read is logged."""
    try:
        row, handle = services.dossier_open(user=request.user, pk=pk)
    except (DossierFile.DoesNotExist, FileNotFoundError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=row.content_type, as_attachment=True, filename=row.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@access_policy(SCOPED)
@login_required
def print_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable record of the procedure (the dossier's cover and the acts with their
    documents), pre-filled from the record."""
    record = _record_or_404(request, pk)
    a = record.applicant
    _log_read(request, a, "admission.print")
    return render(request, "admission/print.html", {"a": a, "record": record, "cell_name": _org_name(a.cell, today()),
                                                    "today": today()})


@access_policy(SCOPED)
@login_required
def print_form(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    """One form of the dossier (1-KNĐ ... 15-KNĐ, the decision on official membership), printable,
    pre-filled from the record; a form whose act is not recorded yet prints with blanks. Scoped
    and logged as `print_record`; an unknown form is 404."""
    spec = printforms.FORMS.get(form)
    if spec is None:
        raise Http404
    record = _record_or_404(request, pk)
    a = record.applicant
    _log_read(request, a, f"admission.print.{spec.slug}")
    return render(request, spec.template, {"a": a, "spec": spec, "d": printforms.form_data(record, spec)})
