"""Deterministic demo data: the party organizations of the four seed provinces and of Hà Giang
(which the 2025 reform merged with Tuyên Quang), on the real (legacy-edition) administrative
units, with the 2020–2024 restructuring of Quảng Ninh. This is the history up to 2025-06-30;
`chibo demo` then applies the 2025 reform to it through `chibo.restructuring`.

Everything is written through `chibo.orgs.services`, each change with its decision. The same
seed gives the same data. Quảng Ninh reproduces the figures of seed 002 (glossary §2, "002")
when counted from the records; the build checks them and fails if they are not met.

Names, codes, decision numbers, dates and most units below province and district are invented
for the demonstration; provinces, districts and communes are the real legacy units.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from chibo.geo.models import AdminUnit, Edition, Level
from chibo.orgs import services
from chibo.orgs.kinds import (
    AGENCY_BLOC,
    COMPONENT,
    DISTRICT,
    GRASSROOTS_CELL,
    GRASSROOTS_COMMITTEE,
    GRASSROOTS_ORGANIZATION,
    PARTY_CELL,
    PARTY_GROUP,
    PROVINCIAL,
)
from chibo.orgs.models import Decision, Organization, OrgKind, Power, Sector
from chibo.orgs.services import DecisionRef, NewOrg

Say = Callable[[str], None]

SEED = 2020
QUANG_NINH, TUYEN_QUANG, HA_GIANG, HA_TINH, NGHE_AN = "22", "08", "02", "42", "40"
PROVINCES: tuple[str, ...] = (QUANG_NINH, TUYEN_QUANG, HA_GIANG, HA_TINH, NGHE_AN)
PROVINCE_NAMES = {
    QUANG_NINH: "Quảng Ninh",
    TUYEN_QUANG: "Tuyên Quang",
    HA_GIANG: "Hà Giang",
    HA_TINH: "Hà Tĩnh",
    NGHE_AN: "Nghệ An",
}
PROVINCE_FOUNDED = {
    QUANG_NINH: dt.date(1963, 10, 30),
    TUYEN_QUANG: dt.date(1991, 10, 1),
    HA_GIANG: dt.date(1991, 10, 1),  # both re-established when Hà Tuyên was divided
    HA_TINH: dt.date(1991, 9, 1),
    NGHE_AN: dt.date(1991, 9, 1),
}
# Provinces merged into one in the 2025 reform: building one of them builds the others too
# (the reform's plan covers the current province: Tuyên Quang 08 + Hà Giang 02 -> Tuyên Quang).
MERGED_IN_2025: tuple[tuple[str, ...], ...] = ((TUYEN_QUANG, HA_GIANG),)


def with_reform_partners(provinces: Iterable[str]) -> list[str]:
    """The provinces, with those merged with them in 2025, in the order of `PROVINCES`."""
    wanted = set(provinces)
    for group in MERGED_IN_2025:
        if wanted & set(group):
            wanted |= set(group)
    return [p for p in PROVINCES if p in wanted]

# --- the figures of seed 002 (Quảng Ninh), reproduced from records ---------------------------
TERM_START = dt.date(2020, 1, 1)
REVIEW_DATE = dt.date(2024, 6, 30)
QN_GRASSROOTS_2020 = 725
QN_COMPONENTS_2020 = 31
QN_PARTY_CELLS_2020 = 4925
QN_GRASSROOTS_2024 = 674
QN_COMPONENTS_2024 = 39
QN_PARTY_CELLS_2024 = 4821
QN_FIGURES: dict[dt.date, dict[str, int]] = {
    TERM_START: {
        GRASSROOTS_ORGANIZATION: QN_GRASSROOTS_2020,
        COMPONENT: QN_COMPONENTS_2020,
        PARTY_CELL: QN_PARTY_CELLS_2020,
    },
    REVIEW_DATE: {
        GRASSROOTS_ORGANIZATION: QN_GRASSROOTS_2024,
        COMPONENT: QN_COMPONENTS_2024,
        PARTY_CELL: QN_PARTY_CELLS_2024,
    },
}
QN_COMMUNES_MERGED = 9  # commune-level units removed, across 5 localities
QN_COMMUNE_MERGE_DISTRICTS = ("193", "205", "206", "199", "201")
QN_VILLAGES_MERGED = 48  # villages and neighbourhoods merged, across 7 localities
QN_VILLAGE_MERGE_DISTRICTS = ("193", "195", "196", "205", "206", "194", "203")
QN_COMPONENTS_ESTABLISHED = 10
QN_COMPONENTS_DISSOLVED = 2

# Everything before the term is established by this date at the latest.
BASELINE_END = dt.date(2019, 10, 31)

# Demo-only sign-ins. Never used outside `chibo demo`.
DEMO_PASSWORDS = {  # noqa: S105
    "admin": "chibo-admin-demo",
    "qn-staff": "chibo-qn-staff-demo",
    "qn-secretary": "chibo-qn-secretary-demo",
    "tq-staff": "chibo-tq-staff-demo",
}
SECRETARY_CELL_CODE = "22-06691-01"  # Chi bộ khu 1, phường Hồng Gai, thành phố Hạ Long

UNIT_TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Huyện", "Quận", "Phường", "Xã", "Đặc khu")
DISTRICT_BODY = {"Thành phố": "Thành ủy", "Thị xã": "Thị ủy", "Huyện": "Huyện ủy", "Quận": "Quận ủy"}


def split_unit_name(name: str) -> tuple[str, str]:
    """"Phường Hà Phong" -> ("Phường", "Hà Phong")."""
    for t in UNIT_TYPES:
        if name.startswith(t + " "):
            return t, name[len(t) + 1 :]
    return "", name


def local_name(name: str) -> str:
    """"Huyện Vân Đồn" -> "huyện Vân Đồn" (as in "Đảng bộ huyện Vân Đồn")."""
    t, rest = split_unit_name(name)
    return f"{t.lower()} {rest}" if t else rest


# --- the plan ------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    code: str
    name: str
    kind: str
    parent: Node | None
    sector: str = Sector.OTHER
    unit_id: int | None = None
    powers: tuple[str, ...] = ()
    tags: set[str] = field(default_factory=set)
    issuer: str = ""
    suffix: str = "ĐU"
    on: dt.date | None = None
    decision: DecisionRef | None = None
    children: list[Node] = field(default_factory=list)
    org: Organization | None = None
    alive: bool = True
    used: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def live_children(self, kind: str | None = None) -> list[Node]:
        return [c for c in self.children if c.alive and (kind is None or c.kind == kind)]


def _body(name: str) -> str:
    """The committee that signs for an organization: "Đảng bộ X" -> "Đảng ủy X"."""
    if name.startswith("Đảng bộ bộ phận "):
        return "Đảng ủy bộ phận " + name[len("Đảng bộ bộ phận ") :]
    if name.startswith("Đảng bộ "):
        return "Đảng ủy " + name[len("Đảng bộ ") :]
    return name


class Plan:
    """One province: the organizations as of the end of 2019, then the changes since."""

    def __init__(self, province: str, rng: random.Random) -> None:
        self.province = province
        self.pname = PROVINCE_NAMES[province]
        self.rng = rng
        self.nodes: list[Node] = []
        self.by_code: dict[str, Node] = {}
        self.numbers: dict[str, int] = {}
        self.root: Node | None = None

    # building the structure
    def add(self, parent: Node | None, code: str, name: str, kind: str, sector: str = Sector.OTHER,
            unit_id: int | None = None, tags: Iterable[str] = (), powers: Sequence[str] = ()) -> Node:
        if code in self.by_code:
            raise ValueError(f"duplicate demo code {code}")
        node = Node(code=code, name=name, kind=kind, parent=parent, sector=sector,
                    unit_id=unit_id, tags=set(tags), powers=tuple(powers))
        node.issuer = _body(name)
        if kind in (PARTY_CELL, GRASSROOTS_CELL):
            node.suffix = "CB"
        if parent is not None:
            parent.children.append(node)
        self.nodes.append(node)
        self.by_code[code] = node
        return node

    def count(self, kinds: Iterable[str]) -> int:
        ks = set(kinds)
        return sum(1 for n in self.nodes if n.alive and n.kind in ks)

    def nodes_with(self, tag: str, alive: bool = True) -> list[Node]:
        return [n for n in self.nodes if tag in n.tags and (n.alive or not alive)]

    # decisions
    def decision(self, issuer_node: Node | None, on: dt.date, days_before: int = 0) -> DecisionRef:
        """A fresh decision of the body that decides about the children of `issuer_node`."""
        if issuer_node is None:
            issuer, suffix = "Ban Bí thư Trung ương Đảng", "QĐ/TW"
        else:
            issuer = issuer_node.issuer
            suffix = "QĐ/" + issuer_node.suffix
        n = self.numbers.get(issuer)
        n = self.rng.randint(3, 60) if n is None else n + self.rng.randint(1, 7)
        self.numbers[issuer] = n
        return DecisionRef(f"{n}-{suffix}", on - dt.timedelta(days=days_before), issuer)

    def decider(self, node: Node) -> Node | None:
        """Who decides about `node`: its superior committee (for a cell under a component, the
        grassroots committee)."""
        p = node.parent
        while p is not None and p.kind == COMPONENT:
            p = p.parent
        return p

    # dates for the baseline
    def assign_dates(self, root_on: dt.date) -> None:
        assert self.root is not None
        self.root.on = root_on
        self.root.decision = self.decision(None, root_on, days_before=self.rng.randint(5, 40))
        stack = [self.root]
        while stack:
            p = stack.pop()
            kids = p.children
            if not kids:
                continue
            assert p.on is not None
            span = (BASELINE_END - p.on).days
            batch_on = p.on + dt.timedelta(days=self.rng.randint(0, max(0, min(span, 400))))
            decider = p if p.kind != COMPONENT else self.decider(p)
            batch = self.decision(decider, batch_on, days_before=self.rng.randint(0, 20))
            for c in kids:
                if c.on is not None:  # fixed by the plan
                    c.decision = c.decision or self.decision(decider, c.on)
                elif self.rng.random() < 0.15 and (BASELINE_END - batch_on).days > 30:
                    c.on = batch_on + dt.timedelta(days=self.rng.randint(1, (BASELINE_END - batch_on).days))
                    c.decision = self.decision(decider, c.on, days_before=self.rng.randint(0, 20))
                else:
                    c.on, c.decision = batch_on, batch
                stack.append(c)


# --- names ---------------------------------------------------------------------------------

OFFICE_CELLS = ["Văn phòng", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch – Tài chính", "Thanh tra",
                "Phòng Pháp chế", "Phòng Tổng hợp", "Phòng Quản lý chuyên ngành",
                "Phòng Kiểm tra – Giám sát", "Phòng Hành chính – Quản trị"]
HOSPITAL_CELLS = ["Khoa Nội tổng hợp", "Khoa Ngoại", "Khoa Sản", "Khoa Nhi", "Khoa Hồi sức cấp cứu",
                  "Khoa Khám bệnh", "Khoa Xét nghiệm", "Khoa Chẩn đoán hình ảnh", "Khoa Dược",
                  "Phòng Kế hoạch tổng hợp", "Phòng Tổ chức cán bộ", "Phòng Tài chính – Kế toán",
                  "Phòng Điều dưỡng", "Khoa Y học cổ truyền", "Khoa Truyền nhiễm"]
POLICE_CELLS = ["Đội Tổng hợp", "Đội Cảnh sát điều tra tội phạm về trật tự xã hội",
                "Đội Cảnh sát điều tra tội phạm về kinh tế và ma túy", "Đội Cảnh sát giao thông – Trật tự",
                "Đội Cảnh sát quản lý hành chính về trật tự xã hội", "Đội An ninh",
                "Đội Cảnh sát thi hành án hình sự và hỗ trợ tư pháp",
                "Đội Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ", "Nhà tạm giữ"]
MILITARY_CELLS = ["Ban Tham mưu", "Ban Chính trị", "Ban Hậu cần – Kỹ thuật", "Đại đội 1", "Đại đội 2",
                  "Đại đội 3", "Trung đội Dân quân thường trực", "Đại đội Huấn luyện", "Kho Vũ khí"]
BORDER_CELLS = ["Chỉ huy Đồn", "Đội Vũ trang", "Đội Trinh sát", "Đội Vận động quần chúng",
                "Đội Phòng chống ma túy và tội phạm", "Trạm Kiểm soát Biên phòng"]
GOVERNMENT_CELLS = ["Văn phòng HĐND và UBND", "Phòng Nội vụ", "Phòng Tài chính – Kế hoạch",
                    "Phòng Tài nguyên và Môi trường", "Phòng Kinh tế", "Phòng Quản lý đô thị",
                    "Phòng Lao động – Thương binh và Xã hội", "Phòng Văn hóa và Thông tin",
                    "Phòng Giáo dục và Đào tạo", "Phòng Y tế", "Phòng Tư pháp", "Thanh tra"]
PARTY_MASS_CELLS = ["Văn phòng cấp ủy", "Ban Tổ chức", "Ban Tuyên giáo", "Ban Dân vận", "Ủy ban Kiểm tra",
                    "Ủy ban Mặt trận Tổ quốc", "Đoàn Thanh niên", "Hội Liên hiệp Phụ nữ", "Hội Nông dân",
                    "Hội Cựu chiến binh", "Liên đoàn Lao động"]
ENTERPRISE_CELLS = ["Văn phòng", "Phòng Tổ chức – Hành chính", "Phòng Kế toán – Tài chính",
                    "Phòng Kinh doanh", "Phòng Kỹ thuật", "Phòng Kế hoạch – Đầu tư", "Phòng Dịch vụ khách hàng",
                    "Phòng Vật tư", "Phòng An toàn – Môi trường"]
COAL_OFFICES = ["Phòng Kỹ thuật khai thác", "Phòng Kế toán – Tài chính", "Phòng Tổ chức lao động",
                "Phòng Kế hoạch", "Phòng An toàn", "Phòng Cơ điện – Vận tải", "Phòng Đầu tư",
                "Văn phòng – Thi đua", "Phòng Thanh tra – Bảo vệ – Pháp chế", "Phòng Trắc địa – Địa chất",
                "Phòng Vật tư", "Phòng Kỹ thuật công nghệ"]
# workshop type -> the component (đảng bộ bộ phận) that may group it
COAL_WORKSHOPS = [("Phân xưởng Khai thác", "Khai thác"), ("Phân xưởng Đào lò", "Đào lò"),
                  ("Phân xưởng Cơ điện lò", "Cơ điện – Vận tải"), ("Phân xưởng Vận tải lò", "Cơ điện – Vận tải"),
                  ("Phân xưởng Sàng tuyển", "Sàng tuyển – Chế biến"), ("Phân xưởng Xe", "Cơ điện – Vận tải"),
                  ("Phân xưởng Thông gió – Thoát nước", "Khai thác"), ("Phân xưởng Đời sống", "Phục vụ"),
                  ("Phân xưởng Chế biến than", "Sàng tuyển – Chế biến"), ("Phân xưởng Xây dựng mỏ", "Đào lò")]
COMPONENT_GROUPS = ["Khối Phòng ban", "Khai thác", "Đào lò", "Cơ điện – Vận tải", "Sàng tuyển – Chế biến",
                    "Phục vụ"]


def cell_names(parent_name: str, n: int) -> list[str]:
    """Names of `n` party cells under an agency, hospital, police, military or enterprise unit."""
    if "Bệnh viện" in parent_name or "Y tế" in parent_name or "Kiểm soát bệnh tật" in parent_name:
        pool, more = HOSPITAL_CELLS, "Khoa Lâm sàng"
    elif "Công an" in parent_name or parent_name.startswith(("Đảng bộ Phòng", "Đảng bộ Trại")):
        pool, more = POLICE_CELLS, "Đội Nghiệp vụ"
    elif "Biên phòng" in parent_name:
        pool, more = BORDER_CELLS, "Tổ công tác"
    elif any(w in parent_name for w in ("Quân sự", "Trung đoàn", "Tiểu đoàn", "Bộ Chỉ huy", "Trường Quân sự")):
        pool, more = MILITARY_CELLS, "Đại đội"
    elif "Ủy ban nhân dân" in parent_name:
        pool, more = GOVERNMENT_CELLS, "Phòng Chuyên môn"
    elif "Đảng – Đoàn thể" in parent_name:
        pool, more = PARTY_MASS_CELLS, "Tổ chức đoàn thể"
    elif any(w in parent_name for w in ("Công ty", "Ngân hàng", "Viễn thông", "Bưu điện", "Điện lực")):
        pool, more = ENTERPRISE_CELLS, "Chi nhánh"
    else:
        pool, more = OFFICE_CELLS, "Phòng Nghiệp vụ"
    names = [f"Chi bộ {x}" for x in pool[:n]]
    names += [f"Chi bộ {more} {i}" for i in range(1, n - len(names) + 1)]
    return names


# Invented names for communes that existed before 2020 and were merged since.
HISTORIC_COMMUNE_NAMES = ["Tân Lập", "Đồng Tiến", "Yên Lập", "Hợp Thành", "Thượng Yên", "Đồng Lạc",
                          "Tân Hòa", "Bình Minh", "Nam Sơn", "Thắng Lợi", "Quyết Tiến", "Hải Tân",
                          "Đại Thành", "Phú Hải", "Trung Lương", "Đông Tiến"]
HISTORIC_VILLAGE_NAMES = ["Đồng Mộ", "Khe Cát", "Bãi Dài", "Đồng Bé", "Cái Tăn", "Khe Lánh", "Đồng Cậy",
                          "Nà Pá", "Tân Hải", "Đồng Giữa", "Bắc Sơn", "Đông Hà", "Tây Hà", "Trại Mới"]
CAM_VINH_VILLAGES = ["Tâm Đồng", "Hoa Thành", "Hưng Thịnh", "Đông Vịnh", "Tây Vịnh", "Trung Thịnh",
                     "Phú Vịnh", "Tân Vịnh"]
KIEN_THIET_VILLAGES = ["Đồng Pha", "Khuôn Khoai", "Đồng Muồng", "Làng Thượng"]
ENTERPRISE_WORDS = ["Hải Long", "Minh Phát", "Thành Đạt", "Đông Bắc", "Hồng Hà", "Phương Nam", "Việt Hưng",
                    "Tân Phú", "Hưng Thịnh", "Bình An", "Quang Minh", "Trường Sơn", "An Phú", "Hoàng Gia",
                    "Nam Việt", "Phú Cường", "Kim Long", "Sao Mai", "Đại Dương", "Thiên Phúc"]
ENTERPRISE_TRADES = ["Thương mại và Dịch vụ", "Xây dựng", "Vận tải biển", "Du lịch", "Thủy sản",
                     "Khoáng sản", "Cơ khí", "Logistics", "Vật liệu xây dựng", "Đầu tư và Phát triển"]


def _units(province: str) -> tuple[AdminUnit, list[AdminUnit], dict[int, list[AdminUnit]]]:
    prov = AdminUnit.objects.get(edition=Edition.LEGACY, level=Level.PROVINCE, code=province)
    districts = list(AdminUnit.objects.filter(parent=prov).order_by("code"))
    communes: dict[int, list[AdminUnit]] = {d.pk: [] for d in districts}
    for c in AdminUnit.objects.filter(parent__in=districts, level=Level.COMMUNE).order_by("code"):
        communes[c.parent_id].append(c)  # type: ignore[index]
    return prov, districts, communes


def _village_word(province: str, commune: AdminUnit, district: AdminUnit) -> tuple[str, str]:
    """("khu", sector) etc.: what villages or residential groups are called there."""
    t, _rest = split_unit_name(commune.name)
    urban = t in ("Phường", "Thị trấn")
    if province == QUANG_NINH:
        if urban:
            return "khu", Sector.RESIDENTIAL_GROUP
        return ("bản" if district.code in ("198",) else "thôn"), Sector.VILLAGE
    if province == NGHE_AN:
        if urban:
            return "khối", Sector.RESIDENTIAL_GROUP
        mountain = {"Kỳ Sơn", "Tương Dương", "Quế Phong", "Con Cuông", "Quỳ Châu"}
        return ("bản" if split_unit_name(district.name)[1] in mountain else "xóm"), Sector.VILLAGE
    if urban:
        return "tổ dân phố", Sector.RESIDENTIAL_GROUP
    if province == TUYEN_QUANG and split_unit_name(district.name)[1] in ("Lâm Bình", "Na Hang"):
        return "bản", Sector.VILLAGE
    return "thôn", Sector.VILLAGE


def _add_root_and_blocs(plan: Plan, prov: AdminUnit, blocs: Sequence[tuple[str, str, str]]) -> dict[str, Node]:
    p = plan.province
    root = plan.add(None, p, f"Đảng bộ tỉnh {plan.pname}", PROVINCIAL, Sector.OTHER, prov.pk,
                    powers=(Power.ISSUE_CARDS,), tags={"root"})
    root.issuer, root.suffix = f"Ban Thường vụ Tỉnh ủy {plan.pname}", "TU"
    plan.root = root
    out = {}
    for abbr, base, sector in blocs:
        b = plan.add(root, f"{p}-K{abbr}", f"Đảng bộ {base}", AGENCY_BLOC, sector, prov.pk,
                     powers=(Power.DECIDE_ADMISSION, Power.DECIDE_RECOGNITION), tags={"bloc"})
        b.issuer = f"Ban Thường vụ Đảng ủy {base} {plan.pname}"
        out[abbr] = b
    return out


def _add_district(plan: Plan, root: Node, d: AdminUnit) -> Node:
    t, rest = split_unit_name(d.name)
    node = plan.add(root, f"{plan.province}-{d.code}", f"Đảng bộ {local_name(d.name)}", DISTRICT,
                    Sector.OTHER, d.pk, powers=(Power.DECIDE_ADMISSION, Power.DECIDE_RECOGNITION),
                    tags={"district"})
    node.issuer = f"Ban Thường vụ {DISTRICT_BODY.get(t, 'Huyện ủy')} {rest}"
    node.suffix = "HU" if t == "Huyện" else "TU"
    node.extra["unit"] = d
    return node


def _add_commune(plan: Plan, parent: Node, c: AdminUnit, district: AdminUnit, code: str,
                 name: str | None = None, villages: Sequence[str] | int = 0,
                 extras: Sequence[tuple[str, str, str]] = (), unit_id: int | None = None,
                 tags: Iterable[str] = ()) -> Node:
    """A commune committee with its village cells (numbered or named) and other cells."""
    cname = name or c.name
    g = plan.add(parent, code, f"Đảng bộ {local_name(cname)}", GRASSROOTS_COMMITTEE, Sector.COMMUNE,
                 unit_id or c.pk, tags={"commune", *tags})
    g.extra["unit"] = c
    word, sector = _village_word(plan.province, c, district)
    names = [str(i) for i in range(1, villages + 1)] if isinstance(villages, int) else list(villages)
    i = 0
    for v in names:
        i += 1
        cell = plan.add(g, f"{code}-{i:02d}", f"Chi bộ {word} {v}", PARTY_CELL, sector, g.unit_id,
                        tags={"village"})
        cell.extra["number"] = i
    for abbr, label, sec in extras:
        i += 1
        # "Chi bộ Quân sự xã Quảng La", but "Chi bộ Trường THCS Quảng La" (schools bear the name)
        where = split_unit_name(cname)[1] if label.startswith("Trường") else local_name(cname)
        plan.add(g, f"{code}-{i:02d}", f"Chi bộ {label} {where}", PARTY_CELL, sec, g.unit_id,
                 tags={"commune_cell", abbr})
    return g


def _add_grassroots(plan: Plan, parent: Node, code: str, base: str, committee: bool, sector: str,
                    unit_id: int | None, cells: int = 0, tags: Iterable[str] = ()) -> Node:
    if committee:
        g = plan.add(parent, code, f"Đảng bộ {base}", GRASSROOTS_COMMITTEE, sector, unit_id,
                     tags={"agency_g", *tags})
        for i, nm in enumerate(cell_names(g.name, cells), start=1):
            plan.add(g, f"{code}-{i:02d}", nm, PARTY_CELL, sector, unit_id, tags={"agency_cell"})
        return g
    return plan.add(parent, code, f"Chi bộ {base}", GRASSROOTS_CELL, sector, unit_id,
                    tags={"agency_gcell", *tags})


# --- Quảng Ninh ------------------------------------------------------------------------------

QN_BLOCS = [("CQ", "Khối các cơ quan tỉnh", Sector.AGENCY),
            ("DN", "Khối doanh nghiệp tỉnh", Sector.STATE_ENTERPRISE),
            ("QS", "Quân sự tỉnh", Sector.ARMED_FORCES),
            ("CA", "Công an tỉnh", Sector.POLICE),
            ("BP", "Bộ đội Biên phòng tỉnh", Sector.ARMED_FORCES),
            ("TQN", "Than Quảng Ninh", Sector.STATE_ENTERPRISE)]

QN_AGENCY_COMMITTEES = [
    "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Nội vụ", "Sở Công Thương", "Sở Xây dựng",
    "Sở Giao thông vận tải", "Sở Tài nguyên và Môi trường", "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Lao động – Thương binh và Xã hội", "Sở Văn hóa và Thể thao", "Sở Du lịch",
    "Sở Giáo dục và Đào tạo", "Sở Y tế", "Văn phòng Ủy ban nhân dân tỉnh", "Cơ quan Tỉnh ủy",
    "Cục Thuế tỉnh", "Cục Hải quan tỉnh", "Kho bạc Nhà nước tỉnh", "Bảo hiểm xã hội tỉnh",
    "Ban Quản lý Khu kinh tế tỉnh", "Trung tâm Truyền thông tỉnh", "Trường Đại học Hạ Long",
    "Bệnh viện Đa khoa tỉnh", "Bệnh viện Sản Nhi", "Bệnh viện Bãi Cháy",
    "Bệnh viện Việt Nam – Thụy Điển Uông Bí", "Trung tâm Kiểm soát bệnh tật tỉnh",
    "Ban Quản lý dự án đầu tư xây dựng các công trình giao thông",
    "Ban Quản lý dự án đầu tư xây dựng các công trình dân dụng và công nghiệp",
    "Ban Quản lý dự án đầu tư xây dựng các công trình nông nghiệp và phát triển nông thôn",
]
QN_AGENCY_CELLS = [
    "Sở Tư pháp", "Sở Khoa học và Công nghệ", "Sở Thông tin và Truyền thông", "Sở Ngoại vụ",
    "Thanh tra tỉnh", "Ban Dân tộc tỉnh", "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh",
    "Tòa án nhân dân tỉnh", "Viện Kiểm sát nhân dân tỉnh", "Cục Thi hành án dân sự tỉnh",
    "Cục Thống kê tỉnh", "Ngân hàng Nhà nước Chi nhánh tỉnh Quảng Ninh", "Liên đoàn Lao động tỉnh",
    "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Tỉnh đoàn", "Hội Liên hiệp Phụ nữ tỉnh", "Hội Nông dân tỉnh",
    "Hội Cựu chiến binh tỉnh", "Liên minh Hợp tác xã tỉnh", "Ban Xúc tiến và Hỗ trợ đầu tư tỉnh",
    "Trung tâm Phục vụ hành chính công tỉnh", "Ban Quản lý vịnh Hạ Long", "Bệnh viện Lao và Phổi",
    "Bệnh viện Y dược cổ truyền", "Bệnh viện Phục hồi chức năng", "Bệnh viện Cẩm Phả",
    "Trường Cao đẳng Y tế Quảng Ninh", "Trường Cao đẳng Việt – Hàn Quảng Ninh",
    "Trường Chính trị Nguyễn Văn Cừ", "Trung tâm Lưu trữ lịch sử tỉnh",
]
QN_ENTERPRISE_COMMITTEES = [
    "Công ty Cổ phần Cảng Quảng Ninh", "Công ty Điện lực Quảng Ninh", "Công ty Cổ phần Nước sạch Quảng Ninh",
    "Ngân hàng TMCP Công Thương Việt Nam – Chi nhánh Quảng Ninh",
    "Ngân hàng Nông nghiệp và Phát triển nông thôn – Chi nhánh Quảng Ninh",
    "Ngân hàng TMCP Đầu tư và Phát triển – Chi nhánh Quảng Ninh",
    "Ngân hàng TMCP Ngoại thương – Chi nhánh Quảng Ninh", "Viễn thông Quảng Ninh",
    "Bưu điện tỉnh Quảng Ninh", "Công ty Nhiệt điện Quảng Ninh",
    "Công ty Cổ phần Xi măng và Xây dựng Quảng Ninh", "Công ty Xăng dầu B12",
]
QN_ENTERPRISE_CELLS = [
    "Công ty TNHH MTV Xổ số kiến thiết Quảng Ninh", "Công ty Cổ phần Xây dựng Hạ Long",
    "Công ty Cổ phần Vận tải thủy Quảng Ninh", "Công ty Cổ phần Du lịch Hạ Long",
    "Công ty Cổ phần Thương mại Quảng Ninh", "Công ty TNHH MTV Lâm nghiệp Uông Bí",
    "Công ty TNHH MTV Lâm nghiệp Hoành Bồ", "Công ty Cổ phần Gốm Đất Việt",
    "Công ty Cổ phần Dịch vụ Hàng hải Quảng Ninh", "Bảo Việt Quảng Ninh",
    "Công ty Cổ phần Đầu tư và Phát triển Đô thị Quảng Ninh", "Công ty TNHH Thủy sản Hải Hà",
    "Quỹ Đầu tư phát triển tỉnh Quảng Ninh", "Công ty Cổ phần Cấp thoát nước Móng Cái",
    "Công ty Cổ phần Kinh doanh nhà Quảng Ninh", "Công ty Cổ phần Khoáng sản và Thương mại Quảng Ninh",
    "Công ty TNHH MTV Thoát nước và Xử lý môi trường Hạ Long", "Công ty Cổ phần Nhiệt điện Cẩm Phả",
]
QN_MILITARY_COMMITTEES = ["Cơ quan Bộ Chỉ huy Quân sự tỉnh", "Trung đoàn Bộ binh 244", "Trường Quân sự tỉnh",
                          "Tiểu đoàn Huấn luyện – Cơ động", "Phòng Tham mưu Bộ Chỉ huy Quân sự tỉnh",
                          "Phòng Chính trị Bộ Chỉ huy Quân sự tỉnh",
                          "Phòng Hậu cần – Kỹ thuật Bộ Chỉ huy Quân sự tỉnh",
                          "Ban Chỉ huy Quân sự Khu kinh tế Vân Đồn"]
QN_MILITARY_CELLS = ["Đại đội Pháo phòng không", "Đại đội Công binh", "Đại đội Thông tin", "Đại đội Trinh sát",
                     "Đại đội Vận tải", "Đại đội Hóa học", "Đội Kiểm soát quân sự", "Kho Kỹ thuật tỉnh",
                     "Xưởng Sửa chữa tổng hợp", "Nhà khách Quân sự tỉnh", "Ban Chỉ huy Quân sự Khu vực Cửa Ông",
                     "Đồn Quân sự Đảo Trần", "Trung tâm Giáo dục quốc phòng và an ninh tỉnh",
                     "Đội Quản lý nhà đất quân đội"]
QN_POLICE_COMMITTEES = ["Phòng Cảnh sát giao thông", "Phòng Cảnh sát điều tra tội phạm về ma túy",
                        "Phòng Cảnh sát điều tra tội phạm về trật tự xã hội", "Phòng Cảnh sát cơ động",
                        "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ", "Phòng An ninh điều tra",
                        "Phòng An ninh kinh tế", "Phòng Tham mưu", "Phòng Tổ chức cán bộ", "Phòng Hậu cần",
                        "Phòng Cảnh sát quản lý hành chính về trật tự xã hội", "Phòng Cảnh sát đường thủy",
                        "Trại Tạm giam", "Phòng Cảnh sát thi hành án hình sự và hỗ trợ tư pháp"]
QN_POLICE_CELLS = ["Phòng Quản lý xuất nhập cảnh",
                   "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao",
                   "Phòng Công tác Đảng và công tác chính trị", "Phòng Kỹ thuật hình sự", "Phòng Hồ sơ",
                   "Phòng Pháp chế", "Phòng Thanh tra", "Phòng An ninh chính trị nội bộ",
                   "Phòng An ninh đối ngoại", "Phòng Cảnh sát kinh tế", "Phòng Cảnh sát môi trường",
                   "Phòng Cảnh sát hình sự", "Phòng Viễn thông, tin học và cơ yếu", "Phòng Tài chính",
                   "Phòng Kỹ thuật nghiệp vụ", "Phòng Cảnh sát bảo vệ"]
QN_BORDER_COMMITTEES = ["Cơ quan Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "Đồn Biên phòng Hoành Mô",
                        "Đồn Biên phòng Đồng Văn", "Đồn Biên phòng Bắc Sơn", "Đồn Biên phòng Hải Sơn",
                        "Đồn Biên phòng Bắc Phong Sinh", "Đồn Biên phòng Quảng Đức", "Đồn Biên phòng Ka Long",
                        "Đồn Biên phòng Cửa khẩu quốc tế Móng Cái", "Đồn Biên phòng Trà Cổ",
                        "Đồn Biên phòng Vạn Ninh", "Đồn Biên phòng Cô Tô"]
QN_BORDER_CELLS = ["Đồn Biên phòng Quan Lạn", "Đồn Biên phòng Minh Châu", "Đồn Biên phòng Ngọc Vừng",
                   "Đồn Biên phòng Cửa khẩu cảng Hòn Gai", "Đồn Biên phòng Cửa khẩu cảng Cẩm Phả",
                   "Đồn Biên phòng Cửa khẩu cảng Vạn Gia", "Hải đội Biên phòng 2",
                   "Tiểu đoàn Huấn luyện – Cơ động Bộ đội Biên phòng tỉnh", "Đồn Biên phòng Thanh Lân",
                   "Đồn Biên phòng Cái Chiên"]
QN_COAL_COMMITTEES = [
    "Công ty Than Hà Lầm – TKV", "Công ty Than Hòn Gai – TKV", "Công ty Cổ phần Than Núi Béo – TKV",
    "Công ty Cổ phần Than Hà Tu – TKV", "Công ty Than Mông Dương – TKV", "Công ty Than Khe Chàm – TKV",
    "Công ty Than Thống Nhất – TKV", "Công ty Than Dương Huy – TKV", "Công ty Than Quang Hanh – TKV",
    "Công ty Than Hạ Long – TKV", "Công ty Cổ phần Than Cao Sơn – TKV", "Công ty Cổ phần Than Cọc Sáu – TKV",
    "Công ty Cổ phần Than Đèo Nai – TKV", "Công ty Tuyển than Cửa Ông – TKV", "Công ty Than Mạo Khê – TKV",
    "Công ty Than Uông Bí – TKV", "Công ty Cổ phần Than Vàng Danh – TKV", "Công ty Than Nam Mẫu – TKV",
    "Công ty Tuyển than Hòn Gai – TKV", "Công ty Kho vận Đá Bạc – TKV",
    "Công ty Kho vận và Cảng Cẩm Phả – TKV", "Công ty Kho vận Hòn Gai – TKV",
    "Công ty Chế biến than Quảng Ninh – TKV", "Công ty Cổ phần Chế tạo máy – TKV",
    "Công ty Cơ khí Đóng tàu – TKV", "Công ty Vật tư, Vận tải và Xếp dỡ – TKV", "Công ty Địa chất mỏ – TKV",
    "Công ty Xây dựng mỏ Hầm lò 1 – TKV", "Công ty Môi trường – TKV", "Công ty Than Khe Sim – TKV",
]
QN_COAL_CELLS = ["Trường Cao đẳng Than – Khoáng sản Việt Nam", "Bệnh viện Than – Khoáng sản",
                 "Trung tâm Cấp cứu mỏ – TKV", "Ban Quản lý dự án Than Quảng Ninh",
                 "Công ty Cổ phần Cung ứng vật tư mỏ", "Văn phòng Đảng ủy Than Quảng Ninh"]

# District-level organizations in Quảng Ninh: (abbr, name pattern, committee?, sector, cells)
QN_DISTRICT_ORGS: list[tuple[str, str, bool, str, tuple[int, int]]] = [
    ("UB", "Cơ quan Ủy ban nhân dân {loc}", True, Sector.AGENCY, (6, 11)),
    ("DDT", "Các cơ quan Đảng – Đoàn thể {loc}", True, Sector.AGENCY, (4, 7)),
    ("QS", "Quân sự {loc}", True, Sector.ARMED_FORCES, (3, 5)),
    ("CA", "Công an {loc}", True, Sector.POLICE, (4, 9)),
    ("YT", "Trung tâm Y tế {loc}", True, Sector.PUBLIC_SERVICE_UNIT, (4, 8)),
    ("VKS", "Viện Kiểm sát nhân dân {loc}", False, Sector.AGENCY, (0, 0)),
    ("TA", "Tòa án nhân dân {loc}", False, Sector.AGENCY, (0, 0)),
    ("THA", "Chi cục Thi hành án dân sự {loc}", False, Sector.AGENCY, (0, 0)),
    ("THUE", "Chi cục Thuế {loc}", False, Sector.AGENCY, (0, 0)),
    ("TK", "Chi cục Thống kê {loc}", False, Sector.AGENCY, (0, 0)),
    ("KB", "Kho bạc Nhà nước {loc}", False, Sector.AGENCY, (0, 0)),
    ("BHXH", "Bảo hiểm xã hội {loc}", False, Sector.AGENCY, (0, 0)),
    ("VH", "Trung tâm Văn hóa – Thể thao và Truyền thông {loc}", False, Sector.PUBLIC_SERVICE_UNIT, (0, 0)),
    ("QLDA", "Ban Quản lý dự án đầu tư xây dựng {loc}", False, Sector.PUBLIC_SERVICE_UNIT, (0, 0)),
    ("DVNN", "Trung tâm Dịch vụ nông nghiệp {loc}", False, Sector.PUBLIC_SERVICE_UNIT, (0, 0)),
    ("GDNN", "Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên {loc}", False, Sector.SCHOOL, (0, 0)),
    ("DL", "Điện lực {rest}", False, Sector.STATE_ENTERPRISE, (0, 0)),
    ("NHCS", "Phòng Giao dịch Ngân hàng Chính sách xã hội {loc}", False, Sector.AGENCY, (0, 0)),
]
QN_COMMUNE_EXTRAS = [("cq", "Cơ quan", Sector.AGENCY), ("qs", "Quân sự", Sector.ARMED_FORCES),
                     ("ca", "Công an", Sector.POLICE)]
QN_COMMUNE_SCHOOLS = ["Trường Mầm non", "Trường Tiểu học", "Trường THCS"]


def _coal_cells(plan: Plan, g: Node, n: int, components: int) -> None:
    """`n` cells under a coal company; with `components`, groups of them under component
    committees (đảng bộ bộ phận)."""
    offices = COAL_OFFICES[: max(3, min(len(COAL_OFFICES), n // 5))]
    names: list[tuple[str, str]] = [(f"Chi bộ {o}", "Khối Phòng ban") for o in offices]
    counters: dict[str, int] = {}
    i = 0
    while len(names) < n:
        wname, group = COAL_WORKSHOPS[i % len(COAL_WORKSHOPS)] if i < 4 * len(COAL_WORKSHOPS) else COAL_WORKSHOPS[i % 2]
        counters[wname] = counters.get(wname, 0) + 1
        names.append((f"Chi bộ {wname} {counters[wname]}", group))
        i += 1
    names = names[:n]
    groups = {grp for _n, grp in names}
    chosen = [grp for grp in COMPONENT_GROUPS if grp in groups][:components]
    parents: dict[str, Node] = {}
    for j, grp in enumerate(chosen, start=1):
        parents[grp] = plan.add(g, f"{g.code}-B{j}", f"Đảng bộ bộ phận {grp}", COMPONENT,
                                g.sector, g.unit_id, tags={"component", "coal_component"})
        parents[grp].extra["group"] = grp
    g.extra["groups_used"] = set(chosen)
    for k, (nm, grp) in enumerate(names, start=1):
        parent = parents.get(grp, g)
        cell = plan.add(parent, f"{g.code}-{k:02d}", nm, PARTY_CELL, g.sector, g.unit_id,
                        tags={"coal_cell"})
        cell.extra["group"] = grp


def plan_quang_ninh(rng: random.Random) -> Plan:
    plan = Plan(QUANG_NINH, rng)
    prov, districts, communes = _units(QUANG_NINH)
    blocs = _add_root_and_blocs(plan, prov, QN_BLOCS)
    root = plan.root
    assert root is not None
    p = QUANG_NINH

    # Districts, their communes (and the communes merged since 2020), their own organizations.
    used_names = {split_unit_name(c.name)[1] for cs in communes.values() for c in cs}
    historic_pool = [n for n in HISTORIC_COMMUNE_NAMES if n not in used_names]
    historic_per_district = dict(zip(QN_COMMUNE_MERGE_DISTRICTS, (2, 2, 2, 2, 1), strict=True))
    assert sum(historic_per_district.values()) == QN_COMMUNES_MERGED
    district_nodes: dict[str, Node] = {}
    for d in districts:
        dn = _add_district(plan, root, d)
        district_nodes[d.code] = dn
        for c in communes[d.pk]:
            urban = split_unit_name(c.name)[0] in ("Phường", "Thị trấn")
            nv = rng.randint(5, 13) if urban else rng.randint(5, 12)
            schools = rng.sample(QN_COMMUNE_SCHOOLS, rng.randint(0, 3))
            extras = list(QN_COMMUNE_EXTRAS) + [("school", s, Sector.SCHOOL) for s in sorted(schools)]
            _add_commune(plan, dn, c, d, f"{p}-{c.code}", villages=nv, extras=extras)
        # historic communes: merged into a neighbour since 2020
        candidates = [c for c in communes[d.pk] if f"{p}-{c.code}" != SECRETARY_CELL_CODE.rsplit("-", 1)[0]]
        for k in range(historic_per_district.get(d.code, 0)):
            target = rng.choice([c for c in candidates if split_unit_name(c.name)[0] == "Xã"] or candidates)
            candidates.remove(target)
            t, _rest = split_unit_name(target.name)
            hname = f"{t} {historic_pool.pop(0)}"
            nv = rng.randint(3, 6)
            villages = [HISTORIC_VILLAGE_NAMES[(k * 5 + j) % len(HISTORIC_VILLAGE_NAMES)] for j in range(nv)]
            h = _add_commune(plan, dn, target, d, f"{p}-{d.code}-C{k + 1:02d}", name=hname,
                             villages=villages, extras=QN_COMMUNE_EXTRAS[:1], tags={"historic"})
            h.extra["merge_into"] = f"{p}-{target.code}"
        loc = local_name(d.name)
        rest = split_unit_name(d.name)[1]
        for abbr, pattern, committee, sector, (lo, hi) in QN_DISTRICT_ORGS:
            base = pattern.format(loc=loc, rest=rest)
            g = _add_grassroots(plan, dn, f"{p}-{d.code}-{abbr}", base, committee, sector, d.pk,
                                cells=rng.randint(lo, hi) if committee else 0, tags={f"d_{abbr}"})
            g.extra["district"] = d.code

    # Provincial blocs.
    def fill(bloc: Node, prefix: str, committees: list[str], cells: list[str], lo: int, hi: int) -> None:
        n = 0
        for base in committees:
            n += 1
            _add_grassroots(plan, bloc, f"{p}-{prefix}-{n:03d}", base, True, bloc.sector, prov.pk,
                            cells=rng.randint(lo, hi), tags={f"b_{prefix}"})
        for base in cells:
            n += 1
            _add_grassroots(plan, bloc, f"{p}-{prefix}-{n:03d}", base, False, bloc.sector, prov.pk,
                            tags={f"b_{prefix}"})

    fill(blocs["CQ"], "CQ", QN_AGENCY_COMMITTEES, QN_AGENCY_CELLS, 3, 8)
    fill(blocs["DN"], "DN", QN_ENTERPRISE_COMMITTEES, QN_ENTERPRISE_CELLS, 3, 7)
    fill(blocs["QS"], "QS", QN_MILITARY_COMMITTEES, QN_MILITARY_CELLS, 3, 6)
    fill(blocs["CA"], "CA", QN_POLICE_COMMITTEES, QN_POLICE_CELLS, 3, 7)
    fill(blocs["BP"], "BP", QN_BORDER_COMMITTEES, QN_BORDER_CELLS, 3, 6)

    # Schools and private enterprises under the districts, up to the 2020 figure of grassroots
    # organizations (the coal companies are counted in already).
    grassroots_kinds = (GRASSROOTS_COMMITTEE, GRASSROOTS_CELL)
    fillers = QN_GRASSROOTS_2020 - plan.count(grassroots_kinds) - len(QN_COAL_COMMITTEES) - len(QN_COAL_CELLS)
    if fillers < 0:
        raise RuntimeError("demo plan: too many grassroots organizations for the 2020 figure")
    order = list(districts)
    counters: dict[str, int] = {}
    for i in range(fillers):
        d = order[i % len(order)]
        dn = district_nodes[d.code]
        k = counters[d.code] = counters.get(d.code, 0) + 1
        comm = communes[d.pk][(k * 7) % len(communes[d.pk])]
        if k % 3 == 1:
            base, sector, tag = f"Trường THPT {split_unit_name(comm.name)[1]}", Sector.SCHOOL, "school_g"
        else:
            w = ENTERPRISE_WORDS[(i * 3 + k) % len(ENTERPRISE_WORDS)]
            trade = ENTERPRISE_TRADES[(i + k) % len(ENTERPRISE_TRADES)]
            base, sector, tag = f"Công ty TNHH {trade} {w}", Sector.PRIVATE_ENTERPRISE, "private_g"
        _add_grassroots(plan, dn, f"{p}-{d.code}-DN{k:02d}", base, False, sector, d.pk, tags={tag})

    # Coal: the rest of the party cells, and the component committees.
    other_cells = plan.count([PARTY_CELL])
    coal_cells = QN_PARTY_CELLS_2020 - other_cells
    weights = [rng.uniform(0.5, 1.6) for _ in QN_COAL_COMMITTEES]
    total_w = sum(weights)
    sizes = [max(12, int(coal_cells * w / total_w)) for w in weights]
    i = 0
    while sum(sizes) != coal_cells:
        step = 1 if sum(sizes) < coal_cells else -1
        if step > 0 or sizes[i % len(sizes)] > 12:
            sizes[i % len(sizes)] += step
        i += 1
    ranked = sorted(range(len(sizes)), key=lambda j: -sizes[j])
    comps = [0] * len(sizes)
    left = QN_COMPONENTS_2020
    for j in ranked:
        if left <= 0:
            break
        comps[j] = min(left, 3 if sizes[j] > 60 else 2)
        left -= comps[j]
    n = 0
    for j, base in enumerate(QN_COAL_COMMITTEES):
        n += 1
        g = plan.add(blocs["TQN"], f"{p}-TQN-{n:03d}", f"Đảng bộ {base}", GRASSROOTS_COMMITTEE,
                     Sector.STATE_ENTERPRISE, prov.pk, tags={"coal_g", "b_TQN"},
                     powers=(Power.DECIDE_ADMISSION,) if sizes[j] > 70 else ())
        _coal_cells(plan, g, sizes[j], comps[j])
    for base in QN_COAL_CELLS:
        n += 1
        _add_grassroots(plan, blocs["TQN"], f"{p}-TQN-{n:03d}", base, False, Sector.STATE_ENTERPRISE,
                        prov.pk, tags={"b_TQN"})
    # Party groups (tổ đảng) in some coal workshop cells: one per shift.
    workshop_cells = [c for c in plan.nodes_with("coal_cell") if "Phân xưởng" in c.name]
    for cell in rng.sample(workshop_cells, 20):
        cell.tags.add("has_groups")
        for s in (1, 2, 3):
            plan.add(cell, f"{cell.code}-T{s}", f"Tổ đảng Ca {s}", PARTY_GROUP, cell.sector, cell.unit_id,
                     tags={"group"})

    counts = (plan.count(grassroots_kinds), plan.count([COMPONENT]), plan.count([PARTY_CELL]))
    expected = (QN_GRASSROOTS_2020, QN_COMPONENTS_2020, QN_PARTY_CELLS_2020)
    if counts != expected:
        raise RuntimeError(f"demo plan for Quảng Ninh: {counts} instead of {expected}")
    plan.assign_dates(PROVINCE_FOUNDED[QUANG_NINH])
    # The communes merged since 2020 existed in 2019: established well before.
    return plan


# --- the other provinces ------------------------------------------------------------------------

SMALL_BLOCS = [("CQ", "Khối các cơ quan tỉnh", Sector.AGENCY),
               ("QS", "Quân sự tỉnh", Sector.ARMED_FORCES),
               ("CA", "Công an tỉnh", Sector.POLICE)]
SMALL_AGENCIES = [("Sở Nội vụ", True), ("Sở Tài chính", True), ("Sở Giáo dục và Đào tạo", True),
                  ("Bệnh viện Đa khoa tỉnh", True), ("Sở Tư pháp", False), ("Thanh tra tỉnh", False),
                  ("Báo {province}", False), ("Trường Chính trị tỉnh", False)]
SMALL_MILITARY = [("Cơ quan Bộ Chỉ huy Quân sự tỉnh", True), ("Trường Quân sự tỉnh", False),
                  ("Đại đội Trinh sát", False)]
# Hà Tĩnh's provincial military committee (seed 003: "100% of its party organizations completed
# their tasks, 97% did so well"): 33 organizations below the bloc, so that 97% is a whole number of
# them (32 of 33); (name, committee, cells).
HT_MILITARY = [("Cơ quan Bộ Chỉ huy Quân sự tỉnh", True, 6), ("Trung đoàn Bộ binh 841", True, 6),
               ("Trường Quân sự tỉnh", True, 4), ("Ban Chỉ huy Quân sự thành phố Hà Tĩnh", True, 4),
               ("Ban Chỉ huy Quân sự huyện Đức Thọ", True, 3), ("Tiểu đoàn Công binh", True, 4)]
SMALL_POLICE = [("Phòng Cảnh sát giao thông", True), ("Phòng An ninh điều tra", False),
                ("Phòng Cảnh sát hình sự", False)]
SMALL_BORDER = [("Cơ quan Bộ Chỉ huy Bộ đội Biên phòng tỉnh", True), ("Hải đội Biên phòng 1", False)]
DUC_THO = "440"
CAM_VINH, CAM_XUYEN = "18691", "446"
KIEN_THIET = "02437"


def plan_small(province: str, rng: random.Random) -> Plan:
    plan = Plan(province, rng)
    p = province
    prov, districts, communes = _units(province)
    bloc_specs = list(SMALL_BLOCS)
    if province in (HA_GIANG, HA_TINH, NGHE_AN):  # border provinces
        bloc_specs.append(("BP", "Bộ đội Biên phòng tỉnh", Sector.ARMED_FORCES))
    blocs = _add_root_and_blocs(plan, prov, bloc_specs)
    root = plan.root
    assert root is not None
    district_nodes = {d.code: _add_district(plan, root, d) for d in districts}
    cam_vinh_unit = None
    for d in districts:
        dn = district_nodes[d.code]
        for c in communes[d.pk]:
            code = f"{p}-{c.code}"
            if province == HA_TINH and c.code == CAM_VINH:
                cam_vinh_unit = c
                continue  # placed under Cẩm Xuyên below
            if province == TUYEN_QUANG and c.code == KIEN_THIET:
                _add_commune(plan, dn, c, d, code, villages=KIEN_THIET_VILLAGES)
                continue
            _add_commune(plan, dn, c, d, code, villages=rng.randint(2, 5))
        loc = local_name(d.name)
        rest = split_unit_name(d.name)[1]
        specs = QN_DISTRICT_ORGS if (province == HA_TINH and d.code == DUC_THO) else QN_DISTRICT_ORGS[:3:2]
        for abbr, pattern, committee, sector, _r in specs:
            _add_grassroots(plan, dn, f"{p}-{d.code}-{abbr}", pattern.format(loc=loc, rest=rest), committee,
                            sector, d.pk, cells=rng.randint(2, 4) if committee else 0, tags={f"d_{abbr}"})
        if province == HA_TINH and d.code == DUC_THO:
            # "34/34 subordinate units" in seed 003.
            assert len(district_nodes[d.code].children) == 34, len(district_nodes[d.code].children)
    if cam_vinh_unit is not None:
        # Cẩm Vịnh (seed 003): in Cẩm Xuyên district until the 2025 boundary change; 10 cells,
        # among them the Tâm Đồng village cell.
        cx = district_nodes[CAM_XUYEN]
        g = _add_commune(plan, cx, cam_vinh_unit, cx.extra["unit"], f"{p}-{CAM_VINH}",
                         villages=CAM_VINH_VILLAGES, extras=QN_COMMUNE_EXTRAS[:2], tags={"cam_vinh"})
        assert len(g.children) == 10
    lists: dict[str, list[tuple[Any, ...]]] = {
        "CQ": SMALL_AGENCIES, "QS": HT_MILITARY if province == HA_TINH else SMALL_MILITARY, "CA": SMALL_POLICE,
        "BP": SMALL_BORDER}
    for abbr, bloc in blocs.items():
        for n, (base, committee, *fixed) in enumerate(lists[abbr], start=1):
            cells = (fixed[0] if fixed else rng.randint(3, 5)) if committee else 0
            _add_grassroots(plan, bloc, f"{p}-{abbr}-{n:03d}", base.format(province=plan.pname), committee,
                            bloc.sector, prov.pk, cells=cells, tags={f"b_{abbr}"})
        if province == HA_TINH and abbr == "QS":
            assert sum(1 + len(g.children) for g in bloc.children) == 33
    # One commune merged in early 2020, for the lineage pages (not in Tuyên Quang).
    if province != TUYEN_QUANG:
        d = districts[len(districts) // 2]
        target = next(c for c in communes[d.pk] if split_unit_name(c.name)[0] == "Xã")
        used_names = {split_unit_name(c.name)[1] for cs in communes.values() for c in cs}
        hname = "Xã " + next(n for n in HISTORIC_COMMUNE_NAMES[::-1] if n not in used_names)
        h = _add_commune(plan, district_nodes[d.code], target, d, f"{p}-{d.code}-C01", name=hname,
                         villages=HISTORIC_VILLAGE_NAMES[:3], tags={"historic"})
        h.extra["merge_into"] = f"{p}-{target.code}"
    plan.assign_dates(PROVINCE_FOUNDED[province])
    return plan


# --- executing a plan ----------------------------------------------------------------------


class Executor:
    """Writes a plan through the services and applies the changes since 2020."""

    def __init__(self, plan: Plan, say: Say) -> None:
        self.plan = plan
        self.say = say
        self.changes = 0
        # read once: the executor runs inside one transaction
        self.kinds = services.kinds_by_key()
        self.decisions: dict[DecisionRef, Decision | None] = {}

    def kind(self, key: str) -> str | OrgKind:
        return self.kinds.get(key, key)

    def decision(self, ref: DecisionRef | None) -> Decision | None:
        if ref is None:
            return None
        if ref not in self.decisions:
            self.decisions[ref] = services.decision_record(ref)
        return self.decisions[ref]

    def establish_all(self) -> None:
        total = len(self.plan.nodes)
        assert self.plan.root is not None
        stack = [self.plan.root]
        done = 0
        started = time.monotonic()
        while stack:
            node = stack.pop()
            self.establish(node)
            done += 1
            if done % 1000 == 0:
                self.say(f"… {self.plan.pname}: {done}/{total} organizations "
                         f"({time.monotonic() - started:.0f} s)")
            stack.extend(reversed(node.children))

    def establish(self, node: Node) -> Organization:
        assert node.on is not None
        node.org = services.org_establish(
            actor=None, code=node.code, name=node.name, kind=self.kind(node.kind),
            parent=node.parent.org if node.parent else None, on=node.on, decision=self.decision(node.decision),
            sector=node.sector, admin_unit_id=node.unit_id, powers=node.powers,
            note="Dữ liệu minh họa (demo)",
        )
        return node.org

    # changes, keeping the plan in step with the database
    def _reparent(self, node: Node, parent: Node | None) -> None:
        if node.parent is not None and node in node.parent.children:
            node.parent.children.remove(node)
        node.parent = parent
        if parent is not None:
            parent.children.append(node)

    def new(self, parent: Node, code: str, name: str, kind: str, on: dt.date, decision: DecisionRef,
            sector: str | None = None, unit_id: int | None = None, tags: Iterable[str] = ()) -> Node:
        node = self.plan.add(parent, code, name, kind, sector or parent.sector,
                             unit_id if unit_id is not None else parent.unit_id, tags=tags)
        node.on, node.decision = on, decision
        self.establish(node)
        self.changes += 1
        return node

    def merge(self, sources: Sequence[Node], on: dt.date, decision: DecisionRef, into: Node | None = None,
              new: Node | None = None) -> Node:
        kwargs: dict[str, Any] = {}
        if into is not None:
            assert into.org is not None
            kwargs["into"] = into.org
            target = into
        else:
            assert new is not None and new.parent is not None
            kwargs["new"] = NewOrg(code=new.code, name=new.name, kind=self.kind(new.kind), parent=new.parent.org,
                                   sector=new.sector, admin_unit_id=new.unit_id, powers=new.powers)
            target = new
        result = services.org_merge(actor=None, sources=[s.org for s in sources if s.org], on=on,
                                    decision=self.decision(decision), **kwargs)
        if new is not None:
            new.org, new.on, new.decision = result, on, decision
            self.plan.nodes.append(new)
            self.plan.by_code[new.code] = new
            new.parent.children.append(new)  # type: ignore[union-attr]
        for s in sources:
            for child in s.live_children():
                self._reparent(child, target)
            s.alive = False
        self.changes += 1
        return target

    def move(self, node: Node, parent: Node, on: dt.date, decision: DecisionRef, kind: str | None = None) -> None:
        assert node.org is not None and parent.org is not None
        services.org_move(actor=None, org=node.org, parent=parent.org, on=on, decision=self.decision(decision),
                          kind=self.kind(kind) if kind else None)
        self._reparent(node, parent)
        if kind:
            node.kind = kind
        self.changes += 1

    def dissolve(self, node: Node, on: dt.date, decision: DecisionRef, children_to: Node | None = None) -> None:
        assert node.org is not None
        services.org_dissolve(actor=None, org=node.org, on=on, decision=self.decision(decision),
                              children_to=children_to.org if children_to else None)
        for child in node.live_children():
            self._reparent(child, children_to)
        node.alive = False
        self.changes += 1

    def rename(self, node: Node, name: str, on: dt.date, decision: DecisionRef) -> None:
        assert node.org is not None
        services.org_rename(actor=None, org=node.org, name=name, on=on, decision=self.decision(decision))
        node.name = name
        self.changes += 1

    def split(self, node: Node, names: Sequence[tuple[str, str]], on: dt.date, decision: DecisionRef) -> list[Node]:
        """Split a childless cell into new cells (code, name)."""
        assert node.org is not None and node.parent is not None
        parts = [NewOrg(code=c, name=n, kind=self.kind(node.kind), parent=node.parent.org, sector=node.sector,
                        admin_unit_id=node.unit_id) for c, n in names]
        orgs = services.org_split(actor=None, source=node.org, on=on, parts=parts, assign={},
                                  decision=self.decision(decision))
        out = []
        for (c, n), org in zip(names, orgs, strict=True):
            new = self.plan.add(node.parent, c, n, node.kind, node.sector, node.unit_id, tags=node.tags - {"has_groups"})
            new.org, new.on, new.decision, new.used = org, on, decision, True
            out.append(new)
        node.alive = False
        self.changes += 1
        return out


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _counts(org: Organization, on: dt.date) -> dict[str, int]:
    from chibo.orgs.selectors import org_counts

    return org_counts(user=system_actor(), org=org, on=on)


def system_actor() -> Any:
    """An unsaved superuser: the scope of the command line (everything)."""
    user = get_user_model()(username="system", is_superuser=True, is_active=True)
    return user


Event = tuple[dt.date, int, Callable[[], object]]


def _run(events: list[Event]) -> None:
    for _on, _seq, fn in sorted(events, key=lambda e: (e[0], e[1])):
        fn()


def changes_quang_ninh(ex: Executor) -> None:
    """2020-01-02 … 2024-06-30: the restructuring behind seed 002's figures."""
    plan, rng = ex.plan, ex.plan.rng
    p = QUANG_NINH
    root = plan.root
    assert root is not None
    events: list[Event] = []
    seq = iter(range(10**6))

    def add(on: dt.date, fn: Callable[[], object]) -> None:
        events.append((on, next(seq), fn))

    # 1. Nine communes merged into their neighbours (5 localities), early 2020.
    for h in plan.nodes_with("historic"):
        target = plan.by_code[h.extra["merge_into"]]
        on = dt.date(2020, 2, 1)
        dec = plan.decision(h.parent, on, days_before=rng.randint(5, 20))
        target.used = h.used = True
        add(on, partial(ex.merge, [h], on, dec, into=target))

    # 2. 48 villages and neighbourhoods merged into a neighbouring one (7 localities).
    shares = [10, 8, 8, 7, 6, 5, 4]
    assert sum(shares) == QN_VILLAGES_MERGED
    for dcode, share in zip(QN_VILLAGE_MERGE_DISTRICTS, shares, strict=True):
        dn = plan.by_code[f"{p}-{dcode}"]
        on = _day(rng, dt.date(2020, 6, 1), dt.date(2023, 10, 31))
        communes = [c for c in dn.children if "commune" in c.tags and not c.used
                    and not SECRETARY_CELL_CODE.startswith(c.code + "-")]
        done = 0
        while done < share:
            c = rng.choice(communes)
            villages = [v for v in c.live_children(PARTY_CELL) if "village" in v.tags and not v.used]
            if len(villages) < 5:
                communes.remove(c)
                continue
            i = rng.randrange(len(villages) - 1)
            a, b = villages[i + 1], villages[i]  # the next village joins its neighbour
            a.used = b.used = True
            dec = plan.decision(c, on, days_before=rng.randint(3, 15))
            add(on, partial(ex.merge, [a], on, dec, into=b))
            done += 1

    # 3. Streamlining agencies and public service units.
    # 3a. In eight localities the government and party–mass organizations' committees merge.
    merged_districts = [d for d in QN_VILLAGE_MERGE_DISTRICTS] + ["199"]
    dcd_nodes: dict[str, Node] = {}
    for dcode in merged_districts[:8]:
        dn = plan.by_code[f"{p}-{dcode}"]
        ub, ddt = plan.by_code[f"{p}-{dcode}-UB"], plan.by_code[f"{p}-{dcode}-DDT"]
        on = _day(rng, dt.date(2020, 3, 1), dt.date(2021, 6, 30))
        dec = plan.decision(dn, on, days_before=rng.randint(5, 20))
        new = Node(code=f"{p}-{dcode}-DCD", name=f"Đảng bộ Khối Dân – Chính – Đảng {local_name(dn.extra['unit'].name)}",
                   kind=GRASSROOTS_COMMITTEE, parent=dn, sector=Sector.AGENCY, unit_id=dn.unit_id,
                   tags={"agency_g", "dcd"})
        new.issuer = _body(new.name)
        ub.used = ddt.used = True
        dcd_nodes[dcode] = new
        add(on, partial(ex.merge, [ub, ddt], on, dec, new=new))
        # 3b. Public service units join the new committee as party cells.
        for abbr in ("VH", "QLDA") if dcode in merged_districts[:2] else ("VH",):
            cell = plan.by_code[f"{p}-{dcode}-{abbr}"]
            cell.used = True
            on2 = on + dt.timedelta(days=rng.randint(30, 200))
            dec2 = plan.decision(dn, on2, days_before=rng.randint(3, 10))
            add(on2, partial(ex.move, cell, new, on2, dec2, kind=PARTY_CELL))
    # 3c. Provincial agencies: grassroots committees merged into others (streamlined
    # departments, units and project boards).
    cq = [g for g in plan.nodes_with("b_CQ") if g.kind == GRASSROOTS_COMMITTEE]
    pairs = [(27, 28), (29, 28), (24, 22), (10, 9), (5, 4), (26, 12), (6, 7), (1, 0), (8, 2), (20, 14)]
    for src_i, dst_i in pairs:
        src, dst = cq[src_i], cq[dst_i]
        src.used = True
        on = _day(rng, dt.date(2020, 7, 1), dt.date(2023, 6, 30))
        dec = plan.decision(src.parent, on, days_before=rng.randint(5, 20))
        add(on, partial(ex.merge, [src], on, dec, into=dst))
    # 3d. Enterprises merged, and the Đèo Nai and Cọc Sáu coal companies into one.
    dn_committees = [g for g in plan.nodes_with("b_DN") if g.kind == GRASSROOTS_COMMITTEE]
    dn_cells = [g for g in plan.nodes_with("b_DN") if g.kind == GRASSROOTS_CELL]
    for src, dst in ((dn_committees[8], dn_committees[7]), (dn_cells[17], dn_committees[9]),
                     (dn_cells[16], dn_committees[2])):
        src.used = True
        on = _day(rng, dt.date(2021, 1, 1), dt.date(2023, 6, 30))
        dec = plan.decision(src.parent, on, days_before=rng.randint(5, 20))
        if src.kind == GRASSROOTS_CELL:
            add(on, partial(ex.move, src, dst, on, dec, kind=PARTY_CELL))
        else:
            add(on, partial(ex.merge, [src], on, dec, into=dst))
    coal = plan.nodes_with("coal_g")
    deo_nai = next(g for g in coal if "Đèo Nai" in g.name)
    coc_sau = next(g for g in coal if "Cọc Sáu" in g.name)
    deo_nai.used = coc_sau.used = True
    on = dt.date(2023, 4, 1)
    dec = plan.decision(deo_nai.parent, on, days_before=12)
    merged_coal = Node(code=f"{p}-TQN-DNCS", name="Đảng bộ Công ty Cổ phần Than Đèo Nai – Cọc Sáu – TKV",
                       kind=GRASSROOTS_COMMITTEE, parent=deo_nai.parent, sector=Sector.STATE_ENTERPRISE,
                       unit_id=deo_nai.unit_id, tags={"coal_g"}, powers=(Power.DECIDE_ADMISSION,))
    merged_coal.issuer = _body(merged_coal.name)
    merged_coal.used = True
    add(on, partial(ex.merge, [deo_nai, coc_sau], on, dec, new=merged_coal))
    # 3e. Tax and statistics offices regrouped by area: two grassroots cells into one.
    for abbr, label in (("THUE", "Chi cục Thuế khu vực"), ("TK", "Chi cục Thống kê khu vực")):
        for a_code, b_code in (("196", "205"), ("194", "201")):
            a, b = plan.by_code[f"{p}-{a_code}-{abbr}"], plan.by_code[f"{p}-{b_code}-{abbr}"]
            a.used = b.used = True
            da, db = a.parent, b.parent
            assert da is not None and db is not None
            names = f"{split_unit_name(da.extra['unit'].name)[1]} – {split_unit_name(db.extra['unit'].name)[1]}"
            on = _day(rng, dt.date(2021, 7, 1), dt.date(2022, 12, 31))
            dec = plan.decision(da, on, days_before=rng.randint(5, 20))
            new = Node(code=f"{p}-{a_code}-{abbr}KV", name=f"Chi bộ {label} {names}", kind=GRASSROOTS_CELL,
                       parent=da, sector=Sector.AGENCY, unit_id=da.unit_id, tags={"agency_gcell"})
            new.issuer, new.used = new.name, True
            add(on, partial(ex.merge, [a, b], on, dec, new=new))
    # 3f. Public service units closed.
    for dcode in ("198", "202", "207", "200", "203"):
        cell = plan.by_code[f"{p}-{dcode}-DVNN"]
        cell.used = True
        on = _day(rng, dt.date(2021, 1, 1), dt.date(2023, 12, 31))
        dec = plan.decision(cell.parent, on, days_before=rng.randint(5, 20))
        add(on, partial(ex.dissolve, cell, on, dec))
    # 3g. New party cells in private enterprises.
    for k, dcode in enumerate(("193", "195", "203"), start=1):
        dn = plan.by_code[f"{p}-{dcode}"]
        on = _day(rng, dt.date(2022, 1, 1), dt.date(2023, 12, 31))
        dec = plan.decision(dn, on, days_before=rng.randint(5, 20))
        w = ENTERPRISE_WORDS[(k * 7) % len(ENTERPRISE_WORDS)]
        add(on, partial(ex.new, dn, f"{dn.code}-TN{k:02d}", f"Chi bộ Công ty Cổ phần Tập đoàn {w}",
                        GRASSROOTS_CELL, on, dec, sector=Sector.PRIVATE_ENTERPRISE, tags={"private_g", "new"}))

    # 4. Component committees: ten new ones in coal companies grouping existing cells; two
    # dissolved (their cells report to the company again).
    def group_cells(g: Node, grp: str, cells: list[Node], on: dt.date, dec: DecisionRef, k: int) -> None:
        comp = ex.new(g, f"{g.code}-B{k}", f"Đảng bộ bộ phận {grp}", COMPONENT, on, dec,
                      tags={"component", "coal_component", "new"})
        for c in cells:
            ex.move(c, comp, on, dec)

    candidates = [g for g in coal if not g.used]
    rng.shuffle(candidates)
    made = 0
    for g in candidates:
        if made == QN_COMPONENTS_ESTABLISHED:
            break
        used_groups = g.extra.get("groups_used", set())
        groups: dict[str, list[Node]] = {}
        for c in g.live_children(PARTY_CELL):
            cell_group = c.extra.get("group")
            if cell_group and cell_group not in used_groups and not c.used:
                groups.setdefault(cell_group, []).append(c)
        options = [grp for grp in COMPONENT_GROUPS if len(groups.get(grp, [])) >= 4]
        if not options:
            continue
        grp = options[0]
        g.used = True
        used_groups.add(grp)
        cells = groups[grp]
        for c in cells:
            c.used = True
        on = _day(rng, dt.date(2021, 1, 1), dt.date(2023, 9, 30))
        dec = plan.decision(g, on, days_before=rng.randint(3, 15))
        k = len([c for c in g.children if c.kind == COMPONENT]) + 1
        add(on, partial(group_cells, g, grp, cells, on, dec, k))
        made += 1
    if made != QN_COMPONENTS_ESTABLISHED:
        raise RuntimeError("demo plan: not enough coal companies for the new component committees")
    old_components = [c for c in plan.nodes_with("coal_component") if c.parent and not c.parent.used]
    for comp in rng.sample(old_components, QN_COMPONENTS_DISSOLVED):
        assert comp.parent is not None
        comp.used = comp.parent.used = True
        on = _day(rng, dt.date(2022, 1, 1), dt.date(2023, 9, 30))
        dec = plan.decision(comp.parent, on, days_before=rng.randint(3, 15))
        add(on, partial(ex.dissolve, comp, on, dec, children_to=comp.parent))

    # 5. Party cells: workshops merged and split in the coal companies, new cells elsewhere.
    coal_free = [g for g in coal if not g.used]
    for k in range(30):
        g = coal_free[k % len(coal_free)]
        cells = [c for c in g.live_children(PARTY_CELL) if not c.used and "has_groups" not in c.tags
                 and "Phân xưởng" in c.name]
        if len(cells) < 4:
            continue
        a, b = rng.sample(cells, 2)
        a.used = b.used = True
        on = _day(rng, dt.date(2020, 3, 1), dt.date(2023, 11, 30))
        dec = plan.decision(g, on, days_before=rng.randint(3, 15))
        add(on, partial(ex.merge, [a], on, dec, into=b))
    for k in range(6):
        g = coal_free[-1 - k]
        cells = [c for c in g.live_children(PARTY_CELL) if not c.used and "has_groups" not in c.tags
                 and "Phân xưởng" in c.name]
        c = rng.choice(cells)
        c.used = True
        on = _day(rng, dt.date(2021, 1, 1), dt.date(2023, 11, 30))
        dec = plan.decision(g, on, days_before=rng.randint(3, 15))
        parts = [(f"{c.code}A", f"{c.name}A"), (f"{c.code}B", f"{c.name}B")]
        add(on, partial(ex.split, c, parts, on, dec))
    growing = [g for g in plan.nodes if g.kind == GRASSROOTS_COMMITTEE and "agency_g" in g.tags
               and not g.used and g.alive]
    for k, g in enumerate(rng.sample(growing, 12), start=1):
        on = _day(rng, dt.date(2020, 9, 1), dt.date(2023, 11, 30))
        dec = plan.decision(g, on, days_before=rng.randint(3, 15))
        label = "Chi bộ Bộ phận Chuyển đổi số" if k % 2 else "Chi bộ Bộ phận Một cửa"
        add(on, partial(ex.new, g, f"{g.code}-N{k:02d}", label, PARTY_CELL, on, dec,
                        tags={"agency_cell", "new"}))

    ex.say(f"… {plan.pname}: {len(events)} changes 2020–2023")
    _run(events)

    # 6. Early 2024: divisions cut and enterprises closed, as many as the review reports.
    assert root.org is not None
    now = _counts(root.org, REVIEW_DATE)
    figures = QN_FIGURES[REVIEW_DATE]
    cells_over = now[PARTY_CELL] - figures[PARTY_CELL]
    grassroots_over = now[GRASSROOTS_ORGANIZATION] - figures[GRASSROOTS_ORGANIZATION]
    components_over = now[COMPONENT] - figures[COMPONENT]
    if cells_over < 0 or grassroots_over < 0 or components_over != 0:
        raise RuntimeError(f"demo plan for Quảng Ninh overshot the 2024 figures: {now}")
    late: list[Event] = []
    seq2 = iter(range(10**6))
    agency_committees = [g for g in plan.nodes if g.alive and g.kind == GRASSROOTS_COMMITTEE
                         and ("agency_g" in g.tags) and g.sector in (Sector.AGENCY, Sector.PUBLIC_SERVICE_UNIT)]
    rng.shuffle(agency_committees)
    i = idle = 0
    while cells_over > 0:
        g = agency_committees[i % len(agency_committees)]
        i += 1
        cells = [c for c in g.live_children(PARTY_CELL) if not c.used and not c.children]
        if len(cells) < 4:
            idle += 1
            if idle > len(agency_committees):
                raise RuntimeError("demo plan: no party cells left to dissolve in Quảng Ninh")
            continue
        idle = 0
        c = cells[-1]
        c.used = True
        on = _day(rng, dt.date(2024, 1, 15), dt.date(2024, 6, 1))
        dec = plan.decision(g, on, days_before=rng.randint(3, 15))
        late.append((on, next(seq2), partial(ex.dissolve, c, on, dec)))
        cells_over -= 1
    private = [g for g in plan.nodes_with("private_g") if not g.used and not g.children and "new" not in g.tags]
    for g in rng.sample(private, grassroots_over):
        g.used = True
        on = _day(rng, dt.date(2024, 1, 15), dt.date(2024, 6, 1))
        dec = plan.decision(g.parent, on, days_before=rng.randint(3, 15))
        late.append((on, next(seq2), partial(ex.dissolve, g, on, dec)))
    ex.say(f"… {plan.pname}: {len(late)} changes in 2024")
    _run(late)


