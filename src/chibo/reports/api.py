"""The reports API: the registry (`/api/v1/reports/indicators/`) and a figure, optionally
compared with another date or period (`/api/v1/reports/value/?indicator=&under=&as_of=|from=&to=
[&compare_as_of=|compare_from=&compare_to=]`). Bad input answers 400 (404 for an unknown
indicator or a node out of scope) with a translated message."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedViewSetMixin

from .compute import BadQuestion, ask, compute
from .registry import all_indicators
from .serialize import indicator_dict

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

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def indicators(self, request: Request) -> Response:
        return Response([indicator_dict(i) for i in all_indicators()])

    @extend_schema(parameters=PARAMS, responses=OpenApiTypes.OBJECT)
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
