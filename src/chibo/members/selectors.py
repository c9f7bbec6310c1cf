"""Reading members: scoped, as-of aware. Counts join the status period valid on the date, the
official affiliation valid on the date and the cell's place in the tree on that date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from chibo.core.paths import SEGMENT_WIDTH, any_subtree_q
from chibo.core.scoping import resolve_scope
from chibo.core.text import fold
from chibo.core.validtime import valid_on_q
from chibo.orgs.models import Organization, OrgVersion

from .choices import IN_PARTY, AffiliationKind, EventType
from .models import Affiliation, Member, MemberEvent, StatusPeriod, Transfer, TransferState

VIEW = "member.view"
SENSITIVE = "member.view_sensitive"
COUNT_FIELDS = ("status", "gender", "age_band", "ethnicity", "religion", "general_education",
                "professional_level", "theory_level", "occupation", "sector")
AGE_BANDS = [(0, 30, "up_to_30"), (31, 40, "31_40"), (41, 50, "41_50"), (51, 60, "51_60"),
             (61, 70, "61_70"), (71, 200, "over_70")]
LEAVE_TYPES = (EventType.EXPELLED, EventType.REMOVED, EventType.WITHDRAWN, EventType.DECEASED)


def members(*, user: Any, action: str = VIEW) -> QuerySet[Member]:
    return Member.objects.restrict(user, action)


def member_get(*, user: Any, pk: int) -> Member:
    return members(user=user).get(pk=pk)


def may_see_sensitive(*, user: Any, member: Member) -> bool:
    scope = resolve_scope(user, SENSITIVE)
    if scope.everything:
        return True
    return Member.objects.restrict(user, SENSITIVE).filter(pk=member.pk).exists() and not scope.is_empty


def _paths_of(org: Organization) -> list[str]:
    return list(org.versions.values_list("path", flat=True).distinct())


def _cells_under_on(org: Organization | None, on: dt.date) -> QuerySet[OrgVersion]:
    qs = OrgVersion.objects.filter(valid_on_q(on))
    if org is not None:
        v = org.version_on(on)
        if v is None:
            return qs.none()
        qs = qs.filter(any_subtree_q([v.path]))
    return qs


def _if_sensitive_visible(user: Any, condition: Q) -> Q:
    """`condition` only for members whose sensitive fields the user may see: matching on an
    identity number, ethnicity or religion would otherwise reveal it (as `may_see_sensitive`)."""
    scope = resolve_scope(user, SENSITIVE)
    if scope.everything:
        return condition
    if scope.is_empty:
        return Q(pk__in=[])
    return condition & Q(pk__in=Member.objects.restrict(user, SENSITIVE).values("pk"))


def member_search(*, user: Any, q: str = "", org: Organization | None = None, on: dt.date | None = None,
                  filters: dict[str, str] | None = None) -> QuerySet[Member]:
    """Name (diacritics and case ignored, đ = d), card or identity number; filters on attributes;
    with `on`, members who were in party and affiliated under `org` on that date."""
    qs = members(user=user)
    if org is not None:
        # members affiliated under `org` on a date are in scope when `org`'s path on that date
        # is: the subtree filter below then implies the scope filter, which is dropped (it is a
        # correlated EXISTS per member: twice the work for a district user)
        version = org.version_on(on or dt.date.today())  # noqa: DTZ011
        if version is not None and resolve_scope(user, VIEW).covers_path(version.path):
            qs = Member.objects.all()
    q = (q or "").strip()
    if q:
        key = fold(q)
        qs = qs.filter(Q(search_key__contains=key) | Q(card_number=q)
                       | _if_sensitive_visible(user, Q(national_id=q)))
    for field, value in (filters or {}).items():
        if field in {"ethnicity", "religion"} and value:
            qs = qs.filter(_if_sensitive_visible(user, Q(**{field: value})))
        elif field in {"gender", "general_education", "professional_level",
                       "theory_level", "occupation", "status"} and value:
            qs = qs.filter(**{field: value})
    if on is not None or org is not None:
        day = on or dt.date.today()  # noqa: DTZ011
        cells = _cells_under_on(org, day).values("org_id")
        # an uncorrelated set of member ids, read from the subtree's affiliations (a correlated
        # EXISTS probed every member of the nation: 3.5 s for a district)
        affiliated = Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL, org_id__in=cells).filter(
            valid_on_q(day)).values("member_id")
        qs = qs.filter(pk__in=affiliated)
    return qs.order_by("search_key", "id")


def _age_band(birth: dt.date, on: dt.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for low, high, key in AGE_BANDS:
        if low <= age <= high:
            return key
    return AGE_BANDS[-1][2]


def member_counts(
    *, user: Any, org: Organization | None, on: dt.date, by: str = "status",
    statuses: Iterable[str] = IN_PARTY,
) -> dict[str, int]:
    """Members under `org` on `on` (probationary, official and exempt by default), by `by`."""
    if by not in COUNT_FIELDS:
        raise ValueError(by)
    cells = _cells_under_on(org, on).values("org_id")
    affiliations = (
        Affiliation.objects.restrict(user, VIEW)
        .filter(kind=AffiliationKind.OFFICIAL, org_id__in=cells)
        .filter(valid_on_q(on))
    )
    periods = StatusPeriod.objects.filter(valid_on_q(on), status__in=list(statuses),
                                          member_id__in=affiliations.values("member_id"))
    if by == "status":
        rows = periods.values("status").annotate(n=Count("id")).order_by()
        return {r["status"]: r["n"] for r in rows}
    member_qs = Member.objects.filter(pk__in=periods.values("member_id"))
    if by == "age_band":
        out: dict[str, int] = {key: 0 for _low, _high, key in AGE_BANDS}
        for (birth, n) in member_qs.values_list("birth_date").annotate(n=Count("id")).order_by():
            out[_age_band(birth, on)] += n
        return {k: v for k, v in out.items() if v}
    field = "occupation" if by == "sector" else by
    rows = member_qs.values(field).annotate(n=Count("id")).order_by()
    return {r[field]: r["n"] for r in rows}


def _events_under(org: Organization | None, types: Iterable[str], start: dt.date, end: dt.date,
                  user: Any) -> QuerySet[MemberEvent]:
    qs = MemberEvent.objects.filter(type__in=list(types), on__gte=start, on__lte=end)
    if org is not None:
        versions = OrgVersion.objects.filter(
            org_id=OuterRef("org_id"), valid_from__lte=OuterRef("on")
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=OuterRef("on"))).filter(any_subtree_q(_paths_of(org)))
        qs = qs.filter(Exists(versions))
    scope = resolve_scope(user, VIEW)
    if not scope.everything:
        in_scope = OrgVersion.objects.filter(org_id=OuterRef("org_id")).filter(any_subtree_q(list(scope.paths)))
        qs = qs.filter(Exists(in_scope))
    return qs


def admissions_count(*, user: Any, org: Organization | None, start: dt.date, end: dt.date,
                     by: str = "sector") -> dict[str, int]:
    """Admissions (and readmissions) in [start, end], by the sector the person had when admitted."""
    qs = _events_under(org, (EventType.ADMITTED, EventType.READMITTED), start, end, user)
    if by in ("sector", "occupation"):
        rows = qs.values("occupation").annotate(n=Count("id")).order_by()
        return {r["occupation"]: r["n"] for r in rows}
    if by == "status":
        rows = qs.values("type").annotate(n=Count("id")).order_by()
        return {r["type"]: r["n"] for r in rows}
    member_rows = Member.objects.filter(pk__in=qs.values("member_id")).values(by).annotate(n=Count("id")).order_by()
    return {r[by]: r["n"] for r in member_rows}


def departures_count(*, user: Any, org: Organization | None, start: dt.date, end: dt.date) -> dict[str, int]:
    """Members who left in [start, end], by how: expelled, removed_from_list, withdrawn, deceased."""
    qs = _events_under(org, LEAVE_TYPES, start, end, user)
    rows = qs.values("type").annotate(n=Count("id")).order_by()
    return {r["type"]: r["n"] for r in rows}


def status_on(member: Member, on: dt.date) -> str | None:
    period = member.status_periods.filter(valid_on_q(on)).first()
    return period.status if period else None


def affiliation_on(member: Member, on: dt.date) -> Affiliation | None:
    return member.affiliations.filter(kind=AffiliationKind.OFFICIAL).filter(valid_on_q(on)).select_related("org").first()


def timeline(member: Member) -> list[dict[str, Any]]:
    """Every event and affiliation of a member, in date order."""
    items: list[dict[str, Any]] = []
    for e in member.events.select_related("org").order_by("on", "id"):
        items.append({"on": e.on, "kind": "event", "event": e})
    for a in member.affiliations.select_related("org").order_by("valid_from"):
        items.append({"on": a.valid_from, "kind": "affiliation", "affiliation": a})
    for t in member.transfers.select_related("from_org", "to_org").order_by("requested_on"):
        items.append({"on": t.requested_on, "kind": "transfer", "transfer": t})
    return sorted(items, key=lambda i: (i["on"], i["kind"] != "event"))


def party_age_days(member: Member, on: dt.date) -> int:
    """Days of party membership up to `on`, from the first admission decision, minus the time
    outside the party and the gaps of transfers (days with no official affiliation)."""
    start = member.admission_decision_date or member.ceremony_date
    if start is None or on < start:
        return 0
    in_party = StatusPeriod.objects.filter(member=member, status__in=list(IN_PARTY), valid_from__lte=on)
    total = 0
    for p in in_party:
        end = min(p.valid_to or on, on)
        total += max(0, (end - p.valid_from).days)
    # decision-to-ceremony time counts; gaps without any official affiliation do not
    total += max(0, ((member.ceremony_date or start) - start).days)
    gaps = 0
    affs = list(member.affiliations.filter(kind=AffiliationKind.OFFICIAL, valid_from__lte=on).order_by("valid_from"))
    for prev, nxt in zip(affs, affs[1:], strict=False):
        if prev.valid_to and nxt.valid_from > prev.valid_to:
            gap_status = StatusPeriod.objects.filter(member=member, status__in=list(IN_PARTY),
                                                     valid_from__lte=prev.valid_to).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gt=prev.valid_to)).exists()
            if gap_status:
                gaps += (nxt.valid_from - prev.valid_to).days
    return max(0, total - gaps)


def overdue_transfers(*, user: Any, on: dt.date, issued_by: Organization | None = None) -> QuerySet[Transfer]:
    """Official transfers whose letter was not presented in time, for the committee that issued them."""
    qs = Transfer.objects.restrict(user, VIEW).filter(state=TransferState.LETTER_ISSUED, present_deadline__lt=on)
    if issued_by is not None:
        qs = qs.filter(issued_by=issued_by)
    return qs.select_related("member", "from_org", "to_org", "issued_by").order_by("present_deadline")


def members_in_transfer(*, user: Any) -> QuerySet[Transfer]:
    return Transfer.objects.restrict(user, VIEW).filter(state=TransferState.LETTER_ISSUED).select_related("member")



def member_counts_by_node(*, user: Any, org: Organization, on: dt.date,
                          statuses: Iterable[str] = IN_PARTY) -> dict[int, int]:
    """Members (in the party by default) under each node of `org`'s subtree on `on`: organization
    id -> count, the node's own cells and all below. One grouped query per cell, summed up the
    paths in Python (a tree page with counts costs one query, not one per node)."""
    v = org.version_on(on)
    if v is None:
        return {}
    nodes = dict(OrgVersion.objects.filter(valid_on_q(on)).filter(any_subtree_q([v.path]))
                 .values_list("path", "org_id"))
    in_status = (Q(member__status_periods__status__in=list(statuses))
                 & Q(member__status_periods__valid_from__lte=on)
                 & (Q(member__status_periods__valid_to__isnull=True) | Q(member__status_periods__valid_to__gt=on)))
    per_cell = (Affiliation.objects.restrict(user, VIEW)
                .filter(valid_on_q(on), kind=AffiliationKind.OFFICIAL, org_id__in=list(nodes.values()))
                .filter(in_status)  # one join: a member has one status period on a date
                .values("org_id").annotate(n=Count("id")).order_by())
    by_cell = {row["org_id"]: row["n"] for row in per_cell}
    out = dict.fromkeys(nodes.values(), 0)
    width = SEGMENT_WIDTH
    for path, org_id in nodes.items():
        n = by_cell.get(org_id, 0)
        if n:
            for end in range(len(v.path), len(path) + 1, width):
                out[nodes[path[:end]]] += n
    return out
