"""The campaign report over the export threshold is written in the background and equals the
report written inside the request; a campaign outside the user's tree cannot be exported."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from cbccvc.exports import jobs as export_jobs
from cbccvc.exports.models import ExportFile
from conversion import jobs
from conversion.export_jobs import KIND
from conversion.models import ChangeRow
from orgtree.models import Role
from tests.conversion.test_jobs import AS_OF, SYNC, people  # noqa: F401
from tests.english_wording import english_client

pytestmark = pytest.mark.django_db


def _sheets(data: bytes, path: Path) -> dict[str, list[list[object]]]:
    import python_calamine as pc

    path.write_bytes(data)
    book = pc.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@override_settings(Q_CLUSTER=SYNC)
def test_a_large_report_is_written_in_the_background_like_the_small_one(
    people,  # noqa: F811
    hr,
    tree,
    client,
    settings,
    tmp_path,
    monkeypatch,
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # the export task runs in the request, for real
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "storage")},
        },
    }
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF)
    rows = ChangeRow.objects.filter(campaign=campaign).count()
    assert rows > 3
    url = reverse("admin:conversion_campaign_report", args=[campaign.pk])
    client.force_login(hr)

    settings.EXPORT_ASYNC_THRESHOLD_ROWS = rows  # not over: in the request
    inline = client.get(url)
    assert inline.status_code == 200 and not ExportFile.objects.exists()
    inline_sheets = _sheets(b"".join(inline.streaming_content), tmp_path / "inline.xlsx")

    settings.EXPORT_ASYNC_THRESHOLD_ROWS = rows - 1  # over: a task, the download centre
    queued = client.get(url)
    assert queued.status_code == 302
    assert queued["Location"] == reverse("admin:exports_exportfile_changelist")
    export = ExportFile.objects.get()
    assert (export.kind, export.status, export.user, export.total, export.rows) == (
        KIND,
        "done",
        hr,
        rows,
        rows,
    )
    assert export.file_name == f"chuyen-doi-{campaign.pk}.xlsx"
    download = client.get(reverse("admin:exports_exportfile_download", args=[export.token]))
    background = _sheets(b"".join(download.streaming_content), tmp_path / "bg.xlsx")
    assert background == inline_sheets
    assert len(background["Chi tiết"]) == rows + 1  # the header and every row

    # a document of record: the same Vietnamese file for a person working in English
    settings.EXPORT_ASYNC_THRESHOLD_ROWS = rows
    english = english_client(hr).get(url)
    assert english.status_code == 200
    assert _sheets(b"".join(english.streaming_content), tmp_path / "en.xlsx") == inline_sheets


@override_settings(Q_CLUSTER=SYNC)
def test_the_worker_refuses_a_campaign_outside_the_users_tree(
    people,  # noqa: F811
    hr,
    tree,
    user_with,
):
    campaign = jobs.start_preview(user=hr, unit=tree["H40.10"], as_of=AS_OF)
    other = user_with("khac", (tree["H42"], Role.HR_OFFICER))
    export = export_jobs.start_export(
        other,
        kind=KIND,
        title="x",
        file_name="x.xlsx",
        params={"campaign": campaign.pk},
        total=1,
        run="inline",
    )
    assert export.status == "failed" and "outside the scope" in export.error
    assert not export.storage_name
