"""API fuzzing (security.md G28) and the API contract (architecture.md, "The API contract"):
schemathesis generates requests from /api/schema/ and sends them through the WSGI application, as
two users with tokens: the province's organization-committee staff (the whole tree) and the
secretary of one cell (a small scope: other objects answer 404, which every operation declares).

Every schemathesis check runs: no server error; responses conform to the schema (status code,
content type, body, headers); a request the schema forbids is refused (negative data: 4xx) and a
request it allows is accepted (positive data: 2xx, or 404 out of scope). The schema states the
real constraints for that: page and page_size are integers from 1 (page_size up to 500), query
parameters are never empty and hold no NUL (`core.api.check_query_parameters`, stated by the
schema hook `core.api_schema.constrain_strings`), booleans are true/false (or 1/0), years and
other integers carry their bounds. The exceptions still open are in NOT_YET_ACCEPTING below.

Bounded so it fits CI: a few examples per operation and user (`max_examples`), derandomized, so
every run sends the same requests and a failure reproduces."""

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
from schemathesis.checks import positive_data_acceptance

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


# Operations whose schema still cannot say which valid-looking requests they refuse (issue 18,
# item 9, open): period pairs (`from` without `to`, admissions and departures at once, a sector
# without its period), `overdue=` on transfers (django-filter's boolean) and the nested request
# bodies of the evaluation writes. Only `positive_data_acceptance` is left out for them; every other
# check runs on them, and every check runs on all other operations.
NOT_YET_ACCEPTING = {
    "GET /api/v1/cadres/summary/",
    "GET /api/v1/members/",
    "GET /api/v1/members/counts/",
    "GET /api/v1/transfers/",
    "POST /api/v1/evaluation-criteria/",
    "POST /api/v1/evaluation-rounds/",
}


@pytest.mark.parametrize("user", [name for name, _role, _org in USERS])
@schema.parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_matches_its_schema(case, user):
    excluded = [positive_data_acceptance] if f"{case.method} {case.path}" in NOT_YET_ACCEPTING else []
    case.call_and_validate(headers={"Authorization": f"Token {TOKEN[user]}", "Host": "127.0.0.1"},
                           excluded_checks=excluded)
