"""The demo data: Quảng Ninh reproduces seed 002's figures from its records, through
`chibo orgs count`, and the tree it builds is valid, before and after the 2025 reform that
`chibo demo` applies.

The demo of Quảng Ninh (about 5,800 organizations and 300 changes before 2025, members, the
reform) is built once for the test session (`tests/demo_fixture.py`); these tests run at the end.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from chibo.core.validtime import covers, today
from chibo.demo import orgs as demo
from chibo.orgs import kinds as K
from chibo.orgs.models import EventType, Organization, OrgEvent, OrgVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def quang_ninh(demo_quang_ninh):
    return demo_quang_ninh


def counts(on: str) -> dict[str, int]:
    out = io.StringIO()
    call_command("orgs", "count", "--under", "22", "--as-of", on, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["under"] == "22" and data["as_of"] == on
    return data["counts"]


def test_built_once(quang_ninh):
    assert re.search(r"… built Quảng Ninh: [\d,]+ organizations, \d+ changes", quang_ninh.stderr)
    again = demo.build_demo(provinces=[demo.QUANG_NINH])
    assert again.built == [] and again.present == [demo.QUANG_NINH]


def test_figures_of_early_2020(quang_ninh):
    c = counts("2020-01-01")
    assert c[K.GRASSROOTS_ORGANIZATION] == 725
    assert c[K.COMPONENT] == 31
    assert c[K.PARTY_CELL] == 4925


def test_figures_of_mid_2024(quang_ninh):
    c = counts("2024-06-30")
    assert c[K.GRASSROOTS_ORGANIZATION] == 674
    assert c[K.COMPONENT] == 39
    assert c[K.PARTY_CELL] == 4821


def test_figures_are_the_named_constants(quang_ninh):
    assert demo.QN_FIGURES[demo.TERM_START] == {
        K.GRASSROOTS_ORGANIZATION: 725, K.COMPONENT: 31, K.PARTY_CELL: 4925}
    assert demo.QN_FIGURES[demo.REVIEW_DATE] == {
        K.GRASSROOTS_ORGANIZATION: 674, K.COMPONENT: 39, K.PARTY_CELL: 4821}
    demo.check_quang_ninh()  # raises if a figure is off


def test_the_story_of_the_term(quang_ninh):
    start, end = demo.TERM_START, demo.REVIEW_DATE
    changes = OrgEvent.objects.filter(on__gt=start, on__lte=end)
    assert changes.exists()
    assert not changes.filter(decision__isnull=True).exists()
    # nine communes merged into their neighbours
    communes = Organization.objects.filter(code__regex=r"^22-\d{3}-C\d{2}$")
    assert communes.count() == demo.QN_COMMUNES_MERGED
    for c in communes:
        assert c.valid_to is not None and start < c.valid_to <= end
        assert c.event_links.filter(role="predecessor", event__type=EventType.MERGE).exists()
    # 48 villages and neighbourhoods merged into another
    village_merges = OrgEvent.objects.filter(
        type=EventType.MERGE, on__gt=start, on__lte=end,
        links__role="predecessor", links__org__sector__in=["village", "residential_group"],
    ).distinct()
    assert village_merges.count() == demo.QN_VILLAGES_MERGED


def test_tree_is_valid(quang_ninh):
    on = demo.REVIEW_DATE
    versions = list(OrgVersion.objects.select_related("kind").order_by("org_id", "valid_from"))
    by_org: dict[int, list[OrgVersion]] = defaultdict(list)
    for v in versions:
        by_org[v.org_id].append(v)
    alive = Organization.objects.filter(valid_from__lte=on).exclude(valid_to__lte=on)
    assert alive.count() > 5000
    for org in alive:
        current = [v for v in by_org[org.pk] if covers(v.valid_from, v.valid_to, on)]
        assert len(current) == 1, org.code
    problems = []
    for v in versions:
        if v.parent_id is None:
            if not v.kind.may_be_root:
                problems.append(f"{v.org_id}: root of kind {v.kind.key}")
            continue
        # the parent is alive, without gaps, over the whole of the version's period
        cursor: dt.date | None = v.valid_from
        for p in by_org[v.parent_id]:
            if cursor is None or (v.valid_to is not None and cursor >= v.valid_to):
                break
            if covers(p.valid_from, p.valid_to, cursor):
                if p.kind.key not in v.kind.parent_kinds:
                    problems.append(f"{v.org_id}: {v.kind.key} under {p.kind.key}")
                if not v.path.startswith(p.path):
                    problems.append(f"{v.org_id}: path {v.path} not under {p.path}")
                cursor = p.valid_to
        if cursor is not None and (v.valid_to is None or cursor < v.valid_to):
            problems.append(f"{v.org_id}: parent {v.parent_id} not alive over [{v.valid_from}, {v.valid_to})")
    assert problems == []


def test_seed_places_and_demo_users(quang_ninh):
    cell = Organization.objects.get(code=demo.SECRETARY_CELL_CODE)
    assert cell.valid_to is None
    assert cell.version_on(demo.REVIEW_DATE).kind.key == K.PARTY_CELL
    assert cell.version_on(today()).kind.key == K.GRASSROOTS_CELL  # since the 2025 reform
    logins = demo.ensure_demo_users()
    labels = {login.username: login.label for login in logins}
    assert set(labels) == {"admin", "qn-staff", "qn-secretary"}  # Tuyên Quang is not built here
    assert "Chi bộ khu 1" in labels["qn-secretary"]
    staff = get_user_model().objects.get(username="qn-staff")
    assert staff.check_password(demo.DEMO_PASSWORDS["qn-staff"])
    assert staff.role_assignments.get().org.code == "22"
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
