"""Checks shared by the demo's acceptance tests (Quảng Ninh, and Tuyên Quang + Hà Giang)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter

from django.core.management import call_command
from django.db.models import Q

from chibo.core.paths import any_subtree_q
from chibo.core.validtime import valid_on_q
from chibo.geo.models import REFORM_DATE
from chibo.members.choices import AffiliationKind
from chibo.members.models import Affiliation
from chibo.members.services import MEMBER_CELL_KINDS
from chibo.orgs.models import Organization, OrgVersion

DAY_BEFORE = REFORM_DATE - dt.timedelta(days=1)


def counts(code: str, on: dt.date | str) -> dict[str, int]:
    """`chibo orgs count --under CODE --as-of ON --json`."""
    on = on if isinstance(on, str) else on.isoformat()
    out = io.StringIO()
    call_command("orgs", "count", "--under", code, "--as-of", on, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["under"] == code and data["as_of"] == on
    return data["counts"]


def paths_of(codes: list[str]) -> list[str]:
    """Every path the organizations ever had (their subtrees over all time)."""
    return list(OrgVersion.objects.filter(org__code__in=codes).values_list("path", flat=True).distinct())


def member_cells(on: dt.date, codes: list[str]) -> dict[int, list[int]]:
    """Member -> the cells (organization ids) the member is officially active in on `on`, for
    the members of cells that are under one of the organizations `codes` on that day."""
    under = set(
        OrgVersion.objects.filter(valid_on_q(on), kind__key__in=MEMBER_CELL_KINDS)
        .filter(any_subtree_q(paths_of(codes))).values_list("org_id", flat=True)
    )
    rows = (
        Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on)).values_list("member_id", "org_id")
    )
    out: dict[int, list[int]] = {}
    for member_id, org_id in rows:
        if org_id in under:
            out.setdefault(member_id, []).append(org_id)
    return out


def assert_one_cell_each_across_the_reform(codes: list[str], after_code: str) -> int:
    """Every member in a cell of `codes` on 2025-06-30 is in exactly one cell on 2025-07-01, a
    cell (of a kind members belong to) under `after_code` that day. Returns how many."""
    before = member_cells(DAY_BEFORE, codes)
    assert before
    ids = list(before)
    after: dict[int, list[int]] = {}
    for i in range(0, len(ids), 500):
        rows = (Affiliation.objects.filter(kind=AffiliationKind.OFFICIAL, member_id__in=ids[i:i + 500])
                .filter(valid_on_q(REFORM_DATE)).values_list("member_id", "org_id"))
        for member_id, org_id in rows:
            after.setdefault(member_id, []).append(org_id)
    counted = Counter(len(after.get(m, [])) for m in ids)
    assert counted == {1: len(ids)}, counted
    root = Organization.objects.get(code=after_code).version_on(REFORM_DATE)
    assert root is not None
    cells_after = set(
        OrgVersion.objects.filter(valid_on_q(REFORM_DATE), kind__key__in=MEMBER_CELL_KINDS)
        .filter(any_subtree_q([root.path])).values_list("org_id", flat=True)
    )
    outside = [m for m in ids if after[m][0] not in cells_after]
    assert outside == []
    assert [m for m, cells in before.items() if len(cells) != 1] == []
    return len(ids)
