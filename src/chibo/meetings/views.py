"""Pages of the meetings app: a unit's calendar, the meeting page (prepare, hold, votes, minutes,
resolutions and tasks), the printable minutes, the resolution book, overdue tasks, the quality
of meetings under a unit with its drill-down, and the iCalendar feeds. Thin: parse, call a
selector or one service, render. Every fetch is scoped; out of scope answers 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chibo.core.access import PUBLIC, SCOPED, access_policy
from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today
from chibo.members.models import Member
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from . import ical, selectors, services
from .forms import (
    AgendaForm,
    AmendmentForm,
    DoneForm,
    HoldForm,
    MinutesForm,
    NoticeForm,
    PeriodForm,
    ResolutionForm,
    ScheduleForm,
    TaskForm,
    VoteForm,
)
from .models import AttendanceStatus, Meeting, MeetingStatus, Task
from .quality import meeting_quality

CHANGE = selectors.CHANGE
PRINT_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English"), ("ko", "한국어"), ("fa", "فارسی")]


def _org_or_404(request: HttpRequest, code: str) -> Organization:
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


def _meeting_or_404(request: HttpRequest, pk: int, action: str = selectors.VIEW) -> Meeting:
    try:
        return selectors.meeting_get(user=request.user, pk=pk, action=action)
    except Meeting.DoesNotExist as exc:
        raise Http404 from exc


def _record_or_404(request: HttpRequest, pk: int) -> selectors.MeetingRecord:
    try:
        return selectors.meeting_record(user=request.user, pk=pk)
    except Meeting.DoesNotExist as exc:
        raise Http404 from exc


def _org_name(org: Organization, on: dt.date) -> str:
    return org.name_on(on)


def _may_change(request: HttpRequest, meeting: Meeting) -> bool:
    return selectors.meetings(user=request.user, action=CHANGE).filter(pk=meeting.pk).exists()


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _people(record: selectors.MeetingRecord) -> list[tuple[int, str]]:
    return [(r.member_id, r.name) for r in record.rows]


@access_policy(SCOPED)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The units the user is assigned to, with their meeting pages; any other unit by code."""
    code = request.GET.get("code", "").strip()
    if code:
        try:
            org = org_selectors.org_get(user=request.user, code=code)
        except Organization.DoesNotExist:
            messages.error(request, _("No organization with this code in your scope."))
        else:
            return redirect("meetings:calendar", code=org.code)
    scope = resolve_scope(request.user, selectors.VIEW)
    on = today()
    units = []
    if not scope.everything:
        from chibo.orgs.models import OrgVersion

        versions = OrgVersion.objects.filter(path__in=scope.paths).filter(valid_from__lte=on).exclude(
            valid_to__lte=on).select_related("org", "kind")
        units = [{"code": v.org.code, "name": v.name, "kind": v.kind.label} for v in versions]
    member_feed = None
    if request.user.is_authenticated and Member.objects.filter(user=request.user).exists():
        member_feed = request.build_absolute_uri(ical.feed_url(user=request.user, org_code=None))
    return render(request, "meetings/index.html", {"units": units, "code": code, "member_feed": member_feed})


