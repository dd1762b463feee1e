"""Group 10 (health) only with ``profiles.view_health``, from every door (admin page, API,
Excel export, Mẫu 2C, merge review), every read audited."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cbccvc.models import AuditEvent
from profiles import workflow
from profiles.models import (
    HealthRecord,
    MergeCandidate,
)

from .conftest import CONDITION, LAND

NOTE = "Không có quyền xem thông tin sức khỏe"


def _grant(user, codename: str = "view_health"):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no cached permissions


def _reads(user) -> list[dict]:
    return list(
        AuditEvent.objects.filter(kind="sensitive_read", user=user)
        .order_by("id")
        .values_list("details", flat=True)
    )


# -- the admin page -------------------------------------------------------------------------------
def test_admin_page_shows_health_only_with_the_permission(sick, hr):
    url = reverse("admin:profiles_profile_change", args=[sick.pk])
    client = Client()
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert CONDITION not in page and 'id="health-group"' in page and NOTE in page
    assert _reads(hr) == []  # nothing sensitive was shown: nothing to audit

    hr = _grant(hr)
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert NOTE not in page and 'data-src="' in page  # the group's table loads on its tab
    assert _reads(hr) == []  # not shown yet
    part = reverse("admin:profiles_profile_inline", args=[sick.pk, "health"])
    assert CONDITION in client.get(part).content.decode()
    assert _reads(hr) == [{"groups": ["10"], "via": "admin"}]


# -- Mẫu 2C ---------------------------------------------------------------------------------------
def _docx_text(body: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)


def test_mau_2c_item_23_only_with_the_permission(sick, hr):
    url = reverse("admin:profiles_profile_cv", args=[sick.pk, "docx"])
    client = Client()
    client.force_login(hr)
    text = _docx_text(client.get(url).content)
    assert CONDITION not in text and "Nhóm máu" not in text
    assert f"23) Tình trạng sức khỏe: {NOTE}" in text
    assert _reads(hr) == []

    hr = _grant(hr)
    client.force_login(hr)
    text = _docx_text(client.get(url).content)
    assert CONDITION in text and "Nhóm máu: AB" in text and NOTE not in text
    assert _reads(hr) == [{"groups": ["10"], "via": "mau-2c"}]


# -- the Excel export -----------------------------------------------------------------------------
def _cells(body: bytes) -> tuple[list[str], set[str]]:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(body))
    cells = {
        str(v)
        for name in wb.sheet_names
        for row in wb.get_sheet_by_name(name).to_python()
        for v in row
    }
    return wb.sheet_names, cells


def test_excel_export_has_the_health_sheet_only_with_the_permission(sick, hr):
    url = reverse("admin:profiles_profile_export_xlsx")
    client = Client()
    client.force_login(hr)
    names, cells = _cells(b"".join(client.get(url).streaming_content))
    assert "Sức khỏe" not in names and CONDITION not in cells
    assert sick.full_name in cells  # the export itself worked
    assert _reads(hr) == []
    assert AuditEvent.objects.filter(kind="export", user=hr, details__export="xlsx").exists()

    hr = _grant(hr)
    client.force_login(hr)
    names, cells = _cells(b"".join(client.get(url).streaming_content))
    assert "Sức khỏe" in names and CONDITION in cells
    assert "Tài sản, thu nhập" not in names and LAND not in cells  # group 9: its own permission
    assert _reads(hr) == [{"groups": ["10"], "via": "xlsx"}]


def test_export_command_refuses_health_to_a_user_without_the_permission(sick, hr, tmp_path):
    from django.core.management import CommandError, call_command

    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match="sức khỏe"):
        call_command("export_profiles", "--unit", "H40", "--out", str(out), "--user",
                     hr.username, "--with-health")  # fmt: skip
    _grant(hr)
    call_command("export_profiles", "--unit", "H40", "--out", str(out), "--user", hr.username,
                 "--with-health")  # fmt: skip
    assert CONDITION in _cells(out.read_bytes())[1]
    assert _reads(hr) == [{"groups": ["10"], "via": "export_profiles"}]


# -- the merge review page ------------------------------------------------------------------------
def test_merge_review_lists_health_rows_only_with_the_permission(sick, make_profile, hr):
    twin = make_profile(personal_id="040085009999")
    HealthRecord.objects.create(profile=twin, recorded_on=date(2019, 2, 3), status="Tốt")
    cand = MergeCandidate.objects.create(
        profile=sick, profile_ref=sick.pk, other_profile=twin, other_profile_ref=twin.pk,
        unit_id=sick.unit_id, other_unit_id=twin.unit_id, label=str(sick),
        other_label=str(twin), pair_key=f"p{sick.pk}:p{twin.pk}", score=90,
    )  # fmt: skip
    url = reverse("admin:profiles_mergecandidate_review", args=[cand.pk])
    client = Client()
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert "03/02/2019" not in page and NOTE in page
    assert _reads(hr) == []

    hr = _grant(hr)
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert "03/02/2019" in page and NOTE not in page
    assert _reads(hr) == [{"groups": ["10"], "via": "merge_review"}]


# -- the API --------------------------------------------------------------------------------------
@pytest.fixture
def api_setup(sick, tree):
    from orgtree.apikeys import issue_key
    from orgtree.models import IntegrationClient
    from tests.api.conftest import ApiClient

    client = IntegrationClient.objects.create(name="Phần mềm lương", unit=tree["H40"])
    api = ApiClient(issue_key(client, write=True).token)
    assert api.get(f"/api/v1/profiles/{sick.pk}/").status_code == 200  # makes the service user
    client.refresh_from_db()
    return api, client.service_user


def test_api_health_endpoint_is_403_without_the_permission(sick, hr, api_setup):
    api, user = api_setup
    base = f"/api/v1/profiles/{sick.pk}/health/"
    response = api.get(base)
    assert response.status_code == 403 and CONDITION not in response.content.decode()
    assert NOTE in response.content.decode()
    row = sick.health.get()
    assert api.get(f"{base}{row.pk}/").status_code == 403
    assert api.post(base, {"recorded_on": "2026-01-01", "status": "Tốt"}).status_code == 403
    assert sick.health.count() == 1
    assert _reads(user) == []

    user = _grant(user)
    response = api.get(base)
    assert response.status_code == 200 and response.json()[0]["status"] == CONDITION
    assert _reads(user) == [{"groups": ["10"], "via": "api"}]


def test_api_version_snapshot_leaves_health_out_without_the_permission(sick, hr, api_setup):
    api, user = api_setup
    version = workflow.submit(sick, hr)
    url = f"/api/v1/profiles/{sick.pk}/versions/{version.number}/"
    response = api.get(url)
    assert response.status_code == 200
    body = response.json()["snapshot"]
    assert "health" not in body and "asset_declarations" not in body and "profile" in body
    assert CONDITION not in response.content.decode()
    assert _reads(user) == []

    user = _grant(user)
    user = _grant(user, "view_assets_income")
    body = api.get(url).json()["snapshot"]
    assert body["health"][0]["status"] == CONDITION
    assert "asset_declarations" not in body  # group 9 never goes out through the API
    assert _reads(user) == [{"groups": ["10"], "via": "api"}]
