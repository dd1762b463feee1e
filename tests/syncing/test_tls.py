"""HTTPS to the national side (docs/national-api.md, "Transport (HTTPS)"): the emulator serves
TLS with a certificate from the test CA, the client verifies it against
``CBCCVC_NATIONAL_CA_BUNDLE``, and plain HTTP is refused outside the loopback demo (everywhere
with the production setting). Real TLS on loopback; nothing mocked.

The test CA's certificates are valid from a day before their creation for a year, so the
handshakes do not depend on today's date.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from signing.testca import make_test_ca
from syncing.client import (
    CertificateError,
    InsecureTransport,
    NationalClient,
    NationalUnavailable,
)
from syncing.connections import create_connection
from syncing.emulator.tls import TLSFiles, write_server_files
from syncing.transport import refusal

from .conftest import NationalServer, running_emulator

pytestmark = pytest.mark.django_db(databases=["default", "national"], transaction=True)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> TLSFiles:
    return write_server_files(make_test_ca(), tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def other_ca_file(tmp_path_factory) -> Path:
    """The root of an unrelated CA: trusting it does not make the emulator trusted."""
    return write_server_files(make_test_ca(), tmp_path_factory.mktemp("other")).ca


@pytest.fixture
def tls_server(transactional_db, tls_files) -> Iterator[NationalServer]:
    with running_emulator(tls=tls_files.pair) as server:
        yield server


def test_signed_calls_over_https_with_the_ca_bundle(tls_server, tls_files):
    assert tls_server.url.startswith("https://127.0.0.1:")
    issued = tls_server.issue_key()
    with override_settings(CBCCVC_NATIONAL_CA_BUNDLE=str(tls_files.ca)):
        client = tls_server.client(issued)
    assert client.health()["status"] == "ok"
    key = client.check_auth()  # a signed call: the signature covers the same path over TLS
    assert issued.key.key_id in str(key)


def test_the_localhost_name_is_in_the_certificate(tls_server, tls_files):
    url = tls_server.url.replace("127.0.0.1", "localhost")
    with override_settings(CBCCVC_NATIONAL_CA_BUNDLE=str(tls_files.ca)):
        with NationalClient(url, "k", "s") as client:
            assert client.health()["status"] == "ok"


@pytest.mark.parametrize("bundle", ["system", "other CA"])
def test_an_untrusted_certificate_is_a_clear_error(tls_server, tls_files, other_ca_file, bundle):
    path = "" if bundle == "system" else str(other_ca_file)
    with override_settings(CBCCVC_NATIONAL_CA_BUNDLE=path):
        client = NationalClient(tls_server.url, "k", "s")
    with client, pytest.raises(CertificateError) as caught:
        client.health()
    error = caught.value
    assert isinstance(error, NationalUnavailable)  # the queue retries; the breaker opens
    assert error.code == "tls_certificate"
    assert tls_server.url.removeprefix("https://") in error.message
    assert "không được tin cậy" in error.message
    assert "certificate" in error.message  # OpenSSL's reason, e.g. "unable to get local issuer"
    # the refused handshake did not harm the server: a trusting client still gets through
    with override_settings(CBCCVC_NATIONAL_CA_BUNDLE=str(tls_files.ca)):
        with NationalClient(tls_server.url, "k", "s") as trusting:
            assert trusting.health()["status"] == "ok"


def test_a_missing_ca_bundle_is_named(tls_server, tmp_path):
    missing = tmp_path / "khong-co.pem"
    with override_settings(CBCCVC_NATIONAL_CA_BUNDLE=str(missing)):
        client = NationalClient(tls_server.url, "k", "s")
    with client, pytest.raises(InsecureTransport) as caught:
        client.health()
    assert str(missing) in caught.value.message


def test_the_server_refuses_tls_below_1_2(tls_server):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():  # the old versions are deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with socket.create_connection((tls_server.thread.host, tls_server.thread.port)) as sock:
        with pytest.raises(ssl.SSLError):
            context.wrap_socket(sock, server_hostname="127.0.0.1")


def test_plain_http_to_the_loopback_emulator_is_allowed_in_the_demo(national_server):
    assert national_server.url.startswith("http://127.0.0.1:")
    with override_settings(CBCCVC_NATIONAL_ALLOW_HTTP=True):
        with NationalClient(national_server.url, "k", "s") as client:
            assert client.health()["status"] == "ok"


@pytest.mark.parametrize(
    "url", ["http://csdl-cbccvc.example.gov.vn/api/v1", "http://10.0.0.5:8765", "ftp://x.vn"]
)
def test_plain_http_elsewhere_is_refused_before_sending(url):
    with override_settings(CBCCVC_NATIONAL_ALLOW_HTTP=True):
        client = NationalClient(url, "k", "s")
    with client, pytest.raises(InsecureTransport) as caught:
        client.health()
    assert url in caught.value.message
    assert caught.value.code == "insecure_transport"


def test_production_refuses_http_even_on_loopback(national_server, tls_server, tls_files):
    with override_settings(CBCCVC_NATIONAL_ALLOW_HTTP=False):
        assert refusal(national_server.url)
        client = NationalClient(national_server.url, "k", "s")
        with client, pytest.raises(InsecureTransport, match="phải dùng HTTPS"):
            client.health()
        with override_settings(CBCCVC_NATIONAL_CA_BUNDLE=str(tls_files.ca)):
            with NationalClient(tls_server.url, "k", "s") as secure:
                assert secure.health()["status"] == "ok"


def test_production_settings_turn_plain_http_off():
    source = Path("cbccvc/settings_production.py").read_text(encoding="utf-8")
    assert "CBCCVC_NATIONAL_ALLOW_HTTP = False" in source


@pytest.mark.parametrize("allow_http", [True, False])
def test_a_connection_with_an_http_address_is_refused_on_its_field(allow_http):
    url = "http://csdl-cbccvc.example.gov.vn"
    with override_settings(CBCCVC_NATIONAL_ALLOW_HTTP=allow_http):
        with pytest.raises(ValidationError) as caught:
            create_connection(
                unit=None,  # the address is checked first
                destination="national",
                software_name="Phần mềm",
                base_url=url,
                key_id="KN-1",
                secret="bí mật",
            )
    assert list(caught.value.message_dict) == ["base_url"]
    assert url in caught.value.message_dict["base_url"][0]


def test_the_refusal_is_translated():
    url = "http://csdl-cbccvc.example.gov.vn"
    with override_settings(CBCCVC_NATIONAL_ALLOW_HTTP=False), translation.override("en"):
        assert refusal(url) == (
            f"The API address {url} uses unencrypted HTTP: the connection to the national "
            "database must use HTTPS (an https:// address)."
        )


def test_the_demo_certificate_command(tmp_path):
    call_command("national_emulator", "tls-demo-cert", "--out", str(tmp_path))
    chain = x509.load_pem_x509_certificates((tmp_path / "emulator-tls.pem").read_bytes())
    root = x509.load_pem_x509_certificate((tmp_path / "ca-tls-thu-nghiem.pem").read_bytes())
    assert "THỬ NGHIỆM" in chain[0].subject.rfc4514_string()
    san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert chain[1].issuer == root.subject
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(
        tmp_path / "emulator-tls.pem", tmp_path / "emulator-tls.key"
    )


def test_a_deprecated_answer_is_logged(caplog):
    """docs/national-api.md, "Versioning and deprecation": the Deprecation and Sunset headers
    (RFC 9745, RFC 8594) of an answer reach the log."""
    import httpx

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Deprecation": "@1798761600", "Sunset": "Sun, 01 Jan 2028 00:00:00 GMT"}
        return httpx.Response(200, json={"status": "ok"}, headers=headers)

    with NationalClient(
        "https://csdl.test", "k", "s", transport=httpx.MockTransport(answer)
    ) as client:
        with caplog.at_level("WARNING", logger="syncing.client"):
            assert client.health()["status"] == "ok"
    assert "GET /api/v1/health is deprecated" in caplog.text
    assert "Sun, 01 Jan 2028 00:00:00 GMT" in caplog.text


@pytest.mark.parametrize(
    ("url", "refused"),
    [("http://csdl-cbccvc.example.gov.vn", True), ("https://csdl-cbccvc.example.gov.vn", False)],
)
def test_the_admin_form_refuses_an_http_address_on_its_field(url, refused):
    from syncing.admin import ConnectionForm

    form = ConnectionForm(data={"software_name": "Phần mềm", "base_url": url, "key_id": "KN-1"})
    assert not form.is_valid()  # no unit chosen: only the address's error matters here
    errors = form.errors.get("base_url", [])
    assert (url in " ".join(errors)) is refused
