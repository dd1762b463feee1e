# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Every import path runs the upload checks (size, zip ratio and entry count, XML entities)
before any parsing: the service, the wizard, the API and the command."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from transfer import jobs
from transfer.models import ImportJob
from transfer.upload_checks import UploadRefused

from .pipeline_fixtures import PROFILE_HEADERS, agency, hr, person_row, write_xlsx  # noqa: F401

pytestmark = pytest.mark.django_db


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _bomb(tmp_path: Path) -> Path:
    path = tmp_path / "bom.xlsx"
    path.write_bytes(
        _zip(
            {
                "[Content_Types].xml": b"<Types/>",
                "xl/workbook.xml": b"<workbook/>",
                "xl/worksheets/sheet1.xml": b"\0" * (30 * 1024 * 1024),
            }
        )
    )
    return path


def _entities(tmp_path: Path) -> Path:
    """A real workbook whose sheet XML declares an entity (billion laughs in small)."""
    good = write_xlsx(tmp_path / "goc.xlsx", {"DS": [PROFILE_HEADERS, person_row(1)]})
    with zipfile.ZipFile(good) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    xml = parts[sheet]
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        parts[sheet] = xml[:end] + doctype + xml[end:]
    else:
        parts[sheet] = doctype + xml
    path = tmp_path / "thuc-the.xlsx"
    path.write_bytes(_zip(parts))
    return path


def _never_parsed():
    return mock.patch("transfer.parsing.read_file", side_effect=AssertionError("parsed"))


@pytest.mark.parametrize("make", [_bomb, _entities])
def test_the_service_refuses_before_any_parsing_and_keeps_no_job(tmp_path, agency, hr, make):
    path = make(tmp_path)
    with _never_parsed(), pytest.raises(UploadRefused) as info:
        jobs.start_import(user=hr, unit=agency["home"], files=[(path.name, path)], run="now")
    assert path.name in str(info.value)
    assert not ImportJob.objects.exists()


def test_the_wizard_refuses_a_zip_bomb(tmp_path, agency, hr):
    client = Client()
    client.force_login(hr)
    with _never_parsed(), _bomb(tmp_path).open("rb") as fh:
        response = client.post(
            reverse("admin:transfer_importjob_add"), {"unit": agency["home"].pk, "files": fh}
        )
    assert response.status_code == 200  # the form again, with the error
    assert "bom nén" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_command_refuses_an_xml_entity(tmp_path, agency, hr):
    path = _entities(tmp_path)
    with _never_parsed(), pytest.raises(CommandError, match="DOCTYPE"):
        call_command("import_profiles", str(path), "--unit", "H25.01",
                     "--report", str(tmp_path / "r.json"), "--user", hr.username)  # fmt: skip
    assert not ImportJob.objects.exists()


def test_a_small_xlsx_that_inflates_beyond_the_threshold_runs_as_a_task(tmp_path, agency, hr):
    rows = [person_row(n) for n in range(1, 1300)]
    path = write_xlsx(tmp_path / "lon.xlsx", {"DS": [PROFILE_HEADERS, *rows]})
    assert path.stat().st_size < jobs.ASYNC_THRESHOLD_BYTES
    with mock.patch("django_q.tasks.async_task", return_value="t1") as task:
        job = jobs.start_import(user=hr, unit=agency["home"], files=[(path.name, path)], run="auto")
    assert job.files[0]["unzipped"] > jobs.ASYNC_THRESHOLD_BYTES
    assert task.called  # not parsed inside the request
    assert ImportJob.objects.get(pk=job.pk).status != ImportJob.Status.DONE
