"""Every write about members. One transaction each, validated against the rulebook as of the
date that matters, audited. Status periods are derived from the events here and nowhere else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log
from chibo.core.text import fold
from chibo.core.validtime import today
from chibo.orgs.models import Organization
from chibo.rules.calendar import add_working_days
from chibo.rules.selectors import rule

from .choices import (
    IN_PARTY,
    AffiliationKind,
    EventType,
    Gender,
    GeneralEducation,
    Occupation,
    Status,
)
from .models import (
    Affiliation,
    Member,
    MemberEvent,
    StatusPeriod,
    Transfer,
    TransferKind,
    TransferState,
)
from .validation import add_months, clean_full_name, clean_national_id, full_months

# event -> {status before -> status after}; None = no status yet
TRANSITIONS: dict[str, dict[str | None, str]] = {
    EventType.ADMITTED: {None: Status.PROBATIONARY},
    EventType.READMITTED: {Status.REMOVED: Status.PROBATIONARY, Status.EXPELLED: Status.PROBATIONARY},
    EventType.RECOGNIZED: {Status.PROBATIONARY: Status.OFFICIAL},
    EventType.EXEMPTED: {Status.OFFICIAL: Status.EXEMPT},
    EventType.EXEMPTION_ENDED: {Status.EXEMPT: Status.OFFICIAL},
    EventType.REMOVED: {s: Status.REMOVED for s in IN_PARTY},
    EventType.EXPELLED: {Status.OFFICIAL: Status.EXPELLED, Status.EXEMPT: Status.EXPELLED},
    EventType.WITHDRAWN: {s: Status.WITHDRAWN for s in IN_PARTY},
    EventType.DECEASED: {s: Status.DECEASED for s in IN_PARTY},
    EventType.RESTORED: {Status.REMOVED: Status.OFFICIAL},
}
LEAVING = {EventType.REMOVED, EventType.EXPELLED, EventType.WITHDRAWN, EventType.DECEASED}
JOINING = {EventType.ADMITTED, EventType.READMITTED, EventType.RESTORED}
MEMBER_CELL_KINDS = {"party_cell", "grassroots_party_cell"}


def _d(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


@dataclass(frozen=True)
class PersonData:
    full_name: str
    gender: str
    birth_date: dt.date
    ethnicity: str = "01"
    religion: str = "none"
    national_id: str | None = None
    phone: str = ""
    general_education: str = GeneralEducation.UPPER_SECONDARY
    professional_level: str = "none"
    theory_level: str = "none"
    occupation: str = Occupation.OTHER
    birthplace_id: int | None = None
    hometown_id: int | None = None
    card_number: str | None = None
    card_date: dt.date | None = None


@dataclass(frozen=True)
class DecisionInfo:
    number: str = ""
    date: dt.date | None = None
    issuer: str = ""


def _org_path_on(org: Organization, on: dt.date) -> str:
    v = org.version_on(on) or org.latest_version()
    return v.path if v else ""


def _ancestor_ids(org: Organization, on: dt.date) -> list[int]:
    from chibo.core.paths import segments

    v = org.version_on(on)
    return list(reversed(segments(v.path))) if v else [org.pk]


def check_cell(org: Organization, on: dt.date) -> None:
    """Members are active in party cells (or grassroots cells) that exist on the date."""
    v = org.version_on(on)
    if v is None:
        raise ValidationError(
            _("“%(code)s” does not exist on %(date)s.") % {"code": org.code, "date": _d(on)}
        )
    if v.kind.key not in MEMBER_CELL_KINDS:
        raise ValidationError(
            _("Members belong to party cells; “%(name)s” is a %(kind)s.") % {"name": v.name, "kind": v.kind.label}
        )


_ALLOWED: dict[str, frozenset[str]] = {}


def _allowed() -> dict[str, frozenset[str]]:
    if not _ALLOWED:
        from .choices import ETHNICITY_CHOICES, ProfessionalLevel, Religion, TheoryLevel

        _ALLOWED.update({
            "gender": frozenset(Gender.values),
            "ethnicity": frozenset(dict(ETHNICITY_CHOICES)),
            "religion": frozenset(Religion.values),
            "general_education": frozenset(GeneralEducation.values),
            "professional_level": frozenset(ProfessionalLevel.values),
            "theory_level": frozenset(TheoryLevel.values),
            "occupation": frozenset(Occupation.values),
        })
    return _ALLOWED


_MESSAGES = {
    "gender": lambda: _("Choose male or female."),
    "ethnicity": lambda: _("Unknown ethnic group."),
    "religion": lambda: _("Unknown religion."),
    "general_education": lambda: _("Unknown education level."),
    "professional_level": lambda: _("Unknown professional level."),
    "theory_level": lambda: _("Unknown political theory level."),
    "occupation": lambda: _("Unknown occupation sector."),
}


def _validate_person(data: PersonData) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    try:
        values["full_name"] = clean_full_name(data.full_name)
    except ValidationError as exc:
        errors["full_name"] = exc.messages
    for name, allowed in _allowed().items():
        if getattr(data, name) not in allowed:
            errors.setdefault(name, []).append(_MESSAGES[name]())
    try:
        values["national_id"] = clean_national_id(data.national_id, birth_date=data.birth_date, gender=data.gender)
    except ValidationError as exc:
        errors["national_id"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return values


def _rebuild_status(member: Member) -> None:
    """Derive the status periods from the events (the one place where this happens)."""
    StatusPeriod.objects.filter(member=member).delete()
    periods: list[StatusPeriod] = []
    status: str | None = None
    for event in member.events.order_by("on", "id"):
        new = TRANSITIONS[event.type][status]
        if periods and periods[-1].valid_from == event.on:
            periods[-1].status = new
        else:
            if periods:
                periods[-1].valid_to = event.on
            periods.append(StatusPeriod(member=member, status=new, valid_from=event.on))
        status = new
    StatusPeriod.objects.bulk_create(periods)
    member.status = status or ""
    member.save(update_fields=["status"])


def _current_affiliation(member: Member, on: dt.date) -> Affiliation | None:
    return (
        Affiliation.objects.filter(member=member, kind=AffiliationKind.OFFICIAL)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .filter(valid_from__lte=on)
        .first()
    )


def _open_affiliation(member: Member, org: Organization, on: dt.date, transfer: Transfer | None = None) -> Affiliation:
    check_cell(org, on)
    later = Affiliation.objects.filter(member=member, kind=AffiliationKind.OFFICIAL, valid_from__gt=on).exists()
    if later:
        raise ValidationError(_("The member already has a later affiliation."))
    try:
        with transaction.atomic():
            return Affiliation.objects.create(member=member, org=org, kind=AffiliationKind.OFFICIAL,
                                              valid_from=on, transfer=transfer)
    except IntegrityError as exc:  # the database guard
        raise ValidationError(_("The member already belongs to a cell on %(date)s.") % {"date": _d(on)}) from exc


def _close_affiliation(member: Member, on: dt.date) -> Affiliation | None:
    current = _current_affiliation(member, on)
    if current is None:
        return None
    if current.valid_from >= on:
        current.delete()  # opened and closed the same day
        return current
    current.valid_to = on
    current.save(update_fields=["valid_to"])
    return current


def _end_temporary(member: Member, on: dt.date) -> None:
    """Temporary activity ends with membership."""
    running = Affiliation.objects.filter(member=member, kind=AffiliationKind.TEMPORARY, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    running.filter(valid_from=on).delete()
    running.update(valid_to=on)


def _snapshot(member: Member) -> dict[str, Any]:
    return {"status": member.status, "full_name": member.full_name, "card_number": member.card_number}


def _audit(actor: Any, member: Member, action: str, before: dict[str, Any] | None, on: dt.date,
           reason: str = "", after: dict[str, Any] | None = None) -> None:
    current = _current_affiliation(member, on) or member.affiliations.order_by("-valid_from").first()
    path = _org_path_on(current.org, on) if current else ""
    audit_log(actor=actor, action=action, target=member, org_path=path, before=before,
              after=after or _snapshot(member), reason=reason)


@transaction.atomic
def member_admit(
    *, actor: Any, person: PersonData, cell: Organization, decision: DecisionInfo, ceremony_date: dt.date,
    provincial_approval: bool = False,
) -> Member:
    """Admit a new member (probationary from the ceremony) into `cell`."""
    values = _validate_person(person)
    decision_date = decision.date or ceremony_date
    if ceremony_date < decision_date:
        raise ValidationError({"ceremony_date": [_("The ceremony cannot come before the admission decision.")]})
    if person.birth_date >= decision_date:
        raise ValidationError({"birth_date": [_("The date of birth must be before the admission.")]})
    org_ids = _ancestor_ids(cell, decision_date)
    age = full_months(person.birth_date, decision_date)
    min_age = rule("admission.min_age_months", on=decision_date, org_ids=org_ids)
    max_age = rule("admission.max_age_months_without_provincial_approval", on=decision_date, org_ids=org_ids)
    if age < min_age:
        raise ValidationError({"birth_date": [
            _("Too young to be admitted: %(years)d full years (at least %(min)d).")
            % {"years": age // 12, "min": min_age // 12}]})
    if age > max_age and not provincial_approval:
        raise ValidationError({"birth_date": [
            _("Over %(max)d years old: admission needs the provincial committee's approval.") % {"max": max_age // 12}]})
    if person.general_education == GeneralEducation.PRIMARY:
        raise ValidationError({"general_education": [_("Admission needs at least lower-secondary education.")]})
    check_cell(cell, ceremony_date)
    member = Member.objects.create(
        full_name=values["full_name"], search_key=fold(values["full_name"]), gender=person.gender,
        birth_date=person.birth_date, birthplace_id=person.birthplace_id, hometown_id=person.hometown_id,
        ethnicity=person.ethnicity, religion=person.religion, national_id=values["national_id"], phone=person.phone,
        general_education=person.general_education, professional_level=person.professional_level,
        theory_level=person.theory_level, occupation=person.occupation,
        admission_decision_date=decision_date, admission_decision_no=decision.number,
        ceremony_date=ceremony_date, card_number=person.card_number or None, card_date=person.card_date,
        status=Status.PROBATIONARY,
    )
    MemberEvent.objects.create(
        member=member, type=EventType.ADMITTED, on=ceremony_date, decision_no=decision.number,
        decision_date=decision_date, issuer=decision.issuer, org=cell, occupation=person.occupation,
    )
    _open_affiliation(member, cell, ceremony_date)
    _rebuild_status(member)
    _audit(actor, member, "member.admit", None, ceremony_date, reason=decision.number)
    return member


@transaction.atomic
def member_event(
    *, actor: Any, member: Member, type: str, on: dt.date | None = None, decision: DecisionInfo | None = None,
    reason: str = "", cell: Organization | None = None,
) -> MemberEvent:
    """Record a status event. Recognition is dated at the end of probation whatever `on` says
    (the member is official from then even when the meeting is late)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    decision = decision or DecisionInfo()
    if type not in TRANSITIONS:
        raise ValidationError(_("Unknown event."))
    last = member.events.order_by("-on", "-id").first()
    status = member.status or None
    if type == EventType.RECOGNIZED:
        start = last.on if last and last.type in (EventType.ADMITTED, EventType.READMITTED) else member.ceremony_date
        if start is None:
            raise ValidationError(_("The admission ceremony date is missing."))
        on = add_months(start, rule("probation.months", on=start))
    if on is None:
        raise ValidationError(_("Give the date of the event."))
    if on > today():
        if type == EventType.RECOGNIZED:
            raise ValidationError(
                _("The probation ends on %(date)s: the recognition as an official member can be "
                  "recorded from that day.") % {"date": _d(on)}
            )
        raise ValidationError(
            _("An event is recorded once it has happened: %(date)s is in the future.") % {"date": _d(on)}
        )
    given = [bool(decision.number.strip()), decision.date is not None, bool(decision.issuer.strip())]
    if any(given) and not all(given):
        raise ValidationError(
            _("A decision is recorded with its number, its date and who issued it: complete all three "
              "or leave them all empty.")
        )
    if decision.date is not None and decision.date > today():
        raise ValidationError(_("The decision date is in the future."))
    if status == Status.DECEASED:
        raise ValidationError(_("No event can follow the member's death."))
    allowed = TRANSITIONS[type]
    if status not in allowed:
        label = dict(Status.choices).get(status or "", "—")
        raise ValidationError(
            _("“%(event)s” is not possible for a member whose status is “%(status)s”.")
            % {"event": dict(EventType.choices)[type], "status": label}
        )
    if last is not None and on < last.on:
        raise ValidationError(
            _("Events are entered in date order: the last one is dated %(date)s.") % {"date": _d(last.on)}
        )
    if type == EventType.READMITTED:
        times = member.events.filter(type=EventType.READMITTED).count()
        if times >= rule("readmission.max_times", on=on):
            raise ValidationError(_("A member can be readmitted only once."))
    if type in LEAVING and Affiliation.objects.filter(member=member, valid_from__gt=on).exists():
        raise ValidationError(
            _("The member joined a cell after %(date)s: enter that change first, or date this event later.")
            % {"date": _d(on)}
        )
    before = _snapshot(member)
    current = _current_affiliation(member, on)
    # a member in transfer is counted under the cell they left until they are received
    cell_then = current or Affiliation.objects.filter(member=member, kind=AffiliationKind.OFFICIAL,
                                                      valid_from__lte=on).order_by("-valid_from").first()
    event = MemberEvent.objects.create(
        member=member, type=type, on=on, decision_no=decision.number, decision_date=decision.date,
        issuer=decision.issuer, reason=reason, occupation=member.occupation, status_before=status or "",
        org=cell if type in JOINING else (cell_then.org if cell_then else None),
    )
    if type in LEAVING:
        _close_affiliation(member, on)
        _end_temporary(member, on)
        Transfer.objects.filter(member=member, state__in=[TransferState.REQUESTED, TransferState.LETTER_ISSUED]).update(
            state=TransferState.CANCELLED)
    elif type in JOINING:
        if cell is None:
            raise ValidationError(_("Choose the cell the member joins."))
        _open_affiliation(member, cell, on)
    if type == EventType.RECOGNIZED:
        member.official_date = on
        member.save(update_fields=["official_date"])
    _rebuild_status(member)
    _audit(actor, member, f"member.{type}", before, on, reason=reason or decision.number)
    return event


