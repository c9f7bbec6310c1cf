"""The audit trail (who changed what, when, from where, why) and the read log.

Both are append-only from the application's point of view: the model refuses update and delete,
and each row carries a keyed hash over all its columns chained to the previous row, so that an
edited, deleted or truncated row is detectable (see `chain.py`).
Rows are tagged with the organization path they concern, so the log itself is scoped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .chain import SCHEME, append, row_hash
from .scoping import ScopedQuerySet


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(ScopedQuerySet[Any]):
    """Update and delete refused; `bulk_create` chains the new rows (see `chain.py`)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit trail cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit trail cannot be deleted.")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        for obj in objs:
            if not obj._state.adding or obj.pk is not None:
                raise AppendOnlyError("The audit trail cannot be changed.")
        created: list[Any] = []

        def insert() -> None:
            created.extend(super(AppendOnlyQuerySet, self).bulk_create(objs, *args, **kwargs))

        append(self.model, objs, insert, using=self.db)
        return created


AuditQuerySet = AppendOnlyQuerySet


class ChainedModel(models.Model):
    """An append-only row of a hash chain (`chain.py`): every column is covered by `hash`."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    seq = models.BigIntegerField(default=0, editable=False)
    prev_id = models.BigIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)
    scheme = models.PositiveSmallIntegerField(default=SCHEME, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or self.pk is not None:
            raise AppendOnlyError("The audit trail cannot be changed.")
        kwargs["force_insert"] = True
        append(type(self), [self], lambda: super(ChainedModel, self).save(*args, **kwargs),
               using=kwargs.get("using"))

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit trail cannot be deleted.")

    def compute_hash(self) -> str:
        if self.scheme >= SCHEME:
            return row_hash(self._meta.db_table, self)
        return self.legacy_hash()

    def legacy_hash(self) -> str:
        return ""


class AuditEvent(ChainedModel):
    """One change of a domain record, written by the service that made it."""

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

    objects = AppendOnlyQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def payload(self) -> str:
        """Scheme 1 (rows written before the keyed chain): what its unkeyed hash covered."""
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

    def legacy_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()


class ReadLogEntry(ChainedModel):
    """Who viewed or exported which record holding personal data, and why. Never the values."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    target_type = models.CharField(_("record type"), max_length=64)
    target_id = models.CharField(_("record"), max_length=64)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=64)
    request_id = models.CharField(max_length=32, blank=True)

    objects = AppendOnlyQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("read log entry")
        verbose_name_plural = _("read log")
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.purpose} {self.target_type}:{self.target_id}"
