"""Reading members: scoped, as-of aware. Counts join the status period valid on the date, the
official affiliation valid on the date and the cell's place in the tree on that date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from chibo.core.paths import SEGMENT_WIDTH, any_subtree_q
from chibo.core.scoping import resolve_scope
from chibo.core.text import fold
from chibo.core.validtime import valid_on_q
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization, OrgVersion

from .choices import IN_PARTY, AffiliationKind, EventType
from .models import Affiliation, Member, MemberEvent, StatusPeriod, Transfer, TransferState
from .search_index import name_contains_q
from .sensitive import SENSITIVE, SENSITIVE_FIELDS, VIEW

COUNT_FIELDS = ("status", "gender", "age_band", "ethnicity", "religion", "general_education",
                "professional_level", "theory_level", "occupation", "sector")
AGE_BANDS = [(0, 30, "up_to_30"), (31, 40, "31_40"), (41, 50, "41_50"), (51, 60, "51_60"),
             (61, 70, "61_70"), (71, 200, "over_70")]
LEAVE_TYPES = (EventType.EXPELLED, EventType.REMOVED, EventType.WITHDRAWN, EventType.DECEASED)


def members(*, user: Any, action: str = VIEW) -> QuerySet[Member]:
    return Member.objects.restrict(user, action)


def member_get(*, user: Any, pk: int) -> Member:
    return members(user=user).get(pk=pk)


def member_in_scope(*, user: Any, action: str, member: Member) -> bool:
    """Whether the user's scope for `action` holds the member (no query when it is all or nothing)."""
    scope = resolve_scope(user, action)
    if scope.everything or scope.is_empty:
        return scope.everything
    # actions with the same scope hold the same members: asked once per request (the answer is
    # memoised on the user object, which lives as long as the request)
    memo: dict[tuple[tuple[str, ...], int], bool] = user.__dict__.setdefault("_chibo_scope_members", {})
    key = (scope.paths, member.pk)
    if key not in memo:
        memo[key] = members(user=user, action=action).filter(pk=member.pk).exists()
    return memo[key]


def note_in_scope(*, user: Any, member: Member, action: str = VIEW) -> None:
    """Record that `member` was read through the user's scope for `action` (so `member_in_scope`
    asks no query for an action with the same scope)."""
    scope = resolve_scope(user, action)
    if not (scope.everything or scope.is_empty):
        user.__dict__.setdefault("_chibo_scope_members", {})[(scope.paths, member.pk)] = True


def may_see_sensitive(*, user: Any, member: Member) -> bool:
    return member_in_scope(user=user, action=SENSITIVE, member=member)


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


def _affiliated(user: Any, org: Organization | None, on: dt.date | None) -> tuple[QuerySet[Affiliation] | None, bool]:
    """The official affiliations under `org` on `on` (today by default; None without either), and
    whether the user's scope holds every member they affiliate: it does when it covers `org`'s
    path on that date (the subtree filter then implies the scope filter) or everything."""
    scope = resolve_scope(user, VIEW)
    if on is None and org is None:
        return None, scope.everything
    day = on or dt.date.today()  # noqa: DTZ011
    covered = scope.everything
    if org is not None and not covered:
        version = org.version_on(day)
        covered = version is not None and scope.covers_path(version.path)
    cells = _cells_under_on(org, day)
    if not covered:
        # "members there on that date": the cell on the date must be in the scope too, or a
        # member now in scope would be listed with the cell they had elsewhere on the date
        cells = cells.filter(any_subtree_q(list(scope.paths))) if scope.paths else cells.none()
        covered = True
    affiliated = Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL, org_id__in=cells.values("org_id"))
    return affiliated.filter(valid_on_q(day)), covered


@dataclass(frozen=True)
class Period:
    """A closed period of dates [start, end]."""

    start: dt.date
    end: dt.date


def _event_members(user: Any, org: Organization | None, types: Iterable[str], period: Period,
                   sector: str = "") -> QuerySet[MemberEvent, Any]:
    events = _events_under(org, types, period.start, period.end, user)
    if sector:
        events = events.filter(occupation=sector)
    return events.values("member_id")


