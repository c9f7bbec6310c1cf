"""The demo rounds: on the small tree (idempotent, the quota kept in every group, a secretary per
cell, 2021–2025 under their rule sets) and on the shared demo of Tuyên Quang and Hà Giang (seed
000: 96.3% of Tuyên Quang's cell secretaries rated good or better in 2024, from records)."""

from __future__ import annotations

import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command

from chibo.demo import evaluation as demo
from chibo.evaluation import selectors, services
from chibo.evaluation.models import Assessment, Round, State, Subject

from .conftest import SYSTEM, admit, vn_name

D = dt.date


@pytest.mark.django_db
def test_build_on_the_small_tree(tree):
    for i in range(12):
        admit(tree["CA"], vn_name("Văn", i), on=D(2020, 2, 1) if i else D(2024, 10, 1))
    for i in range(7):
        admit(tree["CY1"], vn_name("Thị", i), on=D(2020, 2, 1))
    out = StringIO()
    counts = demo.build(stdout=out)
    assert counts["rounds"] == 10  # two provinces, five years
    regs = dict(Round.objects.filter(org=tree["P1"]).values_list("year", "regulation"))
    assert regs == {2021: "132-QĐ/TW", 2022: "132-QĐ/TW", 2023: "124-QĐ/TW", 2024: "124-QĐ/TW",
                    2025: "366-QĐ/TW"}
    assert demo.build(stdout=out) == {"rounds": 0, "assessments": 0, "pledges": 0}
    for rnd in Round.objects.all():
        groups = set(Assessment.objects.filter(round=rnd).values_list("subject", "group_path"))
        for subject, group in groups:
            assert services.quota_check(rnd, subject, group)[2], (rnd.year, subject, group)
        for a in Assessment.objects.filter(round=rnd, state=State.DECIDED).select_related("round"):
            if a.self_total is not None:
                assert services.band_level(a.self_total, rnd.rules["bands"]) == a.decided_level
    r24 = Round.objects.get(org=tree["P1"], year=2024)
    assert Assessment.objects.filter(round=r24, post="secretary", org=tree["CA"]).count() == 1
    # the member admitted in October 2024 is not rated in 2024
    assert Assessment.objects.filter(round=r24, state=State.NOT_RATED, excluded="recently_admitted").count() == 1
    s = selectors.summary(user=SYSTEM, org=tree["P1"], year=2024, of="members")
    assert s["total"] == 19 and s["not_rated"] == 1 and s["pending"] == 0
    assert Assessment.objects.filter(round=r24, subject=Subject.ORGANIZATION, state=State.DECIDED).count() > 0


@pytest.mark.usefixtures("demo_tuyen_quang_ha_giang")
def test_seed_figures_on_the_demo(django_db_blocker):
    with django_db_blocker.unblock():
        demo.build(stdout=StringIO())
        out = io.StringIO()
        call_command("evaluation", "summary", "--under", "08", "--year", "2024", "--of", "secretaries", "--json",
                     stdout=out)
        s = json.loads(out.getvalue())
        assert s["good_or_better_percent"] == 96.3, s
        assert s["total"] > 100 and {"excellent", "good", "completed", "not_completed", "not_rated"} <= set(s)
