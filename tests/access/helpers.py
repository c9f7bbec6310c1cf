"""A small tree and personas for the access tests."""

from __future__ import annotations

import datetime as dt

from chibo.accounts.models import Role, RoleAssignment, User
from chibo.orgs.services import org_establish

D = dt.date(2019, 1, 1)
PASSWORD = "correct horse battery"


def build_tree() -> dict:
    p = org_establish(actor=None, code="T1", name="Đảng bộ tỉnh Thử", kind="provincial_party_committee", parent=None, on=D)
    d = org_establish(actor=None, code="T1-D1", name="Đảng bộ huyện Một", kind="district_party_committee", parent=p, on=D)
    g = org_establish(actor=None, code="T1-G1", name="Đảng bộ xã Hòa", kind="grassroots_party_committee", parent=d, on=D)
    a = org_establish(actor=None, code="T1-C-A", name="Chi bộ thôn A", kind="party_cell", parent=g, on=D)
    b = org_establish(actor=None, code="T1-C-B", name="Chi bộ thôn B", kind="party_cell", parent=g, on=D)
    return {"province": p, "district": d, "grassroots": g, "cell_a": a, "cell_b": b}


def make_user(username: str, *, role: str | None = None, org=None, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_superuser=superuser)
    if role:
        RoleAssignment.objects.create(user=user, role=Role.objects.get(key=role), org=org, valid_from=D)
    return user
