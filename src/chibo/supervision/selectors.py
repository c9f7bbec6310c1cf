"""Every read of the supervision app, scoped by `restrict(user, action)`.

Letters: `letter.view` (the handling body's secretary or inspection staff, and above); the sender
only through `letter_sender()`, which needs `letter.view_sender` over the handling body, asks for
a purpose and writes the read log (G20, G21). Dialogue: `dialogue.view`. The public page reads a
published programme by its public key and returns no personal data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet

from chibo.core.audit import audit_log, read_log
from chibo.core.paths import subtree_q
from chibo.core.scoping import resolve_scope
from chibo.orgs.models import Organization, OrgVersion

from . import secrecy
from .models import (
    HANDLED_STATES,
    OPEN_STATES,
    Agency,
    Conclusion,
    KeyTask,
    Letter,
    LetterScan,
    LetterSender,
    LetterState,
    LetterTransition,
    NotHandledReason,
    Programme,
    Proposal,
    ProposalState,
)
from .services import org_path

VIEW, CHANGE, SENDER = "letter.view", "letter.change", "letter.view_sender"
DVIEW, DCHANGE = "dialogue.view", "dialogue.change"


def _subtree_org_ids(org: Organization) -> QuerySet[Any]:
    paths = list(OrgVersion.objects.filter(org=org).values_list("path", flat=True).distinct())
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q(p)
    return OrgVersion.objects.filter(q).values("org_id")


# --- letters -------------------------------------------------------------------------------------


def letter_bodies(*, user: Any, action: str = CHANGE) -> QuerySet[Organization]:
    """The organizations where the user records and handles letters: their `letter.*` scope, and
    the cells they are the secretary of."""
    from .models import secretary_cells

    qs = Organization.objects.restrict(user, action)
    cells = secretary_cells(user, action)
    if cells is not None:
        qs = qs | Organization.objects.filter(pk__in=cells)
    return qs


def may_record_letters(*, user: Any) -> bool:
    return letter_bodies(user=user).exists()


def letters(*, user: Any, action: str = VIEW) -> QuerySet[Letter]:
    return Letter.objects.restrict(user, action).select_related("handler", "received_by")


def letters_under(*, user: Any, org: Organization | None, action: str = VIEW) -> QuerySet[Letter]:
    qs = letters(user=user, action=action)
    if org is not None:
        qs = qs.filter(handler_id__in=_subtree_org_ids(org))
    return qs


def letter_get(*, user: Any, pk: int, action: str = VIEW) -> Letter:
    return letters(user=user, action=action).select_related("subject_member", "subject_org").get(pk=pk)


def letter_steps(*, letter: Letter) -> QuerySet[LetterTransition]:
    return LetterTransition.objects.filter(letter=letter).select_related("actor")


def may_read_sender(*, user: Any, letter: Letter) -> bool:
    return Letter.objects.restrict(user, SENDER).filter(pk=letter.pk).exists()


@dataclass(frozen=True)
class Sender:
    name: str
    address: str
    contact: str
    scans: list[tuple[int, str, int]]


@transaction.atomic
def letter_sender(*, user: Any, letter: Letter, purpose: str) -> Sender:
    """Who sent the letter: only for `letter.view_sender` over its handling body (else
    `Letter.DoesNotExist`, as for a letter out of scope). Every read is logged with its purpose,
    in the read log and the audit trail, without the values."""
    purpose = " ".join(purpose.split())[:200]
    if not purpose:
        raise ValueError("a purpose is required")
    letter = Letter.objects.restrict(user, SENDER).get(pk=letter.pk)
    sender = LetterSender.objects.filter(letter=letter).first()
    path = org_path(letter.handler_id, letter.competent_received_on)
    read_log(actor=user, target=letter, org_path=path, purpose=f"sender: {purpose}")
    audit_log(actor=user, action="letter.sender_read", target=letter, target_label=letter.reference,
              org_path=path, reason=purpose)
    scans = list(LetterScan.objects.filter(letter=letter).values_list("pk", "content_type", "size"))
    if sender is None:
        return Sender("", "", "", scans)
    return Sender(secrecy.decrypt_text(sender.name_enc), secrecy.decrypt_text(sender.address_enc),
                  secrecy.decrypt_text(sender.contact_enc), scans)


@transaction.atomic
def letter_scan(*, user: Any, letter: Letter, pk: int, purpose: str) -> tuple[bytes, str]:
    """A scan's bytes (its handwriting identifies the sender): as for the sender, logged."""
    letter = Letter.objects.restrict(user, SENDER).get(pk=letter.pk)
    scan = LetterScan.objects.get(letter=letter, pk=pk)
    path = org_path(letter.handler_id, letter.competent_received_on)
    read_log(actor=user, target=letter, org_path=path, purpose=f"scan: {purpose}"[:200])
    audit_log(actor=user, action="letter.sender_read", target=letter, target_label=letter.reference,
              org_path=path, reason=f"scan {scan.pk}: {purpose}"[:300])
    return secrecy.decrypt(scan.content_enc), scan.content_type


def overdue_letters(*, user: Any, org: Organization | None, on: dt.date) -> QuerySet[Letter]:
    """Open letters past their (extended) deadline on `on`, under the node, oldest first."""
    qs = letters_under(user=user, org=org).filter(state__in=OPEN_STATES)
    qs = qs.filter(Q(extended_until__isnull=True, deadline__lt=on) | Q(extended_until__lt=on))
    return qs.order_by("deadline", "id")


