"""Pages: member search and list, the member page (record, timeline, history; read-logged),
recording a status event, overdue transfers. Thin: parse, call a selector or a service, render.
Every fetch goes through the selectors, which are scoped; out of scope answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chibo.core.access import SCOPED, access_policy
from chibo.core.audit import audit_history, read_log
from chibo.core.pagination import CountedPaginator
from chibo.core.scoping import OutOfScopeWrite, recheck_in_scope, resolve_scope
from chibo.core.validtime import today, valid_on_q
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization, OrgVersion

from . import procedures, selectors, services
from .api import reading
from .choices import AffiliationKind, Gender, Status
from .forms import CRITERIA_FIELDS, MemberEventForm, MemberSearchForm
from .models import Affiliation, Member
from .sensitive import asked_fields, require_sensitive

CHANGE = "member.change"
PAGE_SIZE = 50


def _as_of(request: HttpRequest) -> tuple[dt.date, str | None]:
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return today(), None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return today(), _("“%(value)s” is not a date; showing today.") % {"value": raw}


def _member_or_404(request: HttpRequest, pk: int, action: str = selectors.VIEW) -> Member:
    try:
        return selectors.members(user=request.user, action=action).get(pk=pk)
    except Member.DoesNotExist as exc:
        raise Http404 from exc


def _names_and_paths(org_ids: set[int], on: dt.date) -> tuple[dict[int, str], dict[int, str]]:
    """Organization id -> its name on `on` (or its last name), and its path on `on` (or its
    last), in one query."""
    names: dict[int, str] = {}
    paths: dict[int, str] = {}
    rows = OrgVersion.objects.filter(org_id__in=org_ids).order_by("org_id", "valid_from")
    for v in rows.values("org_id", "name", "path", "valid_from", "valid_to"):
        if v["org_id"] not in names or v["valid_from"] <= on:
            names[v["org_id"]], paths[v["org_id"]] = v["name"], v["path"]
    return names, paths


def _names(org_ids: set[int], on: dt.date) -> dict[int, str]:
    """Organization id -> its name on `on` (or its last name), in one query."""
    return _names_and_paths(org_ids, on)[0]


def _log_list(request: HttpRequest, rows: list[Any], paths: dict[int, str], on: dt.date) -> None:
    """Log a read of each member a list shows (G21), under their cell on the list's date (known
    from the page, so the logging reads nothing more for members in a cell)."""
    known = {m.pk: paths[m.cell_id] for m in rows if m.cell_id in paths}
    reading.log_member_reads(actor=request.user, member_ids=[m.pk for m in rows], on=on, purpose="list",
                             paths=known)


def _name_orgs(orgs: list[Organization | None], on: dt.date) -> None:
    """Give each organization a `display_name` (today's name, else its last)."""
    present = [o for o in orgs if o is not None]
    names = _names({o.pk for o in present}, on)
    for org in present:
        org.display_name = names.get(org.pk, org.code)  # type: ignore[attr-defined]


def _default_query(user: Any) -> dict[str, str]:
    """What the list shows a user who asked for nothing: today's members of the organization
    their scope is (a secretary: their cell); nothing special for a nationwide or empty scope."""
    scope = resolve_scope(user, selectors.VIEW)
    if scope.everything or len(scope.paths) != 1:
        return {}
    version = OrgVersion.objects.filter(path=scope.paths[0]).filter(valid_on_q(today())).select_related("org").first()
    if version is None:
        return {}
    return {"under": version.org.code, "as_of": today().isoformat()}


AGE_LABELS = {"up_to_30": "≤ 30", "31_40": "31–40", "41_50": "41–50", "51_60": "51–60", "61_70": "61–70",
              "over_70": "> 70"}


def _count_rows(by: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, number) for each value the filtered members have, in the field's order."""
    if by == "age_band":
        return [(AGE_LABELS[key], counts[key]) for _lo, _hi, key in selectors.AGE_BANDS if counts.get(key)]
    choices = dict(MemberSearchForm.base_fields[by].choices)  # type: ignore[attr-defined]
    ordered = [key for key in choices if key in counts] + sorted(k for k in counts if k not in choices)
    return [(str(choices.get(key, key)), counts[key]) for key in ordered]


def _export_query(request: HttpRequest, data: dict[str, Any], org: Organization | None) -> str:
    """The export form's query for exactly what the list shows (None without an organization)."""
    if org is None:
        return ""
    query = QueryDict(mutable=True)
    query["under"] = org.code
    if data.get("as_of"):
        query["as_of"] = data["as_of"].isoformat()
    for name in CRITERIA_FIELDS:
        value = data.get(name)
        if value:
            query[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    return query.urlencode()


@access_policy(SCOPED)
@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    sensitive = not resolve_scope(request.user, selectors.SENSITIVE).is_empty
    asked = {k: v for k, v in request.GET.items() if k != "page"}
    default = {} if asked else _default_query(request.user)
    form = MemberSearchForm(request.GET if asked else (default or None), sensitive=sensitive)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    org: Organization | None = None
    if data.get("under"):
        try:
            org = org_selectors.org_get(user=request.user, code=data["under"])
        except Organization.DoesNotExist:
            form.add_error("under", _("No organization with this code in your scope."))
    # grouping, filtering or sorting by a sensitive field: 403 without the permission (sensitive.py)
    require_sensitive(request.user, asked_fields(request.GET), org=org, on=data.get("as_of"))
    search: dict[str, Any] = {"user": request.user, "q": data.get("q") or "", "org": org, "on": data.get("as_of"),
                              "filters": form.attributes(), **form.periods()}
    found: Any = Member.objects.none() if form.errors else selectors.member_search(**search)
    cell = (
        Affiliation.objects.filter(member_id=OuterRef("pk"), kind=AffiliationKind.OFFICIAL)
        .filter(valid_on_q(data.get("as_of") or today()))
        .values("org_id")[:1]
    )
    count = (lambda: 0) if form.errors else (lambda: selectors.member_search_count(**search))
    page = CountedPaginator(found.annotate(cell_id=Subquery(cell)), PAGE_SIZE, count=count).get_page(
        request.GET.get("page"))
    names, paths = _names_and_paths({m.cell_id for m in page.object_list if m.cell_id}, data.get("as_of") or today())
    _log_list(request, list(page.object_list), paths, data.get("as_of") or today())
    genders, statuses = dict(Gender.choices), dict(Status.choices)  # once, not per row and field
    for m in page.object_list:
        m.cell_name = names.get(m.cell_id, "")
        m.gender_label, m.status_label = genders.get(m.gender, m.gender), statuses.get(m.status, m.status)
    by = data.get("count_by") or ""
    counts = _count_rows(by, selectors.member_breakdown(by=by, **search)) if by and not form.errors else []
    context = {"form": form, "page": page, "searched": bool(asked), "on": data.get("as_of"), "org": org,
               "count_by": by, "counts": counts, "counts_total": sum(n for _label, n in counts),
               "export_query": "" if form.errors else _export_query(request, data, org)}
    htmx = getattr(request, "htmx", False)
    return render(request, "members/list.html#results" if htmx else "members/list.html", context)


@access_policy(SCOPED)
@login_required
def org_members(request: HttpRequest, code: str) -> HttpResponse:
    """The members of an organization (its cells and all below) on a date, with their number:
    the section of the organization's page (loaded by HTMX), or a page of its own."""
    try:
        org = org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc
    on, date_error = _as_of(request)
    search: dict[str, Any] = {"user": request.user, "org": org, "on": on}
    cell = Affiliation.objects.filter(member_id=OuterRef("pk"), kind=AffiliationKind.OFFICIAL).filter(
        valid_on_q(on)).values("org_id")[:1]
    found = selectors.member_search(**search).annotate(cell_id=Subquery(cell))
    page = CountedPaginator(found, PAGE_SIZE, count=lambda: selectors.member_search_count(**search)).get_page(
        request.GET.get("page"))
    names, paths = _names_and_paths({m.cell_id for m in page.object_list if m.cell_id} | {org.pk}, on)
    _log_list(request, list(page.object_list), paths, on)
    statuses = dict(Status.choices)
    for m in page.object_list:
        m.cell_name = names.get(m.cell_id, "")
        m.status_label = statuses.get(m.status, m.status)
    context = {"org": org, "org_name": names.get(org.pk, org.code), "on": on, "date_error": date_error,
               "page": page, "list_query": urlencode({"under": org.code, "as_of": on.isoformat()})}
    htmx = getattr(request, "htmx", False)
    return render(request, "members/org_members.html#section" if htmx else "members/org_members.html", context)


def _detail_context(
    request: HttpRequest, record: selectors.MemberRecord, form: MemberEventForm | None
) -> dict[str, Any]:
    member = record.member
    may_change = selectors.member_in_scope(user=request.user, action=CHANGE, member=member)
    if may_change and form is None:
        form = MemberEventForm(user=request.user)
    return {
        "member": member,
        "sensitive": selectors.may_see_sensitive(user=request.user, member=member),
        "current": record.current,
        "in_transfer": record.in_transfer,
        "party_age": reading.party_age(record.party_age_days()),
        "timeline": record.timeline(),
        "form": form if may_change else None,
        "history": audit_history(
            user=request.user, target_type="members.member", target_id=str(member.pk)
        )[:100],
        "on": record.on,
    }


def _render_detail(
    request: HttpRequest, member: Member, form: MemberEventForm | None = None, status: int = 200
) -> HttpResponse:
    record = selectors.MemberRecord(member, today())
    read_log(actor=request.user, target=member, org_path=record.org_path(), purpose="view")
    return render(
        request, "members/detail.html", _detail_context(request, record, form), status=status
    )


@access_policy(SCOPED)
@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        member = (
            selectors.members(user=request.user).select_related("birthplace", "hometown").get(pk=pk)
        )
    except Member.DoesNotExist as exc:
        raise Http404 from exc
    selectors.note_in_scope(user=request.user, member=member)
    return _render_detail(request, member)


def _add_errors(form: MemberEventForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@access_policy(SCOPED)
@login_required
@require_POST
def event_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a status event on a member in the user's scope for `member.change`."""
    member = _member_or_404(request, pk, CHANGE)
    form = MemberEventForm(request.POST, user=request.user)
    owned = form.is_valid() and procedures.owner_of(member, form.cleaned_data["type"])
    if owned:
        # one door into the register: the procedure that admitted the member records this event
        message, url = owned
        form.add_error("type", message)
        messages.error(request, format_html('{} <a href="{}">{}</a>', message, url, _("Open the procedure")))
    elif form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.member_event(
                    actor=request.user, member=member, type=data["type"], on=data["on"],
                    decision=services.DecisionInfo(number=data["decision_no"], date=data["decision_date"],
                                                   issuer=data["issuer"]),
                    reason=data["reason"], cell=data["cell"],
                )
                recheck_in_scope(request.user, CHANGE, Member.objects.all(), [member.pk])
        except OutOfScopeWrite as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The event is recorded."))
            return redirect("members:detail", pk=member.pk)
    member.refresh_from_db()
    return _render_detail(request, member, form=form, status=400)


@access_policy(SCOPED)
@login_required
def overdue_transfers(request: HttpRequest) -> HttpResponse:
    on, date_error = _as_of(request)
    transfers = selectors.overdue_transfers(user=request.user, on=on)
    page = Paginator(transfers, PAGE_SIZE).get_page(request.GET.get("page"))
    _name_orgs([o for t in page.object_list for o in (t.from_org, t.to_org, t.issued_by)], on)
    return render(request, "members/overdue.html", {"page": page, "on": on, "date_error": date_error})
