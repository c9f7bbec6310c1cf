"""Reports across a restructuring: "where did they go", reconciled to the member.

For a province and two dates (by default the day before the 2025 reform and its first day),
every member who was active in a cell of the province on the first date is followed to the cell
they are active in on the second date. The province on the second date is the provincial
committee itself or, when it was merged in between, the committee it was merged into; the rows
then cover every legacy province merged into it (the same answer for Hà Giang 02 and Tuyên Quang
08). Totals balance:

    members before = stayed in the province + moved out of it + left in between (no cell)
    members after  = stayed in the province + joined in between

and each old cell's row balances the same way. Counts of organizations and members by date are
the existing selectors (`chibo.orgs.selectors.org_counts`, `chibo.members.selectors.member_counts`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q, segments
from chibo.core.validtime import valid_on_q
from chibo.geo.models import REFORM_DATE
from chibo.members.choices import IN_PARTY, AffiliationKind
from chibo.members.models import Affiliation, Member, StatusPeriod, Transfer, TransferState
from chibo.members.selectors import member_counts
from chibo.orgs import kinds as K
from chibo.orgs.models import LinkRole, Organization, OrgEventLink, OrgKind, OrgVersion
from chibo.orgs.selectors import org_counts

from .models import AppliedPlan

REPORT = "report.view"
DEFAULT_FROM = REFORM_DATE - dt.timedelta(days=1)
DEFAULT_TO = REFORM_DATE


@dataclass
class Unit:
    code: str
    name: str
    kind: str


@dataclass
class Destination:
    cell: Unit
    grassroots: Unit | None  # the grassroots organization the cell is in (or is) on the second date
    upper: Unit | None  # the committee above that grassroots organization
    count: int


@dataclass
class WhereMember:
    id: int
    name: str | None  # None when the user may not see the member's record
    to: str | None  # cell code on the second date
    outcome: str  # stayed, moved_out, left_party, in_transfer, no_cell


@dataclass
class WhereRow:
    cell: Unit
    grassroots: Unit | None  # on the first date
    before: int = 0
    destinations: list[Destination] = field(default_factory=list)
    moved_out: int = 0
    left_party: int = 0
    in_transfer: int = 0
    no_cell: int = 0
    members: list[WhereMember] = field(default_factory=list)

    @property
    def stayed(self) -> int:
        return sum(d.count for d in self.destinations)

    @property
    def left(self) -> int:
        return self.left_party + self.in_transfer + self.no_cell

    @property
    def balance(self) -> int:
        return self.before - self.stayed - self.moved_out - self.left


@dataclass
class WhereGroup:
    """The rows of one old grassroots organization, summed."""

    grassroots: Unit | None
    rows: list[WhereRow]

    @property
    def before(self) -> int:
        return sum(r.before for r in self.rows)

    @property
    def moved_out(self) -> int:
        return sum(r.moved_out for r in self.rows)

    @property
    def left(self) -> int:
        return sum(r.left for r in self.rows)

    @property
    def balance(self) -> int:
        return sum(r.balance for r in self.rows)

    def destinations(self) -> list[tuple[Unit | None, Unit | None, int]]:
        """(new grassroots organization, the committee above it, members) for the group."""
        totals: Counter[tuple[str, str]] = Counter()
        units: dict[tuple[str, str], tuple[Unit | None, Unit | None]] = {}
        for r in self.rows:
            for d in r.destinations:
                key = (d.grassroots.code if d.grassroots else "", d.upper.code if d.upper else "")
                totals[key] += d.count
                units[key] = (d.grassroots, d.upper)
        return [(*units[k], n) for k, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


@dataclass
class WhereReport:
    province: str
    provinces_before: list[Unit]
    province_after: Unit | None
    start: dt.date
    end: dt.date
    rows: list[WhereRow]
    before: int = 0
    after: int = 0
    stayed: int = 0
    moved_out: int = 0
    left_party: int = 0
    in_transfer: int = 0
    no_cell: int = 0
    joined: int = 0
    in_two_cells_before: int = 0
    in_two_cells_after: int = 0
    org_counts_before: dict[str, int] = field(default_factory=dict)
    org_counts_after: dict[str, int] = field(default_factory=dict)
    plans: list[str] = field(default_factory=list)

    @property
    def left(self) -> int:
        return self.left_party + self.in_transfer + self.no_cell

    @property
    def balance(self) -> int:
        """members before − (stayed + moved out + left): zero when nobody is lost or counted twice."""
        return self.before - self.stayed - self.moved_out - self.left

    @property
    def balance_after(self) -> int:
        return self.after - self.stayed - self.joined

    def count_rows(self) -> list[tuple[str, str, int, int]]:
        """(kind, label, organizations on the first date, on the second) for every kind present."""
        labels = {k.key: k.label for k in OrgKind.objects.all()}
        labels[K.GRASSROOTS_ORGANIZATION] = str(_("Grassroots party organizations (both kinds)"))
        keys = [k for k in labels if self.org_counts_before.get(k) or self.org_counts_after.get(k)]
        return [(k, labels[k], self.org_counts_before.get(k, 0), self.org_counts_after.get(k, 0)) for k in keys]

    def groups(self) -> list[WhereGroup]:
        by: dict[str, list[WhereRow]] = defaultdict(list)
        units: dict[str, Unit | None] = {}
        for r in self.rows:
            key = r.grassroots.code if r.grassroots else ""
            by[key].append(r)
            units[key] = r.grassroots
        return [WhereGroup(units[k], by[k]) for k in sorted(by)]

    def as_dict(self, members: bool = False) -> dict[str, Any]:
        def unit(u: Unit | None) -> dict[str, str] | None:
            return None if u is None else {"code": u.code, "name": u.name, "kind": u.kind}

        return {
            "province": self.province,
            "provinces_before": [unit(u) for u in self.provinces_before],
            "province_after": unit(self.province_after),
            "from": self.start.isoformat(), "to": self.end.isoformat(),
            "totals": {
                "before": self.before, "after": self.after, "stayed": self.stayed, "moved_out": self.moved_out,
                "left": self.left, "left_party": self.left_party, "in_transfer": self.in_transfer,
                "no_cell": self.no_cell, "joined": self.joined, "balance": self.balance,
                "balance_after": self.balance_after, "in_two_cells_before": self.in_two_cells_before,
                "in_two_cells_after": self.in_two_cells_after,
            },
            "org_counts_before": self.org_counts_before,
            "org_counts_after": self.org_counts_after,
            "plans": self.plans,
            "rows": [
                {
                    "cell": unit(r.cell), "grassroots": unit(r.grassroots), "before": r.before,
                    "destinations": [{"cell": unit(d.cell), "grassroots": unit(d.grassroots),
                                      "upper": unit(d.upper), "count": d.count} for d in r.destinations],
                    "moved_out": r.moved_out, "left_party": r.left_party, "in_transfer": r.in_transfer,
                    "no_cell": r.no_cell, "balance": r.balance,
                    **({"members": [m.__dict__ for m in r.members]} if members else {}),
                }
                for r in self.rows
            ],
        }


def provinces(*, user: Any, on: dt.date, action: str = REPORT) -> QuerySet[OrgVersion]:
    """Provincial committees on `on` on which the user holds `action` (by default: reports)."""
    return (
        OrgVersion.objects.restrict(user, action).filter(valid_on_q(on), kind__key=K.PROVINCIAL)
        .select_related("org").order_by("org__code")
    )


def _successor_on(org: Organization, start: dt.date, end: dt.date) -> Organization | None:
    """What `org` became between the dates (following merges and dissolutions into a destination)."""
    seen = {org.pk}
    current = org
    while current.version_on(end) is None:
        link = (
            OrgEventLink.objects.filter(role=LinkRole.SUCCESSOR, event__on__gt=start, event__on__lte=end,
                                        event__links__org=current, event__links__role=LinkRole.PREDECESSOR)
            .select_related("org").order_by("event__on", "event_id").first()
        )
        if link is None or link.org_id in seen:
            return None
        seen.add(link.org_id)
        current = link.org
    return current


def _predecessors(org: Organization, start: dt.date, end: dt.date) -> list[Organization]:
    ids = OrgEventLink.objects.filter(
        role=LinkRole.PREDECESSOR, event__on__gt=start, event__on__lte=end,
        event__links__org=org, event__links__role=LinkRole.SUCCESSOR,
    ).values_list("org_id", flat=True)
    return list(Organization.objects.filter(pk__in=ids).order_by("code"))


def where_did_they_go(
    *, user: Any, province: str, start: dt.date = DEFAULT_FROM, end: dt.date = DEFAULT_TO,
    members: bool = False,
) -> WhereReport:
    """Raises `Organization.DoesNotExist` for a province the user may not report on (or none)."""
    if end <= start:
        raise ValueError("the second date must be after the first")
    org = Organization.objects.restrict(user, REPORT).get(code=province)
    after_root = _successor_on(org, start, end) if org.version_on(start) is not None else None
    roots = [org]
    if after_root is not None:
        roots = [r for r in [after_root, *_predecessors(after_root, start, end)] if r.version_on(start) is not None]
        roots = [r for r in roots if r.version_on(start).kind.key == K.PROVINCIAL] or [org]  # type: ignore[union-attr]
    kinds = {k.pk: k for k in OrgKind.objects.all()}

    def unit(v: Any) -> Unit:
        return Unit(v.org.code, v.name, kinds[v.kind_id].key)

    before_paths = [v.path for r in roots if (v := r.version_on(start)) is not None]
    av = after_root.version_on(end) if after_root is not None else None
    after_paths = [av.path] if av else []
    report = WhereReport(
        province=province, provinces_before=[unit(v) for r in roots if (v := r.version_on(start))],
        province_after=unit(av) if av else None, start=start, end=end, rows=[],
    )
    report.plans = list(AppliedPlan.objects.order_by("applied_at").values_list("key", flat=True))
    # on the first date
    cells_before = OrgVersion.objects.filter(valid_on_q(start)).filter(any_subtree_q(before_paths))
    aff_before = list(
        Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL).filter(valid_on_q(start))
        .filter(org_id__in=cells_before.values("org_id")).values_list("member_id", "org_id")
    )
    member_cell: dict[int, int] = {}
    counted = Counter(m for m, _o in aff_before)
    report.in_two_cells_before = sum(1 for n in counted.values() if n > 1)
    for m, o in sorted(aff_before):
        member_cell.setdefault(m, o)
    report.before = len(member_cell)
    # on the second date: every official affiliation of those members, anywhere
    member_ids = Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL).filter(valid_on_q(start)).filter(
        org_id__in=cells_before.values("org_id")).values("member_id")
    aff_after = list(
        Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL).filter(valid_on_q(end))
        .filter(member_id__in=member_ids).values_list("member_id", "org_id")
    )
    member_after: dict[int, int] = {}
    counted_after = Counter(m for m, _o in aff_after)
    for m, o in sorted(aff_after):
        member_after.setdefault(m, o)
    # everyone in the province on the second date (for `joined`)
    cells_after = OrgVersion.objects.filter(valid_on_q(end)).filter(any_subtree_q(after_paths))
    in_after = set(
        Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL).filter(valid_on_q(end))
        .filter(org_id__in=cells_after.values("org_id")).values_list("member_id", flat=True)
    )
    counted_in_after = Counter(
        Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL).filter(valid_on_q(end))
        .filter(org_id__in=cells_after.values("org_id")).values_list("member_id", flat=True)
    )
    report.in_two_cells_after = len(
        {m for m, n in counted_after.items() if n > 1} | {m for m, n in counted_in_after.items() if n > 1}
    )
    report.after = len(in_after)
    report.joined = len(in_after - set(member_cell))
    # the members with no cell on the second date: why
    gone = [m for m in member_cell if m not in member_after]
    out_of_party: set[int] = set()
    transferring: set[int] = set()
    for i in range(0, len(gone), 500):
        chunk = gone[i:i + 500]
        out_of_party |= set(
            StatusPeriod.objects.filter(member_id__in=chunk).filter(valid_on_q(end))
            .exclude(status__in=list(IN_PARTY)).values_list("member_id", flat=True)
        )
        transferring |= set(
            Transfer.objects.filter(member_id__in=chunk, letter_issued_on__lte=end)
            .filter(Q(state__in=[TransferState.LETTER_ISSUED, TransferState.LEFT_PROVINCE])
                    | Q(received_on__gt=end)).values_list("member_id", flat=True)
        )
    # the units involved, as they were on each date
    versions_before = _versions_with_ancestors(set(member_cell.values()), start, before_paths)
    versions_after = _versions_with_ancestors(set(member_after.values()), end, after_paths)
    after_prefixes = tuple(after_paths)

    def grassroots_of(v: Any, versions: dict[int, Any]) -> tuple[Unit | None, Unit | None]:
        chain = [versions[i] for i in reversed(segments(v.path)) if i in versions]
        for j, a in enumerate(chain):
            if kinds[a.kind_id].is_grassroots:
                return unit(a), unit(chain[j + 1]) if j + 1 < len(chain) else None
        return None, None

    names: dict[int, str] = {}
    if members:
        visible = Member.objects.restrict(user, "member.view")
        ids = sorted(member_cell)
        for i in range(0, len(ids), 500):
            names.update(visible.filter(pk__in=ids[i:i + 500]).values_list("pk", "full_name"))
    rows: dict[int, WhereRow] = {}
    dests: dict[int, dict[int, Destination]] = defaultdict(dict)
    for m, cell_id in sorted(member_cell.items()):
        v = versions_before[cell_id]
        row = rows.get(cell_id)
        if row is None:
            row = rows[cell_id] = WhereRow(cell=unit(v), grassroots=grassroots_of(v, versions_before)[0])
        row.before += 1
        to = member_after.get(m)
        if to is None:
            outcome = "left_party" if m in out_of_party else "in_transfer" if m in transferring else "no_cell"
            setattr(row, outcome, getattr(row, outcome) + 1)
            setattr(report, outcome, getattr(report, outcome) + 1)
        else:
            va = versions_after[to]
            if after_prefixes and va.path.startswith(after_prefixes):
                outcome = "stayed"
                d = dests[cell_id].get(to)
                if d is None:
                    g, up = grassroots_of(va, versions_after)
                    d = dests[cell_id][to] = Destination(cell=unit(va), grassroots=g, upper=up, count=0)
                d.count += 1
                report.stayed += 1
            else:
                outcome = "moved_out"
                row.moved_out += 1
                report.moved_out += 1
        if members:
            row.members.append(WhereMember(
                id=m, name=names.get(m), outcome=outcome,
                to=versions_after[to].org.code if to is not None else None,
            ))
    for cell_id, row in rows.items():
        row.destinations = sorted(dests[cell_id].values(), key=lambda d: (-d.count, d.cell.code))
    report.rows = sorted(rows.values(), key=lambda r: (r.grassroots.code if r.grassroots else "", r.cell.code))
    report.org_counts_before = _sum_counts([org_counts(user=user, org=r, on=start) for r in roots])
    report.org_counts_after = org_counts(user=user, org=after_root, on=end) if after_root else {}
    return report


def _sum_counts(counts: list[dict[str, int]]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for c in counts:
        out.update(c)
    return dict(out)


class _Code(NamedTuple):
    code: str


class _Version(NamedTuple):
    """What the report reads of an organization's version (a tuple: thousands are read at once)."""

    org_id: int
    org: _Code
    path: str
    name: str
    kind_id: int


