"""The page sweep (issue 20): every page a committee works in, timed single-client through Django's
full request handler (middleware, scoping, templates, the read log), as province Organization
Committee staff (the read log as the administrator), with its query count.

Target: < 100 ms median for every page; the floor is a bare view (`bench.urls`, no database) through
the same handler, so `ratio` says how many bare requests a page costs. Run by `make bench` (step
`pages`); the table goes to docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

REPEAT = 6
TARGET_MS = 100.0


def _staff(province: Any) -> Any:
    from chibo.accounts.models import Role, RoleAssignment, User

    user, created = User.objects.get_or_create(username="bench-province", defaults={"full_name": "Bench province"})
    if created:
        RoleAssignment.objects.create(user=user, role=Role.objects.get(key="organization_committee_staff"),
                                      org=province, valid_from=dt.date(1960, 1, 1))
    return user


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def _objects(province: Any) -> dict[str, Any]:
    """A commune-level (or grassroots) committee, a cell with members, and a member, all under the
    province today."""
    from django.db.models import Count

    from chibo.core.paths import upper_bound
    from chibo.core.validtime import valid_on_q
    from chibo.members.models import Affiliation
    from chibo.orgs.kinds import COMMUNE_LEVEL, GRASSROOTS_COMMITTEE, PARTY_CELL
    from chibo.orgs.models import OrgVersion

    on = dt.date.today()  # noqa: DTZ011
    path = province.version_on(on).path
    under = OrgVersion.objects.filter(valid_on_q(on), path__gt=path, path__lt=upper_bound(path))
    commune = (under.filter(kind__key=COMMUNE_LEVEL).first() or under.filter(kind__key=GRASSROOTS_COMMITTEE).first())
    cell_row = (Affiliation.objects.filter(valid_on_q(on), kind="official",
                                           org_id__in=under.filter(kind__key=PARTY_CELL).values("org_id"))
                .values("org_id").annotate(n=Count("id")).order_by("-n").first())
    member_id = Affiliation.objects.filter(valid_on_q(on), kind="official", org_id=cell_row["org_id"]).values_list(
        "member_id", flat=True).first() if cell_row else None
    from chibo.orgs.models import Organization

    return {"commune": commune.org if commune else None,
            "cell": Organization.objects.get(pk=cell_row["org_id"]) if cell_row else None,
            "member_id": member_id}


def _time(client: Any, url: str) -> tuple[float, int, int]:
    """Median ms of REPEAT requests after one warm-up, the queries of one request, its status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        status = client.get(url).status_code
    queries = len(ctx.captured_queries)
    times = []
    for _i in range(REPEAT):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), queries, status


def pages(province: Any, admin: Any) -> list[tuple[str, str, Any]]:
    """(label, url, client user) for every page of the sweep."""
    staff = _staff(province)
    o = _objects(province)
    code = province.code
    rows: list[tuple[str, str, Any]] = [
        ("home", "/", staff),
        (f"tree of province {code} today", f"/orgs/{code}/", staff),
        (f"tree of province {code} on 2020-01-01", f"/orgs/{code}/?as_of=2020-01-01", staff),
        (f"member list of province {code}", f"/members/?under={code}", staff),
        (f"name search 'nguyen van' under {code}", f"/members/?under={code}&q=nguyen+van", staff),
        (f"member API list under {code}", f"/api/v1/members/?under={code}", staff),
        ("overdue transfers", "/members/transfers/overdue/", staff),
        (f"where did they go ({code}, 2025)", f"/restructuring/where/?province={code}&from=2025-06-30&to=2025-07-01",
         staff),
        ("rulebook", "/rules/", staff),
        ("read log (administrator)", "/audit/reads/", admin),
        ("import form", "/members/io/", staff),
        ("export form", "/members/io/export/", staff),
    ]
    if o["commune"] is not None:
        c = o["commune"].code
        rows += [(f"commune-level (or grassroots) committee {c}", f"/orgs/{c}/", staff),
                 (f"member list of {c}", f"/members/?under={c}", staff)]
    if o["cell"] is not None:
        c = o["cell"].code
        rows += [(f"cell {c}", f"/orgs/{c}/", staff), (f"member list of cell {c}", f"/members/?under={c}", staff)]
    if o["member_id"] is not None:
        rows += [("member page", f"/members/{o['member_id']}/", staff),
                 ("member API detail", f"/api/v1/members/{o['member_id']}/", staff)]
    return rows


def scenarios(admin: Any, province: Any, scenario: Callable[..., dict[str, Any]],
              timed_pair: Callable[..., Any]) -> list[dict[str, Any]]:
    from django.test import override_settings

    out = []
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        clients: dict[int, Any] = {}
        rows = pages(province, admin)
        bare_client = _client(admin)
        floor, _q, _s = _time(bare_client, "/bench/bare/")
        for label, url, user in rows:
            client = clients.setdefault(user.pk, _client(user))
            ms, queries, status = _time(client, url)
            met = "met" if ms < TARGET_MS and status == 200 else "NOT MET"
            out.append(scenario(f"page: {label} ({queries} queries, status {status})", ms, floor, "ms", None,
                                note=f"{url}; target < {TARGET_MS:.0f} ms: {met}"))
    return out
