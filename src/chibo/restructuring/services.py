"""Checking and applying restructuring plans.

One engine does both. `plan_apply` runs the plan's events in order through the organization
services (`chibo.orgs.services`: they validate the forest and raise `ValidationError`) inside one
transaction, moves the members of every cell that stops existing
(`chibo.members.services.members_follow_restructuring`), records the plan's key and audits it:
all of it or nothing. `plan_check` runs the very same code inside a transaction that is always
rolled back, and reports the impact: what is created, closed, moved, renamed and reclassified;
members moved per destination; open work that moves (transfers redirected, temporary activity
ended). A check writes nothing.

Test hook (tests/restructuring/test_crash.py): with the environment variable
`CHIBO_TEST_CRASH_AFTER_EVENTS=N`, `plan_apply` kills its own process (SIGKILL) right after the
N-th event, in the middle of the transaction. Nothing else reads it.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.paths import SEGMENT_WIDTH, segments
from chibo.core.validtime import valid_on_q
from chibo.geo.models import AdminUnit
from chibo.members.choices import AffiliationKind
from chibo.members.models import Affiliation, Transfer, TransferKind, TransferState
from chibo.members.services import MEMBER_CELL_KINDS, check_cell, members_follow_restructuring
from chibo.orgs import services as orgs
from chibo.orgs.models import Decision, Organization, OrgEvent, OrgEventLink, OrgKind, OrgVersion
from chibo.orgs.services import DecisionRef, NewOrg

from .dpia import dpia_task_raise
from .models import AppliedPlan
from .plans import UNIT_RE, Event, Plan

CRASH_ENV = "CHIBO_TEST_CRASH_AFTER_EVENTS"
CHANGE = "org.change"
ONE_DAY = dt.timedelta(days=1)
PENDING = (TransferState.REQUESTED, TransferState.LETTER_ISSUED)


# --- the report of a run ------------------------------------------------------------------------


@dataclass
class Issue:
    """Why a plan is refused. `kind`: "unknown" (an organization that does not exist, or that the
    user may not change: the same answer), "invalid", "unconfirmed" or "applied"."""

    message: str
    kind: str = "invalid"
    event: int | None = None


@dataclass
class OrgRef:
    code: str
    name: str
    kind: str
    parent: str | None = None


@dataclass
class Change:
    code: str
    name: str
    kind_before: str
    kind_after: str
    parent_before: str | None
    parent_after: str | None
    name_before: str


@dataclass
class MemberMove:
    event: int
    from_code: str
    to_code: str | None
    moved: int
    temporary_ended: int
    transfers_redirected: int


@dataclass
class DiffNode:
    code: str
    name: str
    kind: str
    marks: list[str] = field(default_factory=list)  # new, closed, moved, renamed, reclassified
    other_parent: str | None = None  # where it came from (after) or goes to (before): code
    other_parent_name: str | None = None
    other_name: str | None = None  # the name or kind on the other side
    context: bool = False  # shown only as an ancestor of a change
    children: list[DiffNode] = field(default_factory=list)


@dataclass
class Impact:
    key: str
    title: str = ""
    before: dt.date | None = None
    after: dt.date | None = None
    events: list[tuple[int, str, str]] = field(default_factory=list)  # (index, type, what happened)
    created: list[OrgRef] = field(default_factory=list)
    closed: list[OrgRef] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    member_moves: list[MemberMove] = field(default_factory=list)
    members_carried: int = 0  # members in cells that moved with their cell
    transfers_from_closed: int = 0  # transfers under way out of a cell that closes (kept)
    unconfirmed: list[tuple[int, str, list[str]]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    before_tree: list[DiffNode] = field(default_factory=list)
    after_tree: list[DiffNode] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def moved(self) -> list[Change]:
        return [c for c in self.changed if c.parent_before != c.parent_after]

    @property
    def renamed(self) -> list[Change]:
        return [c for c in self.changed if c.name_before != c.name]

    @property
    def reclassified(self) -> list[Change]:
        return [c for c in self.changed if c.kind_before != c.kind_after]

    @property
    def not_found(self) -> bool:
        return any(i.kind == "unknown" for i in self.issues)

    def members_by_destination(self) -> list[tuple[str | None, int]]:
        totals: Counter[str | None] = Counter()
        for m in self.member_moves:
            if m.moved:
                totals[m.to_code] += m.moved
        return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0] or ""))

    def summary(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "before": self.before.isoformat() if self.before else None,
            "after": self.after.isoformat() if self.after else None,
            "events": len(self.events),
            "created": dict(Counter(o.kind for o in self.created)),
            "closed": dict(Counter(o.kind for o in self.closed)),
            "moved": dict(Counter(c.kind_after for c in self.moved)),
            "renamed": len(self.renamed),
            "reclassified": dict(Counter(f"{c.kind_before}->{c.kind_after}" for c in self.reclassified)),
            "members_moved": sum(m.moved for m in self.member_moves),
            "members_moved_by_destination": {k or "": v for k, v in self.members_by_destination()},
            "members_carried_with_their_cell": self.members_carried,
            "transfers_redirected": sum(m.transfers_redirected for m in self.member_moves),
            "temporary_activity_ended": sum(m.temporary_ended for m in self.member_moves),
            "transfers_from_closed_cells": self.transfers_from_closed,
            "unconfirmed": [i for i, _t, _c in self.unconfirmed],
        }

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("before_tree", "after_tree")}
        out["before"] = self.before.isoformat() if self.before else None
        out["after"] = self.after.isoformat() if self.after else None
        out["ok"] = self.ok
        out["summary"] = self.summary()
        return out


class PlanRefused(Exception):
    def __init__(self, issues: list[Issue], impact: Impact | None = None) -> None:
        super().__init__("\n".join(i.message for i in issues))
        self.issues = issues
        self.impact = impact


class _Rollback(Exception):
    pass


# --- running the events -------------------------------------------------------------------------


def _crash_hook(done: int) -> None:
    raw = os.environ.get(CRASH_ENV, "").strip()
    if raw.isdigit() and done == int(raw):
        os.kill(os.getpid(), signal.SIGKILL)


def _members_on(org: Organization, on: dt.date) -> int:
    return (
        Affiliation.objects.filter(org=org, kind=AffiliationKind.OFFICIAL, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .count()
    )


def _children_on(org: Organization, on: dt.date) -> list[tuple[Organization, str]]:
    """What is under `org` on `on` or later (as the organization services see it), with each
    child's kind on `on` (or when it starts)."""
    versions = (
        OrgVersion.objects.filter(parent=org)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .select_related("org", "kind")
        .order_by("org__code", "valid_from")
    )
    out: dict[int, tuple[Organization, str]] = {}
    for v in versions:
        out.setdefault(v.org_id, (v.org, v.kind.key))
    return list(out.values())


