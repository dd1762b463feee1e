"""An HR officer sends an "M51" test sync of a few profiles from the admin and reads the
national side's answer per profile — in a real browser, against the emulator over HTTP."""

from __future__ import annotations

import pytest

from orgtree.models import Role, UnitAssignment
from profiles import workflow
from profiles.models import Profile
from profiles.signatures.versions import sign_version
from profiles.synthetic import generate_people
from signing.keys import KeyFileSigner

from .conftest import log_in

PASSWORD = "x-Password-123"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "national"]),
]


@pytest.fixture
def m51_world(phutho_national, make_unit, django_user_model):
    """The shared Phú Thọ set-up with a department both sides know, an HR officer, an
    approver and three people, two of them approved and signed with the approver's TEST key."""
    from profiles.codelists import clear_cache, load_codelists
    from syncing.emulator.models import NationalUnit

    load_codelists()
    clear_cache()
    province = phutho_national.province
    dept = make_unit("Sở Nội vụ", parent=province, code="H25.01")
    hr = django_user_model.objects.create_user("nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=province, role=Role.HR_OFFICER)
    approver = django_user_model.objects.create_user("pheduyet", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=approver, unit=province, role=Role.APPROVER)
    cred = phutho_national.ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)
    generate_people(dept, 3, seed=51)
    people = list(Profile.objects.order_by("pk"))
    for person in people[:2]:
        version = workflow.approve(workflow.submit(person, hr), approver)
        sign_version(version, signer, approver)
    NationalUnit.objects.create(
        code="H25.01",
        name="Sở Nội vụ",
        parent=NationalUnit.objects.get(code="H25"),
        agency_code="H25",
        source="national",
    )
    return {"signed": people[:2], "unsigned": people[2]}


def test_hr_officer_sends_an_m51_test_sync(page, screenshot, m51_world):
    log_in(page, "nhansu", PASSWORD)
    page.goto("/admin/syncing/testsyncrun/add/")
    ids = [p.personal_id for p in [*m51_world["signed"], m51_world["unsigned"]]]
    page.fill("#id_personal_ids", "\n".join(ids))
    screenshot("1-chon-ho-so")
    page.click("#m51-form input[type=submit]")
    page.wait_for_selector("#m51-results")
    screenshot("2-ket-qua")
    rows = page.locator("#m51-results tbody tr")
    assert rows.count() == 3
    text = page.locator("#m51-results").inner_text()
    for person in m51_world["signed"]:
        row = page.locator("#m51-results tbody tr", has_text=person.personal_id)
        assert "Hợp lệ" in row.inner_text()
    unsigned = page.locator("#m51-results tbody tr", has_text=m51_world["unsigned"].personal_id)
    assert "chưa có phiên bản đã ký số" in unsigned.inner_text()
    assert "Không hợp lệ" not in text
    # nothing was stored by the test sync
    from syncing.emulator.models import ReceivedProfile

    assert ReceivedProfile.objects.count() == 0
