"""Demo review rounds: every December of 2021–2025 each demo province's committee rates its
organizations and members (132-QĐ/TW in 2021–2022, 124-QĐ/TW in 2023–2024, 366-QĐ/TW on 100
points in 2025), and the "four good" emulation of Hà Tĩnh (seed 003).

Reproduces from records:
- Tuyên Quang (08), seed 000: 96.3% of the cell secretaries rated "completed tasks well" or
  better in 2024 (`chibo evaluation summary --under 08 --year 2024 --of secretaries`);
- Hà Tĩnh's provincial military committee (42-KQS), seed 003, 2023 (one year into the model):
  every organization completed its tasks, 97% (32 of its 33 organizations, `demo.orgs.HT_MILITARY`)
  completed them well, over 90% of the members completing well, no violation;
- Cẩm Vịnh (42-18691): 10 of 10 cells pledged; Đức Thọ (42-440): 34 of 34 units signed.

Rounds are opened through `services.round_open` (which creates the assessments in bulk); the
results are then written in bulk, level by level, respecting the quota in every comparable group
and the forcing rules (nobody is disciplined in the demo), with one audit event. In the 2025
round the cells of the demo secretaries stay open, for them to fill in. A second run writes
nothing. Cells without a secretary post on file (when the cadres demo was not built) get one of
their official members marked as secretary on the assessment (the member's post as a field).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction

from chibo.core.audit import audit_log
from chibo.core.validtime import valid_on_q
from chibo.evaluation import services
from chibo.evaluation.models import (
    LEVEL_ORDER,
    Assessment,
    Level,
    Post,
    Programme,
    Recognition,
    Round,
    State,
    Subject,
)
from chibo.orgs.models import Organization, OrgVersion

SEED = 2024
YEARS = (2021, 2022, 2023, 2024, 2025)
TUYEN_QUANG, MILITARY, CAM_VINH, DUC_THO = "08", "42-KQS", "42-18691", "42-440"
E, G, C, N = str(Level.EXCELLENT), str(Level.GOOD), str(Level.COMPLETED), str(Level.NOT_COMPLETED)
CRITERIA: list[dict[str, Any]] = [{"code": "politics", "name": "Tư tưởng chính trị", "max_points": 20},
            {"code": "ethics", "name": "Phẩm chất đạo đức, lối sống", "max_points": 20},
            {"code": "discipline", "name": "Ý thức tổ chức kỷ luật", "max_points": 20},
            {"code": "tasks", "name": "Kết quả thực hiện chức trách, nhiệm vụ", "max_points": 40}]
POINTS: dict[str, tuple[int, int]] = {E: (90, 98), G: (72, 89), C: (52, 69), N: (35, 49)}


def _opened(year: int) -> dt.date:
    return dt.date(year, 12, 1)


def _roots(on: dt.date) -> list[Organization]:
    ids = OrgVersion.objects.filter(valid_on_q(on), parent__isnull=True).values_list("org_id", flat=True)
    return list(Organization.objects.filter(pk__in=ids).order_by("code"))


def _closest(n: int, percent: float) -> int:
    """The count out of n whose share is nearest `percent`."""
    return min(range(n + 1), key=lambda k: abs(100.0 * k / n - percent)) if n else 0


def _reachable(n: int, percent: float) -> bool:
    """Whether some count out of n gives exactly `percent` to one decimal."""
    return n > 0 and round(100.0 * _closest(n, percent) / n, 1) == percent


def _vacancies(secs: list[dict[str, Any]], percent: float) -> None:
    """Leave a few cells without a secretary on file (vacant posts) so that the share can be
    exactly `percent` to one decimal (only among the posts this demo marked itself)."""
    marked = [r for r in secs if r.get("post_set")]
    n = len(secs)
    while n > 0 and not _reachable(n, percent) and len(secs) - n < len(marked):
        n -= 1
    for r in marked[:len(secs) - n]:
        r["post"], r["post_set"] = Post.NONE, False


def _share_levels(n: int, rng: random.Random, good_share: float, not_completed: float = 0.02) -> list[str]:
    """n levels: `good_share` good or better, a few not completed, the rest completed."""
    k = _closest(n, good_share)
    bad = min(n - k, round(n * not_completed))
    out = [G] * k + [N] * bad + [C] * (n - k - bad)
    rng.shuffle(out)
    return out


def _with_quota(levels: list[str], cap: float, rng: random.Random, excellent_share: float = 0.1) -> list[str]:
    """Promote some "good" to "excellent" within the quota (excellent <= cap% of good)."""
    goods = [i for i, lv in enumerate(levels) if lv == G]
    want = round(len(levels) * excellent_share)
    # e excellent leave g - e good: e <= cap/100 * (g - e)
    e = 0
    while e < want and (e + 1) * 100 <= cap * (len(goods) - e - 1):
        e += 1
    for i in rng.sample(goods, e):
        levels[i] = E
    return levels


def _secretaries(rows: list[dict[str, Any]], rng: random.Random) -> None:
    """Mark a secretary in every cell that has none on file (the member's post as a field)."""
    by_cell: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["subject"] == Subject.MEMBER and r["is_cell"]:
            by_cell[r["org_id"]].append(r)
    for members in by_cell.values():
        if any(r["post"] == Post.SECRETARY for r in members):
            continue
        rated = sorted((r for r in members if r["state"] != State.NOT_RATED), key=lambda r: r["member_id"])
        if rated:
            rated[0]["post"] = Post.SECRETARY
            rated[0]["post_set"] = True


def _plan(rnd: Round, rng: random.Random, open_cells: set[int]) -> dict[int, dict[str, Any]]:
    rows = list(Assessment.objects.filter(round=rnd).values(
        "id", "subject", "org_id", "member_id", "path", "group_path", "post", "state", "is_cell"))
    _secretaries(rows, rng)
    cap = float(rnd.rules.get("quota_percent", 20))
    military = OrgVersion.objects.filter(org__code=MILITARY).filter(valid_on_q(rnd.opened_on)).values_list(
        "path", flat=True).first()
    out: dict[int, dict[str, Any]] = {}
    # organizations, by comparable group (their parent)
    orgs = [r for r in rows if r["subject"] == Subject.ORGANIZATION]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in orgs:
        groups[r["group_path"]].append(r)
    mil_orgs = [r for r in orgs if military and r["path"].startswith(military) and r["path"] != military]
    for members in groups.values():
        free = [r for r in members if r not in mil_orgs]
        for r, lv in zip(free, _with_quota(_share_levels(len(free), rng, 80.0), cap, rng), strict=True):
            out[r["id"]] = {"level": lv}
    if mil_orgs and rnd.year == 2023:
        levels = _share_levels(len(mil_orgs), rng, 97.0, not_completed=0.0)
        for r, lv in zip(mil_orgs, levels, strict=True):
            out[r["id"]] = {"level": lv}
    elif mil_orgs:
        for r, lv in zip(mil_orgs, _share_levels(len(mil_orgs), rng, 85.0), strict=True):
            out[r["id"]] = {"level": lv}
    # members, by comparable group (their grassroots organization)
    members = [r for r in rows if r["subject"] == Subject.MEMBER and r["state"] != State.NOT_RATED]
    secretaries = [r for r in members if r["post"] == Post.SECRETARY and r["is_cell"]]
    sec_share = 96.3 if rnd.year == 2024 else 94.0
    tq = OrgVersion.objects.filter(org__code=TUYEN_QUANG).filter(valid_on_q(rnd.opened_on)).values_list(
        "path", flat=True).first()
    tq_secs = [r for r in secretaries if tq and r["path"].startswith(tq)]
    if rnd.year == 2024 and not _reachable(len(tq_secs), sec_share):
        _vacancies(tq_secs, sec_share)
        tq_secs = [r for r in tq_secs if r["post"] == Post.SECRETARY]
        secretaries = [r for r in members if r["post"] == Post.SECRETARY and r["is_cell"]]
    other_secs = [r for r in secretaries if not (tq and r["path"].startswith(tq))]
    for batch in (tq_secs, other_secs):
        for r, lv in zip(batch, _share_levels(len(batch), rng, sec_share, not_completed=0.0), strict=True):
            out[r["id"]] = {"level": lv}
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in members:
        if r["id"] not in out:
            by_group[(r["group_path"])].append(r)
    for group, rs in by_group.items():
        share = 93.0 if military and group.startswith(military) else 92.0
        levels = _share_levels(len(rs), rng, share, not_completed=0.0 if share == 93.0 else 0.02)
        fixed_good = sum(1 for r in secretaries if r["group_path"] == group and out[r["id"]]["level"] == G)
        levels = _with_quota(levels + [G] * fixed_good, cap, rng)[:len(rs)] if fixed_good else \
            _with_quota(levels, cap, rng)
        for r, lv in zip(rs, levels, strict=True):
            out[r["id"]] = {"level": lv}
    for r in rows:
        if r["id"] in out:
            out[r["id"]]["post"] = r["post"] if r.get("post_set") else None
            out[r["id"]]["open"] = r["org_id"] in open_cells and rnd.year == YEARS[-1]
    return out


def _points(level: str, rng: random.Random) -> tuple[dict[str, float], Decimal]:
    """Scores per criteria group adding up to a total in the level's band."""
    low, high = POINTS[level]
    total = rng.randint(low, high)
    scores: dict[str, float] = {str(g["code"]): float(total * int(g["max_points"]) // 100) for g in CRITERIA}
    scores["tasks"] += total - sum(scores.values())
    return scores, Decimal(total)


def _write(rnd: Round, plan: dict[int, dict[str, Any]], rng: random.Random) -> int:
    decided = dt.date(rnd.year, 12, 26)
    number = f"{rnd.year % 100:02d}-QĐ/TU"
    points = rnd.rules["scale"] == "points"
    by_level: dict[str, list[int]] = defaultdict(list)
    posts: list[int] = []
    for pk, p in plan.items():
        if p.get("post"):
            posts.append(pk)
        if p.get("open"):
            continue
        by_level[p["level"]].append(pk)
    for i in range(0, len(posts), 900):
        Assessment.objects.filter(pk__in=posts[i:i + 900]).update(post=Post.SECRETARY)
    n = 0
    for level in LEVEL_ORDER:
        ids = by_level.get(level, [])
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            fields: dict[str, Any] = dict(
                state=State.DECIDED, self_level=level, proposed_level=level, decided_level=level,
                self_on=dt.date(rnd.year, 12, 5), proposed_on=dt.date(rnd.year, 12, 12), decided_on=decided,
                decision_number=number, decided_by_id=rnd.org_id, votes_for=5, votes_against=0, abstentions=0)
            if points:
                scores, total = _points(level, rng)
                fields.update(scores=scores, self_total=total)
            n += Assessment.objects.filter(pk__in=chunk).update(**fields)
    return n


def _open_cells() -> set[int]:
    from chibo.accounts.models import RoleAssignment

    return set(RoleAssignment.objects.filter(role__key="party_cell_secretary").values_list("org_id", flat=True))


def _emulation(stdout: TextIO) -> int:
    made = 0
    for code, name, pilot in ((CAM_VINH, "Chi bộ 4 tốt — xã Cẩm Vịnh", 10),
                              (DUC_THO, "Chi bộ 4 tốt, Đảng bộ cơ sở 4 tốt — huyện Đức Thọ", 5)):
        owner = Organization.objects.filter(code=code).first()
        if owner is None:
            stdout.write(f"evaluation: no {code} in the tree; its emulation is left out\n")
            continue
        if Programme.objects.filter(owner=owner).exists():
            continue
        prog = services.programme_create(actor=None, owner=owner, name=name, start_year=2023, end_year=2025,
                                         basis="Nghị quyết 21-NQ/TW; Chương trình hành động 18-CTr/TU",
                                         required_level=G)
        on = dt.date(2023, 1, 10)
        v = owner.version_on(on)
        units = list(OrgVersion.objects.filter(parent_id=v.org_id if v else None).filter(valid_on_q(on))
                     .order_by("org__code").values_list("org_id", flat=True)) if v else []
        for i, org_id in enumerate(units):
            org = Organization.objects.get(pk=org_id)
            part = services.programme_register(
                actor=None, programme=prog, org=org, registered_on=on, phase="pilot" if i < pilot else "expansion",
                pledge_signed_on=on + dt.timedelta(days=5), pledge_document=f"{i + 1:02d}/CK-{code}")
            for year in (2023, 2024):
                Recognition.objects.create(participation=part, year=year, total=Decimal(88 - i % 5), recognized=True,
                                           scores={c["code"]: 22 - i % 2 for c in prog.contents},
                                           decision_number=f"{year}-QĐ/{code}", decided_on=dt.date(year + 1, 1, 15))
            made += 1
    return made


def build(*, stdout: TextIO, years: tuple[int, ...] = YEARS) -> dict[str, int]:
    counts = {"rounds": 0, "assessments": 0, "pledges": 0}
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    open_cells = _open_cells()
    with transaction.atomic():
        for year in years:
            on = _opened(year)
            for root in _roots(on):
                if Round.objects.filter(org=root, year=year).exists():
                    continue
                if year >= 2025:
                    from chibo.evaluation.models import CriteriaSet

                    for audience in ("member", "leader", "collective"):
                        if not CriteriaSet.objects.filter(owner=root, audience=audience).exists():
                            services.criteria_set_publish(actor=None, owner=root, audience=audience,
                                                          name=f"Bộ tiêu chí {year}", groups=CRITERIA,
                                                          valid_from=dt.date(year, 11, 6))
                rnd = services.round_open(actor=None, org=root, year=year, opened_on=on, label=f"Năm {year}")
                counts["rounds"] += 1
                counts["assessments"] += _write(rnd, _plan(rnd, rng, open_cells), rng)
                stdout.write(f"evaluation: {root.code} {year} ({rnd.regulation})\n")
        counts["pledges"] = _emulation(stdout)
        if any(counts.values()):
            audit_log(actor=None, action="evaluation.demo_build", target_type="evaluation.round",
                      target_label="demo", after=counts)
    return counts
