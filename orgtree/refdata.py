"""Loading the administrative-unit reference data shipped in ``orgtree/data/adminunits/``.

``releases.json`` in that folder lists every data file with its release key, kind, format and
effective dates. :func:`load_reference_data` loads each file as one :class:`AdminUnitRelease`
and its rows, inside one transaction per file:

* a file already loaded under its key with the same sha256 is skipped (idempotent);
* a file whose key is loaded but whose content differs is refused: a new edition of a data
  file gets a new key (and a new manifest entry), so the old release stays queryable;
* a malformed row stops the load of that file with an error naming the file, row and field.

Names are stored through :func:`orgtree.text.clean` (NFC, "Đ", one tone-mark style), so "Hoà"
in one file and "Hòa" in another become the same stored name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from .models import AdminUnit, AdminUnitConversion, AdminUnitRelease, HistoricPlaceName
from .text import clean, fold

__all__ = [
    "DATA_DIR",
    "LoadResult",
    "ReferenceDataError",
    "conversion_kind",
    "load_reference_data",
]

DATA_DIR = Path(__file__).resolve().parent / "data" / "adminunits"
MANIFEST = "releases.json"
BATCH_SIZE = 2000


class ReferenceDataError(ValueError):
    """A data file or manifest entry that cannot be loaded; the message names where."""


@dataclass
class LoadResult:
    key: str
    kind: str
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        what = ", ".join(f"{n} {label}" for label, n in self.counts.items())
        state = "đã nạp" if self.created else "đã có, bỏ qua (không đổi)"
        return f"{self.key}: {state} – {what}"


# ---------------------------------------------------------------------------------------------
# Small parsing helpers
# ---------------------------------------------------------------------------------------------

# Unit types that open a full name ("Thị xã Kỳ Anh"); matched on folded words at the start.
_UNIT_TYPES = (
    "Thành phố",
    "Thị trấn",
    "Thị xã",
    "Đặc khu",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Xã",
)
_FOLDED_TYPES = [(fold(t), t) for t in _UNIT_TYPES]
_CODE_IN_PARENS = re.compile(r"^(?P<name>.*?)\s*\((?P<code>\d+)\)\s*$")
_DIGITS = re.compile(r"^\d+$")
_clean = lru_cache(maxsize=65536)(clean)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=65536)  # the same province and district names repeat on every row
def split_unit_type(full_name: str) -> tuple[str, str]:
    """ "Thị Xã Kỳ Anh" → ("Thị xã", "Kỳ Anh"); "phường Vĩnh Hải" → ("Phường", "Vĩnh Hải")."""
    text = clean(full_name)
    folded = fold(text)
    for folded_type, unit_type in _FOLDED_TYPES:
        if folded == folded_type or folded.startswith(folded_type + " "):
            words = len(unit_type.split())
            return unit_type, " ".join(text.split(" ")[words:])
    return "", _capitalise(text)


def _full_name(unit_type: str, name: str) -> str:
    return f"{unit_type} {name}".strip()


def _name_and_code(cell: str, *, row: int, column: str, file: str) -> tuple[str, str]:
    match = _CODE_IN_PARENS.match(_clean(cell))
    if not match:
        raise ReferenceDataError(
            f"{file}, dòng {row}, cột “{column}”: không đọc được “{cell}” (cần dạng “Tên (mã)”)."
        )
    return match["name"], match["code"]


def _code(value: str, *, width: int, row: int, column: str, file: str) -> str:
    value = (value or "").strip()
    if not _DIGITS.match(value):
        raise ReferenceDataError(f"{file}, dòng {row}, cột “{column}”: mã “{value}” không hợp lệ.")
    return value.zfill(width)


def conversion_kind(note: str) -> str:
    """Normalise the free-text note of the conversion table to ``AdminUnitConversion.Kind``.

    Handles the spellings found in the GSO table: "Nhập một phần diện tích", "… dân số",
    "Nhâp" without its accent, doubled spaces, trailing newlines, "Đổi tên từ một phần …",
    "Sắp xếp toàn bộ huyện X thành đặc khu X", "Phần còn lại sau khi tách …".
    """
    folded = fold(note)  # "Nhâp" and "Nhập" both fold to "nhap"
    if not folded:
        return AdminUnitConversion.Kind.UNSPECIFIED
    if "dac khu" in folded or folded.startswith("sap xep"):
        return AdminUnitConversion.Kind.REORGANISED
    if folded.startswith("phan con lai"):
        return AdminUnitConversion.Kind.REMAINDER
    if folded.startswith("doi ten"):
        return AdminUnitConversion.Kind.RENAMED
    if folded.startswith("doi loai hinh"):
        return AdminUnitConversion.Kind.TYPE_CHANGED
    if folded.startswith("giu nguyen"):
        return AdminUnitConversion.Kind.UNCHANGED
    if folded.startswith("nhap") or folded.startswith("sap nhap"):
        rest = folded.split(" ", 1)[1] if " " in folded else ""
        if rest.startswith("mot phan"):
            return AdminUnitConversion.Kind.MERGED_PART
        if rest.startswith("toan bo"):
            return AdminUnitConversion.Kind.MERGED_WHOLE
    return AdminUnitConversion.Kind.UNSPECIFIED


# ---------------------------------------------------------------------------------------------
# Readers: each returns model instances (unsaved) for one release
# ---------------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def _unit(release: AdminUnitRelease, **values: str) -> AdminUnit:
    unit = AdminUnit(release=release, **values)
    unit.folded_name = fold(unit.name)
    return unit


def read_gso_legacy_csv(release: AdminUnitRelease, path: Path) -> list[AdminUnit]:
    """The pre-reform GSO export: one row per commune with its district and province.

    Columns: Tỉnh Thành Phố, Mã TP, Quận Huyện, Mã QH, Phường Xã, Mã PX, Cấp, Tên Tiếng Anh.
    Districts without communes (island districts) appear once with empty commune columns.
    """
    file = path.name
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    required = {"Tỉnh Thành Phố", "Mã TP", "Quận Huyện", "Mã QH", "Phường Xã", "Mã PX", "Cấp"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ReferenceDataError(f"{file}: thiếu cột {', '.join(sorted(missing))}.")
    provinces: dict[str, AdminUnit] = {}
    districts: dict[str, AdminUnit] = {}
    communes: dict[str, AdminUnit] = {}
    for row_number, row in enumerate(reader, start=2):
        p_code = _code(row["Mã TP"], width=2, row=row_number, column="Mã TP", file=file)
        d_code = _code(row["Mã QH"], width=3, row=row_number, column="Mã QH", file=file)
        if p_code not in provinces:
            p_type, p_name = split_unit_type(row["Tỉnh Thành Phố"])
            provinces[p_code] = _unit(
                release,
                level=AdminUnit.Level.PROVINCE,
                code=p_code,
                name=p_name,
                full_name=_full_name(p_type, p_name),
                unit_type=p_type,
                province_code=p_code,
            )
        if d_code not in districts:
            d_type, d_name = split_unit_type(row["Quận Huyện"])
            if not d_name:
                raise ReferenceDataError(f"{file}, dòng {row_number}, cột “Quận Huyện”: trống.")
            districts[d_code] = _unit(
                release,
                level=AdminUnit.Level.DISTRICT,
                code=d_code,
                name=d_name,
                full_name=_full_name(d_type, d_name),
                unit_type=d_type,
                province_code=p_code,
                district_code=d_code,
            )
        elif districts[d_code].province_code != p_code:
            raise ReferenceDataError(
                f"{file}, dòng {row_number}: huyện {d_code} thuộc hai tỉnh khác nhau."
            )
        if not (row["Mã PX"] or "").strip():
            continue  # a district without communes
        c_code = _code(row["Mã PX"], width=5, row=row_number, column="Mã PX", file=file)
        if c_code in communes:
            raise ReferenceDataError(f"{file}, dòng {row_number}: mã xã {c_code} bị lặp.")
        c_type, c_name = split_unit_type(row["Phường Xã"])
        c_type = c_type or clean(row["Cấp"])
        communes[c_code] = _unit(
            release,
            level=AdminUnit.Level.COMMUNE,
            code=c_code,
            name=c_name,
            full_name=_full_name(c_type, c_name),
            unit_type=c_type,
            province_code=p_code,
            district_code=d_code,
        )
    return [*provinces.values(), *districts.values(), *communes.values()]


def read_thanglequoc_json(release: AdminUnitRelease, path: Path) -> list[AdminUnit]:
    """The current set (thanglequoc/vietnamese-provinces-database generated JSON)."""
    file = path.name
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(f"{file}: JSON không hợp lệ ({exc}).") from exc
    units: list[AdminUnit] = []
    seen: set[tuple[str, str]] = set()
    for p_index, province in enumerate(data, start=1):
        try:
            p_code = _code(province["Code"], width=2, row=p_index, column="Code", file=file)
            p_type = clean(province["AdministrativeUnitShortName"])
            p_name = _capitalise(clean(province["Name"]))
            wards = province["Wards"]
        except KeyError as exc:
            raise ReferenceDataError(f"{file}, tỉnh thứ {p_index}: thiếu trường {exc}.") from exc
        units.append(
            _unit(
                release,
                level=AdminUnit.Level.PROVINCE,
                code=p_code,
                name=p_name,
                full_name=_full_name(p_type, p_name),
                unit_type=p_type,
                province_code=p_code,
            )
        )
        for w_index, ward in enumerate(wards, start=1):
            where = f"{file}, tỉnh {p_code}, xã thứ {w_index}"
            try:
                c_code = _code(ward["Code"], width=5, row=w_index, column="Code", file=file)
                c_type = _capitalise(clean(ward["AdministrativeUnitShortName"]))
                c_name = _capitalise(clean(ward["Name"]))
            except KeyError as exc:
                raise ReferenceDataError(f"{where}: thiếu trường {exc}.") from exc
            if ("commune", c_code) in seen:
                raise ReferenceDataError(f"{where}: mã xã {c_code} bị lặp.")
            seen.add(("commune", c_code))
            units.append(
                _unit(
                    release,
                    level=AdminUnit.Level.COMMUNE,
                    code=c_code,
                    name=c_name,
                    # rebuilt from type + name: the file has one lower-case "xã Bắc Sơn"
                    full_name=_full_name(c_type, c_name),
                    unit_type=c_type,
                    province_code=p_code,
                )
            )
    return units


def read_gso_conversion_csv(release: AdminUnitRelease, path: Path) -> list[AdminUnitConversion]:
    """The GSO old → new commune table.

    Two header rows; a capitalised banner row per new province (only its first cell filled);
    then rows: new province "Name (code)", new commune name, new code, old commune name, old
    code, note, old district "Name (code)", old province "Name (code)". Island districts that
    became special zones have no old commune (empty name and code).
    """
    file = path.name
    rows = list(csv.reader(io.StringIO(_read_text(path))))
    if len(rows) < 3 or fold(rows[1][1] if len(rows[1]) > 1 else "") != "ten xa moi":
        raise ReferenceDataError(f"{file}: không thấy hai dòng tiêu đề của bảng chuyển đổi.")
    out: list[AdminUnitConversion] = []
    for row_number, row in enumerate(rows[2:], start=3):
        cells = [*row, *[""] * (9 - len(row))]
        if not any(c.strip() for c in cells[1:]):
            continue  # a province banner row ("THÀNH PHỐ HÀ NỘI") or an empty line
        np_name, np_code = _name_and_code(
            cells[0], row=row_number, column="Tỉnh, thành phố", file=file
        )
        nc_code = _code(cells[2], width=5, row=row_number, column="Mã Xã mới", file=file)
        nc_type, nc_name = split_unit_type(cells[1])
        od_name, od_code = _name_and_code(cells[6], row=row_number, column="Quận/huyện", file=file)
        op_name, op_code = _name_and_code(cells[7], row=row_number, column="Tỉnh cũ", file=file)
        old_name = clean(cells[3])
        old_code = ""
        if cells[4].strip():
            old_code = _code(cells[4], width=5, row=row_number, column="Mã Xã cũ", file=file)
        if old_name and old_code:
            oc_type, oc_name = split_unit_type(old_name)
            old_name = _full_name(oc_type, oc_name)
        note = clean(cells[5])
        out.append(
            AdminUnitConversion(
                release=release,
                row_number=row_number,
                new_province_code=np_code.zfill(2),
                new_province_name=np_name,
                new_commune_code=nc_code,
                new_commune_name=_full_name(nc_type, nc_name),
                old_province_code=op_code.zfill(2),
                old_province_name=_capitalise(op_name),
                old_district_code=od_code.zfill(3),
                old_district_name=_full_name(*split_unit_type(od_name)),
                old_commune_code=old_code,
                old_commune_name=old_name,
                kind=conversion_kind(note),
                note=note[:300],
            )
        )
    if not out:
        raise ReferenceDataError(f"{file}: bảng chuyển đổi không có dòng dữ liệu nào.")
    return out


def read_historic_csv(release: AdminUnitRelease, path: Path) -> list[HistoricPlaceName]:
    file = path.name
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    required = {
        "name",
        "kind",
        "level",
        "successor_release_key",
        "successor_province_code",
        "successor_district_code",
        "valid_until",
        "legal_basis",
        "note",
    }
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ReferenceDataError(f"{file}: thiếu cột {', '.join(sorted(missing))}.")
    out: list[HistoricPlaceName] = []
    for row_number, row in enumerate(reader, start=2):
        kind = row["kind"].strip()
        level = row["level"].strip()
        if kind not in HistoricPlaceName.Kind.values:
            raise ReferenceDataError(f"{file}, dòng {row_number}, cột “kind”: “{kind}” lạ.")
        if level not in AdminUnit.Level.values:
            raise ReferenceDataError(f"{file}, dòng {row_number}, cột “level”: “{level}” lạ.")
        until = None
        if row["valid_until"].strip():
            try:
                until = date.fromisoformat(row["valid_until"].strip())
            except ValueError as exc:
                raise ReferenceDataError(
                    f"{file}, dòng {row_number}, cột “valid_until”: ngày không hợp lệ."
                ) from exc
        name = clean(row["name"])
        if not name:
            raise ReferenceDataError(f"{file}, dòng {row_number}, cột “name”: trống.")
        item = HistoricPlaceName(
            release=release,
            name=name,
            kind=kind,
            level=level,
            successor_release_key=row["successor_release_key"].strip(),
            successor_province_code=_code(
                row["successor_province_code"],
                width=2,
                row=row_number,
                column="successor_province_code",
                file=file,
            ),
            successor_district_code=(row["successor_district_code"] or "").strip(),
            valid_until=until,
            legal_basis=clean(row["legal_basis"]),
            note=clean(row["note"]),
        )
        item.folded_name = fold(name)
        out.append(item)
    _check_historic_successors(out, file)
    return out


def _check_historic_successors(items: Iterable[HistoricPlaceName], file: str) -> None:
    """Every successor must exist in the release it names (loaded before this file); a former
    district's successor district must lie in the successor province."""
    for item in items:
        qs = AdminUnit.objects.filter(
            release__key=item.successor_release_key,
            level=AdminUnit.Level.PROVINCE,
            code=item.successor_province_code,
        )
        if not qs.exists():
            raise ReferenceDataError(
                f"{file}: “{item.name}” trỏ tới tỉnh {item.successor_province_code} của phiên "
                f"bản {item.successor_release_key}, nhưng phiên bản đó chưa nạp hoặc không có "
                "tỉnh này."
            )
        if item.level == AdminUnit.Level.DISTRICT and item.kind == HistoricPlaceName.Kind.HISTORIC:
            district = AdminUnit.objects.filter(
                release__key=item.successor_release_key,
                level=AdminUnit.Level.DISTRICT,
                code=item.successor_district_code,
                province_code=item.successor_province_code,
            )
            if not district.exists():
                raise ReferenceDataError(
                    f"{file}: “{item.name}” trỏ tới huyện “{item.successor_district_code}” của "
                    f"tỉnh {item.successor_province_code} trong phiên bản "
                    f"{item.successor_release_key}, nhưng phiên bản đó không có huyện này."
                )


