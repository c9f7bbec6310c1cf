"""Write pages for the rest of a cadre's record: concurrent roles and qualifications (the cadre's
page), watchers and seconded cadres (the unit's page), contests (create, enter, score, award).
The same order as the post and course pages (`views`): visible (else 404), then permitted at the
organization (else 403), then one service; a refusal of the service is shown in the form and
nothing is written."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chibo.core.access import SCOPED, access_policy
from chibo.core.paths import any_subtree_q
from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today, valid_on_q
from chibo.members import selectors as member_selectors
from chibo.members.models import Member
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization, OrgVersion

from . import selectors, services
from .forms import (
    AwardForm,
    ContestForm,
    EntryForm,
    QualificationForm,
    RoleForm,
    ScoreForm,
    SecondmentForm,
    WatchEndForm,
    WatchForm,
)
from .models import Contest, ContestEntry, Position, Post, WatchAssignment
from .views import CHANGE, _form_page, _org_or_404, _refused, _require_change


def _done(request: HttpRequest) -> None:
    messages.success(request, _("Saved."))


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


def _changeable_org(request: HttpRequest, form: Any, field: str) -> Organization | None:
    """The organization named by code in the form's field, where the user may act (else a form
    error)."""
    try:
        return org_selectors.organizations(user=request.user, action=CHANGE).get(
            code=form.cleaned_data[field].strip()
        )
    except Organization.DoesNotExist:
        form.add_error(field, _("No organization with this code where you may act."))
        return None


def _name(org: Organization) -> str:
    version = org.version_on(today()) or org.latest_version()
    return version.name if version else org.code


# --- the cadre's page: concurrent roles and qualifications --------------------------------------------


def _member_for_change(request: HttpRequest, pk: int) -> Member:
    try:
        member = member_selectors.members(user=request.user).get(pk=pk)
    except Member.DoesNotExist as exc:
        raise Http404 from exc
    if not may_change_member(request, member):
        raise PermissionDenied
    return member


def may_change_member(request: HttpRequest, member: Member) -> bool:
    return member_selectors.members(user=request.user, action=CHANGE).filter(pk=member.pk).exists()


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def role_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A role held alongside the party posts (village head, head of unit, workshop manager,
    commander...), with its dates, at the place of an organization where the user may act."""
    member = _member_for_change(request, pk)
    affiliation = member.affiliations.filter(valid_on_q(today())).select_related("org").first()
    initial = {"valid_from": today(), "org": affiliation.org.code if affiliation else ""}
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = _changeable_org(request, form, "org")
        if org is not None:
            try:
                services.concurrent_role_add(
                    actor=request.user,
                    member=member,
                    org=org,
                    kind=data["kind"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    unit_name=data["unit_name"].strip(),
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                _done(request)
                return redirect(reverse("cadres:cadre", kwargs={"pk": member.pk}) + "#roles")
    return _form_page(
        request,
        {
            "form": form,
            "title": _("A role held alongside by %(name)s") % {"name": member.full_name},
            "back": reverse("cadres:cadre", kwargs={"pk": member.pk}),
        },
        status=_status(request),
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def qualification_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A qualification obtained on a date, with its certificate."""
    member = _member_for_change(request, pk)
    form = QualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.qualification_record(
                actor=request.user,
                member=member,
                kind=data["kind"],
                level=data["level"],
                obtained_on=data["obtained_on"],
                certificate_no=data["certificate_no"].strip(),
                issuer=data["issuer"].strip(),
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            _done(request)
            return redirect(reverse("cadres:cadre", kwargs={"pk": member.pk}) + "#training")
    return _form_page(
        request,
        {
            "form": form,
            "title": _("A qualification of %(name)s") % {"name": member.full_name},
            "back": reverse("cadres:cadre", kwargs={"pk": member.pk}),
        },
        status=_status(request),
    )


# --- the unit's page: watchers and seconded cadres -----------------------------------------------------


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def watch_assign(request: HttpRequest, code: str) -> HttpResponse:
    """A committee member of a node above the unit watches it from a date."""
    unit = _org_or_404(request, code)
    _require_change(request, unit)
    committees = selectors.committees_above(user=request.user, org=unit, on=today())
    if not committees:
        raise PermissionDenied
    holders = (
        selectors.posts(user=request.user)
        .filter(org__in=committees)
        .order_by("member__search_key", "member_id")
        .values_list("member_id", "member__full_name")
        .distinct()
    )
    form = WatchForm(
        request.POST or None,
        committees=[(c.pk, f"{_name(c)} ({c.code})") for c in committees],
        people=list(holders[: selectors.PEOPLE_LIMIT]),
        initial={"committee": committees[0].pk, "valid_from": today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        committee = next(c for c in committees if c.pk == data["committee"])
        try:
            watcher = member_selectors.members(user=request.user).get(pk=data["watcher"])
        except Member.DoesNotExist:
            form.add_error("watcher", _("No such member in your scope."))
        else:
            try:
                services.watch_assign(
                    actor=request.user,
                    watcher=watcher,
                    committee=committee,
                    unit=unit,
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    decision_no=data["decision_no"].strip(),
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                _done(request)
                return redirect("cadres:unit", code=unit.code)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Assign a committee member to watch %(unit)s") % {"unit": _name(unit)},
            "back": reverse("cadres:unit", kwargs={"code": unit.code}),
        },
        status=_status(request),
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def watch_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a watch on a date (and the viewer role that went with it)."""
    try:
        watch = (
            WatchAssignment.objects.restrict(request.user, selectors.VIEW)
            .select_related("watcher", "unit", "committee")
            .get(pk=pk)
        )
    except WatchAssignment.DoesNotExist as exc:
        raise Http404 from exc
    _require_change(request, watch.committee)
    form = WatchEndForm(request.POST or None, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.watch_end(actor=request.user, watch=watch, on=form.cleaned_data["on"])
        except ValidationError as exc:
            _refused(form, exc)
        else:
            _done(request)
            return redirect("cadres:unit", code=watch.unit.code)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("End the watch of %(name)s over %(unit)s")
            % {"name": watch.watcher.full_name, "unit": _name(watch.unit)},
            "back": reverse("cadres:unit", kwargs={"code": watch.unit.code}),
        },
        status=_status(request),
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def secondment_add(request: HttpRequest, code: str) -> HttpResponse:
    """A cadre of a department seconded to this commune: the decision, the post held here, the
    period (the end is the return, when it is known)."""
    commune = _org_or_404(request, code)
    _require_change(request, commune)
    version = commune.version_on(today()) or commune.latest_version()
    parent = version.parent if version is not None and version.parent is not None else commune
    people = selectors.people_under(user=request.user, org=parent, on=today())
    form = SecondmentForm(request.POST or None, people=people, initial={"valid_from": today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        from_org = _changeable_org(request, form, "from_org")
        try:
            member = member_selectors.members(user=request.user, action=CHANGE).get(pk=data["member"])
        except Member.DoesNotExist:
            form.add_error("member", _("No such member in your scope."))
            member = None
        if from_org is not None and member is not None:
            try:
                services.secondment_record(
                    actor=request.user,
                    member=member,
                    from_org=from_org,
                    to_org=commune,
                    post_held=data["post_held"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    decision=services.DecisionInfo(
                        number=data["decision_no"].strip(), date=data["decision_date"]
                    ),
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                _done(request)
                return redirect("cadres:unit", code=commune.code)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("A cadre seconded to %(unit)s") % {"unit": _name(commune)},
            "back": reverse("cadres:unit", kwargs={"code": commune.code}),
        },
        status=_status(request),
    )


# --- contests ----------------------------------------------------------------------------------------


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def contest_create(request: HttpRequest) -> HttpResponse:
    """A new contest (e.g. "excellent cell secretary") with its rounds, held by a unit where the
    user may act."""
    if resolve_scope(request.user, CHANGE).is_empty:
        raise PermissionDenied
    form = ContestForm(
        request.POST or None,
        initial={"organizer": request.GET.get("org", ""), "year": today().year},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organizer = _changeable_org(request, form, "organizer")
        if organizer is not None:
            try:
                contest = services.contest_create(
                    actor=request.user,
                    organizer=organizer,
                    title=data["title"],
                    year=data["year"],
                    rounds=data["rounds"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                _done(request)
                return redirect("cadres:contest", pk=contest.pk)
    return _form_page(
        request,
        {"form": form, "title": _("New contest"), "back": reverse("cadres:contests")},
        status=_status(request),
    )


def _contest_for_change(request: HttpRequest, pk: int) -> Contest:
    try:
        contest = selectors.contests(user=request.user).select_related("organizer").get(pk=pk)
    except Contest.DoesNotExist as exc:
        raise Http404 from exc
    _require_change(request, contest.organizer)
    return contest


def _secretaries_under(request: HttpRequest, org: Organization) -> QuerySet[Post]:
    """The cell secretaries in office today in the organizer's subtree, as the user sees them."""
    on = today()
    version = org.version_on(on) or org.latest_version()
    paths = [version.path] if version is not None else []
    cells = OrgVersion.objects.filter(valid_on_q(on)).filter(any_subtree_q(paths)).values("org_id")
    return (
        selectors.posts(user=request.user)
        .filter(valid_on_q(on), position=Position.SECRETARY, org_id__in=cells)
        .select_related("member", "org")
        .order_by("member__search_key", "pk")
    )


def _entries(contest: Contest) -> list[tuple[int, str]]:
    rows = contest.entries.select_related("member", "cell").order_by("member__search_key", "pk")
    return [(e.pk, f"{e.member.full_name} ({e.cell.code})") for e in rows]


def _back(contest: Contest) -> str:
    return reverse("cadres:contest", kwargs={"pk": contest.pk})


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def contest_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a cell secretary of the organizer's subtree (for the cell they lead)."""
    contest = _contest_for_change(request, pk)
    posts = list(_secretaries_under(request, contest.organizer)[: selectors.PEOPLE_LIMIT])
    form = EntryForm(
        request.POST or None, people=[(p.pk, f"{p.member.full_name} ({p.org.code})") for p in posts]
    )
    if request.method == "POST" and form.is_valid():
        post = next(p for p in posts if p.pk == form.cleaned_data["entrant"])
        try:
            services.contest_enter(actor=request.user, contest=contest, member=post.member, cell=post.org)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            _done(request)
            return redirect("cadres:contest", pk=contest.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Enter a secretary in %(contest)s") % {"contest": contest.title},
            "back": _back(contest),
        },
        status=_status(request),
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def contest_score(request: HttpRequest, pk: int) -> HttpResponse:
    """An entrant's score in one round (a second score for the same round replaces the first)."""
    contest = _contest_for_change(request, pk)
    rounds = [(r.pk, f"{r.number}. {r.name}") for r in contest.rounds.order_by("number")]
    form = ScoreForm(request.POST or None, entries=_entries(contest), rounds=rounds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contest_score(
                actor=request.user,
                round=contest.rounds.get(pk=data["round"]),
                entry=contest.entries.get(pk=data["entry"]),
                score=float(data["score"]),
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            _done(request)
            return redirect("cadres:contest", pk=contest.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("A score in %(contest)s") % {"contest": contest.title},
            "back": _back(contest),
        },
        status=_status(request),
    )


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def contest_award(request: HttpRequest, pk: int) -> HttpResponse:
    """The award an entrant received (empty: none)."""
    contest = _contest_for_change(request, pk)
    form = AwardForm(request.POST or None, entries=_entries(contest))
    if request.method == "POST" and form.is_valid():
        try:
            entry = ContestEntry.objects.get(contest=contest, pk=form.cleaned_data["entry"])
            services.contest_award(actor=request.user, entry=entry, award=form.cleaned_data["award"])
        except ValidationError as exc:
            _refused(form, exc)
        else:
            _done(request)
            return redirect("cadres:contest", pk=contest.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("An award in %(contest)s") % {"contest": contest.title},
            "back": _back(contest),
        },
        status=_status(request),
    )
