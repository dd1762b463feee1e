"""Shared, expensive fixtures of the signing tests (keys are generated once per session)."""

from __future__ import annotations

import os
import subprocess

import pytest

from signing.keys import KeyFileSigner
from signing.sample import sample_profile_document
from signing.testca import TestCA, issue_on_token, make_test_ca
from tests.profiles.conftest import (  # noqa: F401 - the profile fixtures, for profile signing
    approver,
    hr,
    tree,
    user_with,
)

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "cbccvc-thu-nghiem"
TOKEN_PIN = "246810"


@pytest.fixture(scope="session")
def test_ca() -> TestCA:
    return make_test_ca([("an", "Nguyễn Văn An"), ("binh", "Trần Thị Bình")])


@pytest.fixture(scope="session")
def other_ca() -> TestCA:
    """A second, unrelated CA that is never put in the trust store."""
    return make_test_ca([("mallory", "Kẻ Giả Mạo")], with_ecdsa=False)


@pytest.fixture(scope="session")
def rsa_cred(test_ca: TestCA):
    return next(c for c in test_ca.credentials if c.username == "an" and c.kind == "rsa")


@pytest.fixture(scope="session")
def ec_cred(test_ca: TestCA):
    return next(c for c in test_ca.credentials if c.kind == "ec")


@pytest.fixture(scope="session")
def rsa_signer(rsa_cred) -> KeyFileSigner:
    return KeyFileSigner.from_pkcs12(rsa_cred.pkcs12, rsa_cred.pin)


@pytest.fixture(scope="session")
def sample_doc() -> bytes:
    return sample_profile_document()


@pytest.fixture(scope="session")
def token(tmp_path_factory, test_ca):
    """A SoftHSM2 token in a private directory, with an RSA and an EC key generated on it."""
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\nslots.removable = false\n"
    )
    # Must be set before the PKCS#11 library is loaded (first use below).
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            TOKEN_PIN,
            "--so-pin",
            "13579246",
        ],
        check=True,
        capture_output=True,
    )
    certs = {
        kind: issue_on_token(
            test_ca,
            token_label=TOKEN_LABEL,
            pin=TOKEN_PIN,
            username=f"an-{kind}",
            common_name="Nguyễn Văn An (token)",
            key_id=key_id,
            kind=kind,
            module=SOFTHSM_MODULE,
        )
        for kind, key_id in (("rsa", "01"), ("ec", "02"))
    }
    return certs
