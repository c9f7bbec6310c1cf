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

from django.db.models import QuerySet

from chibo.core.paths import any_subtree_q
from chibo.core.validtime import overlaps_q, valid_on_q
from chibo.members.choices import ProfessionalLevel, TheoryLevel
from chibo.members.models import Member
from chibo.orgs.models import Organization, OrgVersion, Sector

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


def _nodes_during(org: Organization | None, start: dt.date, end: dt.date) -> QuerySet[OrgVersion]:
    """Organizations in the node's subtree at some time in [start, end]: the subtree under any
    path the node had."""
    qs = OrgVersion.objects.filter(overlaps_q(start, end + dt.timedelta(days=1)))
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
        "seconded_in": list(Secondment.objects.restrict(user, VIEW).filter(valid_on_q(on), to_org=org)
                            .select_related("member", "from_org")),
        "seconded_out": list(Secondment.objects.restrict(user, VIEW).filter(valid_on_q(on), from_org=org)
                             .select_related("member", "to_org")),
        "watchers": list(WatchAssignment.objects.restrict(user, VIEW).filter(valid_on_q(on), unit=org)
                         .select_related("watcher", "committee")),
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
        posts=list(Post.objects.restrict(user, VIEW).filter(member=member).select_related("org")
                   .order_by("-valid_from")),
        roles=list(ConcurrentRole.objects.restrict(user, VIEW).filter(member=member).order_by("-valid_from")),
        facts=list(CadreFact.objects.restrict(user, VIEW).filter(member=member).order_by("-valid_from")),
        qualifications=list(Qualification.objects.filter(member=member).order_by("-obtained_on")),
        enrolments=list(Enrolment.objects.restrict(user, VIEW).filter(member=member)
                        .select_related("course").order_by("-course__starts_on")),
        plans=list(SuccessionPlan.objects.restrict(user, VIEW).filter(member=member).select_related("org")),
        secondments=list(Secondment.objects.restrict(user, VIEW).filter(member=member)
                         .select_related("from_org", "to_org")),
        watches=list(WatchAssignment.objects.restrict(user, VIEW).filter(watcher=member).select_related("unit")),
    )


def courses(*, user: Any, org: Organization | None = None, start: dt.date | None = None,
            end: dt.date | None = None) -> QuerySet[TrainingCourse]:
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
    return (WatchAssignment.objects.restrict(user, VIEW).filter(valid_on_q(on), watcher=member)
            .select_related("unit"))


