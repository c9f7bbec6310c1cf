"""Pages for importing and exporting members. Thin: parse the request, call `importing` or
`exporting`, render. Jobs belong to the user who started them (anyone else gets 404); exports
are authorized again on every request."""

from __future__ import annotations

import datetime as dt
import io
import os
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chibo.core.access import SCOPED, access_policy
from chibo.core.scoping import resolve_scope
from chibo.orgs.models import Organization

from . import exporting, importing, job_kinds
from .forms import CRITERIA_FIELDS
from .sensitive import SensitiveFieldDenied

CHANGE = "member.change"
VIEW = "member.view"


def _require(request: HttpRequest, action: str) -> None:
    if resolve_scope(request.user, action).is_empty:
        raise PermissionDenied


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of uploaded files and skips a file past the limit, so an oversized
    upload is never stored whole."""

    def __init__(self, request: HttpRequest | None = None, limit: int = 0) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_big = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_big = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _upload_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "members/import_upload.html", {
        "error": error, "max_mb": importing.max_upload_bytes() // importing.MB,
        "template_languages": settings.LANGUAGES, "columns": importing.COLUMNS,
    }, status=status)


@access_policy(SCOPED)
@login_required
@csrf_exempt  # checked by `_upload_post`, after the size-limiting upload handler is in place
def upload(request: HttpRequest) -> HttpResponse:
    _require(request, CHANGE)
    if request.method != "POST":
        return _upload_page(request)
    limit = importing.max_upload_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + 64 * 1024:
        return _upload_page(request, importing.too_big_message(), status=413)
    request.upload_handlers = [LimitedUploadHandler(request, limit), *request.upload_handlers]
    return _upload_post(request)


@csrf_protect
def _upload_post(request: HttpRequest) -> HttpResponse:
    handler = request.upload_handlers[0]
    upload_file = request.FILES.get("file")
    if isinstance(handler, LimitedUploadHandler) and handler.too_big:
        return _upload_page(request, importing.too_big_message(), status=413)
    if upload_file is None:
        return _upload_page(request, _("Choose a file to import."), status=400)
    try:
        job = importing.job_create(user=request.user, chunks=upload_file.chunks(), filename=upload_file.name or "",
                                   size=upload_file.size, ignore_unknown=request.POST.get("ignore_unknown") == "on")
    except importing.UploadRejected as exc:
        return _upload_page(request, exc.message, status=exc.status)
    importing.job_start(job, user=request.user, commit=False)
    return redirect("members_io:job", job_id=job.id)


def _job_or_404(request: HttpRequest, job_id: str) -> importing.ImportJob:
    try:
        return importing.job_get(user=request.user, job_id=job_id)
    except importing.JobNotFound as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
@require_GET
def job(request: HttpRequest, job_id: str) -> HttpResponse:
    current = _job_or_404(request, job_id)
    template = "members/import_job.html#status" if getattr(request, "htmx", False) else "members/import_job.html"
    return render(request, template, {"job": current, "result": current.outcome})


@access_policy(SCOPED)
@login_required
@require_POST
def job_commit(request: HttpRequest, job_id: str) -> HttpResponse:
    _require(request, CHANGE)
    current = _job_or_404(request, job_id)
    importing.job_start(current, user=request.user, commit=True)
    return redirect("members_io:job", job_id=current.id)


@access_policy(SCOPED)
@login_required
@require_GET
def template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in (importing.XLSX, importing.CSV):
        raise Http404
    codes = [code for code, _name in settings.LANGUAGES]
    language = request.GET.get("lang") or translation.get_language() or settings.LANGUAGE_CODE
    if language not in codes:
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        if fmt == importing.XLSX:
            out = io.BytesIO()
            importing.write_template_xlsx(out, user=request.user)
            body = out.getvalue()
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            text = io.StringIO()
            importing.write_template_csv(text, user=request.user)
            body = ("\ufeff" + text.getvalue()).encode("utf-8")
            content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="chibo-members-template-{language}.{fmt}"'
    response["Content-Language"] = language
    return response


def _export_page(request: HttpRequest, error: str = "", status: int = 200,
                 background: exporting.ExportPlan | None = None) -> HttpResponse:
    values = request.POST if request.method == "POST" else request.GET
    criteria = [(name, values[name]) for name in CRITERIA_FIELDS if values.get(name)]
    return render(request, "members/export_form.html", {
        "error": error, "columns": exporting.EXPORT_COLUMNS, "formats": exporting.FORMATS,
        "values": values, "background": background, "criteria": criteria,
        "inline_max": settings.CHIBO_EXPORT_INLINE_MAX_MEMBERS,
    }, status=status)


@access_policy(SCOPED)
@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponseBase:
    """GET: the form, or the file for an export of up to CHIBO_EXPORT_INLINE_MAX_MEMBERS members;
    a larger one shows a button that POSTs the same options, which starts a background job."""
    _require(request, VIEW)
    data = request.POST if request.method == "POST" else request.GET
    code = data.get("under", "").strip()
    if not code:
        return _export_page(request, status=400 if request.method == "POST" else 200)
    raw_date = data.get("as_of", "").strip()
    on: dt.date | None = None
    if raw_date:
        try:
            on = dt.date.fromisoformat(raw_date)
        except ValueError:
            return _export_page(request, _("“%(value)s” is not a date.") % {"value": raw_date[:20]}, status=400)
    fmt = data.get("format", exporting.CSV_FORMAT)
    if fmt not in exporting.FORMATS:
        return _export_page(request, _("Choose CSV or XLSX."), status=400)
    columns: Any = data.getlist("columns") or None
    try:
        plan = exporting.members_export_plan(user=request.user, code=code, on=on, columns=columns, fmt=fmt,
                                             criteria=data)
        if request.method == "POST":
            job = job_kinds.export_submit(actor=request.user, plan=plan)
            return redirect("jobs:detail", pk=job.pk)
        if plan.count > settings.CHIBO_EXPORT_INLINE_MAX_MEMBERS:
            return _export_page(request, background=plan)
        prepared = exporting.members_export_prepare(user=request.user, actor=request.user, code=code, on=on,
                                                    columns=columns, fmt=fmt, criteria=data)
    except SensitiveFieldDenied:
        raise  # 403 with its message (a filter on a sensitive field)
    except (Organization.DoesNotExist, PermissionDenied) as exc:
        raise Http404 from exc
    except exporting.CriteriaError as exc:
        return _export_page(request, _("These filters have a bad value: %(names)s") % {"names": str(exc)[:80]},
                            status=400)
    except exporting.ExportError as exc:
        return _export_page(request, _("Unknown column: %(name)s") % {"name": str(exc)[:80]}, status=400)
    response: HttpResponseBase
    if fmt == exporting.CSV_FORMAT:
        response = StreamingHttpResponse(exporting.csv_chunks(prepared), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
    else:
        path, _count = exporting.xlsx_tempfile(prepared)
        fh = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
        os.unlink(path)  # the open handle keeps the data until the response is sent
        response = FileResponse(fh, as_attachment=True, filename=prepared.filename,
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "no-store"
    return response
