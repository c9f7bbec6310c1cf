"""Letters and dialogue programmes by API: read-only, scoped by the base viewset (`letter.view`,
`dialogue.view`). The sender has its own endpoint (`letter-senders/<letter>/?purpose=…`), scoped
for `letter.view_sender` and read-logged; no other response holds it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedReadOnlyViewSet, db_int, query_flag
from chibo.core.datefields import check_date
from chibo.core.validtime import today
from chibo.orgs.models import Organization
from chibo.supervision import selectors
from chibo.supervision.models import KeyTask, Letter, LetterSender, Programme, Proposal

from .serializers import (
    DialogueAgencyReportSerializer,
    DialogueKeyTaskSerializer,
    DialogueProgrammeSerializer,
    DialogueProposalSerializer,
    LetterDetailSerializer,
    LetterSenderSerializer,
    LetterSerializer,
    LetterSummarySerializer,
)

UNDER = OpenApiParameter("under", OpenApiTypes.STR, description="Organization code")


def _date(request: Request, name: str, default: dt.date) -> dt.date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return check_date(dt.date.fromisoformat(raw))
    except (ValueError, DjangoValidationError) as exc:
        raise serializers.ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from exc


def _under(request: Request) -> Organization | None:
    code = request.query_params.get("under")
    if not code:
        return None
    org = Organization.objects.restrict(request.user, "org.view").filter(code=code).first()
    if org is None:
        org = Organization.objects.restrict(request.user, "report.view").filter(code=code).first()
    if org is None:
        raise Http404
    return org


class LetterViewSet(ScopedReadOnlyViewSet):
    scope_area = "letter"
    queryset = Letter.objects.select_related("handler", "received_by", "subject_org")
    serializer_class = LetterSerializer

    def get_serializer_class(self) -> Any:
        return LetterDetailSerializer if self.action == "retrieve" else LetterSerializer

    @extend_schema(parameters=[UNDER, OpenApiParameter("state", OpenApiTypes.STR),
                               OpenApiParameter("overdue", OpenApiTypes.BOOL)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list":
            org = _under(self.request)
            if org is not None:
                qs = qs.filter(pk__in=selectors.letters_under(user=self.request.user, org=org).values("pk"))
            state = self.request.query_params.get("state")
            if state:
                qs = qs.filter(state=state)
            if query_flag(self.request, "overdue"):
                qs = qs.filter(pk__in=selectors.overdue_letters(user=self.request.user, org=org,
                                                                on=today()).values("pk"))
        return qs.order_by("-competent_received_on", "-id")

    @extend_schema(parameters=[UNDER, OpenApiParameter("from", OpenApiTypes.DATE),
                               OpenApiParameter("to", OpenApiTypes.DATE)], responses=LetterSummarySerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request: Request) -> Response:
        """Letters received under the node in the period: received, handled, on time, overdue,
        not handled by reason (the same as `chibo supervision summary`)."""
        end = _date(request, "to", today())
        start = _date(request, "from", dt.date(end.year, 1, 1))
        return Response(selectors.letter_summary(user=request.user, org=_under(request), start=start, end=end))


class LetterSenderViewSet(ScopedReadOnlyViewSet):
    """Who sent a letter: the inspection role over the handling body only; `purpose` required;
    every read is in the read log."""

    scope_area = "letter"
    queryset = LetterSender.objects.all()
    serializer_class = LetterSenderSerializer
    lookup_field = "letter"

    def scope_action(self) -> str:
        return selectors.SENDER

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise Http404

    @extend_schema(parameters=[OpenApiParameter("purpose", OpenApiTypes.STR, required=True)],
                   responses=LetterSenderSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = self.get_object()
        purpose = (request.query_params.get("purpose") or "").strip()
        if not purpose:
            raise serializers.ValidationError({"purpose": _("Say why you read the sender's identity.")})
        letter = Letter.objects.get(pk=row.letter_id)
        try:
            sender = selectors.letter_sender(user=request.user, letter=letter, purpose=purpose)
        except Letter.DoesNotExist as exc:
            raise Http404 from exc
        response = Response({"letter": letter.pk, "name": sender.name, "address": sender.address,
                             "contact": sender.contact, "scans": len(sender.scans)})
        response["Cache-Control"] = "no-store"
        return response


class ProgrammeViewSet(ScopedReadOnlyViewSet):
    scope_area = "dialogue"
    queryset = Programme.objects.select_related("org")
    serializer_class = DialogueProgrammeSerializer

    @extend_schema(responses=DialogueAgencyReportSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def report(self, request: Request, pk: str | None = None) -> Response:
        """Per agency: assigned, answered on time, answered late, open, overdue today."""
        programme = self.get_object()
        return Response(selectors.programme_report(user=request.user, programme=programme, on=today()))

    @extend_schema(parameters=[UNDER, OpenApiParameter("year", {"type": "integer", "minimum": 1930, "maximum": 2200})],
                   responses=DialogueAgencyReportSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def annual(self, request: Request) -> Response:
        """The annual report per agency of the programmes held under the node in the year."""
        try:
            year = int(request.query_params.get("year") or today().year)
        except ValueError as exc:
            raise serializers.ValidationError({"year": _("Enter a year.")}) from exc
        if not 1930 <= year <= 2200:
            raise serializers.ValidationError({"year": _("Enter a year.")})
        return Response(selectors.annual_report(user=request.user, org=_under(request), year=year, on=today()))

    @extend_schema(responses=DialogueKeyTaskSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, url_path="key-tasks")
    def key_tasks(self, request: Request, pk: str | None = None) -> Response:
        programme = self.get_object()
        tasks = KeyTask.objects.filter(conclusion__programme=programme).order_by("conclusion_id", "position")
        return Response(DialogueKeyTaskSerializer(tasks, many=True).data)


class ProposalViewSet(ScopedReadOnlyViewSet):
    scope_area = "dialogue"
    queryset = Proposal.objects.select_related("agency", "commune")
    serializer_class = DialogueProposalSerializer

    @extend_schema(parameters=[OpenApiParameter("programme", OpenApiTypes.INT),
                               OpenApiParameter("state", OpenApiTypes.STR)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list":
            raw = self.request.query_params.get("programme")
            if raw:
                try:
                    qs = qs.filter(programme_id=db_int(raw))
                except ValueError as exc:
                    raise serializers.ValidationError({"programme": _("Enter a number.")}) from exc
            if self.request.query_params.get("state"):
                qs = qs.filter(state=self.request.query_params["state"])
        return qs.order_by("programme_id", "number")
