"""Reads of member data leave a trace (security.md G21, issue 18 finding 5): a member list (API
and page) and an export log one read-log row per member whose data the response carried — the
page shown, not the whole query — in one insert per response, on the read log's hash chain, so
that `chibo audit reads --member ID` answers "who saw member X" and `audit verify` stays clean."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chibo.core.models import ReadLogEntry
from chibo.members import views as member_views
from chibo.members.api import reading

from .conftest import D, admit, person

pytestmark = pytest.mark.django_db


def _new_reads(before: int) -> list[ReadLogEntry]:
    return list(ReadLogEntry.objects.order_by("id").filter(id__gt=before))


def _last_id() -> int:
    return ReadLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def many(mt_tree, mt_members):
    """16 more members in cell A (so a page of 10 is not everything)."""
    return [admit(mt_tree["MT-CA"], person(f"Hội viên {chr(65 + i)}"), D(2018, 1, 1), number=f"QĐ-{i}")
            for i in range(16)]


def _insert_count(ctx: CaptureQueriesContext) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")
               and "core_readlogentry" in q["sql"])


def test_api_list_logs_each_member_of_the_page(mt_people, mt_login, mt_tree, many):
    client = mt_login(mt_people["staff"])
    before = _last_id()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/members/", {"under": "MT-CA", "page_size": 10})
    assert response.status_code == 200
    shown = [str(row["id"]) for row in response.json()["results"]]
    assert len(shown) == 10 and response.json()["count"] == 18
    reads = _new_reads(before)
    assert sorted(r.target_id for r in reads) == sorted(shown)  # the page, not the 18 found
    assert {(r.actor_id, r.target_type, r.purpose) for r in reads} == {
        (mt_people["staff"].pk, "members.member", "list")}
    assert {r.org_path for r in reads} == {mt_tree["MT-CA"].version_on(dt.date.today()).path}
    assert _insert_count(ctx) == 1  # one insert for the page


def test_list_page_logs_each_member_shown(mt_people, mt_login, mt_tree, many, monkeypatch):
    monkeypatch.setattr(member_views, "PAGE_SIZE", 7)
    client = mt_login(mt_people["staff"])
    before = _last_id()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/members/", {"under": "MT-CA", "page": "2"})
    assert response.status_code == 200
    page = response.context["page"]
    reads = _new_reads(before)
    assert sorted(int(r.target_id) for r in reads) == sorted(m.pk for m in page.object_list)
    assert len(reads) == 7 and {r.purpose for r in reads} == {"list"}
    assert _insert_count(ctx) == 1


def test_org_members_page_logs_each_member_shown(mt_people, mt_login, mt_tree, mt_members):
    client = mt_login(mt_people["staff"])
    before = _last_id()
    response = client.get(reverse("members:org_members", args=["MT-G"]))
    assert response.status_code == 200
    shown = {m.pk for m in response.context["page"].object_list}
    assert shown == {mt_members["an"].pk, mt_members["binh"].pk, mt_members["cuong"].pk}
    assert {int(r.target_id) for r in _new_reads(before)} == shown


def test_logging_a_list_costs_a_constant_number_of_queries(mt_people, mt_login, mt_tree, mt_members):
    """The logging adds the same few statements whatever the page's size, and one insert: the
    page's cells' paths come with their names; then the chain's append (its savepoint, its last
    row, the next id, the insert)."""
    client = mt_login(mt_people["viewer"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/members/", {"under": "MT-P"}).status_code == 200
        assert _insert_count(ctx) == 1
        return len(ctx.captured_queries)

    queries()
    few = queries()
    for i in range(6):
        admit(mt_tree["MT-CB"], person(f"Người số {chr(65 + i)}"), D(2018, 1, 1), number=f"N-{i}")
    assert queries() == few


def test_export_logs_every_member_exported(mt_people, mt_login, mt_tree, many):
    client = mt_login(mt_people["staff"])
    before = _last_id()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/members/io/export/", {"under": "MT-CA", "format": "csv"})
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    rows = body.strip().splitlines()[1:]
    reads = [r for r in _new_reads(before) if r.purpose == "export"]
    assert len(rows) == 18 and len(reads) == 18  # one per member exported, not one per organization
    assert {r.target_type for r in reads} == {"members.member"}
    assert _insert_count(ctx) == 1


def test_audit_reads_answers_who_saw_a_member_and_verify_stays_clean(mt_people, mt_login, mt_tree, mt_members,
                                                                     tmp_path, settings):
    settings.CHIBO_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    an = mt_members["an"]
    mt_login(mt_people["staff"]).get("/api/v1/members/", {"under": "MT-CA"})
    mt_login(mt_people["sec_a"]).get("/members/", {"under": "MT-CA"})
    mt_login(mt_people["viewer"]).get("/members/io/export/", {"under": "MT-CA"})
    out = io.StringIO()
    call_command("audit", "reads", "--member", str(an.pk), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert {(r["actor"], r["purpose"]) for r in report["reads"]} >= {
        ("mt_staff", "list"), ("mt_sec_a", "list"), ("mt_viewer", "export")}
    assert {r["target_id"] for r in report["reads"]} == {str(an.pk)} and report["records_read"] == 1
    verified = io.StringIO()
    call_command("audit", "verify", stdout=verified)
    assert "audit trail intact" in verified.getvalue()


def test_member_read_paths_agree_with_the_member_record(mt_tree, mt_members):
    from chibo.members.selectors import MemberRecord

    on = dt.date.today()
    paths = reading.member_read_paths([m.pk for m in mt_members.values()], on)
    for member in mt_members.values():
        assert paths[member.pk] == MemberRecord(member, on).org_path()
