"""Import jobs: the upload kept under `VAR_DIR/imports/<random id>/`, its state in a JSON file
that only the user who uploaded it can read; small files run in the request, large in a thread."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _

from .columns import ImportResult, UploadRejected, _setting, max_upload_bytes
from .files import check_upload, safe_filename, too_big_message
from .run import members_import

log = logging.getLogger(__name__)

# --- jobs -----------------------------------------------------------------------------------------

JOB_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_NAME = "upload.bin"
STATE_NAME = "state.json"
RUNNING = ("queued", "checking", "saving")
STALE_SECONDS = 15 * 60
KEEP_SECONDS = 24 * 3600


class JobNotFound(LookupError):
    pass


@dataclass
class ImportJob:
    id: str
    user_id: int
    filename: str
    kind: str
    size: int
    language: str
    created: float
    updated: float
    phase: str = "queued"  # queued, checking, saving, ready, done, failed
    commit: bool = False
    done_rows: int = 0
    total_rows: int | None = None
    message: str = ""
    result: dict[str, Any] | None = None
    ignore_unknown: bool = False  # the user chose to ignore columns the import does not know

    @property
    def dir(self) -> Path:
        return jobs_dir() / self.id

    @property
    def upload_path(self) -> Path:
        return self.dir / UPLOAD_NAME

    @property
    def running(self) -> bool:
        return self.phase in RUNNING and not self.stale

    @property
    def stale(self) -> bool:
        return self.phase in RUNNING and time.time() - self.updated > STALE_SECONDS

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(100 * self.done_rows / self.total_rows))

    @property
    def outcome(self) -> ImportResult | None:
        return ImportResult.from_dict(self.result) if self.result is not None else None

    @property
    def can_commit(self) -> bool:
        outcome = self.outcome
        return (
            self.phase == "ready"
            and not self.commit
            and outcome is not None
            and outcome.ok
            and outcome.new > 0
            and self.upload_path.exists()
        )


def jobs_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _save(job: ImportJob) -> None:
    job.updated = time.time()
    tmp = job.dir / (STATE_NAME + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(asdict(job), fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, job.dir / STATE_NAME)


def _sweep() -> None:
    """Forget jobs older than a day (their uploads hold personal data)."""
    base = jobs_dir()
    if not base.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for entry in base.iterdir():
        if entry.is_dir() and JOB_ID.fullmatch(entry.name):
            state = entry / STATE_NAME
            stamp = state.stat().st_mtime if state.exists() else entry.stat().st_mtime
            if stamp < cutoff:
                shutil.rmtree(entry, ignore_errors=True)


def job_create(
    *, user: Any, chunks: Iterator[bytes], filename: str, size: int | None = None, ignore_unknown: bool = False
) -> ImportJob:
    """Store an upload under a random id (the file name is only displayed) and check it.
    Raises `UploadRejected` (and keeps nothing) when the file is refused."""
    if size is not None and size > max_upload_bytes():
        raise UploadRejected(too_big_message(), status=413)
    _sweep()
    base = jobs_dir()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    job_id = secrets.token_hex(16)
    directory = base / job_id
    directory.mkdir(mode=0o700)
    path = directory / UPLOAD_NAME
    written = 0
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                written += len(chunk)
                if written > max_upload_bytes():
                    raise UploadRejected(too_big_message(), status=413)
                fh.write(chunk)
        kind = check_upload(path)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    now = time.time()
    job = ImportJob(
        id=job_id,
        user_id=user.pk,
        filename=safe_filename(filename),
        kind=kind,
        size=written,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created=now,
        updated=now,
        ignore_unknown=ignore_unknown,
    )
    _save(job)
    return job


def job_get(*, user: Any, job_id: str) -> ImportJob:
    """The user's own job; anyone else's, or a missing one, raises `JobNotFound`."""
    if not JOB_ID.fullmatch(job_id or ""):
        raise JobNotFound(job_id)
    state = jobs_dir() / job_id / STATE_NAME
    try:
        with open(state, encoding="utf-8") as fh:
            job = ImportJob(**json.load(fh))
    except (OSError, ValueError, TypeError) as exc:
        raise JobNotFound(job_id) from exc
    if job.user_id != getattr(user, "pk", None) or job.id != job_id:
        raise JobNotFound(job_id)
    return job


def _claim_commit(job: ImportJob) -> bool:
    """Only one commit per job, even on a double click."""
    try:
        fd = os.open(job.dir / "commit.lock", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def job_run(job: ImportJob, *, user: Any, commit: bool) -> ImportJob:
    """Check (or commit) the job's file, recording progress and the result in its state."""
    job.commit = commit
    job.phase = "checking"
    job.done_rows = 0
    _save(job)

    def progress(phase: str, done: int, total: int | None) -> None:
        job.phase, job.done_rows, job.total_rows = phase, done, total
        _save(job)

    try:
        with translation.override(job.language):
            result = members_import(
                actor=user,
                user=user,
                path=job.upload_path,
                kind=job.kind,
                dry_run=not commit,
                source=f"import {job.id}: {job.filename}",
                progress=progress,
                ignore_unknown=job.ignore_unknown,
            )
        job.result = result.as_dict()
        job.done_rows = job.total_rows = result.total_rows
        job.phase = "done" if commit and result.committed else "ready"
        if job.phase == "done":
            job.upload_path.unlink(missing_ok=True)
    except UploadRejected as exc:
        job.phase, job.message = "failed", exc.message
    except Exception:
        log.exception("import job %s failed", job.id)
        with translation.override(job.language):
            job.phase, job.message = (
                "failed",
                _("The import failed because of an error on our side. Nothing was saved."),
            )
    if commit and job.phase != "done":
        (job.dir / "commit.lock").unlink(missing_ok=True)
    _save(job)
    return job


def inline_max_bytes() -> int:
    return _setting("CHIBO_IMPORT_INLINE_MAX_BYTES", 512 * 1024)


def _run_in_thread(job_id: str, user_id: int, commit: bool) -> None:
    from django.contrib.auth import get_user_model

    try:
        user = get_user_model().objects.get(pk=user_id, is_active=True)
        job = job_get(user=user, job_id=job_id)
        job_run(job, user=user, commit=commit)
    except Exception:
        log.exception("import job %s could not run", job_id)
    finally:
        connections.close_all()


def _spawn(job: ImportJob, user: Any, commit: bool) -> None:
    threading.Thread(
        target=_run_in_thread,
        args=(job.id, user.pk, commit),
        daemon=True,
        name=f"import-{job.id[:8]}",
    ).start()


def job_start(job: ImportJob, *, user: Any, commit: bool) -> ImportJob:
    """Run small files now, in the request; larger ones in a background thread (the page polls
    the job's state)."""
    if commit and not (job.can_commit and _claim_commit(job)):
        return job
    if job.size <= inline_max_bytes():
        return job_run(job, user=user, commit=commit)
    job.phase, job.commit = "queued", commit
    _save(job)
    _spawn(job, user, commit)
    return job
