"""Serializers of the meetings API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chibo.meetings.models import AgendaItem, Attendance, Meeting, Minutes, Resolution, Task, Vote


class AgendaItemSerializer(serializers.ModelSerializer[AgendaItem]):
    class Meta:
        model = AgendaItem
        fields = ["position", "title"]


class MinutesSerializer(serializers.ModelSerializer[Minutes]):
    class Meta:
        model = Minutes
        fields = ["opening", "report", "communications", "discussion", "conclusion", "adopted_at"]


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    org: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    attendance_rate = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Meeting
        fields = ["id", "org", "kind", "title", "place", "scheduled_at", "combined", "notice_sent_at", "status",
                  "held_at", "duration_minutes", "chair", "clerk", "self_score", "base_count", "present_count",
                  "unexcused_count", "longest_absence_run", "met_criteria", "attendance_rate"]
        read_only_fields = fields


class MeetingDetailSerializer(MeetingSerializer):
    agenda = AgendaItemSerializer(many=True, read_only=True)
    minutes = MinutesSerializer(read_only=True, allow_null=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda", "minutes"]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer[Attendance]):
    class Meta:
        model = Attendance
        fields = ["id", "meeting", "member", "status", "reason"]
        read_only_fields = fields


class VoteSerializer(serializers.ModelSerializer[Vote]):
    class Meta:
        model = Vote
        fields = ["id", "meeting", "question", "subject", "official_members", "official_present", "votes_for",
                  "votes_against", "abstentions", "rule_key", "threshold", "passed"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer[Task]):
    class Meta:
        model = Task
        fields = ["id", "resolution", "title", "owner", "due_date", "done_date"]
        read_only_fields = fields


class ResolutionSerializer(serializers.ModelSerializer[Resolution]):
    org: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta:
        model = Resolution
        fields = ["id", "org", "meeting", "vote", "number", "adopted_on", "title", "text", "tasks"]
        read_only_fields = fields


class QualityFiguresSerializer(serializers.Serializer[Any]):
    due = serializers.IntegerField()
    held = serializers.IntegerField()
    missed = serializers.IntegerField()
    met_criteria = serializers.IntegerField()
    attendance_rate = serializers.FloatField(allow_null=True, help_text="percent")
    tasks_done_on_time = serializers.IntegerField()
    tasks_overdue = serializers.IntegerField()


class QualityUnitSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    figures = QualityFiguresSerializer()


class QualitySerializer(serializers.Serializer[Any]):
    under = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    total = QualityFiguresSerializer()
    units = QualityUnitSerializer(many=True)
