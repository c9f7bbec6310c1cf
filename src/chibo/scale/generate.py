"""A deterministic synthetic dataset on the real administrative units (the pre-2025 edition).

For each province: the provincial committee, its agency and enterprise blocs, the provincial
military and police committees (with component committees), the district committees, one
grassroots committee per commune with its village or residential cells, the schools' grassroots
cells, and the district's agencies, services and enterprises (grassroots committees with cells
or grassroots cells). The organizations go through the org bulk path (`orgs.bulk`), one batch
per province; the members through the members bulk path (`members.bulk`), which validates every
record as the services do.

Members are admitted since 1960 (more in recent years), recognised at the end of probation,
some exempted in old age, some die, a few are removed, withdraw or are expelled, and about 6 %
move to another cell (a completed transfer: several affiliations). Attributes follow the cell's
sector and the province's region (ethnicity, religion). Everything is drawn from
`random.Random(f"{seed}:{province}")`, so a seed gives the same dataset on every database.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chibo.geo.models import AdminUnit, Edition, Level
from chibo.members.bulk import EventSpec, MemberRecord, members_bulk_create
from chibo.members.choices import EventType
from chibo.members.services import PersonData
from chibo.members.validation import add_months
from chibo.orgs import kinds as K
from chibo.orgs.bulk import OrgSpec, orgs_bulk_create
from chibo.orgs.models import Sector

Say = Callable[[str], None]

BASE = dt.date(1960, 1, 1)
END = dt.date(2025, 6, 30)  # histories end before the 2025 reform (the tree is the legacy one)
CHECK_DATES = (dt.date(1975, 4, 30), dt.date(1990, 1, 1), dt.date(2005, 1, 1), dt.date(2015, 1, 1),
               dt.date(2020, 1, 1), END)
SOURCE = "chibo generate"


@dataclass(frozen=True)
class Scale:
    name: str
    all_provinces: bool
    districts: int | None  # at most this many districts per province (None: all)
    communes: int | None  # at most this many communes per district
    villages: tuple[int, int]  # cells per commune committee
    district_orgs: tuple[int, int]  # grassroots organizations of a district's agencies and enterprises
    province_orgs: tuple[int, int]  # grassroots organizations per provincial bloc
    size: float  # members in party now, as a factor of the nominal cell sizes


SCALES = {
    "nation": Scale("nation", True, None, None, (8, 20), (14, 26), (30, 60), 1.0),
    "province": Scale("province", False, None, None, (8, 20), (14, 26), (30, 60), 1.0),
    "demo": Scale("demo", False, 2, 3, (3, 5), (2, 3), (2, 3), 1.6),
}
DEFAULT_PROVINCE = "22"  # Quảng Ninh

# --- regional profiles -------------------------------------------------------------------------

NORTH_MOUNTAINS = {"02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "24", "25"}
HIGHLANDS = {"62", "64", "66", "67", "68"}
KHMER = {"94", "84", "91", "89", "95", "86", "93"}
ETHNICITY = {  # (code, weight): Kinh 01, Tày 02, Thái 03, Mường 04, Khmer 05, Hoa 06, Nùng 07, Mông 08,
    # Dao 09, Gia Rai 10, Ê Đê 12, Ba Na 13
    "north": [("01", 55), ("02", 15), ("03", 10), ("04", 6), ("07", 6), ("08", 4), ("09", 4)],
    "highlands": [("01", 75), ("10", 9), ("12", 8), ("13", 5), ("07", 3)],
    "khmer": [("01", 85), ("05", 13), ("06", 2)],
    "other": [("01", 97), ("04", 1), ("06", 1), ("03", 1)],
}
RELIGION = {
    "36": [("none", 80), ("catholicism", 15), ("buddhism", 5)],
    "37": [("none", 84), ("catholicism", 11), ("buddhism", 5)],
    "75": [("none", 82), ("catholicism", 12), ("buddhism", 6)],
    "72": [("none", 84), ("caodaism", 10), ("buddhism", 6)],
    "89": [("none", 84), ("hoa_hao", 9), ("buddhism", 7)],
}
RELIGION_DEFAULT = [("none", 94), ("buddhism", 5), ("catholicism", 1)]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý", "Đinh", "Lương", "Trịnh", "Mai", "Đào", "Cao", "Lâm", "Tạ", "Hà"]
FAMILY_W = [38, 11, 9.5, 7, 5, 4, 4.5, 4, 3, 2, 2, 1.4, 1.3, 1.3, 1, 1, 1, 0.8, 0.8, 0.7, 0.7, 0.6, 0.5, 0.4, 0.5]
MALE_MIDDLE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Xuân", "Ngọc", "Công", "Đình", "Tiến", "Mạnh"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Thùy", "Hồng", "Kim"]
MALE_GIVEN = ["Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Long", "Minh",
              "Nam", "Phong", "Quân", "Sơn", "Thắng", "Thành", "Trung", "Tuấn", "Việt", "Vinh", "Hưng", "Tâm"]
FEMALE_GIVEN = ["Anh", "Châu", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Linh",
                "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Tâm", "Thảo", "Trang", "Vân", "Yến"]

# sector -> (occupation when working, share of women, nominal cell size)
PROFILE: dict[str, tuple[str, float, int]] = {
    Sector.VILLAGE: ("farmer", 0.30, 24),
    Sector.RESIDENTIAL_GROUP: ("other", 0.38, 26),
    Sector.AGENCY: ("agency", 0.42, 15),
    Sector.PUBLIC_SERVICE_UNIT: ("public_service_unit", 0.55, 14),
    Sector.SCHOOL: ("public_service_unit", 0.68, 16),
    Sector.STATE_ENTERPRISE: ("state_enterprise", 0.30, 18),
    Sector.PRIVATE_ENTERPRISE: ("private_enterprise", 0.40, 10),
    Sector.ARMED_FORCES: ("armed_forces", 0.08, 20),
    Sector.POLICE: ("police", 0.15, 20),
}
DISTRICT_ORGS = [
    ("Cơ quan Huyện ủy", Sector.AGENCY), ("Cơ quan Ủy ban nhân dân", Sector.AGENCY),
    ("Phòng Giáo dục và Đào tạo", Sector.AGENCY), ("Kho bạc Nhà nước", Sector.AGENCY),
    ("Chi cục Thuế", Sector.AGENCY), ("Trung tâm Y tế", Sector.PUBLIC_SERVICE_UNIT),
    ("Bệnh viện Đa khoa", Sector.PUBLIC_SERVICE_UNIT), ("Trường THPT", Sector.SCHOOL),
    ("Trung tâm Giáo dục nghề nghiệp", Sector.SCHOOL), ("Ban Chỉ huy Quân sự", Sector.ARMED_FORCES),
    ("Công an", Sector.POLICE), ("Chi nhánh Ngân hàng Nông nghiệp", Sector.STATE_ENTERPRISE),
    ("Điện lực", Sector.STATE_ENTERPRISE), ("Công ty Cổ phần Xây dựng", Sector.PRIVATE_ENTERPRISE),
    ("Công ty TNHH Thương mại", Sector.PRIVATE_ENTERPRISE), ("Hợp tác xã", Sector.PRIVATE_ENTERPRISE),
]
PROVINCE_AGENCIES = ["Sở Tài chính", "Sở Nội vụ", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Xây dựng",
                     "Sở Công Thương", "Sở Tư pháp", "Sở Nông nghiệp", "Văn phòng Tỉnh ủy", "Ban Tổ chức Tỉnh ủy",
                     "Bệnh viện Đa khoa tỉnh", "Đài Phát thanh và Truyền hình", "Trường Chính trị",
                     "Trường Đại học", "Báo", "Thanh tra tỉnh", "Cục Thống kê", "Bảo hiểm Xã hội tỉnh"]
PROVINCE_ENTERPRISES = ["Công ty Điện lực", "Công ty Cấp nước", "Công ty Môi trường Đô thị", "Ngân hàng Công thương",
                        "Công ty Xổ số", "Tổng công ty Xây dựng", "Công ty Lương thực", "Công ty Cổ phần Vận tải"]


@dataclass
class Cell:
    code: str
    sector: str
    since: dt.date
    group: int  # cells of one district (or bloc) share a group: moves stay inside it
    commune_unit: int | None
    size: int


@dataclass
class ProvincePlan:
    code: str
    name: str
    specs: list[OrgSpec] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Result:
    orgs: int = 0
    grassroots: int = 0
    cells: int = 0
    members: int = 0
    in_party: dict[dt.date, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add_seconds(self, key: str, value: float) -> None:
        self.seconds[key] = self.seconds.get(key, 0.0) + value


def _region(province: str) -> str:
    if province in NORTH_MOUNTAINS:
        return "north"
    if province in HIGHLANDS:
        return "highlands"
    if province in KHMER:
        return "khmer"
    return "other"


def _table(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [p[0] for p in pairs]
    cum: list[float] = []
    total = 0.0
    for _v, w in pairs:
        total += w
        cum.append(total)
    return values, cum


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    span = (hi - lo).days
    return lo + dt.timedelta(days=rng.randint(0, max(span, 0)))


def _years(day: dt.date, years: float) -> dt.date:
    return day + dt.timedelta(days=int(years * 365.25))


# --- the tree ----------------------------------------------------------------------------------


def plan_province(prov: AdminUnit, scale: Scale, rng: random.Random, districts: list[AdminUnit],
                  communes: dict[int, list[AdminUnit]]) -> ProvincePlan:
    p = prov.code
    plan = ProvincePlan(code=p, name=prov.short_name)
    add = plan.specs.append
    root = f"T{p}"
    add(OrgSpec(root, f"Đảng bộ tỉnh {prov.short_name}", K.PROVINCIAL, None, BASE, admin_unit_id=prov.pk))
    group = 0

    def cells_under(parent: str, base: str, n: int, sector: str, since: dt.date, unit: int | None,
                    word: str, kind: str = K.PARTY_CELL) -> None:
        for k in range(1, n + 1):
            code = f"{parent}-{k:02d}"
            add(OrgSpec(code, f"Chi bộ {word} {k}" if word else f"Chi bộ số {k} {base}", kind, parent, since,
                        sector=sector, admin_unit_id=unit))
            nominal = PROFILE[sector][2]
            plan.cells.append(Cell(code, sector, since, group, unit, max(3, int(rng.gauss(nominal, nominal / 3)))))

    def grassroots(code: str, name: str, parent: str, sector: str, since: dt.date, unit: int | None,
                   n_cells: int) -> None:
        if n_cells <= 1:
            add(OrgSpec(code, f"Chi bộ {name}", K.GRASSROOTS_CELL, parent, since, sector=sector, admin_unit_id=unit))
            nominal = PROFILE[sector][2]
            plan.cells.append(Cell(code, sector, since, group, unit, max(3, int(rng.gauss(nominal, nominal / 3)))))
        else:
            add(OrgSpec(code, f"Đảng bộ {name}", K.GRASSROOTS_COMMITTEE, parent, since, sector=sector,
                        admin_unit_id=unit))
            cells_under(code, name, n_cells, sector, since, unit, "")

    def enterprise_since(sector: str) -> dt.date:
        if sector == Sector.PRIVATE_ENTERPRISE:
            return _day(rng, dt.date(1995, 1, 1), dt.date(2018, 12, 31))
        if sector == Sector.STATE_ENTERPRISE:
            return _day(rng, BASE, dt.date(1995, 12, 31))
        return BASE

    # provincial blocs, the military and the police
    for suffix, label, names, sectors in (
        ("CQ", "Khối các cơ quan tỉnh", PROVINCE_AGENCIES, (Sector.AGENCY, Sector.PUBLIC_SERVICE_UNIT)),
        ("DN", "Khối Doanh nghiệp tỉnh", PROVINCE_ENTERPRISES, (Sector.STATE_ENTERPRISE, Sector.PRIVATE_ENTERPRISE)),
    ):
        group += 1
        bloc = f"{root}-{suffix}"
        add(OrgSpec(bloc, f"Đảng bộ {label} {prov.short_name}", K.AGENCY_BLOC, root, BASE, sector=Sector.AGENCY,
                    admin_unit_id=prov.pk))
        for g in range(1, rng.randint(*scale.province_orgs) + 1):
            sector = sectors[0] if rng.random() < 0.7 else sectors[1]
            base = f"{names[(g - 1) % len(names)]}" + (f" {g // len(names) + 1}" if g > len(names) else "")
            n_cells = 1 if rng.random() < 0.35 else rng.randint(2, 8)
            grassroots(f"{bloc}-G{g:03d}", base, bloc, sector, enterprise_since(sector), prov.pk, n_cells)
    for suffix, label, sector in (("QS", "Quân sự tỉnh", Sector.ARMED_FORCES), ("CA", "Công an tỉnh", Sector.POLICE)):
        group += 1
        force = f"{root}-{suffix}"
        add(OrgSpec(force, f"Đảng bộ {label} {prov.short_name}", K.GRASSROOTS_COMMITTEE, root, BASE, sector=sector,
                    admin_unit_id=prov.pk))
        for b in range(1, (2 if scale.name == "demo" else rng.randint(3, 6)) + 1):
            comp = f"{force}-B{b}"
            add(OrgSpec(comp, f"Đảng bộ bộ phận {b} ({label})", K.COMPONENT, force, BASE, sector=sector))
            cells_under(comp, f"bộ phận {b}", rng.randint(2, 5), sector, BASE, prov.pk, "")

    for d in districts[: scale.districts]:
        group += 1
        dist = f"H{d.code}"
        add(OrgSpec(dist, f"Đảng bộ {d.name}", K.DISTRICT, root, BASE,
                    sector=Sector.OTHER, admin_unit_id=d.pk))
        for c in communes.get(d.pk, [])[: scale.communes]:
            com = f"X{c.code}"
            urban = c.unit_type in ("Phường", "Thị trấn", "Thị Trấn")
            add(OrgSpec(com, f"Đảng bộ {c.name}", K.GRASSROOTS_COMMITTEE, dist, BASE, sector=Sector.COMMUNE,
                        admin_unit_id=c.pk))
            sector = Sector.RESIDENTIAL_GROUP if urban else Sector.VILLAGE
            cells_under(com, c.short_name, rng.randint(*scale.villages), sector, BASE, c.pk,
                        "khu phố" if urban else "thôn")
            schools = ["Trường Tiểu học", "Trường THCS"] + (["Trường Mầm non"] if rng.random() < 0.3 else [])
            for s, school in enumerate(schools, start=1):
                since = _day(rng, BASE, dt.date(1990, 12, 31))
                grassroots(f"{com}-S{s}", f"{school} {c.short_name}", dist, Sector.SCHOOL, since, c.pk, 1)
        n = rng.randint(*scale.district_orgs)
        for g in range(1, n + 1):
            base, sector = DISTRICT_ORGS[(g - 1) % len(DISTRICT_ORGS)]
            if g > len(DISTRICT_ORGS):
                base, sector = f"Công ty TNHH số {g}", Sector.PRIVATE_ENTERPRISE
            n_cells = 1 if rng.random() < 0.45 else rng.randint(2, 7)
            grassroots(f"{dist}-G{g:03d}", f"{base} {d.short_name}", dist, sector, enterprise_since(sector), d.pk,
                       n_cells)
    return plan


# --- the members -------------------------------------------------------------------------------


class _Rules:
    """`probation.months` on a date, from the national rows read once."""

    def __init__(self) -> None:
        from chibo.rules.models import PolicyParameter

        self.rows = list(PolicyParameter.objects.filter(key="probation.months", org__isnull=True)
                         .values_list("valid_from", "valid_to", "value"))
        self.cache: dict[dt.date, int] = {}

    def probation(self, on: dt.date) -> int:
        if on not in self.cache:
            for start, end, value in self.rows:
                if (start is None or start <= on) and (end is None or on < end):
                    self.cache[on] = int(value)
                    break
            else:
                self.cache[on] = 12
        return self.cache[on]


class MemberMaker:
    def __init__(self, province: str, rng: random.Random, rules: _Rules, cell_ids: dict[str, int],
                 serial_base: int = 0) -> None:
        self.p = province
        self.serial_base = serial_base
        self.rng = rng
        self.rules = rules
        self.cell_ids = cell_ids
        region = _region(province)
        self.ethnicity = _table(ETHNICITY[region])
        self.religion = _table(RELIGION.get(province, RELIGION_DEFAULT))
        self.family = _table(list(zip(FAMILY, FAMILY_W, strict=True)))
        self.id_serial: dict[tuple[int, int], int] = {}
        self.card_serial = 0
        self.years = _table([(y, 1.0 + (y - 1960) / 12) for y in range(1960, 2025)])

    def _pick(self, table: tuple[list[Any], list[float]]) -> Any:
        values, cum = table
        return self.rng.choices(values, cum_weights=cum)[0]

    def _national_id(self, birth: dt.date, female: bool) -> str:
        digit = (0 if birth.year < 2000 else 2) + (1 if female else 0)
        key = (digit, birth.year % 100)
        n = self.id_serial.get(key, self.serial_base) + 1
        self.id_serial[key] = n
        return f"0{self.p}{digit}{birth.year % 100:02d}{n:06d}"

    def record(self, cell: Cell, group: list[Cell]) -> tuple[MemberRecord, dt.date | None]:
        """One member admitted into `cell`; returns the record and the day they left the party."""
        rng = self.rng
        occupation, women, _size = PROFILE[cell.sector]
        female = rng.random() < women
        start = max(cell.since + dt.timedelta(days=30), BASE)
        year = self._pick(self.years)
        lo = max(start, dt.date(year, 1, 1))
        hi = min(END - dt.timedelta(days=10), dt.date(year, 12, 31))
        if lo > hi:
            lo, hi = start, END - dt.timedelta(days=10)
        ceremony = _day(rng, lo, hi)
        age = 18 + rng.random() * 6 + abs(rng.gauss(0, 8)) if cell.sector != Sector.ARMED_FORCES else \
            19 + rng.random() * 8
        birth = _years(ceremony, -age) - dt.timedelta(days=1)
        events = [EventSpec(EventType.ADMITTED, ceremony, self.cell_ids[cell.code],
                            decision_no=f"{rng.randint(1, 9999)}-QĐ/HU", decision_date=ceremony)]
        left: dt.date | None = None
        official = add_months(ceremony, self.rules.probation(ceremony))
        if official > END:
            pass
        elif rng.random() < 0.01:
            left = _day(rng, ceremony + dt.timedelta(days=1), official - dt.timedelta(days=1))
            events.append(EventSpec(EventType.REMOVED, left, reason="Không đủ tư cách đảng viên dự bị"))
        else:
            events.append(EventSpec(EventType.RECOGNIZED, official))
            death = _years(birth, 62 + rng.random() * 36)
            last = official
            if _years(birth, 72) < END and rng.random() < 0.35:
                exempt = max(official + dt.timedelta(days=1), _day(rng, _years(birth, 70), _years(birth, 72)))
                if exempt < END and exempt < death:
                    events.append(EventSpec(EventType.EXEMPTED, exempt, reason="Tuổi cao, sức yếu"))
                    last = exempt
            leave_draw = rng.random()
            if official + dt.timedelta(days=400) < END and leave_draw < 0.025:
                on = _day(rng, official + dt.timedelta(days=365), END)
                if on < death and on > last:
                    kind = EventType.REMOVED if leave_draw < 0.012 else (
                        EventType.WITHDRAWN if leave_draw < 0.02 else EventType.EXPELLED)
                    if kind == EventType.EXPELLED and events[-1].type == EventType.EXEMPTED:
                        kind = EventType.REMOVED
                    events.append(EventSpec(kind, on, decision_no=f"{rng.randint(1, 999)}-QĐ/HU", decision_date=on))
                    left = on
            if left is None and death <= END and death > last:
                events.append(EventSpec(EventType.DECEASED, death))
                left = death
        moves: list[tuple[dt.date, int]] = []
        stop = left or END
        draw = rng.random()
        if draw < 0.06 and len(group) > 1:
            n_moves = 2 if draw < 0.012 else 1
            day = ceremony
            for _i in range(n_moves):
                lo_m = day + dt.timedelta(days=120)
                hi_m = stop - dt.timedelta(days=60)
                if lo_m >= hi_m:
                    break
                day = _day(rng, lo_m, hi_m)
                if any(e.on == day for e in events):
                    break
                target = rng.choice(group)
                if target.code == cell.code or target.since >= day:
                    break
                moves.append((day, self.cell_ids[target.code]))
        names = (FEMALE_MIDDLE, FEMALE_GIVEN) if female else (MALE_MIDDLE, MALE_GIVEN)
        name = f"{self._pick(self.family)} {rng.choice(names[0])} {rng.choice(names[1])}"
        works = _years(birth, 60) > END
        occ = occupation if works else "retired"
        if cell.sector in (Sector.VILLAGE, Sector.RESIDENTIAL_GROUP) and works:
            occ = rng.choice(["farmer", "farmer", "other", "private_enterprise", "student"]) \
                if cell.sector == Sector.VILLAGE else rng.choice(["other", "private_enterprise", "agency", "retired"])
        academic = occupation in ("agency", "public_service_unit")
        level = rng.random()
        professional = ("university_degree" if level < 0.6 else "master_degree" if level < 0.8 else "college") \
            if academic else ("none" if level < 0.5 else "vocational" if level < 0.8 else "university_degree")
        theory = ("intermediate_political_theory" if level < 0.5 else "elementary_political_theory") if academic \
            else ("elementary_political_theory" if level < 0.6 else "none")
        card_number = card_date = None
        if len(events) > 1 and events[1].type == EventType.RECOGNIZED:
            self.card_serial += 1
            card_number = f"{self.p}{self.card_serial:08d}"
            card_date = official + dt.timedelta(days=rng.randint(30, 200))
        person = PersonData(
            full_name=name, gender="female" if female else "male", birth_date=birth,
            ethnicity=self._pick(self.ethnicity), religion=self._pick(self.religion),
            national_id=self._national_id(birth, female) if birth.year >= 1930 else None,
            phone=f"09{rng.randrange(10**8):08d}",
            general_education="upper_secondary" if birth.year > 1965 or rng.random() < 0.6 else "lower_secondary",
            professional_level=professional, theory_level=theory, occupation=occ,
            birthplace_id=cell.commune_unit if rng.random() < 0.7 else None, hometown_id=cell.commune_unit,
            card_number=card_number, card_date=card_date,
        )
        return MemberRecord(person=person, events=events, moves=moves,
                            admission_decision_no=events[0].decision_no, admission_decision_date=ceremony), left


def member_records(plan: ProvincePlan, scale: Scale, rng: random.Random, rules: _Rules,
                   cell_ids: dict[str, int], result: Result) -> list[MemberRecord]:
    maker = MemberMaker(plan.code, rng, rules, cell_ids)
    groups: dict[int, list[Cell]] = {}
    for cell in plan.cells:
        groups.setdefault(cell.group, []).append(cell)
    records: list[MemberRecord] = []
    for cell in plan.cells:
        target = max(2, round(cell.size * scale.size))
        in_party = 0
        tries = 0
        while in_party < target and tries < target * 4:
            tries += 1
            record, left = maker.record(cell, groups[cell.group])
            records.append(record)
            start = record.events[0].on
            if left is None:
                in_party += 1
            for day in CHECK_DATES:
                if start <= day and (left is None or day < left):
                    result.in_party[day] = result.in_party.get(day, 0) + 1
    return records


# --- the whole run -----------------------------------------------------------------------------


def _units(scale: Scale, province: str | None) -> tuple[list[AdminUnit], dict[int, list[AdminUnit]],
                                                        dict[int, list[AdminUnit]]]:
    units = AdminUnit.objects.filter(edition=Edition.LEGACY).order_by("code")
    provinces = [u for u in units if u.level == Level.PROVINCE]
    if not scale.all_provinces:
        wanted = province or DEFAULT_PROVINCE
        provinces = [u for u in provinces if u.code == wanted]
        if not provinces:
            raise ValueError(f"no legacy province with code {wanted} (run `chibo geo load` first)")
    children: dict[int, list[AdminUnit]] = {}
    for u in units:
        if u.parent_id is not None:
            children.setdefault(u.parent_id, []).append(u)
    districts = {p.pk: [d for d in children.get(p.pk, []) if d.level == Level.DISTRICT] for p in provinces}
    return provinces, districts, children


def generate(*, scale: str, seed: int, province: str | None = None, say: Say = print,
             actor: Any = None) -> Result:
    spec = SCALES[scale]
    provinces, districts, communes = _units(spec, province)
    if not provinces:
        raise ValueError("no administrative units: run `chibo geo load` first")
    rules = _Rules()
    result = Result()
    started = time.monotonic()
    for n, prov in enumerate(provinces, start=1):
        rng = random.Random(f"{seed}:{prov.code}")  # noqa: S311 (synthetic data, not secrets)
        t0 = time.monotonic()
        plan = plan_province(prov, spec, rng, districts[prov.pk], communes)
        ids = orgs_bulk_create(actor=actor, specs=plan.specs, source=f"{SOURCE} --scale {scale} --seed {seed}")
        t1 = time.monotonic()
        result.add_seconds("orgs", t1 - t0)
        result.orgs += len(plan.specs)
        result.grassroots += sum(1 for s in plan.specs if s.kind in (K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL))
        result.cells += len(plan.cells)
        records = member_records(plan, spec, rng, rules, ids, result)
        t2 = time.monotonic()
        result.add_seconds("member records", t2 - t1)
        last = [0.0]

        def progress(done: int, total: int, name: str = prov.short_name, last: list[float] = last) -> None:
            now = time.monotonic()
            if now - last[0] > 5 or done == total:
                last[0] = now
                say(f"  {name}: members {done:,}/{total:,}")

        members_bulk_create(actor=actor, records=records, source=f"{SOURCE} --scale {scale} --seed {seed}",
                            progress=progress)
        t3 = time.monotonic()
        result.add_seconds("members load", t3 - t2)
        result.members += len(records)
        say(f"[{n}/{len(provinces)}] {prov.short_name}: {len(plan.specs):,} organizations "
            f"({len(plan.cells):,} cells) in {t1 - t0:.1f} s, {len(records):,} members "
            f"(generated in {t2 - t1:.1f} s, loaded in {t3 - t2:.1f} s, {len(records) / max(t3 - t2, 1e-9):,.0f}/s); "
            f"total {time.monotonic() - started:.0f} s")
    t0 = time.monotonic()
    analyze()
    result.add_seconds("analyze", time.monotonic() - t0)
    return result


def analyze() -> None:
    """Fresh planner statistics after a bulk load: without them PostgreSQL plans the as-of
    counts as if the tables were empty (5x slower on a province)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE orgs_organization, orgs_orgversion, members_member, members_memberevent, "
                           "members_statusperiod, members_affiliation, members_transfer")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


__all__ = ["CHECK_DATES", "END", "SCALES", "Result", "generate"]
