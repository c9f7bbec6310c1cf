"""Demo cadres on the demo tree (after `chibo demo` built organizations and members): posts of
the cell and grassroots-committee leaders through three rounds of congresses, their dual roles,
qualifications, training courses and enrolments, the "excellent cell secretary" contest, watch
assignments, border-guard officers on commune committees and seconded department cadres.

Reproduces from records (`chibo cadres summary`):
- Tuyên Quang (08), seeds 000/001: 126 training courses in 2020–2025 and more than 6,280 distinct
  secretaries and deputy secretaries trained (the province as merged in 2025 with Hà Giang, whose
  leaders the merged province trained in the second half of 2025); as of 2025-01-01 more than 35%
  of the cell secretaries with a university degree and close to 50% with elementary political
  theory or more; the contest yearly from 2023;
- Quảng Ninh (22), seed 002: every secretary of a village or residential-group cell is its head;
  91.7% of the secretaries of the coal-industry cells (Đảng bộ Than Quảng Ninh) are workshop or
  division managers; border-guard officers on the committees of 24 border and island communes;
  district committee members watching cells;
- Cẩm Vịnh (Hà Tĩnh 42), seed 003: the commune's committee members each watch village cells;
- Nghệ An (40), seed 004: provincial department cadres seconded to communes.

Leaders are chosen among the official members active in the unit on the congress day (fresh
people first: the demo tree is smaller than the real provinces), so every post satisfies the
rules the services enforce: an official member active in the unit, one secretary at a time, a
cell below the committee threshold with one deputy at most, and no post outliving its
organization or its holder's membership. Rows are written in bulk (one audit event), and a
second run writes nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from chibo.cadres.models import (
    CadreFact,
    ConcurrentRole,
    Contest,
    ContestEntry,
    ContestRound,
    ContestScore,
    CourseKind,
    Enrolment,
    FactKind,
    Method,
    Position,
    Post,
    Qualification,
    QualificationKind,
    RoleKind,
    Secondment,
    TrainingCourse,
    WatchAssignment,
)
from chibo.core.audit import audit_log
from chibo.core.paths import subtree_q, upper_bound
from chibo.members.choices import AffiliationKind, ProfessionalLevel, Status, TheoryLevel
from chibo.members.models import Affiliation, Member, StatusPeriod
from chibo.orgs.models import Organization, OrgVersion, Sector

D = dt.date
SEED = 2025
CELL_KINDS = {"party_cell", "grassroots_party_cell"}
COMMITTEE_KINDS = {"grassroots_party_committee", "commune_level_party_committee"}
# congress rounds: cells twice per five years, then the 2025–2030 round
TERMS = (D(2020, 5, 15), D(2022, 6, 15), D(2025, 4, 15))
DEGREES = {
    ProfessionalLevel.UNIVERSITY.value,
    ProfessionalLevel.MASTER.value,
    ProfessionalLevel.DOCTORATE.value,
}
THEORIES = {
    TheoryLevel.ELEMENTARY.value,
    TheoryLevel.INTERMEDIATE.value,
    TheoryLevel.ADVANCED.value,
}
TQ, HG, QN, HT, NA = "08", "02", "22", "42", "40"
TQ_COURSES = 126
TQ_TRAINED_MIN = 6280
TQ_DEGREE_TARGET = 0.37
TQ_THEORY_TARGET = 0.495
TQ_CHECK_DAY = D(2025, 1, 1)
QN_REVIEW_DAY = D(2024, 6, 30)
QN_COAL_SHARE = 91.7
QN_BORDER_DISTRICTS = ("22-194", "22-198", "22-201", "22-207", "22-203", "22-200")
QN_BORDER_COMMUNES = 24

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class V:
    """An organization version, as plain values."""

    org_id: int
    path: str
    valid_from: D
    valid_to: D | None
    kind_key: str
    parent_id: int | None


@dataclass
class Span:
    member: int
    org: int
    start: D
    end: D | None


def _min_end(*ends: D | None) -> D | None:
    present = [e for e in ends if e is not None]
    return min(present) if present else None


class Tree:
    """The versions, official affiliations and official status periods under some roots."""

    def __init__(self, roots: list[str]) -> None:
        paths = [v.path for v in OrgVersion.objects.filter(org__code__in=roots)]
        q = subtree_q(paths[0])
        for p in paths[1:]:
            q |= subtree_q(p)
        self.versions = [
            V(org_id=o, path=p, valid_from=f, valid_to=t, kind_key=k, parent_id=par)
            for o, p, f, t, k, par in OrgVersion.objects.filter(q)
            .order_by("path", "valid_from")
            .values_list("org_id", "path", "valid_from", "valid_to", "kind__key", "parent_id")
        ]
        rows = Organization.objects.filter(pk__in={v.org_id for v in self.versions}).values_list(
            "pk", "valid_to", "sector", "code"
        )
        self.org_end, self.sector, self.code = {}, {}, {}
        for pk, end, sector, code in rows:
            self.org_end[pk], self.sector[pk], self.code[pk] = end, sector, code
        cells = {v.org_id for v in self.versions if v.kind_key in CELL_KINDS}
        self.affs: dict[int, list[Span]] = defaultdict(list)
        for m, o, s, e in (
            Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL, org_id__in=cells)
            .order_by("pk")
            .values_list("member_id", "org_id", "valid_from", "valid_to")
            .iterator(chunk_size=5000)
        ):
            self.affs[o].append(Span(m, o, s, e))
        members = {s.member for spans in self.affs.values() for s in spans}
        self.official: dict[int, list[tuple[D, D | None]]] = defaultdict(list)
        ids = sorted(members)
        for i in range(0, len(ids), 900):
            for m, s, e in StatusPeriod.objects.filter(
                status=Status.OFFICIAL, member_id__in=ids[i : i + 900]
            ).values_list("member_id", "valid_from", "valid_to"):
                self.official[m].append((s, e))
        self.levels: dict[int, tuple[str, str]] = {}
        for i in range(0, len(ids), 900):
            for m, p, t in Member.objects.filter(pk__in=ids[i : i + 900]).values_list(
                "pk", "professional_level", "theory_level"
            ):
                self.levels[m] = (p, t)

    def on(self, day: D) -> list[V]:
        return [
            v
            for v in self.versions
            if v.valid_from <= day and (v.valid_to is None or day < v.valid_to)
        ]

    def official_end(self, member: int, day: D) -> D | None | bool:
        """End of the member's official period covering `day` (None: open), False if none."""
        for s, e in self.official.get(member, ()):
            if s <= day and (e is None or day < e):
                return e
        return False

    def active(self, org: int, day: D) -> list[tuple[int, D | None]]:
        """Official members active in the cell on the day, with the end of their eligibility."""
        out = []
        for a in self.affs.get(org, ()):
            if a.start <= day and (a.end is None or day < a.end):
                end = self.official_end(a.member, day)
                if end is not False:
                    out.append((a.member, _min_end(a.end, end if isinstance(end, D) else None)))
        return sorted(out)


