"""Navigation that scales, in a real browser: an HR officer of a province with sixty units
finds a unit by typing part of its name (without diacritics) in the profile list's unit filter,
walks the tree down one level, opens the completeness page, sorts and searches it and clicks a
count through to the filtered list; the unit tree shows active units, the tree as of a date
before a merge shows the merged units. Everything again at 390 px: no page wider than the
screen. Screenshots under ``test-artifacts/screenshots/``."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from orgtree import services
from orgtree.models import Role, Unit, UnitAssignment

from .conftest import log_in
from .page_text import assert_clean

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mật-khẩu-thử-2025"


@pytest.fixture
def province(make_unit, reference_data):
    from profiles.codelists import clear_cache, load_codelists
    from profiles.services import create_profile
    from tests.profiles.conftest import valid_fields

    load_codelists()
    clear_cache()
    root = make_unit("Ủy ban nhân dân tỉnh Nghệ An", code="H40", kind=Unit.Kind.PROVINCE_PC)
    departments = [
        make_unit(f"Sở số {n:02d} tỉnh Nghệ An", parent=root, code=f"H40.{n:02d}")
        for n in range(1, 60)
    ]
    finance = make_unit("Sở Tài chính tỉnh Nghệ An", parent=root, code="H40.60")
    budget = make_unit("Phòng Ngân sách", parent=finance, code="H40.60.01", kind=Unit.Kind.DIVISION)
    services.merge_units(
        [Unit.objects.get(pk=departments[0].pk), Unit.objects.get(pk=departments[1].pk)],
        new_target={"name": "Sở hợp nhất", "code": "H40.90", "kind": Unit.Kind.DEPARTMENT},
        effective_date=date(2025, 7, 1),
        reason="Hợp nhất",
        legal_basis_number="01/NQ",
    )
    other = make_unit("Ủy ban nhân dân tỉnh Hà Tĩnh", code="H42", kind=Unit.Kind.PROVINCE_PC)
    User = get_user_model()
    hr = User.objects.create_user("nghean.nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=root, role=Role.HR_OFFICER)
    people = [
        (budget, "Nguyễn Văn Ngân"),
        (finance, "Trần Thị Tài"),
        (departments[5], "Lê Văn Sáu"),
        (other, "Phan Văn Ngoài"),
    ]
    for n, (unit, name) in enumerate(people, start=1):
        create_profile(unit=unit, **valid_fields(personal_id=f"0400850{n:05d}", full_name=name))
    return {"finance": finance}


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _rows(page) -> str:
    return page.inner_text("#result_list tbody")


@pytest.mark.parametrize("width", [1366, 390])
def test_find_a_unit_walk_the_tree_and_click_through_completeness(
    page, screenshot, province, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "nghean.nhansu", PASSWORD)
    page.goto("/admin/profiles/profile/")
    _fits(page, width)
    if width < 700:  # the filters sit below the list on a phone
        page.locator(".unit-tree-filter").scroll_into_view_if_needed()
    screenshot(f"{width}-danh-sach")
    assert page.locator(".unit-tree-filter li").count() < 10  # not sixty units
    # type part of the name, without diacritics, and pick the unit
    page.click(".unit-tree-filter .select2-selection")
    page.fill(".select2-search__field", "tai chinh")
    option = page.locator(".select2-results__option", has_text="Sở Tài chính tỉnh Nghệ An")
    option.wait_for()
    assert "Hà Tĩnh" not in page.inner_text(".select2-results")
    with page.expect_navigation():
        option.click()
    assert "unit_tree=" in page.url
    assert "Nguyễn Văn Ngân" in _rows(page) and "Lê Văn Sáu" not in _rows(page)
    _fits(page, width)
    screenshot(f"{width}-loc-don-vi")
    # one level down the tree
    page.click(".unit-tree-child a:has-text('Phòng Ngân sách')")
    assert "Nguyễn Văn Ngân" in _rows(page) and "Trần Thị Tài" not in _rows(page)
    # the completeness page: search, sort, click a count
    page.click(".object-tools a:has-text('Mức đầy đủ theo đơn vị')")
    page.wait_for_selector("#completeness")
    _fits(page, width)
    assert_clean(page, language="vi")
    with page.expect_navigation():  # the sorted page, not the one being left
        page.click("#completeness thead a:has-text('Đơn vị')")
    page.wait_for_selector("#completeness tbody tr")
    names = page.locator("#completeness tbody td:nth-child(2)").all_inner_texts()
    assert names == sorted(names) and len(names) == 3
    page.fill("#searchbar", "tai chinh")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    page.wait_for_selector("#completeness tbody tr")
    assert page.locator("#completeness tbody tr").count() == 1
    screenshot(f"{width}-muc-day-du")
    page.click("#completeness a.profiles-link")
    page.wait_for_selector("#result_list")
    assert "Trần Thị Tài" in _rows(page) and "Nguyễn Văn Ngân" not in _rows(page)


@pytest.mark.parametrize("width", [1366, 390])
def test_unit_tree_active_by_default_and_as_of_a_date(page, screenshot, province, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "nghean.nhansu", PASSWORD)
    page.goto("/admin/orgtree/unit/")
    tree = page.inner_text("#result_list")
    assert "Sở hợp nhất" in tree and "Sở số 01" not in tree  # merged units are history
    assert "Hà Tĩnh" not in tree
    _fits(page, width)
    page.click("#changelist-filter a:has-text('Tất cả, kể cả đơn vị đã đóng')")
    assert "Sở số 01" in page.inner_text("#result_list")
    page.click(".object-tools a:has-text('Cây theo ngày')")
    page.fill("#id_on", "30/06/2025")
    page.click("#as-of-form input[type=submit]")
    page.wait_for_selector("#unit-as-of-tree")
    before = page.inner_text("#unit-as-of-tree")
    assert "Sở số 01" in before and "Sở hợp nhất" not in before
    assert "Phòng Ngân sách" not in before  # deeper levels start closed
    page.click("#unit-as-of-tree summary:has-text('Sở Tài chính tỉnh Nghệ An') .unit-count")
    assert page.locator("#unit-as-of-tree a:has-text('Phòng Ngân sách')").is_visible()
    _fits(page, width)
    assert_clean(page, language="vi")
    screenshot(f"{width}-cay-theo-ngay")
    # the events list names its units
    page.goto("/admin/orgtree/unitchangeevent/")
    assert "Sở hợp nhất [H40.90]" in page.inner_text("#result_list")
    _fits(page, width)


def test_completeness_and_tree_as_of_a_date_in_english_at_390(page, screenshot, province):
    from portal.models import UserPreference

    from .test_english_journey import KNOWN_DEBT  # the menu's known untranslated names

    UserPreference.objects.create(
        user=get_user_model().objects.get(username="nghean.nhansu"), language="en"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "nghean.nhansu", PASSWORD)
    page.goto("/admin/profiles/profile/muc-day-du-theo-don-vi/")
    assert "Average completeness" in (page.text_content("#completeness thead") or "")
    assert_clean(page, language="en", data=KNOWN_DEBT)
    _fits(page, 390)
    screenshot("en-390-muc-day-du")
    page.goto("/admin/orgtree/unit/theo-ngay/?on=30/06/2025")
    assert "Unit tree as of a date" in (page.text_content("#content") or "")
    assert_clean(page, language="en", data=KNOWN_DEBT)
    _fits(page, 390)
    screenshot("en-390-cay-theo-ngay")
