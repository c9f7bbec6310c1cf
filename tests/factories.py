"""Builders for tests: the small organization tree (through the real services) and personas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from chibo.accounts.models import Role, RoleAssignment, User
from chibo.orgs import kinds as K
from chibo.orgs import services
from chibo.orgs.models import Organization

ESTABLISHED = dt.date(2020, 1, 1)
ASSIGNED_FROM = dt.date(2020, 1, 1)

# code -> (name, kind, parent code)
TREE_SPEC: list[tuple[str, str, str, str | None]] = [
    ("ORG-P1", "Đảng bộ tỉnh Quảng Ninh", K.PROVINCIAL, None),
    ("ORG-DX", "Đảng bộ thành phố Hạ Long", K.DISTRICT, "ORG-P1"),
    ("ORG-GX1", "Đảng bộ phường Hồng Gai", K.GRASSROOTS_COMMITTEE, "ORG-DX"),
    ("ORG-CELL-A", "Chi bộ khu phố 1", K.PARTY_CELL, "ORG-GX1"),
    ("ORG-CELL-B", "Chi bộ khu phố 2", K.PARTY_CELL, "ORG-GX1"),
    ("ORG-GX2", "Chi bộ Trường THPT Hòn Gai", K.GRASSROOTS_CELL, "ORG-DX"),
    ("ORG-DY", "Đảng bộ thị xã Đông Triều", K.DISTRICT, "ORG-P1"),
    ("ORG-GY1", "Đảng bộ xã Bình Dương", K.GRASSROOTS_COMMITTEE, "ORG-DY"),
    ("ORG-CY1", "Chi bộ thôn Đồng Bống", K.PARTY_CELL, "ORG-GY1"),
    ("ORG-P2", "Đảng bộ tỉnh Lạng Sơn", K.PROVINCIAL, None),
    ("ORG-DZ", "Đảng bộ thành phố Lạng Sơn", K.DISTRICT, "ORG-P2"),
    ("ORG-GZ1", "Đảng bộ phường Chi Lăng", K.GRASSROOTS_COMMITTEE, "ORG-DZ"),
]

# short names used by tests -> code
SHORT = {
    "P1": "ORG-P1", "DX": "ORG-DX", "GX1": "ORG-GX1", "CA": "ORG-CELL-A", "CB": "ORG-CELL-B",
    "GX2": "ORG-GX2", "DY": "ORG-DY", "GY1": "ORG-GY1", "CY1": "ORG-CY1", "P2": "ORG-P2",
    "DZ": "ORG-DZ", "GZ1": "ORG-GZ1",
}
NAMES = {code: name for code, name, _kind, _parent in TREE_SPEC}


class Tree(dict[str, Organization]):
    """Organizations by short name (``tree["CA"]``) or by code (``tree["ORG-CELL-A"]``)."""

    def __getitem__(self, key: str) -> Organization:
        return super().__getitem__(SHORT.get(key, key))

    def refresh(self) -> None:
        for code, org in self.items():
            self[code] = Organization.objects.get(pk=org.pk)

    def name(self, key: str) -> str:
        return NAMES[SHORT.get(key, key)]

    def code(self, key: str) -> str:
        return SHORT.get(key, key)


def build_tree(on: dt.date = ESTABLISHED, actor: Any = None) -> Tree:
    tree = Tree()
    for code, name, kind, parent in TREE_SPEC:
        tree[code] = services.org_establish(
            actor=actor, code=code, name=name, kind=kind,
            parent=tree[parent] if parent else None, on=on,
        )
    return tree


def get_role(key: str) -> Role:
    return Role.objects.get(key=key)


def make_persona(
    username: str, *, role: str | None = None, org: Organization | None = None,
    superuser: bool = False, valid_from: dt.date = ASSIGNED_FROM, valid_to: dt.date | None = None,
) -> User:
    user = User.objects.create_user(
        username=username, password="correct horse battery staple", full_name=username,
        is_superuser=superuser, is_staff=superuser,
    )
    if role is not None:
        RoleAssignment.objects.create(
            user=user, role=Role.objects.get(key=role), org=org,
            valid_from=valid_from, valid_to=valid_to,
        )
    return user


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each hypothesis example writes inside a savepoint that is undone afterwards."""
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(sid)