class _Runner:
    """Runs a plan's events; every failure becomes a `PlanRefused` naming the event."""

    def __init__(self, plan: Plan, actor: Any, user: Any, impact: Impact, crash: bool) -> None:
        self.plan, self.actor, self.user, self.impact, self.crash = plan, actor, user, impact, crash
        self.created: set[str] = set()
        # read once for the whole run (the run is one transaction)
        self.kinds = orgs.kinds_by_key()
        self.decisions: dict[DecisionRef, Decision | None] = {}
        base = Organization.objects.all()
        self.orgs = base if user is None else Organization.objects.restrict(user, CHANGE)

    # lookups
    def fail(self, event: Event, name: str | None, message: str, kind: str = "invalid") -> PlanRefused:
        where = (
            _("Event %(n)d (%(type)s), field “%(field)s”") % {"n": event.index, "type": event.type, "field": name}
            if name else _("Event %(n)d (%(type)s)") % {"n": event.index, "type": event.type}
        )
        return PlanRefused([Issue(f"{where}: {message}", kind, event.index)])

    def org(self, event: Event, name: str, code: str) -> Organization:
        org = self.orgs.filter(code=code).first()
        if org is None:
            if code in self.created:  # created by this plan (in scope by construction)
                org = Organization.objects.filter(code=code).first()
            if org is None:
                raise self.fail(event, name, _("unknown organization “%(code)s”") % {"code": code}, "unknown")
        return org

    def unit(self, event: Event, name: str, ref: str | None) -> int | None:
        if not ref:
            return None
        m = UNIT_RE.match(ref)
        assert m is not None  # checked by the parser
        edition, level, code = m.groups()
        qs = AdminUnit.objects.filter(edition=edition, code=code)
        if level:
            qs = qs.filter(level=level)
        ids = list(qs.values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            message = (_("unknown administrative unit “%(ref)s”") if not ids else
                       _("“%(ref)s” is ambiguous: write “%(edition)s:LEVEL:%(code)s”"))
            raise self.fail(event, name, message % {"ref": ref, "edition": edition, "code": code})
        return ids[0]

    def kind_on(self, org: Organization, on: dt.date) -> str | None:
        v = org.version_on(on)
        return v.kind.key if v else None

    def kind(self, key: str | None) -> str | OrgKind | None:
        """The kind row for a key (an unknown key is passed on: the service refuses it)."""
        return self.kinds.get(key, key) if key else None

    def decision(self, ref: DecisionRef | None) -> Decision | None:
        if ref is None:
            return None
        if ref not in self.decisions:
            self.decisions[ref] = orgs.decision_record(ref)
        return self.decisions[ref]

    def reference(self, event: Event) -> str:
        return f"{self.plan.key} #{event.index}"

    def new_org(self, event: Event, name: str, spec: dict[str, Any]) -> NewOrg:
        parent = self.org(event, name, spec["parent"]) if spec.get("parent") else None
        return NewOrg(code=spec["code"], name=spec["name"], kind=self.kind(spec["kind"]) or spec["kind"], parent=parent,
                      sector=spec["sector"], admin_unit_id=self.unit(event, name, spec.get("admin_unit")),
                      powers=spec.get("powers") or ())

    def common(self, event: Event) -> dict[str, Any]:
        return {"actor": self.actor, "on": event.on, "decision": self.decision(event.decision), "note": event.note,
                "plan_key": self.plan.key}

    def check_members_stay_in_a_cell(self, event: Event, org: Organization, new_kind: str | None) -> None:
        if new_kind is None or new_kind in MEMBER_CELL_KINDS:
            return
        n = _members_on(org, event.on)
        if n:
            raise self.fail(event, "kind", _("%(n)d members are active in “%(code)s”: it must stay a party "
                                             "cell (move them first)") % {"n": n, "code": org.code})

    def follow(self, event: Event, cell: Organization, to_cell: Organization | None, name: str) -> None:
        """The members (and open work) of a cell that stops existing go to `to_cell`."""
        on = event.on
        # Lock the cell's row before counting its members: an admission or a transfer into it that
        # committed before is seen (on PostgreSQL, a concurrent insert of an affiliation holds a
        # key-share lock on the row until it commits; SQLite has one writer at a time anyway).
        Organization.objects.select_for_update().filter(pk=cell.pk).first()
        members = _members_on(cell, on)
        incoming = Transfer.objects.filter(to_org=cell, state__in=PENDING).count()
        if (members or incoming) and to_cell is None:
            raise self.fail(event, name, _("%(members)d members are active in “%(code)s” and %(transfers)d "
                                           "transfers are under way towards it on %(date)s: say where they "
                                           "go") % {"members": members, "transfers": incoming,
                                                    "code": cell.code, "date": on.isoformat()})
        if to_cell is not None and self.kind_on(to_cell, on) not in MEMBER_CELL_KINDS and (members or incoming):
            raise self.fail(event, name, _("“%(code)s” is not a party cell on %(date)s: members cannot go there")
                            % {"code": to_cell.code, "date": on.isoformat()})
        self.impact.transfers_from_closed += Transfer.objects.filter(from_org=cell, state__in=PENDING).count()
        result = members_follow_restructuring(actor=self.actor, from_cell=cell, to_cell=to_cell, on=on,
                                              reference=self.reference(event))
        self.impact.member_moves.append(MemberMove(
            event=event.index, from_code=cell.code, to_code=to_cell.code if to_cell else None,
            moved=result["moved"], temporary_ended=result["temporary_ended"],
            transfers_redirected=result["transfers_redirected"],
        ))

    def move_member(self, event: Event, aff: Affiliation, to_cell: Organization) -> None:
        """One member of a split cell to another part (the members service moves whole cells)."""
        on = event.on
        check_cell(to_cell, on)
        from_cell = aff.org
        if aff.valid_from >= on:
            aff.delete()
        else:
            aff.valid_to = on
            aff.save(update_fields=["valid_to"])
        reference = self.reference(event)
        transfer = Transfer.objects.create(
            member=aff.member, kind=TransferKind.OFFICIAL, from_org=from_cell, to_org=to_cell, trigger_date=on,
            start_deadline=on, requested_on=on, letter_no=reference[:64], letter_issued_on=on,
            present_deadline=on, received_on=on, state=TransferState.RECEIVED, note=reference,
        )
        try:
            with transaction.atomic():
                Affiliation.objects.create(member=aff.member, org=to_cell, kind=AffiliationKind.OFFICIAL,
                                           valid_from=on, transfer=transfer)
        except IntegrityError as exc:
            raise self.fail(event, "members", _("member %(id)d already belongs to a cell on %(date)s")
                            % {"id": aff.member_id, "date": on.isoformat()}) from exc
        v = to_cell.version_on(on)
        audit_log(actor=self.actor, action="member.follow_restructuring", target=aff.member,
                  org_path=v.path if v else "", after={"from": from_cell.code, "to": to_cell.code, "moved": 1},
                  reason=reference)
        self.impact.member_moves.append(MemberMove(event.index, from_cell.code, to_cell.code, 1, 0, 0))

    # the event types
    def establish(self, e: Event) -> str:
        f = e.fields
        parent = self.org(e, "parent", f["parent"]) if f.get("parent") else None
        org = orgs.org_establish(code=f["code"], name=f["name"], kind=self.kind(f["kind"]) or f["kind"], parent=parent,
                                 sector=f["sector"], admin_unit_id=self.unit(e, "admin_unit", f.get("admin_unit")),
                                 powers=f["powers"], **self.common(e))
        self.created.add(org.code)
        return _("established %(code)s") % {"code": org.code}

    def rename(self, e: Event) -> str:
        org = self.org(e, "org", e.fields["org"])
        orgs.org_rename(org=org, name=e.fields["name"], **self.common(e))
        return _("renamed %(code)s") % {"code": org.code}

    def move(self, e: Event) -> str:
        f = e.fields
        org = self.org(e, "org", f["org"])
        parent = self.org(e, "parent", f["parent"]) if f.get("parent") else None
        self.check_members_stay_in_a_cell(e, org, f.get("kind"))
        orgs.org_move(org=org, parent=parent, kind=self.kind(f.get("kind")), **self.common(e))
        return _("moved %(code)s under %(parent)s") % {"code": org.code, "parent": parent.code if parent else "—"}

    def reclassify(self, e: Event) -> str:
        org = self.org(e, "org", e.fields["org"])
        self.check_members_stay_in_a_cell(e, org, e.fields["kind"])
        orgs.org_reclassify(org=org, kind=e.fields["kind"], **self.common(e))
        return _("%(code)s is now a %(kind)s") % {"code": org.code, "kind": e.fields["kind"]}

    def _move_children(self, e: Event, sources: list[Organization], target: Organization) -> int:
        """Children of the sources go to `target` (or to their own destination in `children_to`),
        changing kind as `children_kinds` says."""
        f = e.fields
        kinds: dict[str, str] = f.get("children_kinds") or {}
        to: dict[str, str] = dict(f.get("children_to") or {})
        moved = 0
        for source in sources:
            for child, kind in _children_on(source, e.on):
                dest = self.org(e, "children_to", to.pop(child.code)) if child.code in to else target
                new_kind = kinds.get(kind)
                self.check_members_stay_in_a_cell(e, child, new_kind)
                orgs.org_move(org=child, parent=dest, kind=self.kind(new_kind), **self.common(e))
                moved += 1
        if to:
            raise self.fail(e, "children_to", _("not under any of the sources on %(date)s: %(codes)s")
                            % {"date": e.on.isoformat(), "codes": ", ".join(sorted(to))})
        return moved

    def merge(self, e: Event) -> str:
        f = e.fields
        sources = [self.org(e, "sources", c) for c in f["sources"]]
        cells = [s for s in sources if self.kind_on(s, e.on) in MEMBER_CELL_KINDS]
        target = self.org(e, "into", f["into"]) if f.get("into") else None
        new = self.new_org(e, "new", f["new"]) if f.get("new") else None
        members_to = self.org(e, "members_to", f["members_to"]) if f.get("members_to") else None
        remap = bool(f.get("children_kinds") or f.get("children_to"))
        if new is not None and remap:
            # the destination must exist before the children move (with their new kinds) under it
            target = orgs.org_establish(code=new.code, name=new.name, kind=new.kind, parent=new.parent,
                                        sector=new.sector, admin_unit_id=new.admin_unit_id, powers=new.powers,
                                        **self.common(e))
            self.created.add(target.code)
            new = None
        if target is not None and remap:
            self._move_children(e, sources, target)
        result = orgs.org_merge(sources=sources, into=target, new=new, **self.common(e))
        if new is not None:
            self.created.add(result.code)
        if cells:
            dest = members_to or (result if self.kind_on(result, e.on) in MEMBER_CELL_KINDS else None)
            for cell in cells:
                self.follow(e, cell, dest, "members_to")
        return _("merged %(sources)s into %(target)s") % {
            "sources": ", ".join(s.code for s in sources), "target": result.code}

    def split(self, e: Event) -> str:
        f = e.fields
        source = self.org(e, "source", f["source"])
        is_cell = self.kind_on(source, e.on) in MEMBER_CELL_KINDS
        parts: list[NewOrg | Organization] = [
            self.new_org(e, "parts", p) if isinstance(p, dict) else self.org(e, "parts", p) for p in f["parts"]
        ]
        children = {c.code: c for c, _kind in _children_on(source, e.on)}
        assign: dict[int, int] = {}
        for code, idx in f["assign"].items():
            if code not in children:
                raise self.fail(e, "assign", _("“%(code)s” is not under “%(source)s” on %(date)s")
                                % {"code": code, "source": source.code, "date": e.on.isoformat()})
            assign[children[code].pk] = idx
        rule = f.get("members") or {}
        default = rule.get("default")
        by_member: dict[int, int] = rule.get("by_member") or {}
        affiliations = {
            a.member_id: a for a in Affiliation.objects.filter(org=source, kind=AffiliationKind.OFFICIAL)
            .filter(valid_from__lte=e.on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=e.on))
            .select_related("member", "org")
        } if is_cell else {}
        unknown = sorted(set(by_member) - set(affiliations))
        if unknown:
            raise self.fail(e, "members", _("not active in “%(code)s” on %(date)s: %(ids)s")
                            % {"code": source.code, "date": e.on.isoformat(), "ids": ", ".join(map(str, unknown))})
        results = orgs.org_split(source=source, parts=parts, assign=assign, dissolve_source=not f["keep_source"],
                                 **self.common(e))
        for p in f["parts"]:
            if isinstance(p, dict):
                self.created.add(p["code"])
        for member_id, idx in sorted(by_member.items()):
            self.move_member(e, affiliations[member_id], results[idx])
        if is_cell and not f["keep_source"]:
            self.follow(e, source, results[default] if default is not None else None, "members")
        return _("split %(source)s into %(parts)s") % {
            "source": source.code, "parts": ", ".join(r.code for r in results)}

    def dissolve(self, e: Event) -> str:
        f = e.fields
        org = self.org(e, "org", f["org"])
        children_to = self.org(e, "children_to", f["children_to"]) if f.get("children_to") else None
        members_to = self.org(e, "members_to", f["members_to"]) if f.get("members_to") else None
        is_cell = self.kind_on(org, e.on) in MEMBER_CELL_KINDS
        if is_cell:  # say so before the organization service complains about something else
            members = _members_on(org, e.on)
            if members and members_to is None:
                raise self.fail(e, "members_to", _("%(n)d members are active in “%(code)s” on %(date)s: say "
                                                   "where they go") % {"n": members, "code": org.code,
                                                                       "date": e.on.isoformat()})
        orgs.org_dissolve(org=org, children_to=children_to, **self.common(e))
        if is_cell:
            self.follow(e, org, members_to, "members_to")
        return _("dissolved %(code)s") % {"code": org.code}

    def run(self) -> None:
        handlers: dict[str, Callable[[Event], str]] = {
            "establish": self.establish, "rename": self.rename, "move": self.move,
            "reclassify": self.reclassify, "merge": self.merge, "split": self.split, "dissolve": self.dissolve,
        }
        for done, e in enumerate(self.plan.events, start=1):
            try:
                text = handlers[e.type](e)
            except ValidationError as exc:
                raise self.fail(e, None, " ".join(exc.messages)) from exc
            except IntegrityError as exc:
                raise self.fail(e, None, _("refused by the database (%(error)s)") % {"error": exc}) from exc
            self.impact.events.append((e.index, e.type, text))
            if self.crash:
                _crash_hook(done)


