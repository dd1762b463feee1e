"""Seeding the national side: its org tree from the national skeleton (the same identifier
codes as the demo's, see ``orgtree/data/national-skeleton.csv``) and, for chosen provinces,
the People's Committees of their communes (numbered as :func:`orgtree.skeleton.
ensure_commune_committees` numbers them, from the public GSO reference data)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from orgtree.skeleton import SKELETON_FILE
from orgtree.text import clean

from .models import NationalUnit
from .routers import NATIONAL_DB


def _upsert(code: str, name: str, short_name: str, kind: str, parent: NationalUnit | None,
            agency_code: str) -> tuple[NationalUnit, bool]:  # fmt: skip
    unit, created = NationalUnit.objects.get_or_create(
        code=code,
        defaults={
            "name": clean(name),
            "short_name": clean(short_name),
            "kind": kind,
            "parent": parent,
            "agency_code": agency_code,
            "source": NationalUnit.Source.NATIONAL,
        },
    )
    return unit, created


@transaction.atomic(using=NATIONAL_DB)
def seed_national_units(
    path: Path = SKELETON_FILE, *, communes_of: Iterable[str] = ("H25",)
) -> int:
    """Create the national tree's missing units; return how many were created. Idempotent."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code: dict[str, NationalUnit] = {}
    created = 0
    gso: dict[str, str] = {}
    for row in rows:
        parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
        agency = parent.agency_code if parent else row["code"]
        unit, new = _upsert(
            row["code"], row["name"], row["short_name"], row["kind"], parent, agency
        )
        by_code[unit.code] = unit
        gso[unit.code] = row["admin_unit_code"]
        created += new
    for code in communes_of:
        province = by_code.get(code)
        if province is None or not gso.get(code):
            continue
        created += _seed_communes(province, gso[code])
    return created


def _seed_communes(province: NationalUnit, province_gso: str) -> int:
    from orgtree.models import AdminUnit

    communes = AdminUnit.objects.filter(
        level=AdminUnit.Level.COMMUNE,
        province_code=province_gso,
        release__effective_to__isnull=True,
    ).order_by("code")
    created = 0
    for number, commune in enumerate(communes, start=101):
        name = f"Ủy ban nhân dân {commune.full_name[0].lower()}{commune.full_name[1:]}"
        _, new = _upsert(
            f"{province.code}.{number:03d}",
            name,
            f"UBND {commune.full_name}",
            "commune_pc",
            province,
            province.agency_code,
        )
        created += new
    return created
