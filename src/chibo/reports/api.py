"""The reports API: the registry (`/api/v1/reports/indicators/`) and a figure, optionally
compared with another date or period (`/api/v1/reports/value/?indicator=&under=&as_of=|from=&to=
[&compare_as_of=|compare_from=&compare_to=]`). Bad input answers 400 (404 for an unknown
indicator or a node out of scope) with a translated message."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedViewSetMixin

from .compute import BadQuestion, ask, compute
from .registry import all_indicators
from .serialize import indicator_dict


class IndicatorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.ChoiceField(choices=["count", "share", "ratio"])
    kind = serializers.ChoiceField(choices=["as_of", "period"])
    app = serializers.CharField()
    source_rule = serializers.CharField(allow_null=True)
    has_denominator = serializers.BooleanField()


class ResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    indicator = serializers.CharField()
    unit = serializers.CharField()
    kind = serializers.CharField()
    under = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    to = serializers.DateField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)
    data_version = serializers.CharField()

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(allow_null=True)  # a Python keyword
        return fields


class ValueSerializer(ResultSerializer):
    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["compare"] = ResultSerializer(required=False)
        return fields


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    detail = serializers.CharField()
    field = serializers.CharField(required=False)


PARAMS = [
    OpenApiParameter(n, t)
    for n, t in (
        ("indicator", OpenApiTypes.STR),
        ("under", OpenApiTypes.STR),
        ("as_of", OpenApiTypes.DATE),
        ("from", OpenApiTypes.DATE),
        ("to", OpenApiTypes.DATE),
        ("compare_as_of", OpenApiTypes.DATE),
        ("compare_from", OpenApiTypes.DATE),
        ("compare_to", OpenApiTypes.DATE),
    )
]


class ReportViewSet(ScopedViewSetMixin, viewsets.ViewSet):  # type: ignore[misc]
    """Indicators and their values for a node of the caller's scope (`report.view`)."""

    scope_area = "report"
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=IndicatorSerializer(many=True))
    @action(detail=False, methods=["get"])
    def indicators(self, request: Request) -> Response:
        return Response([indicator_dict(i) for i in all_indicators()])

    @extend_schema(
        parameters=PARAMS,
        responses={200: ValueSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=False, methods=["get"])
    def value(self, request: Request) -> Response:
        g = request.query_params

        def one(prefix: str) -> dict[str, Any]:
            ind, q = ask(
                user=request.user,
                indicator=(g.get("indicator") or "").strip(),
                under=(g.get("under") or "").strip() or None,
                as_of=g.get(prefix + "as_of"),
                start=g.get(prefix + "from"),
                end=g.get(prefix + "to"),
            )
            return compute(ind, q).as_dict()

        try:
            data = one("")
            if g.get("compare_as_of") or g.get("compare_from") or g.get("compare_to"):
                data["compare"] = one("compare_")
        except BadQuestion as exc:
            body = {"detail": exc.message}
            if exc.field:
                body["field"] = exc.field
            return Response(body, status=exc.status)
        return Response(data)
