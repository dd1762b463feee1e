"""Fixtures and helpers of the pipeline, export and wizard tests (imported by those modules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from orgtree.models import Role, Unit, UnitAssignment

PROFILE_HEADERS = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số định danh cá nhân",
    "Dân tộc",
    "Tôn giáo",
    "Quê quán",
    "Nơi sinh",
    "Mã ngạch",
    "Bậc lương",
    "Hệ số lương",
    "Ngày hưởng lương",
]


def person_row(n: int, **over: Any) -> list[Any]:
    """A valid person: ID 025 (Phú Thọ) + century/sex digit + year 85 + serial."""
    female = n % 2 == 1
    row = {
        "STT": n,
        "Họ và tên": f"Nguyễn {'Thị' if female else 'Văn'} Người{n}",
        "Ngày sinh": f"{(n % 27) + 1:02d}/03/1985",
        "Giới tính": "Nữ" if female else "Nam",
        "Số định danh cá nhân": f"025{1 if female else 0}85{n:06d}",
        "Dân tộc": "Kinh",
        "Tôn giáo": "Không",
        "Quê quán": "Xã Tam Nông, Phú Thọ",
        "Nơi sinh": "Vĩnh Phúc",
        "Mã ngạch": "01.003",
        "Bậc lương": 3,
        "Hệ số lương": 3.0,
        "Ngày hưởng lương": "01/01/2020",
    }
    row.update(over)
    return [row[h] for h in PROFILE_HEADERS]


def write_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[Any]]],
    merges: dict[str, list[str]] | None = None,
) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


@pytest.fixture
def agency(make_unit, codes, reference_data):
    province = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    home = make_unit("Sở Nội vụ", parent=province, code="H25.01")
    finance = make_unit("Sở Tài chính", parent=province, code="H25.02")
    other = make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H01", kind=Unit.Kind.PROVINCE_PC)
    return {
        "root": Unit.objects.get(pk=province.pk),
        "home": Unit.objects.get(pk=home.pk),
        "finance": Unit.objects.get(pk=finance.pk),
        "other": Unit.objects.get(pk=other.pk),
    }


def make_user(username: str, *grants: tuple[Unit, str], **kw: Any):
    user = get_user_model().objects.create_user(
        username, password="x-Password-123", is_staff=True, **kw
    )
    for unit, role in grants:
        UnitAssignment.objects.create(user=user, unit=unit, role=role)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def hr(agency):
    return make_user("phutho_hr", (agency["root"], Role.HR_OFFICER))


@pytest.fixture
def other_hr(agency):
    return make_user("hanoi_hr", (agency["other"], Role.HR_OFFICER))


def run_import(paths, unit, user, *, dry_run=False, **options):
    from transfer.pipeline import Options, Pipeline, SourceFile

    pipeline = Pipeline(
        [SourceFile(Path(p), Path(p).name) for p in paths],
        unit,
        user,
        Options(validate_after=options.pop("validate_after", False), **options),
    )
    plan = pipeline.plan()
    if not dry_run:
        pipeline.commit(plan)
    return plan


def actions(plan) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in plan.rows:
        out[r.action] = out.get(r.action, 0) + 1
    return out


TODAY = date.today()
