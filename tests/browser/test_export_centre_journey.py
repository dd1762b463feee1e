"""A background export in the browser: an HR officer filters the profile list, clicks
"Xuất Excel", lands in the download centre ("Tệp đã xuất") where the progress bar follows the
task (polled, no reload by hand), and downloads the file, read back by calamine. In
Vietnamese on a desktop, and in English at phone width (390 px), the centre scanned for
"None", raw field keys and untranslated wording. Screenshots under
``test-artifacts/screenshots/``."""

from __future__ import annotations

import pytest

from .conftest import log_in
from .page_text import text_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def officer(transactional_db, reference_data, make_unit, settings, tmp_path):
    from django.contrib.auth import get_user_model

    from orgtree.models import Role, UnitAssignment
    from profiles.codelists import clear_cache, load_codelists
    from tests.importing.pipeline_fixtures import (
        PROFILE_HEADERS,
        person_row,
        run_import,
        write_xlsx,
    )

    settings.EXPORT_ASYNC_THRESHOLD_ROWS = 3
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports-storage")},
        },
    }
    load_codelists()
    clear_cache()
    unit = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    user = get_user_model().objects.create_user("phutho.nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=user, unit=unit, role=Role.HR_OFFICER)
    rows = [person_row(n) for n in range(1, 10)]  # five women ("Nguyễn Thị"), four men
    run_import([write_xlsx(tmp_path / "ds.xlsx", {"DS": [PROFILE_HEADERS, *rows]})], unit, user)
    return user


@pytest.mark.parametrize("language, width", [("vi", 1366), ("en", 390)])
def test_filter_export_follow_progress_download(
    page, screenshot, officer, tmp_path, language, width
):
    import python_calamine as pc
    from django.utils import translation

    from cbccvc.exports import jobs
    from cbccvc.exports.models import ExportFile
    from portal.language import save_language
    from profiles.models import Profile
    from transfer.columns import PROFILE

    def said(text: str) -> str:
        with translation.override(language):
            return translation.gettext(text)

    def scan() -> None:
        """The centre's own content and messages (the side menu lists every app: not ours)."""
        data = list(Profile.objects.values_list("full_name", flat=True))
        texts = [
            line
            for block in page.locator("#content, .messagelist").all_inner_texts()
            for line in block.splitlines()
            if line.strip()
        ]
        problems = text_problems("\n".join(texts), texts, language=language, data=data)
        assert not problems, problems

    save_language(user=officer, language=language)
    page.set_viewport_size({"width": width, "height": 900})
    page.set_default_timeout(60_000)  # the shared 2-core machine is slow under load
    log_in(page, officer.username, PASSWORD)
    page.goto("/admin/profiles/profile/")
    page.fill("#searchbar", "Nguyễn Thị")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=*")
    assert page.locator("#result_list tbody tr").count() == 5
    page.click("#export-xlsx")

    # the export waits for a worker: the centre shows it at 0 %, with the filter's row count
    page.wait_for_selector(".export-status[data-status=pending]")
    assert said("Tệp đã xuất") in page.locator("#content h1").inner_text()
    assert page.locator(".messagelist .success").count() == 1
    assert page.locator(".export-status progress").get_attribute("value") == "0"
    assert said("Đang chờ") in page.locator(".export-status").inner_text()
    screenshot("1-waiting")
    scan()
    export = ExportFile.objects.get()
    assert export.total == 5 and export.user == officer

    # the worker runs it; the page's polling sees it finish and shows the download link
    jobs.run_export(export.pk)
    page.wait_for_selector(".export-status[data-status=done]")
    page.wait_for_selector("a.export-link")
    assert page.locator(".export-status progress").get_attribute("value") == "100"
    assert said("Xong") in page.locator(".export-status").inner_text()
    if language == "en":  # an ASCII word the scan for Vietnamese cannot tell
        assert "Done" in page.locator(".export-status").inner_text()
    screenshot("2-done")
    scan()
    with page.expect_download() as info:
        page.click("a.export-link")
    out = tmp_path / "downloaded.xlsx"
    info.value.save_as(out)
    sheet = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(PROFILE.title).to_python()
    [name_col] = [c.header for c in PROFILE.exported() if c.field == "full_name"]
    names = sorted(row[sheet[0].index(name_col)] for row in sheet[1:])
    assert names == [f"Nguyễn Thị Người{n}" for n in (1, 3, 5, 7, 9)]
