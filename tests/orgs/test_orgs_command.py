"""`chibo orgs count`: counts by kind from the records, as JSON or a table."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from chibo.core.validtime import today
from chibo.orgs import kinds as K
from chibo.orgs import services
from chibo.orgs.models import OrgKind
from chibo.orgs.services import DecisionRef

pytestmark = pytest.mark.django_db

D2015 = dt.date(2015, 1, 1)
DECISION = DecisionRef("1-QĐ/TU", D2015, "Ban Thường vụ Tỉnh ủy Thử nghiệm")


@pytest.fixture
def small_tree():
    """CMD-P ─ CMD-D ─ CMD-G (committee) ─ CMD-C1, CMD-C2 (cells; CMD-C2 dissolved 2021-03-01)
                    └ CMD-GC (grassroots cell)"""

    def est(code, name, kind, parent, on=D2015):
        return services.org_establish(actor=None, code=code, name=name, kind=kind, parent=parent,
                                      on=on, decision=DECISION)

    p = est("CMD-P", "Đảng bộ tỉnh Thử Nghiệm", K.PROVINCIAL, None)
    d = est("CMD-D", "Đảng bộ huyện Thử Nghiệm", K.DISTRICT, p)
    g = est("CMD-G", "Đảng bộ xã Thử Nghiệm", K.GRASSROOTS_COMMITTEE, d)
    est("CMD-GC", "Chi bộ Trường THPT Thử Nghiệm", K.GRASSROOTS_CELL, d)
    est("CMD-C1", "Chi bộ thôn 1", K.PARTY_CELL, g)
    c2 = est("CMD-C2", "Chi bộ thôn 2", K.PARTY_CELL, g)
    services.org_dissolve(actor=None, org=c2, on=dt.date(2021, 3, 1),
                          decision=DecisionRef("9-QĐ/ĐU", dt.date(2021, 2, 20), "Đảng ủy xã Thử Nghiệm"))
    return p


def count(*args: str) -> dict:
    out = io.StringIO()
    call_command("orgs", "count", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_json_shape_and_counts(small_tree):
    data = count("--under", "CMD-P", "--as-of", "2020-01-01")
    assert set(data) == {"under", "as_of", "counts"}
    assert data["under"] == "CMD-P"
    assert data["as_of"] == "2020-01-01"
    keys = set(OrgKind.objects.values_list("key", flat=True)) | {K.GRASSROOTS_ORGANIZATION}
    assert set(data["counts"]) == keys
    counts = data["counts"]
    assert counts[K.PROVINCIAL] == 0  # the node itself is not counted
    assert counts[K.DISTRICT] == 1
    assert counts[K.GRASSROOTS_COMMITTEE] == 1
    assert counts[K.GRASSROOTS_CELL] == 1
    assert counts[K.GRASSROOTS_ORGANIZATION] == 2
    assert counts[K.PARTY_CELL] == 2


def test_counts_follow_the_date(small_tree):
    assert count("--under", "CMD-P", "--as-of", "2021-02-28")["counts"][K.PARTY_CELL] == 2
    assert count("--under", "CMD-P", "--as-of", "2021-03-01")["counts"][K.PARTY_CELL] == 1
    before = count("--under", "CMD-P", "--as-of", "2014-12-31")["counts"]
    assert all(n == 0 for n in before.values())


def test_under_a_lower_node(small_tree):
    counts = count("--under", "CMD-G", "--as-of", "2020-01-01")["counts"]
    assert counts[K.PARTY_CELL] == 2
    assert counts[K.GRASSROOTS_ORGANIZATION] == 0


def test_defaults_whole_tree_and_today(small_tree):
    data = count()
    assert data["under"] is None
    assert data["as_of"] == today().isoformat()
    assert data["counts"][K.PROVINCIAL] == 1
    assert data["counts"][K.PARTY_CELL] == 1


def test_table_output(small_tree):
    out = io.StringIO()
    call_command("orgs", "count", "--under", "CMD-P", "--as-of", "2020-01-01", stdout=out)
    text = out.getvalue()
    assert "Đảng bộ tỉnh Thử Nghiệm (CMD-P)" in text
    assert "2020-01-01" in text
    assert "party_cell" in text and K.GRASSROOTS_ORGANIZATION in text


@pytest.mark.parametrize("code", ["NOPE", ""])
def test_unknown_code_is_an_error(small_tree, code):
    with pytest.raises(CommandError, match="No organization"):
        call_command("orgs", "count", "--under", code, "--json")


@pytest.mark.parametrize("bad", ["2020-13-01", "01/01/2020", "yesterday", ""])
def test_bad_date_is_an_error(small_tree, bad):
    with pytest.raises(CommandError):
        call_command("orgs", "count", "--under", "CMD-P", "--as-of", bad, "--json")


def test_command_line_exits_non_zero(small_tree, capsys):
    command = load_command_class("chibo.orgs", "orgs")
    with pytest.raises(SystemExit) as exc:
        command.run_from_argv(["chibo", "orgs", "--skip-checks", "count", "--under", "NOPE"])
    assert exc.value.code != 0
    assert "NOPE" in capsys.readouterr().err
