"""Every route, discovered from `get_resolver()` (security.md G3, G4).

- G3, deny by default: every page declares an access policy (`chibo.core.access`), every API
  view is a scoped viewset behind `IsAuthenticated`; anything else must be on the small
  allowlist below, with a reason. Anonymous requests never get past sign-in.
- G4, scope isolation: every scoped route that takes an object in its URL answers **404** when
  a user asks for an object in a sibling's scope (a secretary for the neighbouring cell, a
  district for the neighbouring district), exactly as for an object that does not exist; the
  owner of that scope gets it, and so does the administrator (so the 404 is not an accident of
  a wrong URL). Every route without an object shows nothing from outside the user's scope.

Nothing here lists routes to check: a new route is found and checked automatically. A new kind
of object in a URL (a new model behind `pk`) makes `test_object_routes_are_scoped` fail until
`PROVIDERS` says how to find such an object in a given scope.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.permissions import AllowAny, IsAuthenticated

from chibo.core.access import PUBLIC, SCOPED, SIGNED_IN
from chibo.core.scoping import forget_scope, resolve_scope
from tests.factories import NAMES
from tests.routes import (
    CASES,
    LIST_ROUTES,
    OBJECT_ROUTES,
    PROVIDERS,
    ROUTES,
    build_url,
    forbidden_strings,
    get_or_post,
    model_of,
    org_path,
    placeholder_values,
    route_ids,
)

# View (dotted path) -> why it may have no Chibo access policy.
ALLOWLIST: dict[str, str] = {
    "django.views.i18n.set_language": (
        "Django's language switch: public by nature, POST only, sets a cookie, shows no data."
    ),
    "drf_spectacular.views.SpectacularAPIView": (
        "The OpenAPI description: no data; SPECTACULAR_SETTINGS['SERVE_PERMISSIONS'] requires "
        "sign-in."
    ),
    "drf_spectacular.views.SpectacularSwaggerSplitView": (
        "The API documentation page (served from drf-spectacular-sidecar): no data; requires "
        "sign-in."
    ),
    "rest_framework.routers.APIRootView": (
        "DRF's API root: lists the endpoints' URLs, no data; requires sign-in (default "
        "permission IsAuthenticated)."
    ),
}




def test_routes_are_discovered():
    names = {r.name for r in ROUTES}
    assert {"orgs:tree", "orgs:detail", "orgs:children", "organization-list",
            "organization-detail", "organization-counts", "web:home"} <= names
    assert len(ROUTES) > 20


# --- G3: a declared policy everywhere ---------------------------------------------------------------


def test_every_route_declares_an_access_policy():
    missing = [
        str(r) for r in ROUTES
        if r.policy not in (PUBLIC, SIGNED_IN, SCOPED) and r.view_id not in ALLOWLIST
    ]
    assert not missing, "routes without an access policy (chibo.core.access):\n  " + "\n  ".join(missing)


def test_allowlist_is_current():
    """An allowlist entry that no route uses any more should be removed."""
    used = {r.view_id for r in ROUTES}
    assert set(ALLOWLIST) <= used, set(ALLOWLIST) - used


def test_api_views_are_scoped_and_authenticated():
    bad = []
    for r in ROUTES:
        if not r.is_drf:
            continue
        cls = r.view_class
        perms = list(getattr(cls, "permission_classes", []))
        if any(issubclass(p, AllowAny) for p in perms if isinstance(p, type)):
            bad.append(f"{r}: AllowAny")
        elif not any(isinstance(p, type) and issubclass(p, IsAuthenticated) for p in perms):
            if r.view_id not in ALLOWLIST or "drf_spectacular" not in r.view_id:
                bad.append(f"{r}: no IsAuthenticated in {perms}")
        if not r.is_scoped_api and r.view_id not in ALLOWLIST:
            bad.append(f"{r}: not a ScopedViewSetMixin (chibo.core.api)")
    assert not bad, "\n".join(bad)


def _same_page(body: str, url: str) -> str:
    """A response with the echoed URL and the per-response CSRF mask taken out."""
    body = re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"', r"\1", body)
    return body.replace(url, "<URL>")


# --- anonymous ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_anonymous_cannot_get_past_sign_in(route, tree, world_data):
    if route.object_params:
        model = model_of(route)
        if model in PROVIDERS:
            url = build_url(route, dict(zip(route.object_params,
                                            [PROVIDERS[model][0](CASES[0], tree, world_data)[0]],
                                            strict=False)))
        else:
            url = placeholder_values(route)["_url"]
    else:
        url = build_url(route, {})
    c = Client()
    for r in (c.get(url), c.post(url)):
        assert r.status_code < 500, f"{url}: {r.status_code}"
        if route.policy == PUBLIC or route.view_id in ALLOWLIST and not route.is_drf:
            continue
        if route.is_drf:
            assert r.status_code in (401, 403, 405), f"{url}: {r.status_code}"
        else:
            assert r.status_code in (302, 405), f"{url}: {r.status_code}"
            if r.status_code == 302:
                assert r.headers["Location"].startswith("/login/"), r.headers["Location"]
        body = r.content.decode(errors="replace")
        assert "ORG-" not in body and "Canary" not in body, url


# --- G4: objects in a sibling's scope -----------------------------------------------------------


SCOPED_OBJECT_ROUTES = [r for r in OBJECT_ROUTES if r.policy == SCOPED]


def test_every_scoped_object_route_has_a_provider():
    missing = [f"{r} -> {model_of(r)}" for r in SCOPED_OBJECT_ROUTES if model_of(r) not in PROVIDERS]
    assert not missing, (
        "scoped routes taking an object this test cannot find in a scope; add the model to "
        "PROVIDERS (and, for a function view taking `pk`, to ROUTE_MODELS):\n  " + "\n  ".join(missing)
    )


@pytest.mark.parametrize("route", SCOPED_OBJECT_ROUTES, ids=route_ids(SCOPED_OBJECT_ROUTES))
def test_object_routes_are_scoped(route, tree, personas, world_data, login):
    model = model_of(route)
    if model not in PROVIDERS:
        pytest.fail(f"{route}: no provider for {model}")
    provide, action = PROVIDERS[model]
    admin = login(personas["admin"])
    for case in CASES:
        outsider, owner = login(personas[case.outsider]), login(personas[case.owner])
        owner_user = personas[case.owner]
        forget_scope(owner_user)
        owner_sees = action is None or resolve_scope(owner_user, action).covers_path(
            org_path(tree[case.anchor])
        )
        for value in provide(case, tree, world_data):
            values = {p: value for p in route.object_params}
            url = build_url(route, values)
            r = get_or_post(outsider, url)
            assert r.status_code == 404, (
                f"{case.label}: {case.outsider} got {r.status_code} for {url} in "
                f"{case.owner}'s scope (must be 404)"
            )
            body = r.content.decode(errors="replace")
            assert "Canary" not in body
            # ... exactly as for an object that does not exist (the URL itself may be echoed)
            other = "999999" if value.isdigit() else "NO-SUCH-CODE"
            if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value):
                other = "00000000-0000-4000-8000-000000000000"  # a UUID nobody has
            missing_url = build_url(route, {p: other for p in route.object_params})
            missing = get_or_post(outsider, missing_url)
            assert missing.status_code == 404
            assert _same_page(body, url) == _same_page(missing.content.decode(), missing_url), url
            # the owner and the administrator do get it
            if owner_sees:
                got = get_or_post(owner, url).status_code
                assert got != 404 and got < 500, f"{case.owner} got {got} for {url}"
            if action is not None:
                got = get_or_post(admin, url).status_code
                assert got != 404 and got < 500, f"admin got {got} for {url}"


# --- G4: lists show nothing from outside ----------------------------------------------------------------


@pytest.mark.parametrize("route", LIST_ROUTES, ids=route_ids(LIST_ROUTES))
def test_list_routes_show_nothing_out_of_scope(route, tree, personas, world_data, login):
    url = build_url(route, {})
    for case in CASES:
        user = personas[case.outsider]
        c = login(user)
        strict = forbidden_strings(user, tree, world_data, names=True)
        codes_only = forbidden_strings(user, tree, world_data, names=False)
        assert tree[case.anchor].code in codes_only
        probe = NAMES[tree[case.anchor].code]
        # as of a date when everything exists; then a search for an out-of-scope name (the
        # query may be echoed, so only codes are checked there)
        for params, forbidden in (({"as_of": "2021-06-01"}, strict),
                                  ({"q": probe, "as_of": "2021-06-01"}, codes_only)):
            r = c.get(url, params)
            assert r.status_code < 500, f"{url} {params}: {r.status_code}"
            body = r.content.decode(errors="replace")
            leaked = [s for s in forbidden if s in body]
            assert not leaked, f"{case.outsider} sees {leaked} at {url} {params}"


def test_list_check_is_not_vacuous(tree, personas, world_data, login):
    """The same lists do show the objects to whoever may see them."""
    body = login(personas["admin"]).get("/orgs/", {"q": NAMES["ORG-CELL-B"]}).content.decode()
    assert "ORG-CELL-B" in body
    body = login(personas["secretary_b"]).get("/api/v1/organizations/").content.decode()
    assert "ORG-CELL-B" in body and NAMES["ORG-CELL-B"] in body
