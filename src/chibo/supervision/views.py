"""Pages of supervision and dialogue. Thin: parse, call a selector or one service, render. Every
fetch is scoped; out of scope answers 404. The sender of a letter appears on one page only
(`letter_sender`), after the reader states a purpose, for the inspection role over the handling
body; nowhere else (lists, the letter page, exports, the API for other roles)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from chibo.core.access import PUBLIC, SCOPED, access_policy
from chibo.core.audit import audit_log
from chibo.core.scoping import OutOfScopeWrite, recheck_in_scope
from chibo.core.validtime import today
from chibo.members.models import Member, MemberEvent
from chibo.orgs.models import Organization

from . import selectors, services
from .forms import (
    AgencyForm,
    AnswerForm,
    AssignForm,
    ConcludeForm,
    ConclusionForm,
    DayForm,
    DoneForm,
    ExtendForm,
    FeedbackForm,
    ForwardForm,
    LetterFilterForm,
    LetterReceiveForm,
    NotHandledForm,
    ProgrammeForm,
    ProposalForm,
    PurposeForm,
    RemindForm,
    ReopenForm,
    YearForm,
)
from .models import Channel, Letter, LetterState, NotHandledReason, Programme, Proposal
from .selectors import CHANGE, DCHANGE, DVIEW, VIEW

PER_PAGE = 50
FEEDBACK_PER_HOUR = 5


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _org(request: HttpRequest, code: str, action: str) -> Organization:
    try:
        return Organization.objects.restrict(request.user, action).get(code=code.strip())
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


def _org_or_none(user: Any, code: str, action: str) -> Organization | None:
    code = (code or "").strip()
    if not code:
        return None
    return Organization.objects.restrict(user, action).filter(code=code).first()


def _letter(request: HttpRequest, pk: int, action: str = VIEW) -> Letter:
    try:
        return selectors.letter_get(user=request.user, pk=pk, action=action)
    except Letter.DoesNotExist as exc:
        raise Http404 from exc


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


# --- letters -------------------------------------------------------------------------------------


@access_policy(SCOPED)
@login_required
def letter_list(request: HttpRequest) -> HttpResponse:
    """The letters the user's bodies handle (never their senders), and the intake form."""
    flt = LetterFilterForm(request.GET or None)
    org = None
    qs = selectors.letters(user=request.user)
    if flt.is_valid():
        org = _org_or_none(request.user, flt.cleaned_data["code"], "org.view")
        if flt.cleaned_data["code"] and org is None:
            qs = qs.none()
        elif org is not None:
            qs = selectors.letters_under(user=request.user, org=org)
        if flt.cleaned_data["state"]:
            qs = qs.filter(state=flt.cleaned_data["state"])
        if flt.cleaned_data["overdue"]:
            qs = selectors.overdue_letters(user=request.user, org=org, on=today())
    may_change = selectors.may_record_letters(user=request.user)
    form = LetterReceiveForm()
    if request.method == "POST":
        if not may_change:
            raise Http404
        form = LetterReceiveForm(request.POST, request.FILES)
        if form.is_valid():
            letter = _receive(request, form)
            if letter is not None:
                messages.success(request, _("Letter %(ref)s recorded.") % {"ref": letter.reference})
                return redirect("supervision:letter", pk=letter.pk)
    return render(request, "supervision/letters.html", {
        "page": _page(request, qs.order_by("-competent_received_on", "-id")), "filter": flt, "form": form,
        "may_change": may_change, "today": today(), "org": org,
    })


