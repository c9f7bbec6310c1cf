"""The one task on the queue: run a job by its id (django-tasks; arguments are JSON)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def run_job(job_id: str) -> None:
    services.job_run(job_id=job_id)