def overdue_by_body(*, user: Any, org: Organization | None, on: dt.date) -> list[dict[str, Any]]:
    rows = (overdue_letters(user=user, org=org, on=on).order_by().values("handler_id", "handler__code")
            .annotate(n=Count("id")).order_by("-n", "handler__code"))
    return [{"org_id": r["handler_id"], "code": r["handler__code"], "overdue": r["n"]} for r in rows]


def letter_summary(*, user: Any, org: Organization | None, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Letters received under the node in [start, end]: how many, handled (concluded by `end`),
    on time (concluded by the deadline), overdue (past the deadline unconcluded at `end`, or
    concluded late), and not handled by reason."""
    qs = letters_under(user=user, org=org).filter(received_on__gte=start, received_on__lte=end)
    rows = list(qs.values_list("state", "concluded_on", "deadline", "extended_until", "not_handled_reason"))
    received = len(rows)
    handled = on_time = overdue = 0
    reasons: Counter[str] = Counter()
    for state, concluded, deadline, extended, reason in rows:
        limit = extended or deadline
        if state == LetterState.NOT_HANDLED:
            reasons[reason] += 1
            continue
        if state in HANDLED_STATES and concluded is not None and concluded <= end:
            handled += 1
            if limit is not None and concluded <= limit:
                on_time += 1
            elif limit is not None:
                overdue += 1
        elif limit is not None and limit < end:
            overdue += 1
    return {
        "received": received, "handled": handled, "on_time": on_time, "overdue": overdue,
        "not_handled": {r: reasons.get(r, 0) for r in NotHandledReason.values},
    }


# --- dialogue ------------------------------------------------------------------------------------


def programmes(*, user: Any, action: str = DVIEW) -> QuerySet[Programme]:
    return Programme.objects.restrict(user, action).select_related("org", "monitor")


def programme_get(*, user: Any, pk: int, action: str = DVIEW) -> Programme:
    return programmes(user=user, action=action).get(pk=pk)


def proposals(*, user: Any, action: str = DVIEW) -> QuerySet[Proposal]:
    return Proposal.objects.restrict(user, action).select_related("agency", "commune", "programme")


def proposal_get(*, user: Any, pk: int, action: str = DVIEW) -> Proposal:
    return proposals(user=user, action=action).get(pk=pk)


def agencies(*, user: Any, action: str = DVIEW) -> QuerySet[Agency]:
    return Agency.objects.restrict(user, action)


def programme_conclusions(*, programme: Programme) -> list[Conclusion]:
    return list(Conclusion.objects.filter(programme=programme).prefetch_related("tasks__agency"))


def key_task_get(*, user: Any, pk: int, action: str = DVIEW) -> KeyTask:
    return KeyTask.objects.restrict(user, action).select_related("conclusion__programme").get(pk=pk)


def agency_report(*, proposals_qs: QuerySet[Proposal], on: dt.date) -> list[dict[str, Any]]:
    """Per agency: assigned, answered on time, answered late, open (and of those, overdue on `on`)."""
    rows = (
        proposals_qs.order_by().values("agency_id", "agency__name")
        .annotate(
            assigned=Count("id"),
            on_time=Count("id", filter=Q(state=ProposalState.ANSWERED, answered_on__lte=F("due_on"))),
            late=Count("id", filter=Q(state=ProposalState.ANSWERED, answered_on__gt=F("due_on"))),
            open=Count("id", filter=Q(state=ProposalState.OPEN)),
            overdue=Count("id", filter=Q(state=ProposalState.OPEN, due_on__lt=on)),
        )
        .order_by("agency__name")
    )
    return [
        {"agency_id": r["agency_id"], "agency": r["agency__name"], "assigned": r["assigned"],
         "answered_on_time": r["on_time"], "answered_late": r["late"], "open": r["open"], "overdue": r["overdue"]}
        for r in rows
    ]


def programme_report(*, user: Any, programme: Programme, on: dt.date) -> list[dict[str, Any]]:
    return agency_report(proposals_qs=proposals(user=user).filter(programme=programme), on=on)


def annual_report(*, user: Any, org: Organization | None, year: int, on: dt.date) -> list[dict[str, Any]]:
    """The annual report per agency: proposals of the programmes held under the node that year."""
    qs = proposals(user=user).filter(programme__starts_on__year=year)
    if org is not None:
        qs = qs.filter(programme__org_id__in=_subtree_org_ids(org))
    return agency_report(proposals_qs=qs, on=on)


def overdue_proposals(*, user: Any, org: Organization | None, on: dt.date) -> QuerySet[Proposal]:
    qs = proposals(user=user).filter(state=ProposalState.OPEN, due_on__lt=on)
    if org is not None:
        qs = qs.filter(programme__org_id__in=_subtree_org_ids(org))
    return qs.order_by("due_on", "id")


# --- the public page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicProposal:
    number: int
    topic: str
    field: str
    agency: str
    status: str
    due_on: dt.date
    answered_on: dt.date | None
    answer: str


def public_programme(*, key: str) -> tuple[Programme, list[PublicProposal]]:
    """A published programme and its proposals' topics, status and answers: no names, no
    communes' people, no raised-by (Decidim's accountability page). `DoesNotExist` otherwise."""
    programme = Programme.objects.select_related("org").get(public_key=key, public=True)
    rows = [
        PublicProposal(p.number, p.topic, p.field, p.agency.name, p.get_state_display(), p.due_on, p.answered_on,
                       p.answer)
        for p in Proposal.objects.filter(programme=programme).select_related("agency").order_by("number")
    ]
    return programme, rows


def public_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(public=True).order_by("-starts_on", "-id")


def scope_covers(*, user: Any, action: str) -> bool:
    return not resolve_scope(user, action).is_empty
