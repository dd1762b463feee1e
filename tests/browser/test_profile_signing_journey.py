"""An approver signs approved profiles from the list, watches the batch, re-verifies a
signature on the profile page — in a real browser."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from orgtree.models import Role, UnitAssignment
from profiles.models import Profile, ProfileStatus
from signing.credentials import add_pkcs12_credential
from signing.testca import load_test_ca, make_test_ca
from tests.signing.profile_helpers import approved_version, generated_person

from .conftest import log_in

PASSWORD = "x-Password-123"


@pytest.fixture
def signing_world(make_unit, reference_data, django_user_model):
    from profiles.codelists import clear_cache, load_codelists

    load_codelists()
    clear_cache()
    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    dept = make_unit("Sở Nội vụ", parent=province, code="H25.01")
    hr = django_user_model.objects.create_user("nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=province, role=Role.HR_OFFICER)
    approver = django_user_model.objects.create_user(
        "pheduyet", password=PASSWORD, is_staff=True, first_name="Duyệt", last_name="Lê Văn"
    )
    UnitAssignment.objects.create(user=approver, unit=province, role=Role.APPROVER)
    approved = []
    for seed in (31, 32):
        person = generated_person(dept, seed=seed, every_group=False)
        approved_version(person, hr, approver)
        approved.append(person)
    draft = generated_person(dept, seed=33, every_group=False)
    ca = make_test_ca([("pheduyet", "Lê Văn Duyệt")], with_ecdsa=False)
    load_test_ca(ca, load_credentials=False)
    issued = ca.credentials[0]
    credential = add_pkcs12_credential(approver, issued.pkcs12, issued.pin, label="Khóa thử")
    return {"approved": approved, "draft": draft, "pin": issued.pin, "credential": credential}


@override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": True})
def test_approver_signs_a_batch_and_reverifies(page, screenshot, signing_world):
    log_in(page, "pheduyet", PASSWORD)
    page.goto("/admin/profiles/profile/")
    for profile in [*signing_world["approved"], signing_world["draft"]]:
        page.check(f"input[name=_selected_action][value='{profile.pk}']")
    page.select_option("select[name=action]", "sign_selected")
    page.click("button[name=index]")
    page.wait_for_selector("#id_pin")
    screenshot("1-nhap-pin")
    page.fill("#id_pin", signing_world["pin"])
    page.click("input[name=apply]")
    page.wait_for_selector("progress#tien-do")
    text = page.inner_text("#content")
    draft = signing_world["draft"]
    assert "100%" in text and "đã ký 2" in text
    assert draft.personal_id in page.inner_text("ul.messagelist")  # refused, with its reason
    screenshot("2-lo-ky-so")
    assert Profile.objects.filter(status=ProfileStatus.SIGNED).count() == 2

    first = signing_world["approved"][0]
    page.goto(f"/admin/profiles/profile/{first.pk}/change/")
    assert "Chưa kiểm tra" in page.inner_text("#content")
    page.click("button[name=_kiem_tra_chu_ky]")
    page.wait_for_selector("ul.messagelist")
    assert "chữ ký số hợp lệ" in page.inner_text("ul.messagelist")
    assert "Hợp lệ (kiểm tra lúc" in page.inner_text("#content")
    screenshot("3-kiem-tra-lai")