@transaction.atomic
def member_update(*, actor: Any, member: Member, person: PersonData, reason: str = "") -> Member:
    """Correct the personal data of a record."""
    values = _validate_person(person)
    before = {f: str(getattr(member, f)) for f in ("full_name", "gender", "birth_date", "occupation", "card_number")}
    for field in ("gender", "birth_date", "ethnicity", "religion", "phone", "general_education",
                  "professional_level", "theory_level", "occupation", "birthplace_id", "hometown_id",
                  "card_date"):
        setattr(member, field, getattr(person, field))
    member.full_name = values["full_name"]
    member.search_key = fold(member.full_name)
    member.national_id = values["national_id"]
    member.card_number = person.card_number or None
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise ValidationError(_("Another member already has this identity or card number.")) from exc
    after = {f: str(getattr(member, f)) for f in before}
    _audit(actor, member, "member.update", before, today(), reason=reason, after=after)
    return member


# --- transfers ----------------------------------------------------------------------------------


@transaction.atomic
def transfer_request(
    *, actor: Any, member: Member, kind: str, to_org: Organization | None, trigger_date: dt.date,
    requested_on: dt.date, outside_place: str = "", temporary_until: dt.date | None = None, note: str = "",
) -> Transfer:
    if kind not in TransferKind.values:
        raise ValidationError(_("Unknown kind of transfer."))
    if member.status not in IN_PARTY:
        raise ValidationError(_("Only probationary and official members are transferred."))
    member = Member.objects.select_for_update().get(pk=member.pk)  # one transfer at a time per member
    if Transfer.objects.filter(member=member, state__in=[TransferState.REQUESTED, TransferState.LETTER_ISSUED]).exists():
        raise ValidationError(_("The member already has a transfer under way."))
    last = member.events.order_by("-on").values_list("on", flat=True).first()
    if last is not None and requested_on < last:
        raise ValidationError(
            _("The request cannot be dated before the member's last recorded event (%(date)s).") % {"date": _d(last)}
        )
    current = _current_affiliation(member, requested_on)
    if current is None:
        raise ValidationError(_("The member belongs to no cell on %(date)s.") % {"date": _d(requested_on)})
    if to_org is None and not outside_place.strip():
        raise ValidationError(_("Choose the destination cell, or name the place outside the system."))
    if to_org is not None:
        if to_org.pk == current.org_id:
            raise ValidationError(_("The destination is the member's own cell."))
        check_cell(to_org, requested_on)
    if kind == TransferKind.TEMPORARY:
        if temporary_until is None or temporary_until <= requested_on:
            raise ValidationError(_("A temporary transfer needs an end date after its start."))
        if to_org is None:
            raise ValidationError(_("A temporary transfer needs a host cell."))
    org_ids = _ancestor_ids(current.org, trigger_date)
    deadline_days = rule("transfer.official.initiate_deadline_working_days", on=trigger_date, org_ids=org_ids)
    transfer = Transfer.objects.create(
        member=member, kind=kind, from_org=current.org, to_org=to_org, outside_place=outside_place.strip(),
        trigger_date=trigger_date, start_deadline=add_working_days(trigger_date, deadline_days),
        requested_on=requested_on, temporary_until=temporary_until, note=note,
    )
    _audit(actor, member, "transfer.request", None, requested_on,
           after={"transfer": transfer.pk, "to": to_org.code if to_org else outside_place})
    return transfer


