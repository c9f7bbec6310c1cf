"""Shared fixtures: a small organization tree built through the services, and named personas.

The tree (established 2020-01-01, see `tests.factories.build_tree`)::

    P1  Đảng bộ tỉnh Quảng Ninh                  (provincial)        <- staff_p1
    ├── DX  Đảng bộ thành phố Hạ Long            (district)          <- district_x
    │   ├── GX1 Đảng bộ phường Hồng Gai          (grassroots committee)
    │   │   ├── CA  Chi bộ khu phố 1             (party cell)        <- secretary_a
    │   │   └── CB  Chi bộ khu phố 2             (party cell)        <- secretary_b
    │   └── GX2 Chi bộ Trường THPT Hòn Gai       (grassroots cell)
    └── DY  Đảng bộ thị xã Đông Triều            (district)          <- district_y
        └── GY1 Đảng bộ xã Bình Dương            (grassroots committee)
            └── CY1 Chi bộ thôn Đồng Bống        (party cell)
    P2  Đảng bộ tỉnh Lạng Sơn                    (provincial)
    └── DZ  Đảng bộ thành phố Lạng Sơn           (district)
        └── GZ1 Đảng bộ phường Chi Lăng          (grassroots committee)

Codes are distinctive strings (e.g. ``ORG-CELL-B``) so a test can look for them in any body.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client

from chibo.accounts.models import User
from chibo.orgs.models import Organization
from tests.demo_fixture import (  # noqa: F401 (the shared demo)
    demo_quang_ninh,
    demo_tuyen_quang_ha_giang,
    pytest_collection_modifyitems,
)
from tests.factories import ESTABLISHED, Tree, build_tree, make_persona

PERSONAS = ["admin", "staff_p1", "secretary_a", "secretary_b", "district_x", "district_y"]


def build_personas(tree: Tree) -> dict[str, User]:
    return {
        "admin": make_persona("admin", superuser=True),
        "staff_p1": make_persona("staff_p1", role="organization_committee_staff", org=tree["P1"]),
        "secretary_a": make_persona("secretary_a", role="party_cell_secretary", org=tree["CA"]),
        "secretary_b": make_persona("secretary_b", role="party_cell_secretary", org=tree["CB"]),
        "district_x": make_persona("district_x", role="organization_committee_staff", org=tree["DX"]),
        "district_y": make_persona("district_y", role="organization_committee_staff", org=tree["DY"]),
    }


@pytest.fixture(scope="module")
def _base(django_db_setup, django_db_blocker):
    """The tree and the personas, built once per module inside a transaction that is rolled back
    when the module is done; each test runs in a savepoint inside it (pytest-django's `db`).
    Not for tests that need `transactional_db` or `live_server`."""
    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
        tree = build_tree()
        users = build_personas(tree)
    yield {code: org.pk for code, org in tree.items()}, {k: u.pk for k, u in users.items()}
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def tree(_base, db) -> Tree:
    """Fresh `Organization` objects for each test (tests may change them)."""
    org_pks, _users = _base
    by_pk = Organization.objects.in_bulk(list(org_pks.values()))
    return Tree({code: by_pk[pk] for code, pk in org_pks.items()})


@pytest.fixture
def personas(_base, db) -> dict[str, User]:
    """Fresh `User` objects for each test (the scope is memoised on the object)."""
    _orgs, user_pks = _base
    by_pk = User.objects.in_bulk(list(user_pks.values()))
    return {name: by_pk[pk] for name, pk in user_pks.items()}


@pytest.fixture
def admin(personas):
    return personas["admin"]


@pytest.fixture
def staff_p1(personas):
    return personas["staff_p1"]


@pytest.fixture
def secretary_a(personas):
    return personas["secretary_a"]


@pytest.fixture
def secretary_b(personas):
    return personas["secretary_b"]


@pytest.fixture
def district_x(personas):
    return personas["district_x"]


@pytest.fixture
def district_y(personas):
    return personas["district_y"]


def _logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def login():
    """`login(user)` -> a test Client signed in as that user."""
    return _logged_in


@pytest.fixture
def client_admin(admin) -> Client:
    return _logged_in(admin)


@pytest.fixture
def client_staff_p1(staff_p1) -> Client:
    return _logged_in(staff_p1)


@pytest.fixture
def client_secretary_a(secretary_a) -> Client:
    return _logged_in(secretary_a)


@pytest.fixture
def client_secretary_b(secretary_b) -> Client:
    return _logged_in(secretary_b)


@pytest.fixture
def client_district_x(district_x) -> Client:
    return _logged_in(district_x)


@pytest.fixture
def client_district_y(district_y) -> Client:
    return _logged_in(district_y)


@pytest.fixture
def established() -> dt.date:
    return ESTABLISHED


@pytest.fixture(scope="module")
def world(_base, django_db_blocker):
    """Objects of every kind that routes take, inside each owner's scope (`tests.routes`): members
    (with a canary name), meetings, cadre and evaluation records, applicants, letters, tokens, a
    read-log row. Built once for the module, rolled back when it is done."""
    from tests.routes import build_world

    org_pks, user_pks = _base
    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
        data = build_world(org_pks, user_pks)
    yield data
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def world_data(world, _base, settings, tmp_path):
    """`world` plus the personas' primary keys (`["users"]`); uploads go to a temporary directory."""
    settings.VAR_DIR = tmp_path  # uploads (import jobs) go to a temporary directory
    return {**world, "users": _base[1]}
