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
def ensure_commune_committees(province_committee: Unit) -> int:
    """Create the People's Committees of the province's communes (in force set), once.

    Codes follow the left-to-right form ``<province code>.NNN`` numbered from 101 in GSO code
    order (unverified, like the province codes); each is linked to its GSO commune. Returns the
    number created.
    """
    if province_committee.admin_unit is None:
        return 0
    communes = AdminUnit.objects.filter(
        release=province_committee.admin_unit.release,
        level=AdminUnit.Level.COMMUNE,
        province_code=province_committee.admin_unit.code,
    ).order_by("code")
    linked = set(
        Unit.objects.active()
        .filter(admin_unit__in=communes, kind=Unit.Kind.COMMUNE_PC)
        .values_list("admin_unit_id", flat=True)
    )
    created = 0
    for number, commune in enumerate(communes, start=101):
        if commune.pk in linked:
            continue
        services.create_unit(
            name=f"Ủy ban nhân dân {commune.full_name[0].lower()}{commune.full_name[1:]}",
            short_name=f"UBND {commune.full_name}",
            code=f"{province_committee.code}.{number:03d}",
            kind=Unit.Kind.COMMUNE_PC,
            parent=province_committee,
            admin_unit=commune,
            valid_from=SKELETON_VALID_FROM,
            legal_basis_number=SKELETON_LEGAL_BASIS,
            legal_basis_date=SKELETON_LEGAL_DATE,
            reason="Chính quyền địa phương 2 cấp (dữ liệu mẫu)",
        )
        created += 1
    return created


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
        if unit is not None and unit.admin_unit is None and row["admin_unit_code"]:
            # a committee created elsewhere first (the merger scenario) gets its GSO link
            services.update_unit(
                unit,
                effective_date=unit.valid_from,
                admin_unit=provinces.get(row["admin_unit_code"]),
                reason="Liên kết đơn vị hành chính (dữ liệu mẫu)",
            )
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
