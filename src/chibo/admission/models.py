"""Admission of new members: the people on a cell's list of outstanding people (applicants), the
procedure's dated acts, the dossier's files and the yearly targets.

- `Applicant` is a person who is not (yet) a member, put on the list of a cell by its resolution,
  with the official member assigned to help. `state` is the last act recorded; `due_on` the
  deadline of the next act that a rule sets (none before the cell's vote); `member` the record the
  ceremony created (the one door into the register).
- `AdmissionAct` is one dated act of the procedure with its document. Acts form a chain in valid
  time: an act holds from its date (`on`) until the next act (`until`), with the deadline it sets
  for the next one (`due_on`), so "where was everybody on a date, and who was late" is one
  indexed query on the acts.
- `DossierFile` is an uploaded scan, stored in the private storage, served only through a scoped
  view that logs each read.
- `AdmissionTarget` is an organization's target for a year: a number, or a percentage of the
  members at the start of the year.

Scoped by the cell's path (`ApplicantQuerySet`): an applicant is in scope when their cell ever sat
in one of the user's subtrees; acts and files follow their applicant.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet
from chibo.members.choices import ETHNICITY_CHOICES, Gender, GeneralEducation, Occupation, Religion


class Step(models.TextChoices):
    """The acts of the procedure, in their order (domain.md §2.2)."""

    LISTED = "listed", _("On the list of outstanding people")
    AWARENESS_COURSE = "awareness_course", _("Party awareness course")
    APPLICATION = "application", _("Application (1-KNĐ)")
    BIOGRAPHY = "biography", _("Biography (2-KNĐ)")
    VERIFICATION = "verification", _("Biography verified")
    INTRODUCTION = "introduction", _("Introduction (3-KNĐ, 4-KNĐ)")
    OPINIONS = "opinions", _("Comments of mass organizations and residence committee (5-KNĐ)")
    CELL_VOTE = "cell_vote", _("Cell vote (6-KNĐ)")
    GRASSROOTS_RESOLUTION = "grassroots_resolution", _("Grassroots committee resolution (8-KNĐ)")
    DECISION = "decision", _("Admission decision (9-KNĐ)")
    CEREMONY = "ceremony", _("Admission ceremony")
    NEW_MEMBER_COURSE = "new_member_course", _("Course for new members")
    RECOGNITION_VOTE = "recognition_vote", _("Cell vote on recognition (13-KNĐ)")
    RECOGNITION_RESOLUTION = "recognition_resolution", _("Grassroots committee resolution on recognition (15-KNĐ)")
    RECOGNITION_DECISION = "recognition_decision", _("Decision on official membership")
    OFFICIAL = "official", _("Official member")
    REFUSED = "refused", _("Vote failed")
    ESCALATED = "escalated", _("Escalated to the superior committee")
    REMOVED = "removed", _("Removed during probation")
    WITHDRAWN = "withdrawn", _("Left the list")


ORDER: list[str] = [
    Step.LISTED, Step.AWARENESS_COURSE, Step.APPLICATION, Step.BIOGRAPHY, Step.VERIFICATION,
    Step.INTRODUCTION, Step.OPINIONS, Step.CELL_VOTE, Step.GRASSROOTS_RESOLUTION, Step.DECISION,
    Step.CEREMONY, Step.NEW_MEMBER_COURSE, Step.RECOGNITION_VOTE, Step.RECOGNITION_RESOLUTION,
    Step.RECOGNITION_DECISION, Step.OFFICIAL,
]
CLOSED = (Step.OFFICIAL, Step.REMOVED, Step.WITHDRAWN)
# Acts after which the person is a (probationary) member
IN_PROBATION = (Step.CEREMONY, Step.NEW_MEMBER_COURSE, Step.RECOGNITION_VOTE, Step.RECOGNITION_RESOLUTION,
                Step.RECOGNITION_DECISION, Step.ESCALATED)


class ProposedBy(models.TextChoices):
    CELL = "cell", _("The cell itself")
    YOUTH_UNION = "youth_union", _("Youth Union")
    MASS_ORGANIZATION = "mass_organization", _("Mass organization")


def _orgs_in_scope(scope: Scope, field: str) -> Q:
    from chibo.orgs.models import OrgVersion

    orgs = OrgVersion.objects.filter(any_subtree_q(list(scope.paths))).values("org_id")
    return Q(**{f"{field}__in": orgs})


class ApplicantQuerySet(ScopedQuerySet["Applicant"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "cell")


class Applicant(models.Model):
    full_name = models.CharField(_("full name"), max_length=200)
    search_key = models.CharField(max_length=200, db_index=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default="01")
    religion = models.CharField(_("religion"), max_length=16, choices=Religion.choices, default=Religion.NONE)
    national_id = models.CharField(_("citizen identity number"), max_length=12, null=True, blank=True, unique=True)
    general_education = models.CharField(_("general education"), max_length=16, choices=GeneralEducation.choices,
                                         default=GeneralEducation.UPPER_SECONDARY)
    occupation = models.CharField(_("occupation sector"), max_length=24, choices=Occupation.choices,
                                  default=Occupation.OTHER)
    youth_union = models.BooleanField(_("Youth Union member"), default=False)
    cell = models.ForeignKey("orgs.Organization", verbose_name=_("cell"), on_delete=models.PROTECT,
                             related_name="applicants")
    proposed_by = models.CharField(_("proposed by"), max_length=20, choices=ProposedBy.choices,
                                   default=ProposedBy.CELL)
    helper = models.ForeignKey("members.Member", verbose_name=_("member assigned to help"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    readmission_of = models.ForeignKey("members.Member", verbose_name=_("readmission of"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="readmission_applications")
    member = models.ForeignKey("members.Member", verbose_name=_("member record"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="admissions")
    listed_on = models.DateField(_("listed on"))
    state = models.CharField(_("step"), max_length=32, choices=Step.choices, default=Step.LISTED)
    state_on = models.DateField(_("since"))
    due_on = models.DateField(_("next act due by"), null=True, blank=True)
    failed_votes = models.PositiveSmallIntegerField(_("failed votes"), default=0)
    decision_extended = models.BooleanField(_("decision deadline extended"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicantQuerySet.as_manager()

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["search_key", "id"]
        indexes = [models.Index(fields=["cell", "state", "due_on"], name="applicant_cell_state_due")]

    def __str__(self) -> str:
        return self.full_name


class ActQuerySet(ScopedQuerySet["AdmissionAct"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "cell")


class AdmissionAct(models.Model):
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="acts")
    cell = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    step = models.CharField(_("act"), max_length=32, choices=Step.choices)
    state = models.CharField(_("step"), max_length=32, choices=Step.choices)  # where the act leaves the person
    on = models.DateField(_("date"))
    until = models.DateField(_("until"), null=True, blank=True)  # the next act's date
    due_on = models.DateField(_("next act due by"), null=True, blank=True)
    document_no = models.CharField(_("document number"), max_length=64, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    official_members = models.PositiveIntegerField(_("official members"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    meeting_vote = models.ForeignKey("meetings.Vote", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    details = models.JSONField(_("details"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ActQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission act")
        verbose_name_plural = _("admission acts")
        ordering = ["applicant_id", "on", "id"]
        indexes = [
            models.Index(fields=["cell", "on", "until", "state", "due_on"], name="admissionact_cell_time"),
            models.Index(fields=["step", "on"], name="admissionact_step_on"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.on}"


class FileQuerySet(ScopedQuerySet["DossierFile"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "applicant__cell")


class DossierFile(models.Model):
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="files")
    step = models.CharField(_("act"), max_length=32, choices=Step.choices)
    name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = FileQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier file")
        verbose_name_plural = _("dossier files")
        ordering = ["applicant_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class TargetKind(models.TextChoices):
    PERCENT = "percent", _("Percentage of members at the start of the year")
    NUMBER = "number", _("Number of admissions")


class TargetQuerySet(ScopedQuerySet["AdmissionTarget"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "org")


class AdmissionTarget(models.Model):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                            related_name="admission_targets")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=8, choices=TargetKind.choices, default=TargetKind.PERCENT)
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    source = models.CharField(_("source document"), max_length=300, blank=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission target")
        verbose_name_plural = _("admission targets")
        ordering = ["org_id", "year"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="admissiontarget_unique_year")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}: {self.value} {self.kind}"


class ReviewQuerySet(ScopedQuerySet["SourceListReview"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _orgs_in_scope(scope, "org")


class SourceListReview(models.Model):
    """The grassroots committee's monthly review of the lists of outstanding people of its cells
    (domain.md §2.1): one per committee and month, dated, with its resolution and the number of
    people then on the lists."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("grassroots committee"), on_delete=models.PROTECT,
                            related_name="source_list_reviews")
    month = models.DateField(_("month"))  # its first day
    reviewed_on = models.DateField(_("reviewed on"))
    resolution_no = models.CharField(_("resolution or minutes number"), max_length=64, blank=True)
    note = models.TextField(_("conclusions"), blank=True, max_length=4000)
    listed = models.PositiveIntegerField(_("people on the lists"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly review of the lists")
        verbose_name_plural = _("monthly reviews of the lists")
        ordering = ["org_id", "-month"]
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="sourcelistreview_unique_month")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m}"
