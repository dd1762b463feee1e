# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Background exports of the profile list: the same rows as the synchronous "Xuất Excel" on
the same filter and scope, written through the storage API with progress, seen and downloaded
by their owner alone in the download centre, audited, and deleted when expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from cbccvc.exports import jobs
from cbccvc.exports.models import ExportFile
from cbccvc.models import AuditEvent
from profiles.models import Profile
from tests.importing.pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    other_hr,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

EXPORT_URL = "admin:profiles_profile_export_xlsx"
CENTRE_URL = "admin:exports_exportfile_changelist"


@pytest.fixture
def export_settings(settings, tmp_path, monkeypatch):
    """Background from 3 rows on; the task runs in-process (django-q2 reads its "sync" once,
    at import); files in a throw-away storage."""
    from django_q.conf import Conf

    settings.EXPORT_ASYNC_THRESHOLD_ROWS = 3
    monkeypatch.setattr(Conf, "SYNC", True)
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports-storage")},
        },
    }
    return settings


@pytest.fixture
def people(tmp_path, agency, hr):
    """Seven people of Sở Nội vụ and two of Sở Tài chính (Phú Thọ), one of Hà Nội."""
    home = [person_row(n) for n in range(1, 8)]
    run_import([write_xlsx(tmp_path / "a.xlsx", {"DS": [PROFILE_HEADERS, *home]})],
               agency["home"], hr)  # fmt: skip
    finance = [person_row(n) for n in (8, 9)]
    run_import([write_xlsx(tmp_path / "b.xlsx", {"DS": [PROFILE_HEADERS, *finance]})],
               agency["finance"], hr)  # fmt: skip
    assert Profile.objects.count() == 9
    return Profile.objects.all()


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _sheets(data: bytes, tmp_path: Path, name: str) -> dict[str, list[list[object]]]:
    """Every sheet of an .xlsx, read back by calamine (not by the library that wrote it)."""
    import python_calamine as pc

    path = tmp_path / name
    path.write_bytes(data)
    book = pc.CalamineWorkbook.from_path(str(path))
    return {s: book.get_sheet_by_name(s).to_python() for s in book.sheet_names}


def _sync_export(client, params, settings) -> bytes:
    threshold = settings.EXPORT_ASYNC_THRESHOLD_ROWS
    settings.EXPORT_ASYNC_THRESHOLD_ROWS = 10_000
    try:
        r = client.get(reverse(EXPORT_URL), params)
        assert r.status_code == 200, r.status_code
        return b"".join(r.streaming_content)
    finally:
        settings.EXPORT_ASYNC_THRESHOLD_ROWS = threshold


def _download(client, export: ExportFile) -> bytes:
    r = client.get(reverse("admin:exports_exportfile_download", args=[export.token]))
    assert r.status_code == 200
    return b"".join(r.streaming_content)


@pytest.mark.parametrize(
    "params, expected",
    [({}, 9), ({"q": "Nguyễn Thị"}, 5), ({"unit": "__home__"}, 7)],
    ids=["all", "search", "unit-filter"],
)
def test_background_file_has_the_rows_of_the_synchronous_export(
    export_settings, people, agency, hr, tmp_path, params, expected
):
    if params.get("unit") == "__home__":
        from profiles.admin import UnitSubtreeFilter

        params = {UnitSubtreeFilter.parameter_name: str(agency["home"].pk)}
    client = _client(hr)
    sync = _sheets(_sync_export(client, params, export_settings), tmp_path, "sync.xlsx")

    r = client.get(reverse(EXPORT_URL), params)
    assert r.status_code == 302 and r["Location"] == reverse(CENTRE_URL)
    export = ExportFile.objects.get()
    assert export.status == ExportFile.Status.DONE, export.error
    assert export.user == hr and export.size > 0
    background = _sheets(_download(client, export), tmp_path, "bg.xlsx")

    assert background == sync
    profile_rows = next(iter(background.values()))[1:]
    assert export.rows == export.total == len(profile_rows)
    assert len(profile_rows) == expected


def test_small_exports_stay_synchronous(export_settings, people, hr):
    from profiles.admin import UnitSubtreeFilter

    client = _client(hr)
    finance = Profile.objects.filter(unit__name="Sở Tài chính").first().unit
    r = client.get(reverse(EXPORT_URL), {UnitSubtreeFilter.parameter_name: str(finance.pk)})
    assert r.status_code == 200 and not ExportFile.objects.exists()


def test_export_selected_action_keeps_the_selection(export_settings, people, hr, tmp_path):
    client = _client(hr)
    chosen = list(Profile.objects.order_by("pk").values_list("pk", flat=True)[:4])
    r = client.post(
        reverse("admin:profiles_profile_changelist"),
        {"action": "export_selected_xlsx", "_selected_action": [str(pk) for pk in chosen]},
    )
    assert r.status_code == 302
    export = ExportFile.objects.get()
    assert export.params["ids"] == chosen
    sheets = _sheets(_download(client, export), tmp_path, "sel.xlsx")
    assert len(next(iter(sheets.values()))) == 1 + 4


