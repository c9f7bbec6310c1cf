"""Pages: the cadre summary of a node, a unit's posts and staff list, a member's cadre page
(posts, dual roles, training), a post, courses with their enrolments, contests. Thin: parse,
call a selector, render. Every fetch is scoped; out of scope answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from chibo.core.access import SCOPED, access_policy
from chibo.core.validtime import today
from chibo.members import selectors as member_selectors
from chibo.members.models import Member
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from . import selectors
from .models import Contest, Post, TrainingCourse

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
    return render(request, "cadres/cadre.html", {"member": member, "record": record})


@access_policy(SCOPED)
@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        post = selectors.posts(user=request.user).select_related("org", "member").get(pk=pk)
    except Post.DoesNotExist as exc:
        raise Http404 from exc
    version = post.org.version_on(post.valid_from) or post.org.latest_version()
    return render(request, "cadres/post.html", {"post": post, "version": version})


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
        {"page": page, "errors": [e for e in (e1, e2) if e], "start": start, "end": end},
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
    return render(request, "cadres/course.html", {"course": course, "page": page})


@access_policy(SCOPED)
@login_required
def contest_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cadres/contests.html",
        {"contests": selectors.contests(user=request.user).select_related("organizer")[:200]},
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
        request, "cadres/contest.html", {"contest": contest, "rounds": rounds, "entries": entries}
    )
