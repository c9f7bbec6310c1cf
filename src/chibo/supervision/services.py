"""Every write of the supervision app: keyword-only, one transaction each, validated with a
translated message, with its audit event. The audit trail never holds a sender's identity: the
events say only that a sender was recorded, never who."""

from __future__ import annotations

import datetime as dt
import secrets as pysecrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.paths import segments
from chibo.members.models import Affiliation, Member, MemberEvent
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.calendar import add_working_days
from chibo.rules.selectors import MissingRule, rule_row

from . import secrecy
from .models import (
    OPEN_STATES,
    STATE_RANK,
    Agency,
    AgencyKind,
    Channel,
    Conclusion,
    CongressRound,
    KeyTask,
    Letter,
    LetterKind,
    LetterScan,
    LetterSender,
    LetterState,
    LetterTransition,
    NotHandledReason,
    Programme,
    Proposal,
    ProposalState,
    Reminder,
)

EARLIEST = dt.date(1930, 2, 3)
MAX_SCAN_BYTES = 10 * 1024 * 1024
# magic bytes of the files a scan may be: PDF, PNG, JPEG, GIF, TIFF, WebP
SCAN_TYPES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
]
DEFAULT_GUIDANCE = (
    "Đơn vừa khiếu nại vừa tố cáo: chỉ giải quyết nội dung khiếu nại. Nội dung tố cáo đề nghị "
    "người gửi viết thành đơn tố cáo riêng, ghi rõ họ tên, địa chỉ, gửi tổ chức đảng có thẩm quyền."
)


def _d(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def version_on(org: Organization | int, on: dt.date) -> OrgVersion | None:
    org_id = org if isinstance(org, int) else org.pk
    return (
        OrgVersion.objects.select_related("kind", "parent")
        .filter(org_id=org_id, valid_from__lte=on)
        .exclude(valid_to__lte=on)
        .first()
    )


def _latest_path(org_id: int) -> str:
    return OrgVersion.objects.filter(org_id=org_id).order_by("-valid_from").values_list("path", flat=True).first() or ""


def org_path(org_id: int, on: dt.date) -> str:
    v = version_on(org_id, on)
    return v.path if v is not None else _latest_path(org_id)


def segments_of(org_id: int, on: dt.date) -> list[int]:
    """The organization and its ancestors (ids) on `on`."""
    return _ancestor_ids(org_id, on)


def _ancestor_ids(org_id: int, on: dt.date) -> list[int]:
    path = org_path(org_id, on)
    return list(reversed(segments(path))) if path else [org_id]


def rule_for(key: str, *, org_id: int, on: dt.date) -> tuple[Any, dict[str, Any]]:
    """The rulebook value in force on `on` for the organization, with where it came from."""
    row = rule_row(key, on=on, org_ids=_ancestor_ids(org_id, on))
    return row.value, {"key": key, "value": row.value, "valid_from": row.valid_from.isoformat(),
                       "source": row.source, "org": row.org_id}


def _check_day(day: dt.date, field: str, label: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: [_("%(what)s cannot be in the future.") % {"what": label}]})
    if day < EARLIEST:
        raise ValidationError({field: [_("%(what)s is too early.") % {"what": label}]})


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None


# --- routing --------------------------------------------------------------------------------------


def member_cell(member: Member, on: dt.date) -> Organization | None:
    aff = (Affiliation.objects.filter(member=member, valid_from__lte=on).exclude(valid_to__lte=on)
           .select_related("org").order_by("kind", "-valid_from").first())
    return aff.org if aff is not None else None


def competent_body(*, kind: str, on: dt.date, subject_member: Member | None = None,
                   subject_org: Organization | None = None, received_by: Organization | None = None) -> Organization:
    """Who handles the letter (domain.md §9): a denunciation against a member goes to the cell
    the member is active in; a complaint about discipline, and a letter about an organization, to
    the committee above it (its inspection committee); with no subject, the body that received it."""
    if subject_member is not None:
        cell = member_cell(subject_member, on)
        if cell is None:
            raise ValidationError({"subject_member": [_("The member is not active in any cell on %(date)s.")
                                                      % {"date": _d(on)}]})
        if kind == LetterKind.DENUNCIATION:
            return cell
        v = version_on(cell, on)
        return v.parent if v is not None and v.parent is not None else cell
    if subject_org is not None:
        v = version_on(subject_org, on)
        if v is None:
            raise ValidationError({"subject_org": [_("The organization does not exist on %(date)s.")
                                                   % {"date": _d(on)}]})
        return v.parent if v.parent is not None else subject_org
    if received_by is None:
        raise ValidationError(_("Say which body received the letter."))
    return received_by


