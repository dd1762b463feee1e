"""The interface language chosen in the user-tools bar is saved on the account and applied at
every later login, over the browser's language (portal/language.py)."""

from __future__ import annotations

from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from orgtree.models import Role, Unit, UnitAssignment
from portal.language import saved_language
from portal.models import UserPreference

PASSWORD = "x-Password-123"


@pytest.fixture
def approver(make_unit):
    unit = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    user = get_user_model().objects.create_user("phutho.pheduyet", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=user, unit=unit, role=Role.APPROVER)
    return user


def _logged_in(user, browser_language: str = "vi") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=browser_language)
    client.force_login(user)
    return client


def _page(client: Client, url: str = "/admin/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_user_tools_offer_each_language_and_mark_the_current_one(approver):
    page = _page(_logged_in(approver))
    assert 'id="language-form"' in page and 'action="/i18n/setlang/"' in page
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in page
    current = 'value="vi" lang="vi" class="language-current" aria-current="true" disabled'
    assert current in page
    assert "Hộp duyệt hồ sơ" in page or "Chờ phê duyệt" in page  # Vietnamese by default


def test_choosing_english_saves_it_and_the_pages_follow(approver):
    client = _logged_in(approver)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert saved_language(approver) == "en"
    page = _page(client)
    assert "Awaiting approval" in page and "Chờ phê duyệt" not in page
    assert "Log out" in page
    assert 'value="en" lang="en" class="language-current"' in page


def test_the_saved_language_wins_over_the_browser_at_the_next_login(approver):
    UserPreference.objects.create(user=approver, language="en")
    client = _logged_in(approver, browser_language="vi-VN,vi;q=0.9")
    response = client.get("/admin/")
    assert response["Content-Language"] == "en"
    assert "Awaiting approval" in unescape(response.content.decode())
    # the cookie follows, so the login page after logging out stays in English
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_switching_back_to_vietnamese(approver):
    UserPreference.objects.create(user=approver, language="en")
    client = _logged_in(approver, browser_language="en")
    client.post("/i18n/setlang/", {"language": "vi", "next": "/admin/"})
    assert saved_language(approver) == "vi"
    assert "Chờ phê duyệt" in _page(client)
    assert _page(_logged_in(approver, browser_language="en")).count("Chờ phê duyệt") >= 1


def test_without_a_saved_choice_the_browser_decides(approver):
    assert "Awaiting approval" in _page(_logged_in(approver, browser_language="en"))
    assert "Chờ phê duyệt" in _page(_logged_in(approver, browser_language="vi"))
    assert not UserPreference.objects.exists()


def test_an_unknown_language_is_not_saved(approver):
    client = _logged_in(approver)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})
    assert saved_language(approver) is None
    assert "Chờ phê duyệt" in _page(client)


def test_anonymous_choice_sets_the_cookie_only(db):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not UserPreference.objects.exists()


def test_get_is_refused(approver):
    assert _logged_in(approver).get("/i18n/setlang/?language=en").status_code == 405


def test_the_login_page_offers_the_switch_and_follows_the_cookie(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    page = _page(client, "/admin/login/")
    assert 'id="language-form"' in page and "Mã xác thực hai lớp" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    page = _page(client, "/admin/login/")
    assert "Two-factor code" in page and "Mã xác thực hai lớp" not in page
    assert 'value="en" lang="en" class="language-current"' in page
