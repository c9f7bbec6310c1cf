"""Fixtures for the evaluation tests: members in the project-wide small tree (tests/conftest.py)
and criteria sets of the province for the 100-point rounds."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.evaluation import services
from tests.meetings.conftest import SYSTEM, admit, vn_name

D = dt.date
GROUPS = [{"code": "politics", "name": "Chính trị tư tưởng", "max_points": 20},
          {"code": "ethics", "name": "Đạo đức, lối sống", "max_points": 20},
          {"code": "discipline", "name": "Ý thức tổ chức kỷ luật", "max_points": 20},
          {"code": "tasks", "name": "Kết quả thực hiện nhiệm vụ", "max_points": 40}]

__all__ = ["SYSTEM", "admit", "vn_name", "GROUPS", "points"]


def points(total: int) -> dict[str, float]:
    """Scores adding up to `total` within the groups' maxima."""
    out, left = {}, total
    for g in GROUPS:
        take = min(left, g["max_points"])
        out[g["code"]] = take
        left -= take
    return out


@pytest.fixture
def criteria(tree):
    for audience in ("member", "leader", "collective"):
        services.criteria_set_publish(actor=None, owner=tree["P1"], audience=audience, name=f"Bộ tiêu chí {audience}",
                                      groups=GROUPS, valid_from=D(2025, 9, 1))


@pytest.fixture
def people(tree):
    a = [admit(tree["CA"], vn_name("Văn", i)) for i in range(6)]
    b = [admit(tree["CB"], vn_name("Thị", i)) for i in range(4)]
    return {"CA": a, "CB": b}


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (a test that needs another language overrides it)."""
    from django.utils import translation

    with translation.override("en"):
        yield