class Builder:
    def __init__(self, say: Say) -> None:
        self.say = say
        self.rng = random.Random(SEED)  # noqa: S311 (deterministic demo data)
        self.posts: list[Post] = []
        self.roles: list[ConcurrentRole] = []
        self.facts: list[CadreFact] = []
        self.quals: list[Qualification] = []
        self.watches: list[WatchAssignment] = []
        self.secondments: list[Secondment] = []
        self.led: set[int] = set()

    def post(
        self,
        org: int,
        member: int,
        position: str,
        start: D,
        end: D | None,
        org_end: D | None,
        exception: str = "",
    ) -> Post | None:
        end = _min_end(end, org_end)
        if end is not None and end <= start:
            return None
        p = Post(
            org_id=org,
            member_id=member,
            position=position,
            method=Method.ELECTION,
            valid_from=start,
            valid_to=end,
            exception=exception,
            decision_no="",
        )
        self.posts.append(p)
        if position in (Position.SECRETARY, Position.DEPUTY_SECRETARY):
            self.led.add(member)
        return p

    def leaders(
        self, tree: Tree, prefer: Callable[[int, int, D], int] | None = None
    ) -> dict[D, dict[int, Post]]:
        """Secretaries and deputies of every cell and grassroots committee in each round."""
        secretaries: dict[D, dict[int, Post]] = {}
        for i, day in enumerate(TERMS):
            nxt = TERMS[i + 1] if i + 1 < len(TERMS) else None
            versions = tree.on(day)
            cell_members: dict[str, list[tuple[int, D | None]]] = {}
            by_day: dict[int, Post] = {}
            for v in versions:
                if v.kind_key in CELL_KINDS:
                    cell_members[v.path] = tree.active(v.org_id, day)
            cell_paths = sorted(cell_members)
            for v in versions:
                if v.kind_key in CELL_KINDS:
                    people = cell_members[v.path]
                    pool = sorted(
                        people,
                        key=lambda p: (
                            prefer(v.org_id, p[0], day) if prefer else 0,
                            p[0] in self.led,
                            self.rng.random(),
                        ),
                    )
                    if not pool:
                        continue
                    sec = self.post(
                        v.org_id,
                        pool[0][0],
                        Position.SECRETARY,
                        day,
                        _min_end(nxt, pool[0][1]),
                        tree.org_end[v.org_id],
                    )
                    if sec is not None:
                        by_day[v.org_id] = sec
                    if len(pool) > 1:
                        self.post(
                            v.org_id,
                            pool[1][0],
                            Position.DEPUTY_SECRETARY,
                            day,
                            _min_end(nxt, pool[1][1]),
                            tree.org_end[v.org_id],
                        )
                elif v.kind_key in COMMITTEE_KINDS:
                    lo = bisect.bisect_left(cell_paths, v.path)
                    hi = bisect.bisect_left(cell_paths, upper_bound(v.path))
                    people = [p for path in cell_paths[lo:hi] for p in cell_members[path]]
                    pool = sorted(people, key=lambda p: (p[0] in self.led, self.rng.random()))[:2]
                    for person, position in zip(
                        pool, (Position.SECRETARY, Position.DEPUTY_SECRETARY), strict=False
                    ):
                        self.post(
                            v.org_id,
                            person[0],
                            position,
                            day,
                            _min_end(nxt, person[1]),
                            tree.org_end[v.org_id],
                        )
            secretaries[day] = by_day
        return secretaries

    def write(self) -> dict[str, int]:
        counts = {}
        for model, rows in (
            (Post, self.posts),
            (ConcurrentRole, self.roles),
            (CadreFact, self.facts),
            (Qualification, self.quals),
            (WatchAssignment, self.watches),
            (Secondment, self.secondments),
        ):
            model.objects.bulk_create(rows, batch_size=2000)  # type: ignore[attr-defined,arg-type]
            counts[model.__name__] = len(rows)
        return counts