# --- letters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SenderData:
    name: str = ""
    address: str = ""
    contact: str = ""


def _new_reference(on: dt.date) -> str:
    while True:
        ref = f"DT-{on.year}-{pysecrets.token_hex(4).upper()}"
        if not Letter.objects.filter(reference=ref).exists():
            return ref


def _snapshot(letter: Letter) -> dict[str, Any]:
    """What the audit trail keeps of a letter: never the sender, never the content."""
    return {
        "state": letter.state, "kind": letter.kind, "handler": letter.handler_id,
        "competent_received_on": letter.competent_received_on.isoformat(),
        "deadline": letter.deadline.isoformat() if letter.deadline else None,
        "extended_until": letter.extended_until.isoformat() if letter.extended_until else None,
        "not_handled_reason": letter.not_handled_reason or None,
    }


def _audit(actor: Any, letter: Letter, action: str, *, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, reason: str = "") -> None:
    audit_log(actor=actor, action=action, target=letter, target_label=letter.reference,
              org_path=org_path(letter.handler_id, letter.competent_received_on),
              before=before, after=after, reason=reason)


def _move(letter: Letter, to: str, *, on: dt.date, actor: Any, note: str = "", reopening: bool = False) -> None:
    """The one place a letter changes state: forward only, unless it is a recorded reopening."""
    if STATE_RANK[to] < STATE_RANK[letter.state] and not reopening:
        raise ValidationError(_("A letter's handling does not go back without a recorded reopening."))
    LetterTransition.objects.create(letter=letter, from_state=letter.state, to_state=to, on=on,
                                    reopening=reopening, note=note[:500], actor=_actor(actor))
    letter.state = to


def _lock(letter: Letter) -> Letter:
    return Letter.objects.select_for_update().get(pk=letter.pk)


def _require(letter: Letter, *states: str) -> None:
    if letter.state not in states:
        raise ValidationError(_("This step is not possible while the letter is “%(state)s”.")
                              % {"state": letter.get_state_display()})


def check_scan(content: bytes) -> str:
    """The content type of an acceptable scan (an image or a PDF, by its bytes), else an error."""
    if not content:
        raise ValidationError({"scan": [_("The file is empty.")]})
    if len(content) > MAX_SCAN_BYTES:
        raise ValidationError({"scan": [_("The file is larger than 10 MB.")]})
    for magic, ctype in SCAN_TYPES:
        if content.startswith(magic):
            return ctype
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    raise ValidationError({"scan": [_("A scan must be an image (PNG, JPEG, GIF, TIFF, WebP) or a PDF.")]})