# --- the impact: before and after -----------------------------------------------------------------


def _kind_labels() -> dict[int, tuple[str, str]]:
    return {k.pk: (k.key, k.label) for k in OrgKind.objects.all()}


def _collect(impact: Impact, plan: Plan, first_event_id: int) -> list[str]:
    """Compare the affected organizations the day before the plan and on its last date; build
    the before/after trees. Returns the affected paths (for the audit row)."""
    before, after = impact.before, impact.after
    assert before is not None and after is not None
    events = OrgEvent.objects.filter(plan_key=plan.key, id__gt=first_event_id)
    touched = set(OrgEventLink.objects.filter(event__in=events).values_list("org_id", flat=True))
    touched |= set(OrgVersion.objects.filter(event__in=events).values_list("org_id", flat=True))
    kinds = _kind_labels()

    def versions(on: dt.date, ids: set[int]) -> dict[int, OrgVersion]:
        out: dict[int, OrgVersion] = {}
        idl = sorted(ids)
        for i in range(0, len(idl), 500):
            for v in OrgVersion.objects.filter(valid_on_q(on), org_id__in=idl[i:i + 500]).select_related("org"):
                out[v.org_id] = v
        return out

    vb, va = versions(before, touched), versions(after, touched)
    codes: dict[int, str] = {}
    ordered = sorted(touched)
    for i in range(0, len(ordered), 500):
        codes.update(Organization.objects.filter(pk__in=ordered[i:i + 500]).values_list("pk", "code"))

    def code_of(org_id: int | None) -> str | None:
        if org_id is None:
            return None
        if org_id not in codes:
            codes[org_id] = Organization.objects.filter(pk=org_id).values_list("code", flat=True).first() or "?"
        return codes[org_id]

    marks_before: dict[int, list[str]] = defaultdict(list)
    marks_after: dict[int, list[str]] = defaultdict(list)
    for org_id in sorted(touched, key=lambda i: code_of(i) or ""):
        b, a = vb.get(org_id), va.get(org_id)
        if a is not None and b is None:
            impact.created.append(OrgRef(a.org.code, a.name, kinds[a.kind_id][0], code_of(a.parent_id)))
            marks_after[org_id].append("new")
        elif b is not None and a is None:
            impact.closed.append(OrgRef(b.org.code, b.name, kinds[b.kind_id][0], code_of(b.parent_id)))
            marks_before[org_id].append("closed")
        elif a is not None and b is not None:
            marks: list[str] = []
            if a.parent_id != b.parent_id:
                marks.append("moved")
            if a.name != b.name:
                marks.append("renamed")
            if a.kind_id != b.kind_id:
                marks.append("reclassified")
            if marks:
                impact.changed.append(Change(
                    code=a.org.code, name=a.name, kind_before=kinds[b.kind_id][0], kind_after=kinds[a.kind_id][0],
                    parent_before=code_of(b.parent_id), parent_after=code_of(a.parent_id), name_before=b.name,
                ))
                marks_before[org_id] = list(marks)
                marks_after[org_id] = list(marks)
    # members who stay in their cell while it moves
    moved_cells = [v.org_id for org_id, v in va.items()
                   if org_id in vb and vb[org_id].path != v.path and kinds[v.kind_id][0] in MEMBER_CELL_KINDS]
    carried = 0
    for i in range(0, len(moved_cells), 500):
        carried += Affiliation.objects.filter(
            org_id__in=moved_cells[i:i + 500], kind=AffiliationKind.OFFICIAL
        ).filter(valid_on_q(before)).filter(valid_on_q(after)).count()
    impact.members_carried = carried
    impact.before_tree = _tree(before, vb, marks_before, after, va, kinds, code_of)
    impact.after_tree = _tree(after, va, marks_after, before, vb, kinds, code_of)
    return [vb[i].path for i in marks_before if i in vb] + [va[i].path for i in marks_after if i in va]


