"""Every write of the meetings app: keyword-only, one transaction each, validated with a
translated message, with its audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.text import has_control_characters
from chibo.members.choices import Status
from chibo.members.models import Member
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.selectors import MissingRule, rule

from . import register, summary
from .models import (
    VOTE_RULES,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesAmendment,
    Resolution,
    Task,
    Vote,
    VoteSubject,
)

# The standard order of business of a regular monthly meeting (domain.md §5.3), in Vietnamese:
# the records are Vietnamese whatever the language of the page.
STANDARD_AGENDA: list[str] = [
    "Khai mạc; cử thư ký; điểm danh đảng viên",
    "Thông qua chương trình sinh hoạt",
    "Đánh giá kết quả tháng trước, nhiệm vụ tháng tới",
    "Thông tin văn bản cấp trên, định hướng của đảng ủy cơ sở",
    "Thảo luận",
    "Biểu quyết kết luận, nghị quyết",
    "Xem xét quần chúng cảm tình đảng, kết nạp, công nhận chính thức",
    "Tự chấm điểm chất lượng buổi sinh hoạt",
    "Thông qua biên bản; bế mạc",
]
THEMATIC_AGENDA: list[str] = [
    "Khai mạc; cử thư ký; điểm danh đảng viên",
    "Trình bày chuyên đề",
    "Thảo luận chuyên đề",
    "Kết luận, biểu quyết",
    "Thông qua biên bản; bế mạc",
]

CELL_KINDS = {MeetingKind.REGULAR, MeetingKind.THEMATIC, MeetingKind.CELL_COMMITTEE, MeetingKind.CONGRESS}
GRASSROOTS_KINDS = {MeetingKind.GRASSROOTS_COMMITTEE, MeetingKind.HALF_YEAR, MeetingKind.YEAR_END}
# kinds whose attendance counts for the consecutive-absence criterion
COUNTED_KINDS = (MeetingKind.REGULAR, MeetingKind.THEMATIC)


def _d(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _day(meeting: Meeting) -> dt.date:
    return timezone.localdate(meeting.held_at or meeting.scheduled_at)


def org_version(org: Organization | int, on: dt.date) -> OrgVersion | None:
    org_id = org if isinstance(org, int) else org.pk
    return (
        OrgVersion.objects.select_related("kind")
        .filter(org_id=org_id, valid_from__lte=on)
        .exclude(valid_to__lte=on)
        .first()
    )


def ancestor_ids(org_id: int, on: dt.date) -> list[int]:
    """The organization and its ancestors on `on`, from itself up (for the rulebook)."""
    from chibo.core.paths import segments

    v = org_version(org_id, on)
    return list(reversed(segments(v.path))) if v is not None else [org_id]


def _path(meeting: Meeting) -> str:
    v = org_version(meeting.org_id, _day(meeting))
    return v.path if v is not None else ""


def _rule(key: str, meeting: Meeting, default: Any = None) -> Any:
    try:
        return rule(key, on=_day(meeting), org_ids=ancestor_ids(meeting.org_id, _day(meeting)))
    except MissingRule:
        return default


def _audit(actor: Any, meeting: Meeting, action: str, after: dict[str, Any] | None = None,
           before: dict[str, Any] | None = None, reason: str = "") -> None:
    audit_log(actor=actor, action=action, target=meeting, org_path=_path(meeting), before=before,
              after=after, reason=reason)


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    return {
        "status": meeting.status, "scheduled_at": meeting.scheduled_at.isoformat(),
        "held_at": meeting.held_at.isoformat() if meeting.held_at else None,
        "duration_minutes": meeting.duration_minutes, "chair": meeting.chair_id, "clerk": meeting.clerk_id,
        "self_score": meeting.self_score, "present": meeting.present_count, "base": meeting.base_count,
    }


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


# --- scheduling and notice -------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *, actor: Any, org: Organization, kind: str, scheduled_at: dt.datetime, title: str = "", place: str = "",
    combined: bool = False, materials: str = "", agenda: list[str] | None = None,
) -> Meeting:
    """Schedule a meeting with its agenda (the standard order of business unless given)."""
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": [_("Unknown kind of meeting.")]})
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    on = timezone.localdate(scheduled_at)
    version = org_version(org, on)
    if version is None:
        raise ValidationError({"scheduled_at": [
            _("The organization does not exist on %(date)s.") % {"date": _d(on)}]})
    if kind in CELL_KINDS and not version.kind.is_cell:
        raise ValidationError({"kind": [_("This kind of meeting is held by a party cell.")]})
    if kind in GRASSROOTS_KINDS and not version.kind.is_grassroots:
        raise ValidationError({"kind": [_("This kind of meeting is held by a grassroots party organization.")]})
    meeting = Meeting.objects.create(
        org=org, kind=kind, scheduled_at=scheduled_at, title=title.strip(), place=place.strip(),
        combined=combined, materials=materials,
    )
    items = agenda if agenda is not None else (THEMATIC_AGENDA if kind == MeetingKind.THEMATIC else STANDARD_AGENDA)
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=meeting, position=i, title=t.strip()) for i, t in enumerate(items, 1) if t.strip()]
    )
    Minutes.objects.create(meeting=meeting)
    _audit(actor, meeting, "meeting.schedule", after=_snapshot(meeting))
    return meeting


@transaction.atomic
def meeting_update_agenda(*, actor: Any, meeting: Meeting, items: list[str], materials: str | None = None) -> Meeting:
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("The agenda of a meeting that was held or cancelled cannot change."))
    items = [t.strip() for t in items if t.strip()]
    if not items:
        raise ValidationError({"agenda": [_("The agenda needs at least one item.")]})
    before = list(meeting.agenda.values_list("title", flat=True))
    meeting.agenda.all().delete()
    AgendaItem.objects.bulk_create([AgendaItem(meeting=meeting, position=i, title=t) for i, t in enumerate(items, 1)])
    if materials is not None:
        meeting.materials = materials
        meeting.save(update_fields=["materials"])
    _audit(actor, meeting, "meeting.agenda", before={"agenda": before}, after={"agenda": items})
    return meeting


def notice_is_timely(meeting: Meeting) -> bool | None:
    """Whether the notice went out at least the rule's lead time before the meeting (None: no
    notice yet)."""
    if meeting.notice_sent_at is None:
        return None
    days = _rule("meeting.notice_lead_days", meeting, default=1)
    return bool(meeting.scheduled_at - meeting.notice_sent_at >= dt.timedelta(days=days))


@transaction.atomic
def meeting_send_notice(*, actor: Any, meeting: Meeting, at: dt.datetime | None = None) -> Meeting:
    """Record that the notice (time, place, content, materials) went to the members and the
    superior committee's watcher."""
    meeting = _lock(meeting)
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled meeting can be announced."))
    if at > now:
        raise ValidationError({"at": [_("The notice cannot be dated in the future.")]})
    if at >= meeting.scheduled_at:
        raise ValidationError(_("The notice must go out before the meeting starts."))
    meeting.notice_sent_at = at
    meeting.save(update_fields=["notice_sent_at"])
    _audit(actor, meeting, "meeting.notice", after={"notice_sent_at": at.isoformat()})
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled meeting can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    before = _snapshot(meeting)
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    summary.refresh_meeting(meeting)
    _audit(actor, meeting, "meeting.cancel", before=before, after=_snapshot(meeting), reason=reason)
    return meeting