@transaction.atomic
def letter_receive(
    *, actor: Any, kind: str, channel: str, received_by: Organization, received_on: dt.date, summary: str,
    sender: SenderData | None = None, subject_member: Member | None = None,
    subject_org: Organization | None = None, handler: Organization | None = None,
    competent_received_on: dt.date | None = None, congress_related: bool = False,
    repeat_of: Letter | None = None, scans: list[bytes] | None = None,
) -> Letter:
    """Record a letter and route it to the competent body. The clock starts on the day that body
    received it (`competent_received_on`, by default the day of receipt)."""
    if kind not in LetterKind.values:
        raise ValidationError({"kind": [_("Unknown kind of letter.")]})
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel.")]})
    _check_day(received_on, "received_on", _("The date of receipt"))
    competent_received_on = competent_received_on or received_on
    _check_day(competent_received_on, "competent_received_on", _("The date the competent body received it"))
    if competent_received_on < received_on:
        raise ValidationError({"competent_received_on": [
            _("The competent body cannot receive the letter before it was first received.")]})
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": [_("Give the content of the letter.")]})
    if version_on(received_by, received_on) is None:
        raise ValidationError({"received_by": [_("The organization does not exist on %(date)s.")
                                               % {"date": _d(received_on)}]})
    if handler is None:
        handler = competent_body(kind=LetterKind.COMPLAINT if kind == LetterKind.MIXED else kind,
                                 on=competent_received_on, subject_member=subject_member, subject_org=subject_org,
                                 received_by=received_by)
    sender = sender or SenderData()
    contents = [(c, check_scan(c)) for c in scans or []]
    letter = Letter.objects.create(
        reference=_new_reference(received_on), kind=kind, channel=channel, received_by=received_by,
        received_on=received_on, handler=handler, competent_received_on=competent_received_on,
        subject_member=subject_member, subject_org=subject_org, summary=summary[:20000],
        congress_related=congress_related, repeat_of=repeat_of,
    )
    LetterSender.objects.create(
        letter=letter,
        name_enc=secrecy.encrypt(sender.name.strip()) if sender.name.strip() else b"",
        address_enc=secrecy.encrypt(sender.address.strip()) if sender.address.strip() else b"",
        contact_enc=secrecy.encrypt(sender.contact.strip()) if sender.contact.strip() else b"",
        has_name=bool(sender.name.strip()), has_address=bool(sender.address.strip()),
    )
    for content, ctype in contents:
        LetterScan.objects.create(letter=letter, content_enc=secrecy.encrypt(content), content_type=ctype,
                                  size=len(content))
    LetterTransition.objects.create(letter=letter, from_state="", to_state=LetterState.RECEIVED,
                                    on=received_on, actor=_actor(actor))
    _audit(actor, letter, "letter.receive",
           after={**_snapshot(letter), "channel": channel, "sender": "recorded", "scans": len(contents)})
    return letter


def screening(letter: Letter) -> list[str]:
    """The reasons the rules give for not handling the letter (suggestions for the screener)."""
    reasons: list[str] = []
    sender = LetterSender.objects.filter(letter=letter).first()
    if letter.kind != LetterKind.FEEDBACK:
        if sender is None or not sender.has_name:
            reasons.append(NotHandledReason.ANONYMOUS)
        elif not sender.has_address:
            reasons.append(NotHandledReason.NO_ADDRESS)
    if letter.repeat_of_id is not None and letter.repeat_of is not None and \
            letter.repeat_of.state in (LetterState.CONCLUDED, LetterState.NOTIFIED):
        reasons.append(NotHandledReason.REPEAT)
    return reasons


@transaction.atomic
def letter_not_handle(*, actor: Any, letter: Letter, reason: str, note: str = "",
                      on: dt.date | None = None) -> Letter:
    """Record that the letter is not handled, with the rule's reason."""
    letter = _lock(letter)
    _require(letter, LetterState.RECEIVED)
    if reason not in NotHandledReason.values:
        raise ValidationError({"reason": [_("Choose the reason the letter is not handled.")]})
    on = on or timezone.localdate()
    _check_day(on, "on", _("The date"))
    before = _snapshot(letter)
    _move(letter, LetterState.NOT_HANDLED, on=on, actor=actor, note=note)
    letter.not_handled_reason = reason
    letter.not_handled_note = note.strip()[:500]
    letter.save(update_fields=["state", "not_handled_reason", "not_handled_note"])
    _audit(actor, letter, "letter.not_handle", before=before, after=_snapshot(letter), reason=reason)
    return letter


def _freeze(letter: Letter) -> dt.date | None:
    """The congress opening day when the letter falls in a round's freeze window, else None."""
    if not letter.congress_related or letter.kind not in (LetterKind.DENUNCIATION, LetterKind.MIXED):
        return None
    on = letter.competent_received_on
    ids = _ancestor_ids(letter.handler_id, on)
    v = version_on(letter.handler_id, on)
    grassroots_or_below = v is not None and (v.kind.is_cell or v.kind.is_grassroots)
    for rnd in CongressRound.objects.filter(org_id__in=ids, opens_on__gt=on).order_by("opens_on"):
        window = rnd.grassroots_window if grassroots_or_below else rnd.higher_window
        if add_working_days(on, window) >= rnd.opens_on:
            return rnd.opens_on
    return None