_VERSION_FIELDS = ("org_id", "org__code", "path", "name", "kind_id")


def _read_versions(qs: Any, out: dict[int, Any]) -> None:
    for org_id, code, path, name, kind_id in qs.values_list(*_VERSION_FIELDS):
        out[org_id] = _Version(org_id, _Code(code), path, name, kind_id)


def _versions_with_ancestors(org_ids: set[int], on: dt.date, under: list[str] | None = None
                             ) -> dict[int, Any]:
    """The versions on `on` of `org_ids` and of all their ancestors. The subtrees `under` (where
    nearly all of them are) are read whole, by one range on the path; only what lies outside is
    fetched by id (long `IN` lists cost more to build than to run)."""
    out: dict[int, Any] = {}
    if under:
        _read_versions(OrgVersion.objects.filter(valid_on_q(on)).filter(any_subtree_q(under)), out)
    wanted = set(org_ids)
    for _round in range(2):
        missing = sorted(wanted - set(out))
        for i in range(0, len(missing), 500):
            _read_versions(OrgVersion.objects.filter(valid_on_q(on), org_id__in=missing[i:i + 500]), out)
        wanted = {a for v in out.values() for a in segments(v.path)}
    return out


def member_totals(*, user: Any, report: WhereReport) -> tuple[int, int]:
    """Members in party under the province on each date (the members selector's numbers)."""
    before = sum(
        sum(member_counts(user=user, org=Organization.objects.get(code=u.code), on=report.start).values())
        for u in report.provinces_before
    )
    after = (
        sum(member_counts(user=user, org=Organization.objects.get(code=report.province_after.code),
                          on=report.end).values())
        if report.province_after else 0
    )
    return before, after


