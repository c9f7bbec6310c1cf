"""The yearly review and quality rating (kiểm điểm, đánh giá, xếp loại chất lượng) of members and
organizations, and the "four good" emulation.

A `Round` is opened by a committee over its subtree on a date; it keeps the rule set in force
that day (`rules`, a snapshot of the rulebook's `eval.*` rows) and pins the criteria sets it
uses. Each member and each organization of the subtree has one `Assessment` per round, which
moves through the steps of the procedure (self-assessment, the cell's proposal, appraisal,
decision, reopening on complaint); every write carries the row's `version` (no lost updates).
`path` is the organization's place in the tree on the round's date, so a round's figures are
counted over the tree as it stood then. Scoping follows the organization: a row is in a user's
scope when its organization ever sat in one of the user's subtrees (as meetings do).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet


class PeriodType(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    TERM = "term", _("Term")
    AD_HOC = "ad_hoc", _("When needed")


class Subject(models.TextChoices):
    MEMBER = "member", _("Member")
    ORGANIZATION = "organization", _("Organization")


class Audience(models.TextChoices):
    MEMBER = "member", _("Members")
    LEADER = "leader", _("Leaders")
    COLLECTIVE = "collective", _("Collectives")


class Level(models.TextChoices):
    EXCELLENT = "excellent_completion", _("Excellently completed tasks")
    GOOD = "good_completion", _("Completed tasks well")
    COMPLETED = "task_completion", _("Completed tasks")
    NOT_COMPLETED = "non_completion", _("Did not complete tasks")


# best first
LEVEL_ORDER: list[str] = [Level.EXCELLENT, Level.GOOD, Level.COMPLETED, Level.NOT_COMPLETED]


def level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


class Grade(models.TextChoices):
    """The per-criterion grade of the rule sets without a point scale (132, 124)."""

    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    AVERAGE = "average", _("Average")
    WEAK = "weak", _("Weak")


class State(models.TextChoices):
    PENDING = "pending", _("Waiting for self-assessment")
    SELF_ASSESSED = "self_assessed", _("Self-assessed")
    PROPOSED = "proposed", _("Proposed by the cell")
    APPRAISED = "appraised", _("Appraised")
    DECIDED = "decided", _("Decided")
    REOPENED = "reopened", _("Reopened for re-rating")
    NOT_RATED = "not_rated", _("Not rated")


class Exclusion(models.TextChoices):
    SUSPENDED = "suspended", _("Suspended from party activity")
    RECENTLY_ADMITTED = "recently_admitted", _("Admitted less than the rule's months before")
    EXEMPT = "exempt", _("Exempt from party work and activities")


class Post(models.TextChoices):
    NONE = "", _("No post")
    SECRETARY = "secretary", _("Secretary")
    DEPUTY = "deputy_secretary", _("Deputy secretary")


def _orgs_in_scope(scope: Scope, field: str) -> Q:
    """Rows whose organization ever sat in the scope's subtrees."""
    from chibo.orgs.models import OrgVersion

    orgs = OrgVersion.objects.filter(any_subtree_q(list(scope.paths))).values("org_id")
    return Q(**{f"{field}__in": orgs})


class _ByOrg(ScopedQuerySet):  # type: ignore[type-arg]
    org_field = "org"

    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, self.org_field)


class CriteriaSetQuerySet(_ByOrg):
    org_field = "owner"