def letter_deadline(letter: Letter, start: dt.date) -> tuple[dt.date, dict[str, Any]]:
    key = ("feedback.deadline_working_days" if letter.kind == LetterKind.FEEDBACK
           else "denunciation.deadline_working_days")
    try:
        days, info = rule_for(key, org_id=letter.handler_id, on=letter.competent_received_on)
    except MissingRule as exc:
        raise ValidationError(_("The rulebook has no deadline for this kind of letter on %(date)s.")
                              % {"date": _d(letter.competent_received_on)}) from exc
    return add_working_days(start, int(days)), info


@transaction.atomic
def letter_accept(*, actor: Any, letter: Letter, on: dt.date | None = None, guidance: str = "") -> Letter:
    """Accept the letter for handling: the deadline from the rule in force on the day the competent
    body received it; a congress-related denunciation inside the freeze window is deferred; a
    mixed letter is handled as a complaint and the sender is guided to file the denunciation."""
    letter = _lock(letter)
    _require(letter, LetterState.RECEIVED)
    on = on or timezone.localdate()
    _check_day(on, "on", _("The date"))
    blocking = [r for r in screening(letter) if r in (NotHandledReason.ANONYMOUS, NotHandledReason.NO_ADDRESS,
                                                      NotHandledReason.REPEAT)]
    if blocking:
        raise ValidationError(_("The rules say this letter is not handled (%(reason)s): record it as not handled.")
                              % {"reason": NotHandledReason(blocking[0]).label})
    before = _snapshot(letter)
    if letter.kind == LetterKind.MIXED:
        letter.guidance = (guidance or DEFAULT_GUIDANCE).strip()
    opens = _freeze(letter)
    if opens is not None:
        _move(letter, LetterState.DEFERRED, on=on, actor=actor)
        letter.deferred_until = opens
    else:
        _move(letter, LetterState.ACCEPTED, on=on, actor=actor)
        letter.deadline, letter.deadline_rule = letter_deadline(letter, letter.competent_received_on)
    letter.save(update_fields=["state", "guidance", "deferred_until", "deadline", "deadline_rule"])
    _audit(actor, letter, "letter.accept", before=before, after=_snapshot(letter))
    return letter


@transaction.atomic
def letter_resume(*, actor: Any, letter: Letter, on: dt.date) -> Letter:
    """After the congress: the new committee takes the deferred letter up; the clock starts then."""
    letter = _lock(letter)
    _require(letter, LetterState.DEFERRED)
    _check_day(on, "on", _("The date"))
    if letter.deferred_until and on < letter.deferred_until:
        raise ValidationError({"on": [_("The letter is deferred until the congress opens on %(date)s.")
                                      % {"date": _d(letter.deferred_until)}]})
    before = _snapshot(letter)
    _move(letter, LetterState.ACCEPTED, on=on, actor=actor)
    letter.deadline, letter.deadline_rule = letter_deadline(letter, on)
    letter.save(update_fields=["state", "deadline", "deadline_rule"])
    _audit(actor, letter, "letter.resume", before=before, after=_snapshot(letter))
    return letter


@transaction.atomic
def letter_assign(*, actor: Any, letter: Letter, note: str, assignee: Any = None,
                  on: dt.date | None = None) -> Letter:
    letter = _lock(letter)
    _require(letter, LetterState.ACCEPTED, LetterState.ASSIGNED)
    if not note.strip() and assignee is None:
        raise ValidationError({"note": [_("Say who verifies the letter.")]})
    on = on or timezone.localdate()
    _check_day(on, "on", _("The date"))
    before = _snapshot(letter)
    if letter.state == LetterState.ACCEPTED:
        _move(letter, LetterState.ASSIGNED, on=on, actor=actor, note=note)
    letter.assignee = assignee
    letter.assigned_note = note.strip()[:300]
    letter.save(update_fields=["state", "assignee", "assigned_note"])
    _audit(actor, letter, "letter.assign", before=before, after={**_snapshot(letter), "assignee": getattr(
        assignee, "pk", None)})
    return letter


@transaction.atomic
def letter_verify(*, actor: Any, letter: Letter, on: dt.date | None = None, note: str = "") -> Letter:
    letter = _lock(letter)
    _require(letter, LetterState.ASSIGNED)
    on = on or timezone.localdate()
    _check_day(on, "on", _("The date"))
    before = _snapshot(letter)
    _move(letter, LetterState.VERIFICATION, on=on, actor=actor, note=note)
    letter.save(update_fields=["state"])
    _audit(actor, letter, "letter.verify", before=before, after=_snapshot(letter))
    return letter


