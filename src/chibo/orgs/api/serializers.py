from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chibo.orgs.models import OrgEvent, OrgVersion


class OrgVersionSerializer(serializers.ModelSerializer[OrgVersion]):
    code = serializers.CharField(source="org.code")
    kind = serializers.CharField(source="kind.key")
    kind_label = serializers.CharField(source="kind.label")
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    sector = serializers.CharField(source="org.sector")
    admin_unit = serializers.SerializerMethodField()
    established_on = serializers.DateField(source="org.valid_from")
    dissolved_from = serializers.DateField(source="org.valid_to", allow_null=True)
    depth = serializers.IntegerField()
    has_children = serializers.SerializerMethodField()

    class Meta:
        model = OrgVersion
        fields = [
            "code", "name", "kind", "kind_label", "parent", "sector", "admin_unit",
            "valid_from", "valid_to", "established_on", "dissolved_from", "depth", "has_children",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, obj: OrgVersion) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_admin_unit(self, obj: OrgVersion) -> dict[str, Any] | None:
        unit = obj.org.admin_unit
        if unit is None:
            return None
        return {"edition": unit.edition, "level": unit.level, "code": unit.code, "name": unit.name}

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_has_children(self, obj: OrgVersion) -> bool | None:
        return getattr(obj, "has_children", None)


class DecisionSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    date = serializers.DateField()
    issuer = serializers.CharField()


class LineageNodeSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(source="org.code")
    name = serializers.CharField()
    change = serializers.CharField(source="event.type")
    on = serializers.DateField(source="event.on")
    decision = DecisionSerializer(source="event.decision", allow_null=True)
    children = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, obj: Any) -> list[dict[str, Any]]:
        return LineageNodeSerializer(obj.children, many=True).data  # type: ignore[return-value]


class LineageSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    past = LineageNodeSerializer(many=True)
    future = LineageNodeSerializer(many=True)


class CountsSerializer(serializers.Serializer[Any]):
    under = serializers.CharField()
    as_of = serializers.DateField()
    counts = serializers.DictField(child=serializers.IntegerField())


class OrgEventSerializer(serializers.ModelSerializer[OrgEvent]):
    decision = DecisionSerializer(allow_null=True)
    organizations = serializers.SerializerMethodField()

    class Meta:
        model = OrgEvent
        fields = ["id", "type", "on", "decision", "note", "organizations"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_organizations(self, obj: OrgEvent) -> list[dict[str, str]]:
        return [{"code": link.org.code, "role": link.role} for link in obj.links.all()]
