"""The demo cadres on the shared Quảng Ninh demo (tests/demo_fixture.py): seed 002's figures come
from the records through the same function as the CLI and the API, every post follows the rules
the services enforce, and a second build writes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from chibo.accounts.models import User
from chibo.cadres.models import Position, Post
from chibo.cadres.selectors import cadre_summary
from chibo.core.validtime import valid_on_q
from chibo.demo import cadres as demo
from chibo.members.choices import Status
from chibo.members.models import StatusPeriod
from chibo.orgs.models import Organization

SYSTEM = User(username="system", is_superuser=True, is_active=True)


@pytest.mark.django_db
def test_quang_ninh_figures_from_records(demo_quang_ninh):
    out = io.StringIO()
    demo.build(stdout=out)
    assert "Quảng Ninh" in out.getvalue()
    on = demo.QN_REVIEW_DAY
    province = cadre_summary(user=SYSTEM, org=Organization.objects.get(code="22"), on=on)
    assert province["secretaries"] > 1000
    assert province["village_head_share"] == 100.0
    assert province["border_guard_communes"] == demo.QN_BORDER_COMMUNES
    assert province["watched_units"] > 0
    coal = cadre_summary(user=SYSTEM, org=Organization.objects.get(code="22-KTQN"), on=on)
    assert coal["enterprise_cell_secretaries"] > 100
    assert coal["workshop_manager_share"] == demo.QN_COAL_SHARE
    # one secretary per organization on the day, each an official member then
    secretaries = Post.objects.filter(valid_on_q(on), position=Position.SECRETARY)
    assert secretaries.values("org_id").distinct().count() == secretaries.count()
    holders = set(secretaries.values_list("member_id", flat=True))
    official = set(
        StatusPeriod.objects.filter(
            valid_on_q(on), status=Status.OFFICIAL, member_id__in=holders
        ).values_list("member_id", flat=True)
    )
    assert holders == official
    n = Post.objects.count()
    again = io.StringIO()
    demo.build(stdout=again)
    assert "already built" in again.getvalue() and Post.objects.count() == n
    assert dt.date(2020, 5, 15) in demo.TERMS
