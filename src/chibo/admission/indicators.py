"""The admission procedure's indicators (found by the reports app at start-up, as admin.py is).

Admissions (ceremonies) over a period from the pipeline's records, in total and by source
(students, private enterprises: seed 002's 283 and 1,061), the admission share of the members at
the start of the period against the target, and, as of a date, the people in the procedure and
those whose next act is late."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chibo.reports.registry import (
    AS_OF,
    COUNT,
    PERIOD,
    RATIO,
    Column,
    Indicator,
    Listing,
    Question,
    register,
)

from .models import AdmissionAct
from .selectors import TARGET_KEY, _source_q, acts_on, ceremonies

ACT_COLUMNS = (
    Column(_("Full name"), lambda a: a.applicant.full_name),
    Column(_("Date"), lambda a: a.on),
    Column(_("Act"), lambda a: a.get_step_display()),
    Column(_("Step"), lambda a: a.get_state_display()),
    Column(_("Cell"), lambda a: a.cell.code),
    Column(_("Next act due by"), lambda a: a.due_on or ""),
)


def _ceremonies(q: Question, source: str | None = None) -> QuerySet[AdmissionAct]:
    assert q.start is not None and q.end is not None
    qs = ceremonies(user=q.user, org=q.org, start=q.start, end=q.end)
    if source is not None:
        qs = qs.filter(_source_q(source))
    return qs.select_related("applicant", "cell").order_by("on", "id")


def _admitted(source: str | None) -> Listing:
    return Listing(records=lambda q: _ceremonies(q, source), columns=ACT_COLUMNS, label=_("Admissions"),
                   logged=True)


def _members_at_start() -> Listing:
    from chibo.members.indicators import IN_PARTY_LIST

    return IN_PARTY_LIST


def _admitted_indicator(key: str, source: str | None, name: Any, order: int) -> Indicator:
    return Indicator(
        key=key, name=name, unit=COUNT, kind=PERIOD, app="admission", group="admission", order=order,
        definition=_("Admission ceremonies in the period under the node, from the admission procedure's records."),
        numerator=_admitted(source), tags=("dashboard",) if source is None else (),
    )


def _in_progress(late: bool) -> Listing:
    def records(q: Question) -> QuerySet[AdmissionAct]:
        qs = acts_on(user=q.user, org=q.org, on=q.on)
        if late:
            qs = qs.filter(due_on__lt=q.on)
        return qs.select_related("applicant", "cell").order_by("due_on", "id")

    return Listing(records=records, columns=ACT_COLUMNS, label=_("People in the admission procedure"), logged=True)


register(
    _admitted_indicator("admission.admitted", None, _("Admitted (procedure records)"), 10),
    _admitted_indicator("admission.admitted_students", "students", _("Students admitted (procedure records)"), 11),
    _admitted_indicator("admission.admitted_private", "private_enterprise",
                        _("Admitted in private enterprises (procedure records)"), 12),
    Indicator(
        key="admission.share", name=_("Admission share (procedure records)"), unit=RATIO, kind=PERIOD,
        app="admission", group="admission", order=13, source_rule=TARGET_KEY,
        definition=_("Admission ceremonies in the period as a percentage of the members under the node on its "
                     "first day, against the admission target."),
        numerator=_admitted(None), denominator=_members_at_start(),
    ),
    Indicator(
        key="admission.in_progress", name=_("People in the admission procedure"), unit=COUNT, kind=AS_OF,
        app="admission", group="admission", order=20,
        definition=_("People on a list of outstanding people or in probation on the date, under the node."),
        numerator=_in_progress(False),
    ),
    Indicator(
        key="admission.overdue", name=_("Admission steps overdue"), unit=COUNT, kind=AS_OF,
        app="admission", group="admission", order=21, tags=("dashboard",),
        definition=_("People in the admission procedure whose next act is past its deadline on the date."),
        numerator=_in_progress(True),
    ),
)
