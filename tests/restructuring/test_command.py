"""`chibo restructure check|apply|where` on the small province."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chibo.orgs import kinds as K

from .helpers import plan_yaml, row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

EVENTS = [
    {"type": "establish", "code": "RS-N1", "name": "Đảng bộ xã Mới", "kind": K.COMMUNE_LEVEL, "parent": "RS-P"},
    {"type": "merge", "sources": ["RS-C2"], "into": "RS-C1"},
    {"type": "merge", "sources": ["RS-G1", "RS-G2"], "into": "RS-N1", "children_kinds": {K.PARTY_CELL: K.GRASSROOTS_CELL}},
    {"type": "move", "org": "RS-A1", "parent": "RS-N1"},
    {"type": "dissolve", "org": "RS-D1", "children_to": "RS-P"},
]


def test_check_apply_where(world, tmp_path, capsys):
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_yaml(EVENTS, key="cli-plan"))
    counts = row_counts()
    call_command("restructure", "check", str(plan), "--json")
    impact = json.loads(capsys.readouterr().out)
    assert impact["ok"] and impact["summary"]["members_moved_by_destination"] == {"RS-C1": 1}
    assert impact["summary"]["closed"] == {"party_cell": 1, "grassroots_party_committee": 2,
                                           "district_party_committee": 1}
    assert row_counts() == counts
    call_command("restructure", "apply", str(plan))
    assert "Applied “cli-plan”" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already applied"):
        call_command("restructure", "apply", str(plan))
    with pytest.raises(CommandError, match="already applied"):
        call_command("restructure", "check", str(plan))
    capsys.readouterr()
    call_command("restructure", "where", "--province", "RS-P", "--json", "--members")
    report = json.loads(capsys.readouterr().out)
    totals = report["totals"]
    assert totals["before"] == 7 and totals["stayed"] == 7 and totals["balance"] == 0
    assert totals["balance_after"] == 0 and totals["in_two_cells_after"] == 0
    row = next(r for r in report["rows"] if r["cell"]["code"] == "RS-C2")
    assert row["destinations"][0]["cell"]["code"] == "RS-C1"
    assert row["destinations"][0]["grassroots"]["code"] == "RS-C1"  # now a grassroots cell
    assert row["destinations"][0]["upper"]["code"] == "RS-N1"
    assert [m["outcome"] for m in row["members"]] == ["stayed"]


def test_refused_plans_exit_non_zero(world, tmp_path):
    plan = tmp_path / "bad.yaml"
    plan.write_text(plan_yaml([{"type": "dissolve", "org": "RS-D1"}], key="bad"))
    counts = row_counts()
    with pytest.raises(CommandError, match="sub-organization"):
        call_command("restructure", "check", str(plan))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("restructure", "apply", str(plan))
    plan.write_text("key: [")
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("restructure", "check", str(plan))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("restructure", "check", str(tmp_path / "missing.yaml"))
    with pytest.raises(CommandError, match="No organization"):
        call_command("restructure", "where", "--province", "NOPE")
    assert row_counts() == counts


def test_applying_a_plan_raises_an_impact_assessment_update(world, tmp_path, capsys):
    """Law 91 Art. 22(2)(a) (security.md G11): a reorganization raises a "DPIA update due" task,
    scoped to what the plan touched, open until someone records the update."""
    from chibo.core.models import AuditEvent
    from chibo.restructuring.models import DpiaTask

    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_yaml(EVENTS, key="dpia-plan"))
    call_command("restructure", "apply", str(plan))
    task = DpiaTask.objects.get(plan__key="dpia-plan")
    assert task.done_at is None and task.due_on.isoformat() == "2025-07-01"
    assert task.org_path  # scoped: the province's subtree
    capsys.readouterr()
    call_command("restructure", "dpia")
    listing = capsys.readouterr().out
    assert "dpia-plan" in listing and "OPEN" in listing
    with pytest.raises(CommandError, match="Say what was updated"):
        call_command("restructure", "dpia", "--done", "dpia-plan")
    with pytest.raises(CommandError, match="no impact-assessment task"):
        call_command("restructure", "dpia", "--done", "no-such-plan", "--note", "x")
    call_command("restructure", "dpia", "--done", "dpia-plan", "--note", "Hồ sơ ĐGTĐ số 12")
    task.refresh_from_db()
    assert task.done_at is not None and task.note == "Hồ sơ ĐGTĐ số 12"
    assert AuditEvent.objects.filter(action="dpia.complete", target_id=str(task.pk)).exists()
    with pytest.raises(CommandError, match="already recorded"):
        call_command("restructure", "dpia", "--done", "dpia-plan", "--note", "again")
    capsys.readouterr()
    call_command("restructure", "dpia")
    assert "no impact-assessment update is open" in capsys.readouterr().out
