"""Deterministic demo members for the demo provinces, on the organization tree that
`chibo.demo.orgs` built: every member's history (admission, recognition, moves between cells,
exemption, leaving the party, death, readmission) since the first cells of each province, written
through the bulk path (`chibo.members.bulk.members_bulk_create`), which validates every record.

Quảng Ninh reproduces the member figures of seed 002 (glossary §2, "002") when counted from the
records by `chibo.members.selectors`: 283 students and 1,061 people working in private enterprises
admitted between 2020-01-01 and 2024-06-30, 770 members who left the party in 2021–2023 (expelled,
removed from the list or allowed to withdraw), and every year's admissions above the province's
target share of the members at the start of the year (a rulebook value, set here for Quảng Ninh).
The build checks them and fails if they are not met.

Whenever a cell stops existing (merged, split, dissolved), its members move to its successor on
that day (the lineage links of the structural change), or else to a cell under the same parent.

Names, dates, identity and card numbers and decisions are invented; the distributions (gender,
ethnic groups, religion, education, sectors) are plausible for each province, not statistics.
The members of a province start with its first cells: Quảng Ninh's in 1964, the other
provinces' in 1992 (their trees begin when the provinces were re-established in 1991).
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from chibo.core.paths import segments, subtree_q
from chibo.members.bulk import EventSpec, MemberRecord, members_bulk_create
from chibo.members.choices import (
    EventType,
    Gender,
    GeneralEducation,
    Occupation,
    ProfessionalLevel,
    Religion,
    TheoryLevel,
)
from chibo.members.services import MEMBER_CELL_KINDS, PersonData
from chibo.members.validation import add_months, full_months
from chibo.orgs.models import EventType as OrgEventType
from chibo.orgs.models import LinkRole, Organization, OrgEventLink, OrgVersion
from chibo.orgs.models import Sector as OrgSector
from chibo.rules.models import Confidence, PolicyParameter

Say = Callable[[str], None]


class _E:
    """Event types as plain strings (the enum members are slow in the generator's loops)."""

    ADMITTED = EventType.ADMITTED.value
    READMITTED = EventType.READMITTED.value
    RECOGNIZED = EventType.RECOGNIZED.value
    EXEMPTED = EventType.EXEMPTED.value
    REMOVED = EventType.REMOVED.value
    EXPELLED = EventType.EXPELLED.value
    WITHDRAWN = EventType.WITHDRAWN.value
    DECEASED = EventType.DECEASED.value


class _O:
    """Occupation sectors as plain strings."""

    AGENCY = Occupation.AGENCY.value
    PUBLIC_SERVICE_UNIT = Occupation.PUBLIC_SERVICE_UNIT.value
    STATE_ENTERPRISE = Occupation.STATE_ENTERPRISE.value
    PRIVATE_ENTERPRISE = Occupation.PRIVATE_ENTERPRISE.value
    STUDENT = Occupation.STUDENT.value
    FARMER = Occupation.FARMER.value
    ARMED_FORCES = Occupation.ARMED_FORCES.value
    POLICE = Occupation.POLICE.value
    RETIRED = Occupation.RETIRED.value
    OTHER = Occupation.OTHER.value


class _G:
    MALE = Gender.MALE.value
    FEMALE = Gender.FEMALE.value


SEED = 2020
QUANG_NINH, TUYEN_QUANG, HA_GIANG, HA_TINH, NGHE_AN = "22", "08", "02", "42", "40"
PROVINCES: tuple[str, ...] = (QUANG_NINH, TUYEN_QUANG, HA_GIANG, HA_TINH, NGHE_AN)
PROVINCE_NAMES = {QUANG_NINH: "Quảng Ninh", TUYEN_QUANG: "Tuyên Quang", HA_GIANG: "Hà Giang", HA_TINH: "Hà Tĩnh",
                  NGHE_AN: "Nghệ An"}

# The histories end here, the day before the 2025 reform (which `chibo demo` applies afterwards
# through `chibo.restructuring`: the members of cells that stop existing move with the plan);
# members admitted in the last twelve months are still probationary.
END = dt.date(2025, 6, 30)

# --- the figures of seed 002 (Quảng Ninh), reproduced from records ---------------------------
ADMITTED_FROM = dt.date(2020, 1, 1)
ADMITTED_TO = dt.date(2024, 6, 30)
QN_STUDENTS = 283
QN_PRIVATE = 1061
LEFT_FROM = dt.date(2021, 1, 1)
LEFT_TO = dt.date(2023, 12, 31)
QN_LEFT = 770
TARGET_KEY = "admission.target_percent_of_members"
QN_TARGET_PERCENT = 3.2
QN_TARGET_SOURCE = "Nghị quyết Đại hội đại biểu Đảng bộ tỉnh Quảng Ninh lần thứ XV"
TARGET_YEARS = (2020, 2021, 2022, 2023)
# Admissions above the target, as a factor of it (the seed: "exceeded every year").
TARGET_MARGIN = 1.1
# Admissions each year by the quota figures (sum = the seed's figures; 2024: January–June).
QN_STUDENTS_BY_YEAR = {2020: 61, 2021: 63, 2022: 64, 2023: 64, 2024: 31}
QN_PRIVATE_BY_YEAR = {2020: 229, 2021: 234, 2022: 238, 2023: 242, 2024: 118}
assert sum(QN_STUDENTS_BY_YEAR.values()) == QN_STUDENTS
assert sum(QN_PRIVATE_BY_YEAR.values()) == QN_PRIVATE
CONSTRAINED = (_O.STUDENT, _O.PRIVATE_ENTERPRISE)

# Members in party on 1 January (before 2020 for Quảng Ninh; the whole period elsewhere):
# the growth curve the admissions follow, linear between the points.
QN_STOCK = [(1965, 0), (1966, 1100), (1970, 5400), (1975, 9700), (1980, 13000), (1986, 15100),
            (1991, 16800), (2000, 20500), (2010, 26500), (2020, 33000)]
SMALL_TOTAL = {TUYEN_QUANG: 4500, HA_GIANG: 4000, HA_TINH: 6500, NGHE_AN: 11500}
SMALL_SHAPE = [(1992, 0.0), (1996, 0.35), (2000, 0.5), (2010, 0.72), (2020, 0.9), (2026, 1.0)]

CAPITAL_DISTRICT = {QUANG_NINH: "193", TUYEN_QUANG: "070", HA_GIANG: "024", HA_TINH: "436", NGHE_AN: "412"}
HIGHLAND_DISTRICTS = {
    QUANG_NINH: {"198", "202", "199", "200", "201"},
    TUYEN_QUANG: {"071", "072", "073"},
    # the stone plateau (Đồng Văn, Mèo Vạc, Yên Minh, Quản Bạ) and Hoàng Su Phì, Xín Mần
    HA_GIANG: {"026", "027", "028", "029", "032", "033"},
    HA_TINH: {"439", "444"},
    NGHE_AN: {"415", "416", "417", "418", "420", "422"},
}
# Where members born outside the province come from (identity-number province codes).
BORN_ELSEWHERE = {
    QUANG_NINH: ["030", "031", "034", "036", "001", "024", "033"],
    TUYEN_QUANG: ["002", "025", "015", "019", "001"],
    HA_GIANG: ["008", "010", "015", "004", "001"],
    HA_TINH: ["040", "044", "001"],
    NGHE_AN: ["042", "038", "001"],
}

# --- people -------------------------------------------------------------------------------

KINH, TAY, THAI, MUONG, HOA, NUNG, MONG, DAO, SAN_CHAY, SAN_DIU, KHO_MU = (
    "01", "02", "03", "04", "06", "07", "08", "09", "15", "18", "29")
GIAY, LA_CHI, PHU_LA, LO_LO, PA_THEN, BO_Y = "25", "38", "40", "43", "46", "49"
# (lowland, highland) ethnic mix of party members
ETHNIC_MIX: dict[str, tuple[list[tuple[str, float]], list[tuple[str, float]]]] = {
    QUANG_NINH: ([(KINH, 95.5), (TAY, 1.0), (DAO, 0.8), (SAN_DIU, 1.6), (HOA, 0.5), (SAN_CHAY, 0.4), (NUNG, 0.2)],
                 [(KINH, 55), (TAY, 14), (DAO, 15), (SAN_CHAY, 8), (SAN_DIU, 4), (HOA, 2), (NUNG, 2)]),
    TUYEN_QUANG: ([(KINH, 48), (TAY, 30), (DAO, 10), (SAN_CHAY, 7), (MONG, 2), (NUNG, 2), (SAN_DIU, 1)],
                  [(TAY, 45), (DAO, 20), (KINH, 18), (MONG, 8), (SAN_CHAY, 6), (NUNG, 3)]),
    # about Mông 32%, Tày 23%, Dao 15%, Kinh 13%, Nùng 10% and others over the province
    HA_GIANG: ([(TAY, 38), (KINH, 23), (DAO, 16), (NUNG, 10), (MONG, 10), (GIAY, 1), (PA_THEN, 1), (LA_CHI, 1)],
               [(MONG, 50), (DAO, 14), (TAY, 10), (NUNG, 10), (KINH, 5), (GIAY, 4), (LA_CHI, 2), (LO_LO, 2),
                (PA_THEN, 1), (PHU_LA, 1), (BO_Y, 1)]),
    HA_TINH: ([(KINH, 99.8), (MUONG, 0.1), (THAI, 0.1)], [(KINH, 98.5), (MUONG, 0.8), (THAI, 0.7)]),
    NGHE_AN: ([(KINH, 96.5), (THAI, 3.0), (MUONG, 0.5)],
              [(THAI, 45), (KINH, 30), (KHO_MU, 12), (MONG, 10), (MUONG, 3)]),
}
RELIGION_MIX: dict[str, list[tuple[str, float]]] = {
    QUANG_NINH: [(Religion.NONE.value, 95), (Religion.BUDDHISM.value, 3.5), (Religion.CATHOLICISM.value, 1.3), (Religion.PROTESTANTISM.value, 0.2)],
    TUYEN_QUANG: [(Religion.NONE.value, 96.5), (Religion.BUDDHISM.value, 2.2), (Religion.PROTESTANTISM.value, 0.8), (Religion.CATHOLICISM.value, 0.5)],
    HA_GIANG: [(Religion.NONE.value, 97), (Religion.BUDDHISM.value, 1.3), (Religion.PROTESTANTISM.value, 1.2), (Religion.CATHOLICISM.value, 0.5)],
    HA_TINH: [(Religion.NONE.value, 93), (Religion.CATHOLICISM.value, 4.5), (Religion.BUDDHISM.value, 2.5)],
    NGHE_AN: [(Religion.NONE.value, 94), (Religion.CATHOLICISM.value, 3.5), (Religion.BUDDHISM.value, 2.3), (Religion.PROTESTANTISM.value, 0.2)],
}

KINH_FAMILY = [("Nguyễn", 31), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4), ("Phan", 4),
               ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Đinh", 0.8),
               ("Đào", 0.7), ("Trịnh", 0.6), ("Lý", 0.5), ("Mai", 0.5), ("Đoàn", 0.5), ("Hà", 0.5),
               ("Lương", 0.4), ("Cao", 0.4), ("Tạ", 0.3), ("Phùng", 0.3), ("Tô", 0.3), ("Lâm", 0.3),
               ("Chu", 0.3), ("Thái", 0.3), ("Vương", 0.2), ("Kiều", 0.2), ("Nghiêm", 0.2), ("Võ", 0.3)]
