# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Fixing held rows in the browser (issue 20, item 3): the editable grid of a job's held rows
(every problem beside the row, the cells it names marked; save, or save and import the ticked
rows) and the held row's form with 'Lưu và nhập lại dòng này'; both scoped."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from profiles.models import Profile
from transfer import jobs
from transfer.models import HeldRow, ImportJob

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    agency,
    hr,
    other_hr,
    person_row,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

PID = "Số định danh cá nhân"
GOOD_PID_2 = "025085000002"  # person_row(2): a man born in 1985
GOOD_PID_3 = "025185000003"  # person_row(3): a woman born in 1985


def _job(tmp_path, user, unit) -> ImportJob:
    rows = [
        PROFILE_HEADERS,
        person_row(1),
        person_row(2, **{"Ngày sinh": "31/02/1985", PID: "02508512"}),
        person_row(3, **{PID: None}),
    ]
    path = write_xlsx(tmp_path / "ds.xlsx", {"DS": rows})
    job = jobs.start_import(user=user, unit=unit, files=[("ds.xlsx", path)], dry_run=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    return job


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _column(held: HeldRow, header: str) -> int:
    return [h for h, _ in held.cells].index(header)


def test_grid_shows_the_jobs_held_rows_with_every_problem(tmp_path, agency, hr):
    job = _job(tmp_path, hr, agency["home"])
    held = {h.full_name: h for h in HeldRow.objects.all()}
    assert set(held) == {"Nguyễn Văn Người2", "Nguyễn Thị Người3"}
    client = _client(hr)
    preview = client.get(reverse("admin:transfer_import_preview", args=[job.pk])).content.decode()
    url = reverse("admin:transfer_heldrow_grid") + f"?job={job.pk}"
    assert f'href="{url}" id="import-held-link"' in preview.replace("&amp;", "&")
    page = client.get(url).content.decode()
    wrong = held["Nguyễn Văn Người2"]
    assert page.count("<tr data-held=") == 2
    for problem in wrong.problems:
        assert problem["message"] in page
    j = _column(wrong, PID)
    assert f'name="r{wrong.pk}-{j}" value="02508512" maxlength="1000" class="held-problem"' in page


def test_grid_saves_edits_and_imports_the_ticked_rows(tmp_path, agency, hr):
    job = _job(tmp_path, hr, agency["home"])
    wrong = HeldRow.objects.get(full_name="Nguyễn Văn Người2")
    missing = HeldRow.objects.get(full_name="Nguyễn Thị Người3")
    client = _client(hr)
    url = reverse("admin:transfer_heldrow_grid") + f"?job={job.pk}"
    # save only: the cells change, nothing is imported
    client.post(url, {"_save": "1", f"r{missing.pk}-{_column(missing, PID)}": GOOD_PID_3})
    missing.refresh_from_db()
    assert dict(missing.cells)[PID] == GOOD_PID_3 and missing.edited_at is not None
    assert missing.status == HeldRow.Status.OPEN
    # fix the other one and import the ticked row only
    fixes = {
        f"r{wrong.pk}-{_column(wrong, PID)}": GOOD_PID_2,
        f"r{wrong.pk}-{_column(wrong, 'Ngày sinh')}": "02/03/1985",
    }
    client.post(url, {"_reimport": "1", "chon": [wrong.pk], **fixes})
    wrong.refresh_from_db()
    missing.refresh_from_db()
    assert wrong.status == HeldRow.Status.RESOLVED
    assert Profile.objects.get(personal_id=GOOD_PID_2).full_name == "Nguyễn Văn Người2"
    assert missing.status == HeldRow.Status.OPEN  # not ticked: saved, still waiting
    assert not Profile.objects.filter(personal_id=GOOD_PID_3).exists()
    page = client.get(url).content.decode()
    assert page.count("<tr data-held=") == 1


def test_form_saves_and_imports_one_row(tmp_path, agency, hr):
    _job(tmp_path, hr, agency["home"])
    missing = HeldRow.objects.get(full_name="Nguyễn Thị Người3")
    client = _client(hr)
    url = reverse("admin:transfer_heldrow_change", args=[missing.pk])
    page = client.get(url).content.decode()
    assert 'name="_reimport"' in page and "held-problem" in page
    data = {f"cell_{i}": value for i, (_, value) in enumerate(missing.cells)}
    # still wrong: the row stays held with its new reason, the form says so
    data[f"cell_{_column(missing, PID)}"] = "123"
    response = client.post(url, {**data, "_reimport": "1"}, follow=True)
    missing.refresh_from_db()
    assert missing.status == HeldRow.Status.OPEN and dict(missing.cells)[PID] == "123"
    assert "vẫn chưa nhập được" in response.content.decode()
    data[f"cell_{_column(missing, PID)}"] = GOOD_PID_3
    client.post(url, {**data, "_reimport": "1"})
    missing.refresh_from_db()
    assert missing.status == HeldRow.Status.RESOLVED
    assert missing.profile == Profile.objects.get(personal_id=GOOD_PID_3)


def test_grid_is_scoped(tmp_path, agency, hr, other_hr):
    job = _job(tmp_path, hr, agency["home"])
    wrong = HeldRow.objects.get(full_name="Nguyễn Văn Người2")
    client = _client(other_hr)
    url = reverse("admin:transfer_heldrow_grid") + f"?job={job.pk}"
    page = client.get(url).content.decode()
    assert "<tr data-held=" not in page
    client.post(
        url, {"_reimport": "1", "chon": [wrong.pk], f"r{wrong.pk}-{_column(wrong, PID)}": "1"}
    )
    wrong.refresh_from_db()
    assert dict(wrong.cells)[PID] == "02508512" and wrong.status == HeldRow.Status.OPEN
