"""Writes about cadres. Each function is one transaction, validates before it writes (a refusal
writes nothing) and records an audit event. Rules come from the rulebook as of the date that
matters: `cell.committee_threshold` (from 9 official members a cell elects a cell committee) and
`cell.deputies_without_committee` (below it, a secretary and at most one deputy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.accounts.models import Role, RoleAssignment
from chibo.accounts.services import role_assign, role_end
from chibo.core.audit import audit_log
from chibo.core.paths import segments, subtree_q
from chibo.core.validtime import overlaps_q, valid_on_q
from chibo.members.choices import AffiliationKind, ProfessionalLevel, Status, TheoryLevel
from chibo.members.models import Affiliation, Member, StatusPeriod
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.selectors import rule

from .models import (
    CadreFact,
    ConcurrentRole,
    Contest,
    ContestEntry,
    ContestRound,
    ContestScore,
    CourseKind,
    Enrolment,
    FactKind,
    Method,
    Position,
    Qualification,
    QualificationKind,
    RoleKind,
    Rotation,
    Secondment,
    SuccessionPlan,
    TrainingCourse,
    WatchAssignment,
)
from .models import Post as Post

WATCHER_ROLE = "committee_viewer"
COMMITTEE_POSITIONS = (Position.CELL_COMMITTEE_MEMBER,)


def _d(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


@dataclass(frozen=True)
class DecisionInfo:
    number: str = ""
    date: dt.date | None = None


def _version(org: Organization, on: dt.date) -> OrgVersion:
    v = org.version_on(on)
    if v is None:
        raise ValidationError(
            _("“%(code)s” does not exist on %(date)s.") % {"code": org.code, "date": _d(on)}
        )
    return v


def _check_period(valid_from: dt.date, valid_to: dt.date | None) -> None:
    if valid_to is not None and valid_to <= valid_from:
        raise ValidationError(_("The end date must be after the start date."))


def official_members_in_cell(org: Organization, on: dt.date) -> int:
    """Official members with an official affiliation in the cell on the date."""
    members = Affiliation.objects.filter(
        valid_on_q(on), org=org, kind=AffiliationKind.OFFICIAL
    ).values("member_id")
    return StatusPeriod.objects.filter(
        valid_on_q(on), status=Status.OFFICIAL, member_id__in=members
    ).count()


def _rule_ids(version: OrgVersion) -> list[int]:
    return list(reversed(segments(version.path)))


def _member_active_in(member: Member, version: OrgVersion, on: dt.date) -> Affiliation | None:
    """The member's official affiliation on the date in a cell of the organization's subtree."""
    cells = (
        OrgVersion.objects.filter(valid_on_q(on)).filter(subtree_q(version.path)).values("org_id")
    )
    return Affiliation.objects.filter(
        valid_on_q(on), member=member, kind=AffiliationKind.OFFICIAL, org_id__in=cells
    ).first()


def _status_on(member: Member, on: dt.date) -> str | None:
    return (
        StatusPeriod.objects.filter(valid_on_q(on), member=member)
        .values_list("status", flat=True)
        .first()
    )


def check_size_rule(
    *,
    org: Organization,
    version: OrgVersion,
    position: str,
    on: dt.date,
    exclude_pk: int | None = None,
) -> None:
    """A cell below the committee threshold elects a secretary and at most N deputies and no cell
    committee; from the threshold on, a cell committee. Not a cell: nothing to check."""
    if not version.kind.is_cell:
        return
    ids = _rule_ids(version)
    threshold = int(rule("cell.committee_threshold", on=on, org_ids=ids))
    n = official_members_in_cell(org, on)
    if n >= threshold:
        return
    if position == Position.CELL_COMMITTEE_MEMBER:
        raise ValidationError(
            _(
                "A cell with %(n)d official members (fewer than %(t)d) elects a secretary and a deputy, "
                "not a cell committee."
            )
            % {"n": n, "t": threshold}
        )
    if position == Position.DEPUTY_SECRETARY:
        most = int(rule("cell.deputies_without_committee", on=on, org_ids=ids))
        others = Post.objects.filter(org=org, position=position).filter(valid_on_q(on))
        if exclude_pk is not None:
            others = others.exclude(pk=exclude_pk)
        if others.count() >= most:
            raise ValidationError(
                _(
                    "A cell with %(n)d official members (fewer than %(t)d) has at most %(most)d deputy "
                    "secretary."
                )
                % {"n": n, "t": threshold, "most": most}
            )


def _clip_end(
    *,
    org: Organization,
    member: Member,
    version: OrgVersion,
    valid_from: dt.date,
    valid_to: dt.date | None,
    exception: str,
) -> dt.date | None:
    """A post ends no later than its organization, and (without an exception) no later than the
    holder's affiliation in it."""
    ends = [d for d in (valid_to, org.valid_to) if d is not None]
    if not exception:
        a = _member_active_in(member, version, valid_from)
        if a is not None and a.valid_to is not None:
            ends.append(a.valid_to)
    return min(ends) if ends else None