CENTRAL_FAMILY = [("Nguyễn", 30), ("Trần", 10), ("Lê", 10), ("Phan", 7), ("Hồ", 5), ("Võ", 5), ("Hoàng", 4),
                  ("Đặng", 3), ("Thái", 2), ("Đinh", 2), ("Bùi", 1.5), ("Phạm", 3), ("Dương", 1.5), ("Cao", 1),
                  ("Đậu", 1), ("Chu", 1), ("Tăng", 0.5), ("Lưu", 0.5), ("Kiều", 0.3), ("Mai", 0.5)]
ETHNIC_FAMILY = {
    TAY: ["Hoàng", "Nông", "Ma", "Lục", "Hà", "Lý", "Lương", "Triệu", "Đàm", "Chu", "Quan", "Bế", "Lăng"],
    DAO: ["Bàn", "Triệu", "Đặng", "Lý", "Chảo", "Phùng", "Tằng", "Dương"],
    SAN_DIU: ["Diệp", "Lưu", "Trương", "Dương", "Lam", "Tạ", "Hoàng"],
    HOA: ["Lưu", "Trương", "Lý", "Hoàng", "Vương", "Lâm", "Quách", "Chúc"],
    SAN_CHAY: ["Nịnh", "Lâm", "La", "Hoàng", "Lý", "Đặng", "Lục"],
    NUNG: ["Nông", "Hoàng", "Lương", "Lăng", "Mã", "Chu"],
    MONG: ["Giàng", "Sùng", "Vàng", "Thào", "Lý", "Hầu", "Mùa", "Lầu"],
    THAI: ["Lò", "Lương", "Vi", "Sầm", "Lang", "Cầm", "Lữ", "Hà", "Quang"],
    KHO_MU: ["Moong", "Xồng", "Lô", "Vi", "Cụt"],
    MUONG: ["Bùi", "Đinh", "Quách", "Hà", "Trương"],
    GIAY: ["Sầm", "Vương", "Lục", "Hoàng", "Lù", "Vần"],
    LA_CHI: ["Vương", "Ly", "Lù", "Cháng", "Hoàng"],
    LO_LO: ["Lò", "Sình", "Vàng", "Lử", "Sáng"],
    PA_THEN: ["Hoàng", "Lù", "Sìn", "Phàn"],
}
MALE_MIDDLE = [("Văn", 40), ("Đức", 9), ("Minh", 8), ("Quang", 6), ("Hữu", 6), ("Xuân", 5), ("Ngọc", 4),
               ("Thanh", 5), ("Công", 4), ("Đình", 5), ("Mạnh", 3), ("Tiến", 3), ("Trọng", 4), ("Duy", 3),
               ("Anh", 3), ("Hoàng", 2), ("Việt", 2)]
FEMALE_MIDDLE = [("Thị", 60), ("Thu", 6), ("Ngọc", 5), ("Thanh", 5), ("Minh", 3), ("Hồng", 4), ("Phương", 3),
                 ("Kim", 3), ("Thùy", 3), ("Khánh", 2), ("Bích", 2), ("Hải", 2)]
MALE_GIVEN = ["Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Long", "Nam", "Thắng", "Cường", "Quân", "Sơn", "Trung",
              "Hiếu", "Tùng", "Thành", "Hưng", "Phong", "Bình", "Đức", "Huy", "Khánh", "Lâm", "Vinh", "Toàn",
              "Thịnh", "Tâm", "Phúc", "Kiên", "Hoàng", "Tiến", "Mạnh", "Đạt", "Lợi", "Chiến", "Tài", "Quang",
              "Việt", "Anh", "Duy", "Nghĩa", "Tú", "Trường", "An", "Hòa", "Lực", "Thanh", "Hậu", "Toản", "Dương",
              "Khoa", "Lộc", "Sang", "Thái", "Thuận", "Vũ", "Hiệp", "Công", "Định", "Bảo", "Đông"]
FEMALE_GIVEN = ["Lan", "Hương", "Hoa", "Mai", "Hạnh", "Hằng", "Thu", "Trang", "Linh", "Ngọc", "Nga", "Huyền",
                "Thảo", "Phương", "Yến", "Oanh", "Dung", "Liên", "Hiền", "Nhung", "Thúy", "Vân", "Hà", "Loan",
                "Tuyết", "Thủy", "Hồng", "Anh", "Giang", "Quỳnh", "Nhàn", "Lý", "Chi", "Ngân", "My", "Duyên",
                "Nhi", "Thơm", "Xuân", "Bích", "Hòa", "Thanh", "Huệ", "Lệ", "Lụa", "Sen", "Tâm", "Vy"]
MONG_MALE = ["Páo", "Chứ", "Dính", "Sáng", "Pó", "Chơ", "Tủa", "Lử", "Súa", "Khua"]
MONG_FEMALE = ["Mỷ", "Dợ", "Chá", "Xúa", "Mai", "Pà", "Sua", "Dua"]
DAO_MALE = ["Páo", "Quẩy", "Sinh", "Phù", "Chòi", "Liều", "Hin", "Vần", "Kiềm", "Tòn"]
KHO_MU_MALE = ["Pó", "Xăm", "Khăm", "Bun", "Xay", "Thoong"]

REMOVAL_REASONS = [
    "Bỏ sinh hoạt đảng 3 tháng trong năm không có lý do chính đáng",
    "Không đóng đảng phí 3 tháng trong năm không có lý do chính đáng",
    "Giảm sút ý chí phấn đấu, không thực hiện nhiệm vụ đảng viên",
    "Vi phạm tư cách đảng viên 2 năm liền",
    "Tự ý trả thẻ đảng viên",
]
PROBATION_FAILED = "Không đủ tư cách đảng viên chính thức khi hết thời gian dự bị"
EXPULSION_REASONS = [
    "Vi phạm pháp luật, bị truy cứu trách nhiệm hình sự",
    "Vi phạm những điều đảng viên không được làm, gây hậu quả rất nghiêm trọng",
    "Lợi dụng chức vụ, quyền hạn trong khi thi hành công vụ",
    "Tham ô tài sản",
    "Vi phạm quy định về quản lý đất đai, gây hậu quả nghiêm trọng",
]
WITHDRAWAL_REASONS = [
    "Xin ra khỏi Đảng vì hoàn cảnh gia đình khó khăn",
    "Xin ra khỏi Đảng vì lý do sức khỏe",
    "Xin ra khỏi Đảng vì đi làm ăn xa",
]
EXEMPTION_REASON = "Tuổi cao, sức khỏe yếu"
DECEASED_REASON = "Từ trần"

# --- cell profiles --------------------------------------------------------------------------

VILLAGE, RESIDENTIAL, AGENCY, PSU, SCHOOL, HIGHSCHOOL, UNIVERSITY, ARMY, POLICE, STATE, PRIVATE = (
    "village", "residential", "agency", "psu", "school", "highschool", "university", "army", "police",
    "state", "private")