# --- holding it -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceEntry:
    member_id: int
    status: str
    reason: str = ""


def _base_member(meeting: Meeting, member: Member | None, label: str) -> None:
    if member is None:
        return
    on = _day(meeting)
    if member.pk not in register.base_statuses(meeting.org_id, on):
        raise ValidationError({label: [
            _("%(name)s is not a member of this organization on %(date)s.") % {"name": member.full_name,
                                                                                 "date": _d(on)}]})


@transaction.atomic
def meeting_hold(
    *, actor: Any, meeting: Meeting, held_at: dt.datetime, duration_minutes: int, chair: Member | None,
    clerk: Member | None, self_score: int | None = None, now: dt.datetime | None = None,
) -> Meeting:
    """Mark the meeting held, with its time, duration, chair and clerk."""
    meeting = _lock(meeting)
    now = now or timezone.now()
    if timezone.is_naive(held_at):
        held_at = timezone.make_aware(held_at)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be marked as held."))
    if _minutes_locked(meeting):
        raise ValidationError(_("The minutes are adopted: the meeting can no longer change."))
    if held_at > now:
        raise ValidationError({"held_at": [_("A meeting dated in the future cannot be marked as held.")]})
    if duration_minutes is None or duration_minutes <= 0 or duration_minutes > 24 * 60:
        raise ValidationError({"duration_minutes": [_("Give the duration in minutes (at most one day).")]})
    if self_score is not None and not 0 <= self_score <= 100:
        raise ValidationError({"self_score": [_("The self-score is between 0 and 100.")]})
    before = _snapshot(meeting)
    meeting.held_at = held_at
    on = timezone.localdate(held_at)
    if org_version(meeting.org_id, on) is None:
        raise ValidationError({"held_at": [_("The organization does not exist on %(date)s.") % {"date": _d(on)}]})
    _base_member(meeting, chair, "chair")
    _base_member(meeting, clerk, "clerk")
    meeting.duration_minutes = duration_minutes
    meeting.chair, meeting.clerk, meeting.self_score = chair, clerk, self_score
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["held_at", "duration_minutes", "chair", "clerk", "self_score", "status"])
    refresh_quality(meeting)
    _audit(actor, meeting, "meeting.hold", before=before, after=_snapshot(meeting))
    return meeting


