"""API fuzzing (security.md G28): schemathesis generates requests from /api/schema/ and sends them,
as an authenticated user, through the WSGI application. No response may be a server error, and
every response must match the schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from chibo.accounts.models import ApiToken
from chibo.orgs.services import org_rename

from .helpers import build_tree, make_user

TOKEN: dict[str, str] = {}
USERS = [
    ("province_staff", "organization_committee_staff", "province"),
    ("cell_secretary", "party_cell_secretary", "cell_a"),
]


def _schema() -> schemathesis.BaseSchema:
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str)))
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """schemathesis calls the WSGI application directly, so Django's request_finished signal
    and request_started signals run close_old_connections, which closes the test transaction's
    connection on PostgreSQL (Django's own test client disconnects it the same way)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _data(db, _keep_the_test_connection):
    tree = build_tree()
    org_rename(actor=None, org=tree["cell_a"], name="Chi bộ thôn Án", on=dt.date(2021, 5, 1))
    for name, role, org in USERS:
        user = make_user(name, role=role, org=tree[org])
        key = ApiToken.generate_key()
        ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8],
                                expires_at=timezone.now() + dt.timedelta(days=1))
        TOKEN[name] = key


@pytest.mark.parametrize("user", [name for name, _role, _org in USERS])
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_matches_its_schema(case, user):
    case.call_and_validate(headers={"Authorization": f"Token {TOKEN[user]}", "Host": "127.0.0.1"})
