"""Meetings, attendance, votes, resolutions and tasks by API: read-only, scoped by the base
viewset (`org.view`); the quality of meetings under a unit over a period from the selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedReadOnlyViewSet, db_int, query_flag
from chibo.core.validtime import today
from chibo.meetings import quality
from chibo.meetings.models import Attendance, Meeting, Resolution, Task, Vote
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from .serializers import (
    AttendanceSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
    QualitySerializer,
    ResolutionSerializer,
    TaskSerializer,
    VoteSerializer,
)


def _date(request: Request, name: str, default: dt.date) -> dt.date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise serializers.ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from exc


def _org(request: Request, required: bool = False) -> Organization | None:
    code = request.query_params.get("org") or request.query_params.get("under")
    if not code:
        if required:
            raise serializers.ValidationError({"under": _("Give the organization's code.")})
        return None
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


ORG_PARAM = OpenApiParameter("org", OpenApiTypes.STR, description="Organization code")


class MeetingViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = Meeting.objects.select_related("org", "minutes").prefetch_related("agenda")
    serializer_class = MeetingSerializer

    def get_serializer_class(self) -> Any:
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list":
            org = _org(self.request)
            if org is not None:
                qs = qs.filter(org=org)
            if self.request.query_params.get("from"):
                qs = qs.filter(scheduled_at__date__gte=_date(self.request, "from", today()))
            if self.request.query_params.get("to"):
                qs = qs.filter(scheduled_at__date__lte=_date(self.request, "to", today()))
        return qs.order_by("-scheduled_at", "-id")

    @extend_schema(parameters=[ORG_PARAM, OpenApiParameter("from", OpenApiTypes.DATE),
                               OpenApiParameter("to", OpenApiTypes.DATE)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("under", OpenApiTypes.STR, required=True),
                    OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE)],
        responses=QualitySerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def quality(self, request: Request) -> Response:
        """Meeting quality under a unit over a period: due, held, meeting the criteria, the
        attendance rate (percent), tasks done on time and overdue; per unit below and in total."""
        org = _org(request, required=True)
        assert org is not None
        start = _date(request, "from", dt.date(today().year, 1, 1))
        end = _date(request, "to", dt.date(today().year, 12, 31))
        report = quality.meeting_quality(user=request.user, org=org, start=start, end=end)
        data = {"under": org.code, "start": start, "end": end, "total": report.total.as_dict(),
                "units": [{"code": u.code, "name": u.name, "figures": u.figures.as_dict()} for u in report.rows]}
        return Response(QualitySerializer(data).data)


class _ByMeeting(ScopedReadOnlyViewSet):
    scope_area = "org"

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        meeting = self.request.query_params.get("meeting")
        if meeting:
            try:
                qs = qs.filter(meeting_id=db_int(meeting))
            except ValueError as exc:
                raise serializers.ValidationError({"meeting": _("Give the meeting's number.")}) from exc
        return qs

    @extend_schema(parameters=[OpenApiParameter("meeting", OpenApiTypes.INT)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class AttendanceViewSet(_ByMeeting):
    queryset = Attendance.objects.order_by("meeting_id", "id")
    serializer_class = AttendanceSerializer


class VoteViewSet(_ByMeeting):
    queryset = Vote.objects.order_by("meeting_id", "id")
    serializer_class = VoteSerializer


class ResolutionViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = Resolution.objects.select_related("org").prefetch_related("tasks").order_by("-adopted_on", "-id")
    serializer_class = ResolutionSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        org = _org(self.request) if self.action == "list" else None
        return qs.filter(org=org) if org is not None else qs

    @extend_schema(parameters=[ORG_PARAM])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class TaskViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = Task.objects.order_by("due_date", "id")
    serializer_class = TaskSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list" and query_flag(self.request, "overdue"):
            qs = qs.filter(done_date__isnull=True, due_date__lt=today())
        return qs

    @extend_schema(parameters=[OpenApiParameter("overdue", OpenApiTypes.BOOL)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