@dataclass
class UnitWent:
    """One organization that was under a dissolved one on its last day, and where it went."""

    code: str
    name: str
    members: int  # members (in the party) in its cells and all below on that last day
    to: list[tuple[str, str]]  # (code, name): its new parent, or what it became
    how: str  # "moved": under a new parent; "became": merged or split into; "ended": nothing recorded


@dataclass
class WhereUnitsWent:
    dissolved_on: dt.date
    members: int
    units: list[UnitWent]


def units_went(*, user: Any, org: Organization) -> WhereUnitsWent | None:
    """For an organization that ended (a district dissolved in the 2025 reform): the
    organizations under it on its last day, their members, and where each went on the day it
    ended (its new parent, or what it was merged or split into), named as on that day. None while
    it exists. A few queries whatever the number of units (the lineage only for units that ended
    with it)."""
    from chibo.members.selectors import tree_with_counts
    from chibo.orgs.selectors import organizations

    if org.valid_to is None:
        return None
    end = org.valid_to
    tree = tree_with_counts(user=user, org=org, on=end - dt.timedelta(days=1), depth=1)
    if not tree:
        return WhereUnitsWent(end, 0, [])
    root, children = tree[0], tree[0]["children"]
    ids = dict(Organization.objects.filter(code__in=[c["code"] for c in children]).values_list("code", "pk"))
    after = {v["org_id"]: v for v in OrgVersion.objects.filter(org_id__in=ids.values()).filter(valid_on_q(end))
             .values("org_id", "parent_id", "parent__code")}
    ended = [pk for pk in ids.values() if pk not in after]
    successors: dict[int, list[int]] = defaultdict(list)  # an ended unit -> what it became that day
    codes: dict[int, str] = {}
    if ended:
        rows = OrgEventLink.objects.filter(role=LinkRole.SUCCESSOR, event__on=end, event__links__org_id__in=ended,
                                           event__links__role=LinkRole.PREDECESSOR)
        visible = organizations(user=user)
        for pred, succ, code in rows.filter(org_id__in=visible.values("pk")).values_list(
                "event__links__org_id", "org_id", "org__code").distinct():
            successors[pred].append(succ)
            codes[succ] = code
    named = {v["parent_id"] for v in after.values() if v["parent_id"]} | set(codes)
    names = dict(OrgVersion.objects.filter(org_id__in=named).filter(valid_on_q(end)).values_list("org_id", "name"))
    units = []
    for child in children:
        pk = ids.get(child["code"], 0)
        version = after.get(pk)
        if version is not None:
            to = [(version["parent__code"], names.get(version["parent_id"], version["parent__code"]))] \
                if version["parent_id"] else []
            how = "moved"
        else:
            to = [(codes[s], names.get(s, codes[s])) for s in sorted(successors.get(pk, []), key=lambda s: codes[s])]
            how = "became" if to else "ended"
        units.append(UnitWent(child["code"], child["name"], child["members"], to, how))
    return WhereUnitsWent(end, root["members"], units)