def _receive(request: HttpRequest, form: LetterReceiveForm) -> Letter | None:
    d = form.cleaned_data
    received_by = selectors.letter_bodies(user=request.user).filter(code=d["received_by"].strip()).first()
    if received_by is None:
        form.add_error("received_by", _("No organization with this code in your scope."))
        return None
    member = None
    if d.get("subject_member"):
        member = Member.objects.restrict(request.user, "member.view").filter(pk=d["subject_member"]).first()
        if member is None:
            form.add_error("subject_member", _("No member with this number in your scope."))
            return None
    subject_org = None
    if d.get("subject_org"):
        subject_org = _org_or_none(request.user, d["subject_org"], "org.view")
        if subject_org is None:
            form.add_error("subject_org", _("No organization with this code in your scope."))
            return None
    try:
        with transaction.atomic():
            letter = services.letter_receive(
                actor=request.user, kind=d["kind"], channel=d["channel"], received_by=received_by,
                received_on=d["received_on"], competent_received_on=d.get("competent_received_on"),
                summary=d["summary"], subject_member=member, subject_org=subject_org,
                congress_related=d.get("congress_related", False),
                sender=services.SenderData(d.get("sender_name", ""), d.get("sender_address", ""),
                                           d.get("sender_contact", "")),
                scans=[d["scan"]] if d.get("scan") else None,
            )
            recheck_in_scope(request.user, VIEW, Letter.objects.all(), [letter.pk])
    except ValidationError as exc:
        _errors(request, exc)
        return None
    except OutOfScopeWrite:
        messages.error(request, _("The competent body for this letter is outside your scope: send it there."))
        return None
    return letter


ACTIONS = {
    "accept": DayForm, "not_handle": NotHandledForm, "assign": AssignForm, "verify": DayForm, "extend": ExtendForm,
    "conclude": ConcludeForm, "notify": DayForm, "reopen": ReopenForm, "forward": ForwardForm, "resume": DayForm,
}


@access_policy(SCOPED)
@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    may_change = selectors.letters(user=request.user, action=CHANGE).filter(pk=letter.pk).exists()
    if request.method == "POST":
        if not may_change:
            raise Http404
        step = request.POST.get("step", "")
        form_class = ACTIONS.get(step)
        if form_class is None:
            messages.error(request, _("Unknown step."))
        else:
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    _step(request, letter, step, form.cleaned_data)
                    messages.success(request, _("Saved."))
                except ValidationError as exc:
                    _errors(request, exc)
                except OutOfScopeWrite:
                    messages.success(request, _("The letter was sent to the competent body."))
                    return redirect("supervision:letters")
            else:
                for errs in form.errors.values():
                    for e in errs:
                        messages.error(request, str(e))
        return redirect("supervision:letter", pk=letter.pk)
    forms_ = {name: cls() for name, cls in ACTIONS.items()}
    return render(request, "supervision/letter.html", {
        "letter": letter, "steps": selectors.letter_steps(letter=letter), "may_change": may_change,
        "may_read_sender": selectors.may_read_sender(user=request.user, letter=letter),
        "screening": [NotHandledReason(r).label for r in services.screening(letter)] if letter.state ==
        LetterState.RECEIVED else [], "forms": forms_, "today": today(),
    })


def _step(request: HttpRequest, letter: Letter, step: str, d: dict[str, Any]) -> None:
    actor = request.user
    if step == "accept":
        services.letter_accept(actor=actor, letter=letter, on=d.get("on"))
    elif step == "not_handle":
        services.letter_not_handle(actor=actor, letter=letter, reason=d["reason"], note=d.get("note", ""))
    elif step == "assign":
        services.letter_assign(actor=actor, letter=letter, note=d["note"], on=d.get("on"))
    elif step == "verify":
        services.letter_verify(actor=actor, letter=letter, on=d.get("on"), note=d.get("note", ""))
    elif step == "extend":
        services.letter_extend(actor=actor, letter=letter, days=d["days"], reason=d["reason"],
                               notice_on=d["notice_on"])
    elif step == "conclude":
        event = None
        if d.get("discipline_event"):
            event = MemberEvent.objects.filter(pk=d["discipline_event"], member=letter.subject_member).first()
            if event is None:
                raise ValidationError(_("The discipline event must be on the record of the member concerned."))
        services.letter_conclude(actor=actor, letter=letter, on=d["on"], conclusion=d["conclusion"],
                                 discipline_event=event)
    elif step == "notify":
        services.letter_notify(actor=actor, letter=letter, on=d.get("on") or today())
    elif step == "reopen":
        services.letter_reopen(actor=actor, letter=letter, reason=d["reason"], on=d.get("on"))
    elif step == "resume":
        services.letter_resume(actor=actor, letter=letter, on=d.get("on") or today())
    elif step == "forward":
        # within the user's own scope, or up the tree from the body that has it now
        code = d["handler"].strip()
        handler = selectors.letter_bodies(user=actor).filter(code=code).first()
        if handler is None:
            ancestors = services.segments_of(letter.handler_id, today())
            handler = Organization.objects.filter(code=code, pk__in=ancestors).first()
        if handler is None:
            raise ValidationError(_("Send the letter to a body in your scope or above the one that has it."))
        services.letter_forward(actor=actor, letter=letter, handler=handler, on=d["on"])
        if not selectors.letters(user=actor).filter(pk=letter.pk).exists():
            raise OutOfScopeWrite("forwarded up")


