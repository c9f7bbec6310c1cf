"""The test database has the built-in kinds and roles (post_migrate hooks), and the fixtures work."""

from __future__ import annotations

import pytest

from chibo.accounts.models import Role
from chibo.accounts.roles import BUILTIN_ROLES
from chibo.orgs.kinds import BUILTIN_KINDS
from chibo.orgs.models import OrgKind, OrgVersion

pytestmark = pytest.mark.django_db


def test_builtin_kinds_and_roles_exist_after_migrate():
    assert set(OrgKind.objects.values_list("key", flat=True)) >= {k["key"] for k in BUILTIN_KINDS}
    assert set(Role.objects.values_list("key", flat=True)) >= set(BUILTIN_ROLES)


def test_tree_fixture_builds_the_documented_tree(tree):
    assert len(tree) == 12
    cb = tree["CB"].version_on(tree["CB"].valid_from)
    assert cb.parent == tree["GX1"]
    assert cb.path == (
        tree["P1"].versions.get().path + f"{tree['DX'].pk:08d}{tree['GX1'].pk:08d}{tree['CB'].pk:08d}"
    )
    assert OrgVersion.objects.count() == 12
