"""The one scoping mechanism: `restrict(user, action)`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from chibo.core.scoping import EMPTY_SCOPE, Scope, forget_scope, resolve_scope
from chibo.orgs.models import Organization, OrgVersion


def test_scope_covers_path():
    s = Scope(paths=("0001", "0003"))
    assert s.covers_path("0001")
    assert s.covers_path("00010002")
    assert not s.covers_path("0002")
    assert not s.covers_path(None)
    assert Scope(everything=True).covers_path(None)
    assert EMPTY_SCOPE.is_empty
    assert not Scope(everything=True).is_empty
    assert not Scope(own_member_ids=(1,)).is_empty


def test_anonymous_and_none_have_empty_scope():
    assert resolve_scope(None, "org.view") is EMPTY_SCOPE
    assert resolve_scope(AnonymousUser(), "org.view") is EMPTY_SCOPE


@pytest.mark.django_db
def test_inactive_user_has_empty_scope(secretary_a):
    secretary_a.is_active = False
    assert resolve_scope(secretary_a, "org.view") is EMPTY_SCOPE


@pytest.mark.django_db
def test_scope_is_memoised_per_user_object_and_forgettable(tree, secretary_a):
    first = resolve_scope(secretary_a, "org.view")
    assert resolve_scope(secretary_a, "org.view") is first
    forget_scope(secretary_a)
    again = resolve_scope(secretary_a, "org.view")
    assert again == first and again is not first


@pytest.mark.django_db
def test_restrict(tree, admin, secretary_a, district_x):
    assert Organization.objects.restrict(admin, "org.view").count() == 12
    assert list(Organization.objects.restrict(secretary_a, "org.view")) == [tree["CA"]]
    codes = set(Organization.objects.restrict(district_x, "org.view").values_list("code", flat=True))
    assert codes == {"ORG-DX", "ORG-GX1", "ORG-CELL-A", "ORG-CELL-B", "ORG-GX2"}
    assert OrgVersion.objects.restrict(district_x, "org.view").count() == 5
    assert Organization.objects.restrict(AnonymousUser(), "org.view").count() == 0
    # an action the role does not grant
    assert Organization.objects.restrict(secretary_a, "case.view").count() == 0