def member_search(*, user: Any, q: str = "", org: Organization | None = None, on: dt.date | None = None,
                  filters: dict[str, str] | None = None, admitted: Period | None = None,
                  admitted_sector: str = "", left: Period | None = None) -> QuerySet[Member]:
    """Name (diacritics and case ignored, đ = d), card or identity number; filters on attributes;
    with `on`, members who were affiliated under `org`, in a cell of the user's scope, on that
    date; with `admitted`, members admitted (or readmitted) under `org` in that period (in the
    sector `admitted_sector` when admitted, if given); with `left`, members who left the party
    under `org` in that period (the same events `admissions_count` and `departures_count` count)."""
    if on is None and (admitted is not None or left is not None):
        # the period's events are under `org` and in the scope: no cell on a date is asked for
        # (a member admitted then who since moved away, or who left, is still one of them)
        affiliated, covered = None, resolve_scope(user, VIEW).everything
    else:
        affiliated, covered = _affiliated(user, org, on)
    # a scope that holds every affiliated member needs no filter of its own (it would be a second
    # set to intersect: twice the work for a district user)
    qs = Member.objects.all() if covered else members(user=user)
    q = (q or "").replace("\x00", "").strip()  # a NUL is no text a name or number holds (PostgreSQL refuses it)
    if q:
        key = fold(q)
        qs = qs.filter(name_contains_q(key, connections[qs.db]) | Q(card_number=q)
                       | _if_sensitive_visible(user, Q(national_id=q)))
    for field, value in (filters or {}).items():
        if field in SENSITIVE_FIELDS and value:
            qs = qs.filter(_if_sensitive_visible(user, Q(**{field: value})))
        elif field in {"gender", "general_education", "professional_level",
                       "theory_level", "occupation", "status"} and value:
            qs = qs.filter(**{field: value})
    if affiliated is not None:
        # an uncorrelated set of member ids, read from the subtree's affiliations (a correlated
        # EXISTS probed every member of the nation: 3.5 s for a district)
        qs = qs.filter(pk__in=affiliated.values("member_id"))
    if admitted is not None:
        qs = qs.filter(pk__in=_event_members(user, org, (EventType.ADMITTED, EventType.READMITTED), admitted,
                                             admitted_sector))
    if left is not None:
        qs = qs.filter(pk__in=_event_members(user, org, LEAVE_TYPES, left))
    return qs.order_by("search_key", "id")


def member_search_count(*, user: Any, q: str = "", org: Organization | None = None, on: dt.date | None = None,
                        filters: dict[str, str] | None = None, admitted: Period | None = None,
                        admitted_sector: str = "", left: Period | None = None) -> int:
    """How many members `member_search` finds with the same arguments. With neither a text nor an
    attribute to match, the members under an organization (or in a cell on a date) whom the
    user's scope holds are counted from the affiliations alone, an index-only read; PostgreSQL
    otherwise hashed every member of the database to count a district's."""
    affiliated, covered = _affiliated(user, org, on)
    if (affiliated is not None and covered and not (q or "").strip() and not any((filters or {}).values())
            and admitted is None and left is None):
        return affiliated.values("member_id").distinct().count()
    return member_search(user=user, q=q, org=org, on=on, filters=filters, admitted=admitted,
                         admitted_sector=admitted_sector, left=left).count()


BREAKDOWN_FIELDS = ("status", "gender", "age_band", "ethnicity", "religion", "general_education",
                    "professional_level", "theory_level", "occupation")


