"""Serializers of the evaluation API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chibo.evaluation.models import (
    Assessment,
    CriteriaSet,
    Level,
    Participation,
    PeriodType,
    Programme,
    Round,
)


class CriteriaSetSerializer(serializers.ModelSerializer[CriteriaSet]):
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CriteriaSet
        fields = ["id", "owner", "audience", "version", "name", "groups", "valid_from"]


class CriteriaSetCreateSerializer(serializers.Serializer[Any]):
    owner = serializers.CharField(help_text="Organization code")
    audience = serializers.ChoiceField(choices=["member", "leader", "collective"])
    name = serializers.CharField(max_length=200)
    groups = serializers.ListField(child=serializers.DictField())
    valid_from = serializers.DateField()


class RoundSerializer(serializers.ModelSerializer[Round]):
    org: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Round
        fields = ["id", "org", "period_type", "year", "quarter", "label", "opened_on", "regulation", "rules",
                  "criteria_member", "criteria_leader", "criteria_collective", "self_deadline", "cell_deadline",
                  "decision_deadline", "closed_on", "version"]


class RoundOpenSerializer(serializers.Serializer[Any]):
    org = serializers.CharField(help_text="Organization code")
    year = serializers.IntegerField()
    opened_on = serializers.DateField(required=False)
    period_type = serializers.ChoiceField(choices=PeriodType.choices, default=PeriodType.YEAR)
    quarter = serializers.IntegerField(required=False, allow_null=True)
    label = serializers.CharField(required=False, allow_blank=True, default="")  # type: ignore[assignment]


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    org: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "round", "subject", "member", "org", "post", "state", "excluded", "scores", "self_total",
                  "self_level", "self_comment", "self_on", "proposed_level", "votes_for", "votes_against",
                  "abstentions", "proposed_on", "appraised_level", "appraised_on", "decided_level", "decided_on",
                  "decision_number", "quota_override", "disciplined_in_year", "self_detected", "targets_percent",
                  "units_disciplined_percent", "forced_reason", "version"]


class StepSerializer(serializers.Serializer[Any]):
    """A step of the procedure; `version` is the one read (a stale one answers 409)."""

    version = serializers.IntegerField()
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    scores = serializers.DictField(required=False, default=dict)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    votes_for = serializers.IntegerField(required=False, min_value=0, default=0)
    votes_against = serializers.IntegerField(required=False, min_value=0, default=0)
    abstentions = serializers.IntegerField(required=False, min_value=0, default=0)
    decision_number = serializers.CharField(required=False, allow_blank=True, default="")
    quota_override = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)


class EvaluationSummarySerializer(serializers.Serializer[Any]):
    under = serializers.CharField()
    year = serializers.IntegerField()
    of = serializers.CharField()
    round = serializers.IntegerField(allow_null=True)
    excellent = serializers.IntegerField()
    good = serializers.IntegerField()
    completed = serializers.IntegerField()
    not_completed = serializers.IntegerField()
    not_rated = serializers.IntegerField()
    pending = serializers.IntegerField()
    total = serializers.IntegerField()
    good_or_better_percent = serializers.FloatField(allow_null=True, required=False)
    completed_or_better_percent = serializers.FloatField(allow_null=True, required=False)


class ParticipationSerializer(serializers.ModelSerializer[Participation]):
    org: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Participation
        fields = ["id", "org", "phase", "registered_on", "pledge_signed_on", "pledge_document"]


class ProgrammeSerializer(serializers.ModelSerializer[Programme]):
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "owner", "name", "basis", "contents", "start_year", "end_year", "min_points",
                  "required_level"]


class PledgesSerializer(serializers.Serializer[Any]):
    under = serializers.CharField()
    units = serializers.IntegerField()
    registered = serializers.IntegerField()
    pledged = serializers.IntegerField()
