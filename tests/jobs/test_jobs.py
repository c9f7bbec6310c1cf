"""Background jobs (chibo.jobs): submit, run, progress, failure, download re-authorized on every
request (security.md G31), expiry. Jobs run at once in the tests (django-tasks' immediate
backend, settings/test.py); results go to the in-memory "private" storage.

A test kind, registered here, writes the job's parameters into its result file; it fails with a
clear message or with an unexpected error when asked to.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, gettext_noop

from chibo.accounts.models import RoleAssignment
from chibo.core.models import AuditEvent, ReadLogEntry
from chibo.jobs import services
from chibo.jobs.models import Job, JobStatus
from chibo.jobs.registry import JobFailed, JobOutput, register
from chibo.jobs.services import JobRun

pytestmark = pytest.mark.django_db
KIND = "tests.echo"


def _echo(run: JobRun) -> JobOutput:
    p = run.parameters
    if p.get("fail") == "clear":
        raise JobFailed(gettext_noop("The organization %(code)s is no longer in your scope."), code="X-1")
    if p.get("fail") == "crash":
        raise RuntimeError("boom")
    run.progress(0, 3, force=True)
    run.progress(2, force=True)
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, "wb") as fh:
        fh.write(f"owner={run.user.username};path={run.job.org_path}".encode())
    return JobOutput(path=path, filename="echo.txt", content_type="text/plain")


register(KIND, label=gettext_lazy("Member export"), run=_echo)


def _path(org) -> str:
    return org.latest_version().path


def submit(user, org, **params) -> Job:
    return services.job_submit(actor=user, kind=KIND, org_path=_path(org), org_label=org.code,
                               action="member.view", parameters=params, total=3)


@pytest.fixture
def job_a(personas, tree) -> Job:
    return submit(personas["secretary_a"], tree["CA"])


def test_a_job_runs_to_its_result(job_a, personas):
    job_a.refresh_from_db()
    assert job_a.status == JobStatus.SUCCEEDED
    assert (job_a.progress_done, job_a.progress_total, job_a.percent) == (3, 3, 100)
    assert job_a.result_filename == "echo.txt" and job_a.result_size > 0
    assert job_a.expires_at > timezone.now()
    assert job_a.task_id
    job, fh = services.job_result_open(user=personas["secretary_a"], job_id=job_a.pk)
    with fh:
        assert fh.read() == f"owner=secretary_a;path={job_a.org_path}".encode()
    assert AuditEvent.objects.filter(action="job.submit", target_id=str(job_a.pk)).count() == 1


def test_owner_downloads_and_every_download_is_logged(job_a, personas, login):
    c = login(personas["secretary_a"])
    for n in (1, 2):
        r = c.get(f"/jobs/{job_a.pk}/download/")
        assert r.status_code == 200
        assert b"".join(r.streaming_content).startswith(b"owner=secretary_a")
        assert r["Cache-Control"] == "no-store" and "echo.txt" in r["Content-Disposition"]
        assert ReadLogEntry.objects.filter(target_type="jobs.job", target_id=str(job_a.pk),
                                           purpose="download").count() == n
        assert AuditEvent.objects.filter(action="job.download", target_id=str(job_a.pk)).count() == n
    r = c.get(f"/api/v1/jobs/{job_a.pk}/download/")
    assert r.status_code == 200
    assert ReadLogEntry.objects.filter(target_id=str(job_a.pk), purpose="download").count() == 3


@pytest.mark.parametrize("other", ["secretary_b", "district_x", "district_y", "admin"])
def test_nobody_but_the_owner_gets_the_job(job_a, personas, login, other):
    """Not a sibling, not the district above (whose scope covers the cell), not the
    administrator: 404, the same as for a job that does not exist."""
    c = login(personas[other])
    for url in (f"/jobs/{job_a.pk}/", f"/jobs/{job_a.pk}/download/", f"/api/v1/jobs/{job_a.pk}/",
                f"/api/v1/jobs/{job_a.pk}/download/"):
        assert c.get(url).status_code == 404, url
    assert str(job_a.pk) not in c.get("/jobs/").content.decode()
    assert str(job_a.pk) not in c.get("/api/v1/jobs/").content.decode()
    with pytest.raises(Job.DoesNotExist):
        services.job_result_open(user=personas[other], job_id=job_a.pk)
    assert not ReadLogEntry.objects.filter(target_id=str(job_a.pk)).exists()


def test_a_role_that_ended_ends_the_download(job_a, personas, login):
    user = personas["secretary_a"]
    c = login(user)
    assert c.get(f"/jobs/{job_a.pk}/download/").status_code == 200
    RoleAssignment.objects.filter(user=user).update(valid_to=timezone.localdate())
    for url in (f"/jobs/{job_a.pk}/", f"/jobs/{job_a.pk}/download/", f"/api/v1/jobs/{job_a.pk}/download/"):
        assert c.get(url).status_code == 404, url
    assert str(job_a.pk) not in c.get("/jobs/").content.decode()


def test_a_role_moved_elsewhere_ends_the_download(job_a, personas, tree, login):
    user = personas["secretary_a"]
    RoleAssignment.objects.filter(user=user).update(org=tree["CB"])
    assert login(user).get(f"/jobs/{job_a.pk}/download/").status_code == 404


def test_deactivated_owner_gets_nothing(job_a, personas):
    user = personas["secretary_a"]
    user.is_active = False
    with pytest.raises(Job.DoesNotExist):
        services.job_result_open(user=user, job_id=job_a.pk)


def test_a_job_over_out_of_scope_data_cannot_be_created(personas, tree):
    before = Job.objects.count()
    for user, org in ((personas["secretary_a"], tree["CB"]), (personas["district_x"], tree["DY"]),
                      (personas["secretary_a"], tree["GX1"])):
        with pytest.raises(PermissionDenied):
            submit(user, org)
    with pytest.raises(PermissionDenied):  # an action the role does not have
        services.job_submit(actor=personas["secretary_a"], kind=KIND, org_path=_path(tree["CA"]),
                            action="member.view_sensitive")
    with pytest.raises(PermissionDenied):
        services.job_submit(actor=personas["secretary_a"], kind=KIND, org_path=_path(tree["CA"]),
                            action="member.view", also_requires=["member.view_sensitive"])
    assert Job.objects.count() == before


def test_an_unknown_kind_is_refused(personas, tree):
    with pytest.raises(ValidationError):
        services.job_submit(actor=personas["secretary_a"], kind="no.such", org_path=_path(tree["CA"]),
                            action="member.view")


def test_a_job_that_needs_more_stays_behind_that(personas, tree, login):
    """A job that also requires `member.view_sensitive` is closed to its owner once that goes,
    even while `member.view` stays."""
    from chibo.accounts.models import Role

    staff = personas["district_x"]
    job = services.job_submit(actor=staff, kind=KIND, org_path=_path(tree["CA"]), action="member.view",
                              also_requires=["member.view_sensitive"])
    c = login(staff)
    assert c.get(f"/jobs/{job.pk}/download/").status_code == 200
    RoleAssignment.objects.filter(user=staff).update(role=Role.objects.get(key="committee_viewer"))
    assert c.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert c.get(f"/api/v1/jobs/{job.pk}/").status_code == 404


@pytest.mark.parametrize("lang, expected", [
    ("en", "The organization X-1 is no longer in your scope."),
    ("vi", None),
])
def test_a_clear_failure_is_shown_in_the_readers_language(personas, tree, login, lang, expected):
    job = submit(personas["secretary_a"], tree["CA"], fail="clear")
    assert job.status == JobStatus.FAILED and job.finished_at and not job.result_name
    c = login(personas["secretary_a"])
    with translation.override(lang):
        message = job.message_texts()[0]
        c.cookies["chibo_language"] = lang
        r = c.get(f"/jobs/{job.pk}/")
    assert "X-1" in message
    if expected:
        assert message == expected
    else:
        assert message != "The organization X-1 is no longer in your scope."  # translated
    body = r.content.decode()
    assert r.status_code == 200 and 'role="alert"' in body and "X-1" in body
    assert c.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert c.get(f"/api/v1/jobs/{job.pk}/").json()["status"] == "failed"


def test_an_unexpected_error_fails_the_job_with_a_general_message(personas, tree):
    job = submit(personas["secretary_a"], tree["CA"], fail="crash")
    assert job.status == JobStatus.FAILED
    with translation.override("en"):
        assert "boom" not in job.message_texts()[0]
        assert "administrator" in job.message_texts()[0]
    assert AuditEvent.objects.filter(action="job.fail", target_id=str(job.pk)).exists()


def test_the_page_polls_until_done(personas, tree, login):
    user = personas["secretary_a"]
    job = Job.objects.create(owner=user, kind=KIND, org_path=_path(tree["CA"]), action="member.view",
                             status=JobStatus.RUNNING, progress_done=40, progress_total=160)
    c = login(user)
    full = c.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in full and "<html" in full
    part = c.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and 'value="40"' in part and 'max="160"' in part
    assert "<script" not in part
    api = c.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (api["progress_done"], api["progress_total"], api["percent"], api["download_url"]) == (40, 160, 25, None)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    assert "hx-trigger" not in c.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()


def test_results_expire(job_a, personas, login):
    user = personas["secretary_a"]
    c = login(user)
    assert c.get("/api/v1/jobs/").json()["results"][0]["download_url"].endswith(f"/jobs/{job_a.pk}/download/")
    assert services.job_prune(now=timezone.now()) == 0
    later = job_a.expires_at + dt.timedelta(seconds=1)
    Job.objects.filter(pk=job_a.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert c.get(f"/jobs/{job_a.pk}/download/").status_code == 404
    name = Job.objects.get(pk=job_a.pk).result_name
    assert services.private_storage().exists(name)
    assert services.job_prune(now=later) == 1
    assert not services.private_storage().exists(name)
    assert Job.objects.get(pk=job_a.pk).result_name == ""
    page = c.get(f"/jobs/{job_a.pk}/").content.decode()
    assert f"/jobs/{job_a.pk}/download/" not in page


def test_a_job_runs_once(job_a):
    services.job_run(job_id=str(job_a.pk))  # a second delivery of the task does nothing
    assert AuditEvent.objects.filter(action="job.succeed", target_id=str(job_a.pk)).count() == 1


def test_the_database_queue_and_its_worker(personas, tree, settings, monkeypatch):
    """With the database backend (the default outside tests) a job waits in the queue, in the
    same transaction as its row, until `chibo db_worker` runs it."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # the worker closes connections between tasks; here it shares the test's transaction
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    job = submit(personas["secretary_a"], tree["CA"])
    assert job.status == JobStatus.QUEUED
    assert DBTaskResult.objects.filter(id=job.task_id).exists()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result_name