@access_policy(SCOPED)
@login_required
def org_calendar(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_or_404(request, code)
    try:
        year = int(request.GET.get("year") or today().year)
    except ValueError:
        year = today().year
    year = min(max(year, 1930), today().year + 5)
    form = ScheduleForm(initial={"kind": "regular_monthly_meeting"})
    may_change = Organization.objects.restrict(request.user, CHANGE).filter(pk=org.pk).exists()
    if request.method == "POST":
        if not may_change:
            raise Http404
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.meeting_schedule(actor=request.user, org=org, **form.cleaned_data)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                return redirect("meetings:detail", pk=meeting.pk)
    months = selectors.org_calendar(user=request.user, org=org, year=year)
    context = {
        "org": org, "org_name": _org_name(org, dt.date(year, 12, 31)), "year": year, "months": months,
        "years": [year - 1, year + 1], "form": form, "may_change": may_change,
        "feed_url": request.build_absolute_uri(ical.feed_url(user=request.user, org_code=org.code)),
        "missed": sum(m.regular_missed + m.thematic_missed for m in months),
    }
    return render(request, "meetings/calendar.html", context)


@access_policy(SCOPED)
@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_or_404(request, pk)
    return render(request, "meetings/detail.html", _detail_context(request, record))


def _default_focus(record: selectors.MeetingRecord) -> str:
    m = record.meeting
    if m.status == MeetingStatus.SCHEDULED:
        return "hold" if m.notice_sent_at else "notice"
    if not record.votes:
        return "vote"
    if record.minutes and not record.minutes.locked:
        return "minutes"
    return ""


def _focus(form: Any, name: str) -> Any:
    form.fields[name].widget.attrs["autofocus"] = True
    return form


def _detail_context(request: HttpRequest, record: selectors.MeetingRecord, **forms: Any) -> dict[str, Any]:
    m = record.meeting
    people = _people(record)
    ids = {r.member_id for r in record.rows}
    local = timezone.localtime(m.held_at or m.scheduled_at)
    day = local.date()
    minutes = record.minutes
    focus = request.GET.get("focus") or _default_focus(record)
    if forms:
        focus = ""  # a form came back with errors: the browser shows them, nothing else is focused
    own = getattr(getattr(request.user, "member", None), "pk", None)
    present_official = sum(1 for r in record.rows if r.official and r.status == AttendanceStatus.PRESENT)
    passed = [v for v in record.votes if v.passed]
    number = f"{day.month:02d}/{day.year}-NQ/CB"
    notice_form = forms.get("notice_form") or NoticeForm(initial={
        "at": (timezone.localtime(m.scheduled_at) - dt.timedelta(days=1)).replace(tzinfo=None)
        if m.scheduled_at <= timezone.now() else None})
    hold_form = forms.get("hold_form") or HoldForm(people=people, initial={
        "held_at": local.replace(tzinfo=None), "duration_minutes": m.duration_minutes or 120,
        "chair": m.chair_id or (own if own in ids else None), "clerk": m.clerk_id, "self_score": m.self_score})
    vote_form = forms.get("vote_form") or VoteForm(initial={
        "official_present": present_official, "votes_for": present_official})
    minutes_form = forms.get("minutes_form") or MinutesForm(initial={
        f: getattr(minutes, f) for f in services.MINUTES_FIELDS} if minutes else None)
    resolution_form = forms.get("resolution_form") or ResolutionForm(
        votes=[(v.pk, v.question) for v in passed],
        initial={"number": number, "title": f"Nghị quyết chi bộ tháng {day.month}/{day.year}",
                 "vote": passed[-1].pk if passed else None})
    task_form = forms.get("task_form") or TaskForm(
        people=people, resolutions=[(r.pk, f"{r.number} {r.title}") for r in record.resolutions],
        initial={"resolution": record.resolutions[0].pk if record.resolutions else None,
                 "owner": people[0][0] if people else None, "due_date": day + dt.timedelta(days=30)})
    for step, form, field_name in (("hold", hold_form, "chair"), ("vote", vote_form, "question"),
                                   ("resolution", resolution_form, "number"), ("task", task_form, "title"),
                                   ("minutes", minutes_form, "report")):
        if focus == step:
            _focus(form, field_name)
    return {
        "record": record, "meeting": m, "may_change": _may_change(request, m), "focus": focus,
        "notice_timely": services.notice_is_timely(m),
        "agenda_form": forms.get("agenda_form") or AgendaForm(initial={
            "agenda": "\n".join(a.title for a in record.agenda), "materials": m.materials}),
        "notice_form": notice_form, "hold_form": hold_form, "vote_form": vote_form, "minutes_form": minutes_form,
        "amend_form": forms.get("amend_form") or AmendmentForm(initial={"on": today()}),
        "resolution_form": resolution_form, "task_form": task_form,
        "done_form": DoneForm(initial={"done_date": today()}),
        "statuses": AttendanceStatus.choices,
        "print_languages": PRINT_LANGUAGES,
        "held": m.status == MeetingStatus.HELD, "scheduled": m.status == MeetingStatus.SCHEDULED,
        "locked": bool(minutes and minutes.locked),
    }


# after each step, the page opens with the focus on the next one (keyboard: no hunting for it)
NEXT = {"notice_form": "hold", "hold_form": "vote", "vote_form": "vote", "resolution_form": "task",
        "task_form": "task", "minutes_form": "minutes", "amend_form": "minutes", "agenda_form": "notice", "": "notice"}
def _next(pk: int, step: str) -> HttpResponse:
    # no fragment: a browser skips `autofocus` when the URL targets an element
    return redirect(f"{reverse('meetings:detail', kwargs={'pk': pk})}?focus={step}")


def _post(request: HttpRequest, pk: int, act: Callable[[Meeting], Any], form_name: str = "",
          form: Any = None) -> HttpResponse:
    """Run one service on a meeting the user may change; messages on refusal; back to the page."""
    meeting = _meeting_or_404(request, pk, CHANGE)
    if form is not None and not form.is_valid():
        record = _record_or_404(request, pk)
        return render(request, "meetings/detail.html", _detail_context(request, record, **{form_name: form}),
                      status=400)
    try:
        act(meeting)
    except ValidationError as exc:
        _errors(request, exc)
        record = _record_or_404(request, pk)
        ctx = _detail_context(request, record, **({form_name: form} if form is not None else {}))
        return render(request, "meetings/detail.html", ctx, status=400)
    return _next(pk, NEXT.get(form_name, "notice"))


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    form = AgendaForm(request.POST)
    return _post(request, pk, lambda m: services.meeting_update_agenda(
        actor=request.user, meeting=m, items=form.items(), materials=form.cleaned_data["materials"]),
        "agenda_form", form)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the notice now, or record when it was sent (`at`, for a meeting entered afterwards)."""
    form = NoticeForm(request.POST)
    return _post(request, pk, lambda m: services.meeting_send_notice(
        actor=request.user, meeting=m, at=form.cleaned_data.get("at")), "notice_form", form)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _post(request, pk, lambda m: services.meeting_cancel(actor=request.user, meeting=m, reason=reason))


def _member(pk: int | None, allowed: set[int]) -> Member | None:
    if pk is None or pk not in allowed:
        return None
    return Member.objects.get(pk=pk)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """Hold the meeting: time, duration, chair, clerk, self-score and the attendance table."""
    record = _record_or_404(request, pk)
    allowed = {r.member_id for r in record.rows}
    form = HoldForm(request.POST, people=_people(record))
    entries = []
    for r in record.rows:
        status = request.POST.get(f"att-{r.member_id}", "")
        if status not in AttendanceStatus.values:
            status = AttendanceStatus.PRESENT if not status else status
        entries.append(services.AttendanceEntry(r.member_id, status, request.POST.get(f"reason-{r.member_id}", "")))

    def act(m: Meeting) -> Any:
        d = form.cleaned_data
        return services.meeting_record(
            actor=request.user, meeting=m, held_at=d["held_at"], duration_minutes=d["duration_minutes"],
            chair=_member(d["chair"], allowed), clerk=_member(d["clerk"], allowed), self_score=d["self_score"],
            entries=entries)

    return _post(request, pk, act, "hold_form", form)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_vote(request: HttpRequest, pk: int) -> HttpResponse:
    form = VoteForm(request.POST)
    return _post(request, pk, lambda m: services.vote_record(actor=request.user, meeting=m, **form.cleaned_data),
                 "vote_form", form)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    form = MinutesForm(request.POST)
    adopt = "adopt" in request.POST

    def act(m: Meeting) -> Any:
        services.minutes_save(actor=request.user, meeting=m, **form.values())
        if adopt:
            services.minutes_adopt(actor=request.user, meeting=m)

    return _post(request, pk, lambda m: _atomic(act, m), "minutes_form", form)


def _atomic(act: Callable[[Meeting], Any], m: Meeting) -> Any:
    from django.db import transaction

    with transaction.atomic():
        return act(m)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_amend(request: HttpRequest, pk: int) -> HttpResponse:
    form = AmendmentForm(request.POST)
    return _post(request, pk, lambda m: services.minutes_amend(actor=request.user, meeting=m, **form.cleaned_data),
                 "amend_form", form)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_resolution(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_or_404(request, pk)
    votes = {v.pk: v for v in record.votes}
    form = ResolutionForm(request.POST, votes=[(v.pk, v.question) for v in record.votes if v.passed])

    def act(m: Meeting) -> Any:
        d = form.cleaned_data
        return services.resolution_record(actor=request.user, meeting=m, number=d["number"], title=d["title"],
                                          text=d["text"], vote=votes.get(d["vote"]) if d["vote"] else None)

    return _post(request, pk, act, "resolution_form", form)


@access_policy(SCOPED)
@login_required
@require_POST
def meeting_task(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_or_404(request, pk)
    resolutions = {r.pk: r for r in record.resolutions}
    form = TaskForm(request.POST, people=_people(record),
                    resolutions=[(r.pk, f"{r.number} {r.title}") for r in record.resolutions])
    allowed = {r.member_id for r in record.rows}

    def act(m: Meeting) -> Any:
        d = form.cleaned_data
        resolution = resolutions[d["resolution"]]
        owner = _member(d["owner"], allowed)
        if owner is None:
            raise ValidationError(_("Choose the owner among the members."))
        return services.task_create(actor=request.user, resolution=resolution, title=d["title"], owner=owner,
                                    due_date=d["due_date"])

    return _post(request, pk, act, "task_form", form)


@access_policy(SCOPED)
@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = Task.objects.restrict(request.user, CHANGE).select_related("resolution").get(pk=pk)
    except Task.DoesNotExist as exc:
        raise Http404 from exc
    form = DoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the task was done."))
    else:
        try:
            services.task_complete(actor=request.user, task=task, done_on=form.cleaned_data["done_date"])
        except ValidationError as exc:
            _errors(request, exc)
    return _next(task.resolution.meeting_id, "task")


@access_policy(SCOPED)
@login_required
def minutes_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes in the standard layout, for printing (Vietnamese by default)."""
    record = _record_or_404(request, pk)
    from django.utils import translation

    lang = request.GET.get("lang", "vi")
    lang = lang if lang in dict(PRINT_LANGUAGES) else "vi"
    with translation.override(lang):
        return render(request, "meetings/print.html", {
            "record": record, "meeting": record.meeting, "lang": lang,
            "bidi": translation.get_language_bidi(),
            "present": [r for r in record.rows if r.status == AttendanceStatus.PRESENT],
            "absent": [r for r in record.rows if r.status in (AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED)],
            "local": timezone.localtime(record.meeting.held_at or record.meeting.scheduled_at),
        })


@access_policy(SCOPED)
@login_required
def resolution_book(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_or_404(request, code)
    rows = list(selectors.resolution_book(user=request.user, org=org))
    return render(request, "meetings/resolutions.html", {
        "org": org, "org_name": _org_name(org, today()), "resolutions": rows, "today": today()})


@access_policy(SCOPED)
@login_required
def overdue_tasks(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_or_404(request, code)
    tasks = list(selectors.overdue_tasks(user=request.user, org=org)[:500])
    return render(request, "meetings/overdue.html", {
        "org": org, "org_name": _org_name(org, today()), "tasks": tasks, "today": today()})


@access_policy(SCOPED)
@login_required
def quality(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_or_404(request, code)
    form = PeriodForm(request.GET or None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    start, end = form.period(today().year)
    report = meeting_quality(user=request.user, org=org, start=start, end=end)
    names = {o.pk: o.code for o in Organization.objects.filter(pk__in={s.org_id for s in report.missed[:200]})}
    return render(request, "meetings/quality.html", {
        "org": org, "org_name": _org_name(org, end), "form": form, "report": report, "start": start, "end": end,
        "missed": [(s, names.get(s.org_id, "")) for s in report.missed[:200]],
    }, status=status)


@access_policy(SCOPED)
@login_required
def quality_meetings(request: HttpRequest, code: str) -> HttpResponse:
    """The meetings (or tasks) behind a number of the quality report."""
    org = _org_or_404(request, code)
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise BadRequest("period")
    start, end = form.period(today().year)
    what = request.GET.get("what", "held")
    if what in ("on_time", "overdue", "tasks"):
        tasks = list(selectors.drill_tasks(user=request.user, org=org, start=start, end=end, what=what)[:500])
        return render(request, "meetings/drill.html", {"org": org, "tasks": tasks, "what": what, "start": start,
                                                       "end": end, "org_name": _org_name(org, end)})
    rows = list(selectors.drill_meetings(user=request.user, org=org, start=start, end=end, what=what)[:500])
    return render(request, "meetings/drill.html", {"org": org, "meetings": rows, "what": what, "start": start,
                                                   "end": end, "org_name": _org_name(org, end)})


@access_policy(PUBLIC)
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar feed: public by nature (calendar programs cannot sign in), guarded by the secret
    token in its URL; it reads with the scope of the user the token names."""
    found = ical.read_token(token)
    if found is None:
        raise Http404
    user, code = found
    start = today() - dt.timedelta(days=366)
    if code is None:
        member = Member.objects.filter(user=user).first()
        if member is None:
            raise Http404
        rows = selectors.member_meetings(member_id=member.pk, start=start)
        name = member.full_name
    else:
        try:
            org = org_selectors.org_get(user=user, code=code)
        except Organization.DoesNotExist as exc:
            raise Http404 from exc
        rows = selectors.org_meetings(user=user, org=org, start=start).exclude(status=MeetingStatus.CANCELLED)
        name = _org_name(org, today())
    body = ical.calendar(name=name, meetings=rows, host=request.get_host())
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
