"""Sensitive member fields never leak through a parameter that names a field (security.md G5,
issue 18 finding 1): grouping (`by=`, `count_by=`), sorting (`ordering=`, `sort=`) or filtering
(`religion=…`) by ethnicity, religion or identity number needs `member.view_sensitive` over the
whole scope asked about, otherwise 403 with a clear message.

Nothing here lists the routes to check: every route of the URL conf (as `test_routes_scoping`
discovers them) is asked each probe by a user who may see sensitive fields over the cell
(`district_x`). A route whose answer changes with the probe honours the parameter; such a route
must then answer 403 to the cell's secretary (who may not) and 200 to `district_x`. The known
field-taking routes must be among those found, so the walk cannot pass by finding nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any
from urllib.parse import quote_plus

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from chibo.members import services
from chibo.members.sensitive import SENSITIVE_FIELDS, SensitiveFieldDenied, require_sensitive
from chibo.members.services import DecisionInfo, PersonData
from tests.routes import ROUTES, Route

ADMITTED = dt.date(2021, 5, 17)

PROBES: list[dict[str, str]] = [
    {"by": "religion"},
    {"by": "ethnicity"},
    {"count_by": "religion"},
    {"ordering": "religion"},
    {"sort": "-national_id"},
    {"religion": "buddhism"},
    {"ethnicity": "02"},
]

# routes that take a field name today: the walk must find each (else it is not looking)
KNOWN = {"member-counts", "member-breakdown", "member-list", "members:list", "members_io:export"}


def _admit(cell: Any, name: str, on: dt.date, **person: Any) -> Any:
    return services.member_admit(
        actor=None, person=PersonData(full_name=name, gender="male", birth_date=dt.date(1990, 3, 4), **person),
        cell=cell, ceremony_date=on, decision=DecisionInfo(number=f"QĐ-{name[:4]}", date=on - dt.timedelta(days=10),
                                                          issuer="Đảng ủy"))


@pytest.fixture
def people(tree):
    cell = tree["CA"]
    return [
        _admit(cell, "Nguyễn Văn Phật", dt.date(2020, 3, 1), religion="buddhism", ethnicity="02"),
        _admit(cell, "Trần Văn Không", dt.date(2020, 4, 1), religion="none", ethnicity="01"),
        _admit(cell, "Lê Văn Một Ngày", ADMITTED, religion="none", ethnicity="01"),
    ]


def _url(route: Route, code: str) -> str | None:
    """The route's URL when it takes no object (an organization code is the cell's)."""
    if set(route.params) - {"code", "format"}:
        return None
    template, params = route.template
    if "format" in params:
        return None  # the same view as without the suffix
    return "/" + template % {"code": code}


_NOISE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"|csrftoken=[^;]*'
                    r'|"request_id": ?"[^"]*"'
                    # the public feedback form's signed timestamp changes every second
                    r'|name="started"[^>]*value="[^"]*"')


def _body(response: Any, probe: dict[str, str]) -> Any:
    """The answer to compare: its status and content, without what only echoes the request."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return response.status_code, json.loads(content)
        except ValueError:
            pass
    text = _NOISE.sub("", content.decode("utf-8", "replace"))
    for key, value in probe.items():  # a page that only echoes the parameter ignores it
        for form in {value, quote_plus(value)}:
            text = re.sub(r"(&amp;|&)?" + re.escape(f"{key}={form}"), "", text)
    return response.status_code, text