def _tuyen_quang(b: Builder, say: Say) -> None:
    tree = Tree([TQ, HG])
    tq_root = OrgVersion.objects.filter(org__code=TQ).order_by("valid_from").first()
    assert tq_root is not None
    tq_path = tq_root.path
    # secretaries of the 2022 round in Tuyên Quang's cells: degree holders first until the target
    tq_cells = [
        v for v in tree.on(TERMS[1]) if v.path.startswith(tq_path) and v.kind_key in CELL_KINDS
    ]
    target = math.ceil(TQ_DEGREE_TARGET * len(tq_cells))
    chosen = {"n": 0}
    degree_first: set[int] = set()
    for v in tq_cells:
        people = tree.active(v.org_id, TERMS[1])
        if chosen["n"] < target and any(tree.levels[m][0] in DEGREES for m, _e in people):
            degree_first.add(v.org_id)
            chosen["n"] += 1

    def prefer(org: int, member: int, day: D) -> int:
        if day != TERMS[1]:
            return 0
        has = tree.levels[member][0] in DEGREES
        if org in degree_first:
            return 0 if has else 1
        return 1 if has else 0

    b.led.clear()
    secretaries = b.leaders(tree, prefer)
    # qualifications of every leader, dated: degrees before the term; theory before 2025 for
    # about half of the secretaries of 1 January 2025, in the 2025 theory courses for the others
    on_check = [
        p
        for p in secretaries[TERMS[1]].values()
        if (tree.org_end.get(p.org_id) or TQ_CHECK_DAY + dt.timedelta(days=1)) > TQ_CHECK_DAY
    ]
    on_check = [p for p in on_check if p.valid_to is None or p.valid_to > TQ_CHECK_DAY]
    in_tq = {v.org_id for v in tree.on(TQ_CHECK_DAY) if v.path.startswith(tq_path)}
    checked = {p.member_id for p in on_check if p.org_id in in_tq}
    theory_holders = sorted(m for m in checked if tree.levels[m][1] in THEORIES)
    early = set(theory_holders[: round(TQ_THEORY_TARGET * len(checked))])
    for m in sorted(b.led):
        prof, theory = tree.levels[m]
        if prof in DEGREES:
            b.quals.append(
                Qualification(
                    member_id=m,
                    kind=QualificationKind.PROFESSIONAL,
                    level=prof,
                    obtained_on=D(2008 + m % 10, 6, 30),
                    certificate_no=f"ĐH-{m}",
                )
            )
        if theory in THEORIES:
            when = (
                D(2016 + m % 7, 11, 20)
                if (m in early or m not in checked)
                else D(2025, 3 + m % 6, 10)
            )
            b.quals.append(
                Qualification(
                    member_id=m,
                    kind=QualificationKind.THEORY,
                    level=theory,
                    obtained_on=when,
                    certificate_no=f"LLCT-{m}",
                    issuer="Trường Chính trị tỉnh Tuyên Quang",
                )
            )
    b.tq_leaders = sorted(b.led)  # type: ignore[attr-defined]
    b.tq_secretaries_2025 = sorted(checked)  # type: ignore[attr-defined]
    say(f"… cadres: Tuyên Quang and Hà Giang: {len(b.led):,} secretaries and deputies in 2020–2025")


