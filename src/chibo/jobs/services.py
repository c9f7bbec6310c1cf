"""Every write of the jobs app: submit, run (with progress), open the result, prune.

Authorization is checked three times: when a job is submitted (the submitter must hold every
action the job needs over its organization path), when it runs (the owner must still hold them;
the runner reads through scoped selectors as the owner) and on every download (`job_result_open`,
security.md G31). A result is never a bearer link: a job's id alone gives nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from chibo.core.audit import audit_log, read_log
from chibo.core.scoping import forget_scope, resolve_scope

from .models import INTERRUPTED, Job, JobStatus
from .registry import JobFailed, JobOutput, get_kind

logger = logging.getLogger(__name__)

GENERIC_FAILURE = gettext_noop(
    "The job stopped because of an error in Chibo. Try again; if it fails again, tell an administrator."
)
NOT_ALLOWED = gettext_noop("You no longer hold a role that covers this job's organization, so it did not run.")
UNKNOWN_KIND = gettext_noop("This kind of job is no longer known to Chibo.")
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes


def private_storage() -> Storage:
    return storages["private"]


def job_authorized(*, user: Any, job: Job) -> bool:
    """The job's owner, active, still holding every action the job needs over its path."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.pk != job.owner_id:
        return False
    return all(resolve_scope(user, a).covers_path(job.org_path) for a in [job.action, *job.also_requires])


def job_submit(
    *,
    actor: Any,
    kind: str,
    org_path: str,
    action: str,
    parameters: dict[str, Any] | None = None,
    org_label: str = "",
    also_requires: Sequence[str] = (),
    total: int = 0,
) -> Job:
    """Create a job for `actor` and put it on the queue. Raises `PermissionDenied` when the actor
    does not hold every action over `org_path`, `ValidationError` for an unknown kind."""
    if get_kind(kind) is None:
        raise ValidationError(_("Unknown kind of job: %(kind)s") % {"kind": kind[:64]})
    if not org_path:
        raise PermissionDenied
    job = Job(owner=actor, kind=kind, parameters=parameters or {}, org_path=org_path, org_label=org_label[:300],
              action=action, also_requires=list(also_requires), progress_total=max(0, total))
    forget_scope(actor)  # the scope as it is now, not as the request started
    if not job_authorized(user=actor, job=job):
        raise PermissionDenied
    from .tasks import run_job

    with transaction.atomic():
        job.save()
        audit_log(actor=actor, action="job.submit", target=job, org_path=org_path,
                  after={"kind": kind, "parameters": job.parameters, "action": action})
        # Inside the transaction: with the database backend the task row commits with the job
        # (a worker never sees a task without its job); the immediate backend runs it here.
        result = run_job.enqueue(job_id=str(job.pk))
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


@dataclass
class JobRun:
    """What a runner gets: the job, its owner (the runner reads as the owner), progress."""

    job: Job
    _last: float = field(default=0.0)

    @property
    def user(self) -> Any:
        return self.job.owner

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.job.parameters)

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Record progress (at most every half second unless forced)."""
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        job_progress(job=self.job, done=done, total=total)


def job_progress(*, job: Job, done: int, total: int | None = None) -> None:
    total = job.progress_total if total is None else max(0, int(total))
    done = max(0, int(done))
    if total:
        done = min(done, total)
    Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total, heartbeat_at=timezone.now())
    job.progress_done, job.progress_total = done, total


def _fail(job: Job, text: str, params: dict[str, Any] | None = None) -> None:
    job.status = JobStatus.FAILED
    job.finished_at = timezone.now()
    job.messages = [*(job.messages or []), {"text": text, "params": params or {}}]
    job.save(update_fields=["status", "finished_at", "messages"])
    audit_log(actor=job.owner, action="job.fail", target=job, org_path=job.org_path, after={"message": text})


def _store(job: Job, output: JobOutput) -> None:
    storage = private_storage()
    ext = os.path.splitext(output.filename)[1][:10]
    try:
        with open(output.path, "rb") as fh:
            name = storage.save(f"jobs/{job.pk}{ext}", File(fh))
        size = storage.size(name)
    finally:
        if os.path.exists(output.path):
            os.unlink(output.path)
    job.result_name = name
    job.result_filename = output.filename[:255]
    job.result_content_type = output.content_type[:128]
    job.result_size = size


def job_run(*, job_id: str) -> None:
    """Run a queued job (called by the task). Every outcome ends in `succeeded` or `failed`."""
    job = Job.objects.select_related("owner").filter(pk=job_id, status=JobStatus.QUEUED).first()
    if job is None:
        return  # already run, or gone
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
    job.status = JobStatus.RUNNING
    kind = get_kind(job.kind)
    if kind is None:
        _fail(job, UNKNOWN_KIND)
        return
    forget_scope(job.owner)
    if not job_authorized(user=job.owner, job=job):
        _fail(job, NOT_ALLOWED)
        return
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint: a failed runner leaves the outer work intact
                output = kind.run(JobRun(job=job))
        else:
            output = kind.run(JobRun(job=job))
        _store(job, output)
    except JobFailed as exc:
        _fail(job, exc.text, exc.params)
        return
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _fail(job, GENERIC_FAILURE)
        return
    job.refresh_from_db(fields=["progress_done", "progress_total", "messages"])
    job.status = JobStatus.SUCCEEDED
    job.finished_at = timezone.now()
    job.expires_at = job.finished_at + dt.timedelta(days=settings.CHIBO_JOB_RESULT_DAYS)
    if job.progress_total:
        job.progress_done = job.progress_total
    job.save(update_fields=["status", "finished_at", "expires_at", "progress_done", "result_name",
                            "result_filename", "result_content_type", "result_size"])
    audit_log(actor=job.owner, action="job.succeed", target=job, org_path=job.org_path,
              after={"size": job.result_size})


def job_result_open(*, user: Any, job_id: Any) -> tuple[Job, IO[bytes]]:
    """Authorize again and open a job's result for `user`. Raises `Job.DoesNotExist` for
    anyone but the owner still holding a role over the job's organization (and for a job
    without a result, or an expired one). Every download is read-logged and audited."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError as exc:
        raise Job.DoesNotExist from exc
    forget_scope(user)
    job = Job.objects.restrict(user).filter(pk=job_id).first()
    if job is None or not job_authorized(user=user, job=job) or not job.has_result:
        raise Job.DoesNotExist
    try:
        fh = private_storage().open(job.result_name, "rb")
    except FileNotFoundError as exc:
        raise Job.DoesNotExist from exc
    read_log(actor=user, target=job, org_path=job.org_path, purpose="download")
    audit_log(actor=user, action="job.download", target=job, org_path=job.org_path,
              after={"kind": job.kind, "size": job.result_size})
    return job, fh


def job_reap() -> int:
    """Record as failed the jobs whose worker stopped while running them (`Job.is_stale`)."""
    count = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING).select_related("owner"):
        if job.is_stale:
            with transaction.atomic():
                _fail(job, INTERRUPTED)
            count += 1
    return count


def job_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the result files of expired jobs (the job rows stay, as history). Returns how
    many files were deleted."""
    now = now or timezone.now()
    storage = private_storage()
    count = 0
    for job in Job.objects.filter(expires_at__lte=now).exclude(result_name=""):
        with transaction.atomic():
            if storage.exists(job.result_name):
                storage.delete(job.result_name)
            Job.objects.filter(pk=job.pk).update(result_name="", result_size=0)
            audit_log(actor=None, action="job.expire", target=job, org_path=job.org_path)
        count += 1
    return count
