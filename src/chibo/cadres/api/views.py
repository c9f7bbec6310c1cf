"""Cadres by API: posts, courses, watch assignments and secondments (scoped by the base viewset,
`member.*` actions: posts are personnel records), and the summary of a node."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin
from chibo.core.validtime import today, valid_on_q
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from .. import selectors
from ..models import Post, Secondment, TrainingCourse, WatchAssignment


def _date_param(request: Request, name: str) -> dt.date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise serializers.ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from exc


def _under(request: Request) -> Organization | None:
    """The organization of the `under` parameter (None without it); out of scope answers 404."""
    code = request.query_params.get("under")
    if not code:
        return None
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


class PostSerializer(serializers.ModelSerializer[Post]):
    org_code = serializers.CharField(source="org.code", read_only=True)
    member_name = serializers.CharField(source="member.full_name", read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "org",
            "org_code",
            "member",
            "member_name",
            "position",
            "method",
            "decision_no",
            "decision_date",
            "exception",
            "valid_from",
            "valid_to",
            "end_reason",
        ]


class CourseSerializer(serializers.ModelSerializer[TrainingCourse]):
    organizer_code = serializers.CharField(source="organizer.code", read_only=True)
    enrolled = serializers.IntegerField(source="enrolments.count", read_only=True)

    class Meta:
        model = TrainingCourse
        fields = [
            "id",
            "organizer",
            "organizer_code",
            "topic",
            "kind",
            "starts_on",
            "ends_on",
            "place",
            "enrolled",
        ]


class WatchSerializer(serializers.ModelSerializer[WatchAssignment]):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    committee_code = serializers.CharField(source="committee.code", read_only=True)
    watcher_name = serializers.CharField(source="watcher.full_name", read_only=True)

    class Meta:
        model = WatchAssignment
        fields = [
            "id",
            "watcher",
            "watcher_name",
            "committee",
            "committee_code",
            "unit",
            "unit_code",
            "valid_from",
            "valid_to",
            "decision_no",
        ]


class SecondmentSerializer(serializers.ModelSerializer[Secondment]):
    from_code = serializers.CharField(source="from_org.code", read_only=True)
    to_code = serializers.CharField(source="to_org.code", read_only=True)
    member_name = serializers.CharField(source="member.full_name", read_only=True)

    class Meta:
        model = Secondment
        fields = [
            "id",
            "member",
            "member_name",
            "from_org",
            "from_code",
            "to_org",
            "to_code",
            "post_held",
            "decision_no",
            "decision_date",
            "valid_from",
            "valid_to",
        ]


class _AsOfFilterMixin:
    """`?under=CODE` (its organization alone) and `?as_of=DATE` (held on that date)."""

    org_field = "org"
    request: Any

    def filter_queryset(self, queryset: Any) -> Any:
        org = _under(self.request)
        if org is not None:
            queryset = queryset.filter(**{self.org_field: org})
        on = _date_param(self.request, "as_of")
        if on is not None:
            queryset = queryset.filter(valid_on_q(on))
        return queryset


class PostViewSet(_AsOfFilterMixin, ScopedReadOnlyViewSet):
    """Posts at organizations in your scope (`under`: one organization's; `as_of`: held then)."""

    scope_area = "member"
    queryset = Post.objects.select_related("org", "member").order_by(
        "org_id", "position", "valid_from", "id"
    )
    serializer_class = PostSerializer
    lookup_value_regex = r"[0-9]+"


class CourseViewSet(ScopedReadOnlyViewSet):
    """Training courses organized in your scope."""

    scope_area = "member"
    queryset = TrainingCourse.objects.select_related("organizer").order_by("-starts_on", "id")
    serializer_class = CourseSerializer
    lookup_value_regex = r"[0-9]+"


class WatchViewSet(_AsOfFilterMixin, ScopedReadOnlyViewSet):
    """Committee members assigned to watch units (`under`: the watched unit)."""

    scope_area = "member"
    org_field = "unit"
    queryset = WatchAssignment.objects.select_related("unit", "committee", "watcher").order_by(
        "unit_id", "id"
    )
    serializer_class = WatchSerializer
    lookup_value_regex = r"[0-9]+"


class SecondmentViewSet(_AsOfFilterMixin, ScopedReadOnlyViewSet):
    """Cadres seconded to communes (`under`: the receiving commune)."""

    scope_area = "member"
    org_field = "to_org"
    queryset = Secondment.objects.select_related("from_org", "to_org", "member").order_by(
        "to_org_id", "id"
    )
    serializer_class = SecondmentSerializer
    lookup_value_regex = r"[0-9]+"


class SummarySerializer(serializers.Serializer[dict[str, Any]]):
    under = serializers.CharField(allow_null=True)
    as_of = serializers.DateField()
    secretaries = serializers.IntegerField()
    degree_share = serializers.FloatField(allow_null=True)
    theory_share = serializers.FloatField(allow_null=True)
    non_local_share = serializers.FloatField(allow_null=True)
    village_head_share = serializers.FloatField(allow_null=True)
    workshop_manager_share = serializers.FloatField(allow_null=True)
    border_guard_communes = serializers.IntegerField()
    watched_units = serializers.IntegerField()
    seconded = serializers.IntegerField()
    courses = serializers.IntegerField(required=False)
    trained = serializers.IntegerField(required=False)
    trained_leaders = serializers.IntegerField(required=False)


class _OneObjectSchema(AutoSchema):
    """The summary's `list` route answers one object, not a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class SummaryViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg,misc]
    """The cadre figures of a node on a date, and with `from`/`to` its training in that period:
    the same numbers as `chibo cadres summary`, counted within your scope."""

    schema = _OneObjectSchema()

    scope_area = "member"
    queryset = Post.objects.all()
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "under",
                OpenApiTypes.STR,
                description="Organization code (default: your whole scope).",
            ),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="The date (default today)."),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="Training period: from this date…"
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="…to this date (inclusive)."),
        ],
        responses=SummarySerializer,
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        org = _under(request)
        on = _date_param(request, "as_of") or today()
        start, end = _date_param(request, "from"), _date_param(request, "to")
        if (start is None) != (end is None):
            raise serializers.ValidationError({"from": _("Give both ends of the period.")})
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError(
                {"to": _("The end of the period is before its start.")}
            )
        return Response(
            selectors.cadre_summary(user=request.user, org=org, on=on, start=start, end=end)
        )
