"""Meetings of party organizations: the monthly cell meeting and the others, their attendance,
agenda, votes, minutes (adopted and locked, corrected by dated amendments), the resolution book
and the tasks each resolution yields.

Every table is scoped by the organization's path (`MeetingQuerySet`): a meeting is in a user's
scope when its organization ever sat in one of the user's subtrees; the rows that belong to a
meeting follow it. The quality figures of a held meeting (base, present, unexcused absences, the
longest run of absences, whether it meets the criteria) are computed by the services when the
attendance is recorded and kept on the meeting, so reports over a province add up columns.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet


class MeetingKind(models.TextChoices):
    REGULAR = "regular_monthly_meeting", _("Regular monthly meeting")
    THEMATIC = "thematic_meeting", _("Thematic meeting")
    CELL_COMMITTEE = "cell_committee_meeting", _("Cell committee monthly meeting")
    GRASSROOTS_COMMITTEE = "grassroots_committee_meeting", _("Grassroots committee monthly meeting")
    HALF_YEAR = "half_year_meeting", _("Half-year review meeting")
    YEAR_END = "year_end_meeting", _("Year-end review meeting")
    CONGRESS = "cell_congress", _("Cell congress")
    EXTRAORDINARY = "extraordinary_meeting", _("Extraordinary meeting")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "absent_excused", _("Absent with reason")
    UNEXCUSED = "absent_unexcused", _("Absent without reason")
    SPECIAL_DUTY = "special_duty", _("On special duty (not counted)")


class VoteSubject(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution or conclusion")
    ADMISSION = "admission", _("Admission of a member")
    RECOGNITION = "recognition", _("Recognition as official member")
    REMOVAL = "removal", _("Removal of a probationary member")


# the rulebook key of each subject's threshold
VOTE_RULES: dict[str, str] = {
    VoteSubject.RESOLUTION: "meeting.resolution_vote_threshold",
    VoteSubject.ADMISSION: "admission.cell_vote_threshold",
    VoteSubject.RECOGNITION: "recognition.cell_vote_threshold",
    VoteSubject.REMOVAL: "removal.cell_vote_threshold",
}


def _orgs_in_scope(scope: Scope, field: str) -> Q:
    """Rows whose organization ever sat in the scope's subtrees."""
    from chibo.orgs.models import OrgVersion

    orgs = OrgVersion.objects.filter(any_subtree_q(list(scope.paths))).values("org_id")
    return Q(**{f"{field}__in": orgs})