def _training(b: Builder) -> tuple[list[TrainingCourse], list[Enrolment]]:
    """126 courses of the Tuyên Quang committee in 2020–2025; every leader of the period in the
    two provinces that form today's Tuyên Quang enrolled once."""
    organizer = Organization.objects.get(code=TQ)
    leaders: list[int] = b.tq_leaders  # type: ignore[attr-defined]
    courses = []
    for i in range(TQ_COURSES):
        if i < 110:  # 2020 – mid-2025: about 22 a year
            start = D(2020, 3, 2) + dt.timedelta(days=int(i * (1900 / 110)))
        else:
            start = D(2025, 8, 4) + dt.timedelta(days=(i - 110) * 8)
        kind = CourseKind.THEORY if i % 5 == 4 else CourseKind.SKILLS
        topic = (
            "Bồi dưỡng lý luận chính trị sơ cấp"
            if kind == CourseKind.THEORY
            else "Bồi dưỡng nghiệp vụ công tác Đảng cho bí thư, phó bí thư chi bộ"
        )
        courses.append(
            TrainingCourse(
                organizer=organizer,
                topic=f"{topic} (lớp {i + 1})",
                kind=kind,
                starts_on=start,
                ends_on=start + dt.timedelta(days=4),
                place="Trường Chính trị tỉnh Tuyên Quang",
            )
        )
    TrainingCourse.objects.bulk_create(courses)
    enrolments = []
    per = math.ceil(len(leaders) / TQ_COURSES)
    for i, m in enumerate(leaders):
        course = courses[min(i // per, TQ_COURSES - 1)]
        done = (i % 61) != 0
        enrolments.append(
            Enrolment(
                course=course,
                member_id=m,
                attended_days=5 if done else 2,
                completed=done,
                certificate_no=f"BD-{course.pk}-{m}" if done else "",
            )
        )
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    return courses, enrolments


def _contest(b: Builder, posts_by_day: dict[int, Post] | None = None) -> int:
    organizer = Organization.objects.get(code=TQ)
    secretaries: list[int] = b.tq_secretaries_2025  # type: ignore[attr-defined]
    cells = {p.member_id: p.org_id for p in b.posts if p.position == Position.SECRETARY}
    n = 0
    for year in (2023, 2024, 2025):
        contest = Contest.objects.create(
            organizer=organizer, title="Hội thi Bí thư chi bộ giỏi", year=year
        )
        rounds = ContestRound.objects.bulk_create(
            [
                ContestRound(
                    contest=contest,
                    number=1,
                    name="Vòng sơ khảo (cấp huyện)",
                    held_on=D(year, 8, 10),
                ),
                ContestRound(
                    contest=contest,
                    number=2,
                    name="Vòng chung khảo (cấp tỉnh)",
                    held_on=D(year, 10, 20),
                ),
            ]
        )
        rng = random.Random(year)  # noqa: S311 (deterministic demo data)
        entrants = rng.sample(secretaries, 30)
        entries = ContestEntry.objects.bulk_create(
            [ContestEntry(contest=contest, member_id=m, cell_id=cells[m]) for m in entrants]
        )
        scores = []
        totals = []
        for e in entries:
            a, c = round(rng.uniform(60, 98), 1), round(rng.uniform(60, 98), 1)
            scores += [
                ContestScore(round=rounds[0], entry=e, score=a),
                ContestScore(round=rounds[1], entry=e, score=c),
            ]
            totals.append((a + c, e))
        ContestScore.objects.bulk_create(scores)
        totals.sort(key=lambda t: -t[0])
        for rank, (_t, e) in enumerate(totals[:6]):
            e.award = ["Giải Nhất", "Giải Nhì", "Giải Nhì", "Giải Ba", "Giải Ba", "Giải Ba"][rank]
        ContestEntry.objects.bulk_update([e for _t, e in totals[:6]], ["award"])
        n += 1
    return n


def _quang_ninh(b: Builder, say: Say) -> None:
    tree = Tree([QN])
    start = len(b.posts)
    secretaries = b.leaders(tree)
    coal_root = OrgVersion.objects.filter(org__code="22-KTQN").order_by("valid_from").first()
    assert coal_root is not None
    coal_cells = {
        v.org_id
        for v in tree.versions
        if v.path.startswith(coal_root.path) and v.kind_key in CELL_KINDS
    }
    # dual roles: every village and residential-group cell secretary heads the village; of the
    # coal-industry enterprise cells' secretaries, 91.7% manage a workshop or division
    coal_posts = []
    for p in b.posts[start:]:
        if p.position != Position.SECRETARY:
            continue
        sector = tree.sector[p.org_id]
        if sector in (Sector.VILLAGE, Sector.RESIDENTIAL_GROUP):
            kind = (
                RoleKind.VILLAGE_HEAD
                if sector == Sector.VILLAGE
                else RoleKind.RESIDENTIAL_GROUP_HEAD
            )
            b.roles.append(
                ConcurrentRole(
                    member_id=p.member_id,
                    org_id=p.org_id,
                    kind=kind,
                    valid_from=p.valid_from,
                    valid_to=p.valid_to,
                )
            )
        elif p.org_id in coal_cells and sector in (
            Sector.STATE_ENTERPRISE,
            Sector.PRIVATE_ENTERPRISE,
        ):
            coal_posts.append(p)
    # the share holds exactly among the secretaries of the review day, and as nearly among the rest
    groups: dict[bool, list[Post]] = defaultdict(list)
    for p in coal_posts:
        groups[
            p.valid_from <= QN_REVIEW_DAY and (p.valid_to is None or QN_REVIEW_DAY < p.valid_to)
        ].append(p)
    for posts in groups.values():
        n = len(posts)
        k = next((k for k in range(n + 1) if round(100 * k / n, 1) >= QN_COAL_SHARE), n) if n else 0
        for p in posts[:k]:
            b.roles.append(
                ConcurrentRole(
                    member_id=p.member_id,
                    org_id=p.org_id,
                    kind=RoleKind.WORKSHOP_MANAGER,
                    valid_from=p.valid_from,
                    valid_to=p.valid_to,
                    unit_name="Phân xưởng khai thác",
                )
            )
    # border-guard officers on the committees of 24 border and island communes (2020–2025 term)
    border_districts = set(
        Organization.objects.filter(code__in=QN_BORDER_DISTRICTS).values_list("pk", flat=True)
    )
    communes = sorted(
        (
            v
            for v in tree.on(TERMS[0])
            if v.parent_id in border_districts and tree.sector[v.org_id] == Sector.COMMUNE
        ),
        key=lambda v: tree.code[v.org_id],
    )[:QN_BORDER_COMMUNES]
    bp_root = OrgVersion.objects.filter(org__code="22-KBP").order_by("valid_from").first()
    assert bp_root is not None
    officer_end = {
        m: end
        for v in tree.on(TERMS[0])
        if v.path.startswith(bp_root.path) and v.kind_key in CELL_KINDS
        for m, end in tree.active(v.org_id, TERMS[0])
    }
    officers = sorted(
        {
            m
            for v in tree.on(TERMS[0])
            if v.path.startswith(bp_root.path) and v.kind_key in CELL_KINDS
            for m, end in tree.active(v.org_id, TERMS[0])
            if end is None or end >= TERMS[2]
        }
    )
    for v, officer in zip(communes, officers, strict=False):
        end = _min_end(TERMS[2], tree.org_end[v.org_id], officer_end[officer])
        b.post(
            v.org_id,
            officer,
            Position.COMMITTEE_MEMBER,
            TERMS[0],
            end,
            None,
            exception="Sĩ quan Bộ đội Biên phòng tham gia cấp ủy xã biên giới",
        )
        b.facts.append(
            CadreFact(
                member_id=officer,
                org_id=v.org_id,
                kind=FactKind.BORDER_GUARD_OFFICER,
                valid_from=TERMS[0],
                valid_to=end,
                decision_no="QĐ-BP-2020",
            )
        )
    # "the province holds the grassroots, the district holds the cells": members of each district
    # committee watch the cells of one commune each
    _watchers(
        b,
        tree,
        [v for v in tree.on(QN_REVIEW_DAY) if v.kind_key == "district_party_committee"],
        QN_REVIEW_DAY,
        per_node=3,
    )
    _register_qualifications(b, tree, {p.member_id for p in b.posts[start:]})
    say(f"… cadres: Quảng Ninh: {len(b.posts) - start:,} posts, {len(secretaries)} rounds")


def _register_qualifications(b: Builder, tree: Tree, members: set[int]) -> None:
    """The register's professional and theory levels as dated facts (obtained before 2020)."""
    for m in sorted(members):
        prof, theory = tree.levels.get(m, ("", ""))
        if prof in DEGREES:
            b.quals.append(
                Qualification(
                    member_id=m,
                    kind=QualificationKind.PROFESSIONAL,
                    level=prof,
                    obtained_on=D(2008 + m % 10, 6, 30),
                    certificate_no=f"ĐH-{m}",
                )
            )
        if theory in THEORIES:
            b.quals.append(
                Qualification(
                    member_id=m,
                    kind=QualificationKind.THEORY,
                    level=theory,
                    obtained_on=D(2012 + m % 7, 11, 20),
                    certificate_no=f"LLCT-{m}",
                )
            )


def _watchers(b: Builder, tree: Tree, nodes: list[V], day: D, per_node: int) -> None:
    versions = tree.on(day)
    for node in nodes:
        units = sorted(
            (v for v in versions if v.parent_id == node.org_id), key=lambda v: tree.code[v.org_id]
        )
        cells_below = [
            v for v in versions if v.path.startswith(node.path) and v.kind_key in CELL_KINDS
        ]
        people = sorted(
            {m for v in cells_below for m, end in tree.active(v.org_id, day) if end is None}
        )
        rng = random.Random(node.org_id)  # noqa: S311 (deterministic demo data)
        watchers = rng.sample(people, min(per_node, len(people), len(units)))
        for i, m in enumerate(watchers):
            b.post(node.org_id, m, Position.COMMITTEE_MEMBER, day, None, tree.org_end[node.org_id])
            for unit in units[i :: len(watchers)]:
                b.watches.append(
                    WatchAssignment(
                        watcher_id=m,
                        committee_id=node.org_id,
                        unit_id=unit.org_id,
                        valid_from=day,
                        valid_to=_min_end(tree.org_end[unit.org_id], tree.org_end[node.org_id]),
                        decision_no=f"PC-{node.org_id}",
                    )
                )


def _cam_vinh(b: Builder) -> None:
    tree = Tree([HT])
    commune = Organization.objects.get(code="42-18691")
    day = D(2023, 1, 2)
    _watchers(b, tree, [v for v in tree.on(day) if v.org_id == commune.pk], day, per_node=5)


def _nghe_an(b: Builder) -> None:
    """Department cadres (members of the provincial agency bloc's cells) seconded as deputy
    secretaries of 20 communes, August 2024 – August 2025."""
    tree = Tree([NA])
    day, back = D(2024, 8, 1), D(2025, 6, 30)
    bloc = OrgVersion.objects.filter(org__code="40-KCQ").order_by("valid_from").first()
    assert bloc is not None
    versions = tree.on(day)
    senders = [v for v in versions if v.path.startswith(bloc.path) and v.kind_key in CELL_KINDS]
    cadres = [
        (m, v.org_id)
        for v in senders
        for m, end in tree.active(v.org_id, day)
        if end is None or end > back
    ]
    communes = sorted(
        (
            v
            for v in versions
            if tree.sector[v.org_id] == Sector.COMMUNE and v.kind_key in COMMITTEE_KINDS
        ),
        key=lambda v: tree.code[v.org_id],
    )[::20][:20]
    for (m, from_org), commune in zip(cadres[::3], communes, strict=False):
        end = _min_end(back, tree.org_end[commune.org_id])
        b.secondments.append(
            Secondment(
                member_id=m,
                from_org_id=from_org,
                to_org_id=commune.org_id,
                post_held="Phó Bí thư Đảng ủy xã",
                valid_from=day,
                valid_to=end,
                decision_no="1234/QĐ-TU",
                decision_date=D(2024, 7, 20),
            )
        )
        b.post(
            commune.org_id,
            m,
            Position.COMMITTEE_MEMBER,
            day,
            end,
            None,
            exception="Biệt phái theo Quyết định 1234/QĐ-TU",
        )


def build(*, stdout: Any) -> None:
    """Build the demo cadres once (a second run writes nothing)."""

    def say(text: str) -> None:
        stdout.write(text + "\n")

    if Post.objects.exists():
        say("… cadres: already built")
        return
    t0 = time.monotonic()
    present = set(Organization.objects.filter(code__in=[TQ, QN, NA, "42-18691"]).values_list("code", flat=True))
    with transaction.atomic():
        b = Builder(say)
        if TQ in present:
            _tuyen_quang(b, say)
        if QN in present:
            _quang_ninh(b, say)
        if "42-18691" in present:
            _cam_vinh(b)
        if NA in present:
            _nghe_an(b)
        counts = b.write()
        if TQ in present:
            courses, enrolments = _training(b)
            counts.update({"TrainingCourse": len(courses), "Enrolment": len(enrolments), "Contest": _contest(b)})
        audit_log(
            actor=None,
            action="cadres.demo_build",
            target_type="cadres.demo",
            after=counts,
            reason="chibo demo",
        )
    say(
        f"… cadres: {', '.join(f'{k} {v:,}' for k, v in counts.items())} ({time.monotonic() - t0:.0f} s)"
    )
