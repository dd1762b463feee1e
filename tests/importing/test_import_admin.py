# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The admin wizard over real HTTP (Django's test client): upload → preview → fix the mapping
→ confirm → report; the JSON status view; the "Xuất Excel" button; scope."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from profiles.models import Profile
from transfer.models import ImportJob, ImportMapping

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    other_hr,
    person_row,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(client, unit, path, **extra):
    with path.open("rb") as fh:
        return client.post(
            reverse("admin:transfer_importjob_add"),
            {"files": [fh], "unit": unit.pk, **extra},
        )


def test_upload_preview_fix_mapping_confirm(tmp_path, agency, hr):
    # a vendor that calls the ID column "Mã CB": its rows held (no ID) until a mapping says so
    headers = ["Mã CB" if h == "Số định danh cá nhân" else h for h in PROFILE_HEADERS]
    path = write_xlsx(tmp_path / "vendor.xlsx", {"DS": [headers, person_row(1), person_row(2)]})
    client = _client(hr)
    response = _upload(client, agency["home"], path)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "Kế hoạch nhập (chưa ghi)" in page
    assert "Mã CB" in page  # an unknown column is shown
    assert job.report["totals"]["errors"] == 2  # each row held: "Thiếu số định danh"
    assert "Thiếu số định danh" in page
    mapping = ImportMapping.objects.create(
        name="Phần mềm X",
        unit=agency["root"],
        column_overrides={"profile": {"Mã CB": "personal_id"}},
    )
    url = reverse("admin:transfer_import_preview", args=[job.pk])
    client.post(url, {"recompute": "1", "mapping": mapping.pk})
    job.refresh_from_db()
    assert job.report["totals"]["created"] == 2 and job.report["totals"]["errors"] == 0
    page = client.get(url).content.decode()
    assert 'class="action-create"' in page and "Nguyễn Thị Người1" in page
    assert '<td class="action">Tạo mới</td>' in page  # the action in words, not its code
    assert Profile.objects.count() == 0
    client.post(url, {"confirm": "1"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.report["committed"]
    assert Profile.objects.count() == 2
    status = client.get(reverse("admin:transfer_import_status", args=[job.pk])).json()
    assert status["finished"] and status["percent"] == 100
    report = client.get(reverse("admin:transfer_import_report", args=[job.pk]))
    data = json.loads(b"".join(report.streaming_content))
    assert data["totals"]["created"] == 2


def test_errors_are_highlighted_in_the_preview(tmp_path, agency, hr):
    path = write_xlsx(
        tmp_path / "x.xlsx",
        {"DS": [PROFILE_HEADERS, person_row(1, **{"Số định danh cá nhân": "02508"})]},
    )
    client = _client(hr)
    page = client.get(_upload(client, agency["home"], path)["Location"]).content.decode()
    assert 'class="action-error"' in page and "02508" in page


def test_scope_of_the_wizard(tmp_path, agency, hr, other_hr):
    path = write_xlsx(tmp_path / "x.xlsx", {"DS": [PROFILE_HEADERS, person_row(1)]})
    # the receiving unit is a search box over the user's units, not a list of every unit
    form = _client(hr).get(reverse("admin:transfer_importjob_add")).content.decode()
    assert 'class="admin-autocomplete' in form and 'name="unit"' in form
    assert str(agency["home"]) not in form
    # Hà Nội's officer cannot pick a Phú Thọ unit: the form refuses it
    response = _upload(_client(other_hr), agency["home"], path)
    assert response.status_code == 200 and not ImportJob.objects.exists()
    _upload(_client(hr), agency["home"], path)
    job = ImportJob.objects.get()
    other = _client(other_hr)
    for name in ("transfer_import_preview", "transfer_import_status", "transfer_import_report"):
        assert other.get(reverse(f"admin:{name}", args=[job.pk])).status_code == 404
        assert other.get(reverse(f"admin:{name}", args=[987654])).status_code == 404
    assert other.post(reverse("admin:transfer_import_preview", args=[job.pk]),
                      {"confirm": "1"}).status_code == 404  # fmt: skip
    job.refresh_from_db()
    assert job.mode == ImportJob.Mode.DRY_RUN and Profile.objects.count() == 0


def test_export_button_honours_filters_and_scope(tmp_path, agency, hr, other_hr):
    import python_calamine as pc

    from transfer.columns import PROFILE

    path = write_xlsx(tmp_path / "x.xlsx", {"DS": [PROFILE_HEADERS, person_row(1), person_row(2)]})
    _client(hr).post(
        reverse("admin:transfer_importjob_add"),
        {"files": [path.open("rb")], "unit": agency["home"].pk},
    )
    client = _client(hr)
    job = ImportJob.objects.get()
    client.post(reverse("admin:transfer_import_preview", args=[job.pk]), {"confirm": "1"})
    assert Profile.objects.count() == 2

    def exported(c, params):
        r = c.get(reverse("admin:profiles_profile_export_xlsx"), params)
        assert r.status_code == 200
        out = tmp_path / "out.xlsx"
        out.write_bytes(b"".join(r.streaming_content))
        return pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(PROFILE.title).to_python()

    assert len(exported(client, {})) == 3
    assert len(exported(client, {"q": "025185000001"})) == 2  # the search is honoured
    assert len(exported(_client(other_hr), {})) == 1  # nothing of Phú Thọ for Hà Nội
