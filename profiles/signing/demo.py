"""Demo material for signing: a TEST CA in the trust store and a signing key for the demo
approver, with the PINs written under the var dir. Clearly labelled test material."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import SigningCredential, TrustedCertificate
from .testca import load_test_ca, make_test_ca

DEMO_APPROVER = "phutho.pheduyet"
DEMO_LABEL_PREFIX = "Khóa THỬ NGHIỆM"
DEMO_ANCHOR_LABEL = "CA gốc THỬ NGHIỆM (không dùng thật)"


def demo_signing_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-ky-so"


def set_up_demo_signing(username: str = DEMO_APPROVER) -> str:
    """Make a test CA, trust it, give the demo approver a key; idempotent.

    Returns a one-line Vietnamese summary. The CA files, the ``.p12`` and the PINs
    (``PIN-THU-NGHIEM.txt``) are written to ``<VAR_DIR>/demo-ky-so/``.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError(f"Chưa có người dùng '{username}' để cấp khóa ký số thử nghiệm.")
    out_dir = demo_signing_dir()
    pin_file = out_dir / "PIN-THU-NGHIEM.txt"
    credential = SigningCredential.objects.filter(
        owner=user, active=True, label__startswith=DEMO_LABEL_PREFIX
    ).first()
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
        SigningCredential.objects.filter(
            owner=user, active=True, label__startswith=DEMO_LABEL_PREFIX
        ).update(active=False)
        loaded = load_test_ca(ca)
    ca.write(out_dir)
    new = loaded["credentials"][0]
    return (
        f"Ký số thử nghiệm: đã tạo CA THỬ NGHIỆM, nạp vào kho tin cậy và cấp khóa cho {username} "
        f"(số hiệu {new.serial}); mã PIN trong {pin_file}."
    )