def test_centre_status_and_download_are_the_owners_alone(
    export_settings, people, agency, hr, other_hr
):
    from orgtree.access import Role
    from tests.importing.pipeline_fixtures import make_user

    client = _client(hr)
    client.get(reverse(EXPORT_URL))
    export = ExportFile.objects.get()
    # a colleague with the same scope, and a superuser, see nothing of it
    colleague = make_user("phutho_hr2", (agency["root"], Role.HR_OFFICER))
    boss = make_user("root", is_superuser=True)
    for user in (colleague, other_hr, boss):
        other = _client(user)
        centre = other.get(reverse(CENTRE_URL))
        assert centre.status_code == 200
        assert str(export.token) not in centre.content.decode()
        status = other.get(reverse("admin:exports_exportfile_status"), {"id": str(export.token)})
        assert status.json() == {"exports": []}
        download = reverse("admin:exports_exportfile_download", args=[export.token])
        assert other.get(download).status_code == 404
    page = client.get(reverse(CENTRE_URL)).content.decode()
    assert str(export.token) in page and "exports/progress.js" in page
    status_url = reverse("admin:exports_exportfile_status")
    assert client.get(status_url, {"id": "../1"}).status_code == 404
    status = client.get(status_url, {"id": str(export.token)})
    [item] = status.json()["exports"]
    assert item["status"] == "done" and item["percent"] == 100 and item["rows"] == 9


def test_the_export_is_audited_requested_written_downloaded(export_settings, people, hr):
    client = _client(hr)
    client.get(reverse(EXPORT_URL), {"q": "Nguyễn"})
    export = ExportFile.objects.get()
    _download(client, export)
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, object_id=str(export.pk))
    stages = {e.details["stage"]: e for e in events}
    assert set(stages) == {"requested", "written", "downloaded"}
    assert all(e.user == hr for e in events)
    assert stages["requested"].details["params"]["query"] == "q=Nguy%E1%BB%85n"
    assert stages["written"].details["rows"] == export.rows


def test_pending_export_progress_and_a_rerun_does_nothing(export_settings, people, hr):
    from transfer import export_jobs

    export = jobs.start_export(
        hr,
        kind=export_jobs.KIND,
        title="t",
        file_name="x.xlsx",
        params=export_jobs.export_params(""),
        total=9,
        run="none",
    )
    assert jobs.status(export)["percent"] == 0 and export.status == "pending"
    assert jobs.run_export(export.pk)["rows"] == 9
    assert jobs.run_export(export.pk) == {"skipped": export.pk}  # re-delivered task
    export.refresh_from_db()
    assert (export.status, export.done, export.percent) == ("done", 9, 100)


def test_a_failing_writer_marks_the_export_failed(export_settings, hr):
    export = jobs.start_export(
        hr,
        kind="transfer.export_jobs.write_profiles_xlsx",
        title="t",
        file_name="x.xlsx",
        params={"query": "unit__id__exact=not-a-number"},
        total=1,
        run="inline",
    )
    assert export.status == ExportFile.Status.FAILED and export.error
    assert not export.storage_name


def test_cleanup_deletes_expired_files_and_fails_stale_runs(export_settings, people, hr):
    client = _client(hr)
    client.get(reverse(EXPORT_URL))
    export = ExportFile.objects.get()
    stored = export.storage_name
    assert jobs.storage().exists(stored)
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ExportFile.objects.filter(pk=export.pk).update(
        expires_at=created + timedelta(days=export_settings.EXPORT_EXPIRY_DAYS)
    )
    stale = ExportFile.objects.create(
        user=hr, kind="x", title="t", file_name="y.xlsx", status="running",
        expires_at=created + timedelta(days=30),
    )  # fmt: skip
    ExportFile.objects.filter(pk=stale.pk).update(updated_at=created)

    assert jobs.cleanup_expired(now=created + timedelta(days=6)) == 0
    assert jobs.storage().exists(stored)
    stale.refresh_from_db()
    assert stale.status == ExportFile.Status.FAILED

    assert jobs.cleanup_expired(now=created + timedelta(days=7, seconds=1)) == 1
    assert not jobs.storage().exists(stored)
    assert not ExportFile.objects.filter(pk=export.pk).exists()


def test_the_cleanup_is_scheduled_hourly():
    from django_q.models import Schedule

    jobs.ensure_schedules()
    jobs.ensure_schedules()  # idempotent
    schedule = Schedule.objects.get(func="cbccvc.exports.jobs.cleanup_expired")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES,
        60,
        -1,
    )


def test_a_second_click_while_waiting_starts_no_second_export(
    export_settings, people, hr, monkeypatch
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # no worker: the first export waits
    client = _client(hr)
    client.get(reverse(EXPORT_URL), {"q": "Nguyễn Thị"})
    client.get(reverse(EXPORT_URL), {"q": "Nguyễn Thị"})
    assert ExportFile.objects.count() == 1
    client.get(reverse(EXPORT_URL))  # another filter: another export
    assert ExportFile.objects.count() == 2