HOME = (VILLAGE, RESIDENTIAL)
# where graduates go to work (private enterprises from 1995)
WORK_MIX = {ok: [(AGENCY, 3), (PSU, 2), (SCHOOL, 1.5), (STATE, 2), (PRIVATE, 2 if ok else 0), (POLICE, 0.7),
                 (ARMY, 0.5)] for ok in (False, True)}
WORK = (AGENCY, PSU, SCHOOL, STATE, PRIVATE, POLICE, ARMY)
# relative number of admissions per cell
WEIGHT = {VILLAGE: 2.0, RESIDENTIAL: 1.8, AGENCY: 1.3, PSU: 1.2, SCHOOL: 1.0, HIGHSCHOOL: 1.0,
          UNIVERSITY: 2.0, ARMY: 1.5, POLICE: 1.2, STATE: 1.0, PRIVATE: 1.2}
# the size a cell tends to (admissions go less and less to cells that have it)
SIZE = {VILLAGE: 14, RESIDENTIAL: 14, AGENCY: 7, PSU: 7, SCHOOL: 6, HIGHSCHOOL: 7, UNIVERSITY: 14, ARMY: 6,
        POLICE: 7, STATE: 7, PRIVATE: 16}
STAFF_OCCUPATION = {AGENCY: _O.AGENCY, PSU: _O.PUBLIC_SERVICE_UNIT,
                    SCHOOL: _O.PUBLIC_SERVICE_UNIT, HIGHSCHOOL: _O.PUBLIC_SERVICE_UNIT,
                    UNIVERSITY: _O.PUBLIC_SERVICE_UNIT, ARMY: _O.ARMED_FORCES,
                    POLICE: _O.POLICE, STATE: _O.STATE_ENTERPRISE,
                    PRIVATE: _O.PRIVATE_ENTERPRISE}
# share of women among those admitted (multiplied by an era factor)
FEMALE = {VILLAGE: 0.33, RESIDENTIAL: 0.40, AGENCY: 0.45, PSU: 0.60, SCHOOL: 0.75, HIGHSCHOOL: 0.62,
          UNIVERSITY: 0.62, ARMY: 0.05, POLICE: 0.13, STATE: 0.18, PRIVATE: 0.40}
# age at the ceremony: (low, high, mode)
AGES = {VILLAGE: (18.5, 58, 27), RESIDENTIAL: (19, 58, 30), AGENCY: (23, 50, 29), PSU: (22, 50, 28),
        SCHOOL: (22, 50, 28), HIGHSCHOOL: (23, 50, 29), UNIVERSITY: (24, 55, 31), ARMY: (18.5, 35, 21),
        POLICE: (20, 40, 25), STATE: (20, 50, 27), PRIVATE: (22, 50, 29)}
PSU_WORDS = ("Bệnh viện", "Trung tâm", "Ban Quản lý dự án", "Báo ", "Trường Chính trị")
UNIVERSITY_WORDS = ("Trường Đại học", "Trường Cao đẳng")
HIGHSCHOOL_WORDS = ("Trường THPT", "Giáo dục nghề nghiệp")


_PICK: dict[int, tuple[Sequence[tuple[Any, float]], list[Any], list[float]]] = {}


def _pick(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    """A value of a (value, weight) table (tables are constants: their sums are kept)."""
    cached = _PICK.get(id(table))
    if cached is None or cached[0] is not table:
        values, cum, total = [], [], 0.0
        for value, w in table:
            total += w
            values.append(value)
            cum.append(total)
        cached = _PICK[id(table)] = (table, values, cum)
    _table, values, cum = cached
    return values[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(values) - 1)]