class CriteriaSet(models.Model):
    """A superior committee's criteria groups and their points within the 100-point framework
    (CV 10072-CV/BTCTW), for one audience; a new version never changes an old one."""

    owner = models.ForeignKey("orgs.Organization", verbose_name=_("defined by"), on_delete=models.PROTECT,
                              related_name="+")
    audience = models.CharField(_("for"), max_length=16, choices=Audience.choices)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    groups = models.JSONField(_("criteria groups"))  # [{"code", "name", "max_points"}]
    valid_from = models.DateField(_("in use from"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        ordering = ["owner_id", "audience", "-version"]
        constraints = [models.UniqueConstraint(fields=["owner", "audience", "version"], name="criteriaset_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RoundQuerySet(_ByOrg):
    pass


class Round(models.Model):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("opened by"), on_delete=models.PROTECT,
                            related_name="+")
    period_type = models.CharField(_("period"), max_length=8, choices=PeriodType.choices, default=PeriodType.YEAR)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    label = models.CharField(_("title"), max_length=200, blank=True)
    opened_on = models.DateField(_("opened on"))
    path = models.CharField(max_length=255)
    regulation = models.CharField(_("regulation"), max_length=32)
    rules = models.JSONField(_("rules in force"))
    criteria_member = models.ForeignKey(CriteriaSet, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("criteria for members"))
    criteria_leader = models.ForeignKey(CriteriaSet, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("criteria for leaders"))
    criteria_collective = models.ForeignKey(CriteriaSet, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name=_("criteria for collectives"))
    self_deadline = models.DateField(_("self-assessment due"))
    cell_deadline = models.DateField(_("cell proposals due"))
    decision_deadline = models.DateField(_("decisions due"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["org", "year"], name="evalround_org_year")]

    def __str__(self) -> str:
        return self.label or f"{self.year}"


class AssessmentQuerySet(_ByOrg):
    pass


class Assessment(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assessments")
    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)
    member = models.ForeignKey("members.Member", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                            related_name="+")
    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField(default=0)
    # the comparable group of the quota: a member's grassroots organization, an organization's parent
    group_path = models.CharField(max_length=255, blank=True)
    is_cell = models.BooleanField(default=False)
    post = models.CharField(_("post"), max_length=20, choices=Post.choices, blank=True, default="")
    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.PENDING)
    excluded = models.CharField(_("not rated because"), max_length=20, choices=Exclusion.choices, blank=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    self_total = models.DecimalField(_("self-score"), max_digits=5, decimal_places=1, null=True, blank=True)
    self_level = models.CharField(_("self-rating"), max_length=24, choices=Level.choices, blank=True)
    self_comment = models.TextField(_("self-assessment"), blank=True)
    self_on = models.DateField(_("self-assessed on"), null=True, blank=True)
    proposed_level = models.CharField(_("cell's proposal"), max_length=24, choices=Level.choices, blank=True)
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    abstentions = models.PositiveIntegerField(_("abstaining"), null=True, blank=True)
    proposed_on = models.DateField(_("proposed on"), null=True, blank=True)
    proposal_comment = models.TextField(_("cell's opinion"), blank=True)
    appraised_level = models.CharField(_("appraisal"), max_length=24, choices=Level.choices, blank=True)
    appraised_on = models.DateField(_("appraised on"), null=True, blank=True)
    appraisal_note = models.TextField(_("appraisal note"), blank=True)
    decided_level = models.CharField(_("rating"), max_length=24, choices=Level.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decided_by = models.ForeignKey("orgs.Organization", verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    quota_override = models.CharField(_("quota exceeded by decision"), max_length=300, blank=True)
    # the events that force "did not complete"
    disciplined_in_year = models.BooleanField(_("disciplined in the rated year"), default=False)
    self_detected = models.BooleanField(_("violation self-detected and remedied"), default=False)
    targets_percent = models.PositiveSmallIntegerField(_("targets met (%)"), null=True, blank=True)
    units_disciplined_percent = models.PositiveSmallIntegerField(_("subordinate units disciplined (%)"),
                                                                 null=True, blank=True)
    forced_reason = models.CharField(_("forced by"), max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["round_id", "path", "subject", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], condition=Q(member__isnull=False),
                                    name="assessment_member_once"),
            models.UniqueConstraint(fields=["round", "org"], condition=Q(subject="organization"),
                                    name="assessment_org_once"),
            models.CheckConstraint(condition=Q(subject="organization") | Q(member__isnull=False),
                                   name="assessment_member_subject"),
        ]
        indexes = [
            models.Index(fields=["round", "subject", "path"], name="assessment_round_path"),
            models.Index(fields=["round", "org"], name="assessment_round_org"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.subject}/{self.member_id or self.org_id}"

    @property
    def level(self) -> str:
        return self.decided_level


# --- the "four good" emulation ---------------------------------------------------------------------


class Phase(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    EXPANSION = "expansion", _("Expansion")


class ProgrammeQuerySet(_ByOrg):
    org_field = "owner"


class Programme(models.Model):
    """An emulation programme, e.g. "four good" party cells (Resolution 21-NQ/TW)."""

    owner = models.ForeignKey("orgs.Organization", verbose_name=_("run by"), on_delete=models.PROTECT,
                              related_name="+")
    name = models.CharField(_("name"), max_length=200)
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    contents = models.JSONField(_("contents"))  # [{"code", "name", "max_points"}]
    start_year = models.PositiveSmallIntegerField(_("from year"))
    end_year = models.PositiveSmallIntegerField(_("to year"))
    min_points = models.PositiveSmallIntegerField(_("points needed for recognition"), default=80)
    required_level = models.CharField(_("rating needed for recognition"), max_length=24, choices=Level.choices,
                                      blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("emulation programme")
        verbose_name_plural = _("emulation programmes")
        ordering = ["-start_year", "id"]

    def __str__(self) -> str:
        return self.name


class ParticipationQuerySet(_ByOrg):
    pass


class Participation(models.Model):
    """A unit's registration and signed pledge in a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participants")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("unit"), on_delete=models.PROTECT,
                            related_name="+")
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, default=Phase.EXPANSION)
    registered_on = models.DateField(_("registered on"))
    pledge_signed_on = models.DateField(_("pledge signed on"), null=True, blank=True)
    pledge_document = models.CharField(_("pledge document"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["programme_id", "org_id"]
        constraints = [models.UniqueConstraint(fields=["programme", "org"], name="participation_once")]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.org_id}"


class RecognitionQuerySet(_ByOrg):
    org_field = "participation__org"


class Recognition(models.Model):
    """A unit's yearly self-assessment in the programme and the recognition decision."""

    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    scores = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(_("points"), max_digits=5, decimal_places=1)
    recognized = models.BooleanField(_("recognized"), default=False)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["participation_id", "year"]
        constraints = [models.UniqueConstraint(fields=["participation", "year"], name="recognition_once")]

    def __str__(self) -> str:
        return f"{self.participation_id}/{self.year}"