@transaction.atomic
def post_assign(
    *,
    actor: Any,
    org: Organization,
    member: Member,
    position: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    method: str = Method.ELECTION,
    decision: DecisionInfo | None = None,
    exception: str = "",
) -> Post:
    """A member takes a post at an organization. The holder must be an official member on the
    date, active in the organization's subtree (or the post names a documented exception); one
    secretary per organization at a time; a cell's posts follow the size rule in force."""
    decision = decision or DecisionInfo()
    if position not in Position.values:
        raise ValidationError(_("Unknown position."))
    if method not in Method.values:
        raise ValidationError(_("Unknown way of taking the post."))
    if method == Method.APPOINTMENT and not decision.number:
        raise ValidationError(_("An appointment needs the number of its decision."))
    _check_period(valid_from, valid_to)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    version = _version(org, valid_from)
    status = _status_on(member, valid_from)
    if status != Status.OFFICIAL:
        label = Status(status).label if status in Status.values else _("not a member")
        raise ValidationError(
            _(
                "%(name)s is not an official member on %(date)s (%(status)s): a post needs an official "
                "member."
            )
            % {"name": member.full_name, "date": _d(valid_from), "status": label}
        )
    if not exception.strip() and _member_active_in(member, version, valid_from) is None:
        raise ValidationError(
            _("%(name)s is not active in “%(org)s” on %(date)s; name the documented exception.")
            % {"name": member.full_name, "org": version.name, "date": _d(valid_from)}
        )
    valid_to = _clip_end(
        org=org,
        member=member,
        version=version,
        valid_from=valid_from,
        valid_to=valid_to,
        exception=exception.strip(),
    )
    if valid_to is not None and valid_to <= valid_from:
        raise ValidationError(
            _("The organization or the membership ends before the post would start.")
        )
    overlap = Post.objects.filter(org=org).filter(overlaps_q(valid_from, valid_to))
    if position == Position.SECRETARY:
        other = overlap.filter(position=Position.SECRETARY).select_related("member").first()
        if other is not None:
            raise ValidationError(
                _("“%(org)s” already has a secretary then: %(name)s from %(date)s.")
                % {
                    "org": version.name,
                    "name": other.member.full_name,
                    "date": _d(other.valid_from),
                }
            )
    if overlap.filter(position=position, member=member).exists():
        raise ValidationError(
            _("%(name)s already holds this post then.") % {"name": member.full_name}
        )
    check_size_rule(org=org, version=version, position=position, on=valid_from)
    post = Post.objects.create(
        org=org,
        member=member,
        position=position,
        method=method,
        decision_no=decision.number,
        decision_date=decision.date,
        exception=exception.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    audit_log(
        actor=actor,
        action="post.assign",
        target=post,
        target_label=f"{member.full_name}: {version.name}",
        org_path=version.path,
        after={
            "position": position,
            "valid_from": str(valid_from),
            "valid_to": str(valid_to) if valid_to else None,
            "method": method,
        },
        reason=decision.number,
    )
    return post


@transaction.atomic
def post_end(*, actor: Any, post: Post, on: dt.date, reason: str) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if on <= post.valid_from:
        raise ValidationError(_("A post ends after it starts."))
    if post.valid_to is not None and post.valid_to <= on:
        raise ValidationError(_("The post has already ended."))
    before = {"valid_to": str(post.valid_to) if post.valid_to else None}
    post.valid_to = on
    post.end_reason = reason[:200]
    post.save(update_fields=["valid_to", "end_reason"])
    v = post.org.version_on(post.valid_from) or post.org.latest_version()
    audit_log(
        actor=actor,
        action="post.end",
        target=post,
        org_path=v.path if v else "",
        before=before,
        after={"valid_to": str(on)},
        reason=reason,
    )
    return post


@transaction.atomic
def posts_reconcile(*, actor: Any, org_ids: Iterable[int] | None = None) -> int:
    """End the posts that outlive their organization or (without an exception) their holder's
    official affiliation in it or official status: after a restructuring, a transfer or a
    status change. Returns how many posts were ended."""
    posts = Post.objects.select_related("org", "member")
    if org_ids is not None:
        posts = posts.filter(org_id__in=list(org_ids))
    ended = 0
    for post in posts.select_for_update():
        end = post.valid_to
        if post.org.valid_to is not None and (end is None or end > post.org.valid_to):
            end = post.org.valid_to
        if not post.exception:
            version = post.org.version_on(post.valid_from)
            a = _member_active_in(post.member, version, post.valid_from) if version else None
            a_end = post.valid_from if a is None else a.valid_to
            if a_end is not None and (end is None or end > a_end):
                end = a_end
        official = list(
            StatusPeriod.objects.filter(member=post.member, valid_from__lte=post.valid_from)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=post.valid_from))
            .filter(status=Status.OFFICIAL)
            .values_list("valid_to", flat=True)[:1]
        )
        # not official on the post's first day any more (e.g. expelled that very day): it never ran
        official_end = official[0] if official else post.valid_from
        if official_end is not None and (end is None or end > official_end):
            end = official_end
        if end != post.valid_to:
            before = str(post.valid_to) if post.valid_to else None
            if end is not None and end <= post.valid_from:
                # the holder left (or the organization ended) on the day the post began: it never
                # ran, so it is voided; the audit trail keeps it
                audit_log(
                    actor=actor,
                    action="post.void",
                    target=post,
                    before={
                        "valid_from": str(post.valid_from),
                        "valid_to": before,
                        "member": post.member_id,
                        "position": post.position,
                    },
                    reason="reconciled",
                )
                post.delete()
                ended += 1
                continue
            post.valid_to = end
            post.end_reason = "reconciled"
            post.save(update_fields=["valid_to", "end_reason"])
            audit_log(
                actor=actor,
                action="post.end",
                target=post,
                before={"valid_to": before},
                after={"valid_to": str(end)},
                reason="reconciled",
            )
            ended += 1
    return ended


