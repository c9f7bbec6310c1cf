"""The small province of `helpers.build_world`, built once per module inside a transaction that
is rolled back at the end; each test runs in a savepoint inside it (pytest-django's `db`)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import translation

from chibo.orgs.models import Organization

from .helpers import build_world


@pytest.fixture(scope="module")
def _rs_world(django_db_setup, django_db_blocker):
    atomic = transaction.atomic()
    with django_db_blocker.unblock():
        atomic.__enter__()
        orgs = build_world()
    yield {code: org.pk for code, org in orgs.items()}
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def world(_rs_world, db) -> dict[str, Organization]:
    by_pk = Organization.objects.in_bulk(list(_rs_world.values()))
    return {code: by_pk[pk] for code, pk in _rs_world.items()}


@pytest.fixture
def english():
    with translation.override("en"):
        yield