def member_breakdown(*, by: str, on: dt.date | None = None, **search: Any) -> dict[str, int]:
    """The members `member_search(on=on, **search)` finds, counted by `by` (their current value;
    the age on `on` or today), in one grouped query. Ethnicity and religion count only members
    whose sensitive fields the user may see (`_if_sensitive_visible`)."""
    if by not in BREAKDOWN_FIELDS:
        raise ValueError(by)
    user = search["user"]
    qs = member_search(on=on, **search).order_by()
    if by in SENSITIVE_FIELDS:
        qs = qs.filter(_if_sensitive_visible(user, Q()))
    if by == "age_band":
        day = on or dt.date.today()  # noqa: DTZ011
        out: dict[str, int] = {}
        for birth, n in qs.values_list("birth_date").annotate(n=Count("id")).order_by():
            key = _age_band(birth, day)
            out[key] = out.get(key, 0) + n
        return out
    return {row[by]: row["n"] for row in qs.values(by).annotate(n=Count("id")).order_by()}


def _age_band(birth: dt.date, on: dt.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for low, high, key in AGE_BANDS:
        if low <= age <= high:
            return key
    return AGE_BANDS[-1][2]


def _in_cells_on(*, user: Any, on: dt.date, under: list[str] | None, statuses: Iterable[str],
                 by: str) -> list[tuple[str, int]]:
    """Members in a cell under the paths `under` (None: anywhere) on `on` with a status among
    `statuses`, grouped `by` the cell's path or the member's status: one join of the cells'
    versions, the official affiliations and the status periods valid on the date, as a DBA would
    write it. Its three parts are built by the ORM, the affiliations through `restrict` (the one
    scoping mechanism); only the join is written here, because the ORM would route it through
    the member and organization tables or nest it as `IN` subqueries, which PostgreSQL answered by
    reading every status period of the nation (a province: 500 ms against 190 ms)."""
    nodes = OrgVersion.objects.filter(valid_on_q(on))
    if under is not None:
        nodes = nodes.filter(any_subtree_q(under))
    scope = resolve_scope(user, VIEW)
    # cells under paths the scope covers are in it: the subtree filter then implies the scope's
    # (as in member_search), and a district user's counts cost what the administrator's do
    covered = under is not None and all(scope.covers_path(path) for path in under)
    affiliations = Affiliation.objects.all() if covered else Affiliation.objects.restrict(user, VIEW)
    affiliations = affiliations.filter(valid_on_q(on), kind=AffiliationKind.OFFICIAL)
    periods = StatusPeriod.objects.filter(valid_on_q(on), status__in=list(statuses))
    try:
        parts = [qs.order_by().values(*fields).query.sql_with_params() for qs, fields in (
            (nodes, ("org_id", "path")), (affiliations, ("member_id", "org_id")), (periods, ("member_id", "status")))]
    except EmptyResultSet:  # a part that selects nothing (an empty scope): nothing to count
        return []
    column = {"path": "v.path", "status": "p.status"}[by]
    sql = ("SELECT {0}, COUNT(*) FROM ({1}) v JOIN ({2}) a ON a.org_id = v.org_id "  # noqa: S608 (ORM-built parts)
           "JOIN ({3}) p ON p.member_id = a.member_id GROUP BY {0}").format(column, *(part for part, _p in parts))
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _part, params in parts for param in params])
        return [(key, int(n)) for key, n in cursor.fetchall()]


def member_counts(
    *, user: Any, org: Organization | None, on: dt.date, by: str = "status",
    statuses: Iterable[str] = IN_PARTY,
) -> dict[str, int]:
    """Members under `org` on `on` (probationary, official and exempt by default), by `by`."""
    if by not in COUNT_FIELDS:
        raise ValueError(by)
    if by == "status":
        under = None
        if org is not None:
            version = org.version_on(on)
            if version is None:
                return {}
            under = [version.path]
        return dict(_in_cells_on(user=user, on=on, under=under, statuses=statuses, by="status"))
    cells = _cells_under_on(org, on).values("org_id")
    affiliations = (
        Affiliation.objects.restrict(user, VIEW)
        .filter(kind=AffiliationKind.OFFICIAL, org_id__in=cells)
        .filter(valid_on_q(on))
    )
    periods = StatusPeriod.objects.filter(valid_on_q(on), status__in=list(statuses),
                                          member_id__in=affiliations.values("member_id"))
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