def changes_small(ex: Executor) -> None:
    """A few changes 2020–2025 in the other provinces, for the lineage pages."""
    plan, rng = ex.plan, ex.plan.rng
    p = plan.province
    events: list[Event] = []
    seq = iter(range(10**6))

    def add(on: dt.date, fn: Callable[[], object]) -> None:
        events.append((on, next(seq), fn))

    for h in plan.nodes_with("historic"):
        target = plan.by_code[h.extra["merge_into"]]
        on = dt.date(2020, 2, 1)
        dec = plan.decision(h.parent, on, days_before=10)
        target.used = h.used = True
        add(on, partial(ex.merge, [h], on, dec, into=target))
    communes = [c for c in plan.nodes_with("commune") if not c.used and "cam_vinh" not in c.tags
                and not c.code.endswith(KIEN_THIET) and len(c.children) >= 4]
    for c in rng.sample(communes, 3):
        villages = c.live_children(PARTY_CELL)
        a, b = villages[-1], villages[-2]
        a.used = b.used = True
        on = _day(rng, dt.date(2020, 6, 1), dt.date(2023, 12, 31))
        dec = plan.decision(c, on, days_before=7)
        new_name = b.name.rsplit(" ", 1)[0] + " " + rng.choice(["Tân Tiến", "Đoàn Kết", "Hợp Nhất", "Thống Nhất"])

        def merge_and_rename(a: Node = a, b: Node = b, on: dt.date = on, dec: DecisionRef = dec,
                             new_name: str = new_name) -> None:
            ex.merge([a], on, dec, into=b)
            ex.rename(b, new_name, on + dt.timedelta(days=14), dec)

        add(on, merge_and_rename)
    agencies = [g for g in plan.nodes_with("b_CQ") if g.kind == GRASSROOTS_COMMITTEE]
    if len(agencies) >= 2:
        on = _day(rng, dt.date(2021, 1, 1), dt.date(2023, 12, 31))
        dec = plan.decision(agencies[0].parent, on, days_before=10)
        add(on, partial(ex.merge, [agencies[1]], on, dec, into=agencies[0]))
    if p == HA_TINH:
        cam_vinh = plan.by_code[f"{p}-{CAM_VINH}"]
        city = plan.by_code[f"{p}-436"]
        on = dt.date(2025, 1, 1)
        dec = plan.decision(plan.root, on, days_before=20)
        add(on, partial(ex.move, cam_vinh, city, on, dec))
    _run(events)


