"""Property test: on random small trees (organizations established on random dates under random
parents of allowed kinds) with random members (admitted on random dates into random cells,
some recognised and then leaving), for EVERY indicator in the registry, every node and a random
date or period, the value's numerator (and denominator) equal the length of the drill-down lists
behind them, and a user scoped to one node never gets a record outside that node's subtree.
Each example is rolled back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chibo.accounts.models import User
from chibo.core.paths import subtree_q
from chibo.members import services as member_services
from chibo.members.choices import EventType, Occupation
from chibo.members.services import DecisionInfo, PersonData
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization, OrgVersion
from chibo.orgs.services import org_establish
from chibo.reports import registry
from chibo.reports.compute import compute, question
from chibo.reports.registry import AS_OF, DENOMINATOR, NUMERATOR
from tests.factories import make_persona

pytestmark = pytest.mark.django_db

D = dt.date
BASE = D(2015, 1, 1)
SYSTEM = User(username="system", is_superuser=True, is_active=True)

days = st.integers(0, 3000).map(lambda n: BASE + dt.timedelta(days=n))
# (parent index among earlier nodes, establishment day offset); kinds follow the parent's
nodes = st.lists(st.tuples(st.integers(0, 50), st.integers(0, 600)), min_size=1, max_size=5)
people = st.lists(
    st.tuples(
        st.integers(0, 50),
        st.integers(0, 2500),
        st.sampled_from(["male", "female"]),
        st.sampled_from(["01", "02", "05"]),
        st.sampled_from(list(Occupation.values)),
        st.sampled_from([None, EventType.EXPELLED, EventType.WITHDRAWN, EventType.DECEASED]),
        st.integers(400, 1500),
    ),
    max_size=8,
)

CHILD_KIND = {
    K.PROVINCIAL: K.DISTRICT,
    K.DISTRICT: K.GRASSROOTS_COMMITTEE,
    K.GRASSROOTS_COMMITTEE: K.PARTY_CELL,
}
CELLS = (K.PARTY_CELL, K.GRASSROOTS_CELL)


def build(spec_nodes, spec_people):
    root = org_establish(
        actor=None, code="RP", name="Tỉnh", kind=K.PROVINCIAL, parent=None, on=BASE
    )
    made = [(root, K.PROVINCIAL, BASE)]
    for i, (parent_ix, offset) in enumerate(spec_nodes):
        parents = [m for m in made if m[1] in CHILD_KIND]
        parent, pkind, pstart = parents[parent_ix % len(parents)]
        kind = CHILD_KIND[pkind]
        if kind == K.GRASSROOTS_COMMITTEE and offset % 3 == 0:
            kind = K.GRASSROOTS_CELL
        on = pstart + dt.timedelta(days=offset)
        made.append(
            (
                org_establish(
                    actor=None, code=f"R{i}", name=f"Tổ chức {i}", kind=kind, parent=parent, on=on
                ),
                kind,
                on,
            )
        )
    cells = [m for m in made if m[1] in CELLS]
    for j, (cell_ix, offset, gender, ethnicity, occupation, leave, after) in enumerate(spec_people):
        if not cells:
            break
        cell, _kind, start = cells[cell_ix % len(cells)]
        on = start + dt.timedelta(days=offset)
        m = member_services.member_admit(
            actor=None,
            person=PersonData(
                full_name="Người " + "ABCDEFGHIJ"[j],
                gender=gender,
                birth_date=D(1980, 1, 1),
                ethnicity=ethnicity,
                occupation=occupation,
            ),
            cell=cell,
            decision=DecisionInfo(number=str(j), date=on),
            ceremony_date=on,
        )
        if leave is not None:
            member_services.member_event(actor=None, member=m, type=EventType.RECOGNIZED, on=None)
            member_services.member_event(
                actor=None, member=m, type=leave, on=on + dt.timedelta(days=after)
            )
    return [m[0] for m in made]


def check_everything(user, orgs, day, end):
    for ind in registry.all_indicators():
        for org in [None, *orgs]:
            q = (
                question(ind, user=user, org=org, as_of=day, start=min(day, end), end=max(day, end))
                if ind.kind != AS_OF
                else question(ind, user=user, org=org, as_of=day)
            )
            result = compute(ind, q, version="0")
            for part, number in ((NUMERATOR, result.numerator), (DENOMINATOR, result.denominator)):
                listing = ind.part(part)
                if listing is None:
                    continue
                records = list(listing.records(q))
                assert number == len(records), (ind.key, org and org.code, part, q)
                assert len({r.pk for r in records}) == len(records), (ind.key, part)
            if ind.by_child is not None and org is not None:
                for code, n in ind.by_child(q).items():
                    child = Organization.objects.get(code=code)
                    child_q = question(
                        ind, user=user, org=child, as_of=q.as_of, start=q.start, end=q.end
                    )
                    assert n == compute(ind, child_q, version="0").numerator, (ind.key, code)
            yield ind, q, result


@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec_nodes=nodes, spec_people=people, day=days, end=days, scoped_ix=st.integers(0, 50))
def test_every_indicator_equals_its_drill_down(db, spec_nodes, spec_people, day, end, scoped_ix):
    with transaction.atomic():
        orgs = build(spec_nodes, spec_people)
        list(check_everything(SYSTEM, orgs, day, end))
        # a user scoped to one node: every record behind every number lies under that node
        node = orgs[scoped_ix % len(orgs)]
        user = make_persona(
            "scoped", role="organization_committee_staff", org=node, valid_from=BASE
        )
        paths = list(OrgVersion.objects.filter(org=node).values_list("path", flat=True))
        inside = set(
            OrgVersion.objects.filter(subtree_q(paths[0])).values_list("org_id", flat=True)
        )
        for ind, q, _result in check_everything(user, [node], day, end):
            for part in (NUMERATOR, DENOMINATOR):
                listing = ind.part(part)
                if listing is None:
                    continue
                for record in listing.records(q):
                    org_id = getattr(record, "org_id", None)
                    if ind.key.startswith("orgs.") and ind.kind == AS_OF:
                        assert org_id in inside, (ind.key, record)
                    elif hasattr(record, "member_id"):  # an event: in a cell under the node
                        assert record.org_id in inside, (ind.key, record)
                    elif ind.key.startswith(
                        "members."
                    ):  # a member: affiliated under the node on the date
                        assert record.affiliations.filter(
                            org_id__in=inside, valid_from__lte=q.on
                        ).exists()
        transaction.set_rollback(True)
