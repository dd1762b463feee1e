"""The profile page loads a data group's tables when its tab is opened (profiles.lazy_inlines):
in the browser, a tab's rows appear when it is opened, a row edited there is saved with its
history, and the rows of the tabs never opened are still there after the save."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from .conftest import log_in
from .test_profile_journeys import (  # noqa: F401 - fixtures of the Phú Thọ journeys
    PASSWORD,
    merged_province,
    phu_tho,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rows(profile) -> dict[str, list[dict]]:
    from profiles.models import CHILD_MODELS

    return {
        key: [dict(r) for r in m._default_manager.filter(profile=profile).order_by("pk").values()]
        for key, m in CHILD_MODELS.items()
    }


def test_a_tab_loads_its_rows_and_a_save_keeps_the_unopened_ones(
    page,
    screenshot,
    phu_tho,  # noqa: F811 (the fixture)
):
    from orgtree.models import Unit
    from profiles.models import FamilyMember, SalaryHistory, WorkHistory

    huong = phu_tho.people.huong
    FamilyMember.objects.create(
        profile=huong, relationship_code="BO", full_name="Nguyễn Văn Bình", birth_year=1960
    )
    FamilyMember.objects.create(
        profile=huong, relationship_code="ME", full_name="Trần Thị Mơ", birth_year=1963
    )
    WorkHistory.objects.create(
        profile=huong, start_date=date(2012, 3, 1), unit=Unit.objects.get(code="H25.01")
    )
    SalaryHistory.objects.create(
        profile=huong, effective_date=date(2021, 1, 1), salary_scale="A1", grade_code="01.003",
        step=3, coefficient=Decimal("3.00"),
    )  # fmt: skip
    before = _rows(huong)

    log_in(page, "phutho.nhansu", PASSWORD)
    page.goto(f"/admin/profiles/profile/{huong.pk}/change/")
    page.wait_for_selector("#profile_form")
    # the family table is not in the page yet: a placeholder that loads on its tab
    assert page.locator("#family-group.lazy-inline").count() == 1
    assert "Nguyễn Văn Bình" not in page.content()

    page.click("button.profile-tab:has-text('2. Gia đình')")
    page.wait_for_selector(
        "#family-group:not(.lazy-inline) input[name=family-TOTAL_FORMS]", state="attached"
    )
    names = {
        page.locator(f"#id_family-{i}-full_name").input_value() for i in range(2)
    }  # fmt: skip
    assert names == {"Nguyễn Văn Bình", "Trần Thị Mơ"}
    assert page.locator("#family-group .add-row a").count() == 1  # inlines.js started
    screenshot("tab-gia-dinh-da-tai")
    row = next(
        i for i in range(2)
        if page.locator(f"#id_family-{i}-full_name").input_value() == "Trần Thị Mơ"
    )  # fmt: skip
    page.fill(f"#id_family-{row}-occupation", "Giáo viên đã nghỉ hưu")

    page.click("button.profile-tab:has-text('Tổng quan')")
    page.fill("#id_change_reason", "Bổ sung nghề nghiệp của mẹ")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    screenshot("da-luu")
    assert "thành công" in page.inner_text("ul.messagelist")

    mother = FamilyMember.objects.get(profile=huong, full_name="Trần Thị Mơ")
    assert mother.occupation == "Giáo viên đã nghỉ hưu"
    last = FamilyMember.history.filter(id=mother.pk).order_by("-history_id").first()
    assert last.history_user_id == phu_tho.hr.pk
    assert last.history_change_reason == "Bổ sung nghề nghiệp của mẹ"
    after = _rows(huong)
    # the tabs never opened: every row as it was
    assert {k: v for k, v in after.items() if k != "family"} == {
        k: v for k, v in before.items() if k != "family"
    }
    assert len(after["family"]) == 2

    # the work tab's table arrives with its unit search box and calendar started
    page.goto(f"/admin/profiles/profile/{huong.pk}/change/#nhom-3-4")
    page.wait_for_selector("#work_history-group:not(.lazy-inline) .select2-container")
    assert page.locator("#work_history-group .datetimeshortcuts").count() >= 1
    assert "H25.01" in page.inner_text("#work_history-group")