@transaction.atomic
def rotation_record(
    *,
    actor: Any,
    post: Post,
    to_org: Organization,
    position: str,
    on: dt.date,
    decision: DecisionInfo,
    exception: str = "",
) -> Rotation:
    """Move a cadre from a post to another (another place or position) by a decision."""
    if not decision.number or decision.date is None:
        raise ValidationError(_("A rotation needs its decision (number and date)."))
    post_end(actor=actor, post=post, on=on, reason=decision.number)
    new = post_assign(
        actor=actor,
        org=to_org,
        member=post.member,
        position=position,
        valid_from=on,
        method=Method.APPOINTMENT,
        decision=decision,
        exception=exception,
    )
    rotation = Rotation.objects.create(
        member=post.member,
        from_post=post,
        to_post=new,
        on=on,
        decision_no=decision.number,
        decision_date=decision.date,
    )
    audit_log(
        actor=actor,
        action="rotation.record",
        target=rotation,
        after={"from": post.pk, "to": new.pk},
        reason=decision.number,
    )
    return rotation


@transaction.atomic
def concurrent_role_add(
    *,
    actor: Any,
    member: Member,
    org: Organization,
    kind: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    unit_name: str = "",
) -> ConcurrentRole:
    if kind not in RoleKind.values:
        raise ValidationError(_("Unknown role."))
    _check_period(valid_from, valid_to)
    version = _version(org, valid_from)
    role = ConcurrentRole.objects.create(
        member=member,
        org=org,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        unit_name=unit_name,
    )
    audit_log(
        actor=actor,
        action="concurrent_role.add",
        target=role,
        org_path=version.path,
        after={"kind": kind, "valid_from": str(valid_from)},
    )
    return role


