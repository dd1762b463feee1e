"""Fixtures for the API tests: two agencies (A: Phú Thọ, B: Hà Nội), a profile in each, and
integration clients with keys; ``api`` makes a Django test client that sends the key."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from orgtree.apikeys import issue_key
from orgtree.models import IntegrationClient, Unit
from tests.profiles.conftest import (  # noqa: F401 - shared profile fixtures
    user_with,
    valid_fields,
)


class ApiClient:
    """Thin wrapper: JSON bodies, the key in ``Authorization``, extra headers by keyword."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def request(self, method: str, path: str, data: Any = None, **headers: str):
        hdrs = dict(headers)
        if self.token:
            hdrs.setdefault("Authorization", f"Bearer {self.token}")
        kwargs: dict[str, Any] = {"headers": hdrs}
        if method in ("get", "head", "options"):
            return getattr(self.client, method)(path, data or {}, **kwargs)
        return getattr(self.client, method)(
            path, data if data is not None else {}, content_type="application/json", **kwargs
        )

    def get(self, path: str, data: Any = None, **h: str):
        return self.request("get", path, data, **h)

    def post(self, path: str, data: Any = None, **h: str):
        return self.request("post", path, data, **h)

    def put(self, path: str, data: Any = None, **h: str):
        return self.request("put", path, data, **h)

    def patch(self, path: str, data: Any = None, **h: str):
        return self.request("patch", path, data, **h)

    def delete(self, path: str, data: Any = None, **h: str):
        return self.request("delete", path, data, **h)


@pytest.fixture
def agencies(make_unit, codelists_loaded):
    from profiles.models import WorkHistory
    from profiles.services import create_profile

    a = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    a_dept = make_unit("Sở Nội vụ", parent=a, code="H25.01")
    b = make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H12", kind=Unit.Kind.PROVINCE_PC)
    b_dept = make_unit("Sở Nội vụ Hà Nội", parent=b, code="H12.01")
    a_profile = create_profile(
        unit=a_dept, **valid_fields(personal_id="040085001234", full_name="Nguyễn Văn An")
    )
    b_profile = create_profile(
        unit=b_dept, **valid_fields(personal_id="001085009999", full_name="Hoàng Thị Bí Mật")
    )
    rows = {}
    for name, profile in (("a", a_profile), ("b", b_profile)):
        rows[name] = WorkHistory.objects.create(
            profile=profile, start_date="2020-01-01", unit=profile.unit, description="Chuyên viên"
        )
    a_client = IntegrationClient.objects.create(name="Phần mềm lương Phú Thọ", unit=a)
    b_client = IntegrationClient.objects.create(name="Cổng thông tin Hà Nội", unit=b)
    return {
        "a": Unit.objects.get(pk=a.pk),
        "a_dept": Unit.objects.get(pk=a_dept.pk),
        "b": Unit.objects.get(pk=b.pk),
        "b_dept": Unit.objects.get(pk=b_dept.pk),
        "a_profile": a_profile,
        "b_profile": b_profile,
        "a_row": rows["a"],
        "b_row": rows["b"],
        "a_client": a_client,
        "b_client": b_client,
    }


@pytest.fixture
def key_for(agencies):
    def factory(agency: str = "a", **kw: Any) -> tuple[Any, str]:
        kw.setdefault("write", True)
        issued = issue_key(agencies[f"{agency}_client"], **kw)
        return issued.key, issued.token

    return factory


@pytest.fixture
def api(key_for):
    """``api(agency="a", **key options)`` → an ApiClient holding a fresh key."""

    def factory(agency: str = "a", **kw: Any) -> ApiClient:
        _key, token = key_for(agency, **kw)
        return ApiClient(token)

    return factory
