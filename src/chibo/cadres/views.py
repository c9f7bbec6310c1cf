"""Pages: the cadre summary of a node, a unit's posts and staff list, a member's cadre page
(posts, dual roles, training), a post, courses with their enrolments, contests. Thin: parse,
call a selector, render. Every fetch is scoped; out of scope answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chibo.core.access import SCOPED, access_policy
from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today
from chibo.members import selectors as member_selectors
from chibo.members.models import Member
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from . import selectors, services
from .forms import CourseForm, EnrolForm, PostAssignForm, PostEndForm, ResultForm
from .models import Contest, Enrolment, Post, TrainingCourse

PAGE_SIZE = 50


def _date(
    request: HttpRequest, name: str, default: dt.date | None
) -> tuple[dt.date | None, str | None]:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return default, _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": raw}


def _org_or_404(request: HttpRequest, code: str) -> Organization:
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
def summary(request: HttpRequest) -> HttpResponse:
    """The cadre figures of a node on a date (and its training in a period)."""
    errors: list[str] = []
    on, e1 = _date(request, "as_of", today())
    start, e2 = _date(request, "from", None)
    end, e3 = _date(request, "to", None)
    errors += [e for e in (e1, e2, e3) if e]
    if (start is None) != (end is None):
        errors.append(_("Give both ends of the period."))
        start = end = None
    elif start is not None and end is not None and end < start:
        errors.append(_("The end of the period is before its start."))
        start = end = None
    org: Organization | None = None
    code = request.GET.get("under", "").strip()
    if code:
        try:
            org = org_selectors.org_get(user=request.user, code=code)
        except Organization.DoesNotExist:
            errors.append(_("No organization with this code in your scope."))
    figures = None
    if not (code and org is None):
        assert on is not None
        figures = selectors.cadre_summary(user=request.user, org=org, on=on, start=start, end=end)
    context: dict[str, Any] = {
        "figures": figures,
        "org": org,
        "errors": errors,
        "params": request.GET,
        "on": on,
        "start": start,
        "end": end,
    }
    htmx = getattr(request, "htmx", False)
    return render(
        request, "cadres/summary.html#figures" if htmx else "cadres/summary.html", context
    )


@access_policy(SCOPED)
@login_required
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's posts on a date and its staff list: seconded cadres in and out, watchers."""
    org = _org_or_404(request, code)
    on, error = _date(request, "as_of", today())
    assert on is not None
    version = org.version_on(on) or org.latest_version()
    staff = selectors.org_staff(user=request.user, org=org, on=on)
    history = selectors.org_posts(user=request.user, org=org)[:200]
    return render(
        request,
        "cadres/unit.html",
        {
            "org": org,
            "version": version,
            "on": on,
            "error": error,
            "staff": staff,
            "history": history,
            "may_change": _may_change(request, org),
            "may_watch": bool(selectors.committees_above(user=request.user, org=org, on=today())),
        },
    )


@access_policy(SCOPED)
@login_required
def cadre(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's cadre page: posts, dual roles, facts, qualifications, training, plans."""
    try:
        member = member_selectors.members(user=request.user).get(pk=pk)
    except Member.DoesNotExist as exc:
        raise Http404 from exc
    record = selectors.cadre_record(user=request.user, member=member)
    may_change = member_selectors.members(user=request.user, action=CHANGE).filter(pk=member.pk).exists()
    return render(
        request, "cadres/cadre.html", {"member": member, "record": record, "may_change": may_change}
    )


@access_policy(SCOPED)
@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        post = selectors.posts(user=request.user).select_related("org", "member").get(pk=pk)
    except Post.DoesNotExist as exc:
        raise Http404 from exc
    version = post.org.version_on(post.valid_from) or post.org.latest_version()
    return render(
        request,
        "cadres/post.html",
        {"post": post, "version": version, "may_change": _may_change(request, post.org)},
    )


@access_policy(SCOPED)
@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    start, e1 = _date(request, "from", None)
    end, e2 = _date(request, "to", None)
    qs = selectors.courses(user=request.user, start=start, end=end).select_related("organizer")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cadres/courses.html",
        {
            "page": page,
            "errors": [e for e in (e1, e2) if e],
            "start": start,
            "end": end,
            "may_create": not resolve_scope(request.user, CHANGE).is_empty,
        },
    )


