"""Vietnam's administrative units, in two editions, with valid time and the mapping between them.

- `legacy`: 63 provinces, 696 districts, 10,040 commune-level units, in force until 2025-06-30
  (five island districts have no communes; each is recorded as its own commune-level unit).
- `current`: 34 provinces and 3,321 commune-level units (communes, wards, special zones) from
  2025-07-01, with no district level.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

REFORM_DATE = dt.date(2025, 7, 1)


class Edition(models.TextChoices):
    LEGACY = "legacy", _("Before 2025-07-01 (63 provinces)")
    CURRENT = "current", _("From 2025-07-01 (34 provinces)")


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class AdminUnit(models.Model):
    edition = models.CharField(_("edition"), max_length=8, choices=Edition.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    code = models.CharField(_("official code"), max_length=8)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=100)
    unit_type = models.CharField(_("type"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    key = models.CharField(max_length=200, help_text="the data package's key")
    search_key = models.CharField(max_length=200, db_index=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        constraints = [
            models.UniqueConstraint(fields=["edition", "level", "code"], name="geo_unit_unique_code")
        ]
        ordering = ["edition", "code"]

    def __str__(self) -> str:
        return self.name


class AdminUnitSuccession(models.Model):
    """A legacy commune-level unit's place in the current edition (from the package's mapping)."""

    legacy = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="successors")
    current = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="predecessors")
    divided = models.BooleanField(_("divided between several new units"), default=False)
    is_default = models.BooleanField(_("default destination"), default=True)

    class Meta:
        verbose_name = _("succession of an administrative unit")
        verbose_name_plural = _("successions of administrative units")
        constraints = [
            models.UniqueConstraint(fields=["legacy", "current"], name="geo_succession_unique")
        ]

    def __str__(self) -> str:
        return f"{self.legacy} → {self.current}"