@transaction.atomic
def cadre_fact_record(
    *,
    actor: Any,
    member: Member,
    org: Organization,
    kind: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    decision_no: str = "",
) -> CadreFact:
    if kind not in FactKind.values:
        raise ValidationError(_("Unknown fact."))
    _check_period(valid_from, valid_to)
    version = _version(org, valid_from)
    fact = CadreFact.objects.create(
        member=member,
        org=org,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        decision_no=decision_no,
    )
    audit_log(
        actor=actor,
        action="cadre_fact.record",
        target=fact,
        org_path=version.path,
        after={"kind": kind, "valid_from": str(valid_from)},
    )
    return fact


@transaction.atomic
def succession_plan_add(
    *,
    actor: Any,
    member: Member,
    org: Organization,
    position: str,
    term: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    decision_no: str = "",
) -> SuccessionPlan:
    if position not in Position.values:
        raise ValidationError(_("Unknown position."))
    if not term.strip():
        raise ValidationError(_("Name the term (e.g. 2025–2030)."))
    _check_period(valid_from, valid_to)
    version = _version(org, valid_from)
    plan = SuccessionPlan.objects.create(
        member=member,
        org=org,
        position=position,
        term=term.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        decision_no=decision_no,
    )
    audit_log(
        actor=actor,
        action="succession.add",
        target=plan,
        org_path=version.path,
        after={"position": position, "term": plan.term},
    )
    return plan


_LEVELS = {
    QualificationKind.PROFESSIONAL: set(ProfessionalLevel.values),
    QualificationKind.THEORY: set(TheoryLevel.values),
}


@transaction.atomic
def qualification_record(
    *,
    actor: Any,
    member: Member,
    kind: str,
    level: str,
    obtained_on: dt.date,
    certificate_no: str = "",
    issuer: str = "",
) -> Qualification:
    if kind not in QualificationKind.values:
        raise ValidationError(_("Unknown kind of qualification."))
    allowed = _LEVELS.get(QualificationKind(kind))
    if allowed is not None and level not in allowed:
        raise ValidationError(_("Unknown level for this kind of qualification."))
    if obtained_on <= member.birth_date:
        raise ValidationError(_("A qualification is obtained after birth."))
    q = Qualification.objects.create(
        member=member,
        kind=kind,
        level=level,
        obtained_on=obtained_on,
        certificate_no=certificate_no,
        issuer=issuer,
    )
    audit_log(
        actor=actor,
        action="qualification.record",
        target=q,
        target_label=member.full_name,
        after={"kind": kind, "level": level, "obtained_on": str(obtained_on)},
    )
    return q


