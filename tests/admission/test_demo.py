"""The demo admission records: on the small tree (idempotent, one ceremony per admission since
2020, some people late today) and on the shared demo of Quảng Ninh, where seed 002's figures
(283 students, 1,061 private-sector admissions in 2020 – June 2024, 3.2% exceeded every year)
come out of the procedure's records through the CLI and the API."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from chibo.accounts.models import User
from chibo.admission import selectors
from chibo.admission.models import AdmissionAct, Applicant, Step
from chibo.demo import admission as demo
from chibo.members.models import MemberEvent
from tests.meetings.conftest import admit, vn_name

from .conftest import D

pytestmark = pytest.mark.django_db


def test_small_tree_build(tree, admin):
    for i in range(6):
        admit(tree["CA"], vn_name("Văn", i), on=D(2020, 1, 1))
    for i in range(4):
        admit(tree["CA"], vn_name("Thị", i), on=D(2021, 3, 1), official=i < 3)
    out = io.StringIO()
    result = demo.build(stdout=out)
    assert result["applicants"] > 4
    assert demo.build(stdout=out)["applicants"] == 0  # idempotent
    admissions = MemberEvent.objects.filter(type="admitted", on__gt=D(2020, 1, 1)).count()
    assert AdmissionAct.objects.filter(step=Step.CEREMONY).count() == admissions + 6 == 10
    assert Applicant.objects.filter(state=Step.OFFICIAL).count() == 6 + 3
    # chains are consistent: each act holds until the next one
    for a in Applicant.objects.all():
        acts = list(a.acts.order_by("on", "id"))
        assert all(x.until == y.on for x, y in zip(acts, acts[1:], strict=False))
        assert acts[-1].until is None and acts[-1].state == a.state
    status = selectors.pipeline_status(user=admin, org=tree["P1"], on=D(2026, 12, 5))
    assert status.total >= 1


@pytest.mark.usefixtures("demo_quang_ninh")
def test_seed_figures_from_pipeline_records():
    demo.build(stdout=io.StringIO())  # the step of `chibo demo` (a no-op when it already ran)
    out = io.StringIO()
    call_command("admission", "admitted", "--under", "22", "--from", "2020-01-01", "--to", "2024-06-30", "--json",
                 stdout=out)
    data = json.loads(out.getvalue())
    assert data["by_source"]["students"] == 283
    assert data["by_source"]["private_enterprise"] == 1061
    for year in (2020, 2021, 2022, 2023):
        out = io.StringIO()
        call_command("admission", "target", "--under", "22", "--year", str(year), "--json", stdout=out)
        t = json.loads(out.getvalue())
        assert t["target_share"] == 3.2 and t["share"] > 3.2, t
        assert t["admitted"] * 100 > 3.2 * t["members_at_start"]
    admin = User.objects.get(username="admin")
    c = Client()
    c.force_login(admin)
    r = c.get("/api/v1/admission/applicants/admitted/?under=22&from=2020-01-01&to=2024-06-30").json()
    assert (r["by_source"]["students"], r["by_source"]["private_enterprise"]) == (283, 1061)
    r = c.get("/api/v1/admission/applicants/target/?under=22&year=2023").json()
    assert r["share"] > r["target_share"] == 3.2
    out = io.StringIO()
    call_command("admission", "status", "--under", "22", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["in_progress"] > 0 and status["overdue"] > 0
