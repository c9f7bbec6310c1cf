"""Party members: the record, status over time (from dated events), affiliation over time, and
transfers between cells.

- `Member` holds identity, personal and party data. Sensitive fields (ethnicity, religion,
  identity number) are shown only to roles that need them (`member.view_sensitive`).
- `MemberEvent` is the log of status events with their decisions; `StatusPeriod` rows are derived
  from it by the services (valid time), so "status on a date" is one indexed query.
- `Affiliation` says in which cell a member is active, officially or temporarily, with valid time.
  The database refuses two overlapping official affiliations (migration 0002).
- `Transfer` moves a member between cells: letter issued (the member is "in transfer") and
  received at the destination, with deadlines in working days from the rulebook.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet, resolve_scope
from chibo.core.validtime import ValidTimeModel

from .choices import (
    ETHNICITY_CHOICES,
    AffiliationKind,
    EventType,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    Status,
    TheoryLevel,
)


def _in_scope_orgs(scope: Scope, org_field: str = "org_id") -> Q:
    """Rows whose organization ever sat in the scope's subtrees: an uncorrelated `IN` over the
    paths' index range (the database builds the set once, instead of probing per row)."""
    from chibo.orgs.models import OrgVersion

    orgs = OrgVersion.objects.filter(any_subtree_q(list(scope.paths))).values("org_id")
    return Q(**{f"{org_field.removesuffix('_id')}__in": orgs})


class MemberQuerySet(ScopedQuerySet["Member"]):
    """A member is in scope when one of their affiliations (ever) is at an organization in scope;
    a member always sees their own record."""

    def scope_filter(self, scope: Scope) -> Q:
        affiliations = Affiliation.objects.filter(member_id=OuterRef("pk")).filter(_in_scope_orgs(scope))
        return Q(Exists(affiliations))

    def restrict(self, user: Any, action: str = "member.view") -> MemberQuerySet:
        scope = resolve_scope(user, action)
        own = Q(user_id=user.pk) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
        if scope.everything:
            return self.all()  # type: ignore[return-value]
        if scope.is_empty:
            return self.filter(own)  # type: ignore[return-value]
        return self.filter(self.scope_filter(scope) | own)  # type: ignore[return-value]