def read_former_communes_csv(release: AdminUnitRelease, path: Path) -> list[HistoricPlaceName]:
    """Communes merged or renamed 2019–2024 (former-communes-2019-2024.csv) as historic names
    at the commune level; the note ends with the successor's code ("… (mã 27139)", read by
    ``orgtree.places.index.FORMER_COMMUNE_NOTE``)."""
    file = path.name
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    required = {
        "province_code",
        "district_code",
        "former_type",
        "former_key",
        "successor_commune_code",
        "successor_name",
        "also_current",
        "source",
    }
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ReferenceDataError(f"{file}: thiếu cột {', '.join(sorted(missing))}.")
    successor_release = "gso-units-2025-01-04"
    known = {
        code: (province, district)
        for code, province, district in AdminUnit.objects.filter(
            release__key=successor_release, level=AdminUnit.Level.COMMUNE
        ).values_list("code", "province_code", "district_code")
    }
    out: list[HistoricPlaceName] = []
    for row_number, row in enumerate(reader, start=2):
        province = _code(
            row["province_code"], width=2, row=row_number, column="province_code", file=file
        )
        district = (row["district_code"] or "").strip()
        code = (row["successor_commune_code"] or "").strip()
        if known.get(code) != (province, district):
            raise ReferenceDataError(
                f"{file}, dòng {row_number}, cột “successor_commune_code”: xã {code!r} không "
                f"thuộc huyện {district} tỉnh {province} của phiên bản {successor_release} "
                "(phiên bản đó phải nạp trước)."
            )
        name = clean(f"{row['former_type']} {row['former_key']}")
        if not row["former_key"].strip():
            raise ReferenceDataError(f"{file}, dòng {row_number}, cột “former_key”: trống.")
        item = HistoricPlaceName(
            release=release,
            name=name,
            kind=HistoricPlaceName.Kind.HISTORIC,
            level=AdminUnit.Level.COMMUNE,
            successor_release_key=successor_release,
            successor_province_code=province,
            successor_district_code=district,
            valid_until=None,
            legal_basis=clean(row["source"])[:200],
            note=f"Nhập vào {clean(row['successor_name'])} (mã {code})",
        )
        item.folded_name = fold(name)
        out.append(item)
    return out


