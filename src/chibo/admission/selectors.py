"""Every read of the admission procedure: scoped (`member.view` by default) and as-of aware.

Where everybody is on a date is read from the acts' valid time (an act holds from its date until
the next act), so the pipeline by step, what is due and what is late on any date are one grouped
query over an index (`admissionact_cell_time`)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from chibo.core.paths import any_subtree_q, segments
from chibo.core.scoping import resolve_scope
from chibo.members.choices import Gender, Occupation, Religion
from chibo.members.selectors import member_counts
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.selectors import MissingRule, rule

from .models import (
    CLOSED,
    ORDER,
    AdmissionAct,
    AdmissionTarget,
    Applicant,
    DossierFile,
    Step,
    TargetKind,
)

VIEW, CHANGE, SENSITIVE = "member.view", "member.change", "member.view_sensitive"
TARGET_KEY = "admission.target_percent_of_members"
OPEN_STATES = [s for s in [*ORDER, Step.REFUSED, Step.ESCALATED] if s not in CLOSED]
# the acts after which a ceremony is still possible in a year, given their deadline
TOWARD_CEREMONY = (Step.CELL_VOTE, Step.GRASSROOTS_RESOLUTION, Step.DECISION)
SOURCES = ("students", "private_enterprise", "ethnic_minorities", "religious", "women", "youth")


def _paths_of(org: Organization) -> list[str]:
    return list(org.versions.values_list("path", flat=True).distinct())


def cells_under(org: Organization | None) -> QuerySet[OrgVersion]:
    """Organizations that ever sat under `org` (any of its paths)."""
    qs = OrgVersion.objects.all()
    if org is not None:
        qs = qs.filter(any_subtree_q(_paths_of(org)))
    return qs


def applicants(*, user: Any, action: str = VIEW) -> QuerySet[Applicant]:
    return Applicant.objects.restrict(user, action)


def applicant_get(*, user: Any, pk: int, action: str = VIEW) -> Applicant:
    return applicants(user=user, action=action).select_related("cell", "helper", "member", "readmission_of").get(pk=pk)


def applicant_list(*, user: Any, org: Organization | None, state: str | None = None, open_only: bool = True,
                   query: str = "") -> QuerySet[Applicant]:
    qs = applicants(user=user).select_related("cell")
    if org is not None:
        qs = qs.filter(cell_id__in=cells_under(org).values("org_id"))
    if state:
        qs = qs.filter(state=state)
    elif open_only:
        qs = qs.exclude(state__in=CLOSED)
    if query:
        from chibo.core.text import fold

        qs = qs.filter(search_key__contains=fold(query))
    return qs.order_by("search_key", "id")


@dataclass
class ApplicantRecord:
    applicant: Applicant
    acts: list[AdmissionAct]
    files: list[DossierFile]

    @property
    def probation_ends(self) -> dt.date | None:
        for act in reversed(self.acts):
            if act.step == Step.CEREMONY:
                return dt.date.fromisoformat(act.details["probation_ends"])
        return None


def applicant_record(*, user: Any, pk: int) -> ApplicantRecord:
    a = applicant_get(user=user, pk=pk)
    acts = list(a.acts.select_related("recorded_by").order_by("on", "id"))
    files = list(a.files.order_by("uploaded_at", "id"))
    return ApplicantRecord(a, acts, files)


def acts_on(*, user: Any, org: Organization | None, on: dt.date) -> QuerySet[AdmissionAct]:
    """The act each person in the procedure stands at on `on` (open procedures only)."""
    qs = AdmissionAct.objects.restrict(user, VIEW).filter(on__lte=on).filter(Q(until__isnull=True) | Q(until__gt=on))
    if org is not None:
        qs = qs.filter(cell_id__in=cells_under(org).values("org_id"))
    return qs.filter(state__in=OPEN_STATES)


@dataclass
class StepCount:
    state: str
    label: str
    count: int = 0
    due_this_week: int = 0
    overdue: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.state, "label": str(self.label), "count": self.count,
                "due_this_week": self.due_this_week, "overdue": self.overdue}


@dataclass
class PipelineStatus:
    on: dt.date
    steps: list[StepCount]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.steps)

    @property
    def overdue(self) -> int:
        return sum(s.overdue for s in self.steps)

    @property
    def due_this_week(self) -> int:
        return sum(s.due_this_week for s in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.on.isoformat(), "in_progress": self.total, "overdue": self.overdue,
                "due_this_week": self.due_this_week, "by_step": [s.as_dict() for s in self.steps]}


def _week_after(on: dt.date) -> dt.date:
    """A week after `on`, or the calendar's last day when `on` is within a week of it."""
    week = dt.timedelta(days=7)
    return on + week if on <= dt.date.max - week else dt.date.max


