"""A small synthetic province with members, built through the real services, and helpers to
write plans and to compare database states.

    RS-P    Đảng bộ tỉnh Thử                    (provincial)
    ├── RS-D1   Đảng bộ huyện Một               (district)
    │   ├── RS-G1   Đảng bộ xã Hòa              (grassroots committee)
    │   │   ├── RS-C1   Chi bộ thôn 1           (party cell)   2 members
    │   │   └── RS-C2   Chi bộ thôn 2           (party cell)   1 member
    │   ├── RS-G2   Đảng bộ xã Bình             (grassroots committee)
    │   │   └── RS-C3   Chi bộ thôn 3           (party cell)   2 members
    │   └── RS-A1   Chi bộ Trường THPT Một      (grassroots cell) 1 member
    └── RS-D2   Đảng bộ huyện Hai               (district)
        └── RS-G3   Đảng bộ xã An               (grassroots committee)
            └── RS-C4   Chi bộ thôn 4           (party cell)   1 member
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from chibo.core.models import AuditEvent
from chibo.members.choices import AffiliationKind
from chibo.members.models import Affiliation, Member, MemberEvent, Transfer
from chibo.members.services import DecisionInfo, PersonData, member_admit
from chibo.orgs import kinds as K
from chibo.orgs.models import Decision, Organization, OrgEvent, OrgEventLink, OrgVersion
from chibo.orgs.services import org_establish
from chibo.restructuring.models import AppliedPlan, DpiaTask
from chibo.restructuring.plans import plan_dump

D = dt.date
ESTABLISHED = D(2010, 1, 1)
REFORM = D(2025, 7, 1)
DAY_BEFORE = D(2025, 6, 30)

TREE: list[tuple[str, str, str, str | None, int]] = [
    ("RS-P", "Đảng bộ tỉnh Thử", K.PROVINCIAL, None, 0),
    ("RS-D1", "Đảng bộ huyện Một", K.DISTRICT, "RS-P", 0),
    ("RS-G1", "Đảng bộ xã Hòa", K.GRASSROOTS_COMMITTEE, "RS-D1", 0),
    ("RS-C1", "Chi bộ thôn 1", K.PARTY_CELL, "RS-G1", 2),
    ("RS-C2", "Chi bộ thôn 2", K.PARTY_CELL, "RS-G1", 1),
    ("RS-G2", "Đảng bộ xã Bình", K.GRASSROOTS_COMMITTEE, "RS-D1", 0),
    ("RS-C3", "Chi bộ thôn 3", K.PARTY_CELL, "RS-G2", 2),
    ("RS-A1", "Chi bộ Trường THPT Một", K.GRASSROOTS_CELL, "RS-D1", 1),
    ("RS-D2", "Đảng bộ huyện Hai", K.DISTRICT, "RS-P", 0),
    ("RS-G3", "Đảng bộ xã An", K.GRASSROOTS_COMMITTEE, "RS-D2", 0),
    ("RS-C4", "Chi bộ thôn 4", K.PARTY_CELL, "RS-G3", 1),
]

DECISION = {"number": "99-QĐ/TU", "date": "2025-06-20", "issuer": "Ban Thường vụ Tỉnh ủy Thử"}


SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khoa", "Lâm", "Minh", "Nam", "Phúc", "Quang",
         "Sơn", "Tâm", "Vinh", "Xuân"]


def person_name(n: int) -> str:
    return f"{SURNAMES[n % len(SURNAMES)]} Văn {GIVEN[(n // len(SURNAMES)) % len(GIVEN)]}"


ADMITTED = D(2015, 5, 5)


def admit(cell: Organization, name: str, on: dt.date = ADMITTED) -> Member:
    return member_admit(
        actor=None,
        person=PersonData(full_name=name, gender="male", birth_date=D(1985, 3, 4)),
        cell=cell,
        decision=DecisionInfo(number="KN-1", date=on - dt.timedelta(days=10), issuer="Đảng ủy"),
        ceremony_date=on,
    )


def build_world() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    n = 0
    for code, name, kind, parent, members in TREE:
        orgs[code] = org_establish(actor=None, code=code, name=name, kind=kind,
                                   parent=orgs[parent] if parent else None, on=ESTABLISHED)
        for _i in range(members):
            n += 1
            admit(orgs[code], person_name(n))
    return orgs


def plan_yaml(events: list[dict[str, Any]], key: str = "test-plan", on: str | None = "2025-07-01",
              decision: dict[str, str] | None = None, **extra: Any) -> str:
    data: dict[str, Any] = {"key": key}
    if on:
        data["on"] = on
    data["decision"] = decision or DECISION
    data.update(extra)
    data["events"] = events
    return plan_dump(data)


def superuser() -> Any:
    """An unsaved superuser, for the selectors (like the command line)."""
    from django.contrib.auth import get_user_model

    return get_user_model()(username="rs-cli", is_superuser=True, is_active=True)


MODELS = [Organization, OrgVersion, OrgEvent, OrgEventLink, Decision, Affiliation, Transfer, Member,
          MemberEvent, AuditEvent, AppliedPlan, DpiaTask]


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def state_checksum() -> str:
    """Every row that a plan may change, hashed."""
    h = hashlib.sha256()
    for qs in (
        Organization.objects.order_by("pk").values_list("pk", "code", "valid_from", "valid_to", "admin_unit_id"),
        OrgVersion.objects.order_by("pk").values_list("pk", "org_id", "name", "kind_id", "parent_id", "path",
                                                      "valid_from", "valid_to", "event_id"),
        Affiliation.objects.order_by("pk").values_list("pk", "member_id", "org_id", "kind", "valid_from",
                                                       "valid_to"),
        Transfer.objects.order_by("pk").values_list("pk", "member_id", "from_org_id", "to_org_id", "state"),
        AppliedPlan.objects.order_by("pk").values_list("pk", "key"),
        DpiaTask.objects.order_by("pk").values_list("pk", "plan_id", "org_path", "due_on", "done_at"),
    ):
        for row in qs:
            h.update(repr(row).encode())
    return h.hexdigest()


def cells_of_members(on: dt.date, member_ids: list[int] | None = None) -> dict[int, list[str]]:
    """Member id -> codes of the cells the member is officially active in on `on`."""
    qs = Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL, valid_from__lte=on).exclude(
        valid_to__lte=on).select_related("org")
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    out: dict[int, list[str]] = {}
    for a in qs:
        out.setdefault(a.member_id, []).append(a.org.code)
    return out


def kind_on(code: str, on: dt.date) -> str | None:
    v = Organization.objects.get(code=code).version_on(on)
    return v.kind.key if v else None


def parent_on(code: str, on: dt.date) -> str | None:
    v = Organization.objects.get(code=code).version_on(on)
    return v.parent.code if v and v.parent else None