@transaction.atomic
def meeting_record_attendance(*, actor: Any, meeting: Meeting, entries: list[AttendanceEntry]) -> Meeting:
    """Record the attendance of every member of the base on the meeting's date (replacing what
    was recorded before, until the minutes are adopted)."""
    meeting = _lock(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting has no attendance."))
    if _minutes_locked(meeting):
        raise ValidationError(_("The minutes are adopted: the attendance can no longer change."))
    on = _day(meeting)
    base = register.base_statuses(meeting.org_id, on)
    seen: set[int] = set()
    errors: list[str] = []
    names = dict(Member.objects.filter(pk__in=[e.member_id for e in entries]).values_list("pk", "full_name"))
    for e in entries:
        if e.status not in AttendanceStatus.values:
            errors.append(_("Unknown attendance value."))
        elif e.member_id not in base:
            errors.append(_("%(name)s is not a member of this organization on %(date)s.")
                          % {"name": names.get(e.member_id, f"#{e.member_id}"), "date": _d(on)})
        elif e.member_id in seen:
            errors.append(_("%(name)s is listed twice.") % {"name": names.get(e.member_id, "")})
        seen.add(e.member_id)
    missing = set(base) - seen
    if missing:
        errors.append(_("The attendance of %(count)d member(s) of the register is missing.") % {"count": len(missing)})
    if errors:
        raise ValidationError(errors)
    before = dict(meeting.attendance.values_list("member_id", "status"))
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member_id=e.member_id, status=e.status, reason=e.reason.strip()[:300])
         for e in entries]
    )
    refresh_quality(meeting)
    _audit(actor, meeting, "meeting.attendance", before={"attendance": before},
           after={"attendance": {str(e.member_id): e.status for e in entries}})
    return meeting


@transaction.atomic
def meeting_record(
    *, actor: Any, meeting: Meeting, held_at: dt.datetime, duration_minutes: int, chair: Member | None,
    clerk: Member | None, self_score: int | None, entries: list[AttendanceEntry],
) -> Meeting:
    """Hold the meeting and record its attendance in one step (the secretary's form): both or
    nothing."""
    meeting = meeting_hold(actor=actor, meeting=meeting, held_at=held_at, duration_minutes=duration_minutes,
                           chair=chair, clerk=clerk, self_score=self_score)
    return meeting_record_attendance(actor=actor, meeting=meeting, entries=entries)


def _minutes_locked(meeting: Meeting) -> bool:
    return Minutes.objects.filter(meeting=meeting, adopted_at__isnull=False).exists()