@access_policy(SCOPED)
@login_required
@never_cache
def letter_sender(request: HttpRequest, pk: int) -> HttpResponse:
    """The sender's identity: only for the inspection role over the handling body (others: 404),
    after a stated purpose; every read is logged."""
    try:
        letter = selectors.letter_get(user=request.user, pk=pk, action=selectors.SENDER)
    except Letter.DoesNotExist as exc:
        raise Http404 from exc
    form = PurposeForm(request.POST or None)
    sender = None
    if request.method == "POST" and form.is_valid():
        purpose = form.cleaned_data["purpose"]
        if form.cleaned_data.get("scan"):
            try:
                content, ctype = selectors.letter_scan(user=request.user, letter=letter,
                                                       pk=form.cleaned_data["scan"], purpose=purpose)
            except (Letter.DoesNotExist, Exception) as exc:  # noqa: BLE001 (any miss is a 404)
                raise Http404 from exc
            response = HttpResponse(content, content_type=ctype)
            response["Content-Disposition"] = "attachment; filename=scan"
            response["Cache-Control"] = "no-store"
            return response
        sender = selectors.letter_sender(user=request.user, letter=letter, purpose=purpose)
    response = render(request, "supervision/sender.html", {"letter": letter, "form": form, "sender": sender})
    response["Cache-Control"] = "no-store"
    return response


@access_policy(SCOPED)
@login_required
def overdue(request: HttpRequest, code: str) -> HttpResponse:
    """Overdue letters under a node, per handling body, and the overdue proposals."""
    org = _org(request, code, "org.view")
    on = today()
    qs = selectors.overdue_letters(user=request.user, org=org, on=on)
    return render(request, "supervision/overdue.html", {
        "org": org, "by_body": selectors.overdue_by_body(user=request.user, org=org, on=on),
        "page": _page(request, qs), "proposals": selectors.overdue_proposals(user=request.user, org=org, on=on)[:200],
        "today": on,
    })


@access_policy(SCOPED)
@login_required
def letter_export(request: HttpRequest) -> HttpResponse:
    """The letters in scope as CSV: reference, dates, state, deadline; never the sender or the
    content (G5, G20)."""
    qs = selectors.letters(user=request.user).order_by("competent_received_on", "id")[:100000]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="letters.csv"'
    response.write("\ufeff")
    w = csv.writer(response)
    w.writerow([_("Reference"), _("Kind"), _("Handled by"), _("Received on"), _("Received by the competent body on"),
                _("State"), _("Deadline"), _("Extended until"), _("Concluded on"), _("Reason not handled")])
    n = 0
    for letter in qs:
        w.writerow([letter.reference, letter.get_kind_display(), letter.handler.code, letter.received_on,
                    letter.competent_received_on, letter.get_state_display(), letter.deadline or "",
                    letter.extended_until or "", letter.concluded_on or "", letter.get_not_handled_reason_display()])
        n += 1
    audit_log(actor=request.user, action="letter.export", target_type="supervision.letter", after={"rows": n})
    return response


# --- dialogue ------------------------------------------------------------------------------------


