"""/api/v1/organizations/: filters, as-of, actions, authentication and scoping."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chibo.accounts.models import ApiToken
from chibo.orgs import kinds as K
from chibo.orgs import selectors, services
from chibo.orgs.models import Organization

D = dt.date
URL = "/api/v1/organizations/"

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def codes(response) -> set[str]:
    return {r["code"] for r in results(response)}


# --- the list and its filters -----------------------------------------------------------------


def test_list_everything_for_admin(tree, client_admin):
    r = client_admin.get(URL)
    assert codes(r) == set(tree)
    assert r.json()["count"] == 12
    row = next(x for x in results(r) if x["code"] == "ORG-CELL-A")
    assert row["name"] == "Chi bộ khu phố 1"
    assert row["kind"] == K.PARTY_CELL
    assert row["parent"] == "ORG-GX1"
    assert row["depth"] == 4
    assert row["valid_from"] == "2020-01-01" and row["valid_to"] is None
    assert row["established_on"] == "2020-01-01" and row["dissolved_from"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": K.PARTY_CELL}, {"ORG-CELL-A", "ORG-CELL-B", "ORG-CY1"}),
        ({"kind": K.PROVINCIAL}, {"ORG-P1", "ORG-P2"}),
        ({"parent": "ORG-GX1"}, {"ORG-CELL-A", "ORG-CELL-B"}),
        ({"parent": "ORG-P1", "kind": K.DISTRICT}, {"ORG-DX", "ORG-DY"}),
        ({"q": "ha long"}, {"ORG-DX"}),
        ({"q": "ĐỒNG"}, {"ORG-DY", "ORG-CY1"}),
        ({"as_of": "2019-12-31"}, set()),
        ({"as_of": "2020-01-01", "kind": K.GRASSROOTS_CELL}, {"ORG-GX2"}),
    ],
)
def test_list_filters(tree, client_admin, params, expected):
    assert codes(client_admin.get(URL, params)) == expected


def test_list_as_of_follows_history(tree, admin, client_admin):
    services.org_move(actor=admin, org=tree["GX2"], parent=tree["DY"], on=D(2022, 1, 1))
    services.org_dissolve(actor=admin, org=tree["CB"], on=D(2023, 1, 1))
    assert codes(client_admin.get(URL, {"parent": "ORG-DY", "as_of": "2021-12-31"})) == {"ORG-GY1"}
    assert codes(client_admin.get(URL, {"parent": "ORG-DY", "as_of": "2022-01-01"})) == {
        "ORG-GY1", "ORG-GX2"
    }
    assert "ORG-CELL-B" in codes(client_admin.get(URL, {"as_of": "2022-12-31"}))
    assert "ORG-CELL-B" not in codes(client_admin.get(URL, {"as_of": "2023-01-01"}))


@pytest.mark.parametrize("path", ["", "ORG-CELL-A/", "ORG-CELL-A/children/", "ORG-CELL-A/counts/"])
@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "01/02/2024"])
def test_bad_as_of_is_400_with_a_message(tree, client_admin, path, bad):
    r = client_admin.get(URL + path, {"as_of": bad})
    assert r.status_code == 400
    assert "as_of" in r.json()
    assert "YYYY-MM-DD" in str(r.json()["as_of"])


def test_bad_changes_period_is_400(tree, client_admin):
    r = client_admin.get(URL + "ORG-DX/changes/", {"from": "nope"})
    assert r.status_code == 400


# --- detail and actions ---------------------------------------------------------------------------


def test_detail_by_code(tree, client_admin):
    r = client_admin.get(URL + "ORG-GX1/")
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "ORG-GX1" and body["name"] == "Đảng bộ phường Hồng Gai"
    assert body["kind"] == K.GRASSROOTS_COMMITTEE and body["parent"] == "ORG-DX"
    assert client_admin.get(URL + "NO-SUCH-CODE/").status_code == 404


def test_detail_as_of_and_nearest_period(tree, admin, client_admin):
    services.org_rename(actor=admin, org=tree["GX1"], name="Tên mới", on=D(2022, 1, 1))
    assert client_admin.get(URL + "ORG-GX1/", {"as_of": "2021-06-01"}).json()["name"] == (
        "Đảng bộ phường Hồng Gai"
    )
    assert client_admin.get(URL + "ORG-GX1/", {"as_of": "2022-06-01"}).json()["name"] == "Tên mới"
    # before it existed: its first period
    early = client_admin.get(URL + "ORG-GX1/", {"as_of": "2010-01-01"}).json()
    assert early["valid_from"] == "2020-01-01"


def test_children(tree, client_admin):
    r = client_admin.get(URL + "ORG-GX1/children/")
    assert codes(r) == {"ORG-CELL-A", "ORG-CELL-B"}
    assert all(x["has_children"] is False for x in results(r))
    dx = results(client_admin.get(URL + "ORG-DX/children/"))
    assert {x["code"]: x["has_children"] for x in dx} == {"ORG-GX1": True, "ORG-GX2": False}
    assert codes(client_admin.get(URL + "ORG-GX1/children/", {"as_of": "2019-01-01"})) == set()


def test_lineage(tree, admin, client_admin):
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2022, 1, 1))
    r = client_admin.get(URL + "ORG-CELL-A/lineage/")
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "ORG-CELL-A" and body["future"] == []
    (past,) = body["past"]
    assert past["code"] == "ORG-CELL-B" and past["change"] == "merge" and past["on"] == "2022-01-01"
    assert past["decision"] is None
    future = client_admin.get(URL + "ORG-CELL-B/lineage/").json()["future"]
    assert [x["code"] for x in future] == ["ORG-CELL-A"]


@pytest.mark.parametrize("code", ["ORG-P1", "ORG-DX", "ORG-GX1", "ORG-CELL-A"])
@pytest.mark.parametrize("as_of", ["2019-06-01", "2020-01-01", "2024-01-01"])
def test_counts_agree_with_the_selector(tree, admin, client_admin, code, as_of):
    r = client_admin.get(URL + f"{code}/counts/", {"as_of": as_of})
    assert r.status_code == 200
    body = r.json()
    assert body["under"] == code and body["as_of"] == as_of
    expected = selectors.org_counts(user=admin, org=tree[code], on=dt.date.fromisoformat(as_of))
    assert body["counts"] == expected


def test_counts_example(tree, client_admin):
    counts = client_admin.get(URL + "ORG-P1/counts/").json()["counts"]
    assert counts[K.GRASSROOTS_ORGANIZATION] == 3 and counts[K.PARTY_CELL] == 3


def test_changes(tree, admin, client_admin):
    from chibo.orgs.services import DecisionRef

    services.org_rename(actor=admin, org=tree["CA"], name="Chi bộ A", on=D(2021, 1, 1),
                        decision=DecisionRef(number="7-QĐ", date=D(2020, 12, 1), issuer="Đảng ủy"))
    services.org_dissolve(actor=admin, org=tree["CB"], on=D(2023, 1, 1))
    rows = results(client_admin.get(URL + "ORG-GX1/changes/", {"from": "2021-01-01"}))
    assert [(x["type"], x["on"]) for x in rows] == [("dissolve", "2023-01-01"), ("rename", "2021-01-01")]
    rename = rows[1]
    assert rename["decision"] == {"number": "7-QĐ", "date": "2020-12-01", "issuer": "Đảng ủy"}
    assert rename["organizations"] == [{"code": "ORG-CELL-A", "role": "subject"}]
    rows = results(client_admin.get(URL + "ORG-GX1/changes/", {"from": "2021-01-01", "to": "2022-12-31"}))
    assert [x["type"] for x in rows] == ["rename"]


# --- authentication -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["", "ORG-P1/", "ORG-P1/children/", "ORG-P1/lineage/", "ORG-P1/counts/", "ORG-P1/changes/"]
)
def test_unauthenticated_is_refused(tree, path):
    r = Client().get(URL + path)
    assert r.status_code in (401, 403)
    assert "ORG-" not in r.content.decode()


def _token(user, *, expires_in=timedelta(days=1), revoked=False) -> str:
    key = ApiToken.generate_key()
    ApiToken.objects.create(
        user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8],
        expires_at=timezone.now() + expires_in,
        revoked_at=timezone.now() if revoked else None,
    )
    return key


def test_token_authentication(tree, secretary_a):
    key = _token(secretary_a)
    c = Client()
    r = c.get(URL, HTTP_AUTHORIZATION=f"Token {key}")
    assert codes(r) == {"ORG-CELL-A"}
    assert ApiToken.objects.get(key_hash=ApiToken.hash_key(key)).last_used_at is not None
    assert c.get(URL + "ORG-CELL-B/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 404


@pytest.mark.parametrize("kind", ["expired", "revoked", "unknown", "inactive user"])
def test_unusable_token_is_401(tree, secretary_a, kind):
    if kind == "expired":
        key = _token(secretary_a, expires_in=timedelta(seconds=-1))
    elif kind == "revoked":
        key = _token(secretary_a, revoked=True)
    elif kind == "unknown":
        key = ApiToken.generate_key()
    else:
        key = _token(secretary_a)
        secretary_a.is_active = False
        secretary_a.save(update_fields=["is_active"])
    r = Client().get(URL, HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 401
    assert "ORG-" not in r.content.decode()


# --- scoping ------------------------------------------------------------------------------------------


SUFFIXES = ["", "children/", "lineage/", "counts/", "changes/"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_sibling_cell_is_404(tree, client_secretary_a, client_secretary_b, suffix):
    r = client_secretary_a.get(URL + f"ORG-CELL-B/{suffix}")
    assert r.status_code == 404
    assert "ORG-CELL-B" not in r.content.decode()
    # exactly like something that does not exist
    assert client_secretary_a.get(URL + f"NO-SUCH/{suffix}").json() == r.json()
    assert client_secretary_b.get(URL + f"ORG-CELL-B/{suffix}").status_code == 200


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("code", ["ORG-DY", "ORG-GY1", "ORG-CY1", "ORG-P1", "ORG-P2"])
def test_sibling_district_is_404(tree, client_district_x, client_district_y, suffix, code):
    assert client_district_x.get(URL + f"{code}/{suffix}").status_code == 404
    if code in {"ORG-DY", "ORG-GY1", "ORG-CY1"}:
        assert client_district_y.get(URL + f"{code}/{suffix}").status_code == 200


def test_list_excludes_out_of_scope(tree, client_secretary_a, client_district_x, client_staff_p1):
    assert codes(client_secretary_a.get(URL)) == {"ORG-CELL-A"}
    assert codes(client_secretary_a.get(URL, {"parent": "ORG-GX1"})) == {"ORG-CELL-A"}
    assert codes(client_secretary_a.get(URL, {"q": "khu pho"})) == {"ORG-CELL-A"}
    assert codes(client_district_x.get(URL)) == {"ORG-DX", "ORG-GX1", "ORG-GX2", "ORG-CELL-A",
                                                   "ORG-CELL-B"}
    assert codes(client_district_x.get(URL, {"parent": "ORG-DY"})) == set()
    assert codes(client_district_x.get(URL, {"q": "dong"})) == set()
    assert "ORG-P2" not in codes(client_staff_p1.get(URL))
    assert len(codes(client_staff_p1.get(URL))) == 9


def test_children_of_a_visible_parent_exclude_invisible_children(tree, client_secretary_a, login,
                                                                 district_x):
    # GX1 itself is out of secretary_a's scope
    assert client_secretary_a.get(URL + "ORG-GX1/children/").status_code == 404
    assert codes(login(district_x).get(URL + "ORG-DX/children/")) == {"ORG-GX1", "ORG-GX2"}


def test_a_successor_inherits_what_it_absorbed_read_only(tree, admin, client_secretary_a, secretary_a,
                                                         login, personas):
    """Issue 18, item 4: a successor inherits its predecessors' history (to read), nobody else."""
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2022, 1, 1))
    r = client_secretary_a.get(URL + "ORG-CELL-A/changes/")
    assert r.status_code == 200 and "ORG-CELL-B" in r.content.decode()
    assert [p["code"] for p in client_secretary_a.get(URL + "ORG-CELL-A/lineage/").json()["past"]] == ["ORG-CELL-B"]
    assert client_secretary_a.get(URL + "ORG-CELL-B/").status_code == 200
    assert not Organization.objects.restrict(secretary_a, "org.change").filter(pk=tree["CB"].pk).exists()
    # a neighbour that absorbed nothing still gets 404
    assert login(personas["district_y"]).get(URL + "ORG-CELL-B/").status_code == 404


