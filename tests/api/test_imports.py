"""Import jobs through the API: the ``import`` scope is required; upload, status, report,
confirm; another agency's job and unit are unknown."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import Profile
from tests.importing.pipeline_fixtures import PROFILE_HEADERS, person_row, write_xlsx
from transfer.models import ImportJob

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"


def _upload(token: str, path, unit_id: int, **extra):
    client = Client(headers={"Authorization": f"Bearer {token}"})
    with path.open("rb") as fh:
        return client.post(URL, {"file": fh, "unit": unit_id, **extra})


def test_import_needs_the_import_scope_and_follows_the_service(
    key_for, agencies, tmp_path, reference_data
):
    book = write_xlsx(
        tmp_path / "phu-tho.xlsx", {"DS": [PROFILE_HEADERS, person_row(1), person_row(2)]}
    )
    _key, write_only = key_for("a", write=True, import_=False)
    denied = _upload(write_only, book, agencies["a_dept"].pk)
    assert denied.status_code == 403
    assert denied["Content-Type"] == "application/problem+json"

    _key, token = key_for("a", write=False, import_=True)
    foreign = _upload(token, book, agencies["b_dept"].pk)
    assert foreign.status_code == 400
    assert foreign.json()["errors"][0]["field"] == "unit"

    before = Profile.objects.count()
    preview = _upload(token, book, agencies["a_dept"].pk)
    assert preview.status_code == 201, preview.content
    job_id = preview.json()["id"]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    status = client.get(f"{URL}{job_id}/").json()
    assert status["status"] == ImportJob.Status.PLANNED, ImportJob.objects.get(pk=job_id).error
    assert Profile.objects.count() == before  # a dry run writes nothing
    report = client.get(f"{URL}{job_id}/report/")
    assert report.status_code == 200 and report.json()
    listed = client.get(URL).json()["results"]
    assert [j["id"] for j in listed] == [job_id]

    confirmed = client.post(f"{URL}{job_id}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.created_by == agencies["a_client"].service_user
    assert Profile.objects.count() == before + 2

    # a read-only key of the same agency sees nothing of the import endpoints
    _key, reader = key_for("a", write=False, import_=False)
    reading = Client(headers={"Authorization": f"Bearer {reader}"}).get(f"{URL}{job_id}/")
    assert reading.status_code == 403
