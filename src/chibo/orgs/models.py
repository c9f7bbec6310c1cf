"""The party's organization tree over time.

An `Organization` is a stable identity (code, sector, administrative unit, lifetime). Its name,
kind and place in the tree are `OrgVersion` rows with valid time; a move, rename or
reclassification closes one row and opens another. `path` is a materialized path of the
ancestors' ids (see `chibo.core.paths`), so a subtree as of a date is an indexed range. Every
structural change is an `OrgEvent` with its decision, linking predecessors and successors.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import Scope, ScopedQuerySet
from chibo.core.validtime import ValidTimeModel


class Sector(models.TextChoices):
    VILLAGE = "village", _("Village")
    RESIDENTIAL_GROUP = "residential_group", _("Residential group")
    COMMUNE = "commune", _("Commune, ward or special zone")
    AGENCY = "agency", _("Agency")
    PUBLIC_SERVICE_UNIT = "public_service_unit", _("Public service unit")
    STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Private enterprise")
    ARMED_FORCES = "armed_forces", _("Armed forces")
    POLICE = "police", _("Police")
    SCHOOL = "school", _("School")
    OTHER = "other", _("Other")


class OrgKind(models.Model):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    rank = models.PositiveSmallIntegerField(_("level"), help_text=_("Smaller is higher in the tree."))
    parent_kinds = models.JSONField(_("allowed parent kinds"), default=list, blank=True)
    may_be_root = models.BooleanField(_("may be a root"), default=False)
    is_grassroots = models.BooleanField(_("grassroots party organization"), default=False)
    is_cell = models.BooleanField(_("party cell or group"), default=False)
    valid_from = models.DateField(_("in use from"), null=True, blank=True)
    valid_to = models.DateField(_("in use until"), null=True, blank=True)

    class Meta:
        verbose_name = _("organization kind")
        verbose_name_plural = _("organization kinds")
        ordering = ["rank", "key"]

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        from django.utils.translation import gettext

        return gettext(self.name)


class Decision(models.Model):
    """The decision behind a structural change: number, date and issuer."""

    number = models.CharField(_("decision number"), max_length=64)
    date = models.DateField(_("decision date"))
    issuer = models.CharField(_("issued by"), max_length=200)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["number", "date", "issuer"], name="decision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.date:%d/%m/%Y}, {self.issuer})"


class OrganizationQuerySet(ScopedQuerySet["Organization"]):
    def scope_filter(self, scope: Scope) -> Q:
        versions = OrgVersion.objects.filter(org=OuterRef("pk")).filter(
            any_subtree_q(list(scope.paths))
        )
        return Q(Exists(versions))


class Organization(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, default=Sector.OTHER)
    admin_unit = models.ForeignKey(
        "geo.AdminUnit",
        verbose_name=_("administrative unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    valid_from = models.DateField(_("established on"))
    valid_to = models.DateField(_("dissolved from"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def version_on(self, on: dt.date) -> OrgVersion | None:
        return (
            self.versions.select_related("kind", "parent")
            .filter(valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
            .first()
        )

    def latest_version(self) -> OrgVersion | None:
        return self.versions.select_related("kind").order_by("-valid_from").first()

    def name_on(self, on: dt.date) -> str:
        """Its name on `on` (else its last name, else its code)."""
        v = self.version_on(on) or self.latest_version()
        return v.name if v else self.code


class OrgVersion(ValidTimeModel):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(_("name"), max_length=255)
    search_key = models.CharField(max_length=255)
    kind = models.ForeignKey(OrgKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        Organization,
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="child_versions",
    )
    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField()
    event = models.ForeignKey("OrgEvent", on_delete=models.PROTECT, related_name="versions")

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "path"

    class Meta:
        verbose_name = _("organization version")
        verbose_name_plural = _("organization versions")
        ordering = ["org_id", "valid_from"]
        indexes = [
            models.Index(fields=["path", "valid_from", "valid_to"], name="orgversion_path_time"),
            models.Index(fields=["parent", "valid_from", "valid_to"], name="orgversion_parent_time"),
            models.Index(fields=["org", "valid_from"], name="orgversion_org_time"),
            # covering: the organizations of a subtree on a date, from the index alone
            models.Index(fields=["path", "valid_from", "valid_to", "org"], name="orgversion_path_cover"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "valid_from"], name="orgversion_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="orgversion_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EventType(models.TextChoices):
    ESTABLISH = "establish", _("Established")
    RENAME = "rename", _("Renamed")
    MOVE = "move", _("Moved")
    RECLASSIFY = "reclassify", _("Kind changed")
    MERGE = "merge", _("Merged")
    SPLIT = "split", _("Split")
    DISSOLVE = "dissolve", _("Dissolved")


class OrgEvent(models.Model):
    """A dated structural change with its decision."""

    type = models.CharField(_("change"), max_length=16, choices=EventType.choices)
    on = models.DateField(_("effective from"))
    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="events",
    )
    note = models.TextField(_("note"), blank=True)
    plan_key = models.CharField(max_length=100, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("structural change")
        verbose_name_plural = _("structural changes")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.on}"


class LinkRole(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    PREDECESSOR = "predecessor", _("Predecessor")
    SUCCESSOR = "successor", _("Successor")


class OrgEventLink(models.Model):
    event = models.ForeignKey(OrgEvent, on_delete=models.CASCADE, related_name="links")
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="event_links")
    role = models.CharField(max_length=16, choices=LinkRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "org", "role"], name="orgeventlink_unique")
        ]
        indexes = [models.Index(fields=["org", "role"])]

    def __str__(self) -> str:
        return f"{self.role} {self.org_id} @ event {self.event_id}"


class Power(models.TextChoices):
    DECIDE_ADMISSION = "decide_admission", _("Decides admissions")
    DECIDE_RECOGNITION = "decide_recognition", _("Decides recognition as official member")
    ISSUE_CARDS = "issue_cards", _("Issues party cards")
    DECIDE_RATINGS = "decide_ratings", _("Decides quality ratings")


class OrgPower(ValidTimeModel):
    """A power a node holds for a period (domain.md §7.2: not implied by depth)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="powers")
    power = models.CharField(_("power"), max_length=32, choices=Power.choices)
    event = models.ForeignKey(OrgEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("delegated power")
        verbose_name_plural = _("delegated powers")
        indexes = [models.Index(fields=["org", "power", "valid_from"])]