@access_policy(SCOPED)
@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        course = selectors.courses(user=request.user).select_related("organizer").get(pk=pk)
    except TrainingCourse.DoesNotExist as exc:
        raise Http404 from exc
    enrolments = course.enrolments.select_related("member").order_by("member__search_key")
    page = Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cadres/course.html",
        {"course": course, "page": page, "may_change": _may_change(request, course.organizer)},
    )


@access_policy(SCOPED)
@login_required
def contest_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cadres/contests.html",
        {
            "contests": selectors.contests(user=request.user).select_related("organizer")[:200],
            "may_create": not resolve_scope(request.user, CHANGE).is_empty,
        },
    )


@access_policy(SCOPED)
@login_required
def contest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contest = selectors.contests(user=request.user).select_related("organizer").get(pk=pk)
    except Contest.DoesNotExist as exc:
        raise Http404 from exc
    rounds = list(contest.rounds.order_by("number"))
    entries = list(contest.entries.select_related("member", "cell").prefetch_related("scores"))
    for entry in entries:
        by_round = {s.round_id: s.score for s in entry.scores.all()}
        entry.round_scores = [by_round.get(r.pk) for r in rounds]  # type: ignore[attr-defined]
        entry.total = sum(s for s in by_round.values())  # type: ignore[attr-defined]
    entries.sort(key=lambda e: -e.total)  # type: ignore[attr-defined]
    return render(
        request,
        "cadres/contest.html",
        {
            "contest": contest,
            "rounds": rounds,
            "entries": entries,
            "may_change": _may_change(request, contest.organizer),
        },
    )


# --- writes: visible (else 404), then permitted at the node (else 403), then one service ------------

CHANGE = selectors.CHANGE


def _may_change(request: HttpRequest, org: Organization) -> bool:
    return org_selectors.organizations(user=request.user, action=CHANGE).filter(pk=org.pk).exists()


def _require_change(request: HttpRequest, org: Organization) -> None:
    if not _may_change(request, org):
        raise PermissionDenied


def _refused(form: Any, exc: ValidationError) -> None:
    """The service's refusal, shown in the form (field errors where the service names a field)."""
    if hasattr(exc, "error_dict") and not set(exc.error_dict) <= set(form.fields):
        exc = ValidationError(exc.messages)
    form.add_error(None, exc)


