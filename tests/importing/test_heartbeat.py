# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Heartbeat and reaper of import jobs (issue 14, item 4), in process: chunks recorded as they
commit, a silent "running" job failed by the schedule or when its status is read (API, admin),
a resumed job finishing the work. The killed worker itself: ``test_crash_drill.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_q.models import Schedule

from profiles.models import Profile
from transfer import heartbeat, jobs
from transfer.models import ImportChunk, ImportJob
from transfer.report import ImportError_

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

LAST_BEAT = datetime(2030, 5, 4, 3, 2, 1, tzinfo=UTC)


def _file(tmp_path, n: int):
    rows = [person_row(i) for i in range(1, n + 1)]
    return write_xlsx(tmp_path / "ds.xlsx", {"DS": [PROFILE_HEADERS, *rows]})


def _running(job: ImportJob, beat: datetime | None = LAST_BEAT) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, heartbeat_at=beat)
    job.refresh_from_db()
    return job


def test_a_commit_records_each_committed_chunk_and_beats(tmp_path, agency, hr):
    job = jobs.start_import(
        user=hr, unit=agency["home"], files=[("ds.xlsx", _file(tmp_path, 3))], dry_run=False
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.heartbeat_at is not None
    chunks = list(ImportChunk.objects.filter(job=job).values_list("table", "rows"))
    assert chunks == [("profile", 3)]
    assert Profile.objects.count() == 3


def test_the_schedule_runs_the_reaper_every_minute():
    schedule = Schedule.objects.get(name=heartbeat.SCHEDULE_NAME)
    assert schedule.func == "transfer.heartbeat.reap_stale_import_jobs"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)
    heartbeat.ensure_schedule()  # idempotent
    assert Schedule.objects.filter(name=heartbeat.SCHEDULE_NAME).count() == 1


def test_a_silent_running_job_is_failed_only_past_the_limit(tmp_path, agency, hr):
    job = jobs.start_import(
        user=hr,
        unit=agency["home"],
        files=[("ds.xlsx", _file(tmp_path, 1))],
        dry_run=False,
        all_or_nothing=True,
        run="none",
    )
    job = _running(job)
    heartbeat.beat_file(job.pk).unlink(missing_ok=True)
    assert heartbeat.reap_stale_import_jobs(now=LAST_BEAT + timedelta(seconds=59)) == []
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    assert heartbeat.reap_stale_import_jobs(now=LAST_BEAT + timedelta(seconds=61)) == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.report["interrupted"]["rows"] == 0
    assert "Chưa ghi dòng nào" in job.error and "tất cả hoặc không" in job.error
    # reaping again changes nothing
    assert heartbeat.reap_stale_import_jobs(now=LAST_BEAT + timedelta(days=1)) == []


def test_reading_the_status_fails_a_dead_job_with_what_it_wrote(tmp_path, agency, hr):
    job = jobs.start_import(
        user=hr,
        unit=agency["home"],
        files=[("ds.xlsx", _file(tmp_path, 1))],
        dry_run=False,
        run="none",
    )
    # as a killed worker leaves it: running, two chunks committed, silent since 2020
    job = _running(job, beat=datetime(2020, 1, 1, tzinfo=UTC))
    heartbeat.beat_file(job.pk).unlink(missing_ok=True)
    ImportChunk.objects.create(job=job, table="profile", rows=2000, first_row=2, last_row=2001)
    ImportChunk.objects.create(job=job, table="children", rows=30, first_row=2, last_row=40)
    status = jobs.job_status(hr, job.pk)
    assert status["status"] == ImportJob.Status.FAILED
    assert status["done"] == 2030
    assert (
        "đã ghi 2030 dòng trong 2 nhóm (hồ sơ: 2000, dòng của các bảng con: 30)"
        in (status["error"])
    )
    assert jobs.job_report(hr, job.pk)["interrupted"]["by_table"] == {
        "profile": 2000,
        "children": 30,
    }


def test_the_api_and_the_admin_list_never_show_a_dead_job_running(tmp_path, agency, hr):
    dead = jobs.start_import(
        user=hr, unit=agency["home"], files=[("ds.xlsx", _file(tmp_path, 1))], run="none"
    )
    dead = _running(dead, beat=datetime(2020, 1, 1, tzinfo=UTC))
    heartbeat.beat_file(dead.pk).unlink(missing_ok=True)
    client = Client()
    client.force_login(hr)
    page = client.get(reverse("admin:transfer_importjob_changelist"))
    assert page.status_code == 200
    dead.refresh_from_db()
    assert dead.status == ImportJob.Status.FAILED
    assert "xem trước" in dead.error  # a preview: nothing was written


def test_a_live_job_is_not_failed(tmp_path, agency, hr):
    job = jobs.start_import(
        user=hr, unit=agency["home"], files=[("ds.xlsx", _file(tmp_path, 1))], run="none"
    )
    job = _running(job, beat=datetime(2020, 1, 1, tzinfo=UTC))
    # the database heartbeat is old but the heartbeat file was touched a moment ago
    heartbeat.Heartbeat(job.pk).touch()
    assert jobs.job_status(hr, job.pk)["status"] == ImportJob.Status.RUNNING


def test_resume_reruns_the_stored_file_without_duplicates(tmp_path, agency, hr):
    path = _file(tmp_path, 4)
    job = jobs.start_import(
        user=hr, unit=agency["home"], files=[("ds.xlsx", path)], dry_run=False, run="none"
    )
    with pytest.raises(ImportError_):
        jobs.resume_job(hr, job)  # only a failed job
    # what a first run killed after its first chunk leaves: the first two people written
    part = write_xlsx(
        tmp_path / "part.xlsx", {"DS": [PROFILE_HEADERS, person_row(1), person_row(2)]}
    )
    run_import([part], agency["home"], hr)
    assert Profile.objects.count() == 2
    job = _running(job, beat=datetime(2020, 1, 1, tzinfo=UTC))
    heartbeat.beat_file(job.pk).unlink(missing_ok=True)
    assert heartbeat.reap_stale_import_jobs() == [job.pk]
    job.refresh_from_db()
    assert jobs.run_job(job.pk) == {"skipped": ImportJob.Status.FAILED}  # a re-delivered task
    resumed = jobs.resume_job(hr, job, run="now")
    assert resumed.status == ImportJob.Status.DONE
    assert resumed.report["totals"]["created"] == 2
    assert resumed.report["totals"]["unchanged"] == 2
    assert resumed.report["previous_attempt"]["rows"] == 0
    assert Profile.objects.count() == 4
    ids = list(Profile.objects.values_list("personal_id", flat=True))
    assert len(set(ids)) == len(ids) == 4
