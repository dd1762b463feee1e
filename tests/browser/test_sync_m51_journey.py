"""An HR officer sends an "M51" test sync of a few profiles from the admin and reads the
national side's answer per profile — in a real browser, against the emulator over HTTP."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from orgtree.models import Role, UnitAssignment
from profiles import workflow
from profiles.models import Profile
from profiles.signing.keys import KeyFileSigner
from profiles.signing.profile_signing import sign_version
from profiles.signing.testca import load_test_ca, make_test_ca
from profiles.synthetic import generate_people

from .conftest import log_in

PASSWORD = "x-Password-123"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "national"]),
]


@pytest.fixture
def emulator():
    from syncing.emulator.server import EmulatorThread
    from syncing.emulator.state import state

    state.reset()
    thread = EmulatorThread()
    thread.start()
    yield thread
    thread.stop()
    state.reset()


@pytest.fixture
def m51_world(make_unit, django_user_model, emulator):
    from profiles.codelists import clear_cache, load_codelists
    from syncing.connections import create_connection
    from syncing.emulator.keys import issue_key
    from syncing.emulator.models import NationalUnit
    from syncing.emulator.services import add_trust

    load_codelists()
    clear_cache()
    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25")
    dept = make_unit("Sở Nội vụ", parent=province, code="H25.01")
    hr = django_user_model.objects.create_user("nhansu", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=hr, unit=province, role=Role.HR_OFFICER)
    approver = django_user_model.objects.create_user("pheduyet", password=PASSWORD, is_staff=True)
    UnitAssignment.objects.create(user=approver, unit=province, role=Role.APPROVER)
    ca = make_test_ca([("pheduyet", "Lê Văn Duyệt")], with_ecdsa=False)
    load_test_ca(ca, load_credentials=False)
    cred = ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)
    generate_people(dept, 3, seed=51)
    people = list(Profile.objects.order_by("pk"))
    for person in people[:2]:
        version = workflow.approve(workflow.submit(person, hr), approver)
        sign_version(version, signer, approver)
    # the national side: trusts the CA, knows the units, issued Phú Thọ's key
    add_trust(ca.root_cert.public_bytes(Encoding.PEM), "CA THỬ NGHIỆM")
    add_trust(ca.crl.public_bytes(Encoding.PEM), "CRL THỬ NGHIỆM")
    root = NationalUnit.objects.create(
        code="H25", name="UBND tỉnh Phú Thọ", agency_code="H25", source="national"
    )
    NationalUnit.objects.create(
        code="H25.01", name="Sở Nội vụ", parent=root, agency_code="H25", source="national"
    )
    issued = issue_key(
        agency_code="H25", software_name="cbccvc", admin_name="Nguyễn Văn Quản", activate=True
    )
    create_connection(
        unit=province,
        destination="national",
        software_name="cbccvc",
        base_url=emulator.url,
        key_id=issued.key.key_id,
        secret=issued.secret,
        admin_name="Nguyễn Văn Quản",
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