def test_a_job_whose_worker_stopped_is_shown_failed_then_recorded_so(personas, tree, login, settings):
    """A worker killed in the middle leaves the job `running`: after CHIBO_JOB_STALE_MINUTES
    without a sign of life it shows as failed, with a message, and stops polling;
    `chibo jobs_prune` records it as failed."""
    from django.core.management import call_command

    user = personas["secretary_a"]
    job = Job.objects.create(owner=user, kind=KIND, org_path=_path(tree["CA"]), action="member.view",
                             status=JobStatus.RUNNING, progress_done=1, progress_total=4,
                             heartbeat_at=timezone.now() - dt.timedelta(minutes=settings.CHIBO_JOB_STALE_MINUTES - 1))
    c = login(user)
    assert 'hx-trigger="every 2s"' in c.get(f"/jobs/{job.pk}/").content.decode()
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=settings.CHIBO_JOB_STALE_MINUTES + 1))
    c.cookies["chibo_language"] = "en"
    body = c.get(f"/jobs/{job.pk}/").content.decode()
    assert "hx-trigger" not in body and 'role="alert"' in body and "interrupted" in body
    assert c.get(f"/api/v1/jobs/{job.pk}/").json()["status"] == "failed"
    call_command("jobs_prune", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    with translation.override("en"):
        assert job.message_texts() == [
            "The job was interrupted: the process running it stopped. Start it again."]
