"""Reads of the jobs app: a user's own jobs, restricted by the roles they still hold."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Job
from .services import job_authorized


def job_list(*, user: Any) -> QuerySet[Job]:
    return Job.objects.restrict(user).order_by("-created_at")


def job_get(*, user: Any, pk: Any) -> Job:
    """The user's job, if they still hold every action it needs; else `Job.DoesNotExist`."""
    job = Job.objects.restrict(user).filter(pk=pk).first()
    if job is None or not job_authorized(user=user, job=job):
        raise Job.DoesNotExist
    return job
