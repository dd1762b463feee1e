"""Demo material for signing: a TEST CA in the trust store and a signing key for the demo
approver, with the PINs written under the var dir. Clearly labelled test material."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from .credentials import open_signer
from .keys import Signer
from .models import SigningCredential, TrustedCertificate
from .testca import PIN_FILE_NAME, load_test_ca, make_test_ca, read_pins

DEMO_APPROVER = "phutho.pheduyet"
DEMO_LABEL_PREFIX = "Khóa THỬ NGHIỆM"
DEMO_ANCHOR_LABEL = "CA gốc THỬ NGHIỆM (không dùng thật)"


def demo_signing_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-ky-so"


def _demo_credentials(user: Any) -> QuerySet[SigningCredential]:
    return SigningCredential.objects.filter(
        owner=user, active=True, label__startswith=DEMO_LABEL_PREFIX
    )


def open_demo_signer(username: str = DEMO_APPROVER) -> tuple[SigningCredential, Signer]:
    """The demo user's TEST credential, opened with the PIN that the set-up wrote."""
    user = get_user_model().objects.get(username=username)
    credential = _demo_credentials(user).get()
    pin = read_pins(demo_signing_dir())[f"{username}.p12"]
    return credential, open_signer(credential, pin, user=user)


def set_up_demo_signing(username: str = DEMO_APPROVER) -> str:
    """Make a test CA, trust it, give the demo approver a key; idempotent.

    Returns a one-line Vietnamese summary. The CA files, the ``.p12`` and the PINs
    (``PIN-THU-NGHIEM.txt``) are written to ``<VAR_DIR>/demo-ky-so/``.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError(f"Chưa có người dùng '{username}' để cấp khóa ký số thử nghiệm.")
    out_dir = demo_signing_dir()
    pin_file = out_dir / PIN_FILE_NAME
    credential = _demo_credentials(user).first()
    trusted = TrustedCertificate.objects.filter(active=True, label=DEMO_ANCHOR_LABEL).exists()
    if credential is not None and trusted and pin_file.exists():
        return (
            f"Ký số thử nghiệm: đã có khóa cho {username} (số hiệu {credential.serial}); "
            f"mã PIN trong {pin_file}."
        )
    full_name = user.get_full_name() or username
    ca = make_test_ca([(username, full_name)], with_ecdsa=False)
    with transaction.atomic():
        # an earlier demo key whose PIN file is gone can no longer be used: retire it
        _demo_credentials(user).update(active=False)
        loaded = load_test_ca(ca)
    ca.write(out_dir)
    new = loaded["credentials"][0]
    return (
        f"Ký số thử nghiệm: đã tạo CA THỬ NGHIỆM, nạp vào kho tin cậy và cấp khóa cho {username} "
        f"(số hiệu {new.serial}); mã PIN trong {pin_file}."
    )
