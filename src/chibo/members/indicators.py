"""The member register's indicators (found by the reports app at start-up, as admin.py is).

Members in party under a node on a date (total, by status, women, ethnic minorities),
admissions over a period (total, students, private enterprises), departures, and the yearly
admission rate measured against the rulebook's target. Counts go through this app's selectors
(`member_counts`, `admissions_count`, `departures_count`); the records behind them are built here
from the same parts, and the property tests check both agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chibo.core.validtime import valid_on_q
from chibo.reports.registry import (
    AS_OF,
    COUNT,
    PERIOD,
    RATIO,
    SHARE,
    Column,
    Indicator,
    Listing,
    Question,
    cached,
    register,
)

from .choices import IN_PARTY, AffiliationKind, EventType, Gender, Occupation, Status
from .models import Affiliation, Member, MemberEvent, StatusPeriod
from .selectors import (
    LEAVE_TYPES,
    SENSITIVE,
    VIEW,
    _cells_under_on,
    _events_under,
    admissions_count,
    departures_count,
    member_counts,
    tree_with_counts,
)

KINH = "01"
ADMISSION_TYPES = (EventType.ADMITTED, EventType.READMITTED)
LEFT_TYPES = tuple(t for t in LEAVE_TYPES if t != EventType.DECEASED)
TARGET_KEY = "admission.target_percent_of_members"

MEMBER_COLUMNS = (
    Column(_("Full name"), lambda m: m.full_name),
    Column(_("Date of birth"), lambda m: m.birth_date),
    Column(_("Gender"), lambda m: m.get_gender_display()),
    Column(_("Current status"), lambda m: m.get_status_display()),
    Column(_("Party card number"), lambda m: m.card_number or ""),
)
EVENT_COLUMNS = (
    Column(_("Full name"), lambda e: e.member.full_name),
    Column(_("Date"), lambda e: e.on),
    Column(_("Event"), lambda e: e.get_type_display()),
    Column(
        _("Occupation sector then"), lambda e: e.get_occupation_display() if e.occupation else ""
    ),
    Column(_("Cell"), lambda e: e.org.code if e.org_id else ""),
    Column(_("Decision"), lambda e: e.decision_no),
)


def members_on(
    q: Question, *, statuses: Iterable[str] = IN_PARTY, action: str = VIEW
) -> QuerySet[Member]:
    """Members officially affiliated under the node on the date, in the user's scope, with a
    status among `statuses` on that date."""
    on = q.on
    cells = _cells_under_on(q.org, on).values("org_id")
    affiliations = (
        Affiliation.objects.restrict(q.user, VIEW)
        .filter(kind=AffiliationKind.OFFICIAL, org_id__in=cells)
        .filter(valid_on_q(on))
    )
    periods = StatusPeriod.objects.filter(valid_on_q(on), status__in=list(statuses))
    qs = Member.objects.filter(pk__in=affiliations.values("member_id")).filter(
        pk__in=periods.values("member_id")
    )
    if action != VIEW:
        qs = qs.filter(pk__in=Member.objects.restrict(q.user, action).values("pk"))
    return qs.order_by("search_key", "id")


def _status_count(statuses: Iterable[str]) -> Any:
    keys = [str(s) for s in statuses]

    def count(q: Question) -> int:
        counts = cached(
            ("members.by_status", *q.key, q.on),
            lambda: member_counts(user=q.user, org=q.org, on=q.on, by="status"),
        )
        return sum(n for k, n in counts.items() if k in keys)

    return count


def members_by_child(q: Question) -> dict[str, int]:
    """Members in party under each organization directly under the node (one grouped query)."""
    if q.org is None:
        return {}
    tops = tree_with_counts(user=q.user, org=q.org, on=q.on, depth=1)
    return {child["code"]: child["members"] for top in tops for child in top["children"]}


def events(
    q: Question, types: Iterable[str], occupation: str | None = None
) -> QuerySet[MemberEvent]:
    assert q.start is not None and q.end is not None
    qs = _events_under(q.org, types, q.start, q.end, q.user)
    if occupation is not None:
        qs = qs.filter(occupation=occupation)
    return qs.select_related("member", "org").order_by("on", "id")


def _admitted_count(occupation: str | None) -> Any:
    def count(q: Question) -> int:
        assert q.start is not None and q.end is not None
        by = admissions_count(user=q.user, org=q.org, start=q.start, end=q.end, by="sector")
        return by.get(occupation, 0) if occupation is not None else sum(by.values())

    return count


def _left_count(types: Iterable[str]) -> Any:
    keys = [str(t) for t in types]

    def count(q: Question) -> int:
        assert q.start is not None and q.end is not None
        by = departures_count(user=q.user, org=q.org, start=q.start, end=q.end)
        return sum(n for k, n in by.items() if k in keys)

    return count


IN_PARTY_LIST = Listing(
    records=members_on,
    columns=MEMBER_COLUMNS,
    count=_status_count(IN_PARTY),
    label=_("Members"),
    logged=True,
)
ADMITTED_LIST = Listing(
    records=lambda q: events(q, ADMISSION_TYPES),
    columns=EVENT_COLUMNS,
    count=_admitted_count(None),
    label=_("Admissions"),
    logged=True,
)


def _status_indicator(key: str, status: str, name: Any, order: int) -> Indicator:
    return Indicator(
        key=key,
        name=name,
        unit=COUNT,
        kind=AS_OF,
        app="members",
        group="members",
        order=order,
        definition=_("Members with this status on the date, officially affiliated under the node."),
        numerator=Listing(
            records=lambda q: members_on(q, statuses=[status]),
            columns=MEMBER_COLUMNS,
            count=_status_count([status]),
            label=_("Members"),
            logged=True,
        ),
    )


def _admitted_indicator(key: str, occupation: str, name: Any, order: int) -> Indicator:
    return Indicator(
        key=key,
        name=name,
        unit=COUNT,
        kind=PERIOD,
        app="members",
        group="admissions",
        order=order,
        definition=_(
            "Admissions and readmissions in the period under the node, of people in this sector "
            "when admitted."
        ),
        numerator=Listing(
            records=lambda q: events(q, ADMISSION_TYPES, occupation),
            columns=EVENT_COLUMNS,
            count=_admitted_count(occupation),
            label=_("Admissions"),
            logged=True,
        ),
    )


register(
    Indicator(
        key="members.total",
        name=_("Party members"),
        unit=COUNT,
        kind=AS_OF,
        app="members",
        group="members",
        order=10,
        tags=("dashboard", "trend"),
        definition=_(
            "Probationary, official and exempt members officially affiliated under the node on the date."
        ),
        numerator=IN_PARTY_LIST,
        by_child=members_by_child,
    ),
    _status_indicator("members.probationary", Status.PROBATIONARY, _("Probationary members"), 11),
    _status_indicator("members.official", Status.OFFICIAL, _("Official members"), 12),
    _status_indicator("members.exempt", Status.EXEMPT, _("Members exempt from party work"), 13),
    Indicator(
        key="members.women",
        name=_("Women among members"),
        unit=SHARE,
        kind=AS_OF,
        app="members",
        group="members",
        order=20,
        tags=("dashboard",),
        definition=_("Women as a share of the members under the node on the date."),
        numerator=Listing(
            records=lambda q: members_on(q).filter(gender=Gender.FEMALE),
            columns=MEMBER_COLUMNS,
            label=_("Women"),
            logged=True,
        ),
        denominator=IN_PARTY_LIST,
    ),
    Indicator(
        key="members.ethnic_minority",
        name=_("Ethnic minorities among members"),
        unit=SHARE,
        kind=AS_OF,
        app="members",
        group="members",
        order=21,
        tags=("dashboard",),
        definition=_(
            "Members of an ethnic group other than Kinh as a share of the members under the node on the "
            "date (counted only where the user may see ethnicity)."
        ),
        numerator=Listing(
            records=lambda q: members_on(q, action=SENSITIVE).exclude(ethnicity=KINH),
            columns=MEMBER_COLUMNS,
            label=_("Ethnic minorities"),
            logged=True,
        ),
        denominator=Listing(
            records=lambda q: members_on(q, action=SENSITIVE),
            columns=MEMBER_COLUMNS,
            label=_("Members"),
            logged=True,
        ),
    ),
    Indicator(
        key="members.admitted",
        name=_("Admissions"),
        unit=COUNT,
        kind=PERIOD,
        app="members",
        group="admissions",
        order=30,
        tags=("dashboard",),
        definition=_(
            "Admissions and readmissions (as probationary members) under the node in the period."
        ),
        numerator=ADMITTED_LIST,
    ),
    _admitted_indicator(
        "members.admitted_students", Occupation.STUDENT, _("Students admitted"), 31
    ),
    _admitted_indicator(
        "members.admitted_private",
        Occupation.PRIVATE_ENTERPRISE,
        _("Admissions in private enterprises"),
        32,
    ),
    Indicator(
        key="members.admission_rate",
        name=_("Admission rate"),
        unit=RATIO,
        kind=PERIOD,
        app="members",
        group="admissions",
        order=33,
        source_rule=TARGET_KEY,
        tags=("dashboard",),
        definition=_(
            "Admissions in the period as a percentage of the members under the node on its first day, "
            "against the admission target of the rulebook."
        ),
        numerator=ADMITTED_LIST,
        denominator=IN_PARTY_LIST,
    ),
    Indicator(
        key="members.left",
        name=_("Members who left the party"),
        unit=COUNT,
        kind=PERIOD,
        app="members",
        group="departures",
        order=40,
        tags=("dashboard",),
        definition=_(
            "Members expelled, removed from the party roll or allowed to withdraw, under the node in "
            "the period."
        ),
        numerator=Listing(
            records=lambda q: events(q, LEFT_TYPES),
            columns=EVENT_COLUMNS,
            count=_left_count(LEFT_TYPES),
            label=_("Departures"),
            logged=True,
        ),
    ),
    Indicator(
        key="members.deceased",
        name=_("Members deceased"),
        unit=COUNT,
        kind=PERIOD,
        app="members",
        group="departures",
        order=41,
        definition=_("Members who died, under the node in the period."),
        numerator=Listing(
            records=lambda q: events(q, (EventType.DECEASED,)),
            columns=EVENT_COLUMNS,
            count=_left_count((EventType.DECEASED,)),
            label=_("Departures"),
            logged=True,
        ),
    ),
)