def _programme(request: HttpRequest, pk: int, action: str = DVIEW) -> Programme:
    try:
        return selectors.programme_get(user=request.user, pk=pk, action=action)
    except Programme.DoesNotExist as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    may_change = selectors.scope_covers(user=request.user, action=DCHANGE)
    form = ProgrammeForm()
    if request.method == "POST":
        if not may_change:
            raise Http404
        form = ProgrammeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            org = _org_or_none(request.user, d["org"], DCHANGE)
            if org is None:
                form.add_error("org", _("No organization with this code in your scope."))
            else:
                try:
                    p = services.programme_create(actor=request.user, org=org, title=d["title"], theme=d["theme"],
                                                  hosts=d["hosts"], audience=d["audience"],
                                                  starts_on=d["starts_on"], ends_on=d["ends_on"])
                    return redirect("supervision:programme", pk=p.pk)
                except ValidationError as exc:
                    _errors(request, exc)
    qs = selectors.programmes(user=request.user)
    return render(request, "supervision/programmes.html", {"page": _page(request, qs), "form": form,
                                                            "may_change": may_change})


@access_policy(SCOPED)
@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    may_change = selectors.programmes(user=request.user, action=DCHANGE).filter(pk=programme.pk).exists()
    agencies = list(selectors.agencies(user=request.user).filter(org_id=programme.org_id).values_list("pk", "name"))
    if request.method == "POST":
        if not may_change:
            raise Http404
        _programme_post(request, programme, agencies)
        return redirect("supervision:programme", pk=programme.pk)
    return render(request, "supervision/programme.html", {
        "programme": programme, "may_change": may_change,
        "proposals": _page(request, selectors.proposals(user=request.user).filter(programme=programme)),
        "report": selectors.programme_report(user=request.user, programme=programme, on=today()),
        "conclusions": selectors.programme_conclusions(programme=programme),
        "proposal_form": ProposalForm(agencies=agencies), "agency_form": AgencyForm(),
        "conclusion_form": ConclusionForm(), "today": today(),
    })


def _programme_post(request: HttpRequest, programme: Programme, agencies: list[tuple[int, str]]) -> None:
    what = request.POST.get("what", "")
    try:
        if what == "agency":
            form: Any = AgencyForm(request.POST)
            if form.is_valid():
                services.agency_create(actor=request.user, org=programme.org, name=form.cleaned_data["name"],
                                       kind=form.cleaned_data["kind"])
        elif what == "proposal":
            form = ProposalForm(request.POST, agencies=agencies)
            if form.is_valid():
                d = form.cleaned_data
                agency = selectors.agencies(user=request.user).get(pk=d["agency"])
                commune = _org_or_none(request.user, d["commune"], "org.view") if d["commune"] else None
                services.proposal_raise(actor=request.user, programme=programme, topic=d["topic"], agency=agency,
                                        content=d["content"], field=d["field"], raised_by=d["raised_by"],
                                        commune=commune, due_on=d.get("due_on"))
        elif what == "conclusion":
            form = ConclusionForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                tasks = [services.TaskData(line.strip()) for line in d["tasks"].splitlines() if line.strip()]
                services.conclusion_issue(actor=request.user, programme=programme, number=d["number"],
                                          issued_on=d["issued_on"], text=d["text"], tasks=tasks)
        elif what == "publish":
            services.programme_publish(actor=request.user, programme=programme,
                                       public=request.POST.get("public") == "1")
            return
        else:
            messages.error(request, _("Unknown step."))
            return
        if not form.is_valid():
            for errs in form.errors.values():
                for e in errs:
                    messages.error(request, e)
        else:
            messages.success(request, _("Saved."))
    except ValidationError as exc:
        _errors(request, exc)
    except Exception as exc:  # an agency out of scope
        if exc.__class__.__name__ == "DoesNotExist":
            raise Http404 from exc
        raise


