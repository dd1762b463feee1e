"""The national skeleton: ministries and the 34 provincial People's Committees as tree roots.

Loaded from ``orgtree/data/national-skeleton.csv`` (see the README there: the province codes
are unverified). Idempotent: a unit whose code already exists among active units is left as is.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from django.db import transaction

from . import services
from .models import AdminUnit, Unit

SKELETON_FILE = Path(__file__).resolve().parent / "data" / "national-skeleton.csv"
SKELETON_VALID_FROM = date(2025, 7, 1)
SKELETON_LEGAL_BASIS = "Nghị quyết 202/2025/QH15"
SKELETON_LEGAL_DATE = date(2025, 6, 12)


@transaction.atomic
def load_national_skeleton(path: Path = SKELETON_FILE) -> list[Unit]:
    """Create the skeleton's missing units; return every skeleton unit in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = {u.code: u for u in Unit.objects.active().filter(code__in=[r["code"] for r in rows])}
    provinces = {
        au.code: au
        for au in AdminUnit.objects.filter(
            level=AdminUnit.Level.PROVINCE, release__effective_to__isnull=True
        )
    }
    units: list[Unit] = []
    for row in rows:
        unit = existing.get(row["code"])
        if unit is None:
            parent = existing.get(row["parent_code"]) if row["parent_code"] else None
            unit = services.create_unit(
                name=row["name"],
                short_name=row["short_name"],
                code=row["code"],
                kind=row["kind"],
                parent=parent,
                admin_unit=provinces.get(row["admin_unit_code"]),
                valid_from=SKELETON_VALID_FROM,
                legal_basis_number=SKELETON_LEGAL_BASIS if row["kind"] == "province_pc" else "",
                legal_basis_date=SKELETON_LEGAL_DATE if row["kind"] == "province_pc" else None,
                reason="Khung cây tổ chức quốc gia (dữ liệu mẫu)",
            )
            existing[unit.code] = unit
        units.append(unit)
    return units