def _valid_on(valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date) -> bool:
    """The Python twin of `valid_on_q`: valid_from <= on < valid_to, open ends allowed."""
    return (valid_from is None or valid_from <= on) and (valid_to is None or valid_to > on)


def _timeline_items(
    events: Iterable[MemberEvent],
    affiliations: Iterable[Affiliation],
    transfers: Iterable[Transfer],
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"on": e.on, "kind": "event", "event": e} for e in events]
    items += [{"on": a.valid_from, "kind": "affiliation", "affiliation": a} for a in affiliations]
    items += [{"on": t.requested_on, "kind": "transfer", "transfer": t} for t in transfers]
    return sorted(items, key=lambda i: (i["on"], i["kind"] != "event"))


def _party_age(
    member: Member, on: dt.date, periods: list[StatusPeriod], affiliations: list[Affiliation]
) -> int:
    start = member.admission_decision_date or member.ceremony_date
    if start is None or on < start:
        return 0
    in_party = [p for p in periods if p.status in IN_PARTY]
    total = 0
    for p in in_party:
        if p.valid_from <= on:
            total += max(0, (min(p.valid_to or on, on) - p.valid_from).days)
    # decision-to-ceremony time counts; gaps without any official affiliation do not
    total += max(0, ((member.ceremony_date or start) - start).days)
    gaps = 0
    affs = sorted(
        (a for a in affiliations if a.kind == AffiliationKind.OFFICIAL and a.valid_from <= on),
        key=lambda a: a.valid_from,
    )
    for prev, nxt in zip(affs, affs[1:], strict=False):
        if prev.valid_to and nxt.valid_from > prev.valid_to:
            end = prev.valid_to
            if any(
                p.valid_from <= end and (p.valid_to is None or p.valid_to > end) for p in in_party
            ):
                gaps += (nxt.valid_from - prev.valid_to).days
    return max(0, total - gaps)


def party_age_days(member: Member, on: dt.date) -> int:
    """Days of party membership up to `on`, from the first admission decision, minus the time
    outside the party and the gaps of transfers (days with no official affiliation)."""
    return MemberRecord(member, on).party_age_days()


class MemberRecord:
    """Everything the member page (and the API's member detail) shows of one member, read in five
    queries: affiliations, events, transfers, status periods and the names and paths of every
    organization they mention; the cell on the date, the timeline, the party age and the path a
    read of the record is logged under are computed from the loaded rows."""

    def __init__(self, member: Member, on: dt.date) -> None:
        self.member, self.on = member, on
        self.affiliations = list(
            member.affiliations.select_related("org").order_by("valid_from", "id")
        )
        self.events = list(member.events.select_related("org").order_by("on", "id"))
        self.transfers = list(
            member.transfers.select_related("from_org", "to_org", "issued_by").order_by(
                "requested_on", "id"
            )
        )
        self.periods = list(member.status_periods.all())
        org_ids = {a.org_id for a in self.affiliations} | {
            e.org_id for e in self.events if e.org_id
        }
        for t in self.transfers:
            org_ids |= {i for i in (t.from_org_id, t.to_org_id, t.issued_by_id) if i}
        self._versions: dict[int, list[Any]] = {}
        rows = OrgVersion.objects.filter(org_id__in=org_ids).order_by("org_id", "valid_from")
        for v in rows.values("org_id", "name", "path", "valid_from", "valid_to"):
            self._versions.setdefault(v["org_id"], []).append(v)
        for org in self.orgs():
            org.display_name = self.name(org)  # type: ignore[attr-defined]

    def orgs(self) -> list[Organization]:
        found = [a.org for a in self.affiliations] + [
            e.org for e in self.events if e.org is not None
        ]
        for t in self.transfers:
            found += [o for o in (t.from_org, t.to_org, t.issued_by) if o is not None]
        return found

    def name(self, org: Organization) -> str:
        """The organization's name on the record's date, else its last name before, else its first."""
        chosen = ""
        for v in self._versions.get(org.pk, []):
            if not chosen or v["valid_from"] <= self.on:
                chosen = v["name"]
        return chosen or org.code

    def latest_name(self, org: Organization) -> str:
        """The organization's latest name (of its version that starts last), "" without one."""
        versions = self._versions.get(org.pk, [])
        return max(versions, key=lambda v: v["valid_from"])["name"] if versions else ""

    @property
    def current(self) -> Affiliation | None:
        return next(
            (
                a
                for a in self.affiliations
                if a.kind == AffiliationKind.OFFICIAL
                and _valid_on(a.valid_from, a.valid_to, self.on)
            ),
            None,
        )

    @property
    def in_transfer(self) -> Transfer | None:
        issued = [t for t in self.transfers if t.state == TransferState.LETTER_ISSUED]
        return max(issued, key=lambda t: (t.letter_issued_on or dt.date.min, t.pk), default=None)

    def timeline(self) -> list[dict[str, Any]]:
        return _timeline_items(self.events, self.affiliations, self.transfers)

    def party_age_days(self) -> int:
        return _party_age(self.member, self.on, self.periods, self.affiliations)

    def org_path(self) -> str:
        """The path of the cell on the date, or of the last cell the member had (the organization
        a read of the record is logged under)."""
        affiliation = self.current or max(
            self.affiliations, key=lambda a: (a.valid_from, a.pk), default=None
        )
        if affiliation is None:
            return ""
        versions = self._versions.get(affiliation.org_id, [])
        on = next((v for v in versions if _valid_on(v["valid_from"], v["valid_to"], self.on)), None)
        chosen = on or (versions[-1] if versions else None)
        return chosen["path"] if chosen else ""


