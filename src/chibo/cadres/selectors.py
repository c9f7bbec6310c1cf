"""Reading cadres: scoped (`restrict(user, "member.view")`: posts are personnel records) and as-of
aware. `cadre_summary` answers the seeds' figures for any node and date.

Definitions (percents of the secretaries of the party cells under the node on the date):
- `secretaries`: secretaries of party cells (party cells and grassroots party cells) on the date;
- `degree_share`: with a university degree or higher obtained by the date;
- `theory_share`: with elementary political theory or higher obtained by the date;
- `non_local_share`: recorded as non-local cadres on the date;
- `village_head_share`: of the secretaries of village and residential-group cells, those who are
  also village or residential-group heads on the date;
- `workshop_manager_share`: of the secretaries of enterprise cells, those who are also workshop or
  division managers on the date;
- `border_guard_communes`: commune-level organizations with a border-guard officer recorded on
  their committee on the date; `watched_units`, `seconded`: running watch assignments and
  secondments into the subtree on the date;
- with a period: `courses` started in it by organizers in the subtree, `trained` distinct people
  who completed one of them, `trained_leaders` those of them who were secretaries or deputies of
  an organization in the subtree during the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from chibo.core.paths import any_subtree_q, segments
from chibo.core.validtime import overlaps_q, valid_on_q
from chibo.members.choices import ProfessionalLevel, TheoryLevel
from chibo.members.models import Member
from chibo.orgs.models import Organization, OrgKind, OrgVersion, Sector

from .models import (
    LEADERS,
    CadreFact,
    ConcurrentRole,
    Contest,
    Enrolment,
    FactKind,
    Position,
    Post,
    Qualification,
    QualificationKind,
    RoleKind,
    Secondment,
    SuccessionPlan,
    TrainingCourse,
    WatchAssignment,
)

VIEW = "member.view"
DEGREES = (ProfessionalLevel.UNIVERSITY, ProfessionalLevel.MASTER, ProfessionalLevel.DOCTORATE)
THEORY = (TheoryLevel.ELEMENTARY, TheoryLevel.INTERMEDIATE, TheoryLevel.ADVANCED)
VILLAGE_SECTORS = (Sector.VILLAGE, Sector.RESIDENTIAL_GROUP)
ENTERPRISE_SECTORS = (Sector.STATE_ENTERPRISE, Sector.PRIVATE_ENTERPRISE)
CELL_KINDS = ("party_cell", "grassroots_party_cell")


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _nodes_on(org: Organization | None, on: dt.date) -> QuerySet[OrgVersion] | None:
    """The versions valid on the date under the node (None: the node did not exist then)."""
    qs = OrgVersion.objects.filter(valid_on_q(on))
    if org is None:
        return qs
    v = org.version_on(on)
    if v is None:
        return None
    return qs.filter(any_subtree_q([v.path]))


def _day_after(day: dt.date) -> dt.date:
    """The exclusive end of a period ending on `day` (the calendar's last day stays itself)."""
    return day + dt.timedelta(days=1) if day < dt.date.max else day


def _nodes_during(org: Organization | None, start: dt.date, end: dt.date) -> QuerySet[OrgVersion]:
    """Organizations in the node's subtree at some time in [start, end]: the subtree under any
    path the node had."""
    qs = OrgVersion.objects.filter(overlaps_q(start, _day_after(end)))
    if org is None:
        return qs
    return qs.filter(any_subtree_q(list(org.versions.values_list("path", flat=True).distinct())))


def posts(*, user: Any) -> QuerySet[Post]:
    return Post.objects.restrict(user, VIEW)


def org_posts(*, user: Any, org: Organization, on: dt.date | None = None) -> QuerySet[Post]:
    """The posts at an organization (all of its history, or those held on a date)."""
    qs = posts(user=user).filter(org=org).select_related("member")
    if on is not None:
        qs = qs.filter(valid_on_q(on))
    return qs.order_by("-valid_from", "position", "id")


def org_staff(*, user: Any, org: Organization, on: dt.date) -> dict[str, Any]:
    """A unit's staff list on a date: its posts, the cadres seconded to it and the cadres it has
    seconded elsewhere (the sending department keeps them in its own list)."""
    return {
        "posts": list(org_posts(user=user, org=org, on=on)),
        "seconded_in": list(
            Secondment.objects.restrict(user, VIEW)
            .filter(valid_on_q(on), to_org=org)
            .select_related("member", "from_org")
        ),
        "seconded_out": list(
            Secondment.objects.restrict(user, VIEW)
            .filter(valid_on_q(on), from_org=org)
            .select_related("member", "to_org")
        ),
        "watchers": list(
            WatchAssignment.objects.restrict(user, VIEW)
            .filter(valid_on_q(on), unit=org)
            .select_related("watcher", "committee")
        ),
    }


@dataclass
class CadreRecord:
    """What the cadre page shows about one member: posts, dual roles, facts, qualifications,
    training, rotations, succession plans, secondments and contests."""

    posts: list[Post]
    roles: list[ConcurrentRole]
    facts: list[CadreFact]
    qualifications: list[Qualification]
    enrolments: list[Enrolment]
    plans: list[SuccessionPlan]
    secondments: list[Secondment]
    watches: list[WatchAssignment]


def cadre_record(*, user: Any, member: Member) -> CadreRecord:
    """The member's cadre record, each part restricted to the user's scope (the caller has
    already checked that the member is visible)."""
    return CadreRecord(
        posts=list(
            Post.objects.restrict(user, VIEW)
            .filter(member=member)
            .select_related("org")
            .order_by("-valid_from")
        ),
        roles=list(
            ConcurrentRole.objects.restrict(user, VIEW)
            .filter(member=member)
            .order_by("-valid_from")
        ),
        facts=list(
            CadreFact.objects.restrict(user, VIEW).filter(member=member).order_by("-valid_from")
        ),
        qualifications=list(Qualification.objects.filter(member=member).order_by("-obtained_on")),
        # the member's training history goes with the member (already visible), wherever the
        # course was organized
        enrolments=list(Enrolment.objects.filter(member=member).select_related("course")
                        .order_by("-course__starts_on")),
        plans=list(
            SuccessionPlan.objects.restrict(user, VIEW).filter(member=member).select_related("org")
        ),
        secondments=list(
            Secondment.objects.restrict(user, VIEW)
            .filter(member=member)
            .select_related("from_org", "to_org")
        ),
        watches=list(
            WatchAssignment.objects.restrict(user, VIEW)
            .filter(watcher=member)
            .select_related("unit")
        ),
    )


def courses(
    *,
    user: Any,
    org: Organization | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[TrainingCourse]:
    qs = TrainingCourse.objects.restrict(user, VIEW)
    if start is not None:
        qs = qs.filter(starts_on__gte=start)
    if end is not None:
        qs = qs.filter(starts_on__lte=end)
    if org is not None:
        lo, hi = start or dt.date(1930, 1, 1), end or dt.date(2100, 1, 1)
        qs = qs.filter(organizer_id__in=_nodes_during(org, lo, hi).values("org_id"))
    return qs.order_by("-starts_on", "id")


def contests(*, user: Any) -> QuerySet[Contest]:
    return Contest.objects.restrict(user, VIEW).order_by("-year", "id")


def watched_units(*, user: Any, member: Member, on: dt.date) -> QuerySet[WatchAssignment]:
    return (
        WatchAssignment.objects.restrict(user, VIEW)
        .filter(valid_on_q(on), watcher=member)
        .select_related("unit")
    )


def watchers_per_unit(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    nodes = _nodes_on(org, on)
    if nodes is None:
        return {}
    out: dict[str, int] = {}
    qs = (
        WatchAssignment.objects.restrict(user, VIEW)
        .filter(valid_on_q(on), unit_id__in=nodes.values("org_id"))
        .values_list("unit__code", flat=True)
    )
    for code in qs:
        out[code] = out.get(code, 0) + 1
    return out


def seconded_per_commune(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    nodes = _nodes_on(org, on)
    if nodes is None:
        return {}
    out: dict[str, int] = {}
    qs = (
        Secondment.objects.restrict(user, VIEW)
        .filter(valid_on_q(on), to_org_id__in=nodes.values("org_id"))
        .values_list("to_org__code", flat=True)
    )
    for code in qs:
        out[code] = out.get(code, 0) + 1
    return out


def _sql(qs: QuerySet[Any], *fields: str) -> tuple[str, tuple[Any, ...]]:
    sql, params = qs.order_by().values(*fields).query.sql_with_params()
    return sql, tuple(params)


def _figures_on(*, user: Any, nodes: QuerySet[OrgVersion], on: dt.date) -> dict[str, int]:
    """The counts behind the summary in one statement, as a DBA would write it: the secretaries
    of the cells among `nodes` (their posts, with the cell's sector), and for them uncorrelated
    `IN` sets (degrees, theory, non-local facts, village heads, workshop managers), plus the
    border-guard communes, watched units and seconded cadres among the nodes. Its parts are built
    by the ORM, the scoped ones through `restrict` (the one scoping mechanism); only the join is
    written here, because the ORM would compile the members as long `IN` lists."""
    # the kind as an expression, so that SQLite reads the versions by the path index, not by kind
    cell_kinds = list(OrgKind.objects.filter(key__in=CELL_KINDS).values_list("pk", flat=True))
    cells = nodes.annotate(kind_no=F("kind_id") + 0).filter(kind_no__in=cell_kinds)
    secretaries = posts(user=user).filter(valid_on_q(on), position=Position.SECRETARY)
    facts = CadreFact.objects.restrict(user, VIEW).filter(valid_on_q(on))
    roles = ConcurrentRole.objects.restrict(user, VIEW).filter(valid_on_q(on))
    parts = {
        "sec": _sql(secretaries, "id", "member_id", "org_id"),
        "cells": _sql(cells, "org_id"),
        "degree": ("", (on,)),
        "theory": ("", (on,)),
        "nonlocal": _sql(facts.filter(kind=FactKind.NON_LOCAL), "member_id"),
        "heads": _sql(
            roles.filter(kind__in=(RoleKind.VILLAGE_HEAD, RoleKind.RESIDENTIAL_GROUP_HEAD)),
            "member_id",
        ),
        "managers": _sql(roles.filter(kind=RoleKind.WORKSHOP_MANAGER), "member_id"),
        "border": _sql(facts.filter(kind=FactKind.BORDER_GUARD_OFFICER), "org_id"),
        "nodes1": _sql(nodes, "org_id"),
        "watch": _sql(
            WatchAssignment.objects.restrict(user, VIEW).filter(valid_on_q(on)), "unit_id"
        ),
        "nodes2": _sql(nodes, "org_id"),
        "second": _sql(Secondment.objects.restrict(user, VIEW).filter(valid_on_q(on)), "to_org_id"),
        "nodes3": _sql(nodes, "org_id"),
    }
    # qualifications are looked up per secretary (by the member's index); constants are quoted keys
    degrees = ", ".join(f"'{v}'" for v in DEGREES)
    theories = ", ".join(f"'{v}'" for v in THEORY)
    village = ", ".join(f"'{v}'" for v in VILLAGE_SECTORS)
    enterprise = ", ".join(f"'{v}'" for v in ENTERPRISE_SECTORS)
    sql = f"""
        SELECT COUNT(*),
          COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM cadres_qualification q WHERE q.member_id = s.member_id
            AND q.kind = '{QualificationKind.PROFESSIONAL.value}' AND q.level IN ({degrees})
            AND q.obtained_on <= %s) THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM cadres_qualification q WHERE q.member_id = s.member_id
            AND q.kind = '{QualificationKind.THEORY.value}' AND q.level IN ({theories})
            AND q.obtained_on <= %s) THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN s.member_id IN ({{nonlocal}}) THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN s.sector IN ({village}) THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN s.sector IN ({village}) AND s.member_id IN ({{heads}}) THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN s.sector IN ({enterprise}) THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN s.sector IN ({enterprise}) AND s.member_id IN ({{managers}}) THEN 1 ELSE 0 END), 0),
          (SELECT COUNT(DISTINCT b.org_id) FROM ({{border}}) b WHERE b.org_id IN ({{nodes1}})),
          (SELECT COUNT(DISTINCT w.unit_id) FROM ({{watch}}) w WHERE w.unit_id IN ({{nodes2}})),
          (SELECT COUNT(*) FROM ({{second}}) x WHERE x.to_org_id IN ({{nodes3}}))
        FROM (SELECT DISTINCT p.id, p.member_id, o.sector FROM ({{cells}}) c
              CROSS JOIN ({{sec}}) p
              JOIN orgs_organization o ON o.id = p.org_id
              WHERE p.org_id = c.org_id) s"""  # noqa: S608 (ORM-built parts and constants)
    # the parameters in the order their parts appear in the statement
    order = [
        "degree",
        "theory",
        "nonlocal",
        "heads",
        "managers",
        "border",
        "nodes1",
        "watch",
        "nodes2",
        "second",
        "nodes3",
        "cells",
        "sec",
    ]
    from django.db import connection

    text = sql.format(**{k: v[0] for k, v in parts.items()})
    params = [p for key in order for p in parts[key][1]]
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    return {k: int(v or 0) for k, v in zip(FIGURES, row, strict=True)}


FIGURES = (
    "secretaries",
    "degree",
    "theory",
    "non_local",
    "village",
    "village_heads",
    "enterprise",
    "managers",
    "border",
    "watched",
    "seconded",
)


def cadre_counts(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    """The counts behind `cadre_summary` on a date (keys: `FIGURES`; the first eight are the
    groups of `secretary_posts`), in one statement."""
    from django.core.exceptions import EmptyResultSet

    nodes = _nodes_on(org, on)
    if nodes is None:
        return dict.fromkeys(FIGURES, 0)
    try:
        return _figures_on(user=user, nodes=nodes, on=on)
    except EmptyResultSet:  # a part that selects nothing (an empty scope): nothing to count
        return dict.fromkeys(FIGURES, 0)


def cadre_summary(
    *,
    user: Any,
    org: Organization | None,
    on: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """The seeds' figures for a node on a date (and, with a period, its training)."""
    out: dict[str, Any] = {"under": org.code if org else None, "as_of": on.isoformat()}
    f = cadre_counts(user=user, org=org, on=on)
    n = f["secretaries"]
    out.update(
        {
            "secretaries": n,
            "degree_share": percent(f["degree"], n),
            "theory_share": percent(f["theory"], n),
            "non_local_share": percent(f["non_local"], n),
            "village_cell_secretaries": f["village"],
            "village_head_share": percent(f["village_heads"], f["village"]),
            "enterprise_cell_secretaries": f["enterprise"],
            "workshop_manager_share": percent(f["managers"], f["enterprise"]),
            "border_guard_communes": f["border"],
            "watched_units": f["watched"],
            "seconded": f["seconded"],
        }
    )
    if start is not None and end is not None:
        out["from"], out["to"] = start.isoformat(), end.isoformat()
        out.update(cadre_training(user=user, org=org, start=start, end=end))
    return out


def cadre_training(
    *, user: Any, org: Organization | None, start: dt.date, end: dt.date
) -> dict[str, int]:
    """The training under the node over the period: `courses` started in it by organizers in the
    subtree, `trained` distinct people who completed one, `trained_leaders` those of them who
    were secretaries or deputies of an organization in the subtree during the period."""
    trained = set(_trained_ids(user=user, org=org, start=start, end=end))
    return {
        "courses": courses(user=user, org=org, start=start, end=end).count(),
        "trained": len(trained),
        "trained_leaders": len(
            trained.intersection(_leader_ids(user=user, org=org, start=start, end=end))
        ),
    }


def _trained_ids(*, user: Any, org: Organization | None, start: dt.date, end: dt.date) -> Any:
    """The members who completed a course started in the period by an organizer in the subtree."""
    course_ids = courses(user=user, org=org, start=start, end=end).values("pk")
    return (
        Enrolment.objects.restrict(user, VIEW)
        .filter(course_id__in=course_ids, completed=True)
        .values_list("member_id", flat=True)
        .distinct()
    )


def _leader_ids(*, user: Any, org: Organization | None, start: dt.date, end: dt.date) -> Any:
    """The members who were secretaries or deputy secretaries of an organization in the subtree
    at some time in the period."""
    return (
        posts(user=user)
        .filter(
            overlaps_q(start, _day_after(end)),
            position__in=LEADERS,
            org_id__in=_nodes_during(org, start, end).values("org_id"),
        )
        .values_list("member_id", flat=True)
        .distinct()
    )


def trained_members(
    *, user: Any, org: Organization | None, start: dt.date, end: dt.date, leaders: bool = False
) -> QuerySet[Member]:
    """The people behind `cadre_summary`'s `trained` (or, with `leaders`, `trained_leaders`)."""
    qs = Member.objects.filter(pk__in=_trained_ids(user=user, org=org, start=start, end=end))
    if leaders:
        qs = qs.filter(pk__in=_leader_ids(user=user, org=org, start=start, end=end))
    return qs.order_by("search_key", "id")


# the groups of secretaries behind `cadre_summary`'s shares (see the module's docstring)
SECRETARY_GROUPS = (
    "secretaries",
    "degree",
    "theory",
    "non_local",
    "village",
    "village_heads",
    "enterprise",
    "managers",
)


def secretary_posts(
    *, user: Any, org: Organization | None, on: dt.date, group: str = "secretaries"
) -> QuerySet[Post]:
    """The posts behind `cadre_summary`'s counts of secretaries on the date: the secretaries of
    the party cells under the node, or one of `SECRETARY_GROUPS` of them (with a degree, with
    political theory, non-local; of village cells and those of them who head the village; of
    enterprise cells and those of them who manage a workshop or division)."""
    if group not in SECRETARY_GROUPS:
        raise ValueError(f"unknown group of secretaries: {group!r}")
    nodes = _nodes_on(org, on)
    if nodes is None:
        return Post.objects.none()
    cells = nodes.filter(kind__key__in=CELL_KINDS).values("org_id")
    qs = posts(user=user).filter(valid_on_q(on), position=Position.SECRETARY, org_id__in=cells)
    facts = CadreFact.objects.restrict(user, VIEW).filter(valid_on_q(on))
    roles = ConcurrentRole.objects.restrict(user, VIEW).filter(valid_on_q(on))
    if group == "degree":
        qs = qs.filter(member_id__in=_qualified(QualificationKind.PROFESSIONAL, DEGREES, on))
    elif group == "theory":
        qs = qs.filter(member_id__in=_qualified(QualificationKind.THEORY, THEORY, on))
    elif group == "non_local":
        qs = qs.filter(member_id__in=facts.filter(kind=FactKind.NON_LOCAL).values("member_id"))
    elif group in ("village", "village_heads"):
        qs = qs.filter(org__sector__in=VILLAGE_SECTORS)
        if group == "village_heads":
            heads = roles.filter(kind__in=(RoleKind.VILLAGE_HEAD, RoleKind.RESIDENTIAL_GROUP_HEAD))
            qs = qs.filter(member_id__in=heads.values("member_id"))
    elif group in ("enterprise", "managers"):
        qs = qs.filter(org__sector__in=ENTERPRISE_SECTORS)
        if group == "managers":
            managers = roles.filter(kind=RoleKind.WORKSHOP_MANAGER)
            qs = qs.filter(member_id__in=managers.values("member_id"))
    return qs.select_related("member", "org").order_by("org__code", "id")


def _qualified(kind: str, levels: tuple[str, ...], on: dt.date) -> Any:
    return Qualification.objects.filter(
        kind=kind, level__in=list(levels), obtained_on__lte=on
    ).values("member_id")


def border_guard_communes(
    *, user: Any, org: Organization | None, on: dt.date
) -> QuerySet[Organization]:
    """The organizations behind `cadre_summary`'s `border_guard_communes`: those under the node
    (or the node) with a border-guard officer recorded on their committee on the date."""
    nodes = _nodes_on(org, on)
    if nodes is None:
        return Organization.objects.none()
    facts = CadreFact.objects.restrict(user, VIEW).filter(
        valid_on_q(on), kind=FactKind.BORDER_GUARD_OFFICER
    )
    return Organization.objects.filter(
        pk__in=facts.values("org_id"), id__in=nodes.values("org_id")
    ).order_by("code")


def watched_orgs(*, user: Any, org: Organization | None, on: dt.date) -> QuerySet[Organization]:
    """The organizations behind `cadre_summary`'s `watched_units`: those under the node (or the
    node) watched by a committee member on the date."""
    nodes = _nodes_on(org, on)
    if nodes is None:
        return Organization.objects.none()
    watches = WatchAssignment.objects.restrict(user, VIEW).filter(valid_on_q(on))
    return Organization.objects.filter(
        pk__in=watches.values("unit_id"), id__in=nodes.values("org_id")
    ).order_by("code")


def cadre_posts_counts(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    """Posts held under the node on the date, by position."""
    nodes = _nodes_on(org, on)
    if nodes is None:
        return {}
    out: dict[str, int] = {}
    for position in (
        posts(user=user)
        .filter(valid_on_q(on), org_id__in=nodes.values("org_id"))
        .values_list("position", flat=True)
    ):
        out[position] = out.get(position, 0) + 1
    return out


def secretary_of(*, cell: Organization, on: dt.date) -> Post | None:
    return (
        Post.objects.filter(valid_on_q(on), org=cell, position=Position.SECRETARY)
        .select_related("member")
        .first()
    )


CHANGE = "member.change"
PEOPLE_LIMIT = 1000


def people_under(*, user: Any, org: Organization, on: dt.date, action: str = CHANGE) -> list[tuple[int, str]]:
    """(pk, name) of the members the user may act on with an affiliation on the date in the
    organization's subtree: the choices of the appointment and enrolment forms (capped)."""
    from chibo.members.models import Affiliation

    v = org.version_on(on) or org.latest_version()
    if v is None:
        return []
    orgs = OrgVersion.objects.filter(valid_on_q(on)).filter(any_subtree_q([v.path])).values("org_id")
    holders = Affiliation.objects.filter(valid_on_q(on), org_id__in=orgs).values("member_id")
    qs = Member.objects.restrict(user, action).filter(pk__in=holders).order_by("search_key", "pk")
    return [(pk, name) for pk, name in qs.values_list("pk", "full_name")[:PEOPLE_LIMIT]]


def committees_above(*, user: Any, org: Organization, on: dt.date) -> list[Organization]:
    """The organizations above the unit on the date (nearest first) where the user may act:
    those whose committee members the user may assign to watch the unit."""
    version = org.version_on(on) or org.latest_version()
    if version is None:
        return []
    ids = [pk for pk in reversed(segments(version.path)) if pk != org.pk]
    found = {o.pk: o for o in Organization.objects.restrict(user, CHANGE).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


@dataclass
class MyPost:
    post: Post
    current: bool
    alongside: list[Post]  # other posts held at the same time, at another unit


@dataclass
class MyRecord:
    member: Member | None
    current: list[MyPost]
    past: list[MyPost]
    roles: list[ConcurrentRole]
    enrolments: list[Enrolment]


def my_record(*, user: Any, on: dt.date) -> MyRecord:
    """The signed-in user's own cadre record (the member linked to the account): their posts,
    current and past, each with the posts held at the same time at other units, their other roles
    and their training. A member always sees their own record; nobody else's is read here."""
    if not getattr(user, "is_authenticated", False):
        return MyRecord(None, [], [], [], [])
    member = Member.objects.filter(user_id=user.pk).first()
    if member is None:
        return MyRecord(None, [], [], [], [])
    posts = list(Post.objects.filter(member=member).select_related("org").order_by("-valid_from", "id"))
    mine: list[MyPost] = []
    for p in posts:
        alongside = [
            o for o in posts
            if o.pk != p.pk and o.org_id != p.org_id
            and (o.valid_to is None or o.valid_to > p.valid_from)
            and (p.valid_to is None or p.valid_to > o.valid_from)
        ]
        current = p.valid_from <= on and (p.valid_to is None or p.valid_to > on)
        mine.append(MyPost(post=p, current=current, alongside=alongside))
    for p in posts:
        v = p.org.version_on(p.valid_from) or p.org.latest_version()
        p.org_name = v.name if v else p.org.code  # type: ignore[attr-defined]
    return MyRecord(
        member=member,
        current=[m for m in mine if m.current],
        past=[m for m in mine if not m.current],
        roles=list(ConcurrentRole.objects.filter(member=member).select_related("org").order_by("-valid_from")),
        enrolments=list(
            Enrolment.objects.filter(member=member).select_related("course").order_by("-course__starts_on")
        ),
    )
