"""The admin speaks Vietnamese: no English left from the installed apps, dates as dd/mm/yyyy."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from orgtree import services
from orgtree.models import Unit
from profiles.models import Profile

# English strings the installed apps render in the pages below when no translation exists.
ENGLISH = (
    "Expand tree",
    "Collapse tree",
    "Show counts",
    "Hide counts",
    "Skip to main content",
    "Toggle theme",
    "Valid from",
    "Valid to",
    ">Title<",
    ">Kind<",
    ">Parent<",
    ">Role<",
)


@pytest.fixture
def national_admin(user_with):
    return user_with("quantri", superuser=True)


@pytest.fixture
def unit_with_history(db):
    province = services.create_unit(
        name="Ủy ban nhân dân tỉnh Nghệ An", code="H24", kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )  # fmt: skip
    department = services.create_unit(
        name="Sở Nội vụ tỉnh Nghệ An", code="H24.01", kind=Unit.Kind.DEPARTMENT,
        parent=province, valid_from=date(2025, 7, 1),
    )  # fmt: skip
    services.update_unit(
        department, name="Sở Nội vụ", effective_date=date(2025, 9, 1), reason="Đổi tên"
    )
    return Unit.objects.get(pk=department.pk)


def _english_in(text: str) -> list[str]:
    return [s for s in ENGLISH if s.lower() in text.lower()]


def _pages(client, unit: Unit, profile: Profile) -> dict[str, str]:
    urls = {
        "unit list": reverse("admin:orgtree_unit_changelist"),
        "unit": reverse("admin:orgtree_unit_change", args=[unit.pk]),
        "profile list": reverse("admin:profiles_profile_changelist"),
        "profile": reverse("admin:profiles_profile_change", args=[profile.pk]),
        "profile history": reverse("admin:profiles_profile_history", args=[profile.pk]),
        "index": reverse("admin:index"),
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    return pages


def test_admin_pages_have_no_english_left(client, national_admin, unit_with_history, make_profile):
    profile = make_profile()
    client.force_login(national_admin)
    pages = _pages(client, unit_with_history, profile)
    for name, text in pages.items():
        assert _english_in(text) == [], name

    # The tree's buttons are made by mptt's script from a JSON context (escaped in the page).
    tag = re.search(r"<script[^>]*draggable-admin-context[^>]*>", pages["unit list"])
    assert tag, "mptt's tree context is missing"
    context = re.search(r'data-context="([^"]*)"', tag.group(0))
    assert context, "mptt's tree context is missing"
    tree_messages = json.loads(html.unescape(context.group(1)))["messages"]
    assert tree_messages["expandTree"] == "Mở rộng cây"
    assert tree_messages["collapseTree"] == "Thu gọn cây"
    assert "Tên đơn vị" in pages["unit list"]
    assert "Hiện số lượng" in pages["unit list"]  # the filter's "Show counts"
    assert "Các giai đoạn" in pages["unit"] and "Từ ngày" in pages["unit"]


def test_the_catalog_works_without_the_request_too():
    from django.utils.translation import gettext

    with translation.override("vi"):
        assert gettext("Expand tree") == "Mở rộng cây"
        assert gettext("Show counts") == "Hiện số lượng"
    with translation.override("en"):
        assert gettext("Expand tree") == "Expand tree"


def test_dates_are_typed_and_shown_as_dd_mm_yyyy(client, hr, tree):
    client.force_login(hr)
    url = reverse("admin:profiles_profile_add")
    data = {
        "personal_id": "040185007777", "full_name": "đỗ thị mai", "sex": "2",
        "date_of_birth": "14/03/1985", "birth_date_precision": "day",
        "last_verified_at": "02-01-2026",  # dd-mm-yyyy is accepted too
        "unit": tree["H40.10"].pk, "change_reason": "Nhập hồ sơ mới tuyển",
    }  # fmt: skip
    for prefix in ("work_history", "salary_history", "career_events", "education", "trainings",
                   "family", "memberships", "military_service", "assessments", "commendations",
                   "disciplines", "health"):  # fmt: skip
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    person = Profile.objects.get(personal_id="040185007777")
    assert person.date_of_birth == date(1985, 3, 14)  # not 3 December: day first
    assert person.last_verified_at == date(2026, 1, 2)

    form = client.get(reverse("admin:profiles_profile_change", args=[person.pk])).content.decode()
    assert re.search(r'name="date_of_birth"[^>]*value="14/03/1985"', form)
    listing = client.get(reverse("admin:profiles_profile_changelist")).content.decode()
    assert "14/03/1985" in listing

    data["personal_id"] = "040185008888"
    data["date_of_birth"] = "1985-13-14"  # no month 13 in any accepted form
    response = client.post(url, data)
    assert response.status_code == 200
    assert "date_of_birth" in response.context["adminform"].form.errors
