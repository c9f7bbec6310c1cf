"""Every write of the evaluation app: keyword-only, one transaction each, validated with a
translated message, with its audit event.

The state machine of an assessment (domain.md §10.4):
pending -> self_assessed -> proposed -> appraised -> decided -> [complaint] reopened -> appraised
-> decided; any step before the decision may be skipped forward by the next one (the cell may
propose without a self-assessment on file, the committee may decide on the cell's proposal), never
backward. `not_rated` is set when the round opens (the rules' exclusions) or by an exclusion.
Every write names the `version` it read; another write in between makes it a `StaleWrite`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.paths import SEGMENT_WIDTH, any_subtree_q, segments, subtree_q
from chibo.core.validtime import today, valid_on_q
from chibo.members.choices import IN_PARTY, AffiliationKind, Status
from chibo.members.models import Affiliation, Member, StatusPeriod
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.calendar import add_working_days

from .models import (
    Assessment,
    Audience,
    CriteriaSet,
    Exclusion,
    Grade,
    Level,
    Participation,
    PeriodType,
    Post,
    Programme,
    Recognition,
    Round,
    State,
    Subject,
    level_rank,
)
from .rulesets import NoRuleSet, snapshot

CHANGE = "org.change"


class StaleWrite(Exception):
    """The record changed since the writer read it (HTTP 409): `current` is what it is now."""

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__("stale write")
        self.current = current


# --- helpers -------------------------------------------------------------------------------------


def _version_on(org: Organization | int, on: dt.date) -> OrgVersion | None:
    org_id = org if isinstance(org, int) else org.pk
    return (OrgVersion.objects.select_related("kind").filter(org_id=org_id).filter(valid_on_q(on)).first())


def _in_scope(actor: Any, org: Organization | int, action: str = CHANGE) -> bool:
    if actor is None:  # the system (demo, commands)
        return True
    org_id = org if isinstance(org, int) else org.pk
    return Organization.objects.restrict(actor, action).filter(pk=org_id).exists()


def _audit(actor: Any, target: Any, action: str, path: str, after: dict[str, Any] | None = None,
           before: dict[str, Any] | None = None, reason: str = "") -> None:
    audit_log(actor=actor, action=action, target=target, org_path=path, before=before, after=after,
              reason=reason)


def snapshot_of(a: Assessment) -> dict[str, Any]:
    return {
        "state": a.state, "scores": a.scores, "self_total": str(a.self_total) if a.self_total is not None else None,
        "self_level": a.self_level, "proposed_level": a.proposed_level, "appraised_level": a.appraised_level,
        "decided_level": a.decided_level, "decision_number": a.decision_number, "excluded": a.excluded,
        "disciplined_in_year": a.disciplined_in_year, "self_detected": a.self_detected,
        "targets_percent": a.targets_percent, "units_disciplined_percent": a.units_disciplined_percent,
        "version": a.version,
    }


def _lock(a: Assessment, version: int | None) -> Assessment:
    locked = Assessment.objects.select_for_update().select_related("round").get(pk=a.pk)
    if version is not None and locked.version != version:
        raise StaleWrite(snapshot_of(locked))
    return locked


def _save(a: Assessment, fields: list[str]) -> None:
    a.version += 1
    Assessment.objects.filter(pk=a.pk).update(version=F("version") + 1,
                                              **{f: getattr(a, f) for f in fields})


def _level(value: str, field: str) -> str:
    if value not in Level.values:
        raise ValidationError({field: [_("Choose one of the four levels.")]})
    return value


def _date(value: dt.date | None, a: Assessment, field: str) -> dt.date:
    on = value or today()
    if on < a.round.opened_on:
        raise ValidationError({field: [_("The date is before the round opened.")]})
    if on > today():
        raise ValidationError({field: [_("The date cannot be in the future.")]})
    return on


def band_level(total: Decimal, bands: dict[str, Any]) -> str:
    """The level a total of points falls in (366-QĐ/TW Art. 11)."""
    if total >= Decimal(str(bands["excellent"])):
        return Level.EXCELLENT
    if total >= Decimal(str(bands["good"])):
        return Level.GOOD
    if total >= Decimal(str(bands["completion"])):
        return Level.COMPLETED
    return Level.NOT_COMPLETED


def forced_level(a: Assessment, rules: dict[str, Any]) -> tuple[str, str]:
    """The best level the rules allow given the recorded events, and the reason ('' if none)."""
    if a.disciplined_in_year and not a.self_detected and rules.get("fail_if_disciplined", True):
        return Level.NOT_COMPLETED, "disciplined_in_year"
    if rules.get("fail_if_weak", True) and any(v == Grade.WEAK for v in (a.scores or {}).values()):
        return Level.NOT_COMPLETED, "criterion_weak"
    if a.targets_percent is not None and a.targets_percent < rules.get("targets_below_percent", 50):
        return Level.NOT_COMPLETED, "targets_below"
    if (a.subject == Subject.ORGANIZATION and a.units_disciplined_percent is not None
            and a.units_disciplined_percent > rules.get("units_disciplined_over_percent", 20)):
        return Level.NOT_COMPLETED, "units_disciplined"
    if a.subject == Subject.ORGANIZATION and a.units_disciplined_percent:
        # a collective with a disciplined subordinate unit is neither excellent nor good (124)
        return Level.COMPLETED, "unit_disciplined"
    return Level.EXCELLENT, ""


def _check_forced(a: Assessment, level: str, field: str) -> None:
    best, reason = forced_level(a, a.round.rules)
    if level_rank(level) < level_rank(best):
        raise ValidationError({field: [
            _("The rules allow at most “%(level)s” here (%(reason)s).")
            % {"level": Level(best).label, "reason": forcing_reasons().get(reason, reason)}]})


def forcing_reasons() -> dict[str, str]:
    return {
        "disciplined_in_year": _("disciplined in the rated year"),
        "criterion_weak": _("a criterion rated weak"),
        "targets_below": _("less than half of the targets met"),
        "units_disciplined": _("too many subordinate units disciplined"),
        "unit_disciplined": _("a subordinate unit disciplined"),
    }


def criteria_for(a: Assessment) -> CriteriaSet | None:
    r = a.round
    if a.subject == Subject.ORGANIZATION:
        return r.criteria_collective
    if a.post == Post.SECRETARY and r.criteria_leader_id:
        return r.criteria_leader
    return r.criteria_member


def _clean_scores(a: Assessment, scores: dict[str, Any]) -> tuple[dict[str, Any], Decimal | None]:
    """Validate the scores against the round's scale and criteria; the total for points."""
    rules = a.round.rules
    criteria = criteria_for(a)
    groups = {g["code"]: g for g in criteria.groups} if criteria else {}
    if groups:
        unknown = set(scores) - set(groups)
        if unknown:
            raise ValidationError({"scores": [_("Unknown criterion: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}]})
    if rules["scale"] == "grades":
        for value in scores.values():
            if value not in Grade.values:
                raise ValidationError({"scores": [_("Grade each criterion excellent, good, average or weak.")]})
        return dict(scores), None
    total = Decimal(0)
    clean: dict[str, Any] = {}
    for code, value in scores.items():
        try:
            points = Decimal(str(value))
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise ValidationError({"scores": [_("Points must be numbers.")]}) from exc
        if not points.is_finite():
            raise ValidationError({"scores": [_("Points must be numbers.")]})
        top = Decimal(str(groups[code]["max_points"])) if code in groups else Decimal(100)
        if points < 0 or points > top:
            raise ValidationError({"scores": [
                _("%(code)s: the points must be between 0 and %(max)s.") % {"code": code, "max": top}]})
        clean[code] = float(points)
        total += points
    if total > 100:
        raise ValidationError({"scores": [_("The total cannot exceed 100 points.")]})
    return clean, total.quantize(Decimal("0.1"))


# --- criteria sets -------------------------------------------------------------------------------


@transaction.atomic
def criteria_set_publish(*, actor: Any, owner: Organization, audience: str, name: str, groups: list[dict[str, Any]],
                         valid_from: dt.date) -> CriteriaSet:
    """A new version of the owner's criteria for an audience, within the 100-point framework."""
    if audience not in Audience.values:
        raise ValidationError({"audience": [_("Choose members, leaders or collectives.")]})
    if not _in_scope(actor, owner):
        raise ValidationError(_("This organization is not in your scope."))
    codes: set[str] = set()
    total = 0
    for g in groups:
        code = str(g.get("code", "")).strip()
        try:
            points = int(g.get("max_points"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ValidationError({"groups": [_("Each group needs a code, a name and its points.")]}) from exc
        if not code or not str(g.get("name", "")).strip() or points <= 0 or code in codes:
            raise ValidationError({"groups": [_("Each group needs a code, a name and its points.")]})
        codes.add(code)
        total += points
    if total != 100:
        raise ValidationError({"groups": [_("The groups' points must add up to 100 (now %(total)s).")
                                          % {"total": total}]})
    last = CriteriaSet.objects.filter(owner=owner, audience=audience).order_by("-version").first()
    cs = CriteriaSet.objects.create(
        owner=owner, audience=audience, version=(last.version + 1) if last else 1, name=name.strip() or audience,
        groups=[{"code": str(g["code"]).strip(), "name": str(g["name"]).strip(), "max_points": int(g["max_points"])}
                for g in groups], valid_from=valid_from)
    v = _version_on(owner, valid_from) or owner.latest_version()
    _audit(actor, cs, "evaluation.criteria", v.path if v else "", after={"version": cs.version, "groups": cs.groups})
    return cs


def _criteria_in_force(org_ids: list[int], audience: str, on: dt.date) -> CriteriaSet | None:
    """The newest version, valid on `on`, defined by the nearest of `org_ids` (nearest first)."""
    rows = list(CriteriaSet.objects.filter(owner_id__in=org_ids, audience=audience, valid_from__lte=on)
                .order_by("-version"))
    for org_id in org_ids:
        for cs in rows:
            if cs.owner_id == org_id:
                return cs
    return None


# --- opening a round -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    org_id: int
    path: str
    depth: int
    kind: str
    is_cell: bool
    is_grassroots: bool


def _subtree(root_path: str, on: dt.date) -> list[_Unit]:
    rows = (OrgVersion.objects.filter(valid_on_q(on)).filter(any_subtree_q([root_path]))
            .values_list("org_id", "path", "depth", "kind__key", "kind__is_cell", "kind__is_grassroots"))
    return [_Unit(*r) for r in rows]


def _group_paths(units: list[_Unit]) -> dict[str, str]:
    """Path -> the path of its nearest grassroots ancestor (itself included), else its parent's."""
    grassroots = {u.path for u in units if u.is_grassroots}
    out = {}
    for u in units:
        g = ""
        for i in range(len(u.path), 0, -SEGMENT_WIDTH):
            if u.path[:i] in grassroots:
                g = u.path[:i]
                break
        out[u.path] = g or u.path[:-SEGMENT_WIDTH]
    return out


def _posts_on(org_ids: list[int], on: dt.date) -> dict[tuple[int, int], str]:
    """(member, org) -> the member's post there on `on` (cadres' posts)."""
    from chibo.cadres.models import Post as CadrePost

    out: dict[tuple[int, int], str] = {}
    for i in range(0, len(org_ids), 900):
        rows = (CadrePost.objects.filter(org_id__in=org_ids[i:i + 900], position__in=[Post.SECRETARY, Post.DEPUTY])
                .filter(valid_on_q(on)).values_list("member_id", "org_id", "position"))
        for m, o, p in rows:
            if out.get((m, o)) != Post.SECRETARY:
                out[(m, o)] = p
    return out


@transaction.atomic
def round_open(*, actor: Any, org: Organization, year: int, opened_on: dt.date | None = None,
               period_type: str = PeriodType.YEAR, quarter: int | None = None, label: str = "") -> Round:
    """Open a round over the organization's subtree: one assessment per organization under it and
    per member active in its cells on the opening day, the excluded ones marked not rated."""
    opened_on = opened_on or today()
    if not _in_scope(actor, org):
        raise ValidationError(_("This organization is not in your scope."))
    if opened_on > today():
        raise ValidationError({"opened_on": [_("The date cannot be in the future.")]})
    if not 1930 <= year <= opened_on.year + 1:
        raise ValidationError({"year": [_("Enter a year between 1930 and next year.")]})
    version = _version_on(org, opened_on)
    if version is None:
        raise ValidationError({"opened_on": [_("The organization does not exist on this date.")]})
    if version.kind.is_cell:
        raise ValidationError(_("A round is opened by a committee over its organizations, not by a cell."))
    chain = list(reversed(segments(version.path)))
    try:
        rules = snapshot(opened_on, chain)
    except NoRuleSet as exc:
        raise ValidationError({"opened_on": [_("No evaluation rules are in force on this date.")]}) from exc
    if period_type not in rules["periods"]:
        raise ValidationError({"period_type": [
            _("The rules in force (%(regulation)s) do not allow rounds of this period.")
            % {"regulation": rules["regulation"]}]})
    if period_type == PeriodType.QUARTER and quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": [_("Choose the quarter (1 to 4).")]})
    if period_type != PeriodType.QUARTER:
        quarter = None
    if Round.objects.filter(org=org, year=year, period_type=period_type, quarter=quarter).exists():
        raise ValidationError(_("This organization already has a round for this period."))
    criteria = {a: _criteria_in_force(chain, a, opened_on) for a in Audience.values}
    if rules["scale"] == "points" and criteria[Audience.MEMBER] is None:
        raise ValidationError(_("The rules in force score on 100 points: define the criteria for members first."))
    rnd = Round.objects.create(
        org=org, period_type=period_type, year=year, quarter=quarter, opened_on=opened_on, path=version.path,
        label=label.strip() or f"{year}", regulation=rules["regulation"], rules=rules,
        criteria_member=criteria[Audience.MEMBER], criteria_leader=criteria[Audience.LEADER],
        criteria_collective=criteria[Audience.COLLECTIVE],
        self_deadline=add_working_days(opened_on, int(rules["self_days"])),
        cell_deadline=add_working_days(opened_on, int(rules["cell_days"])),
        decision_deadline=add_working_days(opened_on, int(rules["decision_days"])),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    counts = populate(rnd)
    _audit(actor, rnd, "evaluation.round_open", version.path,
           after={"year": year, "period": period_type, "regulation": rules["regulation"], **counts})
    return rnd


def populate(rnd: Round) -> dict[str, int]:
    """Create the round's assessments (unscoped, bulk: a province's round has tens of thousands)."""
    on = rnd.opened_on
    units = [u for u in _subtree(rnd.path, on) if u.path != rnd.path and u.kind != K.PARTY_GROUP]
    groups = _group_paths(_subtree(rnd.path, on))
    by_org = {u.org_id: u for u in _subtree(rnd.path, on)}
    rows = [Assessment(round=rnd, subject=Subject.ORGANIZATION, org_id=u.org_id, path=u.path, depth=u.depth,
                       is_cell=u.is_cell, group_path=u.path[:-SEGMENT_WIDTH]) for u in units]
    cell_ids = [u.org_id for u in by_org.values() if u.is_cell]
    affs: dict[int, int] = {}
    for i in range(0, len(cell_ids), 900):
        affs.update(Affiliation.objects.filter(org_id__in=cell_ids[i:i + 900], kind=AffiliationKind.OFFICIAL)
                    .filter(valid_on_q(on)).values_list("member_id", "org_id"))
    statuses: dict[int, str] = {}
    ids = list(affs)
    for i in range(0, len(ids), 900):
        statuses.update(StatusPeriod.objects.filter(member_id__in=ids[i:i + 900]).filter(valid_on_q(on))
                        .values_list("member_id", "status"))
    admitted: dict[int, dt.date | None] = {}
    for i in range(0, len(ids), 900):
        admitted.update(Member.objects.filter(pk__in=ids[i:i + 900])
                        .values_list("pk", "admission_decision_date"))
    posts = _posts_on(cell_ids, on)
    months = int(rnd.rules["exclude_months"])
    not_rated = set(rnd.rules["not_rated_statuses"])
    limit = _months_before(on, months)
    for member_id, org_id in affs.items():
        status = statuses.get(member_id)
        if status not in IN_PARTY:
            continue
        u = by_org[org_id]
        excluded = ""
        if status in not_rated:
            excluded = Exclusion.EXEMPT
        elif status == Status.PROBATIONARY and (admitted.get(member_id) or on) > limit:
            excluded = Exclusion.RECENTLY_ADMITTED
        rows.append(Assessment(
            round=rnd, subject=Subject.MEMBER, member_id=member_id, org_id=org_id, path=u.path, depth=u.depth,
            is_cell=u.is_cell, group_path=groups.get(u.path, ""), post=posts.get((member_id, org_id), ""),
            excluded=excluded, state=State.NOT_RATED if excluded else State.PENDING))
    Assessment.objects.bulk_create(rows, batch_size=2000)
    return {"organizations": len(units), "members": len(rows) - len(units)}


def _months_before(on: dt.date, months: int) -> dt.date:
    y, m = divmod(on.month - 1 - months, 12)
    year, month = on.year + y, m + 1
    import calendar

    return dt.date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


# --- the steps -----------------------------------------------------------------------------------


def _not_closed(a: Assessment) -> None:
    if a.round.closed_on is not None:
        raise ValidationError(_("The round is closed."))
    if a.state == State.NOT_RATED:
        raise ValidationError(_("This member is not rated in this round."))


@transaction.atomic
def assessment_flag(*, actor: Any, assessment: Assessment, version: int | None = None,
                    disciplined_in_year: bool | None = None, self_detected: bool | None = None,
                    targets_percent: int | None = None, units_disciplined_percent: int | None = None) -> Assessment:
    """Record the events that may force "did not complete" (discipline, targets)."""
    a = _lock(assessment, version)
    _not_closed(a)
    if not _in_scope(actor, a.org):
        raise ValidationError(_("This organization is not in your scope."))
    before = snapshot_of(a)
    for name, value in (("targets_percent", targets_percent), ("units_disciplined_percent", units_disciplined_percent)):
        if value is not None and not 0 <= value <= 100:
            raise ValidationError({name: [_("Enter a percentage between 0 and 100.")]})
    if disciplined_in_year is not None:
        a.disciplined_in_year = disciplined_in_year
    if self_detected is not None:
        a.self_detected = self_detected
    if targets_percent is not None:
        a.targets_percent = targets_percent
    if units_disciplined_percent is not None and a.subject == Subject.ORGANIZATION:
        a.units_disciplined_percent = units_disciplined_percent
    best, reason = forced_level(a, a.round.rules)
    a.forced_reason = reason
    fields = ["disciplined_in_year", "self_detected", "targets_percent", "units_disciplined_percent", "forced_reason"]
    # a recorded level better than the rules now allow is lowered at once
    for f in ("self_level", "proposed_level", "appraised_level", "decided_level"):
        if getattr(a, f) and level_rank(getattr(a, f)) < level_rank(best):
            setattr(a, f, best)
            fields.append(f)
    _save(a, fields)
    _audit(actor, a, "evaluation.flag", a.path, before=before, after=snapshot_of(a))
    return a


@transaction.atomic
def assessment_self_assess(*, actor: Any, assessment: Assessment, scores: dict[str, Any], level: str,
                           comment: str = "", on: dt.date | None = None, version: int | None = None) -> Assessment:
    """The member's (or, on their behalf, the secretary's) self-assessment."""
    a = _lock(assessment, version)
    _not_closed(a)
    if not _in_scope(actor, a.org):
        raise ValidationError(_("This organization is not in your scope."))
    if a.state not in (State.PENDING, State.SELF_ASSESSED):
        raise ValidationError(_("The cell has already proposed a rating: the self-assessment is closed."))
    level = _level(level, "level")
    on = _date(on, a, "on")
    before = snapshot_of(a)
    clean, total = _clean_scores(a, scores)
    a.scores = clean
    if total is not None:
        expected = band_level(total, a.round.rules["bands"])
        if level != expected:
            raise ValidationError({"level": [
                _("%(total)s points is “%(level)s”: the level must match the score.")
                % {"total": total, "level": Level(expected).label}]})
    _check_forced(a, level, "level")
    a.self_total, a.self_level, a.self_comment, a.self_on = total, level, comment.strip(), on
    a.state = State.SELF_ASSESSED
    a.forced_reason = forced_level(a, a.round.rules)[1]
    _save(a, ["scores", "self_total", "self_level", "self_comment", "self_on", "state", "forced_reason"])
    _audit(actor, a, "evaluation.self_assess", a.path, before=before, after=snapshot_of(a))
    return a


@transaction.atomic
def assessment_propose(*, actor: Any, assessment: Assessment, level: str, votes_for: int, votes_against: int = 0,
                       abstentions: int = 0, comment: str = "", on: dt.date | None = None,
                       version: int | None = None) -> Assessment:
    """The cell's discussion and proposal, with its vote."""
    a = _lock(assessment, version)
    _not_closed(a)
    if not _in_scope(actor, a.org):
        raise ValidationError(_("This organization is not in your scope."))
    if a.state in (State.APPRAISED, State.DECIDED):
        raise ValidationError(_("The rating was already appraised or decided."))
    level = _level(level, "level")
    if min(votes_for, votes_against, abstentions) < 0:
        raise ValidationError({"votes_for": [_("Votes cannot be negative.")]})
    on = _date(on, a, "on")
    if a.self_on and on < a.self_on:
        raise ValidationError({"on": [_("The proposal cannot come before the self-assessment.")]})
    _check_forced(a, level, "level")
    before = snapshot_of(a)
    a.proposed_level, a.votes_for, a.votes_against, a.abstentions = level, votes_for, votes_against, abstentions
    a.proposal_comment, a.proposed_on, a.state = comment.strip(), on, State.PROPOSED
    _save(a, ["proposed_level", "votes_for", "votes_against", "abstentions", "proposal_comment", "proposed_on",
              "state"])
    _audit(actor, a, "evaluation.propose", a.path, before=before, after=snapshot_of(a))
    return a


def _committee_check(actor: Any, a: Assessment) -> None:
    if not _in_scope(actor, a.round.org):
        raise ValidationError(_("Only the committee that opened the round appraises and decides."))


@transaction.atomic
def assessment_appraise(*, actor: Any, assessment: Assessment, level: str, note: str = "",
                        on: dt.date | None = None, version: int | None = None) -> Assessment:
    """The advisory body's appraisal (thẩm định) of the proposal."""
    a = _lock(assessment, version)
    _not_closed(a)
    _committee_check(actor, a)
    if a.state not in (State.PROPOSED, State.APPRAISED, State.REOPENED):
        raise ValidationError(_("The appraisal comes after the cell's proposal."))
    level = _level(level, "level")
    on = _date(on, a, "on")
    if a.proposed_on and on < a.proposed_on:
        raise ValidationError({"on": [_("The appraisal cannot come before the proposal.")]})
    _check_forced(a, level, "level")
    before = snapshot_of(a)
    a.appraised_level, a.appraisal_note, a.appraised_on, a.state = level, note.strip(), on, State.APPRAISED
    _save(a, ["appraised_level", "appraisal_note", "appraised_on", "state"])
    _audit(actor, a, "evaluation.appraise", a.path, before=before, after=snapshot_of(a))
    return a


def _order_check(a: Assessment) -> None:
    """Lower collectives before higher; the collective before its members (heads included)."""
    if a.subject == Subject.ORGANIZATION:
        waiting = (Assessment.objects.filter(subtree_q(a.path), round_id=a.round_id, subject=Subject.ORGANIZATION,
                                             depth=a.depth + 1)
                   .exclude(state__in=[State.DECIDED, State.NOT_RATED]).count())
        if waiting:
            raise ValidationError(_("Decide the %(n)s organizations under this one first.") % {"n": waiting})
        return
    unit = Assessment.objects.filter(round_id=a.round_id, subject=Subject.ORGANIZATION, org_id=a.org_id).first()
    if unit is not None and unit.state != State.DECIDED:
        raise ValidationError(_("Decide the rating of the member's organization first (collective before members,"
                                " heads after their units)."))


def quota_check(rnd: Round, subject: str, group_path: str, extra: Counter[str] | None = None) -> tuple[int, int, bool]:
    """(excellent, good, within the cap) among the decided ratings of a comparable group, plus `extra`."""
    counts: Counter[str] = Counter(dict(
        Assessment.objects.filter(round=rnd, subject=subject, group_path=group_path, state=State.DECIDED)
        .values("decided_level").annotate(n=Count("id")).values_list("decided_level", "n")))
    if extra:
        counts.update(extra)
    excellent, good = counts[Level.EXCELLENT], counts[Level.GOOD]
    cap = Decimal(str(rnd.rules.get("quota_percent", 20)))
    return excellent, good, Decimal(excellent) * 100 <= cap * good


def _decide_one(actor: Any, a: Assessment, level: str, on: dt.date, number: str, override: str) -> None:
    if a.state not in (State.PROPOSED, State.APPRAISED, State.REOPENED):
        raise ValidationError(_("A decision needs the cell's proposal first."))
    if a.proposed_on and on < a.proposed_on:
        raise ValidationError({"on": [_("The decision cannot come before the proposal.")]})
    if a.appraised_on and on < a.appraised_on:
        raise ValidationError({"on": [_("The decision cannot come before the appraisal.")]})
    _check_forced(a, level, "level")
    _order_check(a)
    before = snapshot_of(a)
    a.decided_level, a.decided_on, a.decision_number = level, on, number
    a.decided_by_id, a.state, a.quota_override = a.round.org_id, State.DECIDED, override
    a.forced_reason = forced_level(a, a.round.rules)[1]
    _save(a, ["decided_level", "decided_on", "decision_number", "decided_by_id", "state", "quota_override",
              "forced_reason"])
    _audit(actor, a, "evaluation.decide", a.path, before=before, after=snapshot_of(a), reason=number)


def _check_number(number: str) -> str:
    number = number.strip()
    if not number:
        raise ValidationError({"decision_number": [_("Give the decision's number.")]})
    return number


@transaction.atomic
def assessment_decide(*, actor: Any, assessment: Assessment, level: str, decision_number: str,
                      on: dt.date | None = None, quota_override: str = "", version: int | None = None) -> Assessment:
    """The competent level's decision (the standing committee of the directly superior committee)."""
    a = _lock(assessment, version)
    _not_closed(a)
    _committee_check(actor, a)
    level = _level(level, "level")
    on = _date(on, a, "on")
    number = _check_number(decision_number)
    previous = a.decided_level if a.state == State.DECIDED else ""
    extra: Counter[str] = Counter({level: 1})
    if previous:
        extra[previous] -= 1
    _e, _g, ok = quota_check(a.round, a.subject, a.group_path, extra)
    if not ok and level == Level.EXCELLENT and not quota_override.strip():
        raise ValidationError({"level": [_("“Excellent” would exceed the quota of this group: give the decision"
                                           " that allows it, or choose another level.")]})
    _decide_one(actor, a, level, on, number, quota_override.strip() if not ok else "")
    return a


@transaction.atomic
def unit_decide(*, actor: Any, unit: Assessment, decision_number: str, on: dt.date | None = None,
                quota_override: str = "") -> int:
    """Decide at once every member of a unit that the cell proposed (the appraisal's level if
    there is one, else the proposal), checking the quota over the batch. Returns how many."""
    if unit.subject != Subject.ORGANIZATION:
        raise ValidationError(_("Choose an organization."))
    unit = Assessment.objects.select_related("round").get(pk=unit.pk)
    _not_closed(unit)
    _committee_check(actor, unit)
    on = _date(on, unit, "on")
    number = _check_number(decision_number)
    todo = list(Assessment.objects.select_for_update().select_related("round")
                .filter(round_id=unit.round_id, subject=Subject.MEMBER, org_id=unit.org_id,
                        state__in=[State.PROPOSED, State.APPRAISED, State.REOPENED]).order_by("id"))
    by_group: dict[str, Counter[str]] = {}
    for a in todo:
        by_group.setdefault(a.group_path, Counter())[a.appraised_level or a.proposed_level] += 1
    override = ""
    for group, extra in by_group.items():
        _e, _g, ok = quota_check(unit.round, Subject.MEMBER, group, extra)
        if not ok:
            if not quota_override.strip():
                raise ValidationError(_("The proposals exceed the quota of “excellent”: lower some of them, or give"
                                        " the decision that allows it."))
            override = quota_override.strip()
    for a in todo:
        _decide_one(actor, a, a.appraised_level or a.proposed_level, on, number, override)
    return len(todo)


@transaction.atomic
def assessment_reopen(*, actor: Any, assessment: Assessment, reason: str, version: int | None = None) -> Assessment:
    """A complaint, a denunciation or signs of violation: the rating is reopened for re-rating."""
    a = _lock(assessment, version)
    _committee_check(actor, a)
    if a.state != State.DECIDED:
        raise ValidationError(_("Only a decided rating can be reopened."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the rating is reopened.")]})
    before = snapshot_of(a)
    a.state = State.REOPENED
    _save(a, ["state"])
    _audit(actor, a, "evaluation.reopen", a.path, before=before, after=snapshot_of(a), reason=reason.strip())
    return a


@transaction.atomic
def assessment_exclude(*, actor: Any, assessment: Assessment, reason: str, version: int | None = None) -> Assessment:
    """Take a member out of the round (suspended from activity, exempted)."""
    a = _lock(assessment, version)
    if not _in_scope(actor, a.org):
        raise ValidationError(_("This organization is not in your scope."))
    if a.subject != Subject.MEMBER:
        raise ValidationError(_("Only members are excluded from a round."))
    if reason not in Exclusion.values:
        raise ValidationError({"reason": [_("Choose why the member is not rated.")]})
    if a.state == State.DECIDED:
        raise ValidationError(_("The rating was already decided."))
    before = snapshot_of(a)
    a.excluded, a.state = reason, State.NOT_RATED
    a.self_level = a.proposed_level = a.appraised_level = a.decided_level = ""
    _save(a, ["excluded", "state", "self_level", "proposed_level", "appraised_level", "decided_level"])
    _audit(actor, a, "evaluation.exclude", a.path, before=before, after=snapshot_of(a))
    return a


@transaction.atomic
def round_close(*, actor: Any, rnd: Round, on: dt.date | None = None) -> Round:
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if not _in_scope(actor, rnd.org):
        raise ValidationError(_("This organization is not in your scope."))
    if rnd.closed_on is not None:
        raise ValidationError(_("The round is closed."))
    rnd.closed_on = on or today()
    rnd.version += 1
    rnd.save(update_fields=["closed_on", "version"])
    _audit(actor, rnd, "evaluation.round_close", rnd.path, after={"closed_on": rnd.closed_on.isoformat()})
    return rnd


# --- the "four good" emulation -------------------------------------------------------------------

FOUR_GOOD = [
    {"code": "task_completion", "name": "Tốt thi đua hoàn thành nhiệm vụ", "max_points": 25},
    {"code": "activity_quality", "name": "Tốt chất lượng sinh hoạt", "max_points": 25},
    {"code": "solidarity_discipline", "name": "Tốt đoàn kết, kỷ luật", "max_points": 25},
    {"code": "cadres_members", "name": "Tốt cán bộ, đảng viên", "max_points": 25},
]


def _path_of(org: Organization, on: dt.date) -> str:
    v = _version_on(org, on) or org.latest_version()
    return v.path if v else ""


@transaction.atomic
def programme_create(*, actor: Any, owner: Organization, name: str, start_year: int, end_year: int,
                     contents: list[dict[str, Any]] | None = None, basis: str = "", min_points: int = 80,
                     required_level: str = "") -> Programme:
    if not _in_scope(actor, owner):
        raise ValidationError(_("This organization is not in your scope."))
    if not name.strip():
        raise ValidationError({"name": [_("Give the programme a name.")]})
    if end_year < start_year:
        raise ValidationError({"end_year": [_("The period ends before it starts.")]})
    if required_level and required_level not in Level.values:
        raise ValidationError({"required_level": [_("Choose one of the four levels.")]})
    if not 0 <= min_points <= 100:
        raise ValidationError({"min_points": [_("Enter points between 0 and 100.")]})
    p = Programme.objects.create(owner=owner, name=name.strip(), basis=basis.strip(), contents=contents or FOUR_GOOD,
                                 start_year=start_year, end_year=end_year, min_points=min_points,
                                 required_level=required_level)
    _audit(actor, p, "evaluation.programme", _path_of(owner, dt.date(start_year, 1, 1)),
           after={"name": p.name, "years": [start_year, end_year]})
    return p


@transaction.atomic
def programme_register(*, actor: Any, programme: Programme, org: Organization, registered_on: dt.date,
                       phase: str = "expansion", pledge_signed_on: dt.date | None = None,
                       pledge_document: str = "") -> Participation:
    """A unit's registration, with its signed pledge (date, document) when it has one."""
    if not _in_scope(actor, org):
        raise ValidationError(_("This organization is not in your scope."))
    owner_path = _path_of(programme.owner, registered_on)
    unit_path = _path_of(org, registered_on)
    if not unit_path.startswith(owner_path) or unit_path == owner_path:
        raise ValidationError({"org": [_("The unit is not under the programme's organization.")]})
    if pledge_signed_on is not None and pledge_signed_on < registered_on:
        raise ValidationError({"pledge_signed_on": [_("The pledge cannot be signed before the registration.")]})
    if phase not in ("pilot", "expansion"):
        raise ValidationError({"phase": [_("Choose pilot or expansion.")]})
    if Participation.objects.filter(programme=programme, org=org).exists():
        raise ValidationError(_("This unit is already registered."))
    p = Participation.objects.create(programme=programme, org=org, phase=phase, registered_on=registered_on,
                                     pledge_signed_on=pledge_signed_on, pledge_document=pledge_document.strip())
    _audit(actor, p, "evaluation.pledge", unit_path,
           after={"phase": phase, "pledge_signed_on": pledge_signed_on.isoformat() if pledge_signed_on else None})
    return p


@transaction.atomic
def programme_recognize(*, actor: Any, participation: Participation, year: int, scores: dict[str, Any],
                        decision_number: str = "", on: dt.date | None = None) -> Recognition:
    """The unit's yearly self-assessment and the recognition decision: recognized when the points
    reach the programme's threshold and, if it asks, the unit's rating that year is high enough."""
    prog = participation.programme
    if not _in_scope(actor, prog.owner):
        raise ValidationError(_("This organization is not in your scope."))
    if not prog.start_year <= year <= prog.end_year:
        raise ValidationError({"year": [_("The year is outside the programme's period.")]})
    contents = {c["code"]: c for c in prog.contents}
    total = Decimal(0)
    for code, value in scores.items():
        if code not in contents:
            raise ValidationError({"scores": [_("Unknown criterion: %(codes)s.") % {"codes": code}]})
        try:
            points = Decimal(str(value))
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError({"scores": [_("Points must be numbers.")]}) from exc
        if not points.is_finite() or points < 0 or points > Decimal(str(contents[code]["max_points"])):
            raise ValidationError({"scores": [_("%(code)s: the points must be between 0 and %(max)s.")
                                              % {"code": code, "max": contents[code]["max_points"]}]})
        total += points
    recognized = total >= prog.min_points
    if recognized and prog.required_level:
        rating = (Assessment.objects.filter(subject=Subject.ORGANIZATION, org=participation.org, round__year=year,
                                            state=State.DECIDED).order_by("-round__opened_on")
                  .values_list("decided_level", flat=True).first())
        recognized = rating is not None and level_rank(str(rating)) <= level_rank(prog.required_level)
    if Recognition.objects.filter(participation=participation, year=year).exists():
        raise ValidationError(_("This year is already assessed."))
    r = Recognition.objects.create(participation=participation, year=year, scores={k: float(v) for k, v in
                                                                                     scores.items()},
                                   total=total, recognized=recognized, decision_number=decision_number.strip(),
                                   decided_on=on)
    _audit(actor, r, "evaluation.recognize", _path_of(participation.org, dt.date(year, 12, 31)),
           after={"year": year, "total": str(total), "recognized": recognized})
    return r



@transaction.atomic
def assessment_record(*, actor: Any, assessment: Assessment, version: int | None, scores: dict[str, Any],
                      self_level: str = "", proposed_level: str = "", votes_for: int | None = None,
                      votes_against: int = 0, abstentions: int = 0, on: dt.date | None = None) -> Assessment:
    """One row of the cell's sheet, as the secretary enters it: the self-assessment (when scores or
    a self-rating are given and changed) and the cell's proposal (when given), in one transaction
    and against the version the page showed."""
    a = _lock(assessment, version)
    changed_self = (self_level and (self_level != a.self_level or
                                    {k: str(v) for k, v in scores.items()} !=
                                    {k: str(v) for k, v in (a.scores or {}).items() if k in scores}))
    if changed_self and a.state in (State.PENDING, State.SELF_ASSESSED):
        a = assessment_self_assess(actor=actor, assessment=a, scores=scores, level=self_level, on=on)
    if proposed_level and (proposed_level != a.proposed_level or a.state != State.PROPOSED):
        if votes_for is None:
            raise ValidationError({"votes_for": [_("Give the cell's vote.")]})
        a = assessment_propose(actor=actor, assessment=a, level=proposed_level, votes_for=votes_for,
                               votes_against=votes_against, abstentions=abstentions, on=on)
    return Assessment.objects.select_related("round", "member").get(pk=a.pk)
