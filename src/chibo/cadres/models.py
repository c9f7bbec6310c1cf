"""Cadres: posts held at organization nodes over time, the roles held at the same time, facts of
the record (non-local cadres, border-guard officers on commune committees), rotation, succession
planning, dated qualifications, training courses with enrolments, contests, committee members
assigned to watch units, and cadres seconded to communes.

Every table is scoped by the organization it belongs to (`OrgScopedQuerySet`): a record is in a
user's scope when its organization ever sat in one of the user's subtrees, as for members.
Valid time follows `core.validtime`: `valid_from` inclusive, `valid_to` exclusive.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet
from chibo.core.validtime import ValidTimeModel


def org_in_scope_q(scope: Scope, org_field: str) -> Q:
    """Rows whose organization (`org_field`, an FK) ever sat in the scope's subtrees."""
    from chibo.orgs.models import OrgVersion

    orgs = OrgVersion.objects.filter(any_subtree_q(list(scope.paths))).values("org_id")
    return Q(**{f"{org_field}__in": orgs})


class OrgScopedQuerySet(ScopedQuerySet[Any]):
    """Scoped by one or more organization foreign keys (`scope_org_fields` on the model): in scope
    when any of them is."""

    def scope_filter(self, scope: Scope) -> Q:
        q = Q(pk__in=[])
        for name in self.model.scope_org_fields:
            q |= org_in_scope_q(scope, name)
        return q


def _period_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")), name=name
    )


class Position(models.TextChoices):
    """Posts at an organization node (glossary keys)."""

    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    CELL_COMMITTEE_MEMBER = "party_cell_committee_member", _("Party cell committee member")
    COMMITTEE_MEMBER = "committee_member", _("Executive committee member")
    STANDING_COMMITTEE_MEMBER = "standing_committee_member", _("Standing committee member")
    INSPECTION_COMMITTEE_MEMBER = "inspection_committee_member", _("Inspection committee member")
    PARTY_GROUP_HEAD = "party_group_head", _("Party group head")


LEADERS = (Position.SECRETARY, Position.DEPUTY_SECRETARY)


class Method(models.TextChoices):
    ELECTION = "election", _("Elected")
    APPOINTMENT = "appointment", _("Appointed")


