# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The per-row results of an import job live in their own table (one row per source row), not
in the job's report: the preview reads one page of them; a job of before the table (its rows in
the report) still previews, counts and downloads as it did."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from transfer import jobs, results, wizard
from transfer.models import ImportJob, ImportRowResult

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    other_hr,
    person_row,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def _file(tmp_path, good: int = 5):
    rows = [PROFILE_HEADERS] + [person_row(i) for i in range(1, good + 1)]
    rows.append(person_row(99, **{"Ngày sinh": "31/02/1980", "Số định danh cá nhân": None}))
    return write_xlsx(tmp_path / "ds.xlsx", {"DS": rows})


def _preview(hr, unit, path) -> ImportJob:
    job = jobs.start_import(user=hr, unit=unit, files=[(path.name, path)], run="now")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PLANNED, job.error
    return job


def test_rows_go_to_the_table_not_to_the_report(tmp_path, agency, hr):
    job = _preview(hr, agency["home"], _file(tmp_path))
    assert "rows" not in job.report and results.has_table(job.report)
    stored = list(ImportRowResult.objects.filter(job=job).order_by("position"))
    assert len(stored) == 6
    # the refused row first (the preview's order), with every problem and its cells
    first = stored[0]
    assert (first.kind, first.file, first.sheet, first.row) == ("error", "ds.xlsx", "DS", 7)
    messages = " ".join(e["message"] for e in first.data["errors"])
    assert "31/02/1980" in messages or "ngày" in messages.casefold()
    assert first.data["original"]["Họ và tên"]
    assert [r.row for r in stored[1:]] == [2, 3, 4, 5, 6]
    assert {r.kind for r in stored[1:]} <= {"create", "review"}
    # the downloads still carry every row
    full = results.full_report(job)
    assert len(full["rows"]) == 6 and results.IN_TABLE not in full
    assert jobs.job_report(hr, job.pk)["rows"] == full["rows"]


def test_a_page_is_read_from_the_table(tmp_path, agency, hr):
    job = _preview(hr, agency["home"], _file(tmp_path, good=12))
    page = wizard.preview_page(job, "all", page=2, per_page=5)
    assert page.paginator.count == 13 and page.paginator.num_pages == 3
    assert [r["row"] for r in page.object_list] == [
        r.row for r in ImportRowResult.objects.filter(job=job).order_by("position")[5:10]
    ]
    errors = wizard.preview_page(job, "error")
    assert [r["row"] for r in errors.object_list] == [14]
    assert errors.object_list[0]["problems"]  # decorated: every problem of the row
    counts = {k: n for k, _, n in wizard.filter_counts(job)}
    assert counts["all"] == 13 and counts["error"] == 1
    assert counts["held"] == counts["error"] + counts["review"]
    # the page does not come from the report: a report emptied of everything but the flag
    # still pages the same rows
    ImportJob.objects.filter(pk=job.pk).update(report={results.IN_TABLE: True})
    job.refresh_from_db()
    assert [r["row"] for r in wizard.preview_page(job, "error").object_list] == [14]


def test_a_rerun_replaces_the_rows(tmp_path, agency, hr):
    job = _preview(hr, agency["home"], _file(tmp_path))
    before = set(ImportRowResult.objects.filter(job=job).values_list("pk", flat=True))
    jobs.rerun_preview(hr, job, None)
    after = ImportRowResult.objects.filter(job=job)
    assert after.count() == 6 and not before & set(after.values_list("pk", flat=True))


def test_a_job_of_before_the_table_reads_its_rows_from_the_report(tmp_path, agency, hr):
    job = _preview(hr, agency["home"], _file(tmp_path))
    rows = results.full_report(job)["rows"]
    old = {k: v for k, v in job.report.items() if k != results.IN_TABLE}
    ImportJob.objects.filter(pk=job.pk).update(report={**old, "rows": rows})
    ImportRowResult.objects.filter(job=job).delete()
    job.refresh_from_db()
    assert not results.has_table(job.report)
    assert [r["row"] for r in wizard.preview_page(job, "error").object_list] == [7]
    counts = {k: n for k, _, n in wizard.filter_counts(job)}
    assert counts["all"] == 6 and counts["error"] == 1
    assert results.full_report(job)["rows"] == rows
    client = Client()
    client.force_login(hr)
    page = client.get(reverse("admin:transfer_import_preview", args=[job.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('<tr class="action-') == 6


def test_the_preview_page_and_the_command_report(tmp_path, agency, hr, other_hr):
    path = _file(tmp_path)
    job = _preview(hr, agency["home"], path)
    client = Client()
    client.force_login(hr)
    url = reverse("admin:transfer_import_preview", args=[job.pk])
    page = client.get(url + "?loc=error").content.decode()
    assert page.count('<tr class="action-error') == 1 and '<tr class="action-create' not in page
    # another agency's officer reaches neither the page nor the rows
    other = Client()
    other.force_login(other_hr)
    assert other.get(url).status_code == 404
    report = tmp_path / "r.json"
    call_command(
        "import_profiles",
        str(path),
        unit=agency["home"].code,
        user=hr.username,
        report=str(report),
        dry_run=True,
    )
    written = json.loads(report.read_text(encoding="utf-8"))
    assert len(written["rows"]) == 6 and written["totals"]["errors"] == 1
