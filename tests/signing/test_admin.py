"""Admin pages of the signing engine, driven through the Django test client."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from signing.credentials import add_pkcs12_credential, add_trusted_certificate
from signing.keys import KeyFileSigner
from signing.models import RevocationList, SigningCredential, TrustedCertificate
from signing.xmlsig import sign_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user("an", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("quan-tri", email=None, password=None)


def _p12(cred) -> SimpleUploadedFile:
    return SimpleUploadedFile("khoa.p12", cred.pkcs12, content_type="application/x-pkcs12")


def test_upload_pkcs12_checks_the_pin_and_never_keeps_it(client, staff, rsa_cred):
    url = reverse("admin:signing_signingcredential_add")
    page = client.get(url)
    assert page.status_code == 200 and "Mã PIN" in page.content.decode()

    wrong = client.post(url, {"pkcs12_file": _p12(rsa_cred), "pin": "000", "label": "An"})
    assert wrong.status_code == 200
    assert "Mã PIN không đúng" in wrong.content.decode()
    assert not SigningCredential.objects.exists()

    ok = client.post(url, {"pkcs12_file": _p12(rsa_cred), "pin": rsa_cred.pin, "label": "An"})
    assert ok.status_code == 302
    cred = SigningCredential.objects.get()
    assert cred.owner == staff and cred.label == "An"
    change = client.get(reverse("admin:signing_signingcredential_change", args=[cred.pk]))
    html = change.content.decode()
    assert cred.serial in html and "Nguyễn Văn An (THỬ NGHIỆM)" in html
    assert rsa_cred.pin not in html and "sealed_pkcs12" not in html
    # The admin log mentions the object, never the PIN.
    from django.contrib.admin.models import LogEntry

    assert all(
        rsa_cred.pin not in (e.change_message + e.object_repr) for e in LogEntry.objects.all()
    )


def test_credentials_are_visible_only_to_owner_and_superuser(client, staff, superuser, rsa_cred):
    other = get_user_model().objects.create_user("binh", is_staff=True)
    cred = add_pkcs12_credential(other, rsa_cred.pkcs12, rsa_cred.pin, label="Khóa của Bình")
    changelist = reverse("admin:signing_signingcredential_changelist")
    assert "Khóa của Bình" not in client.get(changelist).content.decode()
    detail = reverse("admin:signing_signingcredential_change", args=[cred.pk])
    assert client.get(detail).status_code in {302, 404}
    client.force_login(superuser)
    assert "Khóa của Bình" in client.get(changelist).content.decode()
    assert client.get(detail).status_code == 200


def test_trust_store_upload_and_verify_page(client, superuser, test_ca, rsa_cred, sample_doc):
    client.force_login(superuser)
    add_url = reverse("admin:signing_trustedcertificate_add")
    root_pem = test_ca.root_cert.public_bytes(Encoding.PEM)
    response = client.post(
        add_url,
        {"certificate_file": SimpleUploadedFile("ca.pem", root_pem), "label": "CA gốc", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TrustedCertificate.objects.get().label == "CA gốc"
    leaf_pem = rsa_cred.certificate.public_bytes(Encoding.PEM)
    response = client.post(add_url, {"certificate_file": SimpleUploadedFile("x.pem", leaf_pem)})
    assert "không phải chứng thư CA" in response.content.decode()

    crl_url = reverse("admin:signing_revocationlist_add")
    crl = test_ca.crl.public_bytes(Encoding.DER)
    response = client.post(crl_url, {"crl_file": SimpleUploadedFile("ca.crl", crl), "label": ""})
    assert response.status_code == 302
    assert RevocationList.objects.get().revoked_count == 1
    from signing.credentials import add_revocation_list

    add_revocation_list(test_ca.root_crl.public_bytes(Encoding.DER))  # the CRL for the CA level

    verify_url = reverse("admin:signing_verify")
    with KeyFileSigner.from_pkcs12(rsa_cred.pkcs12, rsa_cred.pin) as signer:
        signed = sign_document(sample_doc, signer)
    page = client.post(verify_url, {"xml_file": SimpleUploadedFile("hs.xml", signed)})
    html = page.content.decode()
    assert "Chữ ký số HỢP LỆ" in html and "Nguyễn Văn An" in html
    assert format(rsa_cred.certificate.serial_number, "X") in html
    assert "Không bị thu hồi (theo CRL đã nạp)" in html
    tampered = signed.replace(b"Minh Khai", "Minh Khải".encode())
    page = client.post(verify_url, {"xml_file": SimpleUploadedFile("hs.xml", tampered)})
    html = page.content.decode()
    assert "KHÔNG HỢP LỆ" in html and "content_modified" in html


def test_verify_page_needs_staff(client):
    user = get_user_model().objects.create_user("khach")
    client.force_login(user)
    response = client.get(reverse("admin:signing_verify"))
    assert response.status_code == 302  # to the admin login


def test_trust_store_is_not_editable_by_plain_staff(client, staff, test_ca):
    add_trusted_certificate(test_ca.root_cert.public_bytes(Encoding.PEM))
    response = client.get(reverse("admin:signing_trustedcertificate_add"))
    assert response.status_code == 403


def test_batch_page_shows_progress_and_failures_to_its_owner(client, staff, rsa_cred):
    from signing.models import SigningBatch

    cred = add_pkcs12_credential(staff, rsa_cred.pkcs12, rsa_cred.pin)
    batch = SigningBatch.objects.create(
        created_by=staff,
        credential=cred,
        provider="tests.signing.providers.provide",
        item_ids=["a", "b"],
        total=2,
        done=1,
        failed=1,
        status=SigningBatch.Status.DONE_WITH_ERRORS,
        results={"a": {"ok": True}, "b": {"ok": False, "error": "Không có hồ sơ 'b'."}},
    )
    url = reverse("admin:signing_signingbatch_change", args=[batch.pk])
    html = client.get(url).content.decode()
    assert "2/2 (100%)" in html and "Không có hồ sơ &#x27;b&#x27;." in html
    other = get_user_model().objects.create_user("binh", is_staff=True)
    client.force_login(other)
    assert client.get(url).status_code in {302, 403, 404}


def test_every_signing_admin_page_renders(client, superuser, test_ca, rsa_cred):
    from signing.credentials import add_revocation_list

    client.force_login(superuser)
    objects = {
        "signingcredential": add_pkcs12_credential(superuser, rsa_cred.pkcs12, rsa_cred.pin),
        "trustedcertificate": add_trusted_certificate(test_ca.root_cert.public_bytes(Encoding.PEM))[
            0
        ],
        "revocationlist": add_revocation_list(test_ca.crl.public_bytes(Encoding.PEM)),
    }
    for model, obj in objects.items():
        page = client.get(reverse(f"admin:signing_{model}_change", args=[obj.pk]))
        assert page.status_code == 200, model
    for model in ("signingcredential", "trustedcertificate", "revocationlist", "signingbatch"):
        changelist = client.get(reverse(f"admin:signing_{model}_changelist"))
        assert changelist.status_code == 200, model
    for model in ("signingcredential", "trustedcertificate", "revocationlist"):
        assert client.get(reverse(f"admin:signing_{model}_add")).status_code == 200, model
    listing = client.get(reverse("admin:signing_signingcredential_changelist")).content.decode()
    assert reverse("admin:signing_verify") in listing
    assert client.get(reverse("admin:signing_verify")).status_code == 200