class Post(ValidTimeModel):
    """A member holds a position at an organization from a date to a date."""

    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="posts",
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="posts"
    )
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    method = models.CharField(
        _("by"), max_length=16, choices=Method.choices, default=Method.ELECTION
    )
    decision_no = models.CharField(_("decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    exception = models.CharField(_("documented exception"), max_length=200, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("org",)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["org_id", "position", "valid_from"]
        indexes = [
            models.Index(
                fields=["position", "valid_from", "valid_to", "org"], name="post_position_time"
            ),
            models.Index(fields=["member", "valid_from"], name="post_member_time"),
            # covering: the secretaries of a subtree's cells on a date, from the index alone
            models.Index(
                fields=["org", "position", "valid_from", "valid_to", "member"],
                name="post_org_cover",
            ),
        ]
        constraints = [_period_constraint("post_valid_period")]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.member_id} @ {self.org_id}"


class RoleKind(models.TextChoices):
    VILLAGE_HEAD = "village_head", _("Village head")
    RESIDENTIAL_GROUP_HEAD = "residential_group_head", _("Residential group head")
    UNIT_HEAD = "unit_head", _("Head of the agency or unit")
    WORKSHOP_MANAGER = "workshop_manager", _("Workshop or division manager")
    COMMANDER = "commander", _("Commander")


class ConcurrentRole(ValidTimeModel):
    """A role held at the same time as a party post (kiêm nhiệm), at the place of `org`."""

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="concurrent_roles",
    )
    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("role"), max_length=32, choices=RoleKind.choices)
    unit_name = models.CharField(_("village or unit"), max_length=200, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("org",)

    class Meta:
        verbose_name = _("concurrent role")
        verbose_name_plural = _("concurrent roles")
        indexes = [
            models.Index(fields=["member", "kind", "valid_from"], name="concurrentrole_member"),
            models.Index(
                fields=["kind", "valid_from", "valid_to", "member"],
                name="concurrentrole_kind_cover",
            ),
        ]
        constraints = [_period_constraint("concurrentrole_valid_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.member_id}"


class FactKind(models.TextChoices):
    NON_LOCAL = "non_local", _("Non-local cadre")
    BORDER_GUARD_OFFICER = "border_guard_officer", _("Border-guard officer on the committee")


class CadreFact(ValidTimeModel):
    """A fact of the record about a cadre at an organization (not free text)."""

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="cadre_facts",
    )
    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("fact"), max_length=32, choices=FactKind.choices)
    decision_no = models.CharField(_("decision number"), max_length=64, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("org",)

    class Meta:
        verbose_name = _("cadre fact")
        verbose_name_plural = _("cadre facts")
        indexes = [
            models.Index(
                fields=["kind", "valid_from", "valid_to", "org"], name="cadrefact_kind_time"
            )
        ]
        constraints = [_period_constraint("cadrefact_valid_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.member_id}"


class Rotation(models.Model):
    """A move of a cadre from one post to another, with its decision."""

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="rotations",
    )
    from_post = models.ForeignKey(
        Post, verbose_name=_("from post"), on_delete=models.PROTECT, related_name="+"
    )
    to_post = models.ForeignKey(
        Post, verbose_name=_("to post"), on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("effective from"))
    decision_no = models.CharField(_("decision number"), max_length=64)
    decision_date = models.DateField(_("decision date"))

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("from_post__org", "to_post__org")

    class Meta:
        verbose_name = _("rotation")
        verbose_name_plural = _("rotations")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on}"


class SuccessionPlan(ValidTimeModel):
    """Succession planning (quy hoạch): who is planned for which post and term."""

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="succession_plans",
    )
    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    term = models.CharField(_("term"), max_length=20, help_text=_("e.g. 2025–2030"))
    decision_no = models.CharField(_("decision number"), max_length=64, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("org",)

    class Meta:
        verbose_name = _("succession plan")
        verbose_name_plural = _("succession plans")
        constraints = [_period_constraint("successionplan_valid_period")]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.position} ({self.term})"


class QualificationKind(models.TextChoices):
    EDUCATION = "education", _("General education")
    PROFESSIONAL = "professional", _("Professional level")
    THEORY = "theory", _("Political theory level")


class Qualification(models.Model):
    """A qualification obtained on a date, with its certificate. The level is a key of the member
    register's choices (members.choices)."""

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="qualifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=QualificationKind.choices)
    level = models.CharField(_("level"), max_length=40)
    obtained_on = models.DateField(_("obtained on"))
    certificate_no = models.CharField(_("certificate number"), max_length=64, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["member_id", "obtained_on"]
        indexes = [
            models.Index(
                fields=["member", "kind", "level", "obtained_on"], name="qualification_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.obtained_on}"


class CourseKind(models.TextChoices):
    SKILLS = "skills", _("Party-work skills")
    THEORY = "theory", _("Political theory")
    AWARENESS = "awareness", _("Awareness course (for applicants)")
    NEW_MEMBER = "new_member", _("New-member course")


class TrainingCourse(models.Model):
    organizer = models.ForeignKey(
        "orgs.Organization", verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=CourseKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    place = models.CharField(_("place"), max_length=200, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("organizer",)

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["starts_on", "organizer"], name="course_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="course_dates_order"
            )
        ]

    def __str__(self) -> str:
        return self.topic


class Enrolment(models.Model):
    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="enrolments")
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    attended_days = models.PositiveSmallIntegerField(_("days attended"), default=0)
    completed = models.BooleanField(_("completed"), default=False)
    certificate_no = models.CharField(_("certificate number"), max_length=64, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("course__organizer",)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["course", "member"], name="enrolment_unique")
        ]
        indexes = [models.Index(fields=["member", "course"], name="enrolment_member")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.course_id}"


class Contest(models.Model):
    """A contest, e.g. "excellent cell secretary", held by an organization in a year."""

    organizer = models.ForeignKey(
        "orgs.Organization", verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("organizer",)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.year}"


class ContestRound(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    name = models.CharField(_("name"), max_length=200)
    held_on = models.DateField(_("held on"))

    class Meta:
        verbose_name = _("contest round")
        verbose_name_plural = _("contest rounds")
        ordering = ["contest_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="contestround_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ContestEntry(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="contest_entries",
    )
    cell = models.ForeignKey(
        "orgs.Organization", verbose_name=_("cell"), on_delete=models.PROTECT, related_name="+"
    )
    award = models.CharField(_("award"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("contest entry")
        verbose_name_plural = _("contest entries")
        constraints = [
            models.UniqueConstraint(fields=["contest", "member"], name="contestentry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.contest_id}"


class ContestScore(models.Model):
    round = models.ForeignKey(ContestRound, on_delete=models.CASCADE, related_name="scores")
    entry = models.ForeignKey(ContestEntry, on_delete=models.CASCADE, related_name="scores")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("contest score")
        verbose_name_plural = _("contest scores")
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="contestscore_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.score}"


class WatchAssignment(ValidTimeModel):
    """Committee member `watcher` of node `committee` watches organization `unit` for a period.
    When the watcher signs in, a role assignment at the unit (linked here) lets them see it."""

    watcher = models.ForeignKey(
        "members.Member",
        verbose_name=_("watcher"),
        on_delete=models.PROTECT,
        related_name="watches",
    )
    committee = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("committee of"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("watched unit"),
        on_delete=models.PROTECT,
        related_name="watchers",
    )
    decision_no = models.CharField(_("decision number"), max_length=64, blank=True)
    role_assignment = models.ForeignKey(
        "accounts.RoleAssignment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("unit", "committee")

    class Meta:
        verbose_name = _("watch assignment")
        verbose_name_plural = _("watch assignments")
        indexes = [models.Index(fields=["unit", "valid_from"], name="watch_unit_time")]
        constraints = [_period_constraint("watch_valid_period")]

    def __str__(self) -> str:
        return f"{self.watcher_id} → {self.unit_id}"


class Secondment(ValidTimeModel):
    """A cadre of a department sent to a commune-level committee for a period (valid_to is the
    return), with the decision and the post held there."""

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="secondments",
    )
    from_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("sending department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("receiving commune"),
        on_delete=models.PROTECT,
        related_name="seconded",
    )
    post_held = models.CharField(_("post held"), max_length=200)
    decision_no = models.CharField(_("decision number"), max_length=64)
    decision_date = models.DateField(_("decision date"))

    objects = OrgScopedQuerySet.as_manager()
    scope_org_fields: ClassVar[tuple[str, ...]] = ("to_org", "from_org")

    class Meta:
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")
        indexes = [models.Index(fields=["to_org", "valid_from"], name="secondment_to_time")]
        constraints = [_period_constraint("secondment_valid_period")]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.to_org_id}"
