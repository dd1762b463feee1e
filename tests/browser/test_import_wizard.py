"""The import wizard in the browser: an HR officer of the merged Tỉnh Phú Thọ uploads the three
vendor workbooks, reads the preview, fixes a column mapping, confirms, and watches the progress
bar until the report. Screenshots under ``test-artifacts/screenshots/``."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, UnitAssignment

from .conftest import log_in, pick_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def officer(transactional_db, reference_data, settings):
    from orgtree.scenarios import ensure_new_phu_tho
    from profiles.codelists import clear_cache, load_codelists

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}  # the task runs in-process
    load_codelists()
    clear_cache()
    root = ensure_new_phu_tho()
    user = get_user_model().objects.create_user("phutho.nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=user, unit=root, role=Role.HR_OFFICER)
    return user, root


def test_upload_three_vendor_files_preview_fix_mapping_commit(page, screenshot, officer, tmp_path):
    from profiles.models import Profile
    from transfer.models import ImportMapping
    from transfer.vendor_samples import make_vendor_samples

    user, root = officer
    samples = make_vendor_samples(tmp_path, 30, seed=5)
    # the Hòa Bình vendor's old export calls the ethnicity column "DT (ma)": unknown until mapped
    ImportMapping.objects.create(
        name="Phần mềm Hòa Bình", unit=root, source_software="QLCB 2015",
        column_overrides={"profile": {"GHI CHU CU": "other_names"}},
    )  # fmt: skip
    page.set_default_timeout(90_000)  # the shared 2-core machine is slow under load
    log_in(page, user.username, PASSWORD)
    page.goto("/admin/profiles/profile/")
    page.click("text=Nhập từ tệp")
    page.set_input_files("input[name=files]", [str(p) for p in samples.paths])
    pick_unit(page, "id_unit", root)
    screenshot("1-upload")
    page.click("input[type=submit][value='Xem trước']")
    page.wait_for_selector("#import-plan")
    assert "Kế hoạch nhập (chưa ghi)" in page.content()
    # a row is refused only when it has no usable ID or name; a bad date or grade costs the
    # person nothing (imported with a warning)
    hard = [b for b in samples.bad_rows if b.outcome == "error"]
    soft = {b.personal_id for b in samples.bad_rows if b.outcome == "warning"}
    assert hard and soft
    assert page.locator("#import-plan tr.action-error").count() == len(hard)
    # the original values sit side by side: a row of the plan stays a few lines high (with
    # one value per line rows took 153 px at the median and up to 409 px: a 78,000 px page)
    heights = sorted(
        page.evaluate(
            "[...document.querySelectorAll('#import-plan tbody tr')]"
            ".map(r => r.getBoundingClientRect().height)"
        )
    )
    screenshot("2-preview")
    assert heights[len(heights) // 2] < 100 and heights[-1] < 300, heights
    assert Profile.objects.count() == 0
    # pick the mapping and compute the preview again
    page.select_option("#import-mapping select[name=mapping]", label="Phần mềm Hòa Bình")
    page.click("input[name=recompute]")
    page.wait_for_selector("#import-plan")
    screenshot("3-preview-with-mapping")
    page.click("#import-confirm input[name=confirm]")
    page.wait_for_selector("text=Kết quả nhập")
    assert page.locator("#import-progress").get_attribute("value") == "100"
    screenshot("4-report")
    assert Profile.objects.count() == len(samples.people) + len(soft)
