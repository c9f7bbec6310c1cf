from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedReadOnlyViewSet
from chibo.core.text import fold
from chibo.core.validtime import today, valid_on_q
from chibo.orgs import selectors
from chibo.orgs.models import Organization, OrgVersion

from .serializers import (
    CountsSerializer,
    LineageSerializer,
    OrgEventSerializer,
    OrgVersionSerializer,
)

AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="Date (YYYY-MM-DD); default today.")


def parse_as_of(request: Request) -> dt.date:
    raw = request.query_params.get("as_of")
    if not raw:
        return today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise serializers.ValidationError({"as_of": _("Enter a date as YYYY-MM-DD.")}) from exc


class OrgVersionFilter(filters.FilterSet):
    kind = filters.CharFilter(field_name="kind__key")
    parent = filters.CharFilter(field_name="parent__code")
    q = filters.CharFilter(method="filter_q", label="search")
    sector = filters.CharFilter(field_name="org__sector")

    class Meta:
        model = OrgVersion
        fields = ["kind", "parent", "q", "sector"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        key = fold(value)
        return queryset.filter(search_key__contains=key) if key else queryset


@extend_schema(parameters=[AS_OF])
class OrganizationViewSet(ScopedReadOnlyViewSet):
    """Organizations as of a date (default today). Looked up by their stable code."""

    scope_area = "org"
    serializer_class = OrgVersionSerializer
    filterset_class = OrgVersionFilter
    queryset = OrgVersion.objects.all()
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9._-]+"

    def get_queryset(self) -> Any:
        on = parse_as_of(self.request)
        return (
            super()
            .get_queryset()
            .filter(valid_on_q(on))
            .select_related("org", "kind", "parent", "org__admin_unit")
            .order_by("path")
        )

    def _org(self) -> Organization:
        parse_as_of(self.request)  # declared on every route of the viewset: a bad one is a 400 on each
        try:
            return selectors.org_get(user=self.request.user, code=self.kwargs["code"])
        except Organization.DoesNotExist as exc:
            raise Http404 from exc

    def get_object(self) -> OrgVersion:
        org = self._org()
        version, _exact = selectors.version_on_or_last(org, parse_as_of(self.request))
        if version is None:
            raise Http404
        return version

    @extend_schema(parameters=[AS_OF], responses=OrgVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def children(self, request: Request, code: str | None = None, format: str | None = None) -> Response:
        org = self._org()
        qs = selectors.org_children(user=request.user, org=org, on=parse_as_of(request))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OrgVersionSerializer(page, many=True).data)

    @extend_schema(responses=LineageSerializer)
    @action(detail=True, methods=["get"])
    def lineage(self, request: Request, code: str | None = None, format: str | None = None) -> Response:
        org = self._org()
        data = selectors.org_lineage(user=request.user, org=org)
        return Response(LineageSerializer({"code": org.code, **data}).data)

    @extend_schema(parameters=[AS_OF], responses=CountsSerializer)
    @action(detail=True, methods=["get"])
    def counts(self, request: Request, code: str | None = None, format: str | None = None) -> Response:
        org = self._org()
        on = parse_as_of(request)
        counts = selectors.org_counts(user=request.user, org=org, on=on)
        return Response(CountsSerializer({"under": org.code, "as_of": on, "counts": counts}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses=OrgEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def changes(self, request: Request, code: str | None = None, format: str | None = None) -> Response:
        org = self._org()
        try:
            start = dt.date.fromisoformat(request.query_params["from"]) if request.query_params.get("from") else None
            end = dt.date.fromisoformat(request.query_params["to"]) if request.query_params.get("to") else None
        except ValueError as exc:
            raise serializers.ValidationError({"from": _("Enter a date as YYYY-MM-DD.")}) from exc
        qs = selectors.org_changes(user=request.user, org=org, start=start, end=end)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OrgEventSerializer(page, many=True).data)
