"""The members API: list with search and filters, detail with timeline (read-logged), counts
that agree with the command, transfers; scoping (404 outside), masking of sensitive fields."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from chibo.core.models import ReadLogEntry
from chibo.members import services
from chibo.members.api import reading

from .conftest import NID_AN, NID_BINH, NID_CUONG, NID_DUNG, admit, person

D = dt.date
pytestmark = pytest.mark.django_db
CANARIES = (NID_AN, NID_BINH, NID_CUONG, NID_DUNG)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["full_name"] for row in response.json()["results"]]


@pytest.fixture
def api(mt_people, mt_login):
    return {key: mt_login(user) for key, user in mt_people.items()}


# --- list -----------------------------------------------------------------------------------


def test_list_is_scoped(api, mt_members):
    assert set(names(api["admin"].get("/api/v1/members/"))) == {"Nguyễn Văn An", "Trần Thị Bình", "Đặng Văn Cường",
                                                               "Lê Văn Dũng"}
    assert set(names(api["staff"].get("/api/v1/members/"))) == {"Nguyễn Văn An", "Trần Thị Bình", "Đặng Văn Cường"}
    assert set(names(api["sec_a"].get("/api/v1/members/"))) == {"Nguyễn Văn An", "Đặng Văn Cường"}
    assert names(api["sec_b"].get("/api/v1/members/")) == ["Trần Thị Bình"]
    assert names(api["nobody"].get("/api/v1/members/")) == []


def test_list_requires_sign_in(mt_members, client):
    assert client.get("/api/v1/members/").status_code in (401, 403)


def test_list_search_and_filters(api, mt_members):
    staff = api["staff"]
    assert names(staff.get("/api/v1/members/", {"q": "nguyen van an"})) == ["Nguyễn Văn An"]
    assert names(staff.get("/api/v1/members/", {"q": "đặng"})) == ["Đặng Văn Cường"]
    assert names(staff.get("/api/v1/members/", {"q": "CARD-AN-01"})) == ["Nguyễn Văn An"]
    assert names(staff.get("/api/v1/members/", {"q": NID_BINH})) == ["Trần Thị Bình"]
    assert names(staff.get("/api/v1/members/", {"under": "MT-CB"})) == ["Trần Thị Bình"]
    assert names(staff.get("/api/v1/members/", {"under": "MT-CA", "as_of": "2015-06-01"})) == ["Nguyễn Văn An"]
    assert names(staff.get("/api/v1/members/", {"under": "MT-CQ"})) == []  # out of scope = nothing
    assert names(staff.get("/api/v1/members/", {"status": "official_member"})) == ["Đặng Văn Cường"]
    assert names(staff.get("/api/v1/members/", {"gender": "female"})) == ["Trần Thị Bình"]
    assert names(staff.get("/api/v1/members/", {"occupation": "student"})) == ["Đặng Văn Cường"]
    assert names(staff.get("/api/v1/members/", {"religion": "buddhism"})) == ["Nguyễn Văn An"]
    assert names(staff.get("/api/v1/members/", {"ethnicity": "02"})) == ["Nguyễn Văn An"]
    assert len(names(staff.get("/api/v1/members/", {"theory_level": "none", "general_education": "upper_secondary"}))) == 3
    assert names(staff.get("/api/v1/members/", {"theory_level": "advanced_political_theory"})) == []


def test_list_refuses_bad_filters(api, mt_members):
    assert api["staff"].get("/api/v1/members/", {"as_of": "2020-02-31"}).status_code == 400
    assert api["staff"].get("/api/v1/members/", {"gender": "other"}).status_code == 400


def test_list_has_the_current_cell(api, mt_members):
    rows = {r["full_name"]: r for r in api["staff"].get("/api/v1/members/").json()["results"]}
    assert rows["Trần Thị Bình"]["cell"] == "MT-CB"


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "sec_a"])
def test_sensitive_fields_are_masked_without_the_right(api, mt_members, who):
    listing = api[who].get("/api/v1/members/")
    body = listing.content.decode()
    assert listing.status_code == 200
    for canary in CANARIES:
        assert canary not in body
    for row in listing.json()["results"]:
        assert (row["ethnicity"], row["religion"], row["national_id"], row["sensitive_visible"]) == (None, None, None, False)
    detail = api[who].get(f"/api/v1/members/{mt_members['an'].pk}/")
    assert detail.status_code == 200
    assert NID_AN not in detail.content.decode()
    data = detail.json()
    assert (data["ethnicity"], data["religion"], data["national_id"]) == (None, None, None)
    # and a search by identity number does not reveal it; a filter on a sensitive value is refused
    assert names(api[who].get("/api/v1/members/", {"q": NID_AN})) == []
    assert api[who].get("/api/v1/members/", {"religion": "buddhism"}).status_code == 403


def test_sensitive_fields_are_shown_with_the_right(api, mt_members):
    rows = {r["full_name"]: r for r in api["staff"].get("/api/v1/members/").json()["results"]}
    assert rows["Nguyễn Văn An"]["national_id"] == NID_AN
    assert (rows["Nguyễn Văn An"]["ethnicity"], rows["Nguyễn Văn An"]["religion"]) == ("02", "buddhism")
    data = api["admin"].get(f"/api/v1/members/{mt_members['dung'].pk}/").json()
    assert data["national_id"] == NID_DUNG and data["sensitive_visible"] is True


# --- detail ---------------------------------------------------------------------------------


def test_detail_has_the_timeline_and_is_read_logged(api, mt_people, mt_tree, mt_members):
    cuong = mt_members["cuong"]
    before = ReadLogEntry.objects.count()
    response = api["staff"].get(f"/api/v1/members/{cuong.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "official_member"
    assert data["cell"] == {"code": "MT-CA", "name": "Chi bộ thôn A"}
    assert [e["type"] for e in data["timeline"]["events"]] == ["admitted", "recognized_official"]
    assert data["timeline"]["events"][1]["on"] == "2017-03-26"
    assert [(a["org"]["code"], a["valid_from"], a["valid_to"]) for a in data["timeline"]["affiliations"]] == [
        ("MT-CA", "2016-03-26", None)]
    assert data["timeline"]["transfers"] == []
    assert data["party_age"]["years"] >= 9
    entries = list(ReadLogEntry.objects.order_by("id"))[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.target_type, entry.target_id, entry.purpose) == (
        mt_people["staff"], "members.member", str(cuong.pk), "view")
    assert entry.org_path == mt_tree["MT-CA"].version_on(D(2024, 1, 1)).path


def test_list_is_read_logged_per_member_shown(api, mt_members):
    before = ReadLogEntry.objects.count()
    shown = names(api["staff"].get("/api/v1/members/"))
    assert ReadLogEntry.objects.count() == before + len(shown) == before + 3


def test_detail_outside_scope_is_404_and_not_logged(api, mt_members):
    before = ReadLogEntry.objects.count()
    assert api["sec_a"].get(f"/api/v1/members/{mt_members['binh'].pk}/").status_code == 404
    assert api["staff"].get(f"/api/v1/members/{mt_members['dung'].pk}/").status_code == 404
    assert api["staff"].get("/api/v1/members/999999/").status_code == 404
    assert ReadLogEntry.objects.count() == before


def test_detail_of_a_member_in_transfer_shows_the_transfer(api, mt_tree, mt_members):
    an = mt_members["an"]
    t = services.transfer_request(actor=None, member=an, kind="official", to_org=mt_tree["MT-CB"],
                                  trigger_date=D(2021, 1, 4), requested_on=D(2021, 1, 4))
    services.transfer_issue_letter(actor=None, transfer=t, letter_no="9-GGT", issued_on=D(2021, 1, 5),
                                   issued_by=mt_tree["MT-G"])
    data = api["staff"].get(f"/api/v1/members/{an.pk}/").json()
    assert data["cell"] is None
    [transfer] = data["timeline"]["transfers"]
    assert (transfer["state"], transfer["to_org"]["code"], transfer["letter_no"]) == ("letter_issued", "MT-CB", "9-GGT")
    # the member is still in the secretary of cell A's scope (history) — and now in B's for nothing yet
    assert api["sec_a"].get(f"/api/v1/members/{an.pk}/").status_code == 200


# --- counts ---------------------------------------------------------------------------------


def _cli(*args: str) -> dict:
    out = StringIO()
    call_command("members", "count", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("field", reading.COUNT_FIELDS)
def test_counts_agree_with_the_command(api, mt_members, field):
    response = api["admin"].get("/api/v1/members/counts/", {"under": "MT-P", "as_of": "2020-01-01", "by": field})
    assert response.status_code == 200
    assert response.json() == _cli("--under", "MT-P", "--as-of", "2020-01-01", "--by", field)


def test_period_counts_agree_with_the_command(api, mt_members):
    services.member_event(actor=None, member=mt_members["an"], type="withdrawn", on=D(2022, 1, 1))
    admitted = api["admin"].get("/api/v1/members/counts/", {"under": "MT-P", "admitted_from": "2010-01-01",
                                                            "admitted_to": "2016-12-31"})
    assert admitted.json() == _cli("--under", "MT-P", "--admitted-from", "2010-01-01", "--admitted-to", "2016-12-31")
    assert admitted.json()["total"] == 3
    left = api["admin"].get("/api/v1/members/counts/", {"under": "MT-P", "left_from": "2021-01-01",
                                                        "left_to": "2023-12-31"})
    assert left.json() == _cli("--under", "MT-P", "--left-from", "2021-01-01", "--left-to", "2023-12-31")
    assert left.json()["counts"]["withdrawn"] == 1


def test_counts_are_scoped(api, mt_members):
    params = {"as_of": "2020-01-01", "by": "status"}
    assert api["sec_a"].get("/api/v1/members/counts/", params).json()["total"] == 2
    assert api["sec_a"].get("/api/v1/members/counts/", {**params, "under": "MT-CA"}).json()["total"] == 2
    assert api["staff"].get("/api/v1/members/counts/", params).json()["total"] == 3
    # organizations outside the user's scope answer like unknown ones
    assert api["sec_a"].get("/api/v1/members/counts/", {**params, "under": "MT-CB"}).status_code == 404
    assert api["staff"].get("/api/v1/members/counts/", {**params, "under": "MT-CQ"}).status_code == 404
    assert api["staff"].get("/api/v1/members/counts/", {**params, "under": "NOPE"}).status_code == 404


@pytest.mark.parametrize("params", [
    {"by": "shoe_size"},
    {"as_of": "yesterday"},
    {"admitted_from": "2020-01-01"},
    {"admitted_from": "2021-01-01", "admitted_to": "2020-01-01"},
    {"admitted_from": "2020-01-01", "admitted_to": "2021-01-01", "by": "age_band"},
    {"admitted_from": "2020-01-01", "admitted_to": "2021-01-01", "left_from": "2020-01-01", "left_to": "2021-01-01"},
])
def test_counts_refuse_bad_parameters(api, mt_members, params):
    assert api["staff"].get("/api/v1/members/counts/", params).status_code == 400


# --- transfers ------------------------------------------------------------------------------


@pytest.fixture
def transfers(mt_tree, mt_members):
    an, dung = mt_members["an"], mt_members["dung"]
    t_an = services.transfer_request(actor=None, member=an, kind="official", to_org=mt_tree["MT-CB"],
                                     trigger_date=D(2021, 1, 4), requested_on=D(2021, 1, 4))
    t_an = services.transfer_issue_letter(actor=None, transfer=t_an, letter_no="9-GGT", issued_on=D(2021, 1, 5),
                                          issued_by=mt_tree["MT-G"])
    t_dung = services.transfer_request(actor=None, member=dung, kind="official", to_org=None, outside_place="Hà Nội",
                                       trigger_date=D(2021, 1, 4), requested_on=D(2021, 1, 4))
    return {"an": t_an, "dung": t_dung}


def test_transfers_are_scoped(api, transfers):
    def ids(client, **params):
        response = client.get("/api/v1/transfers/", params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    t_an, t_dung = transfers["an"], transfers["dung"]
    assert ids(api["admin"]) == {t_an.pk, t_dung.pk}
    assert ids(api["staff"]) == {t_an.pk}
    assert ids(api["sec_a"]) == {t_an.pk}  # from their cell
    assert ids(api["sec_b"]) == {t_an.pk}  # to their cell
    assert ids(api["nobody"]) == set()
    assert api["staff"].get(f"/api/v1/transfers/{t_dung.pk}/").status_code == 404
    row = api["staff"].get(f"/api/v1/transfers/{t_an.pk}/").json()
    assert (row["member"]["full_name"], row["from_org"]["code"], row["to_org"]["code"]) == (
        "Nguyễn Văn An", "MT-CA", "MT-CB")


def test_overdue_transfers(api, transfers):
    deadline = transfers["an"].present_deadline
    assert deadline is not None

    def overdue(on: dt.date) -> list[int]:
        response = api["staff"].get("/api/v1/transfers/", {"overdue": "1", "as_of": on.isoformat()})
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert overdue(deadline) == []
    assert overdue(deadline + dt.timedelta(days=1)) == [transfers["an"].pk]
    assert api["nobody"].get("/api/v1/transfers/", {"overdue": "true"}).json()["results"] == []


def test_list_queries_do_not_grow_with_the_page(api, mt_tree, mt_members):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api["viewer"].get("/api/v1/members/").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first request of a session does some more (session, sign-in bookkeeping)
    few = queries()
    for i in range(6):
        admit(mt_tree["MT-CB"], person(f"Người số {chr(65 + i)}"), D(2018, 1, 1))
    assert queries() == few


def test_counts_with_a_format_suffix(api, mt_members):
    """The router also serves `counts.json`: the same numbers, never a server error."""
    plain = api["admin"].get("/api/v1/members/counts/", {"under": "MT-P", "as_of": "2020-01-01", "by": "status"})
    suffixed = api["admin"].get("/api/v1/members/counts.json", {"under": "MT-P", "as_of": "2020-01-01", "by": "status"})
    assert plain.status_code == suffixed.status_code == 200
    assert suffixed.json() == plain.json()
