"""The members app's background jobs: a large export (issue 18, item 11).

The runner reads as the job's owner through `exporting` (so the organization is fetched through
`restrict()` again when the job runs) and keeps the sensitive columns only if they were allowed
when the job was submitted (the job then requires `member.view_sensitive` on every download).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from typing import Any

from django.utils.translation import gettext_lazy, gettext_noop

from chibo.jobs.models import Job
from chibo.jobs.registry import JobFailed, JobOutput, register
from chibo.jobs.services import JobRun, job_submit
from chibo.orgs.models import Organization

from . import exporting

EXPORT_KIND = "members.export"
CONTENT_TYPES = {
    exporting.CSV_FORMAT: "text/csv; charset=utf-8",
    exporting.XLSX_FORMAT: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def run_export(run: JobRun) -> JobOutput:
    p = run.parameters
    try:
        export = exporting.members_export_prepare(
            user=run.user, actor=run.user, code=str(p["code"]),
            on=dt.date.fromisoformat(p["on"]) if p.get("dated", True) else None,
            columns=list(p["columns"]), fmt=str(p["format"]), allow_sensitive=bool(p.get("sensitive")),
            criteria=dict(p.get("criteria") or {}),
        )
    except Organization.DoesNotExist as exc:
        raise JobFailed(gettext_noop("The organization %(code)s is no longer in your scope."),
                        code=str(p.get("code", ""))[:40]) from exc
    except exporting.ExportError as exc:
        raise JobFailed(gettext_noop("Unknown column: %(name)s"), name=str(exc)[:80]) from exc
    total = int(p.get("total") or 0) or export.queryset.count()
    run.progress(0, total, force=True)
    export.progress = lambda n: run.progress(n, max(total, n))
    if export.fmt == exporting.XLSX_FORMAT:
        path, _count = exporting.xlsx_tempfile(export)
    else:
        fd, path = tempfile.mkstemp(prefix="chibo-export-", suffix=".csv")
        try:
            with os.fdopen(fd, "wb") as fh:
                exporting.write_csv(export, fh)
        except BaseException:
            os.unlink(path)
            raise
    run.progress(total, total, force=True)
    return JobOutput(path=path, filename=export.filename, content_type=CONTENT_TYPES[export.fmt])


def export_submit(*, actor: Any, plan: exporting.ExportPlan) -> Job:
    """Put an export on the queue as a background job of `actor` (authorized by the plan, and
    again by `job_submit`, when it runs and on every download)."""
    return job_submit(
        actor=actor, kind=EXPORT_KIND, org_path=plan.path, org_label=f"{plan.org.code} · {plan.on.isoformat()}",
        action=exporting.VIEW, also_requires=plan.needs_sensitive, total=plan.count,
        parameters={"code": plan.org.code, "on": plan.on.isoformat(), "columns": plan.columns,
                    "format": plan.fmt, "sensitive": plan.sensitive, "total": plan.count,
                    "criteria": plan.criteria or {}, "dated": plan.dated},
    )


register(EXPORT_KIND, label=gettext_lazy("Member export"), run=run_export)
