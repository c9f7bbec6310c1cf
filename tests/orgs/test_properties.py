"""Property test: random sequences of structural changes keep the tree a valid forest at every
date, and a refused change writes nothing.

A hypothesis state machine starts from a small tree and applies establish / rename / move /
reclassify / merge / split / dissolve with random organizations, kinds and dates (mostly in
order, sometimes back-dated). After every step, accepted or refused, `tree_invariants` checks
the whole history. Each run is rolled back, so runs are independent.
"""

from __future__ import annotations

import datetime as dt
import os

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

from chibo.orgs import kinds as K
from chibo.orgs import services
from chibo.orgs.models import Organization, OrgVersion
from chibo.orgs.services import NewOrg
from tests.orgs.tree_invariants import counts, forest_problems, snapshot

D = dt.date
DATES = [
    D(2019, 1, 1), D(2020, 1, 1), D(2021, 6, 1), D(2023, 1, 1), D(2025, 6, 30), D(2025, 7, 1),
    D(2026, 1, 1), D(2027, 1, 1),
]
START = D(2020, 1, 1)
KINDS = [k["key"] for k in K.BUILTIN_KINDS]
NAMES = ["Chi bộ 1", "Đảng bộ Hạ Long", "Chi bộ Hòa Bình", "Tổ đảng", "Đảng bộ xã", "Chi bộ\u202e 2",
         "Chi bộ thôn Đông", " \u200b "]


PARENT_KINDS = {k["key"]: k["parent_kinds"] for k in K.BUILTIN_KINDS}
ROOT_KINDS = [k["key"] for k in K.BUILTIN_KINDS if k.get("may_be_root")]


def fitting_kinds(parent_kind: str | None) -> list[str]:
    """Kinds that may sit under `parent_kind` (None: roots)."""
    if parent_kind is None:
        return ROOT_KINDS
    return [k for k, parents in PARENT_KINDS.items() if parent_kind in parents]


