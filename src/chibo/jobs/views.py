"""Pages of the jobs app: my jobs, one job (progress polled by HTMX), the download.

Thin: every page fetches through `selectors` (the owner's jobs, still in scope); the download
authorizes again on every request (`services.job_result_open`). Anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chibo.core.access import SCOPED, access_policy

from . import selectors, services
from .models import Job
from .registry import get_kind


def _kind_label(job: Job) -> Any:
    kind = get_kind(job.kind)
    return kind.label if kind else job.kind


@access_policy(SCOPED)
@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.job_list(user=request.user), 50).get_page(request.GET.get("page"))
    for job in page:
        job.kind_label = _kind_label(job)  # type: ignore[attr-defined]
    return render(request, "jobs/list.html", {"page": page})


@access_policy(SCOPED)
@login_required
@require_GET
def job_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    try:
        job = selectors.job_get(user=request.user, pk=pk)
    except Job.DoesNotExist as exc:
        raise Http404 from exc
    template = "jobs/detail.html#status" if getattr(request, "htmx", False) else "jobs/detail.html"
    return render(request, template, {"job": job, "kind_label": _kind_label(job)})


def download_response(job: Job, fh: Any) -> FileResponse:
    response = FileResponse(fh, as_attachment=True, filename=job.result_filename,
                            content_type=job.result_content_type or "application/octet-stream")
    response["Cache-Control"] = "no-store"
    return response


@access_policy(SCOPED)
@login_required
@require_GET
def job_download(request: HttpRequest, pk: Any) -> FileResponse:
    try:
        job, fh = services.job_result_open(user=request.user, job_id=pk)
    except Job.DoesNotExist as exc:
        raise Http404 from exc
    return download_response(job, fh)
