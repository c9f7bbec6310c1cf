"""Fixtures for the admission tests: a cell of the project-wide small tree with official members
(admitted 2020-03-02, official a year later), and a helper that walks one applicant through the
procedure up to a given act."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.admission import services
from chibo.admission.models import Applicant, Step
from chibo.admission.services import ApplicantData
from chibo.members.models import Member
from chibo.orgs.models import Organization
from tests.meetings.conftest import admit, vn_name

D = dt.date
SYSTEM = None  # the system (no signed-in user)


@pytest.fixture
def cell_a(tree) -> Organization:
    return tree["CA"]


@pytest.fixture
def officials(tree) -> list[Member]:
    return [admit(tree["CA"], vn_name("Văn", i)) for i in range(6)]


BIRTH, LISTED = D(1995, 4, 10), D(2022, 1, 10)


def listed(cell: Organization, *, name: str = "Nguyễn Thị Ứng Viên", birth: dt.date = BIRTH,
           on: dt.date = LISTED, helper: Member | None = None, **person: object) -> Applicant:
    return services.applicant_create(
        actor=SYSTEM, person=ApplicantData(full_name=name, gender="female", birth_date=birth, **person),  # type: ignore[arg-type]
        cell=cell, listed_on=on, resolution_no="01-NQ/CB", helper=helper)


# the dates of one applicant's procedure, each act after the one before
DATES = {
    Step.AWARENESS_COURSE: D(2022, 2, 15), Step.APPLICATION: D(2022, 3, 1), Step.BIOGRAPHY: D(2022, 3, 2),
    Step.VERIFICATION: D(2022, 4, 20), Step.INTRODUCTION: D(2022, 5, 4), Step.OPINIONS: D(2022, 5, 20),
    Step.CELL_VOTE: D(2022, 6, 6), Step.GRASSROOTS_RESOLUTION: D(2022, 6, 20), Step.DECISION: D(2022, 7, 15),
    Step.CEREMONY: D(2022, 8, 1), Step.NEW_MEMBER_COURSE: D(2022, 10, 3), Step.RECOGNITION_VOTE: D(2023, 8, 7),
    Step.RECOGNITION_RESOLUTION: D(2023, 8, 21), Step.RECOGNITION_DECISION: D(2023, 9, 5),
}


def walk(applicant: Applicant, officials: list[Member], until: str, dates: dict[str, dt.date] | None = None
         ) -> Applicant:
    """Record every act up to and including `until` (votes unanimous)."""
    dates = {**DATES, **(dates or {})}
    applicant = Applicant.objects.get(pk=applicant.pk)
    steps = list(DATES)
    start = steps.index(applicant.state) + 1 if applicant.state in steps else 0
    for step in steps[start:]:
        applicant = Applicant.objects.get(pk=applicant.pk)
        on = dates[step]
        if step in services.SIMPLE:
            services.act_record(actor=SYSTEM, applicant=applicant, step=step, on=on, document_no=f"{step}-1")
        elif step == Step.INTRODUCTION:
            services.introduction_record(actor=SYSTEM, applicant=applicant, on=on, introducers=officials[:2])
        elif step in (Step.CELL_VOTE, Step.RECOGNITION_VOTE):
            services.vote_record(actor=SYSTEM, applicant=applicant, on=on, votes_for=len(officials))
        elif step in (Step.DECISION, Step.RECOGNITION_DECISION):
            services.decision_record(actor=SYSTEM, applicant=applicant, on=on, document_no=f"{step}-QĐ",
                                     issuer="Ban Thường vụ Thành ủy")
        elif step == Step.CEREMONY:
            services.ceremony_record(actor=SYSTEM, applicant=applicant, on=on)
        if step == until:
            break
    return Applicant.objects.get(pk=applicant.pk)
