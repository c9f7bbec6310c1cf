"""Role assignments become scopes: valid time, actions, global roles, history after a move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from chibo.accounts.authentication import ExpiringTokenAuthentication
from chibo.accounts.models import ApiToken, RoleAssignment
from chibo.accounts.scope import _grants, resolve_scope
from chibo.core.validtime import today
from chibo.orgs import services
from tests.factories import get_role, make_persona

D = dt.date

pytestmark = pytest.mark.django_db


def path_of(org):
    return org.versions.order_by("-valid_from").first().path


def test_superuser_sees_everything(admin):
    assert resolve_scope(admin, "org.view").everything
    assert resolve_scope(admin, "anything.at_all").everything


def test_secretary_scope_is_the_cell(tree, secretary_a):
    scope = resolve_scope(secretary_a, "org.view")
    assert scope.paths == (path_of(tree["CA"]),)
    assert not scope.everything
    assert scope.covers_path(path_of(tree["CA"]))
    assert not scope.covers_path(path_of(tree["CB"]))
    assert not scope.covers_path(path_of(tree["GX1"]))


def test_role_without_the_action_gives_nothing(tree, secretary_a):
    assert resolve_scope(secretary_a, "case.view").is_empty
    assert resolve_scope(secretary_a, "user.view").is_empty


@pytest.mark.parametrize(
    ("start", "end", "active"),
    [
        (D(2020, 1, 1), None, True),
        (D(2020, 1, 1), D(2021, 1, 1), False),  # ended
        (None, None, None),  # starts tomorrow (filled in below)
    ],
)
def test_only_current_assignments_count(tree, start, end, active):
    if start is None:
        start, active = today() + dt.timedelta(days=1), False
    user = make_persona("temp", role="committee_viewer", org=tree["DX"], valid_from=start,
                        valid_to=end)
    assert (not resolve_scope(user, "org.view").is_empty) is active


def test_global_role_sees_everything(tree):
    user = make_persona("sysadmin", role="system_administrator")
    assert resolve_scope(user, "org.view").everything


def test_several_assignments_add_up(tree, secretary_a):
    RoleAssignment.objects.create(user=secretary_a, role=get_role("committee_viewer"),
                                  org=tree["GY1"], valid_from=D(2020, 1, 1))
    scope = resolve_scope(secretary_a, "org.view")
    assert set(scope.paths) == {path_of(tree["CA"]), path_of(tree["GY1"])}
    # but only for actions each role grants
    assert resolve_scope(secretary_a, "org.change").paths == (path_of(tree["CA"]),)


def test_scope_keeps_every_path_the_node_ever_had(tree, admin, district_x):
    services.org_move(actor=admin, org=tree["DX"], parent=tree["P2"], on=D(2022, 1, 1))
    scope = resolve_scope(district_x, "org.view")
    assert len(scope.paths) == 2
    assert all(p.endswith(f"{tree['DX'].pk:08d}") for p in scope.paths)


@pytest.mark.parametrize(
    ("action", "actions", "granted"),
    [
        ("org.view", ["org.view"], True),
        ("org.view", ["org.*"], True),
        ("org.view", ["*"], True),
        ("org.view", ["member.view"], False),
        ("org.change", ["org.view"], False),
        ("member.view", ["org.*"], False),
    ],
)
def test_grants(action, actions, granted):
    assert _grants(action, actions) is granted


def test_api_token_hash_and_usability(secretary_a):
    key = ApiToken.generate_key()
    assert ApiToken.generate_key() != key
    assert ApiToken.hash_key(key) == ApiToken.hash_key(key) and len(ApiToken.hash_key(key)) == 64
    token = ApiToken.objects.create(user=secretary_a, key_hash=ApiToken.hash_key(key),
                                    prefix=key[:8], expires_at=timezone.now() + dt.timedelta(hours=1))
    assert token.is_usable
    user, auth = ExpiringTokenAuthentication().authenticate_credentials(key)
    assert user == secretary_a and auth == token
    token.revoked_at = timezone.now()
    token.save()
    with pytest.raises(AuthenticationFailed):
        ExpiringTokenAuthentication().authenticate_credentials(key)
    assert not ApiToken.objects.get(pk=token.pk).is_usable
    with pytest.raises(AuthenticationFailed):
        ExpiringTokenAuthentication().authenticate_credentials("not-a-key")