def _form_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "cadres/form.html", context, status=status)


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def post_assign(request: HttpRequest, code: str) -> HttpResponse:
    """Appoint (or record the election of) a member to a post at the unit."""
    org = _org_or_404(request, code)
    _require_change(request, org)
    on = today()
    version = org.version_on(on) or org.latest_version()
    people = selectors.people_under(user=request.user, org=org, on=on)
    form = PostAssignForm(request.POST or None, people=people, initial={"valid_from": on})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = member_selectors.members(user=request.user, action=CHANGE).get(pk=data["member"])
        except Member.DoesNotExist:
            form.add_error("member", _("No such member in your scope."))
        else:
            try:
                post = services.post_assign(
                    actor=request.user,
                    org=org,
                    member=member,
                    position=data["position"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    method=data["method"],
                    decision=services.DecisionInfo(
                        number=data["decision_no"].strip(), date=data["decision_date"]
                    ),
                    exception=data["exception"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("cadres:post", pk=post.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Assign a post at %(unit)s") % {"unit": version.name if version else org.code},
            "back": reverse("cadres:unit", kwargs={"code": org.code}),
        },
        status=400 if request.method == "POST" else 200,
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a post on a date, with the reason."""
    try:
        post = selectors.posts(user=request.user).select_related("org", "member").get(pk=pk)
    except Post.DoesNotExist as exc:
        raise Http404 from exc
    _require_change(request, post.org)
    form = PostEndForm(request.POST or None, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_end(
                actor=request.user, post=post, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("cadres:post", pk=post.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("End the post of %(name)s") % {"name": post.member.full_name},
            "back": reverse("cadres:post", kwargs={"pk": post.pk}),
        },
        status=400 if request.method == "POST" else 200,
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    """A new training course, organized by a unit where the user may act."""
    if resolve_scope(request.user, CHANGE).is_empty:
        raise PermissionDenied
    form = CourseForm(request.POST or None, initial={"organizer": request.GET.get("org", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organizer = org_selectors.organizations(user=request.user, action=CHANGE).get(
                code=data["organizer"].strip()
            )
        except Organization.DoesNotExist:
            form.add_error("organizer", _("No organization with this code where you may act."))
        else:
            try:
                course = services.course_create(
                    actor=request.user,
                    organizer=organizer,
                    topic=data["topic"],
                    kind=data["kind"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    place=data["place"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("cadres:course", pk=course.pk)
    return _form_page(
        request,
        {"form": form, "title": _("New training course"), "back": reverse("cadres:courses")},
        status=400 if request.method == "POST" else 200,
    )


def _course_for_change(request: HttpRequest, pk: int) -> TrainingCourse:
    try:
        course = selectors.courses(user=request.user).select_related("organizer").get(pk=pk)
    except TrainingCourse.DoesNotExist as exc:
        raise Http404 from exc
    _require_change(request, course.organizer)
    return course


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def course_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol a member of the organizer's subtree in the course."""
    course = _course_for_change(request, pk)
    people = selectors.people_under(user=request.user, org=course.organizer, on=course.starts_on)
    form = EnrolForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_selectors.members(user=request.user, action=CHANGE).get(
                pk=form.cleaned_data["member"]
            )
        except Member.DoesNotExist:
            form.add_error("member", _("No such member in your scope."))
        else:
            try:
                services.enrolment_record(actor=request.user, course=course, member=member)
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("cadres:course", pk=course.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Enrol a member in %(course)s") % {"course": course.topic},
            "back": reverse("cadres:course", kwargs={"pk": course.pk}),
        },
        status=400 if request.method == "POST" else 200,
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def course_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an enrolled member's attendance, completion and certificate."""
    course = _course_for_change(request, pk)
    enrolled = course.enrolments.select_related("member").order_by("member__search_key")
    people = [(e.member_id, e.member.full_name) for e in enrolled]
    initial: dict[str, Any] = {}
    if request.GET.get("member", "").isdigit():
        chosen = next((e for e in enrolled if e.member_id == int(request.GET["member"])), None)
        if chosen is not None:
            initial = {
                "member": chosen.member_id,
                "attended_days": chosen.attended_days,
                "completed": chosen.completed,
                "certificate_no": chosen.certificate_no,
            }
    form = ResultForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = course.enrolments.get(member_id=data["member"])
        except Enrolment.DoesNotExist:
            form.add_error("member", _("This member is not enrolled."))
        else:
            try:
                services.enrolment_result(
                    actor=request.user,
                    enrolment=enrolment,
                    attended_days=data["attended_days"],
                    completed=data["completed"],
                    certificate_no=data["certificate_no"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("cadres:course", pk=course.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Result in %(course)s") % {"course": course.topic},
            "back": reverse("cadres:course", kwargs={"pk": course.pk}),
        },
        status=400 if request.method == "POST" else 200,
    )


@access_policy(SCOPED)
@login_required
def my_posts(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own posts (current and past, with the posts held alongside at other
    units), other roles and training."""
    on = today()
    return render(request, "cadres/me.html", {"record": selectors.my_record(user=request.user, on=on), "on": on})
