"""Every read of the evaluation app, scoped by `restrict(user, action)`.

`summary()` answers "how were they rated": the distribution of levels for members, secretaries
or organizations under a node in a round (the tree as it stood on the round's date: the rows'
stored paths), with `records()` for the list behind each number. Reading ratings of people
writes the read log (security.md G5/G21): `log_reads()`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chibo.core.middleware import current_request_id
from chibo.core.models import ReadLogEntry
from chibo.core.paths import SEGMENT_WIDTH, any_subtree_q, subtree_q
from chibo.core.validtime import today
from chibo.orgs.models import Organization, OrgVersion

from .models import Assessment, Level, Participation, Post, Programme, Round, State, Subject
from .services import quota_check

VIEW = "org.view"
CHANGE = "org.change"
OF = ("members", "organizations", "secretaries")
KEYS = {Level.EXCELLENT: "excellent", Level.GOOD: "good", Level.COMPLETED: "completed",
        Level.NOT_COMPLETED: "not_completed"}
KEY_LEVEL = {v: k for k, v in KEYS.items()}


def rounds(*, user: Any, action: str = VIEW) -> QuerySet[Round]:
    return Round.objects.restrict(user, action).select_related("org")


def round_get(*, user: Any, pk: int, action: str = VIEW) -> Round:
    return rounds(user=user, action=action).get(pk=pk)


def assessments(*, user: Any, action: str = VIEW) -> QuerySet[Assessment]:
    return Assessment.objects.restrict(user, action)


def assessment_get(*, user: Any, pk: int, action: str = VIEW) -> Assessment:
    return assessments(user=user, action=action).select_related("round", "member", "org").get(pk=pk)


def may(user: Any, org_id: int, action: str = CHANGE) -> bool:
    return Organization.objects.restrict(user, action).filter(pk=org_id).exists()


def log_reads(*, user: Any, rows: list[Assessment], purpose: str = "view") -> None:
    """One read-log row per rating of a person shown or exported (never the values)."""
    rid = current_request_id() or ""
    actor = user if getattr(user, "is_authenticated", False) else None
    ReadLogEntry.objects.bulk_create([
        ReadLogEntry(actor=actor, target_type="evaluation.assessment", target_id=str(a.pk), org_path=a.path,
                     purpose=purpose, request_id=rid)
        for a in rows if a.subject == Subject.MEMBER])


def names_on(org_ids: set[int] | list[int], on: dt.date) -> dict[int, str]:
    out: dict[int, str] = {}
    for org_id, name, start in (OrgVersion.objects.filter(org_id__in=list(org_ids)).order_by("valid_from")
                                .values_list("org_id", "name", "valid_from")):
        if start <= on or org_id not in out:
            out[org_id] = name
    return out


def my_units(*, user: Any) -> QuerySet[Assessment]:
    """The organizations' assessments the user can work on, newest rounds first (the entry point
    of a secretary: their cell's year-end page)."""
    return (assessments(user=user, action=CHANGE).filter(subject=Subject.ORGANIZATION, round__closed_on__isnull=True)
            .select_related("round", "org").order_by("-round__opened_on", "path")[:50])


@dataclass
class Sheet:
    """A unit's page in a round: its own assessment and its members'."""

    unit: Assessment
    name: str
    members: list[Assessment]
    children: list[Assessment]
    counts: dict[str, int]
    may_change: bool
    may_decide: bool


def sheet(*, user: Any, pk: int) -> Sheet:
    unit = assessment_get(user=user, pk=pk)
    if unit.subject != Subject.ORGANIZATION:
        raise Assessment.DoesNotExist
    rnd = unit.round
    members = list(Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org_id=unit.org_id)
                   .select_related("member").order_by("-post", "member__search_key", "id"))
    children = list(Assessment.objects.filter(subtree_q(unit.path), round=rnd, subject=Subject.ORGANIZATION,
                                              depth=unit.depth + 1).select_related("org").order_by("path"))
    counts = Counter(str(State(a.state).label) for a in members)
    log_reads(user=user, rows=members)
    return Sheet(unit=unit, name=names_on([unit.org_id], rnd.opened_on).get(unit.org_id, ""), members=members,
                 children=children, counts=dict(counts), may_change=may(user, unit.org_id),
                 may_decide=may(user, rnd.org_id))


