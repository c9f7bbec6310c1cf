"""Property test: random histories of a small tree (admissions, recognitions, deaths and
expulsions, posts of every kind, cells dissolved, a cell moved to another committee), with a
clock that only moves forward, keep the posts consistent once reconciled:

- a post never outlives its organization, nor (without a documented exception) its holder's
  official affiliation in the organization's subtree, nor their official status;
- a cell's posts satisfy the size rule in force (the rulebook as of the date) on the day each
  post starts: below the committee threshold no cell committee member and at most the allowed
  number of deputies; never two secretaries of one organization on the same day;
- a refused step writes nothing.
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
    rule,
    run_state_machine_as_test,
)

from chibo.cadres import services
from chibo.cadres.models import Position, Post
from chibo.core.models import AuditEvent
from chibo.core.paths import subtree_q
from chibo.core.validtime import valid_on_q
from chibo.members import services as members
from chibo.members.choices import AffiliationKind, EventType, Status
from chibo.members.models import Affiliation, Member, StatusPeriod
from chibo.members.services import DecisionInfo, PersonData
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization, OrgVersion
from chibo.orgs.services import org_dissolve, org_establish, org_move
from chibo.rules.selectors import rule as rulebook

D = dt.date
BASE = D(2016, 1, 4)
NAMES = [
    "An",
    "Bình",
    "Cúc",
    "Dung",
    "Giang",
    "Hải",
    "Khánh",
    "Linh",
    "Minh",
    "Ngọc",
    "Oanh",
    "Phong",
]
STATS: dict[str, Counter[str]] = {"accepted": Counter(), "refused": Counter()}
MESSAGES: dict[str, str] = {}


def _tree() -> dict[str, Organization]:
    p = org_establish(
        actor=None, code="CP-P", name="Tỉnh", kind=K.PROVINCIAL, parent=None, on=D(2000, 1, 1)
    )
    d = org_establish(
        actor=None, code="CP-D", name="Huyện", kind=K.DISTRICT, parent=p, on=D(2000, 1, 1)
    )
    out = {"P": p, "D": d}
    for g in ("G1", "G2"):
        out[g] = org_establish(
            actor=None,
            code=f"CP-{g}",
            name=f"Xã {g}",
            kind=K.GRASSROOTS_COMMITTEE,
            parent=d,
            on=D(2000, 1, 1),
        )
    for i in range(3):
        out[f"C{i}"] = org_establish(
            actor=None,
            code=f"CP-C{i}",
            name=f"Chi bộ {i}",
            kind=K.PARTY_CELL,
            parent=out["G1"],
            on=D(2000, 1, 1),
        )
    return out


ORGS: dict[str, Organization] = {}


def snapshot() -> tuple[Any, ...]:
    return (
        list(Post.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        Member.objects.count(),
    )


def official_in_cell(org_id: int, on: D) -> int:
    ids = Affiliation.objects.filter(
        valid_on_q(on), org_id=org_id, kind=AffiliationKind.OFFICIAL
    ).values("member_id")
    return StatusPeriod.objects.filter(
        valid_on_q(on), status=Status.OFFICIAL, member_id__in=ids
    ).count()


class CadreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.today = BASE
        self.n = 0
        self.accepted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        STATS["accepted"].update(self.accepted)
        STATS["refused"].update(self.refused)

    def attempt(self, name: str, step: Any) -> None:
        before = snapshot()
        try:
            with transaction.atomic():
                step()
        except ValidationError as exc:
            self.refused[name] += 1
            MESSAGES.setdefault(name, str(exc))
            assert snapshot() == before, f"refused {name} changed rows"
        else:
            self.accepted[name] += 1

    def cell(self, i: int) -> Organization:
        return Organization.objects.get(pk=ORGS[f"C{i % 3}"].pk)

    def member(self, i: int) -> Member | None:
        pks = list(Member.objects.order_by("pk").values_list("pk", flat=True))
        return Member.objects.get(pk=pks[i % len(pks)]) if pks else None

    # --- steps --------------------------------------------------------------------------------

    @initialize()
    def a_cell_with_a_secretary(self) -> None:
        """Every run starts from a cell of ten official members with a secretary (accepted) and a
        second secretary on the same day (refused)."""
        for _ in range(10):
            self.admit(cell=0, count=1)
        self.recognize_all()
        in_cell = list(
            Affiliation.objects.filter(valid_on_q(self.today), org=self.cell(0))
            .order_by("member_id")
            .values_list("member_id", flat=True)
        )
        for pk in in_cell[:2]:
            m = Member.objects.get(pk=pk)
            self.attempt(
                "assign.secretary",
                lambda m=m: services.post_assign(
                    actor=None,
                    org=self.cell(0),
                    member=m,
                    position=Position.SECRETARY,
                    valid_from=self.today,
                ),
            )

    @rule(days=st.integers(0, 200))
    def wait(self, days: int) -> None:
        self.today += dt.timedelta(days=days)

    @rule(cell=st.integers(0, 2), count=st.integers(1, 4))
    def admit(self, cell: int, count: int) -> None:
        for _ in range(count):
            self.n += 1
            name = f"Trần {NAMES[self.n % 12]} {NAMES[(self.n // 12) % 12]}"

            def step(name: str = name) -> None:
                members.member_admit(
                    actor=None,
                    person=PersonData(full_name=name, gender="female", birth_date=D(1985, 3, 3)),
                    cell=self.cell(cell),
                    decision=DecisionInfo(number=f"{self.n}", date=self.today, issuer="Đảng ủy"),
                    ceremony_date=self.today,
                )

            self.attempt("admit", step)

    @rule()
    def recognize_all(self) -> None:
        """Every probationary member is recognised (at the end of their probation); the clock
        moves to the last of those days."""
        for m in Member.objects.filter(status=Status.PROBATIONARY):
            self.attempt(
                "recognize",
                lambda m=m: members.member_event(actor=None, member=m, type=EventType.RECOGNIZED),
            )
            self.today = max([self.today, *m.events.values_list("on", flat=True)])

    @rule(i=st.integers(0, 40), kind=st.sampled_from([EventType.DECEASED, EventType.EXPELLED]))
    def leave(self, i: int, kind: str) -> None:
        m = self.member(i)
        if m is not None:
            self.attempt(
                f"leave.{kind}",
                lambda: members.member_event(actor=None, member=m, type=kind, on=self.today),
            )

    @rule(
        i=st.integers(0, 40),
        cell=st.integers(0, 2),
        position=st.sampled_from(
            [
                Position.SECRETARY,
                Position.SECRETARY,
                Position.DEPUTY_SECRETARY,
                Position.CELL_COMMITTEE_MEMBER,
                Position.PARTY_GROUP_HEAD,
            ]
        ),
        length=st.one_of(st.none(), st.integers(1, 2000)),
        exception=st.booleans(),
    )
    def assign(self, i: int, cell: int, position: str, length: int | None, exception: bool) -> None:
        in_cell = list(
            Affiliation.objects.filter(valid_on_q(self.today), org=self.cell(cell))
            .order_by("member_id")
            .values_list("member_id", flat=True)
        )
        m = (
            Member.objects.get(pk=in_cell[i % len(in_cell)])
            if in_cell and i % 5
            else self.member(i)
        )
        if m is None:
            return
        end = None if length is None else self.today + dt.timedelta(days=length)
        self.attempt(
            f"assign.{position}",
            lambda: services.post_assign(
                actor=None,
                org=self.cell(cell),
                member=m,
                position=position,
                valid_from=self.today,
                valid_to=end,
                exception="Quyết định ngoại lệ" if exception else "",
            ),
        )

    @rule(cell=st.integers(0, 2), really=st.integers(0, 5))
    def dissolve(self, cell: int, really: int) -> None:
        org = self.cell(cell)
        if really == 0 and org.valid_to is None and self.today > org.valid_from:
            self.attempt("dissolve", lambda: org_dissolve(actor=None, org=org, on=self.today))
            services.posts_reconcile(actor=None)

    @rule(cell=st.integers(0, 2))
    def move(self, cell: int) -> None:
        org = self.cell(cell)
        v = org.version_on(self.today)
        if v is None:
            return
        target = ORGS["G2"] if v.parent_id == ORGS["G1"].pk else ORGS["G1"]
        self.attempt("move", lambda: org_move(actor=None, org=org, parent=target, on=self.today))

    @rule()
    def reconcile(self) -> None:
        services.posts_reconcile(actor=None)

    # --- what always holds ---------------------------------------------------------------------

    @invariant()
    def posts_fit_once_reconciled(self) -> None:
        with transaction.atomic():
            services.posts_reconcile(actor=None)
            for post in Post.objects.select_related("org", "member"):
                org = post.org
                if org.valid_to is not None:
                    assert post.valid_to is not None and post.valid_to <= org.valid_to, (
                        "outlives its organization"
                    )
                official = (
                    StatusPeriod.objects.filter(member=post.member, status=Status.OFFICIAL)
                    .filter(valid_on_q(post.valid_from))
                    .first()
                )
                assert official is not None, "held by a non-official member"
                if official.valid_to is not None:
                    assert post.valid_to is not None and post.valid_to <= official.valid_to, (
                        "outlives the status"
                    )
                if not post.exception:
                    v = org.version_on(post.valid_from)
                    cells = OrgVersion.objects.filter(valid_on_q(post.valid_from)).filter(
                        subtree_q(v.path)
                    )
                    a = Affiliation.objects.filter(
                        valid_on_q(post.valid_from),
                        member=post.member,
                        kind=AffiliationKind.OFFICIAL,
                        org_id__in=cells.values("org_id"),
                    ).get()
                    if a.valid_to is not None:
                        assert post.valid_to is not None and post.valid_to <= a.valid_to, (
                            "outlives the membership"
                        )
                # the size rule in force on the day the post started
                n = official_in_cell(org.pk, post.valid_from)
                threshold = rulebook("cell.committee_threshold", on=post.valid_from)
                if n < threshold:
                    assert post.position != Position.CELL_COMMITTEE_MEMBER, (n, post.valid_from)
                    if post.position == Position.DEPUTY_SECRETARY:
                        deputies = Post.objects.filter(
                            valid_on_q(post.valid_from), org=org, position=Position.DEPUTY_SECRETARY
                        ).count()
                        assert deputies <= rulebook(
                            "cell.deputies_without_committee", on=post.valid_from
                        )
            for post in Post.objects.filter(position=Position.SECRETARY):
                overlapping = Post.objects.filter(
                    org_id=post.org_id, position=Position.SECRETARY
                ).filter(valid_on_q(post.valid_from))
                assert overlapping.count() == 1, "two secretaries on one day"
            transaction.set_rollback(True)


@pytest.mark.slow
@pytest.mark.django_db
def test_random_histories_keep_posts_consistent() -> None:
    ORGS.clear()
    ORGS.update(_tree())
    run_state_machine_as_test(
        CadreMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    accepted, refused = STATS["accepted"], STATS["refused"]
    posts_ok = sum(v for k, v in accepted.items() if k.startswith("assign."))
    posts_refused = sum(v for k, v in refused.items() if k.startswith("assign."))
    assert posts_ok > 0 and posts_refused > 0, (STATS, MESSAGES)
    assert accepted["dissolve"] > 0 and accepted["admit"] > 10, STATS
