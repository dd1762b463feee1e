"""The transport policy of our calls to the national side (docs/national-api.md, "Transport
(HTTPS)"): HTTPS with TLS 1.2 or later and the server certificate verified; plain HTTP only to
a loopback address (the demo's emulator on this machine) and only while
``CBCCVC_NATIONAL_ALLOW_HTTP`` is on (the production settings turn it off).

``CBCCVC_NATIONAL_CA_BUNDLE`` names a PEM file of the CAs to trust instead of the system's
(a national side whose certificate comes from a private CA).
"""

from __future__ import annotations

import ipaddress
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP address (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def http_allowed() -> bool:
    return bool(getattr(settings, "CBCCVC_NATIONAL_ALLOW_HTTP", False))


def refusal(url: str) -> str:
    """Why ``url`` may not be used as the national API's address ("" when it may)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return ""
    if scheme == "http" and parts.hostname:
        if http_allowed() and is_loopback(parts.hostname):
            return ""
        if http_allowed():
            return _(
                "Địa chỉ API %(url)s dùng HTTP không mã hóa: HTTP chỉ dùng được với máy chủ mô "
                "phỏng trên chính máy này (127.0.0.1, localhost, ::1). Hãy dùng địa chỉ https://."
            ) % {"url": url}
        return _(
            "Địa chỉ API %(url)s dùng HTTP không mã hóa: kết nối CSDL quốc gia phải dùng HTTPS "
            "(địa chỉ https://)."
        ) % {"url": url}
    return _("Địa chỉ API %(url)s không hợp lệ: phải là một địa chỉ https://.") % {"url": url}


def ca_bundle() -> str:
    return str(getattr(settings, "CBCCVC_NATIONAL_CA_BUNDLE", "") or "")


def ssl_context() -> ssl.SSLContext:
    """The client's TLS settings: TLS 1.2 or later, the server's certificate and name checked
    against the system's CAs or the ``CBCCVC_NATIONAL_CA_BUNDLE`` file."""
    context = ssl.create_default_context(cafile=ca_bundle() or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def certificate_problem(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind a connection error, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