def pipeline_status(*, user: Any, org: Organization | None, on: dt.date) -> PipelineStatus:
    """People in the procedure under `org` on `on`, by step: how many, due within 7 days, late."""
    week = _week_after(on)
    rows = (
        acts_on(user=user, org=org, on=on).values("state")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=on)),
                  soon=Count("id", filter=Q(due_on__gte=on, due_on__lt=week)))
        .order_by()
    )
    by = {r["state"]: r for r in rows}
    steps = []
    for state in OPEN_STATES:
        r = by.get(state)
        steps.append(StepCount(state, str(Step(state).label), r["n"] if r else 0, r["soon"] if r else 0,
                               r["late"] if r else 0))
    return PipelineStatus(on, steps)


def overdue_acts(*, user: Any, org: Organization | None, on: dt.date, soon: bool = False) -> QuerySet[AdmissionAct]:
    """The people whose next act is late on `on` (or, with `soon`, due within 7 days)."""
    qs = acts_on(user=user, org=org, on=on).filter(due_on__isnull=False)
    if soon:
        qs = qs.filter(due_on__gte=on, due_on__lt=_week_after(on))
    else:
        qs = qs.filter(due_on__lt=on)
    return qs.select_related("applicant", "cell").only(
        "id", "applicant_id", "cell_id", "step", "state", "on", "due_on", "applicant__full_name", "cell__code"
    ).order_by("due_on", "id")


# --- admissions and targets --------------------------------------------------------------------


def ceremonies(*, user: Any, org: Organization | None, start: dt.date, end: dt.date) -> QuerySet[AdmissionAct]:
    """The admission ceremonies in [start, end] in cells that were under `org` on their day."""
    qs = AdmissionAct.objects.restrict(user, VIEW).filter(step=Step.CEREMONY, on__gte=start, on__lte=end)
    if org is not None:
        versions = OrgVersion.objects.filter(org_id=OuterRef("cell_id"), valid_from__lte=OuterRef("on")).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=OuterRef("on"))).filter(any_subtree_q(_paths_of(org)))
        qs = qs.filter(Exists(versions))
    return qs


def _source_q(source: str) -> Q:
    return {
        "students": Q(applicant__occupation=Occupation.STUDENT),
        "private_enterprise": Q(applicant__occupation=Occupation.PRIVATE_ENTERPRISE),
        "ethnic_minorities": ~Q(applicant__ethnicity="01"),
        "religious": ~Q(applicant__religion=Religion.NONE),
        "women": Q(applicant__gender=Gender.FEMALE),
        "youth": Q(applicant__youth_union=True),
    }[source]


