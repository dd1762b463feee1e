"""The 403 and 404 pages (portal/views.py): the admin's layout, Vietnamese by default, never
Django's bare English page; under /api/ a 404 stays problem details."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from orgtree.models import Role, Unit, UnitAssignment


@pytest.fixture
def viewer(make_unit):
    unit = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    user = get_user_model().objects.create_user("xem", password="x-Password-123", is_staff=True)
    UnitAssignment.objects.create(user=user, unit=unit, role=Role.VIEWER)
    client = Client()
    client.force_login(user)
    return client


def _assert_admin_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert "CSDL cán bộ, công chức, viên chức" in page  # the admin's header
    assert "admin/css/base.css" in page
    assert 'href="/admin/"' in page
    assert "None" not in page
    assert "Django administration" not in page and "Not Found" not in page
    return page


@pytest.mark.django_db
def test_403_is_an_admin_page_in_vietnamese(viewer):
    # a viewer may not add profiles: the admin raises PermissionDenied
    response = viewer.get("/admin/profiles/profile/add/")
    page = _assert_admin_page(response, 403, "Không có quyền truy cập")
    assert "Bạn không có quyền xem hoặc thực hiện thao tác này." in page
    assert 'id="user-tools"' in page  # signed in: the user's links stay
    assert "403 Forbidden" not in page


@pytest.mark.django_db
def test_404_for_an_unknown_object_is_an_admin_page_in_vietnamese(viewer):
    response = viewer.get("/admin/profiles/profile/987654/history/")
    page = _assert_admin_page(response, 404, "Không tìm thấy trang")
    assert "nằm ngoài phạm vi đơn vị bạn được xem" in page


@pytest.mark.django_db
def test_404_for_an_unknown_address_anonymous(client):
    response = client.get("/khong-co-trang-nay/")
    page = _assert_admin_page(response, 404, "Không tìm thấy trang")
    assert "/khong-co-trang-nay/" in page
    assert 'id="user-tools"' not in page


@pytest.mark.django_db
def test_404_under_api_stays_problem_details(client):
    response = client.get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


@pytest.mark.django_db
def test_error_pages_follow_the_chosen_language(viewer):
    """English chosen: the page's frame (Django's own strings) is English, our text stays
    translatable (Vietnamese until an English catalogue entry exists), never 'None'."""
    response = viewer.get("/admin/profiles/profile/add/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "None" not in page