def _days(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A day in [lo, hi]."""
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def _years(d: dt.date, years: float) -> dt.date:
    return d + dt.timedelta(days=round(years * 365.25))


def _jan1_on_or_after(d: dt.date) -> int:
    return d.year if (d.month, d.day) == (1, 1) else d.year + 1


# --- the tree of a province ---------------------------------------------------------------


@dataclass
class _Cell:
    id: int
    code: str
    name: str
    profile: str
    unit_id: int | None
    locality: int  # the district or bloc committee it was first under
    runs: list[tuple[dt.date, dt.date | None]]
    end_parent: dict[dt.date, int | None] = field(default_factory=dict)

    def alive(self, on: dt.date) -> bool:
        return any(s <= on and (e is None or on < e) for s, e in self.runs)

    def run_end(self, on: dt.date) -> dt.date | None:
        for s, e in self.runs:
            if s <= on and (e is None or on < e):
                return e
        raise ValueError(f"cell {self.code} does not exist on {on}")

    def overlap(self, lo: dt.date, hi: dt.date) -> list[tuple[dt.date, dt.date]]:
        """The parts of [lo, hi] (inclusive) when the cell exists."""
        out = []
        for s, e in self.runs:
            a, b = max(lo, s), hi if e is None else min(hi, e - dt.timedelta(days=1))
            if a <= b:
                out.append((a, b))
        return out


class _Tree:
    """The cells of one province with their lifetimes, places and successors."""

    def __init__(self, province: str) -> None:
        self.province = province
        root = Organization.objects.get(code=province)
        root_version = root.versions.order_by("valid_from").first()
        assert root_version is not None
        self.root_id = root.pk
        rows = list(OrgVersion.objects.filter(subtree_q(root_version.path))
                    .order_by("org_id", "valid_from")
                    .values_list("org_id", "valid_from", "valid_to", "kind__key", "parent_id", "path", "name"))
        orgs = {o[0]: o for o in Organization.objects.filter(pk__in={r[0] for r in rows})
                .values_list("id", "code", "sector", "admin_unit_id")}
        self.versions: dict[int, list[tuple[dt.date, dt.date | None, str, int | None, str, str]]] = defaultdict(list)
        self.by_parent: dict[int | None, list[tuple[int, dt.date, dt.date | None, str]]] = defaultdict(list)
        for org_id, start, end, kind, parent_id, path, name in rows:
            self.versions[org_id].append((start, end, kind, parent_id, path, name))
            self.by_parent[parent_id].append((org_id, start, end, kind))
        self.name = {org_id: vs[-1][5] for org_id, vs in self.versions.items()}
        self.code = {org_id: orgs[org_id][1] for org_id in self.versions}
        self.unit = {org_id: orgs[org_id][3] for org_id in self.versions}
        self.cells: dict[int, _Cell] = {}
        for org_id, vs in self.versions.items():
            runs: list[tuple[dt.date, dt.date | None]] = []
            end_parent: dict[dt.date, int | None] = {}
            for v_from, v_to, v_kind, v_parent, _path, _name in vs:
                if v_kind not in MEMBER_CELL_KINDS:
                    continue
                if runs and runs[-1][1] == v_from:
                    runs[-1] = (runs[-1][0], v_to)
                else:
                    runs.append((v_from, v_to))
                if v_to is not None:
                    end_parent[v_to] = v_parent
            if not runs:
                continue
            first_path = next(v[4] for v in vs if v[2] in MEMBER_CELL_KINDS)
            segs = segments(first_path)
            ancestors = segments(vs[-1][4]) + segs
            names = " | ".join(self.name.get(a, "") for a in dict.fromkeys(ancestors))
            self.cells[org_id] = _Cell(
                id=org_id, code=orgs[org_id][1], name=self.name[org_id],
                profile=self._profile(orgs[org_id][2], names), unit_id=orgs[org_id][3],
                locality=segs[1] if len(segs) > 1 else segs[0], runs=runs, end_parent=end_parent,
            )
        self.issuers: dict[int, tuple[str, str]] = {}
        self.locality_code = {loc: self.code.get(loc, "") for loc in {c.locality for c in self.cells.values()}}
        self.pool: dict[str, list[int]] = defaultdict(list)
        self.home_by_locality: dict[int, list[int]] = defaultdict(list)
        for cell in self.cells.values():
            self.pool[cell.profile].append(cell.id)
            if cell.profile in HOME:
                self.home_by_locality[cell.locality].append(cell.id)
        self.homes = self.pool[VILLAGE] + self.pool[RESIDENTIAL]
        capital = f"{province}-{CAPITAL_DISTRICT[province]}"
        self.capital = next((loc for loc, code in self.locality_code.items() if code == capital), None)
        self.highland = {loc for loc, code in self.locality_code.items()
                         if code.split("-")[-1] in HIGHLAND_DISTRICTS[province]}
        # structural changes that end organizations: event -> (on, predecessors, successors)
        self.ending: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
        links = (OrgEventLink.objects.filter(org_id__in=list(self.versions),
                                             event__type__in=[OrgEventType.MERGE, OrgEventType.SPLIT,
                                                              OrgEventType.DISSOLVE])
                 .order_by("event_id", "id").values_list("event_id", "event__on", "org_id", "role"))
        events: dict[int, tuple[dt.date, list[int], list[int]]] = {}
        for event_id, on, org_id, role in links:
            ev = events.setdefault(event_id, (on, [], []))
            (ev[2] if role == LinkRole.SUCCESSOR else ev[1]).append(org_id)
        for on, before, after in events.values():
            for org_id in before:
                self.ending[(org_id, on)].extend(a for a in after if a not in self.ending[(org_id, on)])

    @staticmethod
    def _profile(sector: str, names: str) -> str:
        if sector == OrgSector.VILLAGE:
            return VILLAGE
        if sector in (OrgSector.RESIDENTIAL_GROUP, OrgSector.COMMUNE, OrgSector.OTHER):
            return RESIDENTIAL
        if any(w in names for w in UNIVERSITY_WORDS):
            return UNIVERSITY
        if sector == OrgSector.SCHOOL:
            return HIGHSCHOOL if any(w in names for w in HIGHSCHOOL_WORDS) else SCHOOL
        if sector == OrgSector.ARMED_FORCES:
            return ARMY
        if sector == OrgSector.POLICE:
            return POLICE
        if sector == OrgSector.STATE_ENTERPRISE:
            return STATE
        if sector == OrgSector.PRIVATE_ENTERPRISE:
            return PRIVATE
        if sector == OrgSector.PUBLIC_SERVICE_UNIT or any(w in names for w in PSU_WORDS):
            return PSU
        return AGENCY

    # choosing cells
    def pick(self, rng: random.Random, ids: Sequence[int], on: dt.date, exclude: int | None = None) -> int | None:
        if not ids:
            return None
        for _ in range(12):
            c = ids[rng.randrange(len(ids))]
            if c != exclude and self.cells[c].alive(on):
                return c
        alive = [c for c in ids if c != exclude and self.cells[c].alive(on)]
        return rng.choice(alive) if alive else None

    def home(self, rng: random.Random, locality: int | None, on: dt.date, exclude: int | None = None) -> int | None:
        """A village or residential cell of the locality (else of the capital, or anywhere)."""
        if locality is not None and locality in self.home_by_locality:
            found = self.pick(rng, self.home_by_locality[locality], on, exclude)
            if found is not None:
                return found
        if self.capital is not None and rng.random() < 0.5:
            found = self.pick(rng, self.home_by_locality[self.capital], on, exclude)
            if found is not None:
                return found
        return self.pick(rng, self.homes, on, exclude)

    def _alive_children(self, parent: int | None, on: dt.date) -> list[int]:
        return [org for org, s, e, kind in self.by_parent.get(parent, [])
                if kind in MEMBER_CELL_KINDS and s <= on and (e is None or on < e)]

    def successor(self, rng: random.Random, cell_id: int, on: dt.date) -> int:
        """Where the members of a cell that stops existing on `on` go: a successor cell of the
        structural change, else a cell under the same parent (the same kind of cell first)."""
        cell = self.cells[cell_id]
        after = [c for c in self.ending.get((cell_id, on), []) if c in self.cells and self.cells[c].alive(on)]
        if after:
            return after[rng.randrange(len(after))]
        parent = cell.end_parent.get(on)
        while True:
            siblings = [c for c in self._alive_children(parent, on) if c != cell_id]
            same = [c for c in siblings if self.cells[c].profile == cell.profile]
            if same or siblings:
                pool = same or siblings
                return pool[rng.randrange(len(pool))]
            if parent is None:
                break
            # anywhere under the parent, else one level up
            path = next((v[4] for v in self.versions[parent] if v[0] <= on and (v[1] is None or on < v[1])),
                        self.versions[parent][-1][4])
            under = [c for c, cl in self.cells.items() if c != cell_id and cl.alive(on)
                     and any(v[4].startswith(path) for v in self.versions[c] if v[0] <= on and (v[1] is None or on < v[1]))]
            if under:
                return under[rng.randrange(len(under))]
            segs = segments(path)
            parent = segs[-2] if len(segs) > 1 else None
        found = self.home(rng, cell.locality, on, exclude=cell_id)
        if found is None:
            raise RuntimeError(f"no cell for the members of {cell.code} on {on}")
        return found


# --- one member's life --------------------------------------------------------------------


@dataclass
class _Life:
    gender: str
    birth: dt.date
    ethnicity: str
    religion: str
    occupation: str  # when admitted
    profile: str
    cell: int
    ceremony: dt.date
    events: list[tuple[dt.date, str, int | None, str]] = field(default_factory=list)  # (on, type, cell, reason)
    moves: list[tuple[dt.date, int]] = field(default_factory=list)
    occupations: list[tuple[dt.date, str]] = field(default_factory=list)  # later changes
    in_party: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    hometown: int | None = None
    birthplace: int | None = None
    death: dt.date | None = None

    def occupation_on(self, on: dt.date | None = None) -> str:
        occ = self.occupation
        for d, o in self.occupations:
            if on is None or d < on:
                occ = o
        return occ

    def status_on(self, on: dt.date) -> str | None:
        status: str | None = None
        for d, kind, _cell, _reason in self.events:
            if d > on:
                break
            status = STATUS_LETTER.get(kind, "left")
        return status

    def cell_on(self, on: dt.date) -> int | None:
        """The cell on `on` (a move on that day counts after the day's events, as in bulk)."""
        timeline = [(d, 0, c) for d, _kind, c, _reason in self.events if c is not None]
        timeline += [(d, 1, c) for d, c in self.moves]
        cell = None
        for d, _order, c in sorted(timeline):
            if d > on:
                break
            cell = c
        return cell


STATUS_LETTER: dict[str, str] = {_E.ADMITTED: "p", _E.READMITTED: "p", _E.RECOGNIZED: "o",
                                 _E.EXEMPTED: "x"}


class _Generator:
    def __init__(self, province: str, tree: _Tree, rng: random.Random, probation: Callable[[dt.date], int],
                 target_percent: Callable[[dt.date], float] | None) -> None:
        self.p = province
        self.tree = tree
        self.rng = rng
        self.probation = probation
        self.target_percent = target_percent
        self.lives: list[_Life] = []
        self.diff: dict[int, int] = defaultdict(int)  # in-party members on 1 January: differences by year
        self.is_qn = province == QUANG_NINH
        self.lists: dict[str, tuple[list[int], list[float]]] = {}
        # who is in each cell when: (from, until) of every affiliation generated so far
        self.occupants: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        self.pruned: dict[int, int] = {}

    def occupancy(self, cell_id: int, on: dt.date) -> int:
        """Members in the cell on `on` (admissions go in date order, year by year: affiliations
        ended before the year are dropped)."""
        spans = self.occupants.get(cell_id)
        if not spans:
            return 0
        if self.pruned.get(cell_id) != on.year:
            year_start = dt.date(on.year, 1, 1)
            spans[:] = [sp for sp in spans if sp[1] is None or sp[1] > year_start]
            self.pruned[cell_id] = on.year
        return sum(1 for a, b in spans if a <= on and (b is None or on < b))

    def _occupy(self, cell_id: int, start: dt.date, moves: list[tuple[dt.date, int]], end: dt.date | None) -> None:
        cur, t = cell_id, start
        for d, c in moves:
            self.occupants[cur].append((t, d))
            cur, t = c, d
        self.occupants[cur].append((t, end))

    # stock of members
    def _interval(self, start: dt.date, end: dt.date | None) -> None:
        self.diff[_jan1_on_or_after(start)] += 1
        if end is not None:
            self.diff[_jan1_on_or_after(end)] -= 1

    def stock(self, year: int) -> int:
        return sum(n for y, n in self.diff.items() if y <= year)

    def _target_stock(self, year: int) -> float:
        if self.is_qn:
            points = [(y, float(n)) for y, n in QN_STOCK]
        else:
            points = [(y, f * SMALL_TOTAL[self.p]) for y, f in SMALL_SHAPE]
        if year <= points[0][0]:
            return points[0][1]
        for (y0, v0), (y1, v1) in zip(points, points[1:], strict=False):
            if y0 <= year <= y1:
                return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
        return points[-1][1]

    # the window rules of seed 002
    def _in_window(self, on: dt.date) -> bool:
        return self.is_qn and ADMITTED_FROM <= on <= ADMITTED_TO

    def _in_left_window(self, on: dt.date) -> bool:
        return self.is_qn and LEFT_FROM <= on <= LEFT_TO

    def run(self, say: Say) -> None:
        first = min(s for c in self.tree.cells.values() for s, _e in c.runs)
        self.lists = self._lists()
        for year in range(first.year, END.year + 1):
            stock = self.stock(year)
            if self.is_qn and year >= ADMITTED_FROM.year:
                rate = TARGET_MARGIN * self._percent(dt.date(year, 1, 1)) / 100
                n = math.ceil(rate * stock)
            else:
                n = max(0, round(self._target_stock(year + 1) - self.stock(year + 1)))
                n = max(n, math.ceil(0.01 * stock))
            if year == END.year:
                n = round(n * ((END - dt.date(year, 1, 1)).days + 1) / 365)
            self._admit_year(year, n)
            if year % 10 == 0:
                say(f"… members: {PROVINCE_NAMES[self.p]}: {year}, {len(self.lives)} records")

    def _percent(self, on: dt.date) -> float:
        assert self.target_percent is not None
        return self.target_percent(on)

    def _lists(self) -> dict[str, tuple[list[int], list[float]]]:
        """Cells with cumulative weights: all of them, all but private enterprises, private
        enterprises only, and the schools that admit students (who exists when: by rejection)."""
        lists: dict[str, tuple[list[int], list[float]]] = {k: ([], []) for k in ("all", "restricted", "private",
                                                                                 "student")}
        totals = dict.fromkeys(lists, 0.0)

        def add(name: str, cell_id: int, w: float) -> None:
            totals[name] += w
            lists[name][0].append(cell_id)
            lists[name][1].append(totals[name])

        for cell in self.tree.cells.values():
            w = WEIGHT[cell.profile]
            add("all", cell.id, w)
            if cell.profile == PRIVATE:
                add("private", cell.id, w)
                continue
            add("restricted", cell.id, w)
            if cell.profile in (UNIVERSITY, HIGHSCHOOL):
                add("student", cell.id, 3.0 if cell.profile == UNIVERSITY else 0.35)
        return lists

    def _choose(self, name: str, lo: dt.date, hi: dt.date) -> tuple[int, dt.date] | None:
        """A cell (by weight) that exists at some time in [lo, hi], and a day then."""
        ids, cum = self.lists[name]
        if not ids:
            return None
        era = min(1.0, max(0.0, (lo.year - 1990) / 15))  # private enterprises after Đổi Mới
        rng = self.rng
        for _ in range(2000):
            i = bisect.bisect_left(cum, rng.random() * cum[-1])
            cell = self.tree.cells[ids[min(i, len(ids) - 1)]]
            if cell.profile == PRIVATE and name != "private" and rng.random() >= era:
                continue
            if lo == hi:
                if not cell.alive(lo):
                    continue
                day = lo
            else:
                parts = cell.overlap(lo, hi)
                if not parts:
                    continue
                a, b = parts[rng.randrange(len(parts))]
                day = _days(rng, a, b)
            if rng.random() > max(0.03, 1 - self.occupancy(cell.id, day) / SIZE[cell.profile]):
                continue
            return cell.id, day
        return None

    def _admit_year(self, year: int, n: int) -> None:
        lo, hi = dt.date(year, 1, 1), min(dt.date(year, 12, 31), END)
        slots: list[str] = []
        if self.is_qn and year in QN_STUDENTS_BY_YEAR:
            slots += ["student"] * QN_STUDENTS_BY_YEAR[year] + ["private"] * QN_PRIVATE_BY_YEAR[year]
        slots += ["general"] * max(0, n - len(slots))
        for slot in slots:
            if slot == "general":
                day = _days(self.rng, lo, hi)
                restricted = self._in_window(day)
                got = self._choose("restricted" if restricted else "all", day, day)
                if got is None:
                    continue
                cell_id, day = got
                occ = self._occupation(self.tree.cells[cell_id].profile, day, restricted)
            else:
                got = self._choose(slot, lo, min(hi, ADMITTED_TO))
                if got is None:
                    raise RuntimeError(f"no {slot} cell in Quảng Ninh in {year}")
                cell_id, day = got
                occ = _O.STUDENT if slot == "student" else _O.PRIVATE_ENTERPRISE
            self._life(cell_id, day, occ)

    def _occupation(self, profile: str, on: dt.date, restricted: bool) -> str:
        r = self.rng.random()
        if profile == VILLAGE:
            return _O.FARMER if r < 0.8 else _O.OTHER
        if profile == RESIDENTIAL:
            if r < 0.1 and on.year >= 1995 and not restricted:
                return _O.PRIVATE_ENTERPRISE
            return _O.OTHER if r < 0.92 else _O.FARMER
        if profile == UNIVERSITY and r < 0.45 and not restricted:
            return _O.STUDENT
        if profile == HIGHSCHOOL and r < 0.1 and not restricted:
            return _O.STUDENT
        return STAFF_OCCUPATION[profile]

    # --- a life ----------------------------------------------------------------------------
    def _person(self, cell: _Cell, occ: str, ceremony: dt.date) -> tuple[str, dt.date]:
        rng = self.rng
        era = 0.75 if ceremony.year < 1980 else (0.95 if ceremony.year < 2000 else 1.05)
        female = FEMALE[cell.profile] if occ != _O.STUDENT else 0.6
        gender = _G.FEMALE if rng.random() < min(0.9, female * era) else _G.MALE
        if occ == _O.STUDENT:
            low, high, mode = (18.2, 18.9, 18.4) if cell.profile == HIGHSCHOOL else (18.6, 23.5, 20.5)
        else:
            low, high, mode = AGES[cell.profile]
        age = rng.triangular(low, high, mode)
        birth = ceremony - dt.timedelta(days=round(age * 365.25))
        decision = ceremony - dt.timedelta(days=40)
        while full_months(birth, decision) < 216:
            birth -= dt.timedelta(days=31)
        while full_months(birth, ceremony) > 719:
            birth += dt.timedelta(days=31)
        return gender, birth

    def _death(self, gender: str, birth: dt.date, since: dt.date) -> dt.date:
        """A Gompertz lifetime, given survival to `since`."""
        modal, b = (77.0, 0.095) if gender == _G.MALE else (83.0, 0.1)
        x0 = (since - birth).days / 365.25
        u = 1.0 - self.rng.random()
        age = modal + math.log(math.exp(b * (x0 - modal)) - math.log(u)) / b
        return max(since + dt.timedelta(days=60), _years(birth, age))

    def _life(self, cell_id: int, ceremony: dt.date, occ: str) -> None:
        rng, tree = self.rng, self.tree
        cell = tree.cells[cell_id]
        gender, birth = self._person(cell, occ, ceremony)
        mix = ETHNIC_MIX[self.p][1 if cell.locality in tree.highland else 0]
        life = _Life(gender=gender, birth=birth, ethnicity=_pick(rng, mix), religion=_pick(rng, RELIGION_MIX[self.p]),
                     occupation=occ, profile=cell.profile, cell=cell_id, ceremony=ceremony)
        life.death = self._death(gender, birth, ceremony)
        if cell.profile in HOME or rng.random() < 0.5:
            life.hometown = cell.unit_id
            life.birthplace = cell.unit_id if rng.random() < 0.7 else None
        stop = min(life.death, END + dt.timedelta(days=1))
        events = life.events
        events.append((ceremony, _E.ADMITTED, cell_id, ""))
        official = add_months(ceremony, self.probation(ceremony))
        leave: tuple[dt.date, str, str] | None = None
        if official < stop:
            if rng.random() < 0.012:
                on = min(official + dt.timedelta(days=rng.randint(0, 60)), stop - dt.timedelta(days=1))
                if not self._in_left_window(on):
                    leave = (on, _E.REMOVED, PROBATION_FAILED)
            if leave is None:
                events.append((official, _E.RECOGNIZED, None, ""))
                leave = self._departure(official, stop)
        end = leave[0] if leave else stop
        # exemption from activities in old age (official members)
        if len(events) > 1 and rng.random() < 0.45:
            on = _years(birth, rng.uniform(70, 85))
            if official < on < end:
                events.append((on, _E.EXEMPTED, None, EXEMPTION_REASON))
        # the moves: career and restructuring
        career = ceremony < ADMITTED_FROM
        life.moves, life.occupations = self._walk(life, cell_id, ceremony, occ, end, career)
        self._occupy(cell_id, ceremony, life.moves, end if end <= END else None)
        if leave is not None and leave[0] < stop:
            events.append((leave[0], leave[1], None, leave[2]))
            life.in_party.append((ceremony, leave[0]))
            self._readmit(life, leave, stop)
        else:
            if life.death is not None and life.death <= END:
                events.append((life.death, _E.DECEASED, None, DECEASED_REASON))
                life.in_party.append((ceremony, life.death))
            else:
                life.in_party.append((ceremony, None))
        for s, e in life.in_party:
            self._interval(s, e)
        self.lives.append(life)

    def _departure(self, official: dt.date, stop: dt.date) -> tuple[dt.date, str, str] | None:
        rng = self.rng
        years = rng.expovariate(0.002)
        on = _years(official, years)
        if on >= stop or on <= official or self._in_left_window(on):
            return None
        r = rng.random()
        if r < 0.6:
            return on, _E.REMOVED, rng.choice(REMOVAL_REASONS)
        if r < 0.85:
            return on, _E.EXPELLED, rng.choice(EXPULSION_REASONS)
        return on, _E.WITHDRAWN, rng.choice(WITHDRAWAL_REASONS)

    def _readmit(self, life: _Life, leave: tuple[dt.date, str, str], stop: dt.date) -> None:
        rng, tree = self.rng, self.tree
        if leave[1] != _E.REMOVED or rng.random() > 0.08:
            return
        on = _years(leave[0], rng.uniform(3, 10))
        if on >= stop - dt.timedelta(days=400) or full_months(life.birth, on) > 58 * 12:
            return
        occ = life.occupation_on(leave[0])
        if self._in_window(on) and occ in CONSTRAINED:
            return
        last = life.moves[-1][1] if life.moves else life.cell
        cell = last if tree.cells[last].alive(on) else tree.home(rng, tree.cells[last].locality, on)
        if cell is None:
            return
        life.events.append((on, _E.READMITTED, cell, ""))
        official = add_months(on, self.probation(on))
        if official < stop:
            life.events.append((official, _E.RECOGNIZED, None, ""))
        moves, _occ = self._walk(life, cell, on, occ, stop, career=False)
        self._occupy(cell, on, moves, stop if stop <= END else None)
        life.moves += moves
        if life.death is not None and life.death <= END:
            life.events.append((life.death, _E.DECEASED, None, DECEASED_REASON))
            life.in_party.append((on, life.death))
        else:
            life.in_party.append((on, None))

    def _next_change(self, life: _Life, occ: str, profile: str, since: dt.date) -> tuple[dt.date, str, str] | None:
        """The next career step: (date, where to: home/job/army/work, new occupation)."""
        rng = self.rng
        age = (since - life.birth).days / 365.25
        female = life.gender == _G.FEMALE
        if occ == _O.STUDENT:
            if profile == HIGHSCHOOL:
                on = _years(since, rng.uniform(0.2, 0.6))
                if not female and rng.random() < 0.35:
                    return on, "army", _O.ARMED_FORCES
                return on, "home", _O.OTHER
            on = _years(since, rng.uniform(0.3, 3.5))
            if rng.random() < 0.55:
                return on, "work", ""
            return on, "home", _O.OTHER
        if occ == _O.ARMED_FORCES and age < 25 and profile == ARMY and rng.random() < 0.65:
            return _years(since, rng.uniform(0.5, 2.5)), "home", _O.FARMER
        if occ in (_O.FARMER, _O.OTHER, _O.RETIRED):
            if rng.random() < 0.06:
                return _years(since, rng.uniform(1, 25)), "home", occ
            return None
        retire_age = 60.0 if not female else 55.0
        if occ in (_O.ARMED_FORCES, _O.POLICE):
            retire_age -= 5
        retire = _years(life.birth, retire_age + rng.uniform(0, 0.5))
        if retire <= since:
            retire = _years(since, 1)
        if rng.random() < 0.25 and (retire - since).days > 3 * 365:
            on = _days(rng, _years(since, 2), retire - dt.timedelta(days=365))
            return on, "job", occ
        if rng.random() < 0.85:
            return retire + dt.timedelta(days=rng.randint(0, 120)), "home", _O.RETIRED
        return retire, "stay", _O.RETIRED

    def _target(self, where: str, current: _Cell, on: dt.date) -> tuple[int | None, str]:
        """Where a career step goes, and the occupation there ("" = as the step says)."""
        tree, rng = self.tree, self.rng
        if where == "stay":
            return current.id, ""
        found: int | None = None
        occ = ""
        if where == "army":
            found = tree.pick(rng, tree.pool[ARMY], on, exclude=current.id)
        elif where == "job":
            found = tree.pick(rng, tree.pool[current.profile], on, exclude=current.id)
        elif where == "work":
            for _ in range(3):
                profile = _pick(rng, WORK_MIX[on.year >= 1995])
                found = tree.pick(rng, tree.pool[profile], on, exclude=current.id)
                if found is not None:
                    return found, STAFF_OCCUPATION[profile]
        if found is None and where == "job":
            return current.id, ""
        if found is None:
            found = tree.home(rng, current.locality, on, exclude=current.id)
            if where != "home":
                occ = _O.OTHER
        return found, occ

    def _walk(self, life: _Life, cell_id: int, start: dt.date, occ: str, stop: dt.date,
              career: bool) -> tuple[list[tuple[dt.date, int]], list[tuple[dt.date, str]]]:
        """Affiliation changes from `start` until `stop` (exclusive): career steps and the moves
        forced by the restructuring of the tree."""
        tree, rng = self.tree, self.rng
        moves: list[tuple[dt.date, int]] = []
        changes: list[tuple[dt.date, str]] = []
        cur, t = cell_id, start
        step = self._next_change(life, occ, tree.cells[cur].profile, t) if career else None
        while True:
            end = tree.cells[cur].run_end(t)
            nxt = step[0] if step else None
            first = min(d for d in (end, nxt, stop) if d is not None)
            if first >= stop:
                break
            if end is not None and end == first:
                target = tree.successor(rng, cur, end)
                moves.append((end, target))
                cur, t = target, end
                if step is not None and step[0] <= end:
                    step = (end + dt.timedelta(days=30), step[1], step[2])
                continue
            assert step is not None
            on, where, new_occ = step
            found, target_occ = self._target(where, tree.cells[cur], on)
            new_occ = target_occ or new_occ or occ
            if found is not None and new_occ in (_O.FARMER, _O.OTHER) and new_occ != occ:
                # back home: farming in a village, some other work in a town
                village = tree.cells[found].profile == VILLAGE
                new_occ = _O.FARMER if village and rng.random() < 0.75 else _O.OTHER
            if found is None:
                step = None
                continue
            target = found
            if target != cur:
                moves.append((on, target))
            if new_occ != occ:
                changes.append((on, new_occ))
                occ = new_occ
            cur, t = target, on
            step = self._next_change(life, occ, tree.cells[cur].profile, on)
            if step is not None and step[0] <= t:
                step = (t + dt.timedelta(days=30), step[1], step[2])
        return moves, changes

    # --- the 770 who left in 2021–2023 -------------------------------------------------------
    def leave_window(self, n: int) -> None:
        rng = self.rng
        candidates = [i for i, life in enumerate(self.lives)
                      if any(s <= LEFT_TO and (e is None or e > LEFT_FROM) for s, e in life.in_party)]
        rng.shuffle(candidates)
        done = 0
        for i in candidates:
            if done == n:
                break
            life = self.lives[i]
            s, e = next((s, e) for s, e in life.in_party if s <= LEFT_TO and (e is None or e > LEFT_FROM))
            lo = max(s + dt.timedelta(days=1), LEFT_FROM)
            hi = min(LEFT_TO, (e or END) - dt.timedelta(days=1))
            if lo > hi:
                continue
            age = (lo - life.birth).days / 365.25
            if age > 70 and rng.random() < 0.7:
                continue
            on = _days(rng, lo, hi)
            taken = {d for d, *_rest in life.events} | {d for d, _c in life.moves}
            if on in taken:
                continue
            status = life.status_on(on)
            if status not in ("p", "o", "x"):
                continue
            r = rng.random()
            if r < 0.25 and status in ("o", "x"):
                kind, reason = _E.EXPELLED, rng.choice(EXPULSION_REASONS)
            elif r < 0.45:
                kind, reason = _E.WITHDRAWN, rng.choice(WITHDRAWAL_REASONS)
            else:
                kind, reason = _E.REMOVED, rng.choice(REMOVAL_REASONS)
            life.events = [ev for ev in life.events if ev[0] < on] + [(on, kind, None, reason)]
            life.moves = [m for m in life.moves if m[0] < on]
            life.occupations = [c for c in life.occupations if c[0] < on]
            life.in_party = [(a, b) for a, b in life.in_party if a < on]
            a, b = life.in_party[-1]
            life.in_party[-1] = (a, on)
            done += 1
        if done != n:
            raise RuntimeError(f"only {done} members could leave in 2021–2023, not {n}")


# --- records ---------------------------------------------------------------------------------


class _Numbers:
    """Unique identity numbers, names and decision numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.national_ids: set[str] = set()

    def national_id(self, province: str, birth: dt.date, gender: str) -> str:
        prov = f"0{province}" if self.rng.random() < 0.85 else self.rng.choice(BORN_ELSEWHERE[province])
        digit = (0 if birth.year < 2000 else 2) + (1 if gender == _G.FEMALE else 0)
        while True:
            value = f"{prov}{digit}{birth.year % 100:02d}{self.rng.randrange(10**6):06d}"
            if value not in self.national_ids:
                self.national_ids.add(value)
                return value

    def name(self, province: str, ethnicity: str, gender: str, birth: dt.date) -> str:
        rng = self.rng
        female = gender == _G.FEMALE
        if ethnicity in ETHNIC_FAMILY and rng.random() < 0.9:
            family = rng.choice(ETHNIC_FAMILY[ethnicity])
        else:
            family = _pick(rng, CENTRAL_FAMILY if province in (HA_TINH, NGHE_AN) else KINH_FAMILY)
        if ethnicity == MONG:
            middle = "Thị" if female else "A"
            given = rng.choice(MONG_FEMALE if female else MONG_MALE)
            return f"{family} {middle} {given}"
        if female:
            middle = _pick(rng, FEMALE_MIDDLE) if birth.year < 1985 or rng.random() < 0.5 else rng.choice(
                ["Ngọc", "Phương", "Thùy", "Khánh", "Thu", "Minh", "Hải", "Thanh", "Bảo"])
            given = rng.choice(FEMALE_GIVEN)
        else:
            middle = _pick(rng, MALE_MIDDLE)
            if ethnicity == DAO and rng.random() < 0.4:
                given = rng.choice(DAO_MALE)
            elif ethnicity == KHO_MU and rng.random() < 0.5:
                given = rng.choice(KHO_MU_MALE)
            else:
                given = rng.choice(MALE_GIVEN)
        if middle == given:
            middle = "Văn" if not female else "Thị"
        return f"{family} {middle} {given}"


def _issuer(tree: _Tree, locality: int) -> tuple[str, str]:
    """The committee that decides admissions for cells of a district or bloc, and its suffix."""
    if locality not in tree.issuers:
        tree.issuers[locality] = _issuer_of(tree, locality)
    return tree.issuers[locality]


def _issuer_of(tree: _Tree, locality: int) -> tuple[str, str]:
    name = tree.name.get(locality, "")
    prov = PROVINCE_NAMES[tree.province]
    if name.startswith("Đảng bộ thành phố ") or name.startswith("Đảng bộ thị xã "):
        kind, rest = ("Thành ủy", name[len("Đảng bộ thành phố "):]) if "thành phố" in name else (
            "Thị ủy", name[len("Đảng bộ thị xã "):])
        return f"Ban Thường vụ {kind} {rest}", "TU"
    if name.startswith("Đảng bộ huyện "):
        return f"Ban Thường vụ Huyện ủy {name[len('Đảng bộ huyện '):]}", "HU"
    if name.startswith("Đảng bộ "):
        body = "Đảng ủy " + name[len("Đảng bộ "):]
        if prov not in body:
            body += f" {prov}"
        return f"Ban Thường vụ {body}", "ĐU"
    return f"Ban Thường vụ Tỉnh ủy {prov}", "TU"


_GE, _PL, _TL = GeneralEducation, ProfessionalLevel, TheoryLevel
GENERAL_OLD = [(_GE.PRIMARY.value, 8), (_GE.LOWER_SECONDARY.value, 52), (_GE.UPPER_SECONDARY.value, 40)]
GENERAL_MID = {True: [(_GE.LOWER_SECONDARY.value, 35), (_GE.UPPER_SECONDARY.value, 65)],
               False: [(_GE.LOWER_SECONDARY.value, 10), (_GE.UPPER_SECONDARY.value, 90)]}
GENERAL_NEW = {True: [(_GE.LOWER_SECONDARY.value, 12), (_GE.UPPER_SECONDARY.value, 88)],
               False: [(_GE.LOWER_SECONDARY.value, 2), (_GE.UPPER_SECONDARY.value, 98)]}
PROFESSIONAL: dict[str, list[tuple[str, float]]] = {
    _O.AGENCY: [(_PL.UNIVERSITY.value, 62), (_PL.MASTER.value, 16), (_PL.COLLEGE.value, 10), (_PL.VOCATIONAL.value, 10),
                (_PL.DOCTORATE.value, 2)],
    _O.PUBLIC_SERVICE_UNIT: [(_PL.UNIVERSITY.value, 55), (_PL.COLLEGE.value, 20), (_PL.MASTER.value, 12),
                             (_PL.VOCATIONAL.value, 10), (_PL.DOCTORATE.value, 3)],
    _O.STATE_ENTERPRISE: [(_PL.VOCATIONAL.value, 45), (_PL.COLLEGE.value, 20), (_PL.UNIVERSITY.value, 30), (_PL.NONE.value, 5)],
    _O.PRIVATE_ENTERPRISE: [(_PL.UNIVERSITY.value, 50), (_PL.COLLEGE.value, 25), (_PL.VOCATIONAL.value, 20),
                            (_PL.NONE.value, 5)],
    _O.ARMED_FORCES: [(_PL.UNIVERSITY.value, 40), (_PL.COLLEGE.value, 25), (_PL.VOCATIONAL.value, 20), (_PL.MASTER.value, 5),
                      (_PL.NONE.value, 10)],
    _O.POLICE: [(_PL.UNIVERSITY.value, 55), (_PL.COLLEGE.value, 20), (_PL.VOCATIONAL.value, 15), (_PL.MASTER.value, 7),
                (_PL.NONE.value, 3)],
    _O.FARMER: [(_PL.NONE.value, 70), (_PL.VOCATIONAL.value, 25), (_PL.COLLEGE.value, 5)],
    _O.STUDENT: [(_PL.NONE.value, 100)],
}
PROFESSIONAL_OTHER = [(_PL.NONE.value, 45), (_PL.VOCATIONAL.value, 30), (_PL.COLLEGE.value, 10), (_PL.UNIVERSITY.value, 15)]
THEORY = {
    "student": [(_TL.NONE.value, 85), (_TL.ELEMENTARY.value, 15)],
    "new": [(_TL.NONE.value, 55), (_TL.ELEMENTARY.value, 40), (_TL.INTERMEDIATE.value, 5)],
    "cadre": [(_TL.NONE.value, 12), (_TL.ELEMENTARY.value, 33), (_TL.INTERMEDIATE.value, 40), (_TL.ADVANCED.value, 15)],
    "enterprise": [(_TL.NONE.value, 38), (_TL.ELEMENTARY.value, 45), (_TL.INTERMEDIATE.value, 15), (_TL.ADVANCED.value, 2)],
    "other": [(_TL.NONE.value, 33), (_TL.ELEMENTARY.value, 57), (_TL.INTERMEDIATE.value, 9), (_TL.ADVANCED.value, 1)],
}
CADRE = {_O.AGENCY, _O.PUBLIC_SERVICE_UNIT, _O.ARMED_FORCES, _O.POLICE}
HIGHER = {_PL.MASTER.value, _PL.DOCTORATE.value, _PL.UNIVERSITY.value}


def _education(rng: random.Random, occ: str, birth: dt.date, profile: str) -> tuple[str, str]:
    home = profile in HOME
    if birth.year < 1950:
        general = _pick(rng, GENERAL_OLD)
    elif birth.year < 1975:
        general = _pick(rng, GENERAL_MID[home])
    else:
        general = _pick(rng, GENERAL_NEW[home])
    level = _pick(rng, PROFESSIONAL.get(occ, PROFESSIONAL_OTHER))
    if birth.year < 1960 and level in HIGHER and rng.random() < 0.4:
        level = _PL.COLLEGE.value if level == _PL.UNIVERSITY.value else _PL.UNIVERSITY.value
    return general, level


def _theory(rng: random.Random, occ: str, first_occ: str, years_in_party: float) -> str:
    if occ == _O.STUDENT:
        key = "student"
    elif years_in_party < 3:
        key = "new"
    elif occ in CADRE or (occ == _O.RETIRED and first_occ in CADRE):
        key = "cadre"
    elif occ in (_O.STATE_ENTERPRISE, _O.PRIVATE_ENTERPRISE):
        key = "enterprise"
    else:
        key = "other"
    return str(_pick(rng, THEORY[key]))


def _records(gen: _Generator, numbers: _Numbers, rng: random.Random) -> list[MemberRecord]:
    tree = gen.tree
    p = gen.p
    # decision numbers in date order for each issuer and year
    decisions: list[tuple[str, dt.date, int, int]] = []  # (issuer, decision date, life, event index)
    decision_dates: dict[tuple[int, int], dt.date] = {}
    issuer_of: dict[tuple[int, int], str] = {}
    for li, life in enumerate(gen.lives):
        for ei, (on, kind, cell, _reason) in enumerate(life.events):
            if kind in (_E.DECEASED, _E.EXEMPTED):
                continue
            where = cell if cell is not None else life.cell_on(on)
            assert where is not None
            issuer, _suffix = _issuer(tree, tree.cells[where].locality)
            if kind in (_E.ADMITTED, _E.READMITTED):
                date = on - dt.timedelta(days=rng.randint(7, 40))
            elif kind == _E.RECOGNIZED:
                date = on + dt.timedelta(days=rng.randint(3, 40))
            else:
                date = on
            decision_dates[(li, ei)] = date
            issuer_of[(li, ei)] = issuer
            decisions.append((issuer, date, li, ei))
    decisions.sort()
    numbers_of: dict[tuple[int, int], str] = {}
    counter: dict[tuple[str, int], int] = {}
    suffixes: dict[str, str] = {}
    for loc in tree.locality_code:
        issuer, suffix = _issuer(tree, loc)
        suffixes[issuer] = suffix
    for issuer, date, li, ei in decisions:
        key = (issuer, date.year)
        counter[key] = counter.get(key, rng.randint(1, 15)) + 1
        kind = gen.lives[li].events[ei][1]
        form = "QĐ-KL" if kind == _E.EXPELLED else "QĐ"
        numbers_of[(li, ei)] = f"{counter[key]}-{form}/{suffixes.get(issuer, 'TU')}"
    # cards in the order they were issued
    holders: list[tuple[dt.date, int]] = []
    card_dates: dict[int, dt.date] = {}
    for li, life in enumerate(gen.lives):
        official = next((on for on, kind, _c, _r in life.events if kind == _E.RECOGNIZED), None)
        if official is None:
            continue
        last = life.events[-1][0]
        date = official + dt.timedelta(days=rng.randint(20, 120))
        if date > END or (life.events[-1][1] in (_E.DECEASED, _E.REMOVED, _E.EXPELLED,
                                                 _E.WITHDRAWN) and date >= last):
            date = official
        card_dates[li] = date
        holders.append((date, li))
    holders.sort()
    cards = {li: f"{p}{n:06d}" for n, (_d, li) in enumerate(holders, start=1)}

    records: list[MemberRecord] = []
    id_from = dt.date(2016, 1, 1)
    for li, life in enumerate(gen.lives):
        last_on, last_kind = life.events[-1][0], life.events[-1][1]
        alive_recently = not (last_kind == _E.DECEASED and last_on < id_from)
        occ = life.occupation_on()
        national_id = (numbers.national_id(p, life.birth, life.gender)
                       if alive_recently and rng.random() < 0.97 and life.birth.year >= 1920 else None)
        general, professional = _education(rng, life.occupation, life.birth, life.profile)
        years_in_party = ((life.events[-1][0] if last_kind in (_E.DECEASED, _E.REMOVED,
                                                                _E.EXPELLED, _E.WITHDRAWN) else END)
                          - life.ceremony).days / 365.25
        person = PersonData(
            full_name=numbers.name(p, life.ethnicity, life.gender, life.birth),
            gender=life.gender, birth_date=life.birth, ethnicity=life.ethnicity, religion=life.religion,
            national_id=national_id,
            phone=(f"09{rng.randrange(10**8):08d}" if national_id and last_kind not in (_E.DECEASED,)
                   and rng.random() < 0.8 else ""),
            general_education=general, professional_level=professional,
            theory_level=_theory(rng, occ, life.occupation, years_in_party),
            occupation=occ, birthplace_id=life.birthplace, hometown_id=life.hometown,
            card_number=cards.get(li), card_date=card_dates.get(li),
        )
        events = []
        for ei, (on, kind, cell, reason) in enumerate(life.events):
            number = numbers_of.get((li, ei), "")
            issuer = issuer_of.get((li, ei), "")
            if kind == _E.EXEMPTED:
                where = life.cell_on(on)
                assert where is not None
                issuer = tree.name.get(where, "")
                number = f"{rng.randint(1, 30)}-NQ/CB"
            events.append(EventSpec(
                type=kind, on=on, cell_id=cell, decision_no=number,
                decision_date=decision_dates.get((li, ei)) or (on if kind == _E.EXEMPTED else None),
                issuer=issuer, reason=reason,
            ))
        records.append(MemberRecord(
            person=person, events=events, moves=list(life.moves),
            admission_decision_no=events[0].decision_no, admission_decision_date=events[0].decision_date,
        ))
    return records


# --- the build ------------------------------------------------------------------------------


def _rule_lookup(key: str, org_ids: list[int] | None = None) -> Callable[[dt.date], Any]:
    """`chibo.rules.selectors.rule` for many dates: the rows are read once."""
    rows = list(PolicyParameter.objects.filter(key=key).values_list("org_id", "valid_from", "valid_to", "value"))
    order = [*(org_ids or []), None]

    def value(on: dt.date) -> Any:
        for org_id in order:
            for row_org, start, end, v in rows:
                if row_org == org_id and (start is None or start <= on) and (end is None or on < end):
                    return v
        from chibo.rules.selectors import MissingRule

        raise MissingRule(f"No value for {key!r} on {on}")

    return value


def ensure_quang_ninh_target() -> None:
    """Quảng Ninh's own admission target (3.2% a year, from its 15th congress resolution)."""
    from chibo.rules.services import parameter_set

    qn = Organization.objects.filter(code=QUANG_NINH).first()
    if qn is None or PolicyParameter.objects.filter(key=TARGET_KEY, org=qn).exists():
        return
    parameter_set(actor=None, key=TARGET_KEY, value=QN_TARGET_PERCENT, valid_from=ADMITTED_FROM,
                  source=QN_TARGET_SOURCE, org=qn, confidence=Confidence.SECONDARY)


def _has_members(province: str) -> bool:
    from chibo.members.models import Affiliation

    root = Organization.objects.get(code=province)
    version = root.versions.order_by("valid_from").first()
    assert version is not None
    cells = OrgVersion.objects.filter(subtree_q(version.path)).values("org_id")
    return Affiliation.objects.filter(org_id__in=cells).exists()


@dataclass
class QuangNinhFigures:
    students: int
    private_enterprise: int
    left: int
    left_by_way: dict[str, int]
    yearly: dict[int, tuple[int, int, float]]  # year -> (admissions, members on 1 January, target %)

    def lines(self) -> list[str]:
        out = [f"Quảng Ninh, admitted {ADMITTED_FROM}–{ADMITTED_TO}: students {self.students}, "
               f"private enterprises {self.private_enterprise}",
               f"Quảng Ninh, left the party {LEFT_FROM}–{LEFT_TO}: {self.left} "
               + "(" + ", ".join(f"{k} {v}" for k, v in sorted(self.left_by_way.items())) + ")"]
        for year, (n, members, target) in sorted(self.yearly.items()):
            out.append(f"Quảng Ninh, {year}: {n} admitted, {members} members on 1 January: "
                       f"{100 * n / members:.2f}% (target {target}%)")
        return out


def check_quang_ninh() -> QuangNinhFigures:
    """Count Quảng Ninh's member figures from the records; raise if seed 002's are not met."""
    from chibo.accounts.models import User
    from chibo.members.selectors import admissions_count, departures_count, member_counts
    from chibo.rules.selectors import rule

    user = User(is_superuser=True, is_active=True)
    qn = Organization.objects.get(code=QUANG_NINH)
    by_sector = admissions_count(user=user, org=qn, start=ADMITTED_FROM, end=ADMITTED_TO, by="sector")
    left = departures_count(user=user, org=qn, start=LEFT_FROM, end=LEFT_TO)
    ways = {k: left.get(k, 0) for k in (_E.EXPELLED, _E.REMOVED, _E.WITHDRAWN)}
    yearly = {}
    for year in TARGET_YEARS:
        jan1 = dt.date(year, 1, 1)
        members = sum(member_counts(user=user, org=qn, on=jan1, by="status").values())
        n = sum(admissions_count(user=user, org=qn, start=jan1, end=dt.date(year, 12, 31), by="sector").values())
        target = float(rule(TARGET_KEY, on=jan1, org_ids=[qn.pk]))
        yearly[year] = (n, members, target)
    figures = QuangNinhFigures(
        students=by_sector.get(_O.STUDENT, 0), private_enterprise=by_sector.get(_O.PRIVATE_ENTERPRISE, 0),
        left=sum(ways.values()), left_by_way={str(k): v for k, v in ways.items()}, yearly=yearly,
    )
    problems = []
    if figures.students != QN_STUDENTS:
        problems.append(f"students admitted: {figures.students}, expected {QN_STUDENTS}")
    if figures.private_enterprise != QN_PRIVATE:
        problems.append(f"private-enterprise admissions: {figures.private_enterprise}, expected {QN_PRIVATE}")
    if figures.left != QN_LEFT:
        problems.append(f"left the party 2021–2023: {figures.left}, expected {QN_LEFT}")
    for year, (n, members, target) in yearly.items():
        if not n * 100 > target * members:
            problems.append(f"{year}: {n} admissions for {members} members, not above {target}%")
    if problems:
        raise RuntimeError("Quảng Ninh member figures: " + "; ".join(problems))
    return figures


@dataclass
class MembersResult:
    built: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    members: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    figures: QuangNinhFigures | None = None


def build_members(*, provinces: Sequence[str] = PROVINCES, seed: int = SEED,
                  progress: Say | None = None) -> dict[str, Any]:
    """Generate and write the members of the provinces whose cells have none yet (the org tree
    must be there: `chibo.demo.orgs.build_demo`). Deterministic for a seed. Checks Quảng Ninh's
    figures at the end (RuntimeError if they are not met). Returns a summary."""
    say = progress or (lambda _m: None)
    started = time.monotonic()
    # Hundreds of thousands of small objects and no reference cycles: the cyclic collector
    # would only rescan them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = _build(provinces, seed, say)
    finally:
        if collecting:
            gc.enable()
    result.seconds = time.monotonic() - started
    return {"built": result.built, "present": result.present, "members": result.members,
            "seconds": round(result.seconds, 1),
            "figures": result.figures.lines() if result.figures else []}


def _build(provinces: Sequence[str], seed: int, say: Say) -> MembersResult:
    result = MembersResult()
    probation = _rule_lookup("probation.months")
    for province in provinces:
        if not Organization.objects.filter(code=province).exists():
            raise RuntimeError(f"the organization tree of {province} is not there: build it first")
        if _has_members(province):
            result.present.append(province)
            continue
        name = PROVINCE_NAMES[province]
        t0 = time.monotonic()
        with transaction.atomic():  # a province is written, and checked, or not at all
            if province == QUANG_NINH:
                ensure_quang_ninh_target()
            rng = random.Random(f"{seed}-members-{province}")  # noqa: S311 (demo data)
            say(f"… members: {name}: reading the organization tree")
            tree = _Tree(province)
            target = _rule_lookup(TARGET_KEY, [tree.root_id]) if province == QUANG_NINH else None
            gen = _Generator(province, tree, rng, lambda on: int(probation(on)), target)
            gen.run(say)
            if province == QUANG_NINH:
                gen.leave_window(QN_LEFT)
            records = _records(gen, _Numbers(rng), rng)
            say(f"… members: {name}: {len(records)} records generated ({time.monotonic() - t0:.1f} s), writing")

            def report(done: int, total: int, name: str = name) -> None:
                if done == total or done % 10000 < 2000:
                    say(f"… members: {name}: {done}/{total} written")

            members_bulk_create(actor=None, records=records, source=f"Dữ liệu minh họa (demo), {name}",
                                progress=report)
            if province == QUANG_NINH:
                result.figures = check_quang_ninh()
        result.built.append(province)
        result.members[province] = len(records)
        say(f"… members: {name}: done ({time.monotonic() - t0:.1f} s)")
    if QUANG_NINH in provinces and result.figures is None:
        result.figures = check_quang_ninh()  # built before: still right?
    if result.figures is not None:
        for line in result.figures.lines():
            say(line)
    return result


__all__ = ["QuangNinhFigures", "build_members", "check_quang_ninh", "ensure_quang_ninh_target"]
