"""The indicator registry, computing, the pages and the API, on the small tree with the members
of `conftest.PEOPLE` (the expected numbers are counted by hand from that list)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zlib

import openpyxl
import pytest
from django.core.management import call_command

from chibo.core.models import ReadLogEntry
from chibo.reports import registry
from chibo.reports.compute import BadQuestion, ask, compute, data_version
from chibo.reports.registry import COUNT, Indicator, Listing
from chibo.rules.selectors import rule

pytestmark = pytest.mark.django_db


def value(user, key, under=None, **dates):
    ind, q = ask(user=user, indicator=key, under=under, **dates)
    return compute(ind, q)


def test_every_app_declares_its_own_indicators():
    keys = {i.key for i in registry.all_indicators()}
    assert {
        "orgs.grassroots",
        "orgs.components",
        "orgs.party_cells",
        "members.total",
        "members.admitted_students",
        "members.admitted_private",
        "members.left",
        "members.admission_rate",
    } <= keys
    assert {i.app for i in registry.all_indicators()} >= {"orgs", "members"}
    rate = registry.get("members.admission_rate")
    assert (
        rate.denominator is not None and rate.source_rule == "admission.target_percent_of_members"
    )


def test_an_indicator_is_checked_when_declared():
    listing = Listing(records=lambda q: None, columns=())  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError):
        Indicator(key="x", name="x", definition="x", unit="share", kind="as_of", numerator=listing)
    with pytest.raises(ValueError):
        Indicator(
            key="x", name="x", definition="x", unit="percent", kind="as_of", numerator=listing
        )
    with pytest.raises(ValueError):
        registry.register(
            Indicator(
                key="members.total",
                name="x",
                definition="x",
                unit=COUNT,
                kind="as_of",
                numerator=listing,
            )
        )


def test_organizations_and_members_on_a_date(tree, people, admin):
    on = {"as_of": "2024-06-30"}
    assert value(admin, "orgs.all", "ORG-P1", **on).value == 8
    assert value(admin, "orgs.grassroots", "ORG-P1", **on).value == 3
    assert value(admin, "orgs.party_cells", "ORG-P1", **on).value == 3
    assert value(admin, "members.total", "ORG-P1", **on).value == 5
    assert value(admin, "members.total", "ORG-P1", as_of="2021-01-01").value == 4
    women = value(admin, "members.women", "ORG-P1", **on)
    assert (women.numerator, women.denominator, women.value) == (1, 5, 20.0)
    minority = value(admin, "members.ethnic_minority", "ORG-P1", **on)
    assert (minority.numerator, minority.denominator) == (2, 5)


def test_admissions_and_departures_over_a_period(tree, people, admin):
    period = {"start": "2020-01-01", "end": "2024-06-30"}
    assert value(admin, "members.admitted", "ORG-P1", **period).value == 8
    assert value(admin, "members.admitted_students", "ORG-P1", **period).value == 3
    assert value(admin, "members.admitted_private", "ORG-P1", **period).value == 2
    assert value(admin, "members.left", "ORG-P1", start="2021-01-01", end="2023-12-31").value == 2
    assert (
        value(admin, "members.deceased", "ORG-P1", start="2024-01-01", end="2024-12-31").value == 1
    )
    rate = value(admin, "members.admission_rate", "ORG-P1", start="2021-01-01", end="2021-12-31")
    national = float(rule("admission.target_percent_of_members", on=dt.date(2021, 1, 1)))
    assert (rate.numerator, rate.denominator, rate.value, rate.target) == (2, 4, 50.0, national)
    assert rate.meets_target is True


def test_the_target_comes_from_the_rulebook(tree, people, admin):
    from chibo.rules.models import Confidence
    from chibo.rules.services import parameter_set

    parameter_set(
        actor=None,
        key="admission.target_percent_of_members",
        value=3.2,
        valid_from=dt.date(2020, 1, 1),
        source="test",
        org=tree["P1"],
        confidence=Confidence.SECONDARY,
    )
    rate = value(admin, "members.admission_rate", "ORG-GX1", start="2021-01-01", end="2021-12-31")
    assert rate.target == 3.2 and rate.meets_target is True
    national = float(rule("admission.target_percent_of_members", on=dt.date(2021, 1, 1)))
    assert national != 3.2
    assert (
        value(
            admin, "members.admission_rate", "ORG-P2", start="2021-01-01", end="2021-12-31"
        ).target
        == national
    )


def test_a_result_records_the_data_version(tree, people, admin):
    before = value(admin, "members.total", "ORG-P1", as_of="2024-06-30")
    assert before.data_version == data_version() != "0"
    from tests.reports.conftest import admit

    admit(tree, "CB", "Mới Vào", "male", "01", "other", dt.date(2024, 3, 1))
    after = value(admin, "members.total", "ORG-P1", as_of="2024-06-30")
    assert after.data_version != before.data_version and after.value == before.value + 1


def test_scope_a_secretary_counts_only_her_cell(tree, people, secretary_a):
    assert value(secretary_a, "members.total", "ORG-CELL-A", as_of="2024-06-30").value == 2
    assert value(secretary_a, "members.total", None, as_of="2024-06-30").value == 2
    assert (
        value(secretary_a, "members.admitted", None, start="2020-01-01", end="2024-06-30").value
        == 3
    )
    assert (
        value(secretary_a, "orgs.all", None, as_of="2024-06-30").value == 1
    )  # her cell: all her scope holds
    for node in ("ORG-P1", "ORG-CELL-B", "ORG-GX1"):
        with pytest.raises(BadQuestion) as err:
            ask(user=secretary_a, indicator="members.total", under=node, as_of="2024-06-30")
        assert err.value.status == 404


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"indicator": "members.total", "under": "ORG-P1", "as_of": "1929-12-31"}, 400),
        ({"indicator": "members.total", "under": "ORG-P1", "as_of": "2024-13-01"}, 400),
        (
            {
                "indicator": "members.admitted",
                "under": "ORG-P1",
                "from": "2024-01-01",
                "to": "2023-01-01",
            },
            400,
        ),
        (
            {
                "indicator": "members.admitted",
                "under": "ORG-P1",
                "from": "1900-01-01",
                "to": "2023-01-01",
            },
            400,
        ),
        (
            {
                "indicator": "members.total",
                "under": "ORG-P1",
                "from": "2024-01-01",
                "to": "2023-01-01",
            },
            400,
        ),
        ({"indicator": "no.such", "under": "ORG-P1"}, 404),
        ({"indicator": "members.total", "under": "ORG-P2"}, 404),
        ({"indicator": "members.total", "under": "NOPE"}, 404),
        ({"indicator": "members.total", "under": "ORG-P1", "part": "nothing"}, 400),
        ({"indicator": "members.total", "under": "ORG-P1", "format": "pdf"}, 400),
    ],
)
def test_bad_input_answers_clearly(client_staff_p1, params, status):
    for url in ("/reports/value/", "/reports/drill/", "/api/v1/reports/value/"):
        if url != "/reports/drill/" and set(params) & {"part", "format"}:
            continue
        r = client_staff_p1.get(url, params)
        assert r.status_code == status, (url, params, r.status_code)
        if url.startswith("/api/"):
            assert r.json()["detail"]


def test_bad_input_is_translated(client_staff_p1):
    r = client_staff_p1.get(
        "/api/v1/reports/value/",
        {
            "indicator": "members.admitted",
            "under": "ORG-P1",
            "from": "2024-01-01",
            "to": "2023-01-01",
        },
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert r.status_code == 400
    english = "The period ends before it starts"
    assert english not in r.json()["detail"]


def test_api_lists_the_registry_and_compares_two_dates(client_staff_p1, people):
    r = client_staff_p1.get("/api/v1/reports/indicators/")
    assert r.status_code == 200
    assert {"members.total", "orgs.grassroots"} <= {i["key"] for i in r.json()}
    r = client_staff_p1.get(
        "/api/v1/reports/value/",
        {
            "indicator": "members.total",
            "under": "ORG-P1",
            "as_of": "2021-01-01",
            "compare_as_of": "2024-06-30",
        },
    )
    assert r.status_code == 200
    data = r.json()
    assert (data["value"], data["compare"]["value"]) == (4, 5)
    assert data["data_version"] not in ("", "0")


def test_api_out_of_scope_node_is_404_for_another_district(client_district_x, people):
    r = client_district_x.get(
        "/api/v1/reports/value/", {"indicator": "members.total", "under": "ORG-DY"}
    )
    assert r.status_code == 404
    r = client_district_x.get(
        "/api/v1/reports/value/",
        {"indicator": "members.total", "under": "ORG-DX", "as_of": "2024-06-30"},
    )
    assert r.json()["value"] == 4  # An, Bình, Cường, Em: not Hải (DY)


def test_pages_show_the_value_and_the_records_behind_it(client_staff_p1, people):
    r = client_staff_p1.get("/reports/indicators/")
    assert r.status_code == 200 and "members.total" in r.content.decode()
    r = client_staff_p1.get(
        "/reports/value/",
        {
            "indicator": "members.women",
            "under": "ORG-P1",
            "as_of": "2024-06-30",
            "compare_as_of": "2021-01-01",
        },
    )
    body = r.content.decode()
    assert r.status_code == 200 and "/reports/drill/?" in body and "part=denominator" in body
    before = ReadLogEntry.objects.count()
    r = client_staff_p1.get(
        "/reports/drill/",
        {
            "indicator": "members.women",
            "under": "ORG-P1",
            "as_of": "2024-06-30",
            "part": "numerator",
        },
    )
    body = r.content.decode()
    assert r.status_code == 200 and "Trần Thị Bình" in body and "Nguyễn Văn An" not in body
    assert ReadLogEntry.objects.count() == before + 1


def test_drill_export_is_formula_safe(client_staff_p1, people):
    params = {
        "indicator": "members.admitted",
        "under": "ORG-P1",
        "from": "2020-01-01",
        "to": "2020-12-31",
    }
    r = client_staff_p1.get("/reports/drill/", {**params, "format": "csv"})
    text = r.content.decode("utf-8-sig")
    assert r.status_code == 200 and "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    r = client_staff_p1.get("/reports/drill/", {**params, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert '\'=HYPERLINK("x")' in cells
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in cells)


def test_report_list_command():
    out = io.StringIO()
    call_command("report", "list", "--json", stdout=out)
    items = json.loads(out.getvalue())
    assert {i["key"] for i in items} == {i.key for i in registry.all_indicators()}
    assert all(
        i["unit"] in ("count", "share", "ratio") and i["kind"] in ("as_of", "period") for i in items
    )


def test_seeds_without_the_demo_are_all_waiting():
    out = io.StringIO()
    call_command("report", "seeds", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows and all(
        set(r) >= {"seed", "figure", "expected", "computed", "status", "waits_for"} for r in rows
    )
    assert all(r["status"] == "waiting" and r["waits_for"] for r in rows)
    # every capability registers its indicators: its figures wait only for the demo data
    assert not {"cadres", "meetings", "evaluation", "supervision"} & {r["waits_for"] for r in rows}


def test_seeds_page(client_admin):
    r = client_admin.get("/reports/seeds/")
    assert r.status_code == 200 and "725" in r.content.decode()


# --- dashboards and periodic reports --------------------------------------------------------------


def test_dashboard_shows_charts_with_their_tables(client_staff_p1, people):
    r = client_staff_p1.get("/reports/ORG-P1/", {"as_of": "2024-06-30"})
    body = r.content.decode()
    assert r.status_code == 200
    assert body.count('src="data:image/svg+xml;base64,') == 3
    assert 'aria-describedby="table-trend"' in body and 'id="table-children"' in body
    assert (
        "<script" not in body.split("<main", 1)[1]
    )  # no script in the page's content (the charts are SVG)
    assert "/reports/drill/?" in body


def test_dashboard_of_another_scope_is_404(client_district_x, client_secretary_a, people):
    assert client_district_x.get("/reports/ORG-DY/").status_code == 404
    assert client_secretary_a.get("/reports/ORG-GX1/").status_code == 404
    assert (
        client_secretary_a.get(
            "/reports/ORG-CELL-B/report/", {"period": "year", "year": "2023"}
        ).status_code
        == 404
    )
    assert client_district_x.get("/reports/ORG-DY/report/", {"format": "pdf"}).status_code == 404


def test_dashboard_bad_date_is_400(client_staff_p1):
    assert client_staff_p1.get("/reports/ORG-P1/", {"as_of": "1900-01-01"}).status_code == 400
    assert client_staff_p1.get("/reports/ORG-P1/", {"as_of": "x"}).status_code == 400
    for params in (
        {"period": "week"},
        {"period": "month", "number": "13"},
        {"year": "abc"},
        {"year": "1800"},
        {"format": "doc"},
    ):
        assert client_staff_p1.get("/reports/ORG-P1/report/", params).status_code == 400, params


def test_periodic_report_page_pdf_and_spreadsheet(client_staff_p1, people):
    params = {"period": "half", "year": "2022", "number": "1"}
    r = client_staff_p1.get("/reports/ORG-P1/report/", params)
    assert (
        r.status_code == 200
        and "2022-01-01" in r.content.decode()
        and "2022-06-30" in r.content.decode()
    )
    r = client_staff_p1.get("/reports/ORG-P1/report/", {**params, "format": "pdf"})
    assert (
        r.status_code == 200
        and r["Content-Type"] == "application/pdf"
        and r.content.startswith(b"%PDF")
    )
    r = client_staff_p1.get("/reports/ORG-P1/report/", {**params, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert len(book.sheetnames) == 4  # one sheet per table
    names = [c.value for row in book.worksheets[3].iter_rows() for c in row]
    assert "Đảng bộ thành phố Hạ Long" in names and "Đảng bộ tỉnh Lạng Sơn" not in names


def test_periodic_report_counts_only_the_scope(client_district_x, people):
    r = client_district_x.get(
        "/reports/ORG-DX/report/", {"period": "year", "year": "2024", "format": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "Đảng bộ thị xã Đông Triều" not in cells and "Chi bộ thôn Đồng Bống" not in cells


def test_period_bounds():
    from chibo.reports.dashboard import period_bounds

    assert period_bounds("month", 2024, 2) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert period_bounds("quarter", 2023, 4) == (dt.date(2023, 10, 1), dt.date(2023, 12, 31))
    assert period_bounds("half", 2023, 2) == (dt.date(2023, 7, 1), dt.date(2023, 12, 31))
    assert period_bounds("year", 2023) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))


@pytest.mark.parametrize(
    ("language", "font"),
    [("vi", b"+Chibo-Noto"), ("ko", b"+Chibo-Noto-KR"), ("fa", b"+Chibo-Naskh")],
)
def test_pdf_in_each_language_uses_the_shipped_fonts(client_staff_p1, people, language, font):
    r = client_staff_p1.get(
        "/reports/ORG-P1/report/",
        {"period": "year", "year": "2023", "format": "pdf"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert font in _pdf_text(r.content)


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (the font names sit in object streams)."""
    out = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(out)
