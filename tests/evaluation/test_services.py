"""The round's services: the rule set of the opening day, the steps in order, the forcing rules,
the quota, stale writes, bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from chibo.core.models import AuditEvent
from chibo.evaluation import selectors, services
from chibo.evaluation.models import Assessment, Level, Round, State, Subject
from chibo.evaluation.services import StaleWrite

from .conftest import SYSTEM, admit, points, vn_name

D = dt.date
pytestmark = pytest.mark.django_db
E, G, C, N = Level.EXCELLENT, Level.GOOD, Level.COMPLETED, Level.NOT_COMPLETED


def member_rows(rnd: Round, org) -> list[Assessment]:
    return list(Assessment.objects.filter(round=rnd, subject=Subject.MEMBER, org=org).order_by("id"))


def unit_row(rnd: Round, org) -> Assessment:
    return Assessment.objects.get(round=rnd, subject=Subject.ORGANIZATION, org=org)


def test_rounds_keep_the_rule_set_of_their_opening_day(tree, people, criteria):
    """A 2023 round under 124 (graded criteria) and a 2025 round under 366 (100 points), side by side."""
    r23 = services.round_open(actor=None, org=tree["GX1"], year=2023, opened_on=D(2023, 12, 1))
    r25 = services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))
    assert (r23.regulation, r23.rules["scale"]) == ("124-QĐ/TW", "grades")
    assert (r25.regulation, r25.rules["scale"]) == ("366-QĐ/TW", "points")
    assert r25.rules["bands"] == {"excellent": 90, "good": 70, "completion": 50}
    assert r25.criteria_member is not None and r23.criteria_member is None
    # two cells and their ten members in each round
    assert Assessment.objects.filter(round=r23, subject=Subject.ORGANIZATION).count() == 2
    assert len(member_rows(r23, tree["CA"])) == 6
    a23, a25 = member_rows(r23, tree["CA"])[0], member_rows(r25, tree["CA"])[0]
    # 124: grades; a weak criterion forces "did not complete"
    with pytest.raises(ValidationError):
        services.assessment_self_assess(actor=None, assessment=a23, scores={"x": 95}, level=G, on=D(2023, 12, 5))
    with pytest.raises(ValidationError):
        services.assessment_self_assess(actor=None, assessment=a23, scores={"politics": "weak"}, level=G,
                                        on=D(2023, 12, 5))
    services.assessment_self_assess(actor=None, assessment=a23, scores={"politics": "good"}, level=G,
                                    on=D(2023, 12, 5))
    # 366: points, the level follows the band
    services.assessment_self_assess(actor=None, assessment=a25, scores=points(85), level=G, on=D(2025, 12, 3))
    a25.refresh_from_db()
    assert a25.self_total == 85 and a25.state == State.SELF_ASSESSED
    # the rulebook changing later does not change an open round
    from chibo.rules.models import PolicyParameter

    PolicyParameter.objects.filter(key="eval.score_bands").update(value={"excellent": 95, "good": 80, "completion": 60})
    r25.refresh_from_db()
    assert r25.rules["bands"]["excellent"] == 90


def test_bad_input_is_refused_in_the_users_language_and_writes_nothing(tree, people, criteria, secretary_a):
    r = services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))
    a = member_rows(r, tree["CA"])[0]
    events = AuditEvent.objects.count()
    with translation.override("en"):
        with pytest.raises(ValidationError, match="between 0 and 20"):  # a score outside the band
            services.assessment_self_assess(actor=None, assessment=a, scores={"politics": 25}, level=G,
                                            on=D(2025, 12, 2))
        with pytest.raises(ValidationError, match="must match the score"):  # a level contradicting the score
            services.assessment_self_assess(actor=None, assessment=a, scores=points(60), level=G, on=D(2025, 12, 2))
        with pytest.raises(ValidationError, match="proposal first"):  # a decision before the proposal
            services.assessment_decide(actor=None, assessment=a, level=G, decision_number="1-QĐ/ĐU",
                                       on=D(2025, 12, 20))
        with pytest.raises(ValidationError, match="not in your scope"):  # a round over a node out of scope
            services.round_open(actor=secretary_a, org=tree["GY1"], year=2025, opened_on=D(2025, 12, 1))
        with pytest.raises(ValidationError, match="not by a cell"):
            services.round_open(actor=None, org=tree["CA"], year=2025, opened_on=D(2025, 12, 1))
    with translation.override("vi"):
        with pytest.raises(ValidationError) as exc:
            services.assessment_self_assess(actor=None, assessment=a, scores=points(60), level=G, on=D(2025, 12, 2))
        assert "điểm" in " ".join(exc.value.messages)
    a.refresh_from_db()
    assert a.state == State.PENDING and a.version == 1 and a.scores == {}
    assert AuditEvent.objects.count() == events


def test_the_whole_round_in_order(tree, people, criteria):
    r = services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))
    ca = tree["CA"]
    rows = member_rows(r, ca)
    levels = [E, G, G, G, G, G]
    totals = {E: 92, G: 80, C: 60}
    for a, level in zip(rows, levels, strict=True):
        services.assessment_self_assess(actor=None, assessment=a, scores=points(totals[level]), level=level,
                                        on=D(2025, 12, 3))
        services.assessment_propose(actor=None, assessment=a, level=level, votes_for=5, on=D(2025, 12, 10))
    unit = unit_row(r, ca)
    # collective before its members
    with pytest.raises(ValidationError, match="organization first"):
        services.assessment_decide(actor=None, assessment=rows[1], level=G, decision_number="5-QĐ/ĐU",
                                   on=D(2025, 12, 20))
    services.assessment_self_assess(actor=None, assessment=unit, scores=points(85), level=G, on=D(2025, 12, 3))
    services.assessment_propose(actor=None, assessment=unit, level=G, votes_for=5, on=D(2025, 12, 10))
    services.assessment_appraise(actor=None, assessment=unit, level=G, on=D(2025, 12, 15))
    # lower collectives before higher: the grassroots committee is not in its own round; decide the cell
    services.assessment_decide(actor=None, assessment=unit, level=G, decision_number="5-QĐ/ĐU", on=D(2025, 12, 20))
    n = services.unit_decide(actor=None, unit=unit, decision_number="6-QĐ/ĐU", on=D(2025, 12, 20))
    assert n == 6
    s = selectors.summary_counts(rnd=r, path=r.path, of="members")
    assert (s["excellent"], s["good"], s["completed"], s["pending"]) == (1, 5, 0, 4)  # CB's 4 still pending
    # a complaint reopens one rating for re-rating
    a = Assessment.objects.get(pk=rows[5].pk)
    services.assessment_reopen(actor=None, assessment=a, reason="Khiếu nại của đảng viên")
    a.refresh_from_db()
    assert a.state == State.REOPENED
    services.assessment_appraise(actor=None, assessment=a, level=C, on=D(2025, 12, 22))
    services.assessment_decide(actor=None, assessment=a, level=C, decision_number="7-QĐ/ĐU", on=D(2025, 12, 23))
    s = selectors.summary_counts(rnd=r, path=r.path, of="members")
    assert (s["good"], s["completed"]) == (4, 1)
    actions = set(AuditEvent.objects.filter(target_type="evaluation.assessment").values_list("action", flat=True))
    assert {"evaluation.self_assess", "evaluation.propose", "evaluation.appraise", "evaluation.decide",
            "evaluation.reopen"} <= actions


def test_quota_and_forcing_rules(tree, people, criteria):
    r = services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))
    unit = unit_row(r, tree["CA"])
    services.assessment_propose(actor=None, assessment=unit, level=G, votes_for=5, on=D(2025, 12, 2))
    services.assessment_decide(actor=None, assessment=unit, level=G, decision_number="1", on=D(2025, 12, 3))
    rows = member_rows(r, tree["CA"])
    # discipline in the year forces "did not complete" unless self-detected
    services.assessment_flag(actor=None, assessment=rows[0], disciplined_in_year=True)
    with translation.override("en"), pytest.raises(ValidationError, match="at most"):
        services.assessment_propose(actor=None, assessment=rows[0], level=C, votes_for=5, on=D(2025, 12, 2))
    services.assessment_flag(actor=None, assessment=rows[0], self_detected=True)
    services.assessment_propose(actor=None, assessment=rows[0], level=C, votes_for=5, on=D(2025, 12, 2))
    # two "excellent" over five "good" is more than 20%
    for a in rows[1:]:
        services.assessment_propose(actor=None, assessment=a, level=G, votes_for=5, on=D(2025, 12, 2))
    services.assessment_propose(actor=None, assessment=rows[1], level=E, votes_for=5, on=D(2025, 12, 2))
    services.assessment_propose(actor=None, assessment=rows[2], level=E, votes_for=5, on=D(2025, 12, 2))
    with translation.override("en"), pytest.raises(ValidationError, match="quota"):
        services.unit_decide(actor=None, unit=unit, decision_number="2", on=D(2025, 12, 4))
    assert not Assessment.objects.filter(round=r, subject=Subject.MEMBER, state=State.DECIDED).exists()
    services.assessment_propose(actor=None, assessment=rows[2], level=G, votes_for=5, on=D(2025, 12, 2))
    # one "excellent" needs five "good": four are not enough, unless a documented decision allows it
    with pytest.raises(ValidationError):
        services.unit_decide(actor=None, unit=unit, decision_number="2", on=D(2025, 12, 4))
    assert services.unit_decide(actor=None, unit=unit, decision_number="2", on=D(2025, 12, 4),
                                quota_override="Công văn 12-CV/ĐU cho phép") == 6
    assert services.quota_check(r, Subject.MEMBER, rows[0].group_path) == (1, 4, False)
    assert Assessment.objects.get(pk=rows[1].pk).quota_override


def test_stale_write_is_refused(tree, people, criteria):
    r = services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))
    a = member_rows(r, tree["CA"])[0]
    services.assessment_self_assess(actor=None, assessment=a, scores=points(80), level=G, on=D(2025, 12, 2),
                                    version=1)
    with pytest.raises(StaleWrite) as exc:
        services.assessment_self_assess(actor=None, assessment=a, scores=points(75), level=G, on=D(2025, 12, 2),
                                        version=1)
    assert exc.value.current["self_total"] == "80.0" and exc.value.current["version"] == 2


def test_excluded_members_are_never_rated(tree, people, criteria):
    late = admit(tree["CA"], vn_name("Mới", 1), on=D(2025, 10, 1), official=False)
    r = services.round_open(actor=None, org=tree["GX1"], year=2025, opened_on=D(2025, 12, 1))
    a = Assessment.objects.get(round=r, member=late)
    assert a.state == State.NOT_RATED and a.excluded == "recently_admitted"
    with pytest.raises(ValidationError):
        services.assessment_propose(actor=None, assessment=a, level=G, votes_for=3, on=D(2025, 12, 2))
    b = member_rows(r, tree["CA"])[0]
    services.assessment_exclude(actor=None, assessment=b, reason="suspended")
    assert selectors.summary_counts(rnd=r, path=r.path, of="members")["not_rated"] == 2


def test_secretaries_and_the_summary_by_node(tree, people, criteria):
    from chibo.cadres.models import Post

    Post.objects.create(org=tree["CA"], member=people["CA"][0], position="secretary", valid_from=D(2024, 1, 1))
    r = services.round_open(actor=None, org=tree["DX"], year=2025, opened_on=D(2025, 12, 1))
    assert Assessment.objects.get(round=r, member=people["CA"][0]).post == "secretary"
    s = selectors.summary(user=SYSTEM, org=tree["GX1"], year=2025, of="secretaries")
    assert s["total"] == 1 and s["pending"] == 1
    orgs = selectors.summary(user=SYSTEM, org=tree["DX"], year=2025, of="organizations")
    assert orgs["total"] == 4  # GX1, its two cells, GX2


def test_emulation_pledges(tree):
    p = services.programme_create(actor=None, owner=tree["GX1"], name="Chi bộ 4 tốt", start_year=2023,
                                  end_year=2025, required_level=G)
    for cell in ("CA", "CB"):
        services.programme_register(actor=None, programme=p, org=tree[cell], registered_on=D(2023, 1, 5),
                                    phase="pilot", pledge_signed_on=D(2023, 1, 10), pledge_document="CK-01")
    with pytest.raises(ValidationError):
        services.programme_register(actor=None, programme=p, org=tree["CY1"], registered_on=D(2023, 1, 5))
    out = selectors.pledges(user=SYSTEM, programme=p)
    assert (out["units"], out["registered"], out["pledged"]) == (2, 2, 2)
    part = p.participants.first()
    rec = services.programme_recognize(actor=None, participation=part, year=2023,
                                       scores={"task_completion": 25, "activity_quality": 22,
                                               "solidarity_discipline": 24, "cadres_members": 23})
    assert rec.total == 94 and not rec.recognized  # no rating of the unit that year