@transaction.atomic
def transfer_issue_letter(
    *, actor: Any, transfer: Transfer, letter_no: str, issued_on: dt.date, issued_by: Organization,
    dues_paid_through: str = "",
) -> Transfer:
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferState.REQUESTED:
        raise ValidationError(_("The letter can be issued only for a requested transfer."))
    if issued_on < transfer.requested_on:
        raise ValidationError(_("The letter cannot be issued before the request."))
    if not letter_no.strip():
        raise ValidationError(_("Give the letter number."))
    if dues_paid_through and not (len(dues_paid_through) == 7 and dues_paid_through[4] == "-"):
        raise ValidationError(_("Write the month the dues are paid through as YYYY-MM."))
    member = transfer.member
    days = rule("transfer.present_letter_deadline_working_days", on=issued_on,
                org_ids=_ancestor_ids(transfer.from_org, issued_on) if transfer.from_org else None)
    transfer.letter_no, transfer.letter_issued_on, transfer.issued_by = letter_no.strip(), issued_on, issued_by
    transfer.present_deadline = add_working_days(issued_on, days)
    transfer.dues_paid_through = dues_paid_through
    if transfer.kind == TransferKind.OFFICIAL:
        _close_affiliation(member, issued_on)  # in transfer from now on
        transfer.state = TransferState.LETTER_ISSUED if transfer.to_org_id else TransferState.LEFT_PROVINCE
    else:
        transfer.state = TransferState.LETTER_ISSUED
    transfer.save()
    _audit(actor, member, "transfer.letter", None, issued_on,
           after={"transfer": transfer.pk, "letter": transfer.letter_no, "state": transfer.state})
    return transfer