@access_policy(SCOPED)
@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        proposal = selectors.proposal_get(user=request.user, pk=pk)
    except Proposal.DoesNotExist as exc:
        raise Http404 from exc
    may_change = selectors.proposals(user=request.user, action=DCHANGE).filter(pk=proposal.pk).exists()
    if request.method == "POST":
        if not may_change:
            raise Http404
        what = request.POST.get("what", "")
        form: Any = AnswerForm(request.POST) if what == "answer" else RemindForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if what == "answer":
                    services.proposal_answer(actor=request.user, proposal=proposal, on=d["on"], answer=d["answer"])
                else:
                    services.proposal_remind(actor=request.user, proposal=proposal, on=d["on"], note=d["note"],
                                             escalate=d["escalate"])
                messages.success(request, _("Saved."))
            except ValidationError as exc:
                _errors(request, exc)
        else:
            for errs in form.errors.values():
                for e in errs:
                    messages.error(request, e)
        return redirect("supervision:proposal", pk=proposal.pk)
    return render(request, "supervision/proposal.html", {
        "proposal": proposal, "may_change": may_change, "reminders": proposal.reminders.all(),
        "answer_form": AnswerForm(), "remind_form": RemindForm(), "today": today(),
    })


@access_policy(SCOPED)
@login_required
@require_POST
def key_task_done(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import KeyTask

    try:
        task = selectors.key_task_get(user=request.user, pk=pk)
    except KeyTask.DoesNotExist as exc:
        raise Http404 from exc
    if not KeyTask.objects.restrict(request.user, DCHANGE).filter(pk=task.pk).exists():
        raise PermissionDenied
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            services.key_task_complete(actor=request.user, task=task, done_on=form.cleaned_data["done_on"])
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Give the date the task was done."))
    return redirect("supervision:programme", pk=task.conclusion.programme_id)


@access_policy(SCOPED)
@login_required
def annual_report(request: HttpRequest, code: str) -> HttpResponse:
    """The annual report per agency of the programmes held under the node in a year."""
    org = _org(request, code, DVIEW)
    form = YearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() and form.cleaned_data.get("year") else today().year
    return render(request, "supervision/report.html", {
        "org": org, "year": year, "rows": selectors.annual_report(user=request.user, org=org, year=year, on=today()),
    })


# --- public pages ----------------------------------------------------------------------------------


@access_policy(PUBLIC)
def public_programme(request: HttpRequest, key: str) -> HttpResponse:
    """What became of the proposals of a published programme: topics, status, answers; no
    personal data (Decidim's accountability page)."""
    try:
        programme, rows = selectors.public_programme(key=key)
    except (Programme.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    return render(request, "supervision/public_programme.html", {"programme": programme, "rows": rows})


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@access_policy(PUBLIC)
def feedback(request: HttpRequest, code: str) -> HttpResponse:
    """The citizens' feedback form of an organization: no sign-in; the letter goes to the
    organization's inspection or cell, its sender encrypted. Abuse-resistant (see the form)."""
    org = Organization.objects.filter(code=code.strip()).first()
    if org is None or services.version_on(org, today()) is None:
        raise Http404
    name = services.version_on(org, today()).name  # type: ignore[union-attr]
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        key = f"chibo-feedback:{_client_address(request)}"
        if cache.get(key, 0) >= FEEDBACK_PER_HOUR:
            response = render(request, "supervision/feedback.html", {
                "form": FeedbackForm(initial={"started": FeedbackForm.stamp()}), "org": org, "name": name,
                "limited": True}, status=429)
            response["Retry-After"] = "3600"
            return response
        if form.is_valid():
            d = form.cleaned_data
            try:
                letter = services.letter_receive(
                    actor=None, kind=d["kind"], channel=Channel.WEB, received_by=org, received_on=today(),
                    summary=d["summary"], handler=org,
                    sender=services.SenderData(d["name"], d["address"], d["contact"]),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                cache.set(key, cache.get(key, 0) + 1, 3600)
                return render(request, "supervision/feedback_done.html",
                              {"reference": letter.reference, "org": org, "name": name,
                               "anonymous": not d["name"] or not d["address"]})
        data = request.POST.copy()
        data["started"] = FeedbackForm.stamp()
        form.data = data
    else:
        form = FeedbackForm(initial={"started": FeedbackForm.stamp()})
    return render(request, "supervision/feedback.html", {"form": form, "org": org, "name": name})
