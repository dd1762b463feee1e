"""The unit tree's "Xuất Excel" over the threshold runs in the background and writes the rows
of the synchronous export, inside the user's scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from cbccvc.exports.models import ExportFile
from orgtree.models import Role, UnitAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(make_unit):
    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    for n in range(1, 6):
        make_unit(f"Sở số {n}", parent=province, code=f"H25.{n:02d}")
    make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H01")
    admin = get_user_model().objects.create_user("phutho.admin", is_staff=True)
    UnitAssignment.objects.create(user=admin, unit=province, role=Role.AGENCY_ADMIN)
    return admin


def _rows(data: bytes, path: Path) -> list[list[object]]:
    import python_calamine as pc

    path.write_bytes(data)
    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_unit_export_in_the_background_equals_the_synchronous_one(
    tree, settings, tmp_path, monkeypatch
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "storage")},
        },
    }
    client = Client()
    client.force_login(tree)
    url = reverse("admin:orgtree_unit_export_excel")
    settings.EXPORT_ASYNC_THRESHOLD_ROWS = 100
    sync = client.get(url)
    assert sync.status_code == 200
    settings.EXPORT_ASYNC_THRESHOLD_ROWS = 3
    queued = client.get(url)
    assert queued.status_code == 302
    export = ExportFile.objects.get()
    assert (export.status, export.user, export.total, export.rows) == ("done", tree, 6, 6)
    download = client.get(reverse("admin:exports_exportfile_download", args=[export.token]))
    background = _rows(b"".join(download.streaming_content), tmp_path / "bg.xlsx")
    assert background == _rows(sync.content, tmp_path / "sync.xlsx")
    assert [row[0] for row in background[1:]] == ["H25", *(f"H25.{n:02d}" for n in range(1, 6))]