@transaction.atomic
def transfer_receive(*, actor: Any, transfer: Transfer, received_on: dt.date) -> Transfer:
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferState.LETTER_ISSUED or transfer.to_org is None:
        raise ValidationError(_("Only a transfer in progress can be received."))
    assert transfer.letter_issued_on is not None
    if received_on < transfer.letter_issued_on:
        raise ValidationError(_("The letter cannot be received before it was issued."))
    member = transfer.member
    if transfer.kind == TransferKind.OFFICIAL:
        _open_affiliation(member, transfer.to_org, received_on, transfer=transfer)
    else:
        check_cell(transfer.to_org, received_on)
        if transfer.temporary_until is not None and received_on >= transfer.temporary_until:
            raise ValidationError(
                _("The temporary activity was to end on %(date)s; it cannot be received then or later.")
                % {"date": _d(transfer.temporary_until)}
            )
        Affiliation.objects.create(member=member, org=transfer.to_org, kind=AffiliationKind.TEMPORARY,
                                   valid_from=received_on, valid_to=transfer.temporary_until, transfer=transfer)
    transfer.received_on = received_on
    transfer.state = TransferState.RECEIVED
    transfer.save(update_fields=["received_on", "state"])
    _audit(actor, member, "transfer.receive", None, received_on, after={"transfer": transfer.pk})
    return transfer