@dataclass
class UnitProgress:
    assessment: Assessment
    name: str
    members: int = 0
    rated: int = 0  # with a proposal or further
    decided: int = 0
    not_rated: int = 0
    late: bool = False


@dataclass
class Board:
    round: Round
    name: str
    units: list[UnitProgress]
    distribution: dict[str, dict[str, int]]
    quota: list[dict[str, Any]]
    late: list[UnitProgress] = field(default_factory=list)


def board(*, user: Any, pk: int, on: dt.date | None = None) -> Board:
    """The committee's board: progress per unit directly under it, the distribution by level, the
    quota per comparable group (proposals included), the late units."""
    rnd = round_get(user=user, pk=pk)
    on = on or today()
    depth = len(rnd.path) // SEGMENT_WIDTH
    tops = list(Assessment.objects.filter(round=rnd, subject=Subject.ORGANIZATION, depth=depth + 1).order_by("path"))
    names = names_on({a.org_id for a in tops}, rnd.opened_on)
    progress = {a.path: UnitProgress(assessment=a, name=names.get(a.org_id, "")) for a in tops}
    rows = (Assessment.objects.filter(round=rnd, subject=Subject.MEMBER)
            .values_list("path", "state"))
    for path, state in rows.iterator(chunk_size=5000):
        p = progress.get(path[:(depth + 1) * SEGMENT_WIDTH])
        if p is None:
            continue
        p.members += 1
        if state == State.NOT_RATED:
            p.not_rated += 1
        elif state in (State.PROPOSED, State.APPRAISED, State.DECIDED, State.REOPENED):
            p.rated += 1
            if state == State.DECIDED:
                p.decided += 1
    for p in progress.values():
        due = rnd.cell_deadline if p.rated < p.members - p.not_rated else rnd.decision_deadline
        p.late = on > due and p.decided < p.members - p.not_rated
    dist = {of: summary_counts(rnd=rnd, path=rnd.path, of=of) for of in OF}
    quota = []
    groups = (Assessment.objects.filter(round=rnd, subject=Subject.MEMBER)
              .exclude(state=State.NOT_RATED).values_list("group_path", flat=True).distinct())
    for g in list(groups)[:500]:
        pending = Counter(dict(
            Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, group_path=g,
                                      state__in=[State.PROPOSED, State.APPRAISED, State.REOPENED])
            .values("proposed_level").annotate(n=Count("id")).values_list("proposed_level", "n")))
        excellent, good, ok = quota_check(rnd, Subject.MEMBER, g, pending)
        if excellent:
            quota.append({"group": g, "excellent": excellent, "good": good, "ok": ok})
    units = list(progress.values())
    return Board(round=rnd, name=names_on([rnd.org_id], rnd.opened_on).get(rnd.org_id, ""), units=units,
                 distribution=dist, quota=quota, late=[u for u in units if u.late])


# --- the summary -----------------------------------------------------------------------------------


def _rows(rnd: Round, path: str, of: str) -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(round=rnd).filter(any_subtree_q([path]))
    if of == "organizations":
        return qs.filter(subject=Subject.ORGANIZATION).exclude(path=path)
    qs = qs.filter(subject=Subject.MEMBER)
    if of == "secretaries":
        qs = qs.filter(post=Post.SECRETARY, is_cell=True)
    return qs


def summary_counts(*, rnd: Round, path: str, of: str) -> dict[str, int]:
    """excellent, good, completed, not_completed, not_rated, pending, total (unscoped: callers scope)."""
    out = dict.fromkeys([*KEYS.values(), "not_rated", "pending"], 0)
    grouped = _rows(rnd, path, of).values("state", "decided_level").annotate(n=Count("id"))
    for row in grouped:
        if row["state"] == State.NOT_RATED:
            out["not_rated"] += row["n"]
        elif row["state"] == State.DECIDED and row["decided_level"] in KEYS:
            out[KEYS[row["decided_level"]]] += row["n"]
        else:
            out["pending"] += row["n"]
    out["total"] = sum(out.values())
    return out


