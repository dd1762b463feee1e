"""The 2025 merger of Phú Thọ, Vĩnh Phúc and Hòa Bình into the new Tỉnh Phú Thọ, as tree data.

Used by the scenario test and by the demo command. Everything goes through
:mod:`orgtree.services`, so the periods, change events and successions are the real ones.

Identifier codes are illustrative and **unverified**:

* old provincial People's Committees use the right-to-left form of QĐ 20/2020/QĐ-TTg with
  "H" + the province's number in the alphabetical order of the 63 old provinces (this order
  gives the known H41 = Nghệ An): H29 Hòa Bình, H44 Phú Thọ, H62 Vĩnh Phúc; their departments
  are ``000.00.NN.Hxx`` and the departments' divisions ``000.MM.NN.Hxx`` (lower levels to the
  left, as ``000.00.18.G12`` in domain.md);
* the new province uses the left-to-right form: it is number 25 in the alphabetical order of
  the 34 provincial units → ``H25``, departments ``H25.NN``, their divisions ``H25.NN.MM``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .models import Unit
from .services import create_unit, merge_units

__all__ = [
    "NEW_DEPARTMENTS",
    "OLD_DEPARTMENTS",
    "OLD_PROVINCES",
    "PhuThoTrees",
    "build_pre_reform_phu_tho_trees",
    "ensure_new_phu_tho",
    "merge_into_new_phu_tho",
]

REFORM_DATE = date(2025, 7, 1)
# Resolution of the National Assembly on the arrangement of provincial units (12/6/2025).
PROVINCE_LEGAL_BASIS = ("202/2025/QH15", date(2025, 6, 12))
DEFAULT_VALID_FROM = date(2008, 8, 1)  # illustrative start of the old trees

# key, name, province number (alphabetical among the 63; unverified)
OLD_PROVINCES: list[tuple[str, str, str]] = [
    ("phu_tho", "Phú Thọ", "H44"),
    ("vinh_phuc", "Vĩnh Phúc", "H62"),
    ("hoa_binh", "Hòa Bình", "H29"),
]

# key, department name, number, [(division name, kind)]
OLD_DEPARTMENTS: list[tuple[str, str, int, list[tuple[str, str]]]] = [
    ("noi_vu", "Sở Nội vụ", 1, [("Ban Thi đua – Khen thưởng", Unit.Kind.DIVISION)]),
    ("tai_chinh", "Sở Tài chính", 2, []),
    ("ke_hoach", "Sở Kế hoạch và Đầu tư", 3, []),
    ("giao_duc", "Sở Giáo dục và Đào tạo", 4, []),
    ("y_te", "Sở Y tế", 5, [("Chi cục Dân số – Kế hoạch hóa gia đình", Unit.Kind.DIVISION)]),
    (
        "nong_nghiep",
        "Sở Nông nghiệp và Phát triển nông thôn",
        6,
        [("Chi cục Kiểm lâm", Unit.Kind.DIVISION), ("Chi cục Thủy lợi", Unit.Kind.DIVISION)],
    ),
    (
        "tai_nguyen",
        "Sở Tài nguyên và Môi trường",
        7,
        [("Văn phòng Đăng ký đất đai", Unit.Kind.PUBLIC_SERVICE)],
    ),
    ("giao_thong", "Sở Giao thông vận tải", 8, []),
    ("xay_dung", "Sở Xây dựng", 9, []),
]

# new department key, name, number, old department keys merged into it (from each province)
NEW_DEPARTMENTS: list[tuple[str, str, int, list[str]]] = [
    ("noi_vu", "Sở Nội vụ", 1, ["noi_vu"]),
    ("tai_chinh", "Sở Tài chính", 2, ["tai_chinh", "ke_hoach"]),
    ("giao_duc", "Sở Giáo dục và Đào tạo", 3, ["giao_duc"]),
    ("y_te", "Sở Y tế", 4, ["y_te"]),
    ("nong_nghiep_moi_truong", "Sở Nông nghiệp và Môi trường", 5, ["nong_nghiep", "tai_nguyen"]),
    ("xay_dung", "Sở Xây dựng", 6, ["giao_thong", "xay_dung"]),
]
NEW_PROVINCE_CODE = "H25"
NEW_PROVINCE_NAME = "Ủy ban nhân dân tỉnh Phú Thọ"


@dataclass
class PhuThoTrees:
    """Units by key: committees by province key, departments by (province key, dept key)."""

    committees: dict[str, Unit] = field(default_factory=dict)
    departments: dict[tuple[str, str], Unit] = field(default_factory=dict)
    divisions: dict[tuple[str, str, str], Unit] = field(default_factory=dict)
    new_committee: Unit | None = None
    new_departments: dict[str, Unit] = field(default_factory=dict)
    new_divisions: dict[tuple[str, str], Unit] = field(default_factory=dict)

    def reloaded(self) -> PhuThoTrees:
        """The same keys with every unit loaded afresh from the database (one query)."""
        groups = ("committees", "departments", "divisions", "new_departments", "new_divisions")
        pks = [u.pk for g in groups for u in getattr(self, g).values()]
        if self.new_committee is not None:
            pks.append(self.new_committee.pk)
        fresh = Unit.objects.in_bulk(pks)
        copy = PhuThoTrees(
            **{g: {k: fresh[u.pk] for k, u in getattr(self, g).items()} for g in groups}
        )
        if self.new_committee is not None:
            copy.new_committee = fresh[self.new_committee.pk]
        return copy


def build_pre_reform_phu_tho_trees(
    *, valid_from: date = DEFAULT_VALID_FROM, actor: Any = None
) -> PhuThoTrees:
    """Create the three old provincial trees (committee, nine departments, some divisions)."""
    trees = PhuThoTrees()
    for pkey, pname, number in OLD_PROVINCES:
        committee = create_unit(
            name=f"Ủy ban nhân dân tỉnh {pname}",
            short_name=f"UBND tỉnh {pname}",
            code=f"000.00.00.{number}",
            kind=Unit.Kind.PROVINCE_PC,
            valid_from=valid_from,
            actor=actor,
            reason="Dữ liệu cây tổ chức trước sắp xếp 2025",
        )
        trees.committees[pkey] = committee
        for dkey, dname, dnum, divisions in OLD_DEPARTMENTS:
            department = create_unit(
                name=f"{dname} tỉnh {pname}",
                code=f"000.00.{dnum:02d}.{number}",
                kind=Unit.Kind.DEPARTMENT,
                parent=committee,
                valid_from=valid_from,
                actor=actor,
            )
            trees.departments[(pkey, dkey)] = department
            for index, (vname, vkind) in enumerate(divisions, start=1):
                trees.divisions[(pkey, dkey, vname)] = create_unit(
                    name=vname,
                    code=f"000.{index:02d}.{dnum:02d}.{number}",
                    kind=vkind,
                    parent=department,
                    valid_from=valid_from,
                    actor=actor,
                )
    return trees


def merge_into_new_phu_tho(
    trees: PhuThoTrees, *, effective_date: date = REFORM_DATE, actor: Any = None
) -> PhuThoTrees:
    """The reform of 1/7/2025: one new committee, departments merged per ``NEW_DEPARTMENTS``.

    The new committee is founded first; each group of old departments (from the three
    provinces) is merged into a new department under it, which re-homes their divisions;
    divisions of the same name are then merged into one; finally the three old committees,
    now without active children, are merged into the new one.
    """
    number, on = PROVINCE_LEGAL_BASIS
    new_committee = create_unit(
        name=NEW_PROVINCE_NAME,
        short_name="UBND tỉnh Phú Thọ",
        code=NEW_PROVINCE_CODE,
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=effective_date,
        legal_basis_number=number,
        legal_basis_date=on,
        actor=actor,
        reason="Thành lập tỉnh Phú Thọ mới trên cơ sở hợp nhất ba tỉnh",
    )
    trees.new_committee = new_committee
    for nkey, nname, nnum, old_keys in NEW_DEPARTMENTS:
        sources = [
            trees.departments[(pkey, okey)] for okey in old_keys for pkey, _, _ in OLD_PROVINCES
        ]
        department, _ = merge_units(
            sources,
            new_target={
                "name": f"{nname} tỉnh Phú Thọ",
                "code": f"{NEW_PROVINCE_CODE}.{nnum:02d}",
                "kind": Unit.Kind.DEPARTMENT,
                "parent": new_committee,
            },
            effective_date=effective_date,
            legal_basis_number=number,
            legal_basis_date=on,
            actor=actor,
            reason="Sắp xếp các cơ quan chuyên môn thuộc UBND tỉnh",
        )
        trees.new_departments[nkey] = department
        by_name: dict[str, list[Unit]] = {}
        for child in department.get_children().filter(status=Unit.Status.ACTIVE):
            by_name.setdefault(child.name, []).append(child)
        for index, (vname, units) in enumerate(sorted(by_name.items()), start=1):
            division, _ = merge_units(
                units,
                new_target={
                    "name": vname,
                    "code": f"{NEW_PROVINCE_CODE}.{nnum:02d}.{index:02d}",
                    "kind": units[0].kind,
                },
                effective_date=effective_date,
                legal_basis_number=number,
                legal_basis_date=on,
                actor=actor,
                reason=f"Hợp nhất các đơn vị cùng chức năng thuộc {nname}",
            )
            trees.new_divisions[(nkey, vname)] = division
    merge_units(
        [trees.committees[pkey] for pkey, _, _ in OLD_PROVINCES],
        target=new_committee,
        effective_date=effective_date,
        legal_basis_number=number,
        legal_basis_date=on,
        actor=actor,
        reason="Hợp nhất tỉnh Phú Thọ, tỉnh Vĩnh Phúc và tỉnh Hòa Bình",
    )
    new_committee.refresh_from_db()
    return trees


def ensure_new_phu_tho(*, actor: Any = None) -> Unit:
    """The new Phú Thọ committee, building the old trees and the merger if not there yet."""
    existing = Unit.objects.active().filter(code=NEW_PROVINCE_CODE).first()
    if existing is not None:
        return existing
    trees = merge_into_new_phu_tho(build_pre_reform_phu_tho_trees(actor=actor), actor=actor)
    assert trees.new_committee is not None
    return trees.new_committee