@dataclass(frozen=True)
class Quality:
    base: int
    present: int
    unexcused: int
    longest_absence_run: int
    met: bool


def judge(*, base: int, present: int, unexcused: int, longest_run: int, duration: int | None, self_score: int | None,
          min_percent: float, max_run: int, min_duration: int | None) -> bool:
    """The quality criteria of a held meeting (HD 12-HD/BTCTW 2018; duration from HD 42 where in
    force): attendance above the minimum, no unexcused absence, nobody absent more than the
    allowed consecutive times in the year, the meeting long enough, and a self-score given."""
    if base == 0 or self_score is None:
        return False
    if present * 100 <= min_percent * base:
        return False
    if unexcused or longest_run > max_run:
        return False
    return min_duration is None or (duration or 0) >= min_duration


def refresh_quality(meeting: Meeting) -> None:
    """Compute the meeting's figures from its attendance, and those of the organization's later
    counted meetings of the same year (their runs of absences depend on this one); then the
    monthly summary of the months they fall in (`summary.refresh`)."""
    if meeting.status != MeetingStatus.HELD or meeting.kind not in COUNTED_KINDS:
        _store_quality(meeting, {})
        summary.refresh_meeting(meeting)
        return
    day = _day(meeting)
    year_meetings = list(
        Meeting.objects.filter(org_id=meeting.org_id, kind__in=COUNTED_KINDS, status=MeetingStatus.HELD,
                               scheduled_at__year=day.year).order_by("scheduled_at", "id")
    )
    rows: dict[int, dict[int, str]] = {m.pk: {} for m in year_meetings}
    for mid, member, status in Attendance.objects.filter(meeting__in=year_meetings).values_list(
            "meeting_id", "member_id", "status"):
        rows[mid][member] = status
    runs: dict[int, int] = {}
    started = False
    for m in year_meetings:
        for member, status in rows[m.pk].items():
            runs[member] = runs.get(member, 0) + 1 if status in (AttendanceStatus.EXCUSED,
                                                                AttendanceStatus.UNEXCUSED) else 0
        if m.pk == meeting.pk:
            started = True
        if started:
            longest = max((runs.get(member, 0) for member in rows[m.pk]), default=0)
            _store_quality(m, rows[m.pk], longest)
    summary.refresh_meeting(meeting, *(m.scheduled_at for m in year_meetings))


def _store_quality(meeting: Meeting, rows: dict[int, str], longest: int = 0) -> None:
    counted = [s for s in rows.values() if s != AttendanceStatus.SPECIAL_DUTY]
    base, present = len(counted), sum(1 for s in counted if s == AttendanceStatus.PRESENT)
    unexcused = sum(1 for s in counted if s == AttendanceStatus.UNEXCUSED)
    min_duration = None
    if meeting.duration_minutes is not None:
        key = "meeting.min_duration_combined_minutes" if meeting.combined else "meeting.min_duration_minutes"
        min_duration = _rule(key, meeting)
    met = meeting.status == MeetingStatus.HELD and meeting.kind in COUNTED_KINDS and judge(
        base=base, present=present, unexcused=unexcused, longest_run=longest, duration=meeting.duration_minutes,
        self_score=meeting.self_score, min_percent=float(_rule("meeting.quality_attendance_min_percent", meeting, 85)),
        max_run=int(_rule("meeting.max_consecutive_excused_absences", meeting, 3)), min_duration=min_duration,
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        base_count=base, present_count=present, unexcused_count=unexcused, longest_absence_run=longest,
        met_criteria=met,
    )
    meeting.base_count, meeting.present_count, meeting.unexcused_count = base, present, unexcused
    meeting.longest_absence_run, meeting.met_criteria = longest, met


# --- votes ----------------------------------------------------------------------------------------


def vote_passes(*, threshold: dict[str, Any], votes_for: int, official_present: int, official_members: int) -> bool:
    """Whether `votes_for` reaches the threshold: a fraction num/den of the official members
    present (base "present") or of all official members (the default), strictly above it when
    `strict`."""
    denominator = official_present if threshold.get("base") == "present" else official_members
    lhs, rhs = votes_for * int(threshold["den"]), int(threshold["num"]) * denominator
    return lhs > rhs if threshold.get("strict") else lhs >= rhs and denominator > 0


