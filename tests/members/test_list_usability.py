"""Issue 19, items 2 and 3: an organization's members on any date with their number; the list's
as-of filter means "members there on that date"; a secretary's default list; admission-date and
left-date filters (page and API) with counts by any field; an export of exactly what is filtered.
Scoping: another cell's user gets 404, and nobody sees a row outside their scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chibo.core.validtime import today
from chibo.members import exporting, selectors, services
from chibo.members.models import Affiliation

from .conftest import admit, person

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def web(mt_people, mt_login):
    return {key: mt_login(user) for key, user in mt_people.items()}


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def found(page: str) -> int:
    match = re.search(r"(\d+) members? found", page)
    assert match, page[:500]
    return int(match.group(1))


def move(member, to, on: dt.date) -> None:
    """Close the member's official affiliation on `on` and open one at `to` (test data)."""
    current = Affiliation.objects.get(member=member, valid_to__isnull=True, kind="official")
    current.valid_to = on
    current.save()
    Affiliation.objects.create(member=member, org=to, kind="official", valid_from=on)


@pytest.fixture
def newcomer(mt_tree, mt_members):
    """Hà: in cell Q (outside the province) from 2010, in cell A from 2020."""
    ha = admit(mt_tree["MT-CQ"], person("Phạm Thị Hà", gender="female"), D(2010, 4, 1))
    move(ha, mt_tree["MT-CA"], D(2020, 1, 1))
    return ha


@pytest.fixture
def leaver(mt_tree, mt_members):
    """Khoa: in cell A from 2011, in cell B from 2021."""
    khoa = admit(mt_tree["MT-CA"], person("Vũ Văn Khoa"), D(2011, 4, 1))
    move(khoa, mt_tree["MT-CB"], D(2021, 1, 1))
    return khoa


# --- item 2: members there on that date -------------------------------------------------------


def test_as_of_lists_only_members_in_the_scope_on_that_date(web, newcomer, leaver):
    page = text(web["sec_a"].get("/members/", {"as_of": "2015-06-01"}))
    # Hà was in cell Q in 2015: in cell A's scope now, but not there then
    assert "Nguyễn Văn An" in page and "Vũ Văn Khoa" in page and "Phạm Thị Hà" not in page
    assert found(page) == 2
    page = text(web["sec_a"].get("/members/", {"as_of": today().isoformat()}))
    assert "Phạm Thị Hà" in page and "Vũ Văn Khoa" not in page
    assert found(page) == 3  # An, Cường, Hà
    # the province's staff: Hà was outside the province in 2015
    page = text(web["staff"].get("/members/", {"as_of": "2015-06-01"}))
    assert "Phạm Thị Hà" not in page and "Lê Văn Dũng" not in page
    assert found(page) == 3  # An, Bình, Khoa


def test_the_count_and_the_rows_agree(mt_people, newcomer, leaver):
    for who in ("sec_a", "sec_b", "staff", "viewer", "admin"):
        for on in (D(2012, 1, 1), D(2015, 6, 1), D(2020, 6, 1), today()):
            user = mt_people[who]
            rows = set(selectors.member_search(user=user, on=on).values_list("pk", flat=True))
            assert selectors.member_search_count(user=user, on=on) == len(rows), (who, on)
            if who != "admin":
                visible = set(selectors.members(user=user).values_list("pk", flat=True))
                assert rows <= visible, (who, on)


def test_a_secretarys_default_list_is_todays_members_of_their_cell(web, newcomer, leaver):
    page = text(web["sec_a"].get("/members/"))
    assert 'value="MT-CA"' in page and f'value="{today().isoformat()}"' in page
    assert "Phạm Thị Hà" in page and "Vũ Văn Khoa" not in page  # Khoa left for cell B
    assert found(page) == 3
    # an empty search shows every record of the scope, including who left
    page = text(web["sec_a"].get("/members/", {"q": ""}))
    assert "Vũ Văn Khoa" in page


