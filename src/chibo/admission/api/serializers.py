"""Serializers of the admission API (read-only)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chibo.admission.models import AdmissionAct, AdmissionTarget, Applicant, DossierFile


class ActSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AdmissionAct
        fields = ["id", "applicant", "step", "state", "on", "until", "due_on", "document_no", "issuer",
                  "votes_for", "votes_against", "official_members", "passed"]


class FileSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = DossierFile
        fields = ["id", "applicant", "step", "name", "content_type", "size", "uploaded_at"]


class ApplicantSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    cell: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Applicant
        fields = ["id", "full_name", "gender", "birth_date", "occupation", "youth_union", "cell", "proposed_by",
                  "helper", "member", "readmission_of", "listed_on", "state", "state_on", "due_on", "failed_votes"]


class ApplicantDetailSerializer(ApplicantSerializer):
    acts = ActSerializer(many=True, read_only=True)
    files = FileSerializer(many=True, read_only=True)

    class Meta(ApplicantSerializer.Meta):
        fields = [*ApplicantSerializer.Meta.fields, "acts", "files"]


class TargetSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    org: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AdmissionTarget
        fields = ["id", "org", "year", "kind", "value", "source"]


class StepCountSerializer(serializers.Serializer):  # type: ignore[type-arg]
    step = serializers.CharField()
    step_label = serializers.CharField(source="label")
    count = serializers.IntegerField()
    due_this_week = serializers.IntegerField()
    overdue = serializers.IntegerField()


class StatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    under = serializers.CharField()
    as_of = serializers.DateField()
    in_progress = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_this_week = serializers.IntegerField()
    by_step = StepCountSerializer(many=True)


class TargetReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    under = serializers.CharField()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    target_kind = serializers.CharField()
    target_share = serializers.FloatField(allow_null=True, help_text="percent")
    target_count = serializers.IntegerField()
    target_source = serializers.CharField()
    members_at_start = serializers.IntegerField()
    admitted = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="percent: admitted / members at the start of the year")
    met = serializers.BooleanField()
    by_source = serializers.DictField(child=serializers.IntegerField())
    in_pipeline = serializers.IntegerField()
    admitted_in_time_forecast = serializers.IntegerField()
    forecast = serializers.IntegerField()
    by_step = StepCountSerializer(many=True)


class AdmittedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    under = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    admitted = serializers.IntegerField()
    by_source = serializers.DictField(child=serializers.IntegerField())
