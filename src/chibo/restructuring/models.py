"""Restructuring plans that were applied. A plan's `key` is recorded once: applying the same plan
again is refused (the unique key is also the database's guard against two concurrent applies).
The structural changes themselves are `chibo.orgs` events carrying the same `plan_key`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppliedPlan(models.Model):
    key = models.CharField(_("plan key"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    checksum = models.CharField(_("checksum (SHA-256 of the plan)"), max_length=64)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applied by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    text = models.TextField(_("plan as applied"), blank=True)

    class Meta:
        verbose_name = _("applied restructuring plan")
        verbose_name_plural = _("applied restructuring plans")
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return self.key