class TreeMachine(RuleBasedStateMachine):
    """Choices are biased towards changes that fit (a compatible parent, a peer to merge with),
    so that most runs build up real history; the rest are random and usually refused."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.n = 0
        self.last = START
        self.state: tuple | None = None
        self.accepted: list[str] = []
        self.refused: list[str] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        STATS["accepted"] += len(self.accepted)
        STATS["refused"] += len(self.refused)

    # --- helpers ------------------------------------------------------------------------------

    def code(self) -> str:
        self.n += 1
        return f"H{self.n}"

    def orgs(self) -> list[Organization]:
        return list(Organization.objects.order_by("pk"))

    def kinds_on(self, on: dt.date) -> dict[int, tuple[str, int | None]]:
        """org id -> (kind key, parent id) for the organizations that exist on `on`."""
        rows = (
            OrgVersion.objects.filter(valid_from__lte=on)
            .exclude(valid_to__lte=on)
            .values_list("org_id", "kind__key", "parent_id")
        )
        return {org_id: (kind, parent) for org_id, kind, parent in rows}

    def draw_org(self, data: st.DataObject, label: str, among: list[Organization] | None = None,
                 ) -> Organization:
        return data.draw(st.sampled_from(among or self.orgs()), label=label)

    def draw_fitting(self, data: st.DataObject, label: str, on: dt.date,
                     ok: callable) -> Organization | None:  # type: ignore[valid-type]
        """Mostly an organization for which `ok(kind_key, org_id)` holds on `on` (None stands for
        "no organization" and is checked as ok(None, None)); sometimes anything."""
        alive = self.kinds_on(on)
        orgs = self.orgs()
        fitting: list[Organization | None] = [o for o in orgs if o.pk in alive and ok(alive[o.pk][0], o.pk)]
        if ok(None, None):
            fitting.append(None)
        if fitting and data.draw(st.integers(0, 3), label=f"{label}: fitting?") > 0:
            return data.draw(st.sampled_from(fitting), label=label)
        return data.draw(st.none() | st.sampled_from(orgs), label=label)

    def draw_date(self, data: st.DataObject) -> dt.date:
        mode = data.draw(st.sampled_from(["same", "later", "later", "any"]), label="date mode")
        if mode == "same":
            on = self.last
        elif mode == "later":
            later = [d for d in DATES if d > self.last] or [self.last]
            on = data.draw(st.sampled_from(later), label="date")
        else:
            on = data.draw(st.sampled_from(DATES), label="date")
        self.last = max(self.last, on)
        return on

    def read_state(self) -> tuple:
        c = counts()
        return tuple(sorted(c.items())), tuple(sorted(snapshot().items()))

    def attempt(self, what: str, call) -> None:  # noqa: ANN001
        before = self.state if self.state is not None else self.read_state()
        try:
            call()
        except ValidationError as exc:
            assert exc.messages and all(m.strip() for m in exc.messages), exc
            after = self.read_state()
            assert after == before, f"refused {what} wrote something: {exc.messages}"
            self.state = after
            self.refused.append(what)
        else:
            self.state = None
            self.accepted.append(what)

    # --- the starting tree -------------------------------------------------------------------

    @initialize()
    def small_tree(self) -> None:
        p = services.org_establish(actor=None, code="P", name="Tỉnh", kind=K.PROVINCIAL,
                                   parent=None, on=START)
        d = services.org_establish(actor=None, code="D", name="Huyện", kind=K.DISTRICT,
                                   parent=p, on=START)
        g = services.org_establish(actor=None, code="G", name="Đảng bộ cơ sở",
                                   kind=K.GRASSROOTS_COMMITTEE, parent=d, on=START)
        services.org_establish(actor=None, code="C", name="Chi bộ", kind=K.PARTY_CELL,
                               parent=g, on=START)

    # --- the changes -------------------------------------------------------------------------

    @rule(data=st.data())
    def establish(self, data: st.DataObject) -> None:
        on = self.draw_date(data)
        parent = self.draw_fitting(data, "parent", on, lambda kind, _pk: bool(fitting_kinds(kind)))
        parent_kind = self.kinds_on(on).get(parent.pk, ("?", None))[0] if parent else None
        kinds = fitting_kinds(parent_kind) or KINDS
        kind = data.draw(st.sampled_from(kinds) | st.sampled_from(KINDS), label="kind")
        name = data.draw(st.sampled_from(NAMES), label="name")
        self.attempt("establish", lambda: services.org_establish(
            actor=None, code=self.code(), name=name, kind=kind, parent=parent, on=on))

    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        org = self.draw_org(data, "org")
        name = data.draw(st.sampled_from(NAMES), label="name")
        on = self.draw_date(data)
        self.attempt("rename", lambda: services.org_rename(actor=None, org=org, name=name, on=on))

    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        org = self.draw_org(data, "org")
        on = self.draw_date(data)
        own = self.kinds_on(on).get(org.pk, (None, None))[0]
        parent = self.draw_fitting(
            data, "parent", on,
            lambda kind, pk: pk != org.pk and (kind in PARENT_KINDS.get(own or "", []) or
                                               (kind is None and own in ROOT_KINDS)),
        )
        kind = data.draw(st.none() | st.sampled_from(KINDS), label="new kind")
        self.attempt("move", lambda: services.org_move(
            actor=None, org=org, parent=parent, on=on, kind=kind))

    @rule(data=st.data())
    def reclassify(self, data: st.DataObject) -> None:
        org = self.draw_org(data, "org")
        kind = data.draw(st.sampled_from(KINDS), label="kind")
        on = self.draw_date(data)
        self.attempt("reclassify", lambda: services.org_reclassify(
            actor=None, org=org, kind=kind, on=on))

    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        first = self.draw_org(data, "source")
        on = self.draw_date(data)
        alive = self.kinds_on(on)
        kind, parent_id = alive.get(first.pk, (None, None))
        peers = [o for o in self.orgs() if o.pk in alive and alive[o.pk][0] == kind]
        more = data.draw(st.lists(st.sampled_from(peers or self.orgs()), max_size=2), label="more")
        sources = [first, *more]
        into = None
        if data.draw(st.booleans(), label="into existing"):
            into = self.draw_fitting(data, "into", on,
                                     lambda k, pk: k == kind and pk not in {s.pk for s in sources})
        if into is not None:
            self.attempt("merge", lambda: services.org_merge(
                actor=None, sources=sources, into=into, on=on))
        else:
            parent = Organization.objects.filter(pk=parent_id).first()
            new = NewOrg(code=self.code(), name="Hợp nhất",
                         kind=data.draw(st.just(kind or K.PARTY_CELL) | st.sampled_from(KINDS),
                                        label="new kind"),
                         parent=parent if data.draw(st.booleans(), label="same parent")
                         else self.draw_org(data, "new parent"))
            self.attempt("merge", lambda: services.org_merge(
                actor=None, sources=sources, new=new, on=on))

    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        source = self.draw_org(data, "source")
        on = self.draw_date(data)
        alive = self.kinds_on(on)
        kind, parent_id = alive.get(source.pk, (None, None))
        parent = Organization.objects.filter(pk=parent_id).first()
        parts: list[NewOrg | Organization] = []
        for _ in range(data.draw(st.integers(min_value=1, max_value=2), label="parts")):
            part = None
            if data.draw(st.booleans(), label="existing part"):
                part = self.draw_fitting(data, "part", on, lambda k, pk: k == kind and pk != source.pk)
            if part is not None:
                parts.append(part)
            else:
                parts.append(NewOrg(
                    code=self.code(), name="Tách",
                    kind=data.draw(st.just(kind or K.PARTY_CELL) | st.sampled_from(KINDS),
                                   label="part kind"),
                    parent=parent if data.draw(st.booleans(), label="same parent")
                    else self.draw_org(data, "part parent"),
                ))
        children = sorted(set(
            OrgVersion.objects.filter(parent=source).exclude(valid_to__lte=on)
            .values_list("org_id", flat=True)
        ))
        assign = {
            c: i for c in children
            if (i := data.draw(st.integers(min_value=-1, max_value=len(parts)), label="assign")) >= 0
        }
        dissolve_source = data.draw(st.booleans(), label="dissolve source")
        self.attempt("split", lambda: services.org_split(
            actor=None, source=source, on=on, parts=parts, assign=assign,
            dissolve_source=dissolve_source))

    @rule(data=st.data())
    def dissolve(self, data: st.DataObject) -> None:
        org = self.draw_org(data, "org")
        on = self.draw_date(data)
        kind = self.kinds_on(on).get(org.pk, (None, None))[0]
        has_children = OrgVersion.objects.filter(parent=org).exclude(valid_to__lte=on).exists()
        children_to = self.draw_fitting(
            data, "children to", on,
            lambda k, pk: (k == kind and pk != org.pk) if has_children else k is None,
        )
        self.attempt("dissolve", lambda: services.org_dissolve(
            actor=None, org=org, on=on, children_to=children_to))

    # --- after every step ------------------------------------------------------------------------

    @invariant()
    def valid_forest(self) -> None:
        problems = forest_problems()
        assert not problems, "\n".join(problems)


STATS = {"accepted": 0, "refused": 0}


@pytest.mark.django_db
def test_random_changes_keep_a_valid_forest():
    run_state_machine_as_test(
        TreeMachine,
        settings=settings(
            max_examples=int(os.environ.get("CHIBO_PROPERTY_EXAMPLES", "25")),
            stateful_step_count=int(os.environ.get("CHIBO_PROPERTY_STEPS", "12")),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # the generator must produce real history, not only refusals
    assert STATS["accepted"] >= max(10, STATS["refused"] // 4), STATS