@transaction.atomic
def vote_record(
    *, actor: Any, meeting: Meeting, question: str, subject: str = VoteSubject.RESOLUTION, official_present: int,
    votes_for: int, votes_against: int, abstentions: int,
) -> Vote:
    """Record a vote with the threshold of the rule in force on the meeting's date."""
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Votes are recorded for a meeting that was held."))
    if _minutes_locked(meeting):
        raise ValidationError(_("The minutes are adopted: no vote can be added."))
    if not question.strip():
        raise ValidationError({"question": [_("Give the question put to the vote.")]})
    if subject not in VOTE_RULES:
        raise ValidationError({"subject": [_("Unknown subject of the vote.")]})
    counts = {"official_present": official_present, "votes_for": votes_for, "votes_against": votes_against,
              "abstentions": abstentions}
    if any(v is None or v < 0 for v in counts.values()):
        raise ValidationError(_("The counts cannot be negative."))
    on = _day(meeting)
    base = register.base_statuses(meeting.org_id, on)
    official_total = sum(1 for s in base.values() if s == Status.OFFICIAL)
    present_official = official_total
    if meeting.attendance.exists():
        present_ids = set(meeting.attendance.filter(status=AttendanceStatus.PRESENT).values_list("member_id", flat=True))
        present_official = sum(1 for m, s in base.items() if s == Status.OFFICIAL and m in present_ids)
    if official_present > present_official:
        raise ValidationError({"official_present": [
            _("Only %(count)d official members are present.") % {"count": present_official}]})
    if votes_for + votes_against + abstentions > official_present:
        raise ValidationError({"votes_for": [
            _("%(votes)d votes were counted but only %(present)d official members are present.")
            % {"votes": votes_for + votes_against + abstentions, "present": official_present}]})
    key = VOTE_RULES[subject]
    threshold = _rule(key, meeting)
    if threshold is None:
        raise ValidationError(_("No voting rule is in force on %(date)s.") % {"date": _d(on)})
    vote = Vote.objects.create(
        meeting=meeting, question=question.strip()[:500], subject=subject, official_members=official_total,
        official_present=official_present, votes_for=votes_for, votes_against=votes_against,
        abstentions=abstentions, rule_key=key, threshold=threshold,
        passed=vote_passes(threshold=threshold, votes_for=votes_for, official_present=official_present,
                           official_members=official_total),
    )
    _audit(actor, meeting, "meeting.vote", after={"vote": vote.pk, **counts, "passed": vote.passed})
    return vote


# --- minutes --------------------------------------------------------------------------------------

MINUTES_FIELDS = ("opening", "report", "communications", "discussion", "conclusion")


