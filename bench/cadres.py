"""Benchmark scenario: the cadre summary of a province (issue 17: < 200 ms on both databases).

Wiring (in bench/run.py, after `setup_django()`)::

    from bench import cadres as bench_cadres
    rows += bench_cadres.s_cadres(admin, province_org(), timed_pair, scenario)

On a generated dataset without cadres, `ensure_posts` first writes, in bulk and once, a secretary
for every cell of the province (its first official member on the day), the dated qualifications
of the register for them, and the village head's role for the secretaries of village cells, so
that the summary has the shape of the demo's. The floor is the same figures by hand-written SQL
on the same database (one statement per figure group).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

ON = dt.date(2024, 6, 30)
TARGET_MS = 200.0


def ensure_posts(province: Any, on: dt.date = ON) -> int:
    """A secretary for every cell of the province on `on` (once). Returns the posts written."""
    from django.db import transaction

    from chibo.cadres.models import ConcurrentRole, Post, Qualification, QualificationKind, RoleKind
    from chibo.cadres.selectors import CELL_KINDS, DEGREES, THEORY, VILLAGE_SECTORS
    from chibo.core.paths import subtree_q
    from chibo.core.validtime import valid_on_q
    from chibo.members.choices import AffiliationKind, Status
    from chibo.members.models import Affiliation, Member, StatusPeriod
    from chibo.orgs.models import OrgVersion

    version = province.version_on(on)
    cells = OrgVersion.objects.filter(valid_on_q(on), kind__key__in=CELL_KINDS).filter(
        subtree_q(version.path)
    )
    if Post.objects.filter(valid_on_q(on), org_id__in=cells.values("org_id")).exists():
        return 0
    official = StatusPeriod.objects.filter(valid_on_q(on), status=Status.OFFICIAL).values(
        "member_id"
    )
    first: dict[int, int] = {}
    for org_id, member_id in (
        Affiliation.objects.filter(
            valid_on_q(on),
            kind=AffiliationKind.OFFICIAL,
            org_id__in=cells.values("org_id"),
            member_id__in=official,
        )
        .order_by("org_id", "member_id")
        .values_list("org_id", "member_id")
    ):
        first.setdefault(org_id, member_id)
    sectors = dict(cells.values_list("org_id", "org__sector"))
    levels = dict(
        (m, (p, t))
        for m, p, t in Member.objects.filter(pk__in=list(first.values())).values_list(
            "pk", "professional_level", "theory_level"
        )
    )
    with transaction.atomic():
        Post.objects.bulk_create(
            [
                Post(
                    org_id=o,
                    member_id=m,
                    position="secretary",
                    valid_from=on - dt.timedelta(days=700),
                )
                for o, m in first.items()
            ],
            batch_size=2000,
        )
        quals = []
        for m, (prof, theory) in levels.items():
            if prof in DEGREES:
                quals.append(
                    Qualification(
                        member_id=m,
                        kind=QualificationKind.PROFESSIONAL,
                        level=prof,
                        obtained_on=dt.date(2010, 6, 30),
                    )
                )
            if theory in THEORY:
                quals.append(
                    Qualification(
                        member_id=m,
                        kind=QualificationKind.THEORY,
                        level=theory,
                        obtained_on=dt.date(2015, 6, 30),
                    )
                )
        Qualification.objects.bulk_create(quals, batch_size=2000)
        ConcurrentRole.objects.bulk_create(
            [
                ConcurrentRole(
                    member_id=m,
                    org_id=o,
                    kind=RoleKind.VILLAGE_HEAD,
                    valid_from=on - dt.timedelta(days=700),
                )
                for o, m in first.items()
                if sectors.get(o) in VILLAGE_SECTORS
            ],
            batch_size=2000,
        )
    return len(first)


def floor_summary(path: str, on: dt.date) -> dict[str, int]:
    """Secretaries of the province's cells on the date, those with a degree, with theory and the
    village cells' secretaries who head the village: hand-written SQL."""
    from django.db import connection

    from chibo.cadres.selectors import CELL_KINDS, DEGREES, THEORY, VILLAGE_SECTORS
    from chibo.core.paths import upper_bound

    def valid(alias: str) -> str:
        return f"{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %s)"

    def quoted(values: Any) -> str:
        return ", ".join(f"'{v}'" for v in values)

    sql = f"""
        WITH s AS (
          SELECT p.member_id, o.sector FROM cadres_post p
          JOIN orgs_orgversion v ON v.org_id = p.org_id AND {valid("v")} AND v.path >= %s AND v.path < %s
          JOIN orgs_orgkind k ON k.id = v.kind_id AND k.key IN ({quoted(CELL_KINDS)})
          JOIN orgs_organization o ON o.id = p.org_id
          WHERE p.position = 'secretary' AND {valid("p")})
        SELECT (SELECT COUNT(*) FROM s),
          (SELECT COUNT(DISTINCT q.member_id) FROM cadres_qualification q JOIN s ON s.member_id = q.member_id
            WHERE q.kind = 'professional' AND q.level IN ({quoted(DEGREES)}) AND q.obtained_on <= %s),
          (SELECT COUNT(DISTINCT q.member_id) FROM cadres_qualification q JOIN s ON s.member_id = q.member_id
            WHERE q.kind = 'theory' AND q.level IN ({quoted(THEORY)}) AND q.obtained_on <= %s),
          (SELECT COUNT(DISTINCT r.member_id) FROM cadres_concurrentrole r JOIN s ON s.member_id = r.member_id
            WHERE s.sector IN ({quoted(VILLAGE_SECTORS)}) AND r.kind IN ('village_head', 'residential_group_head')
              AND {valid("r")})"""  # noqa: S608 (constants)
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, on, path, upper_bound(path), on, on, on, on, on, on])
        n, degree, theory, heads = cursor.fetchone()
    return {"secretaries": n, "degree": degree, "theory": theory, "village_heads": heads}


def s_cadres(
    admin: Any,
    province: Any,
    timed_pair: Callable[..., Any],
    scenario: Callable[..., Any],
    on: dt.date = ON,
) -> list[dict[str, Any]]:
    from chibo.cadres.selectors import cadre_summary, percent

    ensure_posts(province, on)
    path = province.version_on(on).path
    chibo_s, got, floor_s, want = timed_pair(
        lambda: cadre_summary(user=admin, org=province, on=on), lambda: floor_summary(path, on)
    )
    if (
        got["secretaries"] != want["secretaries"]
        or got["degree_share"] != percent(want["degree"], want["secretaries"])
        or got["theory_share"] != percent(want["theory"], want["secretaries"])
    ):
        raise AssertionError(f"cadre summary differs: {got} != {want}")
    return [
        scenario(
            f"cadre summary of province {province.code} on {on} ({got['secretaries']:,} secretaries)",
            chibo_s * 1000,
            floor_s * 1000,
            "ms",
            None,
            note=f"target: chibo < {TARGET_MS:.0f} ms ({'met' if chibo_s * 1000 < TARGET_MS else 'NOT MET'})",
        )
    ]
