"""Every date parameter of every page and API endpoint takes extreme and malformed dates without
a 500 (issue 18, item 8; security.md G28).

Nothing here lists parameters: the routes come from the URL conf (as in test_routes_scoping.py)
and each route's date parameters from what declares them:

- API endpoints: the OpenAPI schema (parameters of format `date` / `date-time`) and the
  viewset's filterset (`DateFilter`, `DateTimeFilter`, …);
- pages: the forms the view's module uses (`DateField`, `DateTimeField`) and the query
  parameters its source reads (`request.GET.get("…")`) whose names are dates (`as_of`, `on`,
  `start`, `end`, `from`, `to`, `*_from`, `*_to`, `*_date`, `*_on`).

hypothesis then draws values: dates and instants at the ends of the calendar (year 1, year 9999,
offsets of ±23:59 that push them past either end in UTC), impossible dates, other shapes and any
text. Every answer is below 500; a value that is no date at all answers 400 or a form error.
A route with a date parameter and no object is asked as the administrator (who sees
everything); a route with an object, for an object found as in test_routes_scoping.py.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from functools import cache
from typing import Any

import pytest
from django.test import Client
from django_filters import filters as df
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.routes import (
    CASES,
    PROVIDERS,
    ROUTES,
    Route,
    build_url,
    model_of,
)

DATE_NAME = re.compile(r"^(as_of|on|date|start|end|from|to|since|until|[a-z_]+_(from|to|on|date|at|start|end))$")
GET_NAME = re.compile(r"""\b(?:GET|POST|query_params|data|params)\.get(?:list)?\(\s*["']([A-Za-z_]\w*)["']""")
DATE_FILTERS = (df.DateFilter, df.DateTimeFilter, df.IsoDateTimeFilter, df.DateFromToRangeFilter,
                df.DateRangeFilter, df.DateTimeFromToRangeFilter)


@cache
def _schema_params() -> dict[str, set[str]]:
    """OpenAPI path -> names of its GET query parameters of format date / date-time."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    out: dict[str, set[str]] = {}
    for path, ops in schema["paths"].items():
        params = (ops.get("get") or {}).get("parameters", [])
        out[path] = {p["name"] for p in params if p["in"] == "query"
                     and (p.get("schema") or {}).get("format") in ("date", "date-time")}
        out[path] |= {p["name"] for p in params if p["in"] == "query" and DATE_NAME.match(p["name"])}
    return out


@cache
def _schema_all() -> dict[str, list[set[str]]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {path: [{p["name"] for p in (ops.get("get") or {}).get("parameters", []) if p["in"] == "query"}]
            for path, ops in schema["paths"].items()}


def _schema_path(route: Route) -> str:
    pattern = re.escape("/" + route.template[0])
    pattern = re.sub(r"%\\\(\w+\\\)s", r"\\{[^}]+\\}", pattern)
    pattern = pattern.replace(r"\{[^}]+\}\.json", r"\{[^}]+\}")
    return next((path for path in _schema_params() if re.fullmatch(pattern, path)), "")


def _api_date_params(route: Route) -> set[str]:
    names = set(_schema_params().get(_schema_path(route), set()))
    filterset = getattr(route.view_class, "filterset_class", None)
    if filterset is not None and not route.object_params:  # filters apply to lists
        names |= {n for n, f in filterset.base_filters.items() if isinstance(f, DATE_FILTERS)}
    return names


def _view_sources(route: Route) -> list[str]:
    """The view's own source, and that of the functions of its module it calls (one level: the
    helpers that parse its query)."""
    view = route.view_class or route.callback
    view = getattr(view, "__wrapped__", view)
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    module = inspect.getmodule(view)
    try:
        own = inspect.getsource(view)
    except (OSError, TypeError):
        return []
    sources = [own]
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", own)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == module.__name__ and helper is not view:
            sources.append(inspect.getsource(helper))
    return sources


def _page_date_params(route: Route) -> set[str]:
    from django import forms

    view = route.view_class or route.callback
    module = inspect.getmodule(getattr(view, "__wrapped__", view))
    names: set[str] = set()
    for source in _view_sources(route):
        names |= {n for n in GET_NAME.findall(source) if DATE_NAME.match(n)}
        # forms bound to the request's data (a form only shown, posted elsewhere, is not)
        for name in re.findall(r"\b([A-Z]\w*Form)\(\s*(?:request\.(?:GET|POST)|data\b)", source):
            form = getattr(module, name, None)
            if isinstance(form, type) and issubclass(form, forms.BaseForm):
                names |= {n for n, f in form.base_fields.items()
                          if isinstance(f, forms.DateField | forms.DateTimeField)}
    return names


def needs_under(route: Route) -> bool:
    """The route reads `under` (an organization code): give it one, so the dates are reached."""
    if route.is_drf:
        return any("under" in ps for ps in _schema_all().get(_schema_path(route), []))
    return any("under" in GET_NAME.findall(src) for src in _view_sources(route))


def date_params(route: Route) -> list[str]:
    names = _api_date_params(route) if route.is_drf else _page_date_params(route)
    return sorted(names)


# (the `.json` twins of the API routes answer the same view: left out)
DATE_ROUTES = [r for r in ROUTES if "format" not in r.params and date_params(r)
               and (not r.object_params or model_of(r) in PROVIDERS)]


def test_date_parameters_are_discovered():
    """The discovery finds the parameters we know of (so an empty list is not a silent pass)."""
    found = {(r.name, p) for r in DATE_ROUTES for p in date_params(r)}
    assert {("accounts:read_log", "end"), ("accounts:read_log", "start"), ("read-log-list", "end"),
            ("member-counts", "admitted_from"), ("organization-changes", "from"),
            ("members:list", "as_of"), ("orgs:tree", "as_of")} <= found, sorted(found)


# --- values ----------------------------------------------------------------------------------------

OFFSETS = st.builds(lambda m: dt.timezone(dt.timedelta(minutes=m)), st.integers(-23 * 60 - 59, 23 * 60 + 59))
EDGE_DATES = st.sampled_from([dt.date.min, dt.date.max, dt.date(1, 1, 2), dt.date(9999, 12, 30),
                              dt.date(1900, 1, 1), dt.date(1929, 12, 31), dt.date(2000, 2, 29)])
FIXED = st.sampled_from([
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999999",
    "0001-01-01T00:00", "9999-12-31", "0001-01-01", "0000-00-00", "0000-01-01", "10000-01-01",
    "2024-02-30", "2023-13-01", "2023-00-10", "2023-01-32", "-2020-01-01", "+2020-01-01",
    "2020-01-01T25:00", "2020-01-01T23:60", "2020-01-01T10:00+24:00", "2020-01-01T10:00+99:99",
    "20200101", "2020-W01-1", "2020-001", "2020/01/01", "01/02/2020", "1e308", "NaN", "inf",
    "99999999999999999999", "２０２０-０１-０１", "2020-01-01\x00", "\x00", " ", "", "null",
    "2020-01-01" + "0" * 500, "9" * 4000, "'; --", "<script>",
])
VALUES = st.one_of(
    FIXED,
    EDGE_DATES.map(dt.date.isoformat),
    st.dates().map(dt.date.isoformat),
    st.builds(lambda d, tz: dt.datetime.combine(d, dt.time(23, 59, 59), tz).isoformat(), EDGE_DATES, OFFSETS),
    st.datetimes(timezones=st.none() | OFFSETS).map(dt.datetime.isoformat),
    st.text(max_size=40),
)


def is_a_date(value: str) -> bool:
    """A date or an instant in ISO 8601, or in a format Django's date fields accept in the
    page's language (Vietnamese, the default: `01/02/2020` is a date there)."""
    from django import forms
    from django.core.exceptions import ValidationError
    from django.utils import translation

    for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
        try:
            parse(value.strip())
            return True
        except (ValueError, OverflowError):
            continue
    with translation.override("vi"):
        for field in (forms.DateField(), forms.DateTimeField()):
            try:
                field.to_python(value)
                return True
            except (ValidationError, ValueError, OverflowError):
                continue
    return False


def _url(route: Route, tree, data) -> str:
    if not route.object_params:
        return build_url(route, {})
    provide, _action = PROVIDERS[model_of(route)]
    value = provide(CASES[0], tree, data)[0]
    return build_url(route, {p: value for p in route.object_params})


def _client_for(route: Route, personas, tree, login) -> Client:
    model = model_of(route) if route.object_params else None
    if model is not None and PROVIDERS[model][1] is None:  # the owner's own object
        return login(personas[CASES[0].owner])
    return login(personas["admin"])


@pytest.mark.parametrize("route", DATE_ROUTES, ids=[f"{r.name or r.view_id}" for r in DATE_ROUTES])
def test_dates_never_cause_a_server_error(route, tree, personas, login, request):
    names = date_params(route)
    client = _client_for(route, personas, tree, login)
    url = _url(route, tree, request.getfixturevalue("world_data"))
    base = {"under": tree["CA"].code} if needs_under(route) else {}

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(params=st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=3))
    def check(params: dict[str, Any]) -> None:
        query = {**base, **params}
        r = client.get(url, query)
        if r.status_code == 405:
            r = client.post(url, query)
        assert r.status_code < 500, f"{url} {params!r}: {r.status_code}"
        if r.status_code in (301, 302, 303, 404, 405):
            return
        bad = [v for v in params.values() if v.strip() and not is_a_date(v)]
        shown = "" if r.streaming else r.content.decode(errors="replace")
        if bad and r.status_code == 200 and not r.streaming and not route.is_drf and 'class="error' not in shown \
                and "errorlist" not in shown:
            # a form's date field on a page that shows the form on GET: the form takes a POST
            r = client.post(url, query)
            assert r.status_code < 500, f"POST {url} {params!r}: {r.status_code}"
            if r.status_code in (301, 302, 303, 403, 404, 405):
                return
        if bad:
            body = r.content.decode(errors="replace")
            assert r.status_code == 400 or 'class="error' in body or "errorlist" in body, (
                f"{url} {params!r}: {r.status_code} without an error for a value that is no date")

    check()


def test_the_read_log_window_at_the_end_of_time(personas, login):
    """The probe's finding: an instant past year 9999 in UTC was an OverflowError (500)."""
    c = login(personas["admin"])
    for params in ({"end": "9999-12-31T23:59:59-23:59"}, {"start": "0001-01-01T00:00:00+23:59"},
                   {"start": "0001-01-01T00:00"}):
        r = c.get("/audit/reads/", params)
        assert r.status_code == 400, params
        assert 'class="error"' in r.content.decode()
    assert c.get("/audit/reads/", {"end": "9999-12-30T00:00:00+07:00"}).status_code == 200
    assert c.get("/audit/reads/", {"start": "2020-01-01T00:00:00-23:59"}).status_code == 200


def test_the_instant_field_answers_in_utc():
    from chibo.core.datefields import InstantField

    field = InstantField(required=False)
    assert field.clean("2024-03-01T07:00:00+07:00") == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert field.clean("") is None
    from django.core.exceptions import ValidationError

    for bad in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00", "no date"):
        with pytest.raises(ValidationError):
            field.clean(bad)
