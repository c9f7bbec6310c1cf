"""A background job's page in a real browser: its progress is polled by HTMX (attributes only,
no inline script, within the strict Content Security Policy) until the download appears."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import UI, Tree

pytestmark = pytest.mark.browser


def test_the_job_page_follows_progress_until_the_download(ui: UI, browser_tree: Tree) -> None:
    from django.core.files.base import ContentFile
    from django.utils import timezone
    from playwright.sync_api import expect

    from chibo.jobs.models import Job, JobStatus
    from chibo.jobs.services import private_storage

    job = Job.objects.create(owner=browser_tree.admin, kind="members.export",
                             org_path=browser_tree.root.latest_version().path, org_label="22",
                             action="member.view", status=JobStatus.RUNNING, progress_done=1, progress_total=4)
    ui.login()
    ui.goto(f"/jobs/{job.pk}/")
    progress = ui.page.locator("#job-status progress")
    expect(progress).to_have_attribute("value", "1")
    Job.objects.filter(pk=job.pk).update(progress_done=3)
    expect(progress).to_have_attribute("value", "3", timeout=10_000)
    name = private_storage().save(f"jobs/{job.pk}.csv", ContentFile(b"a,b\r\n"))
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, progress_done=4, result_name=name, result_filename="members-22.csv",
        result_content_type="text/csv", result_size=5, finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=1))
    link = ui.page.locator(f"#job-status a[href='/jobs/{job.pk}/download/']")
    expect(link).to_be_visible(timeout=10_000)
    assert ui.csp_errors() == [], "the Content Security Policy refused something"
    assert ui.page_errors == [], "JavaScript errors on the page"
    assert ui.page.locator("script:not([src])").count() == 0
    with ui.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "members-22.csv"
