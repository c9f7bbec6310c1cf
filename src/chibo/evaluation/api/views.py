"""Rounds, criteria sets, assessments (with the steps as actions) and the emulation programmes by
API, scoped by the base viewset (`org.view` to read, `org.change` to write). A step names the
`version` it read: a stale one answers 409 with the record as it is now."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedReadOnlyViewSet, db_int
from chibo.evaluation import selectors, services
from chibo.evaluation.models import Assessment, CriteriaSet, Programme, Round, State
from chibo.evaluation.services import StaleWrite
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization

from .serializers import (
    AssessmentSerializer,
    CriteriaSetCreateSerializer,
    CriteriaSetSerializer,
    EvaluationSummarySerializer,
    PledgesSerializer,
    ProgrammeSerializer,
    RoundOpenSerializer,
    RoundSerializer,
    StepSerializer,
)


def _org(request: Request, code: str | None) -> Organization:
    if not code:
        raise serializers.ValidationError({"under": _("Give the organization's code.")})
    try:
        return org_selectors.org_get(user=request.user, code=code)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


def _invalid(exc: ValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class CriteriaSetViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = CriteriaSet.objects.select_related("owner").order_by("owner_id", "audience", "-version")
    serializer_class = CriteriaSetSerializer

    @extend_schema(request=CriteriaSetCreateSerializer, responses=CriteriaSetSerializer)
    def create(self, request: Request) -> Response:
        s = CriteriaSetCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        owner = _org(request, s.validated_data.pop("owner"))
        if not selectors.may(request.user, owner.pk):
            raise Http404
        try:
            cs = services.criteria_set_publish(actor=request.user, owner=owner, **s.validated_data)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        return Response(CriteriaSetSerializer(cs).data, status=status.HTTP_201_CREATED)


class RoundViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = Round.objects.select_related("org").order_by("-opened_on", "-id")
    serializer_class = RoundSerializer

    @extend_schema(request=RoundOpenSerializer, responses=RoundSerializer)
    def create(self, request: Request) -> Response:
        """Open a round over an organization's subtree."""
        s = RoundOpenSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        org = _org(request, s.validated_data.pop("org"))
        try:
            rnd = services.round_open(actor=request.user, org=org, **s.validated_data)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        return Response(RoundSerializer(rnd).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("under", OpenApiTypes.STR, required=True),
                    OpenApiParameter("year", OpenApiTypes.INT, required=True),
                    OpenApiParameter("of", OpenApiTypes.STR, enum=list(selectors.OF))],
        responses=EvaluationSummarySerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request: Request) -> Response:
        """The distribution of levels under a node in that year's round (the tree as it stood)."""
        org = _org(request, request.query_params.get("under"))
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError as exc:
            raise serializers.ValidationError({"year": _("Give the year.")}) from exc
        of = request.query_params.get("of", "members")
        if of not in selectors.OF:
            raise serializers.ValidationError({"of": _("Choose members, organizations or secretaries.")})
        data = selectors.summary(user=request.user, org=org, year=year, of=of)
        return Response(EvaluationSummarySerializer({**data, "under": org.code, "year": year, "of": of}).data)


class AssessmentViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = Assessment.objects.select_related("org", "round").order_by("round_id", "path", "id")
    serializer_class = AssessmentSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list":
            rnd = self.request.query_params.get("round")
            if rnd:
                try:
                    qs = qs.filter(round_id=db_int(rnd))
                except ValueError as exc:
                    raise serializers.ValidationError({"round": _("Give the round's number.")}) from exc
            code = self.request.query_params.get("org")
            if code:
                qs = qs.filter(org__code=code)
            state = self.request.query_params.get("state")
            if state:
                if state not in State.values:
                    raise serializers.ValidationError(
                        {"state": _("Unknown state: give one of %(states)s.") % {"states": ", ".join(State.values)}})
                qs = qs.filter(state=state)
        return qs

    @extend_schema(parameters=[OpenApiParameter("round", OpenApiTypes.INT), OpenApiParameter("org", OpenApiTypes.STR),
                               OpenApiParameter("state", OpenApiTypes.STR, enum=State.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])] if isinstance(response.data, dict) else []
        selectors.log_reads(user=request.user, rows=list(Assessment.objects.filter(pk__in=ids)), purpose="api")
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        a = self.get_object()
        selectors.log_reads(user=request.user, rows=[a], purpose="api")
        return Response(AssessmentSerializer(a).data)

    def _step(self, request: Request, run: Any) -> Response:
        a = self.get_object()
        s = StepSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        try:
            run(a, d)
        except StaleWrite as exc:
            return Response({"detail": _("The record changed since you read it."), "current": exc.current},
                            status=status.HTTP_409_CONFLICT)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        return Response(AssessmentSerializer(Assessment.objects.get(pk=a.pk)).data)

    @extend_schema(request=StepSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"], url_path="self-assess")
    def self_assess(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, lambda a, d: services.assessment_self_assess(
            actor=request.user, assessment=a, version=d["version"], scores=d["scores"], level=d.get("level", ""),
            comment=d["comment"], on=d["on"]))

    @extend_schema(request=StepSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, lambda a, d: services.assessment_propose(
            actor=request.user, assessment=a, version=d["version"], level=d.get("level", ""),
            votes_for=d["votes_for"], votes_against=d["votes_against"], abstentions=d["abstentions"],
            comment=d["comment"], on=d["on"]))

    @extend_schema(request=StepSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def appraise(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, lambda a, d: services.assessment_appraise(
            actor=request.user, assessment=a, version=d["version"], level=d.get("level", ""), note=d["comment"],
            on=d["on"]))

    @extend_schema(request=StepSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, lambda a, d: services.assessment_decide(
            actor=request.user, assessment=a, version=d["version"], level=d.get("level", ""),
            decision_number=d["decision_number"], on=d["on"], quota_override=d["quota_override"]))

    @extend_schema(request=StepSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, lambda a, d: services.assessment_reopen(
            actor=request.user, assessment=a, version=d["version"], reason=d["reason"]))


class ProgrammeViewSet(ScopedReadOnlyViewSet):
    scope_area = "org"
    queryset = Programme.objects.select_related("owner").order_by("-start_year", "id")
    serializer_class = ProgrammeSerializer

    @extend_schema(parameters=[OpenApiParameter("under", OpenApiTypes.STR)], responses=PledgesSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def pledges(self, request: Request, pk: str | None = None) -> Response:
        """Units registered and pledged under a node: "10 of 10 cells of Cẩm Vịnh pledged"."""
        prog = self.get_object()
        code = request.query_params.get("under")
        under = _org(request, code) if code else None
        p = selectors.pledges(user=request.user, programme=prog, under=under)
        return Response(PledgesSerializer({"under": (under or prog.owner).code, **p}).data)


