"""The emulator's part of the demo: its database, the national tree, trust in the demo TEST
CA, an active connection key for Tỉnh Phú Thọ's software and the population registry.

The key is handed to our side in ``<VAR_DIR>/national-demo-key.json`` (``base_url``,
``key_id``, ``secret``, agency and administrator), which the sync connection set-up reads.
Idempotent: an existing active key named in that file is kept.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command

from .keys import issue_key
from .models import ConnectionKey, PopulationRecord
from .routers import NATIONAL_DB

DEMO_AGENCY = "H25"
DEMO_SOFTWARE = "Phần mềm quản lý hồ sơ CBCCVC (cbccvc)"
DEMO_KEY_ADMIN = {
    "admin_name": "Nguyễn Văn Quản",
    "admin_phone": "0210 3846 000",
    "admin_email": "quantri.khoa@phutho.example.gov.vn",
}
CA_FILES = ("ca-goc-thu-nghiem.pem", "ca-goc-thu-nghiem.crl", "ca-trung-gian-thu-nghiem.crl")


def handoff_path() -> Path:
    return Path(settings.VAR_DIR) / "national-demo-key.json"


def base_url(port: int | None = None) -> str:
    return f"http://127.0.0.1:{port or settings.NATIONAL_EMULATOR_PORT}"


def read_handoff() -> dict[str, Any] | None:
    path = handoff_path()
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _demo_key(agency_name: str) -> tuple[ConnectionKey, bool]:
    current = read_handoff()
    if current:
        key = ConnectionKey.objects.filter(
            key_id=current.get("key_id"), status=ConnectionKey.Status.ACTIVE
        ).first()
        if key is not None and current.get("base_url") == base_url():
            return key, False
    issued = issue_key(
        agency_code=DEMO_AGENCY,
        agency_name=agency_name,
        software_name=DEMO_SOFTWARE,
        software_vendor="cbccvc (mã nguồn mở)",
        activate=True,
        **DEMO_KEY_ADMIN,
    )
    data = {
        "base_url": base_url(),
        "key_id": issued.key.key_id,
        "secret": issued.secret,
        "agency_code": DEMO_AGENCY,
        "agency_name": agency_name,
        "software_name": DEMO_SOFTWARE,
        **DEMO_KEY_ADMIN,
        "note": "TÀI LIỆU THỬ NGHIỆM: khóa kết nối của CSDL quốc gia mô phỏng.",
    }
    path = handoff_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return issued.key, True


def set_up_national_demo(signing_dir: Path | None = None) -> str:
    """Prepare the emulator for the demo; return a one-line Vietnamese summary."""
    from orgtree.models import Unit
    from orgtree.tree import subtree_q
    from profiles.models import Profile
    from signing.demo import demo_signing_dir

    from .reconciliation import people_from_profiles, schedule_daily, seed_population
    from .seeding import seed_national_units
    from .services import add_trust

    call_command("migrate", database=NATIONAL_DB, interactive=False, verbosity=0)
    seed_national_units(communes_of=[DEMO_AGENCY])
    signing_dir = signing_dir or demo_signing_dir()
    for name in CA_FILES:
        if (signing_dir / name).exists():
            add_trust((signing_dir / name).read_bytes(), f"{name} (demo THỬ NGHIỆM)")
    committee = Unit.objects.active().get(code=DEMO_AGENCY)
    key, new = _demo_key(committee.name)
    schedule_daily()  # the worker runs the national side's daily reconciliation
    people = Profile.objects.filter(subtree_q(committee, "unit"))
    seeded = not PopulationRecord.objects.exists()
    if seeded:
        seed_population(people_from_profiles(people))
    # what the registry holds, the same figures on every run ("not found" people are absent)
    stored = PopulationRecord.objects.count()
    mismatched = PopulationRecord.objects.exclude(variant="exact").count()
    population = (
        f"CSDL dân cư mô phỏng: {stored} người, {mismatched} sai lệch, "
        f"{max(people.count() - stored, 0)} người không có trong CSDL"
        + ("" if seeded else " (giữ nguyên)")
    )
    return (
        f"CSDL quốc gia mô phỏng ({base_url()}): khóa kết nối {key.key_id} "
        f"{'mới cấp, ' if new else ''}đang hoạt động, lưu ở {handoff_path()}; {population}."
    )
