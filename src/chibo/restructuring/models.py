"""Restructuring plans that were applied. A plan's `key` is recorded once: applying the same plan
again is refused (the unique key is also the database's guard against two concurrent applies).
The structural changes themselves are `chibo.orgs` events carrying the same `plan_key`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chibo.core.scoping import ScopedManager


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


class DpiaTask(models.Model):
    """A reorganization changes who processes which personal data: the data-protection impact
    assessment must be updated at once (Law 91/2025/QH15 Art. 22(2)(a); security.md G11). Applying
    a plan raises one task, scoped to the organizations the plan touched; it stays open until
    someone records that the assessment was updated."""

    plan = models.OneToOneField(AppliedPlan, verbose_name=_("plan"), on_delete=models.PROTECT,
                                related_name="dpia_task")
    org_path = models.CharField(_("organization path"), max_length=255, blank=True, db_index=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    scope_path_field = "org_path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("impact assessment update")
        verbose_name_plural = _("impact assessment updates")
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return f"DPIA: {self.plan.key}"