@transaction.atomic
def course_create(
    *,
    actor: Any,
    organizer: Organization,
    topic: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    place: str = "",
) -> TrainingCourse:
    if not topic.strip():
        raise ValidationError({"topic": [_("Give the course's topic.")]})
    if kind not in CourseKind.values:
        raise ValidationError({"kind": [_("Unknown kind of course.")]})
    if ends_on < starts_on:
        raise ValidationError(
            {
                "ends_on": [
                    _("The course ends (%(end)s) before it starts (%(start)s).")
                    % {"end": _d(ends_on), "start": _d(starts_on)}
                ]
            }
        )
    version = _version(organizer, starts_on)
    course = TrainingCourse.objects.create(
        organizer=organizer,
        topic=topic.strip(),
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
    )
    audit_log(
        actor=actor,
        action="course.create",
        target=course,
        org_path=version.path,
        after={"kind": kind, "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    return course


@transaction.atomic
def enrolment_record(
    *,
    actor: Any,
    course: TrainingCourse,
    member: Member,
    attended_days: int = 0,
    completed: bool = False,
    certificate_no: str = "",
) -> Enrolment:
    length = (course.ends_on - course.starts_on).days + 1
    if not 0 <= attended_days <= length:
        raise ValidationError(_("Days attended: between 0 and %(n)d.") % {"n": length})
    if Enrolment.objects.filter(course=course, member=member).exists():
        raise ValidationError(_("%(name)s is already enrolled.") % {"name": member.full_name})
    e = Enrolment.objects.create(
        course=course,
        member=member,
        attended_days=attended_days,
        completed=completed,
        certificate_no=certificate_no,
    )
    audit_log(
        actor=actor,
        action="enrolment.record",
        target=e,
        target_label=member.full_name,
        after={"course": course.pk, "completed": completed},
    )
    return e


@transaction.atomic
def enrolment_result(
    *,
    actor: Any,
    enrolment: Enrolment,
    attended_days: int,
    completed: bool,
    certificate_no: str = "",
) -> Enrolment:
    """Record how an enrolled member did: days attended, completion and the certificate."""
    e = Enrolment.objects.select_for_update().select_related("course", "member").get(pk=enrolment.pk)
    length = (e.course.ends_on - e.course.starts_on).days + 1
    if not 0 <= attended_days <= length:
        raise ValidationError(_("Days attended: between 0 and %(n)d.") % {"n": length})
    if completed and attended_days == 0:
        raise ValidationError(_("A member who attended no day has not completed the course."))
    before = {"attended_days": e.attended_days, "completed": e.completed, "certificate_no": e.certificate_no}
    e.attended_days = attended_days
    e.completed = completed
    e.certificate_no = certificate_no.strip()[:64]
    e.save(update_fields=["attended_days", "completed", "certificate_no"])
    audit_log(
        actor=actor,
        action="enrolment.result",
        target=e,
        target_label=e.member.full_name,
        before=before,
        after={"attended_days": attended_days, "completed": completed, "certificate_no": e.certificate_no},
    )
    return e


@transaction.atomic
def contest_create(
    *, actor: Any, organizer: Organization, title: str, year: int, rounds: list[tuple[str, dt.date]]
) -> Contest:
    if not title.strip():
        raise ValidationError(_("Give the contest's title."))
    days = [d for _n, d in rounds]
    if days != sorted(days):
        raise ValidationError(_("The rounds must be in date order."))
    contest = Contest.objects.create(organizer=organizer, title=title.strip(), year=year)
    ContestRound.objects.bulk_create(
        [
            ContestRound(contest=contest, number=i, name=name, held_on=d)
            for i, (name, d) in enumerate(rounds, start=1)
        ]
    )
    audit_log(
        actor=actor,
        action="contest.create",
        target=contest,
        after={"year": year, "rounds": len(rounds)},
    )
    return contest


@transaction.atomic
def contest_enter(
    *, actor: Any, contest: Contest, member: Member, cell: Organization
) -> ContestEntry:
    if ContestEntry.objects.filter(contest=contest, member=member).exists():
        raise ValidationError(_("%(name)s is already an entrant.") % {"name": member.full_name})
    entry = ContestEntry.objects.create(contest=contest, member=member, cell=cell)
    audit_log(actor=actor, action="contest.enter", target=entry, target_label=member.full_name)
    return entry


@transaction.atomic
def contest_score(
    *, actor: Any, round: ContestRound, entry: ContestEntry, score: float
) -> ContestScore:
    if entry.contest_id != round.contest_id:
        raise ValidationError(_("The entrant is not in this contest."))
    if not 0 <= score <= 100:
        raise ValidationError(_("A score is between 0 and 100."))
    s, _created = ContestScore.objects.update_or_create(
        round=round, entry=entry, defaults={"score": score}
    )
    audit_log(actor=actor, action="contest.score", target=s, after={"score": str(score)})
    return s


@transaction.atomic
def contest_award(*, actor: Any, entry: ContestEntry, award: str) -> ContestEntry:
    before = entry.award
    entry.award = award.strip()[:100]
    entry.save(update_fields=["award"])
    audit_log(
        actor=actor,
        action="contest.award",
        target=entry,
        before={"award": before},
        after={"award": entry.award},
    )
    return entry


@transaction.atomic
def watch_assign(
    *,
    actor: Any,
    watcher: Member,
    committee: Organization,
    unit: Organization,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    decision_no: str = "",
) -> WatchAssignment:
    """Member X of the committee of node N watches unit U for a period. The unit must be under N;
    when the watcher has a sign-in, a viewer role at the unit for the same period lets them see
    its pages (the one scoping mechanism: role assignments)."""
    _check_period(valid_from, valid_to)
    cv = _version(committee, valid_from)
    uv = _version(unit, valid_from)
    if not uv.path.startswith(cv.path) or uv.org_id == cv.org_id:
        raise ValidationError(
            _("“%(unit)s” is not under “%(node)s”.") % {"unit": uv.name, "node": cv.name}
        )
    on_committee = Post.objects.filter(
        valid_on_q(valid_from), org=committee, member=watcher
    ).exists()
    if not on_committee:
        raise ValidationError(
            _("%(name)s holds no post on the committee of “%(node)s” on %(date)s.")
            % {"name": watcher.full_name, "node": cv.name, "date": _d(valid_from)}
        )
    ra: RoleAssignment | None = None
    if watcher.user is not None:
        ra = role_assign(
            actor=actor,
            user=watcher.user,
            role=Role.objects.get(key=WATCHER_ROLE),
            org=unit,
            valid_from=valid_from,
            valid_to=valid_to,
            note=_("Assigned to watch this unit"),
        )
    w = WatchAssignment.objects.create(
        watcher=watcher,
        committee=committee,
        unit=unit,
        valid_from=valid_from,
        valid_to=valid_to,
        decision_no=decision_no,
        role_assignment=ra,
    )
    audit_log(
        actor=actor,
        action="watch.assign",
        target=w,
        org_path=uv.path,
        after={"watcher": watcher.pk, "unit": unit.code, "valid_from": str(valid_from)},
    )
    return w


@transaction.atomic
def watch_end(*, actor: Any, watch: WatchAssignment, on: dt.date) -> WatchAssignment:
    if on <= watch.valid_from or (watch.valid_to is not None and watch.valid_to <= on):
        raise ValidationError(_("The assignment is not running on that date."))
    watch.valid_to = on
    watch.save(update_fields=["valid_to"])
    if watch.role_assignment is not None:
        role_end(actor=actor, assignment=watch.role_assignment, on=on)
    audit_log(actor=actor, action="watch.end", target=watch, after={"valid_to": str(on)})
    return watch


@transaction.atomic
def secondment_record(
    *,
    actor: Any,
    member: Member,
    from_org: Organization,
    to_org: Organization,
    post_held: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    decision: DecisionInfo,
) -> Secondment:
    """A department's cadre sent to a commune-level committee for a period (valid_to: the return)."""
    if not decision.number or decision.date is None:
        raise ValidationError(_("A secondment needs its decision (number and date)."))
    if not post_held.strip():
        raise ValidationError(_("Name the post held at the commune."))
    _check_period(valid_from, valid_to)
    _version(from_org, valid_from)
    tv = _version(to_org, valid_from)
    if from_org.pk == to_org.pk:
        raise ValidationError(_("A cadre is seconded to another organization."))
    s = Secondment.objects.create(
        member=member,
        from_org=from_org,
        to_org=to_org,
        post_held=post_held.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        decision_no=decision.number,
        decision_date=decision.date,
    )
    audit_log(
        actor=actor,
        action="secondment.record",
        target=s,
        org_path=tv.path,
        after={"to": to_org.code, "valid_from": str(valid_from)},
        reason=decision.number,
    )
    return s
