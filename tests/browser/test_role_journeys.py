"""Each role's main task from its home page, without typing a URL, in Vietnamese on a desktop
and in English at phone width (390 px): the agency admin creates an account, gives it a second
role and deactivates it; the approver opens the inbox and approves a first submission; the
viewer searches for a person without diacritics and reads the profile; the HR officer opens a
profile with errors from the home card, corrects it and submits it. Every page is scanned
(tests/browser/page_text.py) for "None", raw field keys and, in English, Vietnamese left in the
page's own wording, and checked for a page wider than the window. Screenshots under
``test-artifacts/screenshots/``."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, Unit, UnitAssignment
from portal.models import UserPreference
from profiles.models import Profile, ProfileStatus

from .conftest import log_in, pick_unit
from .page_text import text_problems, visible_text, wording
from .test_approver_inbox_journey import inbox_world  # noqa: F401 (fixture)
from .test_profile_journeys import (  # noqa: F401 (fixtures)
    PASSWORD,
    merged_province,
    phu_tho,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETTINGS = [("vi", 1366), ("en", 390)]


class Walk:
    """One person's walk: each step screenshotted, scanned and checked for width."""

    def __init__(self, page, screenshot, language: str, width: int) -> None:
        self.page, self.screenshot, self.language, self.width = page, screenshot, language, width
        self.found: dict[str, list[str]] = {}
        page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})

    def log_in(self, user) -> None:
        if self.language != "vi":  # the choice the person saved earlier
            UserPreference.objects.update_or_create(user=user, defaults={"language": "en"})
        log_in(self.page, user.username, PASSWORD)
        assert self.page.locator("html").get_attribute("lang") == self.language

    def step(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("domcontentloaded")
        self.screenshot(f"{self.language}-{self.width}-{name}")
        problems = text_problems(
            visible_text(page), wording(page, self.language), language=self.language, data=_data()
        )
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > self.width:
            problems.append(f"page {wide} px wide in a {self.width} px window")
        if problems:
            self.found[f"{name} ({page.url})"] = problems

    def assert_clean(self) -> None:
        assert not self.found, "\n".join(
            f"{step}:\n  " + "\n  ".join(problems) for step, problems in self.found.items()
        )


def _data() -> list[str]:
    """Names the pages show as data (Vietnamese in every language)."""
    names = list(Profile.objects.values_list("full_name", flat=True))
    units = list(Unit.objects.values_list("name", flat=True))
    users = [u.get_full_name() for u in get_user_model().objects.all()]
    return [*names, *units, *users, *get_user_model().objects.values_list("username", flat=True)]


@pytest.mark.parametrize(("language", "width"), SETTINGS)
def test_agency_admin_creates_an_account_grants_a_role_and_deactivates_it(
    page,
    screenshot,
    phu_tho,  # noqa: F811
    language,
    width,
):
    admin_user = get_user_model().objects.create_user(
        "phutho.quantri", password=PASSWORD, is_staff=True, first_name="Đặng Văn Quản"
    )
    UnitAssignment.objects.create(user=admin_user, unit=phu_tho.province, role=Role.AGENCY_ADMIN)
    department = Unit.objects.get(code="H25.01")
    walk = Walk(page, screenshot, language, width)
    walk.log_in(admin_user)
    walk.step("1-home")

    page.locator(".portal-card__action a[href$='/admin/orgtree/agencyuser/add/']").click()
    page.wait_for_selector("#id_username")
    page.fill("#id_username", "phutho.moi")
    page.fill("#id_full_name", "Vũ Thị Mới")
    page.fill("#id_email", "vu.thi.moi@phutho.gov.vn")
    pick_unit(page, "id_unit", department)
    page.select_option("#id_role", Role.HR_OFFICER.value)
    walk.step("2-new-account")
    page.click("input[name=_save]")

    password = page.locator("#generated-password").input_value()
    walk.step("3-password-shown-once")
    account = get_user_model().objects.get(username="phutho.moi")
    assert account.check_password(password) and account.is_active
    assert list(UnitAssignment.objects.filter(user=account).values_list("unit", "role")) == [
        (department.pk, Role.HR_OFFICER.value)
    ]

    page.locator(f"a[href$='/admin/orgtree/agencyuser/{account.pk}/change/']").first.click()
    page.wait_for_selector("#account-roles")
    walk.step("4-account")

    page.locator(f"#account-roles a[href$='/{account.pk}/grant/']").click()
    pick_unit(page, "id_unit", phu_tho.province)
    page.select_option("#id_role", Role.VIEWER.value)
    walk.step("5-grant")
    page.click("#content-main input[type=submit]")
    page.wait_for_selector("ul.messagelist")
    assert page.locator("#account-roles tbody tr").count() == 2
    walk.step("6-two-roles")
    assert set(UnitAssignment.objects.filter(user=account).values_list("unit", "role")) == {
        (department.pk, Role.HR_OFFICER.value),
        (phu_tho.province.pk, Role.VIEWER.value),
    }

    page.locator(f"#account-roles a[href$='/{account.pk}/active/']").click()
    page.fill("#id_reason", "Chuyển công tác sang tỉnh khác")
    walk.step("7-deactivate")
    page.click("#content-main input[type=submit]")
    page.wait_for_selector("ul.messagelist")
    walk.step("8-deactivated")
    account.refresh_from_db()
    assert not account.is_active
    walk.assert_clean()


@pytest.mark.parametrize(("language", "width"), SETTINGS)
def test_viewer_finds_a_person_from_the_home_page_and_reads_the_profile(
    page,
    screenshot,
    phu_tho,  # noqa: F811
    language,
    width,
):
    walk = Walk(page, screenshot, language, width)
    walk.log_in(phu_tho.viewer)
    walk.step("1-home")

    search = page.locator("#portal-viewer input[type=search]")
    search.fill("tran van duc")  # without diacritics
    search.press("Enter")
    page.wait_for_selector("#result_list")
    walk.step("2-found")
    listed = page.inner_text("#result_list")
    assert "Trần Văn Đức" in listed and "Nguyễn Thị Hương" not in listed

    page.locator("#result_list").get_by_role("link", name="Trần Văn Đức").click()
    page.wait_for_selector("#profile_form")
    walk.step("3-profile")
    assert page.locator("input[name=_save], input[name=_continue]").count() == 0
    walk.assert_clean()


@pytest.mark.parametrize(("language", "width"), SETTINGS)
def test_hr_officer_corrects_a_profile_with_errors_and_submits_it(
    page,
    screenshot,
    phu_tho,  # noqa: F811
    language,
    width,
):
    from profiles.validation import validate_profile

    huong = phu_tho.people.huong
    # born 1987 by the record, 1988 by the ID's 5th–6th digits: an error to fix
    Profile.objects.filter(pk=huong.pk).update(date_of_birth=date(1987, 5, 12))
    validate_profile(Profile.objects.get(pk=huong.pk))
    assert Profile.objects.get(pk=huong.pk).error_count > 0

    walk = Walk(page, screenshot, language, width)
    walk.log_in(phu_tho.hr)
    walk.step("1-home")

    page.locator("#portal-hr_officer .portal-card a[href*='error_count__gt=0']").click()
    page.wait_for_selector("#result_list")
    walk.step("2-profiles-with-errors")
    page.locator("#result_list").get_by_role("link", name="Nguyễn Thị Hương").click()
    page.wait_for_selector("#profile_form")
    walk.step("3-profile")

    page.click("#tab-nhom-1")  # the personal data group
    page.fill("#id_date_of_birth", "12/05/1988")
    page.locator("button.profile-tab[data-tab]").first.click()  # the overview
    page.fill("#id_change_reason", "Sửa ngày sinh theo giấy khai sinh")
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist")
    walk.step("4-saved")
    huong.refresh_from_db()
    assert huong.date_of_birth == date(1988, 5, 12) and huong.error_count == 0
    assert huong.history.first().history_change_reason == "Sửa ngày sinh theo giấy khai sinh"

    page.locator(".breadcrumbs a[href$='/admin/profiles/profile/']").click()
    page.wait_for_selector("#result_list")
    page.locator("#result_list tr", has_text="Nguyễn Thị Hương").locator(
        "input.action-select"
    ).check()
    page.select_option("select[name=action]", "submit_selected")
    page.click("#changelist-form button[name=index]")
    page.wait_for_selector("ul.messagelist")
    walk.step("5-submitted")
    assert Profile.objects.get(pk=huong.pk).status == ProfileStatus.SUBMITTED
    walk.assert_clean()


@pytest.mark.parametrize(("language", "width"), SETTINGS)
def test_approver_opens_the_inbox_from_the_home_page_and_approves_a_first_submission(
    page,
    screenshot,
    inbox_world,  # noqa: F811
    language,
    width,
):
    duc = inbox_world["duc"]
    walk = Walk(page, screenshot, language, width)
    walk.log_in(inbox_world["approver"])
    walk.step("1-home")

    page.locator("#portal-approver .portal-card__action a").first.click()
    page.wait_for_selector("#inbox-list")
    walk.step("2-inbox")
    page.locator("#inbox-list").get_by_role("link", name="Trần Văn Đức").click()
    page.wait_for_selector("#diff")
    walk.step("3-first-submission")
    page.click("button[name=action][value=approve]")
    page.wait_for_selector("ul.messagelist")
    walk.step("4-approved")
    assert Profile.objects.get(pk=duc.pk).status == ProfileStatus.APPROVED
    assert Profile.objects.get(pk=inbox_world["outside"].pk).status == ProfileStatus.SUBMITTED
    walk.assert_clean()