def test_an_organizations_members_on_any_date(web, newcomer, leaver, mt_english):
    page = text(web["sec_a"].get("/members/of/MT-CA/"))
    assert "3 members on" in page and "Phạm Thị Hà" in page and "Vũ Văn Khoa" not in page
    page = text(web["sec_a"].get("/members/of/MT-CA/", {"as_of": "2015-06-01"}))
    assert "2 members on" in page and "Vũ Văn Khoa" in page and "Phạm Thị Hà" not in page
    fragment = text(web["sec_a"].get("/members/of/MT-CA/", {"as_of": "2022-01-01"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment and 'id="org-members"' in fragment and "Phạm Thị Hà" in fragment
    assert "/members/?under=MT-CA&amp;as_of=2022-01-01" in fragment
    page = text(web["staff"].get("/members/of/MT-G/", {"as_of": "2015-06-01"}))
    assert "3 members on" in page  # An, Bình, Khoa
    # the organization's page loads the section
    page = text(web["sec_a"].get("/orgs/MT-CA/", {"as_of": "2022-01-01"}))
    assert 'hx-get="/members/of/MT-CA/?as_of=2022-01-01"' in page
    assert 'class="error"' in text(web["sec_a"].get("/members/of/MT-CA/", {"as_of": "someday"}))


def test_another_cells_members_are_404(web, mt_members):
    assert web["sec_b"].get("/members/of/MT-CA/").status_code == 404
    assert web["staff"].get("/members/of/MT-CQ/").status_code == 404
    assert web["nobody"].get("/members/of/MT-CA/").status_code == 404
    assert web["sec_b"].get("/members/of/NOPE/").status_code == 404


def test_organization_members_queries_do_not_grow(web, mt_tree, mt_members):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert web["staff"].get("/members/of/MT-G/").status_code == 200
        return len(ctx.captured_queries)

    queries()
    few = queries()
    for i in range(6):
        admit(mt_tree["MT-CB"], person(f"Người số {chr(65 + i)}"), D(2018, 1, 1))
    assert queries() == few


# --- item 3: periods, counts, export ----------------------------------------------------------


def test_admission_period_filters_and_counts(web, mt_members, mt_english):
    period = {"admitted_from": "2012-01-01", "admitted_to": "2016-12-31"}
    page = text(web["staff"].get("/members/", period))
    assert found(page) == 3 and "Lê Văn Dũng" not in page  # Dũng's cell is outside the province
    page = text(web["staff"].get("/members/", {**period, "admitted_sector": "student"}))
    assert found(page) == 1 and "Đặng Văn Cường" in page
    page = text(web["staff"].get("/members/", {**period, "count_by": "gender"}))
    counts = re.findall(r'<tr><td dir="auto">([^<]+)</td><td class="num">(\d+)</td></tr>', page)
    assert dict(counts) == {"Male": "2", "Female": "1"}
    assert '<td class="num">3</td>' in page  # the total
    page = text(web["staff"].get("/members/", {"admitted_from": "2016-01-01", "admitted_to": "2016-12-31",
                                               "count_by": "age_band"}))
    assert found(page) == 1 and "31–40" in page
    # the admission counts report (API, command) and the list agree
    staff = web["staff"]
    report = staff.get("/api/v1/members/counts/", {**period, "by": "sector"}).json()
    assert report["counts"]["student"] == 1 and report["total"] == 3


def test_bad_periods_show_errors_and_list_nothing(web, mt_members, mt_english):
    page = text(web["staff"].get("/members/", {"admitted_from": "2016-01-01"}))
    assert "Give both ends of the period." in page and "Nguyễn Văn An" not in page
    page = text(web["staff"].get("/members/", {"left_from": "2016-01-01", "left_to": "2015-01-01"}))
    assert "The end of the period is before its start." in page
    page = text(web["staff"].get("/members/", {"admitted_sector": "student"}))
    assert "Give the period of admission." in page
    assert 'class="error"' in text(web["staff"].get("/members/", {"admitted_to": "2016-02-30",
                                                                   "admitted_from": "2016-01-01"}))
    assert 'class="error"' in text(web["staff"].get("/members/", {"count_by": "national_id"}))


def test_left_period(web, mt_members):
    services.member_event(actor=None, member=mt_members["an"], type="withdrawn", on=D(2020, 5, 1),
                          reason="Xin ra khỏi Đảng")
    page = text(web["staff"].get("/members/", {"left_from": "2020-01-01", "left_to": "2020-12-31"}))
    assert found(page) == 1 and "Nguyễn Văn An" in page
    page = text(web["sec_b"].get("/members/", {"left_from": "2020-01-01", "left_to": "2020-12-31"}))
    assert found(page) == 0  # another cell's departures are not theirs


def test_the_export_link_exports_exactly_the_filtered_list(web, mt_members, mt_english):
    query = {"under": "MT-P", "admitted_from": "2012-01-01", "admitted_to": "2016-12-31", "gender": "male"}
    page = text(web["staff"].get("/members/", query))
    assert found(page) == 2
    link = re.search(r'id="export-link" href="([^"]+)"', page)
    assert link, "no export link"
    href = link.group(1).replace("&amp;", "&")
    assert "admitted_from=2012-01-01" in href and "gender=male" in href and "under=MT-P" in href
    response = web["staff"].get(href)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(r[0] for r in rows[1:]) == ["Nguyễn Văn An", "Đặng Văn Cường"]
    # without an organization there is no link, but a note
    page = text(web["admin"].get("/members/", {"admitted_from": "2012-01-01", "admitted_to": "2016-12-31"}))
    assert 'id="export-link"' not in page and "Choose an organization (code) to export this list." in page
    # a bad filter in the export refuses, and exports nothing
    response = web["staff"].get("/members/io/export/", {"under": "MT-P", "admitted_from": "2012-01-01"})
    assert response.status_code == 400 and "These filters have a bad value" in response.content.decode()


def test_the_export_of_a_filtered_list_is_the_same_in_the_background(mt_people, mt_members):
    plan = exporting.members_export_plan(user=mt_people["staff"], code="MT-P", criteria={
        "admitted_from": "2012-01-01", "admitted_to": "2016-12-31", "admitted_sector": "student"})
    assert plan.count == 1 and plan.criteria == {"admitted_from": "2012-01-01", "admitted_to": "2016-12-31",
                                                 "admitted_sector": "student"}
    assert not plan.dated
    prepared = exporting.members_export_prepare(user=mt_people["staff"], actor=mt_people["staff"], code="MT-P",
                                                criteria=plan.criteria)
    assert [row[0] for row in exporting.rows(prepared)] == ["Đặng Văn Cường"]


def test_a_filtered_list_keeps_its_query_budget(web, mt_tree, mt_members):
    query = {"under": "MT-P", "admitted_from": "2000-01-01", "admitted_to": "2030-12-31", "count_by": "status"}

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert web["staff"].get("/members/", query).status_code == 200
        return len(ctx.captured_queries)

    queries()
    few = queries()
    for i in range(6):
        admit(mt_tree["MT-CB"], person(f"Người số {chr(65 + i)}", gender="female"), D(2018, 1, 1))
    assert queries() == few


# --- the API ----------------------------------------------------------------------------------


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["full_name"] for row in response.json()["results"])


def test_api_periods_and_breakdown(web, mt_members):
    staff = web["staff"]
    period = {"admitted_from": "2012-01-01", "admitted_to": "2016-12-31"}
    assert names(staff.get("/api/v1/members/", period)) == ["Nguyễn Văn An", "Trần Thị Bình", "Đặng Văn Cường"]
    assert names(staff.get("/api/v1/members/", {**period, "admitted_sector": "student"})) == ["Đặng Văn Cường"]
    report = staff.get("/api/v1/members/breakdown/", {**period, "by": "gender"}).json()
    assert report["counts"]["male"] == 2 and report["counts"]["female"] == 1 and report["total"] == 3
    assert report["admitted_from"] == "2012-01-01"
    report = staff.get("/api/v1/members/breakdown/", {**period, "by": "occupation", "gender": "male"}).json()
    assert report["counts"]["student"] == 1 and report["total"] == 2
    report = web["sec_b"].get("/api/v1/members/breakdown/", {**period, "by": "status"}).json()
    assert report["total"] == 1  # Bình alone: nothing outside the cell
    assert web["admin"].get("/api/v1/members/breakdown/", {**period, "by": "status"}).json()["total"] == 4


def test_api_bad_input_and_scoping(web, mt_members):
    staff = web["staff"]
    assert staff.get("/api/v1/members/", {"admitted_from": "2012-01-01"}).status_code == 400
    assert staff.get("/api/v1/members/", {"left_from": "2013-01-01", "left_to": "2012-01-01"}).status_code == 400
    assert staff.get("/api/v1/members/", {"admitted_sector": "student"}).status_code == 400
    assert staff.get("/api/v1/members/breakdown/", {"by": "national_id"}).status_code == 400
    assert staff.get("/api/v1/members/breakdown/", {"by": "gender", "admitted_from": "x"}).status_code == 400
    assert web["sec_b"].get("/api/v1/members/breakdown/", {"by": "gender", "under": "MT-CA"}).status_code == 404
    assert web["sec_b"].get("/api/v1/members/", {"under": "MT-CA"}).json()["results"] == []
    assert web["nobody"].get("/api/v1/members/breakdown/", {"by": "gender"}).json()["total"] == 0
