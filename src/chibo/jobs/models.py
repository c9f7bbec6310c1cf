"""Background jobs: a long export or report that runs outside the request.

A job belongs to the user who submitted it and reads under one organization path with one action
(`member.view`, `report.view`, …), plus any further actions its result needs (`also_requires`,
e.g. `member.view_sensitive` when sensitive columns were included). Those are checked when the
job is submitted, when it runs and on every download: a result is never a bearer link.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from chibo.core.paths import any_subtree_q
from chibo.core.scoping import ScopedQuerySet, resolve_scope

INTERRUPTED = gettext_noop("The job was interrupted: the process running it stopped. Start it again.")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Ready")
    FAILED = "failed", _("Failed")


class JobQuerySet(ScopedQuerySet["Job"]):
    def restrict(self, user: Any, action: str = "view") -> JobQuerySet:  # type: ignore[override]
        """The user's own jobs whose organization path their role for the job's action still
        covers (the `action` argument is not used: each job names its own)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        mine = self.filter(owner_id=user.pk)
        allowed = Q(pk__in=[])
        for act in sorted(set(mine.values_list("action", flat=True).distinct())):
            scope = resolve_scope(user, act)
            if scope.everything:
                allowed |= Q(action=act)
            elif scope.paths:
                allowed |= Q(action=act) & any_subtree_q(list(scope.paths), "org_path")
        return mine.filter(allowed)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs",
                              verbose_name=_("submitted by"))
    kind = models.CharField(_("kind"), max_length=64)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    org_path = models.CharField(_("organization path"), max_length=255)
    org_label = models.CharField(_("organization"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=64)
    also_requires = models.JSONField(_("also requires"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    # Messages are stored untranslated ({"text": msgid, "params": {...}}) and translated when shown.
    messages = models.JSONField(_("messages"), default=list, blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)
    result_name = models.CharField(_("result file"), max_length=255, blank=True)
    result_filename = models.CharField(_("download name"), max_length=255, blank=True)
    result_content_type = models.CharField(_("content type"), max_length=128, blank=True)
    result_size = models.PositiveBigIntegerField(_("size"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    scope_path_field = "org_path"
    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]
        constraints = [
            models.CheckConstraint(condition=Q(progress_done__lte=models.F("progress_total"))
                                   | Q(progress_total=0), name="job_progress_le_total"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def is_stale(self) -> bool:
        """Running, but its worker gave no sign of life for CHIBO_JOB_STALE_MINUTES (it was
        stopped or killed): shown as failed; `chibo jobs_prune` records it so."""
        if self.status != JobStatus.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return last < timezone.now() - dt.timedelta(minutes=settings.CHIBO_JOB_STALE_MINUTES)

    @property
    def shown_status(self) -> str:
        return str(JobStatus.FAILED) if self.is_stale else str(self.status)

    @property
    def shown_status_label(self) -> str:
        return str(JobStatus(self.shown_status).label)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) or self.is_stale

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def has_result(self) -> bool:
        return self.status == JobStatus.SUCCEEDED and bool(self.result_name) and not self.is_expired

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    def message_texts(self) -> list[str]:
        """The messages in the current language."""
        out = [gettext(INTERRUPTED)] if self.is_stale else []
        for m in self.messages or []:
            text = gettext(str(m.get("text", "")))
            params = m.get("params") or {}
            try:
                out.append(text % params if params else text)
            except (KeyError, TypeError, ValueError):
                out.append(text)
        return out
