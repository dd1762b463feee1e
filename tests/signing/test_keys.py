"""Keys: the master key, PKCS#12 credentials opened with a PIN, keys on a PKCS#11 token."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from signing.credentials import add_pkcs12_credential, add_token_credential, open_signer
from signing.errors import KeyEncryptionError, TokenError, UnusableKey, WrongPin
from signing.keys import (
    MASTER_KEY_ENV,
    KeyFileSigner,
    TokenSigner,
    master_key_path,
    seal,
    unseal,
)
from signing.models import SigningCredential
from signing.testca import issue_on_token
from signing.xmlsig import sign_document, verify_document

from .conftest import SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN

# -- master key ------------------------------------------------------------------------------------


def test_master_key_file_is_created_once_with_0600():
    path = master_key_path()
    assert not path.exists()
    sealed = seal(b"bi mat")
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    assert unseal(sealed) == b"bi mat"
    assert b"bi mat" not in sealed
    seal(b"lan hai")
    assert path.read_bytes() == first


def test_master_key_from_environment_and_rotation(monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(MASTER_KEY_ENV, old)
    sealed_with_old = seal(b"du lieu")
    assert not master_key_path().exists()
    monkeypatch.setenv(MASTER_KEY_ENV, f"{new},{old}")
    assert unseal(sealed_with_old) == b"du lieu"
    monkeypatch.setenv(MASTER_KEY_ENV, new)
    with pytest.raises(KeyEncryptionError, match="khóa mã hóa chính"):
        unseal(sealed_with_old)
    monkeypatch.setenv(MASTER_KEY_ENV, "khong-phai-khoa")
    with pytest.raises(KeyEncryptionError):
        seal(b"x")


# -- PKCS#12 ---------------------------------------------------------------------------------------


def test_wrong_pin_fails_with_its_own_code(rsa_cred):
    with pytest.raises(WrongPin) as info:
        KeyFileSigner.from_pkcs12(rsa_cred.pkcs12, rsa_cred.pin + "0")
    assert info.value.code == "wrong_pin"
    assert "PIN" in str(info.value)
    with pytest.raises(WrongPin, match="Chưa nhập"):
        KeyFileSigner.from_pkcs12(rsa_cred.pkcs12, "")


def test_key_must_match_certificate(rsa_cred, ec_cred):
    with pytest.raises(UnusableKey, match="không khớp"):
        KeyFileSigner(rsa_cred.key, ec_cred.certificate)


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user("an")


@pytest.fixture
def stranger(db):
    return get_user_model().objects.create_user("binh")


def test_pkcs12_credential_is_stored_sealed_without_pin(owner, rsa_cred, sample_doc, test_ca):
    cred = add_pkcs12_credential(owner, rsa_cred.pkcs12, rsa_cred.pin, label="Khóa của An")
    row = SigningCredential.objects.get(pk=cred.pk)
    stored = bytes(row.sealed_pkcs12)
    assert rsa_cred.pkcs12 not in stored
    assert unseal(stored) == rsa_cred.pkcs12
    for f in SigningCredential._meta.concrete_fields:
        value = f.value_from_object(row)
        text = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        assert rsa_cred.pin.encode() not in text, f.name
    assert row.kind == "p12" and row.key_algorithm == "rsa"
    assert row.serial == format(rsa_cred.certificate.serial_number, "X")
    assert row.not_after == rsa_cred.certificate.not_valid_after_utc
    assert "CA trung gian" in row.chain[0].subject.rfc4514_string()

    with open_signer(row, rsa_cred.pin, user=owner) as signer:
        signed = sign_document(sample_doc, signer)
    assert verify_document(signed, test_ca.trust_store()).ok
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_opening_a_credential_checks_pin_owner_and_state(owner, stranger, rsa_cred):
    cred = add_pkcs12_credential(owner, rsa_cred.pkcs12, rsa_cred.pin)
    with pytest.raises(WrongPin):
        open_signer(cred, "000000", user=owner)
    with pytest.raises(PermissionDenied):
        open_signer(cred, rsa_cred.pin, user=stranger)
    cred.active = False
    with pytest.raises(UnusableKey, match="ngừng"):
        open_signer(cred, rsa_cred.pin, user=owner)


def test_duplicate_wrong_pin_and_expired_uploads_are_refused(owner, rsa_cred, test_ca):
    with pytest.raises(WrongPin):
        add_pkcs12_credential(owner, rsa_cred.pkcs12, "sai")
    add_pkcs12_credential(owner, rsa_cred.pkcs12, rsa_cred.pin)
    with pytest.raises(UnusableKey, match="đã được đăng ký"):
        add_pkcs12_credential(owner, rsa_cred.pkcs12, rsa_cred.pin)
    now = datetime.now(UTC)
    old = test_ca.issue(
        "cu", "Cũ", not_before=now - timedelta(days=90), not_after=now - timedelta(days=1)
    )
    with pytest.raises(UnusableKey, match="hết hạn"):
        add_pkcs12_credential(owner, old.pkcs12, old.pin)
    assert SigningCredential.objects.count() == 1


# -- PKCS#11 token (SoftHSM2) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key_id", "algorithm"), [("rsa", "01", "RSA"), ("ec", "02", "ECDSA")]
)
def test_token_signs_without_exporting_the_key(token, sample_doc, test_ca, kind, key_id, algorithm):
    with TokenSigner(
        token_label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        key_id=key_id,
        module=SOFTHSM_MODULE,
        chain=[test_ca.intermediate_cert],
    ) as signer:
        assert signer.certificate == token[kind]  # read from the token
        signed = sign_document(sample_doc, signer)
    result = verify_document(signed, test_ca.trust_store())
    assert result.ok, result.problems
    assert result.algorithm.startswith(algorithm)
    assert result.signer_name == "Nguyễn Văn An (token) (THỬ NGHIỆM)"


def test_token_private_key_is_not_extractable(token):
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.exceptions import AttributeSensitive

    from signing.keys import pkcs11_library

    lib = pkcs11_library(SOFTHSM_MODULE)
    with lib.get_token(token_label=TOKEN_LABEL).open(user_pin=TOKEN_PIN) as session:
        priv = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=b"\x01")
        assert priv[Attribute.SENSITIVE] is True
        assert priv[Attribute.EXTRACTABLE] is False
        with pytest.raises(AttributeSensitive):
            priv[Attribute.PRIVATE_EXPONENT]


@pytest.mark.parametrize("key_id", [b"\x01", b"\x02"])
def test_token_keys_are_generated_for_signing_only(token, key_id):
    from pkcs11 import Attribute, ObjectClass

    from signing.keys import pkcs11_library

    lib = pkcs11_library(SOFTHSM_MODULE)
    with lib.get_token(token_label=TOKEN_LABEL).open(user_pin=TOKEN_PIN) as session:
        priv = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
        assert priv[Attribute.SIGN] is True
        assert priv[Attribute.DECRYPT] is False
        assert priv[Attribute.UNWRAP] is False
        assert priv[Attribute.DERIVE] is False
        pub = session.get_key(object_class=ObjectClass.PUBLIC_KEY, id=key_id)
        assert pub[Attribute.VERIFY] is True
        assert pub[Attribute.ENCRYPT] is False and pub[Attribute.WRAP] is False


def test_a_token_key_that_may_decrypt_is_refused(token, owner, test_ca, monkeypatch):
    from django.core.management import CommandError, call_command

    issue_on_token(
        test_ca,
        token_label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        username="an-giai-ma",
        common_name="Khóa giải mã",
        key_id="03",
        module=SOFTHSM_MODULE,
        allow_decrypt=True,
    )
    with TokenSigner(
        token_label=TOKEN_LABEL, pin=TOKEN_PIN, key_id="03", module=SOFTHSM_MODULE
    ) as signer:
        assert signer.key_use_problems() == ["CKA_DECRYPT=true"]
    with pytest.raises(UnusableKey, match="CKA_DECRYPT=true") as info:
        add_token_credential(
            owner, token_label=TOKEN_LABEL, pin=TOKEN_PIN, key_id="03", module=SOFTHSM_MODULE
        )
    assert "dành riêng cho ký số" in str(info.value)
    monkeypatch.setenv("CBCCVC_TOKEN_PIN", TOKEN_PIN)
    with pytest.raises(CommandError, match="CKA_DECRYPT=true"):
        call_command(
            "register_token_key",
            user=owner.username,
            token_label=TOKEN_LABEL,
            key_id="03",
            module=SOFTHSM_MODULE,
        )
    assert not SigningCredential.objects.filter(token_key_id="03").exists()
    # The signing-only keys of the same token register fine.
    with TokenSigner(
        token_label=TOKEN_LABEL, pin=TOKEN_PIN, key_id="01", module=SOFTHSM_MODULE
    ) as signer:
        assert signer.key_use_problems() == []


def test_token_wrong_pin_and_unknown_token(token):
    with pytest.raises(WrongPin) as info:
        TokenSigner(token_label=TOKEN_LABEL, pin="999999", key_id="01", module=SOFTHSM_MODULE)
    assert info.value.code == "wrong_pin"
    with pytest.raises(TokenError, match="Không tìm thấy thiết bị"):
        TokenSigner(token_label="khong-co", pin=TOKEN_PIN, key_id="01", module=SOFTHSM_MODULE)
    with pytest.raises(TokenError, match="khóa bí mật"):
        TokenSigner(token_label=TOKEN_LABEL, pin=TOKEN_PIN, key_id="7f", module=SOFTHSM_MODULE)


def test_token_credential_round_trip(token, owner, sample_doc, test_ca):
    cred = add_token_credential(
        owner,
        token_label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        key_id="02",
        module=SOFTHSM_MODULE,
        chain=[test_ca.intermediate_cert],
    )
    assert cred.kind == "pkcs11" and cred.sealed_pkcs12 is None
    assert cred.key_algorithm == "ec"
    with pytest.raises(WrongPin):
        open_signer(cred, "111111", user=owner)
    with open_signer(cred, TOKEN_PIN, user=owner) as signer:
        signed = sign_document(sample_doc, signer)
    assert verify_document(signed, test_ca.trust_store()).ok
    # A certificate that does not belong to the token key is refused.
    with pytest.raises(UnusableKey):
        add_token_credential(
            owner,
            token_label=TOKEN_LABEL,
            pin=TOKEN_PIN,
            key_id="01",
            module=SOFTHSM_MODULE,
            certificate=token["ec"],
        )


def test_register_token_key_command(token, owner, test_ca, tmp_path, monkeypatch):
    from cryptography.hazmat.primitives.serialization import Encoding
    from django.core.management import CommandError, call_command

    chain = tmp_path / "chain.pem"
    chain.write_bytes(test_ca.intermediate_cert.public_bytes(Encoding.PEM))
    args = ["--user", "an", "--token-label", TOKEN_LABEL, "--module", SOFTHSM_MODULE]
    monkeypatch.setenv("CBCCVC_TOKEN_PIN", "000000")
    with pytest.raises(CommandError, match="PIN"):
        call_command("register_token_key", *args, "--key-id", "01")
    monkeypatch.setenv("CBCCVC_TOKEN_PIN", TOKEN_PIN)
    call_command("register_token_key", *args, "--key-id", "01", "--chain", str(chain))
    cred = SigningCredential.objects.get()
    assert cred.kind == "pkcs11" and cred.token_key_id == "01" and len(cred.chain) == 1
    assert cred.certificate == token["rsa"]


def test_batch_signs_through_the_token(token, owner, test_ca):
    from django.conf import settings
    from django.test import override_settings

    from signing.models import SigningBatch
    from signing.tasks import start_batch

    from . import providers

    providers.SIGNED.clear()
    cred = add_token_credential(
        owner,
        token_label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        key_id="01",
        module=SOFTHSM_MODULE,
        chain=[test_ca.intermediate_cert],
    )
    ids = ["001085000001", "001085000002", "001085000003"]
    with override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": True}):
        batch = start_batch(
            owner, cred, ids, provider=providers.__name__ + ".provide", pin=TOKEN_PIN
        )
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.DONE and batch.done == 3
    assert batch.sealed_pin is None
    for signed in providers.SIGNED.values():
        assert verify_document(signed, test_ca.trust_store()).ok


def test_legacy_triple_des_pkcs12_opens(rsa_cred, test_ca):
    """Files exported by older tools/tokens use PBE-SHA1-3DES; they must still open."""
    from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .build(b"123456")
    )
    legacy = pkcs12.serialize_key_and_certificates(
        b"an", rsa_cred.key, rsa_cred.certificate, [test_ca.intermediate_cert], encryption
    )
    with KeyFileSigner.from_pkcs12(legacy, "123456") as signer:
        assert signer.certificate == rsa_cred.certificate
        assert signer.chain == [test_ca.intermediate_cert]