class MeetingQuerySet(ScopedQuerySet["Meeting"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "org")


class Meeting(models.Model):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                            related_name="meetings")
    kind = models.CharField(_("kind"), max_length=32, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled for"))
    combined = models.BooleanField(_("thematic and regular meeting held together"), default=False)
    materials = models.TextField(_("materials"), blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    chair = models.ForeignKey("members.Member", verbose_name=_("chair"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey("members.Member", verbose_name=_("clerk"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    self_score = models.PositiveSmallIntegerField(_("self-score"), null=True, blank=True)
    # computed by the services from the attendance (see the module's docstring)
    base_count = models.PositiveIntegerField(default=0)
    present_count = models.PositiveIntegerField(default=0)
    unexcused_count = models.PositiveIntegerField(default=0)
    longest_absence_run = models.PositiveIntegerField(default=0)
    met_criteria = models.BooleanField(default=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-scheduled_at", "-id"]
        indexes = [
            models.Index(fields=["org", "scheduled_at"], name="meeting_org_time"),
            models.Index(fields=["kind", "scheduled_at", "status"], name="meeting_kind_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(present_count__lte=models.F("base_count")),
                                   name="meeting_present_within_base"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scheduled_at:%Y-%m-%d}"

    @property
    def attendance_rate(self) -> float | None:
        return 100.0 * self.present_count / self.base_count if self.base_count else None


class MeetingMonthQuerySet(ScopedQuerySet["MeetingMonth"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "org")


class MeetingMonth(models.Model):
    """What an organization's held regular and thematic meetings add up to in a calendar month
    of the site's zone (the month of `scheduled_at`): how many of each kind, how many met the
    criteria, and the sums of their present and base counts. Kept by the services in the
    transaction that changes a meeting (`meetings.summary`), rebuilt by `chibo meetings
    summarize` after a bulk load; the quality report reads these rows instead of the meetings."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField()  # year × 100 + month
    regular = models.PositiveIntegerField(default=0)
    thematic = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    base = models.PositiveIntegerField(default=0)

    objects = MeetingMonthQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "month"], name="meetingmonth_unique"),
            models.CheckConstraint(condition=Q(month__gte=100001, month__lte=999912), name="meetingmonth_month"),
        ]
        # the report's organizations and months, answered from the index alone
        indexes = [models.Index(fields=["org", "month", "regular", "thematic", "met", "present", "base"],
                                name="meetingmonth_cover")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month}"


_M = TypeVar("_M", bound=models.Model)


class _ByMeeting(ScopedQuerySet[_M]):
    """Rows that belong to a meeting are in scope with it."""

    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "meeting__org")


class AttendanceQuerySet(_ByMeeting["Attendance"]):
    pass


class AgendaItemQuerySet(_ByMeeting["AgendaItem"]):
    pass


class VoteQuerySet(_ByMeeting["Vote"]):
    pass


class MinutesQuerySet(_ByMeeting["Minutes"]):
    pass


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="meeting_attendance")
    status = models.CharField(_("attendance"), max_length=20, choices=AttendanceStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting_id", "member__search_key", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique_member")]
        indexes = [models.Index(fields=["member", "meeting"], name="attendance_member")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.status}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("item"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting_id", "position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Vote(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    question = models.CharField(_("question"), max_length=500)
    subject = models.CharField(_("subject"), max_length=16, choices=VoteSubject.choices,
                               default=VoteSubject.RESOLUTION)
    official_members = models.PositiveIntegerField(_("official members of the organization"))
    official_present = models.PositiveIntegerField(_("official members present"))
    votes_for = models.PositiveIntegerField(_("for"))
    votes_against = models.PositiveIntegerField(_("against"))
    abstentions = models.PositiveIntegerField(_("abstaining"))
    rule_key = models.CharField(max_length=100)
    threshold = models.JSONField(_("threshold"))
    passed = models.BooleanField(_("passed"))

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["meeting_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(official_present__lte=models.F("official_members")), name="vote_present_within_members"),
        ]

    def __str__(self) -> str:
        return self.question


class Minutes(models.Model):
    """The structured minutes (biên bản). Once adopted they are locked: a correction is a dated
    `MinutesAmendment`, never an edit in place."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    opening = models.TextField(_("opening and roll call"), blank=True)
    report = models.TextField(_("report on last month and tasks for next month"), blank=True)
    communications = models.TextField(_("documents of the superior committee"), blank=True)
    discussion = models.TextField(_("discussion"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = MinutesQuerySet.as_manager()

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"{self.meeting}"

    @property
    def locked(self) -> bool:
        return self.adopted_at is not None


class MinutesAmendmentQuerySet(ScopedQuerySet["MinutesAmendment"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "minutes__meeting__org")


class MinutesAmendment(models.Model):
    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="amendments")
    on = models.DateField(_("dated"))
    text = models.TextField(_("correction"))
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = MinutesAmendmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("amendment to the minutes")
        verbose_name_plural = _("amendments to the minutes")
        ordering = ["minutes_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.on}: {self.reason}"


class ResolutionQuerySet(ScopedQuerySet["Resolution"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "org")


class Resolution(models.Model):
    """An entry of the organization's resolution book (sổ nghị quyết)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                            related_name="+")
    vote = models.ForeignKey(Vote, verbose_name=_("vote"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    number = models.CharField(_("number"), max_length=64)
    adopted_on = models.DateField(_("adopted on"))
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)

    objects = ResolutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-adopted_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "number"], name="resolution_unique_number")]
        indexes = [models.Index(fields=["org", "adopted_on"], name="resolution_org_time")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class TaskQuerySet(ScopedQuerySet["Task"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "resolution__org")


class Task(models.Model):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    owner = models.ForeignKey("members.Member", verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="meeting_tasks")
    due_date = models.DateField(_("due date"))
    done_date = models.DateField(_("done on"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["due_date", "done_date"], name="task_due")]

    def __str__(self) -> str:
        return self.title