def _tree(
    on: dt.date, versions: dict[int, OrgVersion], marks: dict[int, list[str]], other_on: dt.date,
    other: dict[int, OrgVersion], kinds: dict[int, tuple[str, str]], code_of: Callable[[int | None], str | None],
) -> list[DiffNode]:
    """The changed organizations on one side (date `on`), with their ancestors on that date as
    context; `other` are the same organizations' versions on the other side."""
    shown = {org_id: versions[org_id] for org_id in marks if org_id in versions}
    ancestors: set[int] = set()
    for v in shown.values():
        ancestors.update(segments(v.path)[:-1])
    missing = ancestors - set(shown)
    if missing:
        for v in OrgVersion.objects.filter(valid_on_q(on), org_id__in=sorted(missing)).select_related("org"):
            shown[v.org_id] = v
    wanted = sorted({o.parent_id for i, m in marks.items() if "moved" in m and (o := other.get(i)) and o.parent_id})
    parent_names: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        parent_names.update(
            OrgVersion.objects.filter(valid_on_q(other_on), org_id__in=wanted[i:i + 500]).values_list("org_id", "name")
        )
    nodes: dict[int, DiffNode] = {}
    for org_id, v in shown.items():
        node = DiffNode(code=v.org.code, name=v.name, kind=kinds[v.kind_id][1], marks=marks.get(org_id, []),
                        context=org_id not in marks)
        o = other.get(org_id)
        if o is not None and "moved" in node.marks:
            node.other_parent = code_of(o.parent_id)
            node.other_parent_name = parent_names.get(o.parent_id) if o.parent_id else None
        if o is not None and "renamed" in node.marks:
            node.other_name = o.name
        elif o is not None and "reclassified" in node.marks:
            node.other_name = kinds[o.kind_id][1]
        nodes[org_id] = node
    roots: list[DiffNode] = []
    for org_id, v in sorted(shown.items(), key=lambda kv: (len(kv[1].path), kv[1].name)):
        parent = nodes.get(v.parent_id) if v.parent_id else None
        (parent.children if parent else roots).append(nodes[org_id])
    order = {"closed": 0, "new": 0, "moved": 1, "reclassified": 2, "renamed": 3}

    def sort(items: list[DiffNode]) -> None:
        items.sort(key=lambda n: (min((order[m] for m in n.marks), default=9) if not n.context else -1, n.code))
        for n in items:
            sort(n.children)

    sort(roots)
    return roots


