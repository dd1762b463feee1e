"""Shared, expensive fixtures of the signing tests (keys are generated once per session)."""

from __future__ import annotations

import pytest

from profiles.signing.keys import KeyFileSigner
from profiles.signing.sample import sample_profile_document
from profiles.signing.testca import TestCA, make_test_ca
from tests.profiles.conftest import (  # noqa: F401 - the profile fixtures, for profile signing
    approver,
    hr,
    tree,
    user_with,
)


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
