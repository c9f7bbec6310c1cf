"""Large member exports run as background jobs (issue 18, item 11; security.md G4, G5, G21, G31).

The threshold (`CHIBO_EXPORT_INLINE_MAX_MEMBERS`) is lowered so that the small test tree counts
as large. People and members come from tests/members/conftest.py: `staff` (organization
committee, on MT-P) may see sensitive fields; `sec_a` (secretary of MT-CA) may not.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from chibo.accounts.models import Role, RoleAssignment
from chibo.core.models import AuditEvent, ReadLogEntry
from chibo.jobs.models import Job, JobStatus
from chibo.members.job_kinds import EXPORT_KIND

from .conftest import NID_AN, NID_DUNG

pytestmark = pytest.mark.django_db
URL = "/members/io/export/"


@pytest.fixture
def large(settings):
    settings.CHIBO_EXPORT_INLINE_MAX_MEMBERS = 1


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def start(client, **params) -> Job:
    """Ask for the export (GET: the page offering a background job), then start it (POST)."""
    offer = client.get(URL, params)
    assert offer.status_code == 200, offer.status_code
    assert b'method="post"' in offer.content and b"<progress" not in offer.content
    before = Job.objects.count()
    r = client.post(URL, params)
    assert r.status_code == 302, r.status_code
    assert Job.objects.count() == before + 1
    job = Job.objects.latest("created_at")
    assert r["Location"] == f"/jobs/{job.pk}/"
    return job


def test_a_large_export_runs_as_a_job_with_its_progress_and_download(
        large, mt_members, mt_people, mt_login, mt_english):
    client = mt_login(mt_people["staff"])
    reads_before = ReadLogEntry.objects.filter(purpose="export").count()
    job = start(client, under="MT-P", format="csv")
    assert Job.objects.filter(kind=EXPORT_KIND).count() == 1  # the GET made none
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.also_requires == ["member.view_sensitive"] and job.action == "member.view"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/jobs/{job.pk}/download/" in page and job.result_filename in page
    r = client.get(f"/jobs/{job.pk}/download/")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(body_of(r).decode("utf-8-sig"), newline="")))
    assert len(rows) == 4 and NID_AN in {c for row in rows for c in row}
    assert NID_DUNG not in body_of(client.get(f"/jobs/{job.pk}/download/")).decode("utf-8-sig")
    # the job read the members once (when it ran: one read per member); each download is logged too
    assert ReadLogEntry.objects.filter(purpose="export").count() == reads_before + 3
    assert ReadLogEntry.objects.filter(purpose="download", target_id=str(job.pk)).count() == 2
    assert AuditEvent.objects.filter(action="member.export").count() == 1


def test_xlsx_by_job(large, mt_members, mt_people, mt_login, mt_english):
    client = mt_login(mt_people["staff"])
    job = start(client, under="MT-G", format="xlsx", columns=["full_name", "national_id"])
    r = client.get(f"/jobs/{job.pk}/download/")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(body_of(r))).worksheets[0]
    assert [c.value for c in ws[1]] == ["full name", "citizen identity number"]
    assert ws.max_row == 4


def test_no_sensitive_columns_no_sensitive_requirement(large, mt_members, mt_people, mt_login):
    """A secretary's job never holds the sensitive columns; and a staff export without them does
    not need `member.view_sensitive` to download."""
    sec = mt_login(mt_people["sec_a"])
    job = start(sec, under="MT-CA", format="csv")
    assert job.also_requires == []
    assert NID_AN.encode() not in body_of(sec.get(f"/jobs/{job.pk}/download/"))
    staff = mt_login(mt_people["staff"])
    job = start(staff, under="MT-CA", format="csv", columns=["full_name", "phone"])
    assert job.also_requires == [] and job.parameters["sensitive"] is False


def test_another_user_cannot_download_the_job(large, mt_members, mt_people, mt_login):
    job = start(mt_login(mt_people["sec_a"]), under="MT-CA", format="csv")
    for other in ("sec_b", "staff", "viewer", "admin", "nobody"):
        c = mt_login(mt_people[other])
        assert c.get(f"/jobs/{job.pk}/download/").status_code == 404, other
        assert c.get(f"/jobs/{job.pk}/").status_code == 404, other
        assert c.get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404, other
    assert not ReadLogEntry.objects.filter(purpose="download").exists()


def test_a_user_whose_role_ended_cannot_download(large, mt_members, mt_people, mt_login):
    staff = mt_people["staff"]
    client = mt_login(staff)
    job = start(client, under="MT-P", format="csv")
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 200
    # without member.view_sensitive the file (which holds it) is closed
    RoleAssignment.objects.filter(user=staff).update(role=Role.objects.get(key="committee_viewer"))
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    RoleAssignment.objects.filter(user=staff).delete()
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404


def test_a_job_over_out_of_scope_data_cannot_be_created(large, mt_members, mt_people, mt_login):
    client = mt_login(mt_people["sec_b"])
    before = (Job.objects.count(), ReadLogEntry.objects.count())
    for code in ("MT-CA", "MT-Q", "MT-P", "NO-SUCH-ORG"):
        assert client.post(URL, {"under": code, "format": "csv"}).status_code == 404, code
        assert client.get(URL, {"under": code, "format": "csv"}).status_code == 404, code
    assert client.post(URL, {"under": "MT-CB", "format": "pdf"}).status_code == 400
    assert client.post(URL, {"under": "MT-CB", "as_of": "9999-99-99"}).status_code == 400
    assert (Job.objects.count(), ReadLogEntry.objects.count()) == before
    assert mt_login(mt_people["nobody"]).post(URL, {"under": "MT-CA"}).status_code == 403


def test_small_exports_stay_in_the_request(mt_members, mt_people, mt_login, settings):
    settings.CHIBO_EXPORT_INLINE_MAX_MEMBERS = 3
    r = mt_login(mt_people["staff"]).get(URL, {"under": "MT-P", "format": "csv"})
    assert r.status_code == 200 and r.streaming and not Job.objects.exists()


def test_the_job_fails_clearly_when_the_scope_went_before_it_ran(large, mt_members, mt_people, mt_english):
    """The runner reads as the owner through `restrict()`: an organization gone from the scope
    between submission and run fails the job with a clear message, and no file."""
    from chibo.jobs.services import job_run
    from chibo.members import exporting

    staff = mt_people["staff"]
    plan = exporting.members_export_plan(user=staff, code="MT-CA")
    job = Job.objects.create(  # queued, not yet run (as the database backend leaves it)
        owner=staff, kind=EXPORT_KIND, org_path=plan.path, action="member.view",
        parameters={"code": "MT-CA", "on": plan.on.isoformat(), "columns": plan.columns, "format": "csv",
                    "sensitive": False, "total": plan.count})
    org = plan.org
    org.code = "MT-CA-RENAMED"  # the path is still covered, but the code the job names is gone
    org.save(update_fields=["code"])
    job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_name
    assert job.message_texts() == ["The organization MT-CA is no longer in your scope."]
    RoleAssignment.objects.filter(user=staff).delete()
    queued = Job.objects.create(owner=staff, kind=EXPORT_KIND, org_path=plan.path, action="member.view",
                                parameters=job.parameters)
    job_run(job_id=str(queued.pk))
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAILED and "no longer hold a role" in queued.message_texts()[0]