_READERS: dict[str, tuple[Callable[[AdminUnitRelease, Path], list], str]] = {
    "gso-legacy-csv": (read_gso_legacy_csv, "units"),
    "thanglequoc-json": (read_thanglequoc_json, "units"),
    "gso-conversion-csv": (read_gso_conversion_csv, "conversion"),
    "historic-csv": (read_historic_csv, "historic"),
    "former-communes-csv": (read_former_communes_csv, "historic"),
}


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _date(entry: dict, name: str, *, required: bool) -> date | None:
    value = entry.get(name)
    if not value:
        if required:
            raise ReferenceDataError(f"{MANIFEST}, phiên bản {entry.get('key')}: thiếu “{name}”.")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ReferenceDataError(
            f"{MANIFEST}, phiên bản {entry.get('key')}: “{name}” = “{value}” không phải ngày."
        ) from exc


def read_manifest(directory: Path = DATA_DIR) -> list[dict]:
    path = directory / MANIFEST
    try:
        entries = json.loads(_read_text(path))
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"Không thấy {path}.") from exc
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(f"{MANIFEST}: JSON không hợp lệ ({exc}).") from exc
    keys = [e.get("key") for e in entries]
    if len(set(keys)) != len(keys):
        raise ReferenceDataError(f"{MANIFEST}: mã phiên bản bị lặp.")
    for entry in entries:
        if entry.get("format") not in _READERS:
            raise ReferenceDataError(
                f"{MANIFEST}, phiên bản {entry.get('key')}: định dạng “{entry.get('format')}” lạ."
            )
    return entries


