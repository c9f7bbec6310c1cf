"""The rulebook: every number a regulation sets is a dated row with its source document.

Services ask for a parameter *as of* the date that matters (`chibo.rules.selectors.rule`), so a
case opened under an old rule keeps it. A province may set its own value (`org`), which takes
precedence under that organization. Working days come from one calendar (Vietnam's public
holidays, from the `holidays` package, plus the days an administrator adds here).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chibo.core.validtime import ValidTimeModel


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    SECONDARY = "secondary", _("Single secondary source")
    UNCONFIRMED = "unconfirmed", _("Not confirmed")


class PolicyParameter(ValidTimeModel):
    key = models.CharField(_("key"), max_length=100, db_index=True)
    value = models.JSONField(_("value"))
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    source = models.CharField(_("source document"), max_length=300)
    confidence = models.CharField(
        _("confidence"), max_length=16, choices=Confidence.choices, default=Confidence.CONFIRMED
    )
    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("set by organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policy_parameters",
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")
        ordering = ["key", "org_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "org", "valid_from"], name="policyparameter_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="policyparameter_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} (from {self.valid_from})"


class CalendarDay(models.Model):
    """An exception to the national calendar: an extra day off, or a make-up working day."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_working_day else '-'} {self.note}"
