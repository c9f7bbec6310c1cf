"""Issue 18, item 4: one rule, decided in `restrict()` (the scope resolver), on every page, report
and API: a successor inherits its predecessors' history to read; nobody else sees it; nobody
writes through it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from chibo.accounts.scope import inherited_org_ids, resolve_scope
from chibo.orgs import services
from chibo.orgs.models import Organization

pytestmark = pytest.mark.django_db
D = dt.date


def test_inheritance_reaches_every_generation_and_only_predecessors(tree, admin):
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2022, 1, 1))
    services.org_dissolve(actor=admin, org=tree["DX"], on=D(2023, 1, 1), children_to=tree["DY"])
    assert inherited_org_ids([tree["DY"].pk]) == {tree["DX"].pk}
    assert inherited_org_ids([tree["CA"].pk]) == {tree["CB"].pk}
    services.org_merge(actor=admin, sources=[tree["DY"]], into=tree["DZ"], on=D(2024, 1, 1))
    assert inherited_org_ids([tree["DZ"].pk]) == {tree["DY"].pk, tree["DX"].pk}
    assert inherited_org_ids([tree["GZ1"].pk]) == set()


def test_reading_actions_inherit_and_writing_actions_do_not(tree, admin, secretary_a):
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2022, 1, 1))
    cb_path = tree["CB"].versions.order_by("valid_from").first().path
    assert resolve_scope(secretary_a, "member.view").covers_path(cb_path)
    assert not resolve_scope(secretary_a, "member.change").covers_path(cb_path)
    assert Organization.objects.restrict(secretary_a, "org.view").filter(pk=tree["CB"].pk).exists()


def test_pages_and_api_agree_for_the_successor_and_the_stranger(tree, admin, secretary_a, personas):
    services.org_merge(actor=admin, sources=[tree["CB"]], into=tree["CA"], on=D(2022, 1, 1))
    heir, stranger, everyone = Client(), Client(), Client()
    heir.force_login(secretary_a)
    stranger.force_login(personas["district_y"])
    everyone.force_login(admin)
    for url in ("/orgs/ORG-CELL-B/", "/api/v1/orgs/ORG-CELL-B/?as_of=2021-06-01", "/api/v1/orgs/ORG-CELL-B/"):
        assert heir.get(url).status_code == everyone.get(url).status_code, url
        assert stranger.get(url).status_code == 404, url
    assert heir.get("/orgs/ORG-CELL-B/").status_code == 200
