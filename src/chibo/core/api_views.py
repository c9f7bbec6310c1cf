"""The audit trail by API: read-only (the application cannot edit or delete it), scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_filters import rest_framework as filters
from rest_framework import serializers

from .api import ScopedReadOnlyViewSet
from .models import AuditEvent, ReadLogEntry


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "target_type", "target_id", "target_label",
                  "before", "after", "reason", "request_id"]


class ReadLogSerializer(serializers.ModelSerializer[ReadLogEntry]):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = ReadLogEntry
        fields = ["id", "at", "actor", "target_type", "target_id", "purpose", "request_id"]


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC: an offset the database cannot hold (PostgreSQL's
    range is ±15:59) or a year before 1 that UTC conversion would reach is not an error of ours."""

    def filter(self, qs: Any, value: Any) -> Any:
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                return qs.none()
        return super().filter(qs, value)


class AuditFilter(filters.FilterSet):
    actor = filters.CharFilter(field_name="actor__username")
    start = UtcDateTimeFilter(field_name="at", lookup_expr="gte")
    end = UtcDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["target_type", "target_id", "action", "actor", "start", "end"]


class ReadLogFilter(filters.FilterSet):
    actor = filters.CharFilter(field_name="actor__username")
    start = UtcDateTimeFilter(field_name="at", lookup_expr="gte")
    end = UtcDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = ReadLogEntry
        fields = ["target_type", "target_id", "purpose", "actor", "start", "end"]


class AuditEventViewSet(ScopedReadOnlyViewSet):
    """Changes of domain records, newest first (scope: the organization each event concerns)."""

    scope_area = "audit"
    queryset = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter


class ReadLogViewSet(ScopedReadOnlyViewSet):
    """Who read which record holding personal data (administrators)."""

    scope_area = "audit"
    queryset = ReadLogEntry.objects.select_related("actor").order_by("-at", "-id")
    serializer_class = ReadLogSerializer
    filterset_class = ReadLogFilter

    def scope_action(self) -> str:
        return "audit.reads"
