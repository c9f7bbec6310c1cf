"""Member and transfer serializers. Sensitive fields (ethnicity, religion, identity number) are
null unless the view says, through the context, that the user may see them for this member."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chibo.members.models import Affiliation, Member, MemberEvent, Transfer
from chibo.members.sensitive import SENSITIVE_FIELDS


def _org_ref(org: Any) -> dict[str, Any] | None:
    """Code and latest name: `latest_name` when the caller set it (the member detail, from the
    versions its record read), else the prefetched versions (`<org>__versions`) when there are."""
    if org is None:
        return None
    known = getattr(org, "latest_name", None)
    if known is not None:
        return {"code": org.code, "name": known or org.code}
    versions = list(org.versions.all())
    latest = max(versions, key=lambda v: v.valid_from, default=None)
    return {"code": org.code, "name": latest.name if latest else org.code}


class MemberOrgRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class MemberRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class MaskedMixin:
    """Nulls the sensitive fields unless `context["sensitive_ids"]` holds the member's id."""

    context: dict[str, Any]

    def visible(self, member: Member) -> bool:
        return member.pk in self.context.get("sensitive_ids", set())

    def mask(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        if not self.visible(member):
            for field in SENSITIVE_FIELDS:
                data[field] = None
        return data


class MemberListSerializer(MaskedMixin, serializers.ModelSerializer[Member]):
    ethnicity = serializers.CharField(allow_null=True)
    religion = serializers.CharField(allow_null=True)
    national_id = serializers.CharField(allow_null=True)
    cell = serializers.SerializerMethodField()
    sensitive_visible = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "id", "full_name", "gender", "birth_date", "status", "cell", "card_number",
            "ethnicity", "religion", "national_id", "general_education", "professional_level",
            "theory_level", "occupation", "ceremony_date", "official_date", "sensitive_visible",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Code of the current cell."))
    def get_cell(self, obj: Member) -> str | None:
        return getattr(obj, "current_cell_code", None)

    def get_sensitive_visible(self, obj: Member) -> bool:
        return self.visible(obj)

    def to_representation(self, instance: Member) -> dict[str, Any]:
        return self.mask(instance, dict(super().to_representation(instance)))


class MemberEventSerializer(serializers.ModelSerializer[MemberEvent]):
    org = serializers.SerializerMethodField()

    class Meta:
        model = MemberEvent
        fields = ["id", "type", "on", "decision_no", "decision_date", "issuer", "reason", "org",
                  "occupation", "status_before"]

    @extend_schema_field(MemberOrgRefSerializer(allow_null=True))
    def get_org(self, obj: MemberEvent) -> dict[str, Any] | None:
        return _org_ref(obj.org)


class AffiliationSerializer(serializers.ModelSerializer[Affiliation]):
    org = serializers.SerializerMethodField()

    class Meta:
        model = Affiliation
        fields = ["id", "kind", "org", "valid_from", "valid_to", "transfer"]

    @extend_schema_field(MemberOrgRefSerializer())
    def get_org(self, obj: Affiliation) -> dict[str, Any] | None:
        return _org_ref(obj.org)


class TransferSerializer(serializers.ModelSerializer[Transfer]):
    member = serializers.SerializerMethodField()
    from_org = serializers.SerializerMethodField()
    to_org = serializers.SerializerMethodField()
    issued_by = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = [
            "id", "member", "kind", "state", "from_org", "to_org", "outside_place", "trigger_date",
            "start_deadline", "requested_on", "letter_no", "letter_issued_on", "issued_by",
            "present_deadline", "dues_paid_through", "received_on", "temporary_until",
        ]

    @extend_schema_field(MemberRefSerializer())
    def get_member(self, obj: Transfer) -> dict[str, Any]:
        return {"id": obj.member_id, "full_name": obj.member.full_name}

    @extend_schema_field(MemberOrgRefSerializer(allow_null=True))
    def get_from_org(self, obj: Transfer) -> dict[str, Any] | None:
        return _org_ref(obj.from_org)

    @extend_schema_field(MemberOrgRefSerializer(allow_null=True))
    def get_to_org(self, obj: Transfer) -> dict[str, Any] | None:
        return _org_ref(obj.to_org)

    @extend_schema_field(MemberOrgRefSerializer(allow_null=True))
    def get_issued_by(self, obj: Transfer) -> dict[str, Any] | None:
        return _org_ref(obj.issued_by)


class MemberTimelineSerializer(serializers.Serializer[Any]):
    events = MemberEventSerializer(many=True)
    affiliations = AffiliationSerializer(many=True)
    transfers = TransferSerializer(many=True)


class PartyAgeSerializer(serializers.Serializer[Any]):
    days = serializers.IntegerField()
    years = serializers.IntegerField()
    months = serializers.IntegerField()


class MemberDetailSerializer(MemberListSerializer):
    cell = serializers.SerializerMethodField()
    birthplace = serializers.CharField(source="birthplace.name", allow_null=True, default=None)
    hometown = serializers.CharField(source="hometown.name", allow_null=True, default=None)
    party_age = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta(MemberListSerializer.Meta):
        fields = [
            *MemberListSerializer.Meta.fields, "birthplace", "hometown", "phone",
            "admission_decision_date", "admission_decision_no", "card_date", "party_age", "timeline",
        ]

    @extend_schema_field(MemberOrgRefSerializer(allow_null=True))
    def get_cell(self, obj: Member) -> dict[str, Any] | None:  # type: ignore[override]
        return _org_ref(self.context["cell"]) if self.context.get("cell") else None

    @extend_schema_field(PartyAgeSerializer())
    def get_party_age(self, obj: Member) -> dict[str, int]:
        return dict(self.context["party_age"])

    @extend_schema_field(MemberTimelineSerializer())
    def get_timeline(self, obj: Member) -> dict[str, Any]:
        return dict(MemberTimelineSerializer(self.context["timeline"]).data)


class MemberCountsSerializer(serializers.Serializer[Any]):
    under = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(required=False)
    admitted_from = serializers.DateField(required=False)
    admitted_to = serializers.DateField(required=False)
    left_from = serializers.DateField(required=False)
    left_to = serializers.DateField(required=False)
    by = serializers.CharField(required=False)
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class MemberTreeNodeSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    members = serializers.IntegerField(help_text="Members in this organization's cells and all below.")
    children = serializers.ListField(child=serializers.DictField(), help_text="Nodes of the same shape.")


class MemberTreeSerializer(serializers.Serializer[Any]):
    under = serializers.CharField()
    as_of = serializers.DateField()
    depth = serializers.IntegerField(allow_null=True)
    tree = MemberTreeNodeSerializer(many=True)