def admitted_by_source(*, user: Any, org: Organization | None, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Admissions (ceremonies) in [start, end], in total and by source; ethnicity and religion
    only for users who may see them."""
    qs = ceremonies(user=user, org=org, start=start, end=end)
    sensitive = not resolve_scope(user, SENSITIVE).is_empty
    sources = [s for s in SOURCES if sensitive or s not in ("ethnic_minorities", "religious")]
    agg = qs.aggregate(total=Count("id"), **{s: Count("id", filter=_source_q(s)) for s in sources})
    return {"admitted": agg["total"], "by_source": {s: agg[s] for s in sources}}


@dataclass
class TargetReport:
    org: Organization
    year: int
    on: dt.date
    target_kind: str
    target_value: Decimal | float
    target_source: str
    members_at_start: int
    admitted: int
    by_source: dict[str, int]
    pipeline: PipelineStatus
    in_time: int
    by_child: list[dict[str, Any]] = field(default_factory=list)

    @property
    def target_count(self) -> int:
        if self.target_kind == TargetKind.NUMBER:
            return int(self.target_value)
        return math.ceil(self.members_at_start * float(self.target_value) / 100)

    @property
    def target_share(self) -> float | None:
        if self.target_kind == TargetKind.PERCENT:
            return float(self.target_value)
        return round(100 * int(self.target_value) / self.members_at_start, 2) if self.members_at_start else None

    @property
    def share(self) -> float | None:
        return round(100 * self.admitted / self.members_at_start, 2) if self.members_at_start else None

    @property
    def met(self) -> bool:
        return self.admitted >= self.target_count

    @property
    def forecast(self) -> int:
        return self.admitted + self.in_time

    def as_dict(self) -> dict[str, Any]:
        return {
            "under": self.org.code, "year": self.year, "as_of": self.on.isoformat(),
            "target_kind": self.target_kind, "target_share": self.target_share, "target_count": self.target_count,
            "target_source": self.target_source, "members_at_start": self.members_at_start,
            "admitted": self.admitted, "share": self.share, "met": self.met, "by_source": self.by_source,
            "in_pipeline": self.pipeline.total, "admitted_in_time_forecast": self.in_time,
            "forecast": self.forecast, "by_step": [s.as_dict() for s in self.pipeline.steps],
        }


def target_of(org: Organization, year: int) -> tuple[str, Decimal | float, str]:
    """The organization's own target for the year, else the rulebook's percentage in force on
    1 January (the nearest organization's value)."""
    row = AdmissionTarget.objects.filter(org=org, year=year).first()
    if row is not None:
        return row.kind, row.value, row.source
    jan1 = dt.date(year, 1, 1)
    v = org.version_on(jan1) or org.latest_version()
    ids = list(reversed(segments(v.path))) if v else [org.pk]
    try:
        from chibo.rules.selectors import rule_row

        r = rule_row(TARGET_KEY, on=jan1, org_ids=ids)
        return TargetKind.PERCENT, float(r.value), r.source
    except MissingRule:
        return TargetKind.PERCENT, 0.0, ""


def target_report(*, user: Any, org: Organization, year: int, on: dt.date | None = None) -> TargetReport:
    """Progress toward the year's target as of `on` (the year's end by default): admissions,
    members on 1 January, by source, the pipeline by step and how many may still be admitted in
    the year (their next deadline falls within it)."""
    jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    on = min(on or dec31, dec31)
    kind, value, source = target_of(org, year)
    members = sum(member_counts(user=user, org=org, on=jan1, by="status").values()) if org.version_on(jan1) else 0
    admitted = admitted_by_source(user=user, org=org, start=jan1, end=on) if on >= jan1 else {
        "admitted": 0, "by_source": {}}
    pipeline = pipeline_status(user=user, org=org, on=on)
    in_time = 0
    if on < dec31:
        in_time = acts_on(user=user, org=org, on=on).filter(state__in=TOWARD_CEREMONY, due_on__lte=dec31).count()
    return TargetReport(org=org, year=year, on=on, target_kind=kind, target_value=value, target_source=source,
                        members_at_start=members, admitted=admitted["admitted"], by_source=admitted["by_source"],
                        pipeline=pipeline, in_time=in_time)


def probation_ends(applicant: Applicant) -> dt.date | None:
    act = applicant.acts.filter(step=Step.CEREMONY).order_by("-on").first()
    return dt.date.fromisoformat(act.details["probation_ends"]) if act else None


def rule_value(key: str, *, on: dt.date) -> Any:
    return rule(key, on=on)


# the act that comes next after each step (the recognition acts once the person is a member)
NEXT: dict[str, str] = {
    Step.LISTED: Step.AWARENESS_COURSE, Step.AWARENESS_COURSE: Step.APPLICATION, Step.APPLICATION: Step.BIOGRAPHY,
    Step.BIOGRAPHY: Step.VERIFICATION, Step.VERIFICATION: Step.INTRODUCTION, Step.INTRODUCTION: Step.OPINIONS,
    Step.OPINIONS: Step.CELL_VOTE, Step.CELL_VOTE: Step.GRASSROOTS_RESOLUTION,
    Step.GRASSROOTS_RESOLUTION: Step.DECISION, Step.DECISION: Step.CEREMONY, Step.CEREMONY: Step.NEW_MEMBER_COURSE,
    Step.NEW_MEMBER_COURSE: Step.RECOGNITION_VOTE, Step.RECOGNITION_VOTE: Step.RECOGNITION_RESOLUTION,
    Step.RECOGNITION_RESOLUTION: Step.RECOGNITION_DECISION, Step.ESCALATED: Step.RECOGNITION_DECISION,
}


def next_step(applicant: Applicant) -> str | None:
    if applicant.state == Step.REFUSED:
        return Step.RECOGNITION_VOTE if applicant.member_id else Step.CELL_VOTE
    return NEXT.get(applicant.state)


def meeting_votes(applicant: Applicant) -> list[tuple[int, str]]:
    """The cell's meeting votes on this kind of question since the applicant's last act."""
    from chibo.meetings.models import Vote, VoteSubject

    subject = VoteSubject.RECOGNITION if applicant.member_id else VoteSubject.ADMISSION
    rows = (Vote.objects.filter(meeting__org_id=applicant.cell_id, subject=subject,
                                meeting__held_at__date__gte=applicant.state_on)
            .select_related("meeting").order_by("-meeting__held_at", "-id")[:20])
    return [(v.pk, f"{v.meeting.held_at:%Y-%m-%d} · {v.question} ({v.votes_for}/{v.votes_against})") for v in rows]


def official_people(org: Organization, on: dt.date) -> list[tuple[int, str]]:
    """The official members of a cell on a date, by name (for the helper and introducers)."""
    from chibo.meetings.register import base_statuses
    from chibo.members.choices import Status
    from chibo.members.models import Member

    ids = [m for m, s in base_statuses(org.pk, on).items() if s == Status.OFFICIAL]
    return list(Member.objects.filter(pk__in=ids).order_by("search_key").values_list("pk", "full_name"))
