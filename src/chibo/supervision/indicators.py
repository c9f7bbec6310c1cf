"""The indicators of supervision and dialogue (found by the reports app at start-up).

Dialogue programmes, their proposals and key tasks (seed 004: one programme on 3–4 Aug 2023,
six key tasks) are counted under the node *including the node itself* (a provincial committee
hosts its own programme), scoped by `report.view`: they hold no personal data. Letters are
counted through `letter.view` (the bodies that handle them); their listings show the reference,
the handling body and the state, never the sender or the content.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from chibo.reports.registry import (
    AS_OF,
    COUNT,
    PERIOD,
    SHARE,
    Column,
    Indicator,
    Listing,
    Question,
    register,
)

from .models import HANDLED_STATES, OPEN_STATES, KeyTask, Letter, Programme, Proposal, ProposalState
from .selectors import VIEW, _subtree_org_ids

REPORT = "report.view"


def _under(qs: QuerySet[Any], q: Question, field: str) -> QuerySet[Any]:
    if q.org is not None:
        qs = qs.filter(**{f"{field}__in": _subtree_org_ids(q.org)})
    return qs


def _period(q: Question) -> tuple[dt.date, dt.date]:
    assert q.start is not None and q.end is not None
    return q.start, q.end


def programmes(q: Question) -> QuerySet[Programme]:
    start, end = _period(q)
    qs = Programme.objects.restrict(q.user, REPORT).filter(starts_on__gte=start, starts_on__lte=end)
    return _under(qs, q, "org_id").select_related("org").order_by("starts_on", "id")


def key_tasks(q: Question) -> QuerySet[KeyTask]:
    start, end = _period(q)
    qs = KeyTask.objects.restrict(q.user, REPORT).filter(conclusion__issued_on__gte=start,
                                                          conclusion__issued_on__lte=end)
    return _under(qs, q, "conclusion__programme__org_id").select_related("conclusion", "agency").order_by(
        "conclusion_id", "position")


def proposals(q: Question) -> QuerySet[Proposal]:
    start, end = _period(q)
    qs = Proposal.objects.restrict(q.user, REPORT).filter(assigned_on__gte=start, assigned_on__lte=end)
    return _under(qs, q, "programme__org_id").select_related("agency").order_by("programme_id", "number")


def letters_received(q: Question) -> QuerySet[Letter]:
    start, end = _period(q)
    qs = Letter.objects.restrict(q.user, VIEW).filter(received_on__gte=start, received_on__lte=end)
    return _under(qs, q, "handler_id").select_related("handler").order_by("received_on", "id")


def letters_handled(q: Question) -> QuerySet[Letter]:
    return letters_received(q).filter(state__in=HANDLED_STATES)


def letters_overdue(q: Question) -> QuerySet[Letter]:
    on = q.on
    qs = Letter.objects.restrict(q.user, VIEW).filter(state__in=OPEN_STATES)
    qs = qs.filter(Q(extended_until__isnull=True, deadline__lt=on) | Q(extended_until__lt=on))
    return _under(qs, q, "handler_id").select_related("handler").order_by("deadline", "id")


PROGRAMME_COLUMNS = (
    Column(_("Title"), lambda p: p.title),
    Column(_("Host"), lambda p: p.org.code),
    Column(_("From"), lambda p: p.starts_on),
    Column(_("To"), lambda p: p.ends_on),
)
TASK_COLUMNS = (
    Column(_("Conclusion"), lambda t: t.conclusion.number),
    Column(_("Task"), lambda t: t.title),
    Column(_("In charge"), lambda t: t.agency.name if t.agency_id else ""),
    Column(_("Done on"), lambda t: t.done_on or ""),
)
PROPOSAL_COLUMNS = (
    Column(_("Topic"), lambda p: p.topic),
    Column(_("Assigned to"), lambda p: p.agency.name),
    Column(_("Answer due"), lambda p: p.due_on),
    Column(_("Answered on"), lambda p: p.answered_on or ""),
)
LETTER_COLUMNS = (
    Column(_("Reference"), lambda x: x.reference),
    Column(_("Handled by"), lambda x: x.handler.code),
    Column(_("State"), lambda x: x.get_state_display()),
    Column(_("Deadline"), lambda x: x.extended_until or x.deadline or ""),
)

PROPOSALS = Listing(records=proposals, columns=PROPOSAL_COLUMNS, label=_("Proposals"))
HANDLED = Listing(records=letters_handled, columns=LETTER_COLUMNS, label=_("Letters handled"))

register(
    Indicator(
        key="supervision.dialogue_programs", name=_("Dialogue programmes"), unit=COUNT, kind=PERIOD,
        app="supervision", group="supervision", order=10,
        definition=_("Meeting and dialogue programmes hosted by the node or under it that began in the period."),
        numerator=Listing(records=programmes, columns=PROGRAMME_COLUMNS, label=_("Programmes")),
    ),
    Indicator(
        key="supervision.dialogue_key_tasks", name=_("Key tasks of dialogue conclusions"), unit=COUNT, kind=PERIOD,
        app="supervision", group="supervision", order=11,
        definition=_("Key tasks set by the conclusions of dialogue programmes issued in the period."),
        numerator=Listing(records=key_tasks, columns=TASK_COLUMNS, label=_("Key tasks")),
    ),
    Indicator(
        key="supervision.proposals", name=_("Proposals assigned"), unit=COUNT, kind=PERIOD,
        app="supervision", group="supervision", order=12,
        definition=_("Proposals from dialogue programmes assigned to an agency in the period."),
        numerator=PROPOSALS,
    ),
    Indicator(
        key="supervision.proposals_answered_on_time", name=_("Proposals answered on time"), unit=SHARE,
        kind=PERIOD, app="supervision", group="supervision", order=13,
        definition=_("Proposals assigned in the period that were answered by their deadline, as a share of all "
                     "proposals assigned in the period."),
        numerator=Listing(
            records=lambda q: proposals(q).filter(state=ProposalState.ANSWERED, answered_on__lte=F("due_on")),
            columns=PROPOSAL_COLUMNS, label=_("Answered on time")),
        denominator=PROPOSALS,
    ),
    Indicator(
        key="supervision.letters_received", name=_("Letters received"), unit=COUNT, kind=PERIOD,
        app="supervision", group="supervision", order=20,
        definition=_("Denunciations, complaints, feedback and petitions received in the period by the bodies "
                     "under the node."),
        numerator=Listing(records=letters_received, columns=LETTER_COLUMNS, label=_("Letters")),
    ),
    Indicator(
        key="supervision.letters_on_time", name=_("Letters concluded on time"), unit=SHARE, kind=PERIOD,
        app="supervision", group="supervision", order=21,
        definition=_("Letters received in the period and concluded by their (extended) deadline, as a share of "
                     "those concluded."),
        numerator=Listing(
            records=lambda q: letters_handled(q).filter(
                Q(extended_until__isnull=True, concluded_on__lte=F("deadline"))
                | Q(concluded_on__lte=F("extended_until"))),
            columns=LETTER_COLUMNS, label=_("On time")),
        denominator=HANDLED,
    ),
    Indicator(
        key="supervision.letters_overdue", name=_("Letters overdue"), unit=COUNT, kind=AS_OF,
        app="supervision", group="supervision", order=22,
        definition=_("Letters being handled under the node whose (extended) deadline had passed on the date."),
        numerator=Listing(records=letters_overdue, columns=LETTER_COLUMNS, label=_("Overdue")),
    ),
)
