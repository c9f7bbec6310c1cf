"""`chibo jobs_prune`: delete the result files of background jobs past their expiry, and record
as failed the jobs whose worker stopped while running them (run it daily, e.g. from cron or a
systemd timer; the job rows stay, as history)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chibo.jobs.services import job_prune, job_reap


class Command(BaseCommand):
    help = "Delete the result files of expired background jobs."

    def handle(self, *args: Any, **opts: Any) -> None:
        reaped = job_reap()
        count = job_prune()
        self.stdout.write(f"{count} expired result file(s) deleted, {reaped} interrupted job(s) recorded as failed")