def test_counts_under_own_node_only(tree, client_district_x):
    counts = client_district_x.get(URL + "ORG-DX/counts/").json()["counts"]
    assert counts[K.PARTY_CELL] == 2


def test_history_stays_visible_after_moving_out(tree, admin, login, district_x):
    """A unit that moved out of a district is still visible to it as it was before."""
    services.org_move(actor=admin, org=tree["GX2"], parent=tree["DY"], on=D(2022, 1, 1))
    c = login(district_x)
    assert "ORG-GX2" in codes(c.get(URL, {"as_of": "2021-06-01"}))
    assert "ORG-GX2" not in codes(c.get(URL, {"as_of": "2022-06-01"}))


# --- schema and docs ----------------------------------------------------------------------------------


def test_schema_for_an_authenticated_user(tree, client_secretary_a):
    r = client_secretary_a.get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/v1/organizations/{code}/counts/" in text
    assert "ORG-" not in text


def test_schema_and_docs_need_sign_in():
    assert Client().get("/api/schema/").status_code in (401, 403)
    assert Client().get("/api/docs/").status_code in (302, 401, 403)


def test_docs_are_served_locally(tree, client_secretary_a):
    r = client_secretary_a.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    script = client_secretary_a.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    for text in (html, script.content.decode()):
        hosts = {m.group(1) for m in re.finditer(r"https?://([^/\"'\s)]+)", text)}
        assert hosts <= {"testserver"}, hosts
    assert "drf_spectacular_sidecar" in html or "/static/" in html