def _get(client: Client, url: str, params: dict[str, str]) -> Any:
    with translation.override("en"):
        return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def test_every_route_that_honours_a_sensitive_field_refuses_it_without_the_permission(tree, personas, people):
    secretary, district = Client(), Client()
    secretary.force_login(personas["secretary_a"])
    district.force_login(personas["district_x"])
    code = tree.code("CA")
    base = {"under": code, "as_of": "2022-01-01"}
    honouring: dict[str, list[dict[str, str]]] = {}
    failures: list[str] = []
    for route in ROUTES:
        url = _url(route, code)
        if url is None:
            continue
        baseline = _get(district, url, base)
        if baseline.status_code >= 300 and baseline.status_code != 400:
            continue  # not a page to read (POST only, a redirect); 400: a parameter may be missing
        for probe in PROBES:
            asked = _get(district, url, {**base, **probe})
            answer = _body(asked, probe)
            if answer == _body(baseline, probe):
                continue  # the parameter changes nothing: not taken
            # a page that differs from one request to the next (a random token) is asked again:
            # the parameter is taken when the same question gets the same answer, and another one
            # without it
            if _body(_get(district, url, {**base, **probe}), probe) != answer or answer == _body(
                    _get(district, url, base), probe):
                continue
            honouring.setdefault(route.name or route.view_id, []).append(probe)
            refused = _get(secretary, url, {**base, **probe})
            if refused.status_code != 403:
                failures.append(f"{route} {probe}: {refused.status_code} to a user without the permission")
            if asked.status_code != 200:
                failures.append(f"{route} {probe}: {asked.status_code} to a user with the permission")
    assert not failures, "\n".join(failures)
    assert set(honouring) >= KNOWN, (sorted(honouring), KNOWN - set(honouring))


def test_the_probe_of_the_issue(tree, personas, people, login):
    """One member admitted that day: a count by religion would be that member's religion."""
    params = {"under": tree.code("CA"), "admitted_from": ADMITTED.isoformat(), "admitted_to": ADMITTED.isoformat()}
    secretary = login(personas["secretary_a"])
    for field in ("religion", "ethnicity"):
        with translation.override("en"):
            response = secretary.get("/api/v1/members/counts/", {**params, "by": field}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403
        assert "none" not in response.json() and "counts" not in response.json()
        assert "sensitive" in response.json()["detail"]
    # the same user's count by a field that is not sensitive still answers
    assert secretary.get("/api/v1/members/counts/", {**params, "by": "gender"}).json()["counts"]["male"] == 1
    allowed = login(personas["district_x"]).get("/api/v1/members/counts/", {**params, "by": "religion"})
    assert allowed.status_code == 200 and allowed.json()["counts"]["none"] == 1


def test_the_message_is_in_the_users_language(tree, personas, people, login):
    secretary = login(personas["secretary_a"])
    english = secretary.get("/members/", {"count_by": "religion"}, HTTP_ACCEPT_LANGUAGE="en")
    vietnamese = secretary.get("/members/", {"count_by": "religion"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert english.status_code == vietnamese.status_code == 403
    with translation.override("en"):
        message_en = SensitiveFieldDenied(["religion"]).user_message
    with translation.override("vi"):
        message_vi = SensitiveFieldDenied(["religion"]).user_message
    assert message_en != message_vi
    assert message_en.replace("’", "&#x27;") in english.content.decode() or message_en in english.content.decode()
    assert message_vi in vietnamese.content.decode()


def test_the_whole_scope_asked_about_counts(tree, personas, people, login):
    """district_x may see sensitive fields in its district, not in the province it may not see."""
    district = personas["district_x"]
    require_sensitive(district, ["religion"], org=tree["CA"])
    require_sensitive(district, ["religion"])  # its whole scope: the district
    with pytest.raises(SensitiveFieldDenied):
        require_sensitive(personas["secretary_a"], ["-religion"], org=tree["CA"])
    require_sensitive(personas["secretary_a"], ["gender", "status"], org=tree["CA"])
    assert set(SENSITIVE_FIELDS) == {"ethnicity", "religion", "national_id"}


def test_export_filtered_by_a_sensitive_field(tree, personas, people, login):
    url = "/members/io/export/"
    params = {"under": tree.code("CA"), "religion": "buddhism"}
    assert login(personas["secretary_a"]).get(url, params).status_code == 403
    response = login(personas["district_x"]).get(url, params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Nguyễn Văn Phật" in body and "Trần Văn Không" not in body


def test_command_as_a_user(tree, personas, people):
    with pytest.raises(CommandError, match="sensitive"):
        with translation.override("en"):
            call_command("members", "count", "--under", tree.code("CA"), "--by", "religion",
                         "--as", personas["secretary_a"].username, "--json", stdout=io.StringIO())
    out = io.StringIO()
    call_command("members", "count", "--under", tree.code("CA"), "--by", "religion",
                 "--as", personas["district_x"].username, "--json", stdout=out)
    assert json.loads(out.getvalue())["counts"]["buddhism"] == 1
