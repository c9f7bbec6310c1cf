"""Property test: random sequences of admissions, status events (every type) and transfer steps
(request, letter, receipt, cancellation) on a small tree with three cells keep the member
register consistent at every date, and a refused step writes nothing.

After every step, accepted or refused:
- every member has at most one official affiliation at every date;
- no affiliation (official or temporary) covers a date on which the member's status is not
  probationary, official or exempt;
- status periods do not overlap, follow one another, and are exactly what the events say;
- `member_counts(by="status")` summed on a date equals the number of members with an official
  affiliation valid that day whose status is in the party.
A refused step (ValidationError) leaves every row as it was. Each run is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from chibo.accounts.models import User
from chibo.core.models import AuditEvent
from chibo.members import selectors, services
from chibo.members.choices import IN_PARTY, AffiliationKind, EventType, Occupation
from chibo.members.models import Affiliation, Member, MemberEvent, StatusPeriod, Transfer
from chibo.members.services import JOINING, LEAVING, TRANSITIONS, DecisionInfo, PersonData
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization
from chibo.orgs.services import org_establish

D = dt.date
BASE = D(2015, 1, 5)
STEP = 61  # days between grid dates: coarse, so that steps often fall on the same day
GRID = 70  # about eleven and a half years
CELLS: list[Organization] = []
SYSTEM = User(username="system", is_superuser=True, is_active=True)

MAX_MEMBERS = 5

dates = st.integers(0, GRID).map(lambda k: BASE + dt.timedelta(days=k * STEP))
indexes = st.integers(0, MAX_MEMBERS - 1)
# steps are dated after the member's (or the transfer's) last date, by a few grid steps; a
# negative offset back-dates the step (usually refused)
offsets = st.integers(-1, 6).map(lambda k: dt.timedelta(days=k * STEP))


def _tree() -> list[Organization]:
    p = org_establish(actor=None, code="PR-P", name="Tỉnh", kind=K.PROVINCIAL, parent=None, on=D(2000, 1, 1))
    d = org_establish(actor=None, code="PR-D", name="Huyện", kind=K.DISTRICT, parent=p, on=D(2000, 1, 1))
    g = org_establish(actor=None, code="PR-G", name="Xã", kind=K.GRASSROOTS_COMMITTEE, parent=d, on=D(2000, 1, 1))
    return [
        org_establish(actor=None, code=f"PR-C{i}", name=f"Chi bộ {i}", kind=K.PARTY_CELL, parent=g, on=D(2000, 1, 1))
        for i in range(3)
    ]


def snapshot() -> dict[str, Any]:
    return {
        "members": list(Member.objects.order_by("pk").values()),
        "events": list(MemberEvent.objects.order_by("pk").values()),
        "periods": list(StatusPeriod.objects.order_by("pk").values()),
        "affiliations": list(Affiliation.objects.order_by("pk").values()),
        "transfers": list(Transfer.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


def expected_periods(member: Member) -> list[tuple[str, D, D | None]]:
    """One period per day with events: the status after that day's events, until the next."""
    status: str | None = None
    by_day: dict[D, str] = {}
    for event in sorted(member.events.all(), key=lambda e: (e.on, e.id)):
        status = TRANSITIONS[event.type][status]
        by_day[event.on] = status
    days = sorted(by_day)
    return [(by_day[d], d, days[i + 1] if i + 1 < len(days) else None) for i, d in enumerate(days)]


def covers(valid_from: D, valid_to: D | None, on: D) -> bool:
    return valid_from <= on and (valid_to is None or on < valid_to)


class MemberMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.n = 0
        self.accepted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        STATS["accepted"].update(self.accepted)
        STATS["refused"].update(self.refused)

    # --- running a step -----------------------------------------------------------------------

    def attempt(self, name: str, step: Any) -> None:
        before = snapshot()
        try:
            step()
        except ValidationError:
            self.refused[name] += 1
            assert snapshot() == before, f"refused {name} changed rows"
        else:
            self.accepted[name] += 1

    def last_date(self, member: Member) -> D:
        """The latest date anything happened to the member."""
        days = [e.on for e in member.events.all()]
        for t in member.transfers.all():
            days += [d for d in (t.requested_on, t.letter_issued_on, t.received_on) if d]
        days += [a.valid_from for a in member.affiliations.all()]
        return max(days)

    def member(self, i: int) -> Member | None:
        pks = list(Member.objects.order_by("pk").values_list("pk", flat=True))
        return Member.objects.get(pk=pks[i % len(pks)]) if pks else None

    def transfer(self, i: int) -> Transfer | None:
        """Mostly the newest transfer, so that transfers go through all their steps."""
        pks = list(Transfer.objects.order_by("-pk").values_list("pk", flat=True))
        return Transfer.objects.get(pk=pks[(i // 2) % len(pks)]) if pks else None

    # --- rules --------------------------------------------------------------------------------

    @initialize(first=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 12)), min_size=2, max_size=3))
    def first_members(self, first: list[tuple[int, int]]) -> None:
        """Every run starts with a few members admitted in the first years."""
        for cell, k in first:
            self.admit(cell=cell, on=BASE + dt.timedelta(days=k * STEP), born=1985, occupation="agency")

    @precondition(lambda self: Member.objects.count() < MAX_MEMBERS)
    @rule(cell=st.integers(0, 2), on=dates, born=st.integers(1960, 1996), occupation=st.sampled_from(Occupation.values))
    def admit(self, cell: int, on: D, born: int, occupation: str) -> None:
        self.n += 1
        person = PersonData(full_name=f"Đảng viên số {chr(ord('A') + self.n % 26)}", gender="male",
                            birth_date=D(born, 1 + self.n % 12, 1 + self.n % 28), occupation=occupation)
        self.attempt("admit", lambda: services.member_admit(
            actor=None, person=person, cell=CELLS[cell], ceremony_date=on,
            decision=DecisionInfo(number=f"{self.n}-QĐ", date=on - dt.timedelta(days=5), issuer="Đảng ủy"),
        ))

    @rule(i=indexes, pick=st.integers(0, 99), any_type=st.sampled_from(EventType.values), after=offsets,
          cell=st.integers(0, 2))
    def event(self, i: int, pick: int, any_type: str, after: dt.timedelta, cell: int) -> None:
        """Mostly an event that the member's status allows, sometimes any event."""
        member = self.member(i)
        if member is not None:
            possible = sorted(t for t, moves in TRANSITIONS.items() if (member.status or None) in moves)
            type = possible[pick % len(possible)] if possible and pick < 80 else any_type
            on = self.last_date(member) + after
            self.attempt(f"event.{type}", lambda: services.member_event(
                actor=None, member=member, type=type, on=on, cell=CELLS[cell],
                decision=DecisionInfo(number="QĐ", date=on, issuer="Đảng ủy"),
            ))

    @rule(i=indexes, temporary=st.booleans(), to=st.sampled_from([0, 1, 2, None]), after=offsets,
          months=st.integers(0, 8))
    def transfer_request(self, i: int, temporary: bool, to: int | None, after: dt.timedelta, months: int) -> None:
        member = self.member(i)
        if member is not None:
            on = self.last_date(member) + after
            self.attempt("transfer_request", lambda: services.transfer_request(
                actor=None, member=member, kind="temporary" if temporary else "official",
                to_org=CELLS[to] if to is not None else None, outside_place="" if to is not None else "Hà Nội",
                trigger_date=on, requested_on=on,
                temporary_until=on + dt.timedelta(days=30 * months) if temporary else None,
            ))

    @rule(i=indexes, after=offsets, letter=st.sampled_from(["12-GGT", "12-GGT", ""]))
    def transfer_issue_letter(self, i: int, after: dt.timedelta, letter: str) -> None:
        transfer = self.transfer(i)
        if transfer is not None:
            on = transfer.requested_on + after
            self.attempt("transfer_issue_letter", lambda: services.transfer_issue_letter(
                actor=None, transfer=transfer, letter_no=letter, issued_on=on, issued_by=CELLS[0],
            ))

    @rule(i=indexes, after=offsets)
    def transfer_receive(self, i: int, after: dt.timedelta) -> None:
        transfer = self.transfer(i)
        if transfer is not None:
            on = (transfer.letter_issued_on or transfer.requested_on) + after
            self.attempt("transfer_receive",
                         lambda: services.transfer_receive(actor=None, transfer=transfer, received_on=on))

    @rule(i=indexes, after=offsets, reason=st.sampled_from(["the member stays", "the member stays", ""]))
    def transfer_cancel(self, i: int, after: dt.timedelta, reason: str) -> None:
        transfer = self.transfer(i)
        if transfer is not None:
            on = (transfer.letter_issued_on or transfer.requested_on) + after
            self.attempt("transfer_cancel",
                         lambda: services.transfer_cancel(actor=None, transfer=transfer, on=on, reason=reason))

    @rule(i=indexes, temporary=st.booleans(), to=st.integers(0, 2), gaps=st.lists(offsets, min_size=4, max_size=4),
          months=st.integers(1, 8), then=st.sampled_from([None, *sorted(LEAVING), *sorted(JOINING)]),
          pick=st.integers(0, 99))
    def transfer_through(self, i: int, temporary: bool, to: int, gaps: list[dt.timedelta], months: int,
                         then: str | None, pick: int) -> None:
        """A transfer taken through request, letter and receipt (each step may be refused), then
        perhaps a status event for the same member a little before or after."""
        member = self.member(i)
        if member is None:
            return
        before = Transfer.objects.count()
        self.transfer_request(i=i, temporary=temporary, to=to, after=gaps[0], months=months)
        if Transfer.objects.count() > before:
            self.transfer_issue_letter(i=0, after=gaps[1], letter="7-GGT")
            self.transfer_receive(i=0, after=gaps[1] + gaps[2])
        if then is not None:
            self.event(i=i, pick=100, any_type=then, after=gaps[3], cell=pick % 3)

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def register_is_consistent(self) -> None:
        boundaries: set[D] = {BASE}
        in_cell_and_party: list[tuple[list[Affiliation], list[StatusPeriod]]] = []
        for member in Member.objects.prefetch_related("status_periods", "affiliations", "events"):
            periods = sorted(member.status_periods.all(), key=lambda p: p.valid_from)
            got = [(p.status, p.valid_from, p.valid_to) for p in periods]
            assert got == expected_periods(member), f"{member.pk}: periods {got} do not match the events"
            assert member.status == (got[-1][0] if got else ""), f"{member.pk}: current status"
            affiliations = list(member.affiliations.all())
            official = [a for a in affiliations if a.kind == AffiliationKind.OFFICIAL]
            for a in affiliations:
                assert a.valid_to is None or a.valid_to > a.valid_from
                # every date on which either the affiliation or the status can change
                days = {a.valid_from} | {p.valid_from for p in periods if covers(a.valid_from, a.valid_to, p.valid_from)}
                for day in days:
                    assert status_on(periods, day) in IN_PARTY, (
                        f"member {member.pk} has a {a.kind} affiliation on {day} "
                        f"with status {status_on(periods, day)}: {got} {affiliations}")
            for a in official:
                on_day = [b for b in official if covers(b.valid_from, b.valid_to, a.valid_from)]
                assert len(on_day) == 1, f"member {member.pk}: {len(on_day)} official affiliations on {a.valid_from}"
            boundaries |= {a.valid_from for a in affiliations} | {a.valid_to for a in affiliations if a.valid_to}
            boundaries |= {p.valid_from for p in periods}
            in_cell_and_party.append((official, periods))
        for day in sorted(boundaries):
            counts = selectors.member_counts(user=SYSTEM, org=None, on=day, by="status")
            expected = sum(
                1 for official, periods in in_cell_and_party
                if any(covers(a.valid_from, a.valid_to, day) for a in official) and status_on(periods, day) in IN_PARTY
            )
            assert sum(counts.values()) == expected, f"counts on {day}: {counts} != {expected}"


def status_on(periods: list[StatusPeriod], day: D) -> str | None:
    found = [p.status for p in periods if covers(p.valid_from, p.valid_to, day)]
    assert len(found) <= 1, f"overlapping status periods on {day}"
    return found[0] if found else None


STATS: dict[str, Counter[str]] = {"accepted": Counter(), "refused": Counter()}


@pytest.mark.slow
@pytest.mark.django_db
def test_random_histories_keep_the_register_consistent() -> None:
    CELLS[:] = _tree()
    run_state_machine_as_test(
        MemberMachine,
        settings=settings(max_examples=40, stateful_step_count=25, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
    accepted = STATS["accepted"]
    # the runs did build real histories: admissions, events and every transfer step went through
    assert accepted["admit"] > 40, STATS
    assert sum(v for k, v in accepted.items() if k.startswith("event.")) > 0, STATS
    for step in ("transfer_request", "transfer_issue_letter", "transfer_receive", "transfer_cancel"):
        assert accepted[step] > 0, STATS