def watchers_per_unit(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    nodes = _nodes_on(org, on)
    if nodes is None:
        return {}
    out: dict[str, int] = {}
    qs = (WatchAssignment.objects.restrict(user, VIEW).filter(valid_on_q(on), unit_id__in=nodes.values("org_id"))
          .values_list("unit__code", flat=True))
    for code in qs:
        out[code] = out.get(code, 0) + 1
    return out


def seconded_per_commune(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    nodes = _nodes_on(org, on)
    if nodes is None:
        return {}
    out: dict[str, int] = {}
    qs = (Secondment.objects.restrict(user, VIEW).filter(valid_on_q(on), to_org_id__in=nodes.values("org_id"))
          .values_list("to_org__code", flat=True))
    for code in qs:
        out[code] = out.get(code, 0) + 1
    return out


def _count_members(qs: QuerySet[Any], members: set[int]) -> int:
    return len(members.intersection(qs.values_list("member_id", flat=True)))


def cadre_summary(*, user: Any, org: Organization | None, on: dt.date, start: dt.date | None = None,
                  end: dt.date | None = None) -> dict[str, Any]:
    """The seeds' figures for a node on a date (and, with a period, its training)."""
    out: dict[str, Any] = {"under": org.code if org else None, "as_of": on.isoformat()}
    nodes = _nodes_on(org, on)
    cells = nodes.filter(kind__key__in=CELL_KINDS) if nodes is not None else None
    if cells is None:
        sec_rows: list[tuple[int, str]] = []
    else:
        sec_rows = list(posts(user=user).filter(valid_on_q(on), position=Position.SECRETARY,
                                                org_id__in=cells.values("org_id"))
                        .values_list("member_id", "org__sector"))
    secretaries = {m for m, _s in sec_rows}
    village = {m for m, s in sec_rows if s in VILLAGE_SECTORS}
    enterprise = {m for m, s in sec_rows if s in ENTERPRISE_SECTORS}
    n = len(secretaries)
    quals = Qualification.objects.filter(obtained_on__lte=on, member_id__in=list(secretaries)) if n else None
    degree = _count_members(quals.filter(kind=QualificationKind.PROFESSIONAL, level__in=DEGREES), secretaries) \
        if quals is not None else 0
    theory = _count_members(quals.filter(kind=QualificationKind.THEORY, level__in=THEORY), secretaries) \
        if quals is not None else 0
    facts = CadreFact.objects.restrict(user, VIEW).filter(valid_on_q(on))
    non_local = _count_members(facts.filter(kind=FactKind.NON_LOCAL, member_id__in=list(secretaries)),
                               secretaries) if n else 0
    roles = ConcurrentRole.objects.restrict(user, VIEW).filter(valid_on_q(on))
    village_heads = _count_members(
        roles.filter(kind__in=(RoleKind.VILLAGE_HEAD, RoleKind.RESIDENTIAL_GROUP_HEAD), member_id__in=list(village)),
        village) if village else 0
    managers = _count_members(roles.filter(kind=RoleKind.WORKSHOP_MANAGER, member_id__in=list(enterprise)),
                              enterprise) if enterprise else 0
    border = 0
    watched = seconded = 0
    if nodes is not None:
        border = (facts.filter(kind=FactKind.BORDER_GUARD_OFFICER, org_id__in=nodes.values("org_id"))
                  .values("org_id").distinct().count())
        watched = (WatchAssignment.objects.restrict(user, VIEW).filter(valid_on_q(on), unit_id__in=nodes.values("org_id"))
                   .values("unit_id").distinct().count())
        seconded = (Secondment.objects.restrict(user, VIEW).filter(valid_on_q(on), to_org_id__in=nodes.values("org_id"))
                    .count())
    out.update({
        "secretaries": n,
        "degree_share": percent(degree, n),
        "theory_share": percent(theory, n),
        "non_local_share": percent(non_local, n),
        "village_cell_secretaries": len(village),
        "village_head_share": percent(village_heads, len(village)),
        "enterprise_cell_secretaries": len(enterprise),
        "workshop_manager_share": percent(managers, len(enterprise)),
        "border_guard_communes": border,
        "watched_units": watched,
        "seconded": seconded,
    })
    if start is not None and end is not None:
        course_ids = courses(user=user, org=org, start=start, end=end).values("pk")
        out["from"], out["to"] = start.isoformat(), end.isoformat()
        out["courses"] = course_ids.count()
        trained = set(Enrolment.objects.restrict(user, VIEW).filter(course_id__in=course_ids, completed=True)
                      .values_list("member_id", flat=True).distinct())
        out["trained"] = len(trained)
        leaders = posts(user=user).filter(
            overlaps_q(start, end + dt.timedelta(days=1)), position__in=LEADERS,
            org_id__in=_nodes_during(org, start, end).values("org_id"),
        ).values_list("member_id", flat=True).distinct()
        out["trained_leaders"] = len(trained.intersection(leaders))
    return out


def cadre_posts_counts(*, user: Any, org: Organization | None, on: dt.date) -> dict[str, int]:
    """Posts held under the node on the date, by position."""
    nodes = _nodes_on(org, on)
    if nodes is None:
        return {}
    out: dict[str, int] = {}
    for position in posts(user=user).filter(valid_on_q(on), org_id__in=nodes.values("org_id")).values_list(
            "position", flat=True):
        out[position] = out.get(position, 0) + 1
    return out


def secretary_of(*, cell: Organization, on: dt.date) -> Post | None:
    return (Post.objects.filter(valid_on_q(on), org=cell, position=Position.SECRETARY)
            .select_related("member").first())



