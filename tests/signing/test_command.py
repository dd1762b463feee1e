"""The make_test_ca command: labelled test material on disk, and loaded on request."""

from __future__ import annotations

import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from signing.credentials import open_signer
from signing.models import RevocationList, SigningCredential, TrustedCertificate
from signing.sample import sample_profile_document
from signing.trust import TrustStore
from signing.xmlsig import sign_document, verify_document

pytestmark = pytest.mark.django_db


def _pins(out) -> dict[str, str]:
    lines = (out / "PIN-THU-NGHIEM.txt").read_text(encoding="utf-8").splitlines()
    assert "THỬ NGHIỆM" in lines[0]
    return dict(line.split("\t") for line in lines[2:])


def test_make_test_ca_writes_and_loads(tmp_path):
    users = get_user_model().objects
    users.create_user("an", first_name="An", last_name="Nguyễn Văn")
    users.create_user("binh")
    out = tmp_path / "ca"
    call_command("make_test_ca", "--out", str(out), "--users", "an,binh", "--load")
    pins = _pins(out)
    assert set(pins) == {"an.p12", "an-ecdsa.p12", "binh.p12", "thu-hoi.p12"}
    assert stat.S_IMODE((out / "an.p12").stat().st_mode) == 0o600
    assert (out / "ca-goc-thu-nghiem.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE")

    assert TrustedCertificate.objects.get().common_name == "CA THỬ NGHIỆM cbccvc — KHÔNG DÙNG THẬT"
    assert RevocationList.objects.count() == 2
    creds = SigningCredential.objects.order_by("label")
    assert [c.owner.username for c in creds] == ["an", "an", "binh"]
    assert sorted(c.key_algorithm for c in creds) == ["ec", "rsa", "rsa"]

    an_rsa = creds.get(owner__username="an", key_algorithm="rsa")
    with open_signer(an_rsa, pins["an.p12"], user=an_rsa.owner) as signer:
        signed = sign_document(sample_profile_document(), signer)
    result = verify_document(signed, TrustStore.from_database())
    assert result.ok, result.problems
    assert "THỬ NGHIỆM" in result.signer_name


def test_make_test_ca_refuses_unknown_users_when_loading(tmp_path):
    with pytest.raises(CommandError, match="Không có người dùng 'ma'"):
        call_command("make_test_ca", "--out", str(tmp_path), "--users", "ma", "--load")
    assert not TrustedCertificate.objects.exists()
