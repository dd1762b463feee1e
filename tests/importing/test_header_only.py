# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""A file of headers only (no data row) is not planned as a silent "0 rows": the report's
sheet says "no data rows", naming file and sheet, and the preview shows it in the reader's
language (issue #14)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.language import save_language
from transfer.models import ImportJob

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    actions,
    agency,
    hr,
    person_row,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def _csv(path, *rows):
    path.write_text("".join(";".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_csv_of_headers_only_says_no_data_rows(tmp_path, agency, hr):
    plan = run_import([_csv(tmp_path / "trong.csv", PROFILE_HEADERS)], agency["home"], hr)
    assert actions(plan) == {}
    (sheet,) = plan.files[0].sheets
    assert sheet["table"] == "profile" and sheet["data_rows"] == 0
    (note,) = sheet["notes"]
    assert note.startswith("Không có dòng dữ liệu nào: tệp “trong.csv”, trang “")


def test_an_xlsx_sheet_of_headers_only_is_named_beside_a_sheet_with_rows(tmp_path, agency, hr):
    path = write_xlsx(
        tmp_path / "hai.xlsx",
        {"DS": [PROFILE_HEADERS, person_row(1)], "Trống": [PROFILE_HEADERS]},
    )
    plan = run_import([path], agency["home"], hr, dry_run=True)
    assert actions(plan) == {"create": 1}
    by_sheet = {s["sheet"]: s for s in plan.files[0].sheets}
    assert by_sheet["DS"]["data_rows"] == 1 and "notes" not in by_sheet["DS"]
    assert by_sheet["Trống"]["data_rows"] == 0
    assert "tệp “hai.xlsx”, trang “Trống”" in by_sheet["Trống"]["notes"][0]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "Không có dòng dữ liệu nào: tệp “trong.xlsx”, trang “DS”"),
        ("en", "No data rows found: file “trong.xlsx”, sheet “DS”"),
    ],
)
def test_the_preview_says_it_in_the_readers_language(tmp_path, agency, hr, language, text):
    path = write_xlsx(tmp_path / "trong.xlsx", {"DS": [PROFILE_HEADERS]})
    save_language(user=hr, language=language)
    client = Client()
    client.force_login(hr)
    with path.open("rb") as fh:
        response = client.post(
            reverse("admin:transfer_importjob_add"), {"files": [fh], "unit": agency["home"].pk}
        )
    assert response.status_code == 302
    assert ImportJob.objects.get().report["totals"]["rows_read"] == 0
    page = client.get(response["Location"]).content.decode()
    assert text in page
