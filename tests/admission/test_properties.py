"""Properties of the admission procedure over random procedures (hypothesis):

- no decision before the cell's (passed) vote, no ceremony before the decision;
- the official date is always the ceremony + 12 months, however late the recognition;
- a vote below 2/3 of the official members never admits;
- every deadline is a working day, the rulebook's number of working days after its act, so a
  deadline that would fall on a holiday or a weekend moves as the calendar says.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.admission import services
from chibo.admission.models import Applicant, Step
from chibo.members.models import Member
from chibo.members.validation import add_months
from chibo.rules.calendar import is_working_day, working_days_between
from tests.factories import rolled_back

from .conftest import DATES, SYSTEM, D, listed, walk

pytestmark = pytest.mark.django_db
FAST = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))


# a vote day around Tết and the other holidays of 2022-2023, and gaps (days) between later acts
vote_days = st.dates(min_value=D(2022, 6, 1), max_value=D(2023, 2, 28))
gaps = st.integers(min_value=0, max_value=120)
votes = st.tuples(st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=6))


@FAST
@given(vote_day=vote_days, g1=gaps, g2=gaps, g3=gaps, late=st.integers(min_value=0, max_value=200), vote=votes)
def test_random_procedures(cell_a, officials, vote_day, g1, g2, g3, late, vote):
    with rolled_back():
        a = walk(listed(cell_a), officials, Step.OPINIONS)
        # no decision and no ceremony before the vote
        with pytest.raises(ValidationError):
            services.decision_record(actor=SYSTEM, applicant=a, on=vote_day, document_no="1", issuer="x")
        with pytest.raises(ValidationError):
            services.ceremony_record(actor=SYSTEM, applicant=a, on=vote_day)
        votes_for, votes_against = vote
        if votes_for + votes_against > len(officials):
            with pytest.raises(ValidationError):
                services.vote_record(actor=SYSTEM, applicant=a, on=vote_day, votes_for=votes_for,
                                     votes_against=votes_against)
            return
        act = services.vote_record(actor=SYSTEM, applicant=a, on=vote_day, votes_for=votes_for,
                                   votes_against=votes_against)
        a = Applicant.objects.get(pk=a.pk)
        assert act.passed == (3 * votes_for >= 2 * len(officials))
        if not act.passed:
            assert a.state == Step.REFUSED and a.member_id is None
            with pytest.raises(ValidationError):
                services.act_record(actor=SYSTEM, applicant=a, step=Step.GRASSROOTS_RESOLUTION, on=vote_day)
            return
        assert a.due_on is not None and is_working_day(a.due_on)
        assert working_days_between(vote_day, a.due_on) == 60
        resolution = vote_day + dt.timedelta(days=g1)
        services.act_record(actor=SYSTEM, applicant=a, step=Step.GRASSROOTS_RESOLUTION, on=resolution)
        a = Applicant.objects.get(pk=a.pk)
        with pytest.raises(ValidationError):
            services.ceremony_record(actor=SYSTEM, applicant=a, on=resolution)
        decision = resolution + dt.timedelta(days=g2)
        services.decision_record(actor=SYSTEM, applicant=a, on=decision, document_no="QĐ", issuer="Thành ủy")
        a = Applicant.objects.get(pk=a.pk)
        assert a.due_on is not None and is_working_day(a.due_on)
        assert working_days_between(decision, a.due_on) == 30
        ceremony = decision + dt.timedelta(days=g3)
        services.ceremony_record(actor=SYSTEM, applicant=a, on=ceremony)
        a = Applicant.objects.get(pk=a.pk)
        end = add_months(ceremony, 12)
        assert a.due_on is not None and working_days_between(end, a.due_on) == 30 and is_working_day(a.due_on)
        services.act_record(actor=SYSTEM, applicant=a, step=Step.NEW_MEMBER_COURSE, on=ceremony)
        # the recognition vote, possibly late; never before the probation ends
        with pytest.raises(ValidationError):
            services.vote_record(actor=SYSTEM, applicant=a, on=end - dt.timedelta(days=1), votes_for=6)
        day = end + dt.timedelta(days=late)
        walk(a, officials, Step.RECOGNITION_DECISION, dates={
            Step.RECOGNITION_VOTE: day, Step.RECOGNITION_RESOLUTION: day + dt.timedelta(days=5),
            Step.RECOGNITION_DECISION: day + dt.timedelta(days=40)})
        member = Member.objects.get(pk=a.member_id)
        assert member.ceremony_date == ceremony and member.official_date == end
        assert DATES  # the fixed dates of the fixture are not used past the opinions
