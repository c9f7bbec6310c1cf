"""The printable forms of the admission dossier (the KNĐ forms of guidance 12-HD/BTCTW), pre-filled
from the record where the public form descriptions allow (domain.md §2.2).

Each form names the act whose record fills it in (`FormSpec.step`): its date, document number,
issuer and vote; the cell and committee names are those in force on that date. A form whose act
is not recorded yet still prints, with dotted blanks for everything (the applicant writes the
application before it is recorded). The form itself is a legal document and is always in
Vietnamese: every value that comes from a choice list is taken in Vietnamese here, whatever the
interface language; only the page around it (title, buttons, notes) is translated.

Codes: 1-KNĐ to 15-KNĐ as in domain.md §2.2 (10-KNĐ the probationary member's self-review,
13-KNĐ the cell's resolution on recognition, 15-KNĐ the grassroots committee's). The number of
the decision on official membership was not retrieved, so that form prints without a code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import translation

from chibo.core.validtime import today
from chibo.members.models import Member
from chibo.orgs.models import Organization, OrgVersion

from .models import AdmissionAct, Step
from .selectors import ApplicantRecord


@dataclass(frozen=True)
class FormSpec:
    slug: str
    code: str  # as printed ("" when its number is not confirmed)
    title: str  # the form's name, in Vietnamese as printed
    step: str  # the act whose record fills it in
    template: str
    dated: bool = True  # dated by its act (else the person dates it by hand)


def _spec(slug: str, code: str, title: str, step: str, *, dated: bool = True) -> FormSpec:
    return FormSpec(slug, code, title, step, f"admission/forms/{slug}.html", dated)


FORM_LIST: list[FormSpec] = [
    _spec("1-knd", "1-KNĐ", "Đơn xin vào Đảng", Step.APPLICATION),
    _spec("2-knd", "2-KNĐ", "Lý lịch của người xin vào Đảng", Step.BIOGRAPHY),
    _spec("3-knd", "3-KNĐ", "Giấy giới thiệu người vào Đảng", Step.INTRODUCTION),
    _spec("5-knd", "5-KNĐ", "Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú",
          Step.OPINIONS),
    _spec("6-knd", "6-KNĐ", "Nghị quyết đề nghị kết nạp đảng viên (chi bộ)", Step.CELL_VOTE),
    _spec("8-knd", "8-KNĐ", "Nghị quyết đề nghị kết nạp đảng viên (đảng ủy cơ sở)", Step.GRASSROOTS_RESOLUTION),
    _spec("9-knd", "9-KNĐ", "Quyết định kết nạp đảng viên", Step.DECISION),
    _spec("10-knd", "10-KNĐ", "Bản tự kiểm điểm của đảng viên dự bị", Step.CEREMONY, dated=False),
    _spec("13-knd", "13-KNĐ", "Nghị quyết đề nghị công nhận đảng viên chính thức (chi bộ)", Step.RECOGNITION_VOTE),
    _spec("15-knd", "15-KNĐ", "Nghị quyết đề nghị công nhận đảng viên chính thức (đảng ủy cơ sở)",
          Step.RECOGNITION_RESOLUTION),
    _spec("recognition-decision", "", "Quyết định công nhận đảng viên chính thức", Step.RECOGNITION_DECISION),
]
FORMS: dict[str, FormSpec] = {f.slug: f for f in FORM_LIST}
VOTES = (Step.CELL_VOTE, Step.RECOGNITION_VOTE)


@dataclass
class Committees:
    """The cell and the committees above it, as on a date."""

    cell: str
    grassroots: str = ""  # the grassroots committee (the cell itself for a grassroots cell)
    superior: str = ""  # the committee directly above the grassroots organization
    cell_is_grassroots: bool = False

    @property
    def addressee(self) -> str:
        """The committee a cell writes to: its grassroots committee, or the one above a grassroots cell."""
        return self.superior if self.cell_is_grassroots else self.grassroots


def _version(org: Organization, on: dt.date) -> OrgVersion | None:
    return org.version_on(on) or org.latest_version()


def committees(cell: Organization, on: dt.date) -> Committees:
    v = _version(cell, on)
    out = Committees(cell=v.name if v else cell.code)
    org, ver, seen = cell, v, set()
    while ver is not None and org.pk not in seen:
        seen.add(org.pk)
        if ver.kind.is_grassroots:
            out.grassroots = ver.name
            out.cell_is_grassroots = org.pk == cell.pk
            if ver.parent is not None:
                out.superior = ver.parent.name_on(on)
            break
        if ver.parent is None:
            break
        org = ver.parent
        ver = _version(org, on)
    return out


def percent(part: int | None, whole: int | None) -> str:
    """`part` of `whole` in per cent, as written in Vietnamese (decimal comma, up to 2 decimals)."""
    if part is None or not whole:
        return ""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}".replace(".", ",")


@dataclass
class Vote:
    official: int | None
    present: int | None
    votes_for: int | None
    votes_against: int | None

    @property
    def absent(self) -> int | None:
        return None if self.official is None or self.present is None else self.official - self.present

    @property
    def for_percent(self) -> str:
        return percent(self.votes_for, self.official)

    @property
    def against_percent(self) -> str:
        return percent(self.votes_against, self.official)


@dataclass
class Introducer:
    name: str
    birth_date: dt.date | None = None
    admitted_on: dt.date | None = None
    official_on: dt.date | None = None
    card_number: str = ""
    card_date: dt.date | None = None


@dataclass
class FormData:
    spec: FormSpec
    act: AdmissionAct | None
    on: dt.date | None  # the form's date (its act's)
    orgs: Committees
    person: dict[str, Any]
    acts: dict[str, AdmissionAct] = field(default_factory=dict)  # the last act of each step
    vote: Vote | None = None
    introducers: list[Introducer] = field(default_factory=list)
    probation_ends: dt.date | None = None
    member: Member | None = None


def _last_acts(record: ApplicantRecord) -> dict[str, AdmissionAct]:
    """The last act of each step; for a vote, the last vote that passed (a failed vote proposes nothing)."""
    out: dict[str, AdmissionAct] = {}
    for act in record.acts:
        if act.step in VOTES and act.passed is not True:
            continue
        out[act.step] = act
    return out


def _person(record: ApplicantRecord) -> dict[str, Any]:
    a = record.applicant
    with translation.override("vi"):
        return {
            "full_name": a.full_name, "birth_date": a.birth_date, "gender": str(a.get_gender_display()),
            "ethnicity": str(a.get_ethnicity_display()), "religion": str(a.get_religion_display()),
            "education": str(a.get_general_education_display()), "occupation": str(a.get_occupation_display()),
            "national_id": a.national_id or "", "youth_union": a.youth_union,
            "helper": a.helper.full_name if a.helper else "",
        }


def _introducers(act: AdmissionAct | None) -> list[Introducer]:
    """The official members who introduced the applicant (an applicant's record names them; they
    were members of the applicant's cell on the day), with their party-card data where held."""
    if act is None:
        return [Introducer(name=""), Introducer(name="")]
    ids = [int(pk) for pk in act.details.get("introducers", [])]
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    return [Introducer(name=m.full_name, birth_date=m.birth_date, admitted_on=m.ceremony_date or m.admission_decision_date,
                       official_on=m.official_date, card_number=m.card_number or "", card_date=m.card_date)
            for pk in ids if (m := found.get(pk)) is not None]


def form_data(record: ApplicantRecord, spec: FormSpec) -> FormData:
    acts = _last_acts(record)
    act = acts.get(spec.step)
    on = act.on if act is not None and spec.dated else None
    data = FormData(spec=spec, act=act, on=on, orgs=committees(record.applicant.cell, on or today()),
                    person=_person(record), acts=acts, probation_ends=record.probation_ends,
                    member=record.applicant.member)
    if spec.step in VOTES:
        present = None
        if act is not None and act.meeting_vote_id is not None:
            present = act.meeting_vote.official_present  # type: ignore[union-attr]
        data.vote = Vote(official=act.official_members if act else None, present=present,
                         votes_for=act.votes_for if act else None, votes_against=act.votes_against if act else None)
    if spec.step == Step.INTRODUCTION:
        data.introducers = _introducers(act)
    return data


def available(record: ApplicantRecord) -> list[tuple[FormSpec, AdmissionAct | None]]:
    """Every form with the act that fills it in (None: not recorded yet, prints with blanks)."""
    acts = _last_acts(record)
    return [(spec, acts.get(spec.step)) for spec in FORM_LIST]
