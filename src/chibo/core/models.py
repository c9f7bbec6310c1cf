"""The audit trail (who changed what, when, from where, why) and the read log.

Both are append-only from the application's point of view: the model refuses update and delete,
and each event carries a hash chained to the previous one so that an edited row is detectable.
Rows are tagged with the organization path they concern, so the log itself is scoped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedQuerySet


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(ScopedQuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit trail cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit trail cannot be deleted.")


class AuditEvent(models.Model):
    """One change of a domain record, written by the service that made it."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("record type"), max_length=64)
    target_id = models.CharField(_("record"), max_length=64)
    target_label = models.CharField(_("record name"), max_length=300, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit trail cannot be deleted.")

    def payload(self) -> str:
        return json.dumps(
            [
                self.actor_id,
                self.action,
                self.target_type,
                self.target_id,
                self.org_path,
                self.before,
                self.after,
                self.reason,
                self.request_id,
                self.prev_hash,
            ],
            sort_keys=True,
            default=str,
            ensure_ascii=True,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()


class ReadLogEntry(models.Model):
    """Who viewed or exported which record holding personal data, and why. Never the values."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    target_type = models.CharField(_("record type"), max_length=64)
    target_id = models.CharField(_("record"), max_length=64)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=64)
    request_id = models.CharField(max_length=32, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("read log entry")
        verbose_name_plural = _("read log")
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.purpose} {self.target_type}:{self.target_id}"