# --- the whole demo ------------------------------------------------------------------------


@dataclass
class DemoResult:
    built: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    organizations: int = 0
    changes: int = 0
    seconds: float = 0.0


def check_quang_ninh() -> dict[dt.date, dict[str, int]]:
    """Count Quảng Ninh from the records; raise if the seed's figures are not met."""
    root = Organization.objects.get(code=QUANG_NINH)
    out = {}
    for on, expected in QN_FIGURES.items():
        got = _counts(root, on)
        for key, n in expected.items():
            if got[key] != n:
                raise RuntimeError(f"Quảng Ninh on {on}: {key} = {got[key]}, expected {n}")
        out[on] = got
    return out


def build_province(province: str, *, seed: int = SEED, say: Say | None = None) -> Executor:
    say = say or (lambda _m: None)
    rng = random.Random(f"{seed}-{province}")
    name = PROVINCE_NAMES[province]
    say(f"… {name}: planning")
    plan = plan_quang_ninh(rng) if province == QUANG_NINH else plan_small(province, rng)
    ex = Executor(plan, say)
    with transaction.atomic():
        say(f"… {name}: establishing {len(plan.nodes)} organizations (before 2020)")
        ex.establish_all()
        say(f"… {name}: changes since 2020")
        if province == QUANG_NINH:
            changes_quang_ninh(ex)
            check_quang_ninh()
        else:
            changes_small(ex)
    return ex