def round_for(*, user: Any, org: Organization, year: int, period_type: str = "year") -> tuple[Round, str] | None:
    """The round of that year that covers the organization (the one opened nearest above it), and
    the organization's path in it."""
    candidates = rounds(user=user).filter(year=year, period_type=period_type).order_by("-opened_on", "-id")
    best: tuple[Round, str] | None = None
    for rnd in candidates:
        v = org.version_on(rnd.opened_on)
        if v is None or not v.path.startswith(rnd.path):
            continue
        if best is None or len(rnd.path) > len(best[0].path):
            best = (rnd, v.path)
    return best


def summary(*, user: Any, org: Organization, year: int, of: str) -> dict[str, Any]:
    found = round_for(user=user, org=org, year=year)
    if found is None:
        return {**dict.fromkeys([*KEYS.values(), "not_rated", "pending", "total"], 0), "round": None}
    rnd, path = found
    if of not in OF:
        raise ValueError(of)
    counts: dict[str, Any] = dict(summary_counts(rnd=rnd, path=path, of=of))
    counts["round"] = rnd.pk
    rated = counts["total"] - counts["not_rated"] - counts["pending"]
    counts["good_or_better_percent"] = round(100.0 * (counts["excellent"] + counts["good"]) / rated, 1) if rated else None
    counts["completed_or_better_percent"] = (
        round(100.0 * (rated - counts["not_completed"]) / rated, 1) if rated else None)
    return counts


def records(*, user: Any, rnd: Round, path: str, of: str, key: str) -> QuerySet[Assessment]:
    """The assessments behind one number of the summary (scoped)."""
    qs = _rows(rnd, path, of).filter(pk__in=assessments(user=user).filter(round=rnd).values("pk"))
    if key == "not_rated":
        qs = qs.filter(state=State.NOT_RATED)
    elif key == "pending":
        qs = qs.exclude(state__in=[State.NOT_RATED, State.DECIDED])
    elif key in KEY_LEVEL:
        qs = qs.filter(state=State.DECIDED, decided_level=KEY_LEVEL[key])
    return qs.select_related("member", "org").order_by("path", "member__search_key", "id")


# --- the emulation -------------------------------------------------------------------------------


def programmes(*, user: Any) -> QuerySet[Programme]:
    return Programme.objects.restrict(user, VIEW).select_related("owner")


def programme_get(*, user: Any, pk: int) -> Programme:
    return programmes(user=user).get(pk=pk)


def pledges(*, user: Any, programme: Programme, under: Organization | None = None,
            on: dt.date | None = None) -> dict[str, Any]:
    """Units registered and pledged under a node (on the tree of `on`, by default the day of the
    last pledge, the tree as it stood when the units pledged): "10 of 10 cells pledged"."""
    if on is None:
        days = [d for pair in Participation.objects.filter(programme=programme)
                .values_list("registered_on", "pledge_signed_on") for d in pair if d is not None]
        on = max(days) if days else dt.date(programme.start_year, 1, 1)
    node = under or programme.owner
    v = node.version_on(on) or node.latest_version()
    if v is None:
        return {"units": 0, "registered": 0, "pledged": 0, "rows": []}
    children = list(OrgVersion.objects.filter(parent_id=v.org_id).filter(
        Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))).values_list("org_id", "name"))
    parts = {p.org_id: p for p in Participation.objects.restrict(user, VIEW)
             .filter(programme=programme, org_id__in=[c[0] for c in children]).prefetch_related("years")}
    rows = [{"org_id": oid, "name": name, "participation": parts.get(oid)} for oid, name in children]
    return {"units": len(children), "registered": len(parts),
            "pledged": sum(1 for p in parts.values() if p.pledge_signed_on), "rows": rows}


def now() -> dt.datetime:
    return timezone.now()


def by_level(rows: list[Assessment]) -> dict[str, list[Assessment]]:
    out: dict[str, list[Assessment]] = defaultdict(list)
    for a in rows:
        out[a.decided_level or a.state].append(a)
    return out