def load_release(entry: dict, directory: Path = DATA_DIR) -> LoadResult:
    """Load one manifest entry; skip it when already loaded with the same content."""
    reader, kind = _READERS[entry["format"]]
    if entry.get("kind", kind) != kind:
        raise ReferenceDataError(
            f"{MANIFEST}, phiên bản {entry['key']}: loại “{entry.get('kind')}” không khớp "
            f"định dạng “{entry['format']}”."
        )
    path = directory / entry["file"]
    if not path.exists():
        raise ReferenceDataError(f"{MANIFEST}, phiên bản {entry['key']}: không thấy tệp {path}.")
    digest = _sha256(path)
    existing = AdminUnitRelease.objects.filter(key=entry["key"]).first()
    if existing is not None:
        if existing.sha256 != digest:
            raise ReferenceDataError(
                f"Phiên bản {entry['key']} đã nạp từ một tệp khác (sha256 khác). Một bản mới của "
                "tệp dữ liệu phải có mã phiên bản mới trong releases.json."
            )
        return LoadResult(entry["key"], kind, created=False, counts=_counts(existing))
    with transaction.atomic():
        release = AdminUnitRelease.objects.create(
            key=entry["key"],
            kind=kind,
            title=entry.get("title") or entry["key"],
            effective_from=_date(entry, "effective_from", required=True),
            effective_to=_date(entry, "effective_to", required=False),
            snapshot_date=_date(entry, "snapshot_date", required=False),
            source=entry.get("source", ""),
            licence=entry.get("licence", ""),
            file_name=entry["file"],
            sha256=digest,
        )
        rows = reader(release, path)
        model = type(rows[0]) if rows else AdminUnit
        model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        release.row_count = len(rows)
        release.save(update_fields=["row_count"])
    return LoadResult(entry["key"], kind, created=True, counts=_counts(release))


def _counts(release: AdminUnitRelease) -> dict[str, int]:
    if release.kind == AdminUnitRelease.Kind.UNITS:
        counts: dict[str, int] = {}
        labels = {
            AdminUnit.Level.PROVINCE: "tỉnh",
            AdminUnit.Level.DISTRICT: "huyện",
            AdminUnit.Level.COMMUNE: "xã",
        }
        for level, label in labels.items():
            n = release.units.filter(level=level).count()
            if n:
                counts[label] = n
        return counts
    if release.kind == AdminUnitRelease.Kind.CONVERSION:
        return {"dòng chuyển đổi": release.conversions.count()}
    return {"tên cũ": release.historic_names.count()}


def load_reference_data(directory: Path | str = DATA_DIR) -> list[LoadResult]:
    """Load every release listed in ``releases.json`` (idempotent). Returns one result each."""
    from .places import invalidate_indexes

    directory = Path(directory)
    results = [load_release(entry, directory) for entry in read_manifest(directory)]
    if any(r.created for r in results):
        invalidate_indexes()
    return results