@transaction.atomic
def minutes_save(*, actor: Any, meeting: Meeting, **fields: str) -> Minutes:
    minutes, _created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
    if minutes.locked:
        raise ValidationError(_("The minutes are adopted and locked: record a dated amendment instead."))
    unknown = set(fields) - set(MINUTES_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown part of the minutes."))
    _refuse_control_characters(*fields.values())
    before = {f: getattr(minutes, f) for f in fields}
    for f, value in fields.items():
        setattr(minutes, f, value)
    minutes.save(update_fields=list(fields) or None)
    _audit(actor, meeting, "meeting.minutes", before=before, after=dict(fields))
    return minutes


def _refuse_control_characters(*texts: str) -> None:
    if any(has_control_characters(t) for t in texts if t):
        raise ValidationError(_("The text holds a control character (such as NUL): retype it without it."))


@transaction.atomic
def minutes_adopt(*, actor: Any, meeting: Meeting, at: dt.datetime | None = None) -> Minutes:
    minutes = Minutes.objects.select_for_update().get(meeting=meeting)
    meeting = Meeting.objects.get(pk=meeting.pk)
    if minutes.locked:
        raise ValidationError(_("The minutes are already adopted."))
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Minutes are adopted at a meeting that was held."))
    minutes.adopted_at = at or timezone.now()
    minutes.adopted_by = actor if getattr(actor, "is_authenticated", False) else None
    minutes.save(update_fields=["adopted_at", "adopted_by"])
    _audit(actor, meeting, "meeting.minutes_adopt", after={f: getattr(minutes, f) for f in MINUTES_FIELDS})
    return minutes


@transaction.atomic
def minutes_amend(*, actor: Any, meeting: Meeting, on: dt.date, text: str, reason: str) -> MinutesAmendment:
    """A correction to adopted minutes: a separate dated record, the minutes stay as adopted."""
    minutes = Minutes.objects.select_for_update().get(meeting=meeting)
    if not minutes.locked:
        raise ValidationError(_("The minutes are not adopted yet: correct them directly."))
    if not text.strip() or not reason.strip():
        raise ValidationError(_("Give the correction and its reason."))
    _refuse_control_characters(text, reason)
    if minutes.adopted_at and on < timezone.localdate(minutes.adopted_at):
        raise ValidationError({"on": [_("An amendment cannot be dated before the minutes were adopted.")]})
    amendment = MinutesAmendment.objects.create(
        minutes=minutes, on=on, text=text.strip(), reason=reason.strip()[:300],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit(actor, meeting, "meeting.minutes_amend", after={"on": on.isoformat(), "text": text}, reason=reason)
    return amendment


# --- resolutions and tasks --------------------------------------------------------------------------


@transaction.atomic
def resolution_record(
    *, actor: Any, meeting: Meeting, number: str, title: str, text: str = "", vote: Vote | None = None,
) -> Resolution:
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("A resolution is adopted at a meeting that was held."))
    if _minutes_locked(meeting):
        raise ValidationError(_("The minutes are adopted: no resolution can be added."))
    if not number.strip() or not title.strip():
        raise ValidationError(_("Give the number and the title of the resolution."))
    if vote is not None and (vote.meeting_id != meeting.pk or not vote.passed):
        raise ValidationError({"vote": [_("The resolution needs a vote of this meeting that passed.")]})
    if Resolution.objects.filter(org_id=meeting.org_id, number=number.strip()).exists():
        raise ValidationError({"number": [_("The resolution book already has this number.")]})
    resolution = Resolution.objects.create(
        meeting=meeting, org_id=meeting.org_id, vote=vote, number=number.strip(), title=title.strip(),
        text=text, adopted_on=_day(meeting),
    )
    _audit(actor, meeting, "meeting.resolution", after={"resolution": resolution.pk, "number": resolution.number})
    return resolution


@transaction.atomic
def task_create(*, actor: Any, resolution: Resolution, title: str, owner: Member, due_date: dt.date) -> Task:
    meeting = resolution.meeting
    if _minutes_locked(meeting):
        raise ValidationError(_("The minutes are adopted: no task can be added."))
    if not title.strip():
        raise ValidationError({"title": [_("Give the task.")]})
    if due_date < resolution.adopted_on:
        raise ValidationError({"due_date": [_("The due date cannot come before the resolution.")]})
    _base_member(meeting, owner, "owner")
    task = Task.objects.create(resolution=resolution, title=title.strip(), owner=owner, due_date=due_date)
    _audit(actor, meeting, "meeting.task", after={"task": task.pk, "owner": owner.pk, "due": due_date.isoformat()})
    return task


@transaction.atomic
def task_complete(*, actor: Any, task: Task, done_on: dt.date) -> Task:
    task = Task.objects.select_for_update().select_related("resolution__meeting").get(pk=task.pk)
    if done_on > timezone.localdate():
        raise ValidationError({"done_date": [_("A task cannot be done in the future.")]})
    if done_on < task.resolution.adopted_on:
        raise ValidationError({"done_date": [_("A task cannot be done before its resolution.")]})
    before = {"done_date": task.done_date.isoformat() if task.done_date else None}
    task.done_date = done_on
    task.save(update_fields=["done_date"])
    _audit(actor, task.resolution.meeting, "meeting.task_done", before=before,
           after={"task": task.pk, "done_date": done_on.isoformat()})
    return task
