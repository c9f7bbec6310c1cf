"""The demo members: Quảng Ninh reproduces seed 002's member figures from its records, through
`chibo members count`, and the histories are consistent (one official cell at a time, a cell for
every member in party, cells that exist, the members of restructured cells moved on).

The demo of Quảng Ninh (organizations, members, the 2025 reform) is built once for the test
session (`tests/demo_fixture.py`); these tests run at the end. The histories end on 2025-06-30;
the reform then moves no member out of a cell (the cells move with their members).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict

import pytest
from django.core.management import call_command

from chibo.accounts.models import User
from chibo.core.validtime import valid_on_q
from chibo.demo import members as demo
from chibo.members.choices import IN_PARTY, AffiliationKind, EventType, Occupation
from chibo.members.models import Affiliation, Member, MemberEvent, StatusPeriod
from chibo.members.selectors import member_counts
from chibo.members.services import MEMBER_CELL_KINDS
from chibo.members.validation import add_months, clean_national_id
from chibo.orgs.models import EventType as OrgEventType
from chibo.orgs.models import LinkRole, Organization, OrgEventLink, OrgVersion, Sector
from chibo.rules.models import PolicyParameter
from chibo.rules.selectors import rule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SAMPLE_DATES = [dt.date(1970, 1, 1), dt.date(1985, 6, 30), dt.date(2001, 3, 15), dt.date(2020, 1, 1),
                dt.date(2022, 7, 1), dt.date(2024, 6, 30), demo.END]


@pytest.fixture
def quang_ninh(demo_quang_ninh):
    return demo_quang_ninh


def command(*args: str) -> dict:
    out = io.StringIO()
    call_command("members", "count", "--under", "22", *args, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["under"] == "22"
    return data


def test_built_once_with_progress(quang_ninh):
    messages = quang_ninh.stderr.splitlines()
    assert any(m.startswith("… members of Quảng Ninh: ") for m in messages)
    assert any("written" in m for m in messages)
    assert any("students 283, private enterprises 1061" in m for m in messages)
    count = Member.objects.count()
    assert 35_000 < count < 60_000
    again = demo.build_members(provinces=(demo.QUANG_NINH,))
    assert again["built"] == [] and again["present"] == ["22"]
    assert Member.objects.count() == count


def test_admissions_2020_to_mid_2024_by_sector(quang_ninh):
    data = command("--admitted-from", "2020-01-01", "--admitted-to", "2024-06-30", "--by", "sector")
    assert data["counts"]["student"] == 283
    assert data["counts"]["private_enterprise"] == 1061
    assert data["total"] == sum(data["counts"].values())


def test_left_the_party_2021_to_2023(quang_ninh):
    data = command("--left-from", "2021-01-01", "--left-to", "2023-12-31")
    c = data["counts"]
    assert c.get("expelled", 0) + c.get("removed_from_list", 0) + c.get("withdrawn", 0) == 770
    assert c.get("deceased", 0) > 0


def test_every_year_above_the_provincial_target(quang_ninh):
    qn = Organization.objects.get(code="22")
    row = PolicyParameter.objects.get(key=demo.TARGET_KEY, org=qn)
    assert row.value == 3.2 and "lần thứ XV" in row.source and row.valid_from == dt.date(2020, 1, 1)
    for year in (2020, 2021, 2022, 2023):
        members = command("--as-of", f"{year}-01-01")["total"]
        admitted = command("--admitted-from", f"{year}-01-01", "--admitted-to", f"{year}-12-31")["total"]
        target = rule(demo.TARGET_KEY, on=dt.date(year, 1, 1), org_ids=[qn.pk])
        assert target == 3.2
        assert admitted * 100 > target * members, (year, admitted, members)
        assert 28_000 < members < 45_000


def test_the_build_checks_the_figures(quang_ninh):
    figures = demo.check_quang_ninh()
    assert (figures.students, figures.private_enterprise, figures.left) == (283, 1061, 770)


def _affiliations() -> dict[int, list[tuple[int, dt.date, dt.date | None]]]:
    out: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
    rows = (Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL)
            .order_by("member_id", "valid_from").values_list("member_id", "org_id", "valid_from", "valid_to"))
    for member_id, org_id, start, end in rows:
        out[member_id].append((org_id, start, end))
    return out


def test_at_most_one_official_affiliation_at_any_date(quang_ninh):
    for member_id, spans in _affiliations().items():
        for (_a, _s, end), (_b, start, _e) in zip(spans, spans[1:], strict=False):
            assert end is not None and end <= start, member_id


def _cell_periods() -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    out: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for org_id, start, end in OrgVersion.objects.filter(kind__key__in=MEMBER_CELL_KINDS).values_list(
            "org_id", "valid_from", "valid_to"):
        out[org_id].append((start, end))
    return out


def _on(spans, day):
    return [s for s in spans if s[-2] <= day and (s[-1] is None or day < s[-1])]


def test_members_in_party_have_a_cell_that_exists(quang_ninh):
    affiliations = _affiliations()
    cells = _cell_periods()
    user = User(is_superuser=True, is_active=True)
    qn = Organization.objects.get(code="22")
    for day in SAMPLE_DATES:
        in_party = set(StatusPeriod.objects.filter(valid_on_q(day), status__in=list(IN_PARTY))
                       .values_list("member_id", flat=True))
        assert in_party
        for member_id in in_party:
            current = _on(affiliations[member_id], day)
            assert len(current) == 1, (member_id, day)
            cell = current[0][0]
            assert any(s <= day and (e is None or day < e) for s, e in cells[cell]), (member_id, cell, day)
        affiliated = {m for m, spans in affiliations.items() if _on(spans, day)}
        assert affiliated == in_party, day
        by_status = member_counts(user=user, org=qn, on=day, by="status")
        assert sum(by_status.values()) == len(in_party), day


def test_members_of_merged_cells_moved_to_the_successor(quang_ninh):
    merges = OrgEventLink.objects.filter(event__type=OrgEventType.MERGE, role=LinkRole.PREDECESSOR,
                                         org__versions__kind__key__in=MEMBER_CELL_KINDS).select_related("event")
    checked = 0
    for link in merges.distinct():
        on = link.event.on
        successors = set(OrgEventLink.objects.filter(event=link.event, role=LinkRole.SUCCESSOR)
                         .values_list("org_id", flat=True))
        ending = Affiliation.objects.filter(org_id=link.org_id, valid_to=on, kind=AffiliationKind.OFFICIAL)
        for aff in ending:
            nxt = Affiliation.objects.filter(member_id=aff.member_id, valid_from=on).first()
            if nxt is None:  # left the party that day
                assert MemberEvent.objects.filter(member_id=aff.member_id, on=on).exists()
                continue
            assert nxt.org_id in successors
            checked += 1
    assert checked > 20


def test_nobody_is_in_a_cell_after_it_ended(quang_ninh):
    ends = dict(Organization.objects.filter(valid_to__isnull=False).values_list("id", "valid_to"))
    late = [a for a in Affiliation.objects.filter(org_id__in=list(ends)).values_list("org_id", "valid_from", "valid_to")
            if a[2] is None or a[2] > ends[a[0]]]
    assert late == []


def test_admitted_students_and_private_enterprise_workers_are_in_the_right_cells(quang_ninh):
    window = MemberEvent.objects.filter(type__in=[EventType.ADMITTED, EventType.READMITTED],
                                        on__gte=dt.date(2020, 1, 1), on__lte=dt.date(2024, 6, 30))
    students = window.filter(occupation=Occupation.STUDENT)
    names = {}
    for org_id, name, path in OrgVersion.objects.values_list("org_id", "name", "path"):
        names.setdefault(org_id, []).append((name, path))
    all_names = {org_id: " ".join(n for n, _p in vs) for org_id, vs in names.items()}
    for event in students:
        path = names[event.org_id][0][1]
        ancestors = [int(path[i:i + 8]) for i in range(0, len(path), 8)]
        text = " ".join(all_names.get(a, "") for a in ancestors)
        assert "Trường" in text or "Giáo dục" in text, text
    private = window.filter(occupation=Occupation.PRIVATE_ENTERPRISE).values_list("org__sector", flat=True)
    assert set(private) == {Sector.PRIVATE_ENTERPRISE}


def test_person_data_is_plausible(quang_ninh):
    members = list(Member.objects.values_list("gender", "birth_date", "national_id", "ethnicity", "ceremony_date",
                                              "religion"))
    female = sum(1 for m in members if m[0] == "female") / len(members)
    assert 0.25 < female < 0.45
    kinh = sum(1 for m in members if m[3] == "01") / len(members)
    assert 0.85 < kinh < 0.99
    assert sum(1 for m in members if m[5] == "none") / len(members) > 0.9
    assert min(m[4] for m in members).year < 1970
    with_id = [m for m in members if m[2]]
    assert len(with_id) > len(members) / 2
    for gender, birth, national_id, *_rest in with_id[::50]:
        assert clean_national_id(national_id, birth_date=birth, gender=gender) == national_id
    readmitted = set(MemberEvent.objects.filter(type=EventType.READMITTED).values_list("member_id", flat=True))
    assert readmitted
    rows = Member.objects.values_list("id", "birth_date", "ceremony_date", "official_date", "card_number")
    for pk, birth, ceremony, official, card in rows:
        age = (ceremony - birth).days / 365.25
        assert 18 <= age <= 60.1
        if official is not None:
            assert pk in readmitted or official == add_months(ceremony, 12)
            assert card