class Member(models.Model):
    # identity and personal data
    full_name = models.CharField(_("full name"), max_length=200)
    search_key = models.CharField(max_length=200, db_index=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    birthplace = models.ForeignKey("geo.AdminUnit", verbose_name=_("place of birth"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    hometown = models.ForeignKey("geo.AdminUnit", verbose_name=_("home town"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default="01")
    religion = models.CharField(_("religion"), max_length=16, choices=Religion.choices, default=Religion.NONE)
    national_id = models.CharField(_("citizen identity number"), max_length=12, null=True, blank=True, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # education and work
    general_education = models.CharField(_("general education"), max_length=16, choices=GeneralEducation.choices,
                                         default=GeneralEducation.UPPER_SECONDARY)
    professional_level = models.CharField(_("professional level"), max_length=20, choices=ProfessionalLevel.choices,
                                          default=ProfessionalLevel.NONE)
    theory_level = models.CharField(_("political theory level"), max_length=32, choices=TheoryLevel.choices,
                                    default=TheoryLevel.NONE)
    occupation = models.CharField(_("occupation sector"), max_length=24, choices=Occupation.choices,
                                  default=Occupation.OTHER)
    # party data (dates of the first admission; readmissions are events)
    admission_decision_date = models.DateField(_("admission decision date"), null=True, blank=True)
    admission_decision_no = models.CharField(_("admission decision number"), max_length=64, blank=True)
    ceremony_date = models.DateField(_("admission ceremony date"), null=True, blank=True)
    official_date = models.DateField(_("official member from"), null=True, blank=True)
    card_number = models.CharField(_("party card number"), max_length=20, null=True, blank=True, unique=True)
    card_date = models.DateField(_("party card date"), null=True, blank=True)
    status = models.CharField(_("current status"), max_length=32, choices=Status.choices, db_index=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="member")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["search_key", "id"]

    def __str__(self) -> str:
        return self.full_name


class MemberEvent(models.Model):
    """A dated status event with its decision. Appended in date order per member."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("event"), max_length=24, choices=EventType.choices)
    on = models.DateField(_("effective from"))
    decision_no = models.CharField(_("decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    org = models.ForeignKey("orgs.Organization", verbose_name=_("cell"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
    occupation = models.CharField(_("occupation sector then"), max_length=24, choices=Occupation.choices, blank=True)
    status_before = models.CharField(max_length=32, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        ordering = ["member_id", "on", "id"]
        indexes = [models.Index(fields=["type", "on"], name="memberevent_type_on")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.on}"


class StatusPeriod(ValidTimeModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_periods")
    status = models.CharField(_("status"), max_length=32, choices=Status.choices)

    class Meta:
        verbose_name = _("status period")
        verbose_name_plural = _("status periods")
        ordering = ["member_id", "valid_from"]
        indexes = [models.Index(fields=["member", "valid_from", "valid_to", "status"], name="statusperiod_member_time")]

    def __str__(self) -> str:
        return f"{self.status} {self.valid_from}–{self.valid_to or ''}"


class AffiliationQuerySet(ScopedQuerySet["Affiliation"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _in_scope_orgs(scope)


class Affiliation(ValidTimeModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="affiliations")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("cell"), on_delete=models.PROTECT,
                            related_name="affiliations")
    kind = models.CharField(_("kind"), max_length=10, choices=AffiliationKind.choices, default=AffiliationKind.OFFICIAL)
    transfer = models.ForeignKey("Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["member_id", "valid_from"]
        indexes = [
            models.Index(fields=["org", "valid_from", "valid_to", "kind"], name="affiliation_org_time"),
            models.Index(fields=["member", "valid_from"], name="affiliation_member_time"),
            # covering: as-of counts under a subtree read member ids from the index alone
            models.Index(fields=["org", "kind", "valid_from", "valid_to", "member"], name="affiliation_org_cover"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="affiliation_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.org_id} {self.valid_from}–{self.valid_to or ''}"


class TransferKind(models.TextChoices):
    OFFICIAL = "official", _("Official transfer")
    TEMPORARY = "temporary", _("Temporary transfer")


class TransferState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    LETTER_ISSUED = "letter_issued", _("Letter issued (in transfer)")
    RECEIVED = "received", _("Received at the destination")
    LEFT_PROVINCE = "left_province", _("Transferred out of the system")
    RETURNED = "returned", _("Returned (temporary transfer ended)")
    CANCELLED = "cancelled", _("Cancelled")


class TransferQuerySet(ScopedQuerySet["Transfer"]):
    def scope_filter(self, scope: Scope) -> Q:
        return _in_scope_orgs(scope, "from_org_id") | _in_scope_orgs(scope, "to_org_id")


class Transfer(models.Model):
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    from_org = models.ForeignKey("orgs.Organization", verbose_name=_("from"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey("orgs.Organization", verbose_name=_("to"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    outside_place = models.CharField(_("place outside the system"), max_length=200, blank=True)
    trigger_date = models.DateField(_("decision or move that triggers it"))
    start_deadline = models.DateField(_("deadline to start"))
    requested_on = models.DateField(_("requested on"))
    letter_no = models.CharField(_("letter number"), max_length=64, blank=True)
    letter_issued_on = models.DateField(_("letter issued on"), null=True, blank=True)
    issued_by = models.ForeignKey("orgs.Organization", verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    present_deadline = models.DateField(_("deadline to present the letter"), null=True, blank=True)
    dues_paid_through = models.CharField(_("dues paid through (YYYY-MM)"), max_length=7, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    temporary_until = models.DateField(_("temporary until"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=TransferState.choices, default=TransferState.REQUESTED)
    note = models.TextField(_("note"), blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_on", "-id"]
        indexes = [models.Index(fields=["state", "present_deadline"], name="transfer_state_deadline")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.member_id} ({self.get_state_display()})"
