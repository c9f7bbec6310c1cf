"""Properties over random rounds (hypothesis): whatever the cell proposes and the committee tries
to decide, no decided rating violates the quota (without a documented override) or a forcing rule
of the round's rule set; a member excluded by the rules is never rated; and replaying the same
round gives the same result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.evaluation import services
from chibo.evaluation.models import LEVEL_ORDER, Assessment, Level, State, Subject, level_rank
from tests.factories import rolled_back

from .conftest import admit, vn_name

D = dt.date
pytestmark = pytest.mark.django_db
FAST = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))


member_plan = st.tuples(st.sampled_from(LEVEL_ORDER), st.booleans(), st.booleans(), st.booleans())


def play(tree, year: int, opened: D, plans: list[tuple[str, bool, bool, bool]]) -> list[tuple[int, str, str]]:
    rnd = services.round_open(actor=None, org=tree["GX1"], year=year, opened_on=opened)
    unit = Assessment.objects.get(round=rnd, subject=Subject.ORGANIZATION, org=tree["CA"])
    services.assessment_propose(actor=None, assessment=unit, level=Level.GOOD, votes_for=3, on=opened)
    services.assessment_decide(actor=None, assessment=unit, level=Level.GOOD, decision_number="1", on=opened)
    rows = list(Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org=tree["CA"]).order_by("member_id"))
    for a, (level, disciplined, self_detected, _later) in zip(rows, plans, strict=False):
        if a.state == State.NOT_RATED:
            continue
        services.assessment_flag(actor=None, assessment=a, disciplined_in_year=disciplined,
                                 self_detected=self_detected)
        try:
            services.assessment_propose(actor=None, assessment=a, level=level, votes_for=3, on=opened)
        except ValidationError:
            services.assessment_propose(actor=None, assessment=a, level=Level.NOT_COMPLETED, votes_for=3, on=opened)
    for a in Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, state=State.PROPOSED).order_by("id"):
        try:
            services.assessment_decide(actor=None, assessment=a, level=a.proposed_level, decision_number="2",
                                       on=opened)
        except ValidationError:
            services.assessment_decide(actor=None, assessment=a, level=Level.GOOD, decision_number="2", on=opened)
    out = []
    for a in Assessment.objects.filter(round=rnd, subject=Subject.MEMBER).select_related("round").order_by("member_id"):
        if a.state == State.DECIDED:
            best, _ = services.forced_level(a, rnd.rules)
            assert level_rank(a.decided_level) >= level_rank(best)  # never better than the rules allow
        if a.excluded:
            assert a.state == State.NOT_RATED and not a.decided_level
        out.append((a.member_id, a.state, a.decided_level))
    for g in set(Assessment.objects.filter(round=rnd, subject=Subject.MEMBER).values_list("group_path", flat=True)):
        excellent, good, ok = services.quota_check(rnd, Subject.MEMBER, g)
        assert ok, (excellent, good)
    return out


@FAST
@given(plans=st.lists(member_plan, min_size=3, max_size=8), late=st.integers(min_value=0, max_value=3),
       year=st.sampled_from([(2023, D(2023, 12, 1)), (2024, D(2024, 12, 2))]))
def test_random_rounds_respect_the_rules(tree, plans, late, year):
    with rolled_back():
        for i in range(len(plans)):
            admit(tree["CA"], vn_name("Văn", i))
        for i in range(late):  # admitted within six months of the round: not rated
            admit(tree["CA"], vn_name("Mới", i), on=year[1] - dt.timedelta(days=30 * (i + 1)), official=False)
        first = second = None
        with rolled_back():
            first = play(tree, year[0], year[1], plans)
        with rolled_back():
            second = play(tree, year[0], year[1], plans)
        assert first == second
        assert sum(1 for _m, state, _l in first if state == State.NOT_RATED) == late
