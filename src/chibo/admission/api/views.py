"""The admission API: applicants with their acts and files (read-only, scoped by the base viewset
with `member.view`), the pipeline's status under a unit on a date, a year's target and progress,
and admissions by source over a period. Scans are downloaded through the scoped page
(`/admission/files/<id>/`), which logs each read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.admission import selectors
from chibo.admission.models import AdmissionAct, AdmissionTarget, Applicant
from chibo.core.api import ScopedReadOnlyViewSet, query_flag
from chibo.core.datefields import check_date
from chibo.core.validtime import today
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from .serializers import (
    ActSerializer,
    AdmittedSerializer,
    ApplicantDetailSerializer,
    ApplicantSerializer,
    StatusSerializer,
    TargetReportSerializer,
    TargetSerializer,
)


def _date(request: Request, name: str, default: dt.date | None = None) -> dt.date:
    raw = request.query_params.get(name)
    if not raw:
        if default is None:
            raise serializers.ValidationError({name: _("Enter a date as YYYY-MM-DD.")})
        return default
    try:
        day = dt.date.fromisoformat(raw)
        check_date(day)
    except (ValueError, DjangoValidationError) as exc:
        raise serializers.ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from exc
    return day


def _org(request: Request, required: bool = False) -> Organization | None:
    code = request.query_params.get("under") or request.query_params.get("org")
    if not code:
        if required:
            raise serializers.ValidationError({"under": _("Give the organization's code.")})
        return None
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


UNDER = OpenApiParameter("under", OpenApiTypes.STR, description="Organization code")


class ApplicantViewSet(ScopedReadOnlyViewSet):
    scope_area = "member"
    queryset = Applicant.objects.select_related("cell").prefetch_related("acts", "files")
    serializer_class = ApplicantSerializer

    def get_serializer_class(self) -> Any:
        return ApplicantDetailSerializer if self.action == "retrieve" else ApplicantSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list":
            org = _org(self.request)
            if org is not None:
                qs = qs.filter(cell_id__in=selectors.cells_under(org).values("org_id"))
            state = self.request.query_params.get("step")
            if state:
                qs = qs.filter(state=state)
        return qs.order_by("search_key", "id")

    @extend_schema(parameters=[UNDER, OpenApiParameter("step", OpenApiTypes.STR)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("under", OpenApiTypes.STR, required=True),
                               OpenApiParameter("as_of", OpenApiTypes.DATE)], responses=StatusSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def status(self, request: Request) -> Response:
        """People in the procedure under a unit on a date, by step: how many, due within 7 days, late."""
        org = _org(request, required=True)
        assert org is not None
        on = _date(request, "as_of", today())
        data = {"under": org.code, **selectors.pipeline_status(user=request.user, org=org, on=on).as_dict()}
        return Response(StatusSerializer(data).data)

    @extend_schema(parameters=[OpenApiParameter("under", OpenApiTypes.STR, required=True),
                               OpenApiParameter("year", {"type": "integer", "minimum": 1930, "maximum": 9998},
                                                required=True),
                               OpenApiParameter("as_of", OpenApiTypes.DATE)], responses=TargetReportSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def target(self, request: Request) -> Response:
        """A year's admission target under a unit and its progress: `target_share` and `share` in
        percent (admitted / members at the start of the year)."""
        org = _org(request, required=True)
        assert org is not None
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError as exc:
            raise serializers.ValidationError({"year": _("Give a year.")}) from exc
        if not 1930 <= year <= 9998:
            raise serializers.ValidationError({"year": _("Give a year between 1930 and 9998.")})
        on = _date(request, "as_of") if request.query_params.get("as_of") else None
        report = selectors.target_report(user=request.user, org=org, year=year, on=on)
        return Response(TargetReportSerializer(report.as_dict()).data)

    @extend_schema(parameters=[OpenApiParameter("under", OpenApiTypes.STR, required=True),
                               OpenApiParameter("from", OpenApiTypes.DATE, required=True),
                               OpenApiParameter("to", OpenApiTypes.DATE, required=True)],
                   responses=AdmittedSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def admitted(self, request: Request) -> Response:
        """Admissions (ceremonies) under a unit in a period, in total and by source."""
        org = _org(request, required=True)
        assert org is not None
        start, end = _date(request, "from"), _date(request, "to")
        if end < start:
            raise serializers.ValidationError({"to": _("The end is before the start.")})
        data = {"under": org.code, "start": start, "end": end,
                **selectors.admitted_by_source(user=request.user, org=org, start=start, end=end)}
        return Response(AdmittedSerializer(data).data)


class ActViewSet(ScopedReadOnlyViewSet):
    scope_area = "member"
    queryset = AdmissionAct.objects.order_by("applicant_id", "on", "id")
    serializer_class = ActSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list" and query_flag(self.request, "overdue"):
            on = today()
            qs = qs.filter(due_on__lt=on, until__isnull=True)
        return qs

    @extend_schema(parameters=[OpenApiParameter("overdue", OpenApiTypes.BOOL)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class TargetViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = AdmissionTarget.objects.select_related("org").order_by("org_id", "year")
    serializer_class = TargetSerializer
