"""Members and transfers by API: scoped by the base viewset, searched and counted through the
selectors. A member's detail is read-logged; sensitive fields are null unless the user may see
them for that member."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chibo.core.api import ScopedReadOnlyViewSet
from chibo.core.audit import read_log
from chibo.core.validtime import today, valid_on_q
from chibo.members import selectors
from chibo.members.choices import (
    ETHNICITY_CHOICES,
    AffiliationKind,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    Status,
    TheoryLevel,
)
from chibo.members.models import Affiliation, Member, Transfer, TransferKind, TransferState
from chibo.members.sensitive import asked_fields, require_sensitive
from chibo.orgs import selectors as org_selectors
from chibo.orgs.models import Organization, OrgVersion

from . import reading
from .serializers import (
    MemberCountsSerializer,
    MemberDetailSerializer,
    MemberListSerializer,
    MemberTreeSerializer,
    TransferSerializer,
)

ATTRIBUTE_FILTERS = ("status", "gender", "ethnicity", "religion", "general_education",
                     "professional_level", "theory_level", "occupation")
PERIOD_FILTERS = ("admitted_from", "admitted_to", "admitted_sector", "left_from", "left_to")


TREE_MAX_NODES = 20_000  # a province has about 4,000 organizations; the nation some 280,000


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


_VERSION_NAMES = OrgVersion.objects.only("id", "org_id", "name", "valid_from")


def _versions_of(field: str) -> Prefetch[Any]:
    return Prefetch(f"{field}__versions", queryset=_VERSION_NAMES)


class MemberFilter(filters.FilterSet):
    """Every filter goes to `selectors.member_search` at once (name, card or identity number;
    affiliation under an organization on a date; attributes)."""

    q = filters.CharFilter(method="_noop", label="Name (diacritics and case ignored), card or identity number")
    under = filters.CharFilter(method="_noop", label="Members affiliated under this organization code")
    as_of = filters.DateFilter(method="_noop", label="Members in a cell on this date (YYYY-MM-DD)")
    status = filters.ChoiceFilter(method="_noop", choices=Status.choices)
    gender = filters.ChoiceFilter(method="_noop", choices=Gender.choices)
    ethnicity = filters.ChoiceFilter(method="_noop", choices=ETHNICITY_CHOICES)
    religion = filters.ChoiceFilter(method="_noop", choices=Religion.choices)
    general_education = filters.ChoiceFilter(method="_noop", choices=GeneralEducation.choices)
    professional_level = filters.ChoiceFilter(method="_noop", choices=ProfessionalLevel.choices)
    theory_level = filters.ChoiceFilter(method="_noop", choices=TheoryLevel.choices)
    occupation = filters.ChoiceFilter(method="_noop", choices=Occupation.choices)
    admitted_from = filters.DateFilter(method="_noop", label="Members admitted (or readmitted) from this date…")
    admitted_to = filters.DateFilter(method="_noop", label="…to this date (inclusive)")
    admitted_sector = filters.ChoiceFilter(method="_noop", choices=Occupation.choices,
                                           label="The sector they had when admitted")
    left_from = filters.DateFilter(method="_noop", label="Members who left the party from this date…")
    left_to = filters.DateFilter(method="_noop", label="…to this date (inclusive)")

    class Meta:
        model = Member
        fields = ["q", "under", "as_of", *ATTRIBUTE_FILTERS, *PERIOD_FILTERS]

    def _noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset

    def filter_queryset(self, queryset: Any) -> Any:
        data = self.form.cleaned_data
        user = self.request.user
        org: Organization | None = None
        if data.get("under"):
            try:
                org = org_selectors.org_get(user=user, code=data["under"])
            except Organization.DoesNotExist:
                return queryset.none()  # unknown and out of scope look the same
        require_sensitive(user, asked_fields(self.data), org=org, on=data.get("as_of"))
        return selectors.member_search(**self.search_arguments(org))

    def search_arguments(self, org: Organization | None) -> dict[str, Any]:
        """The `selectors.member_search` arguments of the filters (the periods checked)."""
        data = self.form.cleaned_data
        periods: dict[str, Any] = {}
        for name in ("admitted", "left"):
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if bool(start) != bool(end):
                raise serializers.ValidationError({f"{name}_from": _("Give both ends of the period.")})
            if start and end:
                if end < start:
                    raise serializers.ValidationError({f"{name}_to": _("The end of the period is before its start.")})
                periods[name] = selectors.Period(start, end)
        if data.get("admitted_sector"):
            if "admitted" not in periods:
                raise serializers.ValidationError({"admitted_from": _("Give the period of admission.")})
            periods["admitted_sector"] = data["admitted_sector"]
        attributes = {f: data[f] for f in ATTRIBUTE_FILTERS if data.get(f)}
        # the selector starts from the same restricted queryset as the base viewset's
        return {"user": self.request.user, "q": data.get("q") or "", "org": org, "on": data.get("as_of"),
                "filters": attributes, **periods}


class MemberViewSet(ScopedReadOnlyViewSet):
    """Party members in your scope. The detail carries the timeline (status events, affiliations,
    transfers) and is logged in the read log; ethnicity, religion and identity number are null
    unless your role may see them for that member."""

    scope_area = "member"
    queryset = Member.objects.all()
    filterset_class = MemberFilter
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self) -> Any:
        return MemberDetailSerializer if self.action == "retrieve" else MemberListSerializer

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("search_key", "id")

    def filter_queryset(self, queryset: Any) -> Any:
        # the search filters are for the list; a detail is looked up by id alone
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cell = (
            Affiliation.objects.filter(member_id=OuterRef("pk"), kind=AffiliationKind.OFFICIAL)
            .filter(valid_on_q(today()))
            .values("org__code")[:1]
        )
        queryset = self.filter_queryset(self.get_queryset()).annotate(current_cell_code=Subquery(cell))
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        # every member the response carries is logged as read, in one insert (G21)
        reading.log_member_reads(actor=request.user, member_ids=[m.pk for m in rows], on=today(), purpose="list")
        context = {**self.get_serializer_context(),
                   "sensitive_ids": reading.sensitive_visible(user=request.user, member_ids=[m.pk for m in rows])}
        data = MemberListSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member: Member = self.get_object()
        selectors.note_in_scope(user=request.user, member=member)  # read through the view scope
        on = today()
        record = selectors.MemberRecord(member, on)
        current = record.current
        read_log(actor=request.user, target=member, org_path=record.org_path(), purpose="view")
        # the rows the record read (in the same order), named from the versions it read
        for transfer in record.transfers:
            transfer.member = member
        for org in record.orgs():
            org.latest_name = record.latest_name(org)  # type: ignore[attr-defined]
        timeline = {"events": record.events, "affiliations": record.affiliations, "transfers": record.transfers}
        context = {
            **self.get_serializer_context(),
            "sensitive_ids": {member.pk} if selectors.may_see_sensitive(user=request.user, member=member) else set(),
            "cell": current.org if current else None,
            "party_age": reading.party_age(record.party_age_days()),
            "timeline": timeline,
        }
        return Response(MemberDetailSerializer(member, context=context).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("under", OpenApiTypes.STR, description="Organization code (default: your whole scope)."),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Members on this date (default today)."),
            OpenApiParameter("by", OpenApiTypes.STR, enum=[*reading.COUNT_FIELDS],
                             description="Group members by this field (default status; sector for admissions)."),
            OpenApiParameter("admitted_from", OpenApiTypes.DATE, description="Count admissions from this date…"),
            OpenApiParameter("admitted_to", OpenApiTypes.DATE, description="…to this date (inclusive)."),
            OpenApiParameter("left_from", OpenApiTypes.DATE, description="Count members who left from this date…"),
            OpenApiParameter("left_to", OpenApiTypes.DATE, description="…to this date (inclusive)."),
        ],
        responses=MemberCountsSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def counts(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members under an organization on a date by a field; or admissions in a period (by the
        sector the person had when admitted); or members who left in a period (by how). The same
        numbers as `chibo members count`."""
        org = _under(request)
        admitted = (_date_param(request, "admitted_from"), _date_param(request, "admitted_to"))
        left = (_date_param(request, "left_from"), _date_param(request, "left_to"))
        as_of = _date_param(request, "as_of")
        by = request.query_params.get("by") or None
        require_sensitive(request.user, asked_fields(request.query_params), org=org, on=as_of)
        if any(admitted) and any(left):
            raise serializers.ValidationError({"left_from": _("Count admissions or departures, not both at once.")})
        if any(admitted) or any(left):
            name = "admitted" if any(admitted) else "left"
            start, end = admitted if any(admitted) else left
            if start is None or end is None:
                raise serializers.ValidationError({f"{name}_from": _("Give both ends of the period.")})
            if end < start:
                raise serializers.ValidationError({f"{name}_to": _("The end of the period is before its start.")})
            if name == "admitted":
                by = by or "sector"
                if by not in reading.ADMISSION_FIELDS:
                    raise serializers.ValidationError({"by": _("Admissions cannot be counted by this field.")})
                report = reading.admissions_count(user=request.user, org=org, start=start, end=end, by=by)
            else:
                report = reading.departures_count(user=request.user, org=org, start=start, end=end)
        else:
            by = by or "status"
            if by not in reading.COUNT_FIELDS:
                raise serializers.ValidationError({"by": _("Members cannot be counted by this field.")})
            report = reading.members_count(user=request.user, org=org, on=as_of or today(), by=by)
        return Response(report)


    @extend_schema(
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=[*selectors.BREAKDOWN_FIELDS], required=True,
                             description="Count the members the list's filters find by this field."),
        ],
        responses=MemberCountsSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def breakdown(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The members the list finds with the same filters (`q`, `under`, `as_of`, attributes,
        `admitted_from`/`admitted_to`/`admitted_sector`, `left_from`/`left_to`), counted by `by`:
        by any field, what the list shows is counted exactly."""
        by = request.query_params.get("by") or ""
        if by not in selectors.BREAKDOWN_FIELDS:
            raise serializers.ValidationError({"by": _("Members cannot be counted by this field.")})
        filterset = MemberFilter(request.query_params, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        org = _under(request)
        arguments = filterset.search_arguments(org)
        require_sensitive(request.user, asked_fields(request.query_params), org=org, on=arguments["on"])
        counts = selectors.member_breakdown(by=by, **arguments)
        keys = reading.count_keys(by) if by != "status" else [str(s) for s in Status.values]
        head = {"under": org.code if org else None, "by": by}
        if arguments["on"]:
            head["as_of"] = arguments["on"].isoformat()
        for name in PERIOD_FILTERS[:2] + PERIOD_FILTERS[3:]:
            if filterset.form.cleaned_data.get(name):
                head[name] = filterset.form.cleaned_data[name].isoformat()
        return Response({**head, "counts": reading.stable(counts, keys), "total": sum(counts.values())})

    @extend_schema(
        parameters=[
            OpenApiParameter("under", OpenApiTypes.STR, required=True, description="Organization code."),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="The tree and its members on this date (default today)."),
            OpenApiParameter("depth", OpenApiTypes.INT, description="Levels below `under` (default all)."),
        ],
        responses=MemberTreeSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def tree(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """An organization's subtree on a date with the members (probationary, official, exempt)
        under each node: three queries whatever its size."""
        for name in ("admitted_from", "admitted_to", "left_from", "left_to"):
            _date_param(request, name)  # the list's filters do not apply here, but a bad date is refused
        org = _under(request)
        if org is None:
            raise serializers.ValidationError({"under": _("Give the code of an organization.")})
        raw_depth = request.query_params.get("depth")
        depth: int | None = None
        if raw_depth:
            if not raw_depth.isdigit() or int(raw_depth) > 20:
                raise serializers.ValidationError({"depth": _("Give a number of levels from 0 to 20.")})
            depth = int(raw_depth)
        on = _date_param(request, "as_of") or today()
        try:
            tree = selectors.tree_with_counts(user=request.user, org=org, on=on, depth=depth, max_nodes=TREE_MAX_NODES)
        except selectors.TooManyNodes as exc:
            raise serializers.ValidationError({"depth": _(
                "This tree has %(nodes)s organizations, more than %(max)s: give a smaller depth."
            ) % {"nodes": f"{exc.nodes:,}", "max": f"{TREE_MAX_NODES:,}"}}) from exc
        return Response({"under": org.code, "as_of": on, "depth": depth, "tree": tree})


class TransferFilter(filters.FilterSet):
    overdue = filters.BooleanFilter(method="_noop", label="Only transfers whose letter was not presented in time")
    as_of = filters.DateFilter(method="_noop", label="Date overdue is judged on (default today)")
    state = filters.ChoiceFilter(choices=TransferState.choices)
    kind = filters.ChoiceFilter(choices=TransferKind.choices)
    member = filters.NumberFilter(field_name="member_id")

    class Meta:
        model = Transfer
        fields = ["overdue", "as_of", "state", "kind", "member"]

    def _noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("overdue"):
            on = self.form.cleaned_data.get("as_of") or today()
            overdue = selectors.overdue_transfers(user=self.request.user, on=on)
            queryset = queryset.filter(pk__in=overdue.values("pk"))
        return queryset


class TransferViewSet(ScopedReadOnlyViewSet):
    """Transfers from or to a cell in your scope, newest first; `?overdue=1` lists official
    transfers whose letter was not presented by its deadline (as of `as_of`)."""

    scope_area = "member"
    queryset = Transfer.objects.select_related("member", "from_org", "to_org", "issued_by").prefetch_related(
        _versions_of("from_org"), _versions_of("to_org"), _versions_of("issued_by")
    ).order_by("-requested_on", "-id")
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    lookup_value_regex = r"[0-9]+"