def build_demo(*, provinces: Sequence[str] = PROVINCES, seed: int = SEED, say: Say | None = None) -> DemoResult:
    """Build the provinces that are not there yet (an organization with the province's code
    marks one as present). Needs the administrative units (`geo_load`)."""
    say = say or (lambda _m: None)
    result = DemoResult()
    started = time.monotonic()
    for province in provinces:
        if Organization.objects.filter(code=province).exists():
            result.present.append(province)
            continue
        ex = build_province(province, seed=seed, say=say)
        result.built.append(province)
        result.organizations += len(ex.plan.nodes)
        result.changes += ex.changes
    result.seconds = time.monotonic() - started
    return result


@dataclass
class DemoLogin:
    username: str
    password: str
    label: str


def ensure_demo_users() -> list[DemoLogin]:
    """The demo sign-ins (created once; passwords reset to the demo ones when they differ)."""
    from chibo.accounts.models import Role, RoleAssignment

    User = get_user_model()
    since = dt.date(2015, 1, 1)
    out: list[DemoLogin] = []

    def user(username: str, full_name: str, **flags: bool) -> Any:
        u, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name, **flags})
        changed = created
        for k, v in flags.items():
            changed = changed or getattr(u, k) != v
            setattr(u, k, v)
        if created or not u.check_password(DEMO_PASSWORDS[username]):
            u.set_password(DEMO_PASSWORDS[username])
            changed = True
        if changed:  # a second run writes nothing
            u.save()
        return u

    def assign(u: Any, role_key: str, org: Organization | None) -> None:
        role = Role.objects.get(key=role_key)
        RoleAssignment.objects.get_or_create(user=u, role=role, org=org, defaults={"valid_from": since})

    admin = user("admin", "Quản trị hệ thống", is_superuser=True, is_staff=True)
    assign(admin, "system_administrator", None)
    out.append(DemoLogin("admin", DEMO_PASSWORDS["admin"], "system administrator"))
    qn = Organization.objects.filter(code=QUANG_NINH).first()
    if qn is not None:
        staff = user("qn-staff", "Nguyễn Thị Thu (Ban Tổ chức Tỉnh ủy Quảng Ninh)")
        assign(staff, "organization_committee_staff", qn)
        out.append(DemoLogin("qn-staff", DEMO_PASSWORDS["qn-staff"], "Organization Committee of Quảng Ninh"))
        cell = Organization.objects.filter(code=SECRETARY_CELL_CODE).first()
        if cell is not None:
            v = cell.latest_version()
            parent = v.parent.latest_version() if v and v.parent else None
            cell_label = f"{v.name if v else cell.code}, {parent.name if parent else ''}".rstrip(", ")
            sec = user("qn-secretary", "Trần Văn Hùng")
            assign(sec, "party_cell_secretary", cell)
            out.append(DemoLogin("qn-secretary", DEMO_PASSWORDS["qn-secretary"], f"secretary of {cell_label}"))
    tq = Organization.objects.filter(code=TUYEN_QUANG).first()
    if tq is not None:
        staff = user("tq-staff", "Hoàng Văn Minh (Ban Tổ chức Tỉnh ủy Tuyên Quang)")
        assign(staff, "organization_committee_staff", tq)
        out.append(DemoLogin("tq-staff", DEMO_PASSWORDS["tq-staff"], "Organization Committee of Tuyên Quang"))
    return out