@transaction.atomic
def letter_extend(*, actor: Any, letter: Letter, days: int, reason: str, notice_on: dt.date) -> Letter:
    """The one extension the rules allow (≤ the rulebook's days), with the sender told."""
    letter = _lock(letter)
    _require(letter, *OPEN_STATES)
    if letter.extended_until is not None:
        raise ValidationError(_("The deadline was already extended once: it cannot be extended again."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for the extension.")]})
    _check_day(notice_on, "notice_on", _("The date the sender was told"))
    try:
        limit, info = rule_for("denunciation.extension_working_days", org_id=letter.handler_id,
                               on=letter.competent_received_on)
    except MissingRule as exc:
        raise ValidationError(_("The rulebook allows no extension for this letter.")) from exc
    if days < 1 or days > int(limit):
        raise ValidationError({"days": [_("An extension is between 1 and %(n)s working days.") % {"n": limit}]})
    assert letter.deadline is not None
    before = _snapshot(letter)
    letter.extended_until = add_working_days(letter.deadline, days)
    letter.extension_reason = reason.strip()[:500]
    letter.extension_notice_on = notice_on
    letter.deadline_rule = {**letter.deadline_rule, "extension": info}
    letter.save(update_fields=["extended_until", "extension_reason", "extension_notice_on", "deadline_rule"])
    _audit(actor, letter, "letter.extend", before=before, after=_snapshot(letter), reason=reason)
    return letter


@transaction.atomic
def letter_conclude(*, actor: Any, letter: Letter, on: dt.date, conclusion: str,
                    discipline_event: MemberEvent | None = None) -> Letter:
    letter = _lock(letter)
    _require(letter, LetterState.VERIFICATION)
    _check_day(on, "on", _("The date of the conclusion"))
    if on < letter.competent_received_on:
        raise ValidationError({"on": [_("A conclusion cannot come before the letter was received.")]})
    if not conclusion.strip():
        raise ValidationError({"conclusion": [_("Give the conclusion.")]})
    if discipline_event is not None and discipline_event.member_id != letter.subject_member_id:
        raise ValidationError({"discipline_event": [_("The discipline event must be on the record of the member "
                                                      "concerned.")]})
    before = _snapshot(letter)
    _move(letter, LetterState.CONCLUDED, on=on, actor=actor)
    letter.conclusion = conclusion.strip()
    letter.concluded_on = on
    letter.discipline_event = discipline_event
    letter.save(update_fields=["state", "conclusion", "concluded_on", "discipline_event"])
    _audit(actor, letter, "letter.conclude", before=before,
           after={**_snapshot(letter), "concluded_on": on.isoformat(),
                  "discipline_event": getattr(discipline_event, "pk", None)})
    return letter


@transaction.atomic
def letter_notify(*, actor: Any, letter: Letter, on: dt.date) -> Letter:
    letter = _lock(letter)
    _require(letter, LetterState.CONCLUDED)
    _check_day(on, "on", _("The date of the notice"))
    if letter.concluded_on and on < letter.concluded_on:
        raise ValidationError({"on": [_("The sender is told after the conclusion.")]})
    before = _snapshot(letter)
    _move(letter, LetterState.NOTIFIED, on=on, actor=actor)
    letter.notified_on = on
    letter.save(update_fields=["state", "notified_on"])
    _audit(actor, letter, "letter.notify", before=before, after=_snapshot(letter))
    return letter


@transaction.atomic
def letter_reopen(*, actor: Any, letter: Letter, reason: str, on: dt.date | None = None) -> Letter:
    """Go back: a letter not handled is screened again (e.g. its withdrawal was coerced); a
    concluded one is verified again. Always with its reason, as a recorded reopening."""
    letter = _lock(letter)
    _require(letter, LetterState.NOT_HANDLED, LetterState.CONCLUDED, LetterState.NOTIFIED)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for reopening.")]})
    on = on or timezone.localdate()
    _check_day(on, "on", _("The date"))
    before = _snapshot(letter)
    to = LetterState.RECEIVED if letter.state == LetterState.NOT_HANDLED else LetterState.VERIFICATION
    _move(letter, to, on=on, actor=actor, note=reason, reopening=True)
    letter.not_handled_reason = ""
    letter.concluded_on = None
    letter.notified_on = None
    letter.save(update_fields=["state", "not_handled_reason", "concluded_on", "notified_on"])
    _audit(actor, letter, "letter.reopen", before=before, after=_snapshot(letter), reason=reason)
    return letter


@transaction.atomic
def letter_forward(*, actor: Any, letter: Letter, handler: Organization, on: dt.date) -> Letter:
    """Send the letter to the competent body; its clock starts on the day that body receives it."""
    letter = _lock(letter)
    _require(letter, LetterState.RECEIVED)
    _check_day(on, "on", _("The date the competent body received it"))
    if on < letter.received_on:
        raise ValidationError({"on": [_("The competent body cannot receive the letter before it was first "
                                        "received.")]})
    if version_on(handler, on) is None:
        raise ValidationError({"handler": [_("The organization does not exist on %(date)s.") % {"date": _d(on)}]})
    before = _snapshot(letter)
    letter.handler = handler
    letter.competent_received_on = on
    letter.save(update_fields=["handler", "competent_received_on"])
    _audit(actor, letter, "letter.forward", before=before, after=_snapshot(letter))
    return letter


@transaction.atomic
def letter_add_scan(*, actor: Any, letter: Letter, content: bytes) -> LetterScan:
    ctype = check_scan(content)
    scan = LetterScan.objects.create(letter=letter, content_enc=secrecy.encrypt(content), content_type=ctype,
                                     size=len(content))
    _audit(actor, letter, "letter.scan", after={"scan": scan.pk, "type": ctype, "size": len(content)})
    return scan


@transaction.atomic
def congress_round_create(*, actor: Any, org: Organization, name: str, opens_on: dt.date,
                          grassroots_window: int = 25, higher_window: int = 30) -> CongressRound:
    if not name.strip():
        raise ValidationError({"name": [_("Name the round.")]})
    if not (0 < grassroots_window <= 120 and 0 < higher_window <= 120):
        raise ValidationError(_("A window is between 1 and 120 working days."))
    rnd = CongressRound.objects.create(org=org, name=name.strip(), opens_on=opens_on,
                                       grassroots_window=grassroots_window, higher_window=higher_window)
    audit_log(actor=actor, action="congress_round.create", target=rnd, org_path=_latest_path(org.pk),
              after={"opens_on": opens_on.isoformat(), "grassroots": grassroots_window, "higher": higher_window})
    return rnd


def rotate_sender_keys() -> int:
    """Re-encrypt every sender field and scan under the current (first) key; returns the count."""
    n = 0
    with transaction.atomic():
        for s in LetterSender.objects.select_for_update().all():
            for f in ("name_enc", "address_enc", "contact_enc"):
                token = getattr(s, f)
                if token:
                    setattr(s, f, secrecy.rotate(token))
            s.save(update_fields=["name_enc", "address_enc", "contact_enc"])
            n += 1
        for scan in LetterScan.objects.select_for_update().all():
            scan.content_enc = secrecy.rotate(scan.content_enc)
            scan.save(update_fields=["content_enc"])
            n += 1
        audit_log(actor=None, action="letter.rotate_keys", target_type="supervision.lettersender",
                  after={"rows": n})
    return n


# --- dialogue programmes --------------------------------------------------------------------------


def _audit_programme(actor: Any, programme: Programme, action: str, *, after: dict[str, Any] | None = None,
                     before: dict[str, Any] | None = None, reason: str = "") -> None:
    audit_log(actor=actor, action=action, target=programme, org_path=org_path(programme.org_id, programme.starts_on),
              before=before, after=after, reason=reason)


@transaction.atomic
def agency_create(*, actor: Any, org: Organization, name: str, kind: str) -> Agency:
    if kind not in AgencyKind.values:
        raise ValidationError({"kind": [_("Unknown kind of agency.")]})
    if not name.strip():
        raise ValidationError({"name": [_("Name the agency.")]})
    if Agency.objects.filter(org=org, name=name.strip()).exists():
        raise ValidationError({"name": [_("This agency exists already.")]})
    agency = Agency.objects.create(org=org, name=name.strip()[:200], kind=kind)
    audit_log(actor=actor, action="agency.create", target=agency, org_path=_latest_path(org.pk),
              after={"name": agency.name, "kind": kind})
    return agency


@transaction.atomic
def programme_create(
    *, actor: Any, org: Organization, title: str, hosts: str, audience: str, starts_on: dt.date, ends_on: dt.date,
    theme: str = "", monitor: Agency | None = None, public: bool = False,
) -> Programme:
    if not title.strip() or not hosts.strip() or not audience.strip():
        raise ValidationError(_("Give the title, who meets and whom."))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The programme cannot end before it starts.")]})
    if starts_on < EARLIEST or ends_on > timezone.localdate() + dt.timedelta(days=3660):
        raise ValidationError({"starts_on": [_("The dates are out of range.")]})
    if version_on(org, starts_on) is None:
        raise ValidationError({"org": [_("The organization does not exist on %(date)s.") % {"date": _d(starts_on)}]})
    if monitor is not None and monitor.org_id != org.pk:
        raise ValidationError({"monitor": [_("The monitoring agency must belong to the host.")]})
    programme = Programme.objects.create(org=org, title=title.strip(), theme=theme.strip(), hosts=hosts.strip(),
                                         audience=audience.strip(), starts_on=starts_on, ends_on=ends_on,
                                         monitor=monitor, public=public)
    _audit_programme(actor, programme, "programme.create",
                     after={"title": programme.title, "from": starts_on.isoformat(), "to": ends_on.isoformat(),
                            "public": public})
    return programme


@transaction.atomic
def programme_publish(*, actor: Any, programme: Programme, public: bool) -> Programme:
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = {"public": programme.public}
    programme.public = public
    programme.save(update_fields=["public"])
    _audit_programme(actor, programme, "programme.publish", before=before, after={"public": public})
    return programme


@transaction.atomic
def proposal_raise(
    *, actor: Any, programme: Programme, topic: str, agency: Agency, content: str = "", field: str = "",
    raised_by: str = "", commune: Organization | None = None, assigned_on: dt.date | None = None,
    due_on: dt.date | None = None,
) -> Proposal:
    """A proposal raised at the programme, assigned to an agency that must answer by a deadline
    (the rulebook's, counted in working days from the assignment, unless one is set)."""
    if not topic.strip():
        raise ValidationError({"topic": [_("Give the topic of the proposal.")]})
    if agency.org_id != programme.org_id:
        raise ValidationError({"agency": [_("The agency must belong to the programme's host.")]})
    assigned_on = assigned_on or programme.ends_on
    if assigned_on < programme.starts_on:
        raise ValidationError({"assigned_on": [_("A proposal is assigned after the programme starts.")]})
    rule_info: dict[str, Any] = {}
    if due_on is None:
        try:
            days, rule_info = rule_for("dialogue.answer_deadline_working_days", org_id=programme.org_id,
                                       on=assigned_on)
        except MissingRule as exc:
            raise ValidationError({"due_on": [_("Give the deadline: the rulebook has none on %(date)s.")
                                              % {"date": _d(assigned_on)}]}) from exc
        due_on = add_working_days(assigned_on, int(days))
    if due_on < assigned_on:
        raise ValidationError({"due_on": [_("The answer cannot be due before the proposal is assigned.")]})
    number = (Proposal.objects.filter(programme=programme).order_by("-number").values_list("number", flat=True)
              .first() or 0) + 1
    proposal = Proposal.objects.create(
        programme=programme, number=number, topic=topic.strip()[:300], content=content.strip(),
        field=field.strip()[:100], raised_by=raised_by.strip()[:200], commune=commune, agency=agency,
        assigned_on=assigned_on, due_on=due_on, deadline_rule=rule_info,
    )
    _audit_programme(actor, programme, "proposal.raise",
                     after={"proposal": proposal.pk, "agency": agency.pk, "due_on": due_on.isoformat()})
    return proposal


@transaction.atomic
def proposal_answer(*, actor: Any, proposal: Proposal, on: dt.date, answer: str) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("programme").get(pk=proposal.pk)
    if proposal.state == ProposalState.ANSWERED:
        raise ValidationError(_("The proposal is answered already."))
    _check_day(on, "on", _("The date of the answer"))
    if on < proposal.assigned_on:
        raise ValidationError({"on": [_("An answer cannot come before the proposal was assigned.")]})
    if not answer.strip():
        raise ValidationError({"answer": [_("Give the answer.")]})
    proposal.state = ProposalState.ANSWERED
    proposal.answered_on = on
    proposal.answer = answer.strip()
    proposal.save(update_fields=["state", "answered_on", "answer"])
    _audit_programme(actor, proposal.programme, "proposal.answer",
                     after={"proposal": proposal.pk, "answered_on": on.isoformat(),
                            "on_time": proposal.answered_on_time})
    return proposal


@transaction.atomic
def proposal_remind(*, actor: Any, proposal: Proposal, on: dt.date, note: str = "",
                    escalate: bool = False) -> Reminder:
    """Urge the agency; escalate (to the host's standing committee) only once it is overdue."""
    proposal = Proposal.objects.select_for_update().select_related("programme").get(pk=proposal.pk)
    if proposal.state == ProposalState.ANSWERED:
        raise ValidationError(_("The proposal is answered: there is nothing to urge."))
    _check_day(on, "on", _("The date of the reminder"))
    if on < proposal.assigned_on:
        raise ValidationError({"on": [_("A reminder cannot come before the proposal was assigned.")]})
    if escalate and on <= proposal.due_on:
        raise ValidationError(_("A proposal is escalated only when its answer is overdue."))
    reminder = Reminder.objects.create(proposal=proposal, on=on, escalation=escalate, note=note.strip()[:500],
                                       actor=_actor(actor))
    if escalate and proposal.escalated_on is None:
        proposal.escalated_on = on
        proposal.save(update_fields=["escalated_on"])
    _audit_programme(actor, proposal.programme, "proposal.escalate" if escalate else "proposal.remind",
                     after={"proposal": proposal.pk, "on": on.isoformat()})
    return reminder


@dataclass(frozen=True)
class TaskData:
    title: str
    agency: Agency | None = None
    due_on: dt.date | None = None


@transaction.atomic
def conclusion_issue(*, actor: Any, programme: Programme, number: str, issued_on: dt.date, text: str = "",
                     tasks: list[TaskData] | None = None) -> Conclusion:
    """The host's conclusion after the programme, with its key tasks (tracked like resolution tasks)."""
    if not number.strip():
        raise ValidationError({"number": [_("Give the number of the conclusion.")]})
    if issued_on < programme.starts_on:
        raise ValidationError({"issued_on": [_("A conclusion cannot come before the programme.")]})
    _check_day(issued_on, "issued_on", _("The date of the conclusion"))
    tasks = [t for t in tasks or [] if t.title.strip()]
    for t in tasks:
        if t.agency is not None and t.agency.org_id != programme.org_id:
            raise ValidationError({"tasks": [_("The agency must belong to the programme's host.")]})
        if t.due_on is not None and t.due_on < issued_on:
            raise ValidationError({"tasks": [_("A task cannot be due before the conclusion.")]})
    conclusion = Conclusion.objects.create(programme=programme, number=number.strip()[:64], issued_on=issued_on,
                                           text=text.strip())
    KeyTask.objects.bulk_create([
        KeyTask(conclusion=conclusion, position=i, title=t.title.strip()[:500], agency=t.agency, due_on=t.due_on)
        for i, t in enumerate(tasks, 1)
    ])
    _audit_programme(actor, programme, "conclusion.issue",
                     after={"conclusion": conclusion.pk, "number": conclusion.number, "tasks": len(tasks)})
    return conclusion


@transaction.atomic
def key_task_complete(*, actor: Any, task: KeyTask, done_on: dt.date) -> KeyTask:
    task = KeyTask.objects.select_for_update().select_related("conclusion__programme").get(pk=task.pk)
    _check_day(done_on, "done_on", _("The date the task was done"))
    if done_on < task.conclusion.issued_on:
        raise ValidationError({"done_on": [_("A task cannot be done before its conclusion.")]})
    before = {"done_on": task.done_on.isoformat() if task.done_on else None}
    task.done_on = done_on
    task.save(update_fields=["done_on"])
    _audit_programme(actor, task.conclusion.programme, "key_task.done", before=before,
                     after={"task": task.pk, "done_on": done_on.isoformat()})
    return task
