"""Serializers of the supervision API. The letter serializers know no sender field at all: the
sender is served by its own endpoint, for the inspection role, logged (G20)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chibo.supervision.models import Agency, KeyTask, Letter, Programme, Proposal


class LetterSerializer(serializers.ModelSerializer[Letter]):
    handler: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    received_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    subject_org: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Letter
        fields = ["id", "reference", "kind", "channel", "received_by", "received_on", "handler",
                  "competent_received_on", "subject_member", "subject_org", "state", "not_handled_reason",
                  "deadline", "extended_until", "deferred_until", "concluded_on", "notified_on", "discipline_event"]
        read_only_fields = fields


class LetterDetailSerializer(LetterSerializer):
    class Meta(LetterSerializer.Meta):
        fields = [*LetterSerializer.Meta.fields, "summary", "guidance", "conclusion", "deadline_rule"]
        read_only_fields = fields


class LetterSenderSerializer(serializers.Serializer):  # type: ignore[type-arg]
    letter = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    contact = serializers.CharField()
    scans = serializers.IntegerField()


class LetterSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    received = serializers.IntegerField()
    handled = serializers.IntegerField()
    on_time = serializers.IntegerField()
    overdue = serializers.IntegerField()
    not_handled = serializers.DictField(child=serializers.IntegerField())


class DialogueAgencySerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class DialogueProgrammeSerializer(serializers.ModelSerializer[Programme]):
    org: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "org", "title", "theme", "hosts", "audience", "starts_on", "ends_on", "public"]
        read_only_fields = fields


class DialogueProposalSerializer(serializers.ModelSerializer[Proposal]):
    agency = DialogueAgencySerializer(read_only=True)
    commune: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "programme", "number", "topic", "field", "raised_by", "commune", "agency", "assigned_on",
                  "due_on", "state", "answered_on", "answer", "escalated_on"]
        read_only_fields = fields


class DialogueKeyTaskSerializer(serializers.ModelSerializer[KeyTask]):
    class Meta:
        model = KeyTask
        fields = ["id", "position", "title", "agency", "due_on", "done_on"]
        read_only_fields = fields


class DialogueAgencyReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    agency_id = serializers.IntegerField()
    agency = serializers.CharField()
    assigned = serializers.IntegerField()
    answered_on_time = serializers.IntegerField()
    answered_late = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