@transaction.atomic
def transfer_cancel(*, actor: Any, transfer: Transfer, on: dt.date, reason: str) -> Transfer:
    """Cancel a transfer; a member already in transfer returns to the cell they left."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state not in (TransferState.REQUESTED, TransferState.LETTER_ISSUED):
        raise ValidationError(_("Only a transfer under way can be cancelled."))
    if not reason.strip():
        raise ValidationError(_("Say why the transfer is cancelled."))
    if transfer.state == TransferState.LETTER_ISSUED and transfer.kind == TransferKind.OFFICIAL and transfer.from_org:
        _open_affiliation(transfer.member, transfer.from_org, on)
    transfer.state = TransferState.CANCELLED
    transfer.note = (transfer.note + "\n" + reason).strip()
    transfer.save(update_fields=["state", "note"])
    _audit(actor, transfer.member, "transfer.cancel", None, on, reason=reason, after={"transfer": transfer.pk})
    return transfer


@transaction.atomic
def members_follow_restructuring(
    *, actor: Any, from_cell: Organization, to_cell: Organization | None, on: dt.date, reference: str,
) -> dict[str, int]:
    """A cell stops on `on` (merged, split or dissolved): its members move to `to_cell` from that
    day (a completed transfer referencing the restructuring), temporary activity there ends, and
    transfers under way towards it are redirected. Nobody is lost: with members left and no
    destination, this refuses."""
    moving = list(
        Affiliation.objects.filter(org=from_cell, kind=AffiliationKind.OFFICIAL)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .filter(valid_from__lte=on)
        .select_related("member")
    )
    later = Affiliation.objects.filter(org=from_cell, kind=AffiliationKind.OFFICIAL, valid_from__gt=on).exists()
    if later:
        raise ValidationError(
            _("Members join “%(code)s” after %(date)s; record that first.") % {"code": from_cell.code, "date": _d(on)}
        )
    if moving and to_cell is None:
        raise ValidationError(
            _("%(count)d members are still in “%(code)s” on %(date)s: choose their destination.")
            % {"count": len(moving), "code": from_cell.code, "date": _d(on)}
        )
    moved = 0
    for aff in moving:
        assert to_cell is not None
        member = aff.member
        if aff.valid_from >= on:
            aff.delete()
        else:
            aff.valid_to = on
            aff.save(update_fields=["valid_to"])
        transfer = Transfer.objects.create(
            member=member, kind=TransferKind.OFFICIAL, from_org=from_cell, to_org=to_cell, trigger_date=on,
            start_deadline=on, requested_on=on, letter_no=reference[:64], letter_issued_on=on, present_deadline=on,
            received_on=on, state=TransferState.RECEIVED, note=reference,
        )
        _open_affiliation(member, to_cell, on, transfer=transfer)
        moved += 1
    temporary = Affiliation.objects.filter(org=from_cell, kind=AffiliationKind.TEMPORARY).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )
    # Temporary activity that would only start on or after the day the cell stops never happens.
    ended = temporary.filter(valid_from__lt=on).update(valid_to=on) + temporary.filter(valid_from__gte=on).delete()[0]
    redirected = 0
    if to_cell is not None:
        redirected = Transfer.objects.filter(
            to_org=from_cell, state__in=[TransferState.REQUESTED, TransferState.LETTER_ISSUED]
        ).update(to_org=to_cell)
    if moved or ended or redirected:
        audit_log(actor=actor, action="member.follow_restructuring", target=from_cell,
                  org_path=_org_path_on(to_cell, on) if to_cell else _org_path_on(from_cell, on),
                  after={"to": to_cell.code if to_cell else None, "moved": moved, "temporary_ended": ended,
                         "transfers_redirected": redirected}, reason=reference)
    return {"moved": moved, "temporary_ended": ended, "transfers_redirected": redirected}
