"""Every write of the admission procedure. One transaction each, validated against the rulebook
as of the date of the act, audited. The ceremony creates the member's record through the members
services (`member_admit`, or `member_event` for a readmission); recognition and removal during
probation write the member's status events there. There is no other way to admit.

The order of the acts is `models.ORDER`; a failed vote leaves the person where they were (the
cell may vote again); after the rulebook's number of failed recognition votes the case goes to
the superior committee. Deadlines in working days come from `rules.calendar`."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chibo.core.audit import audit_log, read_log
from chibo.core.paths import segments
from chibo.core.text import fold
from chibo.core.validtime import today, valid_on_q
from chibo.members import services as members
from chibo.members.choices import AffiliationKind, EventType, GeneralEducation, Status
from chibo.members.models import Affiliation, Member, StatusPeriod
from chibo.members.validation import (
    add_months,
    check_admission_age,
    clean_full_name,
    clean_national_id,
)
from chibo.orgs.models import Organization
from chibo.rules.calendar import add_working_days
from chibo.rules.selectors import rule

from .models import (
    CLOSED,
    IN_PROBATION,
    AdmissionAct,
    AdmissionTarget,
    Applicant,
    DossierFile,
    ProposedBy,
    SourceListReview,
    Step,
    TargetKind,
)

VIEW, CHANGE = "member.view", "member.change"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# what a scan may be, recognised by its first bytes (never by its name)
MAGIC: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
}
EDUCATION_ORDER: list[str] = [GeneralEducation.PRIMARY, GeneralEducation.LOWER_SECONDARY, GeneralEducation.UPPER_SECONDARY]
# the act that must come before each act (the simple acts: a date and a document)
SIMPLE_AFTER: dict[str, tuple[str, ...]] = {
    Step.AWARENESS_COURSE: (Step.LISTED,),
    Step.APPLICATION: (Step.AWARENESS_COURSE,),
    Step.BIOGRAPHY: (Step.APPLICATION,),
    Step.VERIFICATION: (Step.BIOGRAPHY,),
    Step.OPINIONS: (Step.INTRODUCTION,),
    Step.GRASSROOTS_RESOLUTION: (Step.CELL_VOTE,),
    Step.NEW_MEMBER_COURSE: (Step.CEREMONY,),
    Step.RECOGNITION_RESOLUTION: (Step.RECOGNITION_VOTE,),
}
SIMPLE = tuple(SIMPLE_AFTER)


def _d(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _who(actor: Any) -> Any:
    """The user to record (a saved, signed-in user; None for the system)."""
    return actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None


def storage() -> Storage:
    return storages["private"]


@dataclass(frozen=True)
class ApplicantData:
    full_name: str
    gender: str
    birth_date: dt.date
    ethnicity: str = "01"
    religion: str = "none"
    national_id: str | None = None
    general_education: str = GeneralEducation.UPPER_SECONDARY
    occupation: str = "other"
    youth_union: bool = False


def _path(org: Organization, on: dt.date) -> str:
    v = org.version_on(on) or org.latest_version()
    return v.path if v else ""


def _org_ids(org: Organization, on: dt.date) -> list[int]:
    path = _path(org, on)
    return list(reversed(segments(path))) if path else [org.pk]


def _rule(key: str, applicant: Applicant, on: dt.date) -> Any:
    return rule(key, on=on, org_ids=_org_ids(applicant.cell, on))


def _audit(actor: Any, applicant: Applicant, action: str, on: dt.date, after: dict[str, Any] | None = None,
           reason: str = "") -> None:
    audit_log(actor=actor, action=action, target=applicant, org_path=_path(applicant.cell, on),
              after=after or {"admission_step": applicant.state}, reason=reason)


def _status_on(member: Member, on: dt.date) -> str | None:
    return StatusPeriod.objects.filter(member=member).filter(valid_on_q(on)).values_list("status", flat=True).first()


def _check_day(on: dt.date, applicant: Applicant | None = None) -> None:
    if on > today():
        raise ValidationError(_("An act is recorded once it has happened: %(date)s is in the future.")
                              % {"date": _d(on)})
    if applicant is not None and on < applicant.state_on:
        raise ValidationError(_("The acts are recorded in date order: the last one is dated %(date)s.")
                              % {"date": _d(applicant.state_on)})


def _locked(applicant: Applicant) -> Applicant:
    return Applicant.objects.select_for_update(of=("self",)).select_related("cell", "member").get(pk=applicant.pk)


def _expect(applicant: Applicant, step: str, allowed: tuple[str, ...]) -> None:
    if applicant.state not in allowed:
        raise ValidationError(
            _("“%(act)s” cannot be recorded now: the applicant's last act is “%(state)s”.")
            % {"act": Step(step).label, "state": Step(applicant.state).label})


def _append(applicant: Applicant, step: str, on: dt.date, *, actor: Any, due_on: dt.date | None,
            state: str | None = None, **fields: Any) -> AdmissionAct:
    """Close the current act and open the new one; move the applicant to `state` (the act by default)."""
    AdmissionAct.objects.filter(applicant=applicant, until__isnull=True).update(until=on)
    act = AdmissionAct.objects.create(applicant=applicant, cell=applicant.cell, step=step, state=state or step,
                                      on=on, due_on=due_on,
                                      recorded_by=_who(actor),
                                      **fields)
    applicant.state, applicant.state_on, applicant.due_on = state or step, on, due_on
    applicant.save(update_fields=["state", "state_on", "due_on", "failed_votes", "decision_extended", "member"])
    return act


# --- the list of outstanding people ------------------------------------------------------------


@transaction.atomic
def applicant_create(
    *, actor: Any, person: ApplicantData, cell: Organization, listed_on: dt.date, resolution_no: str,
    helper: Member | None = None, proposed_by: str = ProposedBy.CELL, readmission_of: Member | None = None,
) -> Applicant:
    """Put a person on the cell's list of outstanding people (the cell's resolution), with the
    official member assigned to help."""
    errors: dict[str, list[str]] = {}
    try:
        name = clean_full_name(person.full_name)
    except ValidationError as exc:
        errors["full_name"] = exc.messages
        name = ""
    try:
        national_id = clean_national_id(person.national_id, birth_date=person.birth_date, gender=person.gender)
    except ValidationError as exc:
        errors["national_id"] = exc.messages
        national_id = None
    if person.gender not in ("male", "female"):
        errors.setdefault("gender", []).append(_("Choose male or female."))
    if person.general_education not in GeneralEducation.values:
        errors.setdefault("general_education", []).append(_("Unknown education level."))
    if proposed_by not in ProposedBy.values:
        errors.setdefault("proposed_by", []).append(_("Unknown proposer."))
    if not resolution_no.strip():
        errors.setdefault("resolution_no", []).append(_("Give the number of the cell's resolution."))
    if person.birth_date >= listed_on:
        errors.setdefault("birth_date", []).append(_("The date of birth must be before the listing."))
    if errors:
        raise ValidationError(errors)
    _check_day(listed_on)
    members.check_cell(cell, listed_on)
    key = fold(name)
    if readmission_of is None:
        same_person = Member.objects.filter(search_key=key, birth_date=person.birth_date).exists()
        if national_id:
            same_person = same_person or Member.objects.filter(national_id=national_id).exists()
        if same_person:
            raise ValidationError(_("This person is already in the member register: "
                                    "a former member is readmitted, not admitted again."))
    else:
        _check_readmission(readmission_of, listed_on)
    pending = Applicant.objects.exclude(state__in=CLOSED).filter(search_key=key, birth_date=person.birth_date)
    if pending.exists() or (national_id and Applicant.objects.filter(national_id=national_id).exists()):
        raise ValidationError(_("This person is already on a list of outstanding people."))
    if helper is not None and _status_on(helper, listed_on) != Status.OFFICIAL:
        raise ValidationError({"helper": [_("The member assigned to help must be an official member on %(date)s.")
                                          % {"date": _d(listed_on)}]})
    try:
        with transaction.atomic():
            applicant = Applicant.objects.create(
                full_name=name, search_key=key, gender=person.gender, birth_date=person.birth_date,
                ethnicity=person.ethnicity, religion=person.religion, national_id=national_id,
                general_education=person.general_education, occupation=person.occupation,
                youth_union=person.youth_union, cell=cell, proposed_by=proposed_by, helper=helper,
                readmission_of=readmission_of, listed_on=listed_on, state=Step.LISTED, state_on=listed_on)
    except IntegrityError as exc:
        raise ValidationError(_("Another person already has this identity number.")) from exc
    AdmissionAct.objects.create(applicant=applicant, cell=cell, step=Step.LISTED, state=Step.LISTED, on=listed_on,
                                document_no=resolution_no.strip(), details={"proposed_by": proposed_by},
                                recorded_by=_who(actor))
    _audit(actor, applicant, "admission.list", listed_on, reason=resolution_no)
    return applicant


def _check_readmission(member: Member, on: dt.date) -> None:
    member = Member.objects.get(pk=member.pk)
    if member.status not in (Status.REMOVED, Status.EXPELLED):
        raise ValidationError(_("Only a person removed from the roll or expelled can be readmitted."))
    if member.events.filter(type=EventType.READMITTED).count() >= rule("readmission.max_times", on=on):
        raise ValidationError(_("A member can be readmitted only once."))
    left = member.events.order_by("-on", "-id").first()
    if left is not None and left.type == EventType.WITHDRAWN:
        raise ValidationError(_("A person who left the party of their own will is not readmitted."))


# --- the acts -----------------------------------------------------------------------------------


@transaction.atomic
def act_record(*, actor: Any, applicant: Applicant, step: str, on: dt.date, document_no: str = "",
               issuer: str = "", note: str = "") -> AdmissionAct:
    """A simple act: its date and its document (course certificates, application, biography and
    its verification, the comments, the grassroots committee's resolutions)."""
    applicant = _locked(applicant)
    if step not in SIMPLE:
        raise ValidationError(_("Unknown act."))
    _expect(applicant, step, SIMPLE_AFTER[step])
    _check_day(on, applicant)
    due = applicant.due_on if step in (Step.GRASSROOTS_RESOLUTION, Step.NEW_MEMBER_COURSE,
                                       Step.RECOGNITION_RESOLUTION) else None
    act = _append(applicant, step, on, actor=actor, due_on=due, document_no=document_no.strip(),
                  issuer=issuer.strip(), note=note)
    _audit(actor, applicant, f"admission.{step}", on, reason=document_no)
    return act


@transaction.atomic
def introduction_record(*, actor: Any, applicant: Applicant, on: dt.date, introducers: list[Member],
                        youth_union_resolution_no: str = "", known_since: dict[int, dt.date] | None = None
                        ) -> AdmissionAct:
    """Two official members who have worked with the applicant for the rulebook's time; for a
    Youth Union member, the Union committee's resolution and one official member."""
    applicant = _locked(applicant)
    _expect(applicant, Step.INTRODUCTION, (Step.VERIFICATION,))
    _check_day(on, applicant)
    needed = int(_rule("admission.introducers", applicant, on))
    youth = bool(youth_union_resolution_no.strip())
    if youth and not applicant.youth_union:
        raise ValidationError(_("Only a Youth Union member is introduced by the Youth Union."))
    if youth:
        needed = 1
    people = list({m.pk: m for m in introducers}.values())
    if len(people) != needed:
        raise ValidationError(
            _("The introduction needs %(n)d official member(s); %(given)d given.") % {"n": needed, "given": len(people)})
    years = int(_rule("admission.introducer_min_years_known", applicant, on))
    since_limit = add_months(on, -12 * years)
    for m in people:
        if _status_on(m, on) != Status.OFFICIAL:
            raise ValidationError(_("%(name)s is not an official member on %(date)s and cannot introduce.")
                                  % {"name": m.full_name, "date": _d(on)})
        since = (known_since or {}).get(m.pk)
        if since is None:
            aff = (Affiliation.objects.filter(member=m, org=applicant.cell, kind=AffiliationKind.OFFICIAL)
                   .filter(valid_on_q(on)).order_by("valid_from").first())
            if aff is None:
                raise ValidationError(_("%(name)s is not a member of the applicant's cell on %(date)s.")
                                      % {"name": m.full_name, "date": _d(on)})
            since = aff.valid_from
        if since > since_limit:
            raise ValidationError(
                _("%(name)s has worked with the applicant since %(date)s: an introducer needs at least "
                  "%(years)d year(s).") % {"name": m.full_name, "date": _d(since), "years": years})
    act = _append(applicant, Step.INTRODUCTION, on, actor=actor, due_on=None,
                  document_no=youth_union_resolution_no.strip(),
                  details={"introducers": [m.pk for m in people], "youth_union": youth})
    _audit(actor, applicant, "admission.introduction", on, after={"introducers": [m.pk for m in people]})
    return act


def _education_ok(applicant: Applicant, on: dt.date) -> bool:
    needed = _rule("admission.min_education", applicant, on)
    if needed not in EDUCATION_ORDER or applicant.general_education not in EDUCATION_ORDER:
        return True
    return EDUCATION_ORDER.index(applicant.general_education) >= EDUCATION_ORDER.index(needed)


def _check_eligible(applicant: Applicant, on: dt.date, provincial_approval: bool) -> None:
    """Eligibility at the cell's consideration, by the rules in force that day."""
    check_admission_age(
        birth_date=applicant.birth_date, decision_date=on,
        min_age_months=int(_rule("admission.min_age_months", applicant, on)),
        max_age_months=int(_rule("admission.max_age_months_without_provincial_approval", applicant, on)),
        provincial_approval=provincial_approval)
    if not _education_ok(applicant, on):
        raise ValidationError(_("Admission needs at least lower-secondary education."))
    course = applicant.acts.filter(step=Step.AWARENESS_COURSE).order_by("-on").first()
    if course is None:
        raise ValidationError(_("The party awareness course has not been recorded."))
    years = int(_rule("admission.awareness_cert_validity_years", applicant, on))
    if add_months(course.on, 12 * years) <= on:
        raise ValidationError(_("The awareness course certificate of %(date)s is no longer valid (%(years)d years).")
                              % {"date": _d(course.on), "years": years})
    if applicant.readmission_of_id:
        assert applicant.readmission_of is not None
        _check_readmission(applicant.readmission_of, on)


def _threshold_met(threshold: Any, votes_for: int, official: int) -> bool:
    num, den = int(threshold["num"]), int(threshold["den"])
    if threshold.get("strict"):
        return votes_for * den > num * official
    return votes_for * den >= num * official


@transaction.atomic
def vote_record(*, actor: Any, applicant: Applicant, on: dt.date, votes_for: int, votes_against: int = 0,
                document_no: str = "", provincial_approval: bool = False, meeting_vote: Any = None) -> AdmissionAct:
    """The cell's vote on admission (after the comments) or on recognition (after the probation):
    the official members are counted from the register on the day; the threshold is the rule in
    force that day. A failed vote leaves the person where they were. With `meeting_vote` (a vote
    of the cell's meeting on this subject, held that day) the counts are the meeting's."""
    from django.utils import timezone

    from chibo.meetings.models import VoteSubject
    from chibo.meetings.register import official_members

    applicant = _locked(applicant)
    recognition = applicant.member_id is not None
    if meeting_vote is not None:
        subject = VoteSubject.RECOGNITION if recognition else VoteSubject.ADMISSION
        meeting = meeting_vote.meeting
        held = timezone.localtime(meeting.held_at).date() if meeting.held_at else None
        if meeting_vote.subject != subject or meeting.org_id != applicant.cell_id or held != on:
            raise ValidationError(_("The meeting's vote is not this cell's vote on this applicant that day."))
        votes_for, votes_against = meeting_vote.votes_for, meeting_vote.votes_against
    step = Step.RECOGNITION_VOTE if recognition else Step.CELL_VOTE
    allowed = (Step.NEW_MEMBER_COURSE, Step.REFUSED) if recognition else (Step.OPINIONS, Step.REFUSED)
    _expect(applicant, step, allowed)
    _check_day(on, applicant)
    if votes_for < 0 or votes_against < 0:
        raise ValidationError(_("Votes cannot be negative."))
    official = official_members(applicant.cell_id, on)
    if official == 0:
        raise ValidationError(_("The cell has no official member on %(date)s.") % {"date": _d(on)})
    if votes_for + votes_against > official:
        raise ValidationError(
            _("%(votes)d votes were cast but the cell has %(n)d official members on %(date)s.")
            % {"votes": votes_for + votes_against, "n": official, "date": _d(on)})
    if recognition:
        assert applicant.member is not None
        probation_end = _probation_end(applicant)
        if on < probation_end:
            raise ValidationError(_("The probation ends on %(date)s: the cell considers recognition after it.")
                                  % {"date": _d(probation_end)})
        threshold = _rule("recognition.cell_vote_threshold", applicant, on)
    else:
        _check_eligible(applicant, on, provincial_approval)
        threshold = _rule("admission.cell_vote_threshold", applicant, on)
    passed = _threshold_met(threshold, votes_for, official)
    fields: dict[str, Any] = {"votes_for": votes_for, "votes_against": votes_against, "official_members": official,
                              "passed": passed, "document_no": document_no.strip(), "meeting_vote": meeting_vote,
                              "details": {"threshold": threshold}}
    if passed:
        days_key = ("recognition.decision_deadline_working_days" if recognition
                    else "admission.decision_deadline_working_days")
        due = add_working_days(on, int(_rule(days_key, applicant, on)))
        applicant.decision_extended = False
        act = _append(applicant, step, on, actor=actor, due_on=due, **fields)
    else:
        applicant.failed_votes += 1
        state = Step.REFUSED
        if recognition and applicant.failed_votes >= int(
                _rule("recognition.max_vote_attempts_before_escalation", applicant, on)):
            state = Step.ESCALATED
        act = _append(applicant, step, on, actor=actor, due_on=applicant.due_on, state=state, **fields)
    _audit(actor, applicant, f"admission.{step}", on,
           after={"admission_step": applicant.state, "votes_for": votes_for, "votes_against": votes_against,
                  "official_members": official, "passed": passed})
    return act


@transaction.atomic
def decision_extend(*, actor: Any, applicant: Applicant, reason: str) -> Applicant:
    """Extend the deadline of the admission decision once, by the rulebook's working days."""
    applicant = _locked(applicant)
    if applicant.state not in (Step.CELL_VOTE, Step.GRASSROOTS_RESOLUTION) or applicant.due_on is None:
        raise ValidationError(_("Only a decision that is awaited can be given more time."))
    if applicant.decision_extended:
        raise ValidationError(_("The deadline of the decision can be extended only once."))
    if not reason.strip():
        raise ValidationError(_("Say why the deadline is extended."))
    vote = applicant.acts.filter(step=Step.CELL_VOTE, passed=True).order_by("-on").first()
    assert vote is not None
    days = int(_rule("admission.decision_extension_working_days", applicant, vote.on))
    applicant.due_on = add_working_days(applicant.due_on, days)
    applicant.decision_extended = True
    applicant.save(update_fields=["due_on", "decision_extended"])
    AdmissionAct.objects.filter(applicant=applicant, until__isnull=True).update(due_on=applicant.due_on)
    _audit(actor, applicant, "admission.extend", today(), after={"next_due": str(applicant.due_on)}, reason=reason)
    return applicant


@transaction.atomic
def decision_record(*, actor: Any, applicant: Applicant, on: dt.date, document_no: str, issuer: str,
                    received_on: dt.date | None = None) -> AdmissionAct:
    """The competent committee's decision (admission, or official membership after probation)."""
    applicant = _locked(applicant)
    recognition = applicant.member_id is not None
    step = Step.RECOGNITION_DECISION if recognition else Step.DECISION
    allowed = (Step.RECOGNITION_RESOLUTION, Step.ESCALATED) if recognition else (Step.GRASSROOTS_RESOLUTION,)
    _expect(applicant, step, allowed)
    _check_day(on, applicant)
    if not document_no.strip() or not issuer.strip():
        raise ValidationError(_("A decision is recorded with its number and who issued it."))
    received = received_on or on
    if received < on:
        raise ValidationError(_("The decision cannot be received before it was issued."))
    _check_day(received)
    if recognition:
        assert applicant.member is not None
        members.member_event(actor=actor, member=applicant.member, type=EventType.RECOGNIZED,
                             decision=members.DecisionInfo(number=document_no.strip(), date=on, issuer=issuer.strip()))
        act = _append(applicant, step, on, actor=actor, due_on=None, state=Step.OFFICIAL,
                      document_no=document_no.strip(), issuer=issuer.strip())
    else:
        due = add_working_days(received, int(_rule("admission.ceremony_deadline_working_days", applicant, received)))
        act = _append(applicant, step, on, actor=actor, due_on=due, document_no=document_no.strip(),
                      issuer=issuer.strip(), details={"received_on": received.isoformat()})
    _audit(actor, applicant, f"admission.{step}", on, reason=document_no)
    return act


def _probation_end(applicant: Applicant) -> dt.date:
    ceremony = applicant.acts.filter(step=Step.CEREMONY).order_by("-on").values_list("on", flat=True).first()
    assert ceremony is not None
    return add_months(ceremony, int(_rule("probation.months", applicant, ceremony)))


@transaction.atomic
def ceremony_record(*, actor: Any, applicant: Applicant, on: dt.date, card_number: str | None = None,
                    provincial_approval: bool = False) -> AdmissionAct:
    """The admission ceremony: the one door into the register. Creates the member's record (or
    the readmission event) through the members services; probation starts."""
    applicant = _locked(applicant)
    _expect(applicant, Step.CEREMONY, (Step.DECISION,))
    _check_day(on, applicant)
    decision = applicant.acts.filter(step=Step.DECISION).order_by("-on").first()
    assert decision is not None
    received = dt.date.fromisoformat(decision.details.get("received_on", decision.on.isoformat()))
    if on < received:
        raise ValidationError(_("The ceremony comes after the decision is received (%(date)s).") % {"date": _d(received)})
    info = members.DecisionInfo(number=decision.document_no, date=decision.on, issuer=decision.issuer)
    if applicant.readmission_of_id:
        member = applicant.readmission_of
        assert member is not None
        members.member_event(actor=actor, member=member, type=EventType.READMITTED, on=on, decision=info,
                             cell=applicant.cell)
    else:
        person = members.PersonData(
            full_name=applicant.full_name, gender=applicant.gender, birth_date=applicant.birth_date,
            ethnicity=applicant.ethnicity, religion=applicant.religion, national_id=applicant.national_id,
            general_education=applicant.general_education, occupation=applicant.occupation,
            card_number=card_number or None)
        member = members.member_admit(actor=actor, person=person, cell=applicant.cell, decision=info,
                                      ceremony_date=on, provincial_approval=provincial_approval)
    applicant.member = member
    applicant.failed_votes = 0
    probation_end = add_months(on, int(_rule("probation.months", applicant, on)))
    due = add_working_days(probation_end, int(_rule("recognition.cell_deadline_working_days", applicant,
                                                    probation_end)))
    act = _append(applicant, Step.CEREMONY, on, actor=actor, due_on=due,
                  details={"probation_ends": probation_end.isoformat(), "member": member.pk})
    _audit(actor, applicant, "admission.ceremony", on, after={"admission_step": applicant.state, "member": member.pk})
    return act


@transaction.atomic
def applicant_remove(*, actor: Any, applicant: Applicant, on: dt.date, document_no: str, issuer: str,
                     reason: str) -> AdmissionAct:
    """End the procedure: before the ceremony the person leaves the list; during probation the
    member is removed from the roll (a status event of the register)."""
    applicant = _locked(applicant)
    if applicant.state in CLOSED:
        raise ValidationError(_("The procedure is already closed."))
    _check_day(on, applicant)
    if not reason.strip():
        raise ValidationError(_("Give the reason."))
    if applicant.member_id is not None and applicant.state in (*IN_PROBATION, Step.REFUSED):
        assert applicant.member is not None
        if not document_no.strip() or not issuer.strip():
            raise ValidationError(_("A decision is recorded with its number and who issued it."))
        members.member_event(actor=actor, member=applicant.member, type=EventType.REMOVED, on=on, reason=reason,
                             decision=members.DecisionInfo(number=document_no.strip(), date=on, issuer=issuer.strip()))
        step = Step.REMOVED
    else:
        step = Step.WITHDRAWN
    act = _append(applicant, step, on, actor=actor, due_on=None, document_no=document_no.strip(),
                  issuer=issuer.strip(), note=reason)
    _audit(actor, applicant, f"admission.{step}", on, reason=reason)
    return act


# --- the dossier --------------------------------------------------------------------------------


def _sniff(head: bytes) -> str | None:
    for content_type, (magic, _ext) in MAGIC.items():
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def dossier_upload(*, actor: Any, applicant: Applicant, step: str, upload: Any) -> DossierFile:
    """Store a scanned document (PDF, JPEG or PNG, recognised by its content) in the private
    storage."""
    if step not in Step.values:
        raise ValidationError(_("Unknown act."))
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationError(_("The file is empty."))
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is too large: at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is too large: at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    content_type = _sniff(data[:16])
    if content_type is None:
        raise ValidationError(_("Only PDF, JPEG and PNG scans are accepted; this file is none of them."))
    ext = MAGIC[content_type][1]
    original = str(getattr(upload, "name", "") or f"scan.{ext}").replace("/", "_").replace("\\", "_")[-150:]
    stored = f"admission/{applicant.pk}/{uuid.uuid4().hex}.{ext}"
    row = DossierFile.objects.create(applicant=applicant, step=step, name=original, stored_name=stored,
                                     content_type=content_type, size=len(data),
                                     sha256=hashlib.sha256(data).hexdigest(),
                                     uploaded_by=_who(actor))
    saved = storage().save(stored, ContentFile(data))
    if saved != stored:
        row.stored_name = saved
        row.save(update_fields=["stored_name"])
    _audit(actor, applicant, "admission.upload", today(), after={"file": row.pk, "step": step, "size": row.size})
    return row


def dossier_open(*, user: Any, pk: int) -> tuple[DossierFile, Any]:
    """A scan the user may see (else DossierFile.DoesNotExist), opened; the read is logged."""
    row = DossierFile.objects.restrict(user, VIEW).select_related("applicant__cell").get(pk=pk)
    handle = storage().open(row.stored_name, "rb")
    read_log(actor=user, target=row, org_path=_path(row.applicant.cell, today()), purpose="admission.dossier")
    return row, handle


# --- targets -----------------------------------------------------------------------------------


@transaction.atomic
def target_set(*, actor: Any, org: Organization, year: int, kind: str, value: float, source: str = ""
               ) -> AdmissionTarget:
    if kind not in TargetKind.values:
        raise ValidationError(_("Unknown kind of target."))
    if not 1930 <= year <= today().year + 10:
        raise ValidationError(_("Give a year between 1930 and ten years from now."))
    if value < 0 or (kind == TargetKind.PERCENT and value > 100):
        raise ValidationError(_("The target must be a positive number (a percentage at most 100)."))
    row, _created = AdmissionTarget.objects.update_or_create(
        org=org, year=year, defaults={"kind": kind, "value": round(float(value), 2), "source": source.strip()})
    audit_log(actor=actor, action="admission.target", target=row, org_path=_path(org, dt.date(year, 1, 1)),
              after={"year": year, "target_kind": kind, "target_value": str(row.value)})
    return row


# --- the grassroots committee's monthly review of the lists -----------------------------------


def in_progress_under(org: Organization, on: dt.date) -> int:
    """People on the lists of the cells under `org` on `on` whose procedure is still open."""
    from chibo.core.paths import subtree_q
    from chibo.orgs.models import OrgVersion

    path = _path(org, on)
    if not path:
        return 0
    cells = OrgVersion.objects.filter(valid_on_q(on)).filter(subtree_q(path)).values("org_id")
    return Applicant.objects.filter(cell_id__in=cells, listed_on__lte=on).exclude(state__in=CLOSED).count()


@transaction.atomic
def review_record(*, actor: Any, org: Organization, on: dt.date, resolution_no: str = "", note: str = ""
                  ) -> SourceListReview:
    """Record the monthly review of the lists of outstanding people by a grassroots committee
    (one a month), with the number of people then on its cells' lists; audited."""
    _check_day(on)
    version = org.version_on(on)
    if version is None or not version.kind.is_grassroots:
        raise ValidationError(_("The lists are reviewed by a grassroots party committee; %(code)s was not one "
                                "on %(date)s.") % {"code": org.code, "date": _d(on)})
    month = on.replace(day=1)
    done = SourceListReview.objects.filter(org=org, month=month).first()
    if done is not None:
        raise ValidationError(_("This month's review is already recorded (on %(date)s).") % {"date": _d(done.reviewed_on)})
    row = SourceListReview.objects.create(
        org=org, month=month, reviewed_on=on, resolution_no=resolution_no.strip()[:64], note=note.strip()[:4000],
        listed=in_progress_under(org, on), created_by=_who(actor))
    audit_log(actor=actor, action="admission.review", target=row, org_path=version.path,
              after={"month": month.isoformat(), "reviewed_on": on.isoformat(), "people_listed": row.listed,
                     "resolution_no": row.resolution_no})
    return row