def _common_path(paths: list[str]) -> str:
    if not paths:
        return ""
    prefix = os.path.commonprefix(paths)
    return prefix[: len(prefix) - len(prefix) % SEGMENT_WIDTH]


# --- the two services -----------------------------------------------------------------------------


def _already_applied(plan: Plan) -> Issue | None:
    applied = AppliedPlan.objects.filter(key=plan.key).first()
    if applied is None:
        return None
    same = applied.checksum == plan.checksum
    message = (
        _("The plan “%(key)s” was already applied on %(date)s; it is not applied twice.")
        if same else
        _("A plan with the key “%(key)s” was already applied on %(date)s (a different version of it); "
          "a plan is applied once: give a changed plan a new key.")
    )
    return Issue(message % {"key": plan.key, "date": applied.applied_at.date().isoformat()}, "applied")


def _new_impact(plan: Plan) -> Impact:
    first, last = plan.dates
    impact = Impact(key=plan.key, title=plan.title, before=first - ONE_DAY, after=last)
    impact.unconfirmed = [(e.index, e.subject(), list(e.candidates)) for e in plan.unconfirmed]
    return impact


def _unconfirmed_issue(plan: Plan) -> Issue | None:
    pending = plan.unconfirmed
    if not pending:
        return None
    listed = "; ".join(
        _("event %(n)d (%(what)s)") % {"n": e.index, "what": e.subject()} for e in pending[:20]
    ) + ("; …" if len(pending) > 20 else "")
    return Issue(
        _("%(count)d events are marked “confirmed: false” (communes divided between several new communes, "
          "with the default destination proposed): check each, then set “confirmed: true” or change its "
          "destination. %(events)s") % {"count": len(pending), "events": listed},
        "unconfirmed",
    )