def overdue_transfers(*, user: Any, on: dt.date, issued_by: Organization | None = None) -> QuerySet[Transfer]:
    """Official transfers whose letter was not presented in time, for the committee that issued them."""
    qs = Transfer.objects.restrict(user, VIEW).filter(state=TransferState.LETTER_ISSUED, present_deadline__lt=on)
    if issued_by is not None:
        qs = qs.filter(issued_by=issued_by)
    return qs.select_related("member", "from_org", "to_org", "issued_by").order_by("present_deadline")


def members_in_transfer(*, user: Any) -> QuerySet[Transfer]:
    return Transfer.objects.restrict(user, VIEW).filter(state=TransferState.LETTER_ISSUED).select_related("member")



class TooManyNodes(Exception):  # noqa: N818
    def __init__(self, nodes: int) -> None:
        super().__init__(nodes)
        self.nodes = nodes


def tree_with_counts(*, user: Any, org: Organization, on: dt.date, depth: int | None = None,
                     statuses: Iterable[str] = IN_PARTY, max_nodes: int | None = None) -> list[dict[str, Any]]:
    """`org`'s subtree on `on` (down `depth` levels) as nested dicts, each node with `members`: the
    members (in the party by default) in its cells and all below that the user may see. Three
    queries whatever the size: the root's path, the nodes, and the members per cell path in one
    grouped join, summed up the materialized paths in Python. Above `max_nodes` nodes, raises
    `TooManyNodes` before counting."""
    rows = org_selectors.tree_rows_as_of(user=user, on=on, root=org, depth=depth)
    if not rows:
        return []
    if max_nodes is not None and len(rows) > max_nodes:
        raise TooManyNodes(len(rows))
    ids = {row[0] for row in rows}
    tops = [row[5] for row in rows if row[1] not in ids]  # the root, or what the user sees of it
    per_cell = _in_cells_on(user=user, on=on, under=tops, statuses=statuses, by="path")
    shown = {row[5] for row in rows}
    totals = dict.fromkeys(shown, 0)
    for path, n in per_cell:
        for end in range(SEGMENT_WIDTH, len(path) + 1, SEGMENT_WIDTH):
            if path[:end] in shown:
                totals[path[:end]] += n
    return org_selectors.nest(rows, lambda row: {"members": totals[row[5]]})
