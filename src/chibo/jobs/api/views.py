"""Background jobs by API: your own jobs (still in scope), their progress, the result's download
(authorized again on every request, like the page)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.reverse import reverse

from chibo.core.api import ScopedReadOnlyViewSet
from chibo.jobs import services
from chibo.jobs.models import Job
from chibo.jobs.views import download_response


class JobSerializer(serializers.ModelSerializer[Job]):
    # (a plain string in the schema: a second enum named "status" would collide with the members')
    status = serializers.CharField(source="shown_status", read_only=True,
                                   help_text="queued, running, succeeded or failed")
    messages = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "kind", "parameters", "org_label", "status", "progress_done", "progress_total", "percent",
                  "messages", "created_at", "started_at", "finished_at", "expires_at", "result_filename",
                  "result_size", "download_url"]
        read_only_fields = fields

    def get_messages(self, job: Job) -> list[str]:
        return job.message_texts()

    def get_download_url(self, job: Job) -> str | None:
        if not job.has_result:
            return None
        return reverse("job-download", args=[job.pk], request=self.context.get("request"))


class JobViewSet(ScopedReadOnlyViewSet):
    """Your background jobs (exports, reports), newest first. A job is visible only to the user
    who submitted it, and only while they hold a role covering the job's organization."""

    scope_area = "job"
    queryset = Job.objects.all()
    serializer_class = JobSerializer
    lookup_value_regex = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-created_at")

    def get_object(self) -> Job:
        job: Job = super().get_object()
        if not services.job_authorized(user=self.request.user, job=job):
            raise Http404
        return job

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """The job's result file. Authorized again on every request; every download is logged."""
        try:
            job, fh = services.job_result_open(user=request.user, job_id=pk)
        except (Job.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
        return download_response(job, fh)