def plan_check(*, actor: Any, plan: Plan, user: Any = None) -> Impact:
    """Run the plan and roll everything back: the impact, or the reasons it would be refused.
    With `user`, every organization the plan names must be one the user may change; any other
    is reported exactly like an organization that does not exist."""
    impact = _new_impact(plan)
    for issue in (_already_applied(plan), _unconfirmed_issue(plan)):
        if issue is not None:
            impact.issues.append(issue)
    try:
        with transaction.atomic():
            first_event_id = OrgEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            _Runner(plan, actor, user, impact, crash=False).run()
            _collect(impact, plan, first_event_id)
            raise _Rollback
    except _Rollback:
        pass
    except PlanRefused as exc:
        impact.issues.extend(exc.issues)
    return impact


def plan_apply(*, actor: Any, plan: Plan) -> Impact:
    """Apply the whole plan in one transaction, or nothing (raises `PlanRefused`)."""
    impact = _new_impact(plan)
    refusals = [i for i in (_already_applied(plan), _unconfirmed_issue(plan)) if i is not None]
    if refusals:
        raise PlanRefused(refusals, impact)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    applied = AppliedPlan.objects.create(
                        key=plan.key, title=plan.title, checksum=plan.checksum, text=plan.text,
                        actor=actor if getattr(actor, "pk", None) else None,
                    )
            except IntegrityError:
                issue = _already_applied(plan) or Issue(_("The plan “%(key)s” is being applied by someone else.")
                                                        % {"key": plan.key}, "applied")
                raise PlanRefused([issue], impact) from None
            first_event_id = OrgEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            _Runner(plan, actor, None, impact, crash=True).run()
            paths = _collect(impact, plan, first_event_id)
            applied.summary = impact.summary()
            applied.save(update_fields=["summary"])
            audit_log(actor=actor, action="restructuring.apply", target=applied, target_label=plan.key,
                      org_path=_common_path(paths), after=applied.summary, reason=plan.title or plan.key)
            dpia_task_raise(actor=actor, applied=applied, org_path=_common_path(paths), due_on=plan.dates[0])
    except PlanRefused as exc:
        exc.impact = impact
        impact.issues.extend(exc.issues)
        raise
    impact.applied = True
    return impact
