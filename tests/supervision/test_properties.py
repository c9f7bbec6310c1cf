"""Properties of letters (hypothesis):

- the deadline follows the rule in force on the day the competent body received the letter (a
  province's own value first), counted in working days that skip weekends and holidays;
- a letter's state never goes backwards without a recorded reopening, whatever steps are tried.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.rules.calendar import is_working_day, working_days_between
from chibo.rules.models import PolicyParameter
from chibo.supervision import services
from chibo.supervision.models import STATE_RANK, LetterTransition
from tests.factories import rolled_back

from .conftest import admit, receive

D = dt.date
pytestmark = pytest.mark.django_db
FAST = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(
    received=st.dates(min_value=D(2021, 8, 1), max_value=D(2025, 12, 31)),
    change_on=st.dates(min_value=D(2021, 8, 1), max_value=D(2025, 12, 31)),
    new_days=st.integers(min_value=10, max_value=120),
    provincial=st.booleans(),
)
def test_deadline_follows_the_rule_in_force_and_skips_holidays(tree, received, change_on, new_days, provincial):
    with rolled_back():
        national = PolicyParameter.objects.get(key="denunciation.deadline_working_days", org__isnull=True)
        if provincial:  # the province sets its own value from `change_on`
            PolicyParameter.objects.create(key=national.key, value=new_days, unit=national.unit, valid_from=change_on,
                                           source="test", confidence="unconfirmed", org=tree["P1"])
        else:  # the national value changes on `change_on`
            PolicyParameter.objects.filter(pk=national.pk).update(valid_to=change_on)
            PolicyParameter.objects.create(key=national.key, value=new_days, unit=national.unit, valid_from=change_on,
                                           source="test", confidence="confirmed")
        letter = receive(tree["CA"], admit(tree["CA"], "Nguyễn Văn Thử", on=D(2020, 3, 2)), on=received)
        letter = services.letter_accept(actor=None, letter=letter, on=received)
        expected = new_days if received >= change_on else 90
        assert working_days_between(received, letter.deadline) == expected
        assert is_working_day(letter.deadline)
        assert letter.deadline_rule["value"] == expected


STEPS = ["accept", "assign", "verify", "extend", "conclude", "notify", "reopen", "not_handle", "resume"]


def _try(letter, step: str):
    on = D(2024, 6, 3)
    calls = {
        "accept": lambda: services.letter_accept(actor=None, letter=letter, on=on),
        "assign": lambda: services.letter_assign(actor=None, letter=letter, note="Tổ", on=on),
        "verify": lambda: services.letter_verify(actor=None, letter=letter, on=on),
        "extend": lambda: services.letter_extend(actor=None, letter=letter, days=5, reason="r", notice_on=on),
        "conclude": lambda: services.letter_conclude(actor=None, letter=letter, on=on, conclusion="c"),
        "notify": lambda: services.letter_notify(actor=None, letter=letter, on=on),
        "reopen": lambda: services.letter_reopen(actor=None, letter=letter, reason="mới", on=on),
        "not_handle": lambda: services.letter_not_handle(actor=None, letter=letter, reason="vague", on=on),
        "resume": lambda: services.letter_resume(actor=None, letter=letter, on=on),
    }
    try:
        return calls[step]()
    except ValidationError:
        return letter


@FAST
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=14))
def test_state_never_goes_back_without_a_recorded_reopening(tree, steps):
    with rolled_back():
        letter = receive(tree["CA"], admit(tree["CA"], "Nguyễn Văn Bước"), on=D(2024, 3, 4))
        for step in steps:
            letter = _try(letter, step)
        moves = list(LetterTransition.objects.filter(letter=letter).order_by("id"))
        assert moves[0].to_state == "received"
        for prev, move in zip(moves, moves[1:], strict=False):
            assert move.from_state == prev.to_state
            if STATE_RANK[move.to_state] < STATE_RANK[move.from_state]:
                assert move.reopening and move.note
        letter.refresh_from_db()
        assert letter.state == moves[-1].to_state
