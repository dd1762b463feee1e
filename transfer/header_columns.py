"""One column's header → the field it names, with a score and a reason a person can read.

The header texts of a column (top to bottom: a group cell, then the sub-column) are tried as
written, without annotations, reworded and with abbreviations written out (:mod:`.header_words`),
group and sub-column together ("Ngạch công chức" over "Tên ngạch"; "Đảng viên" over "Ngày vào"),
each language of a bilingual cell, then fuzzily, then the group cell alone. :mod:`.headers`
reads the whole table with :func:`find_column`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .header_words import (
    dotted_field,
    expanded_key,
    fuzzy_header,
    header_catalogue,
    header_keys,
    reworded_keys,
    unicode_header,
)

# -- reasons shown to the officer ------------------------------------------------------------
EXACT = "khớp tên cột"
STRIPPED = "khớp sau khi bỏ chú thích, xuống dòng, dấu chú thích, số thứ tự"
GROUP = "khớp tên nhóm cột và cột con"
PARENT = "khớp tên nhóm cột"
BILINGUAL = "khớp một phần của tên cột ghi hai thứ tiếng (“Họ và tên / Full name”)"

REWORDED = (
    "khớp sau khi bỏ từ chỉ thời điểm hoặc người (“hiện tại”, “cán bộ”…), đọc “Thời gian” là “Ngày”"
)

EXPANDED = "khớp sau khi viết đầy đủ chữ viết tắt (“HS” hệ số, “TD” tuyển dụng, “PC” phụ cấp…)"

DOTTED = "khớp sau khi viết đầy đủ từ viết tắt có dấu chấm (“Ng.sinh” là “Ngày sinh”)"

#: a group cell over allowances ("Phụ cấp", "Hệ số phụ cấp"): its sub-columns are amounts
_ALLOWANCE = "phucap"

#: what separates the two languages of a bilingual header cell
_BILINGUAL = re.compile(r"\s*(?:/|\||\n|\s[-–]\s)\s*")

PID_FIELD_NAME = "personal_id"


@dataclass(frozen=True)
class ColumnFind:
    field: str
    header: str
    score: float
    reason: str


def find_column(
    spec_key: str,
    levels: Sequence[str],
    overrides: dict[str, str],
    strict: bool,
) -> ColumnFind | None:
    """The field of one column from its header texts (top to bottom).

    Remembered per (sheet kind, texts, overrides, strictness): the header search tries the
    same column's texts at every candidate header row (a 1,000-column sheet asked 168,000
    times, 9 s; a hostile 10,000-column CSV held a web request 42 s); the catalogue it reads
    is fixed, so the answer is too."""
    return _find_column(spec_key, tuple(levels), tuple(sorted(overrides.items())), strict)


@lru_cache(maxsize=65_536)
def _find_column(
    spec_key: str,
    levels: tuple[str, ...],
    override_items: tuple[tuple[str, str], ...],
    strict: bool,
) -> ColumnFind | None:
    overrides = dict(override_items)
    if not levels:
        return None
    index, _ = header_catalogue(spec_key)
    keys = [header_keys(t) for t in levels]
    child = keys[-1]
    combos: list[tuple[str, str, str]] = []  # key, text, reason
    if len(levels) > 1:
        for start in range(len(levels) - 1):
            text = " ".join(levels[start:])
            combos.append(("".join(k[0] for k in keys[start:]), text, GROUP))
            combos.append(("".join(k[1] for k in keys[start:]), text, GROUP))
        # the sub-column before its group, as the words are said: "Đảng viên" over "Ngày vào"
        # is "Ngày vào Đảng" (a member, "… viên", of the organisation the field names)
        for parent in keys[-2::-1]:
            for group in dict.fromkeys((parent[1], parent[1].removesuffix("vien"))):
                if group:
                    combos.append((child[1] + group, " ".join(levels), GROUP))
    if any(_ALLOWANCE in k[1] for k in keys[:-1]):
        # "Hệ số phụ cấp" over "Chức vụ" | "Thâm niên nghề": each sub-column is an allowance,
        # not the field its own name gives; only the group and sub-column read together count
        combos = [c for c in combos if c[0] != child[0] and c[0] != child[1]]
        for key, text, reason in combos:
            target = overrides.get(key) or index.get(key)
            if target:
                return ColumnFind(target, text, 100.0, reason)
        return None
    combos.append((child[0], levels[-1], EXACT))
    combos.append((child[1], levels[-1], STRIPPED))
    combos.extend((key, levels[-1], REWORDED) for key in reworded_keys(child[1]))
    expanded = expanded_key(levels[-1])
    if expanded:
        combos.append((expanded, levels[-1], EXPANDED))
        combos.extend((key, levels[-1], EXPANDED) for key in reworded_keys(expanded))
    for key, text, reason in combos:
        target = overrides.get(key) or index.get(key)
        if target:
            return ColumnFind(target, text, 100.0, reason)
    dotted = dotted_field(spec_key, levels[-1])
    if dotted:
        target = overrides.get(header_keys(dotted[1])[0]) or dotted[0]
        return ColumnFind(target, levels[-1], 95.0, f"{DOTTED}: “{dotted[1]}”")
    parts = [p for p in _BILINGUAL.split(levels[-1]) if p.strip()]
    if len(parts) > 1:  # "Họ và tên / Full name": every part that is known names one field
        fields = set()
        for part in parts:
            full, stripped = header_keys(part)
            target = overrides.get(full) or index.get(full) or index.get(stripped)
            if target:
                fields.add(target)
        if fields == {PID_FIELD_NAME, "old_id_number"}:  # "Số CCCD/CMND": either card
            fields = {PID_FIELD_NAME}
        if fields == {"unit", "full_name"}:
            # "Đơn vị/Phòng ban/Họ tên": a list printed as a tree, the unit's name on its
            # section row and each person's name on theirs; the people's rows are read
            fields = {"full_name"}
        if len(fields) == 1:
            return ColumnFind(fields.pop(), levels[-1], 95.0, BILINGUAL)
    if strict:
        return None
    hit = fuzzy_header(spec_key, child[1], levels[-1])
    if hit:
        target, known, score = hit
        return ColumnFind(target, levels[-1], score, f"gần giống “{known}” (điểm {score:.0f})")
    if len(levels) > 1:  # the group cell alone ("Ngạch công chức" over "Tên ngạch")
        for k, text in zip(keys[-2::-1], levels[-2::-1], strict=False):
            target = overrides.get(k[0]) or index.get(k[0]) or index.get(k[1])
            if target:
                return ColumnFind(target, f"{text} – {levels[-1]}", 90.0, PARENT)
    return None


def recognise_header(
    levels: Sequence[str], spec_key: str = "profile", overrides: dict[str, str] | None = None
) -> ColumnFind | None:
    """The field one column's header names (its texts top to bottom: a group cell, then the
    sub-column), or ``None`` when no field is named; the column alone, without the table."""
    texts = [unicode_header(str(t)) for t in levels if t is not None and str(t).strip()]
    return find_column(spec_key, texts, overrides or {}, strict=False)


#: what separates two fields named in one header cell ("Họ và tên\nNgày sinh", "Họ tên, năm
#: sinh", "Họ và tên / Ngày sinh")
_TWO_FIELDS = re.compile(r"\s*(?:\n|,|;|/|\||\s[-–]\s)\s*|\s+")
_NAME_AND_DATE = {"full_name": "name", "date_of_birth": "date"}


def name_and_date_fields(
    spec_key: str, text: str, overrides: dict[str, str]
) -> list[tuple[str, str]] | None:
    """[(field, part)…] in the cell's order when a header cell names the full name and the
    birth date together ("Họ và tên\nNgày sinh", "Ngày sinh, họ và tên"), else ``None``. The
    cell is cut at each separator and each space in turn (a line break reaches here as a
    space; "Họ và tên, ngày, tháng, năm sinh" has three commas); both halves must name their
    field exactly."""
    if spec_key != "profile" or len(text.split()) < 3:
        return None
    index, _ = header_catalogue(spec_key)

    def field_of(part: str) -> str | None:
        full, stripped = header_keys(part)
        return overrides.get(full) or index.get(full) or index.get(stripped)

    for m in _TWO_FIELDS.finditer(text):
        left, right = text[: m.start()], text[m.end() :]
        if not left.strip() or not right.strip():
            continue
        pair = (field_of(left), field_of(right))
        if set(pair) == set(_NAME_AND_DATE):
            return [(f, _NAME_AND_DATE[f]) for f in pair if f]
    return None


def date_part_columns(
    spec_key: str, child_keys: dict[int, str], width: int, used: set[int]
) -> list[tuple[str, tuple[int, ...], tuple[str, ...]]]:
    """[(field, columns, parts)…] of a date in top-level columns that each name their part
    ("Ngày sinh" | "Tháng sinh" | "Năm sinh", no group cell): "Ngày sinh" there holds the day
    only, never a whole date. Told by a "Tháng …" column and a "Năm …" one with the same rest
    of the header (folded keys in ``child_keys``); the field is the one "Ngày …" (or "Năm …")
    names; "Ngày …" may be missing. ``used`` gains the columns taken."""
    from .columns import SHEETS

    index, _ = header_catalogue(spec_key)
    date_fields = {col.field for col in SHEETS[spec_key].columns if col.kind in ("date", "dob")}
    out: list[tuple[str, tuple[int, ...], tuple[str, ...]]] = []
    for c in range(width):
        key = child_keys.get(c, "")
        if c in used or not key.startswith("thang") or len(key) <= len("thang"):
            continue
        rest = key[len("thang") :]
        target = index.get("ngay" + rest) or index.get("nam" + rest)
        if target is None or target not in date_fields:
            continue
        found = {"thang": c}
        for part in ("ngay", "nam"):
            same = [k for k in range(width) if k not in used and child_keys.get(k) == part + rest]
            if same:
                found[part] = same[0]
        if "nam" not in found:
            continue
        ordered = [(part, found[part]) for part in ("ngay", "thang", "nam") if part in found]
        sources = tuple(k for _, k in ordered)
        out.append((target, sources, tuple(part for part, _ in ordered)))
        used.update(sources)
    return out


def parent_field(spec_key: str, levels: list[str], overrides: dict[str, str]) -> str | None:
    if len(levels) < 2:
        return None
    index, _ = header_catalogue(spec_key)
    for text in levels[-2::-1]:
        full, stripped = header_keys(text)
        target = overrides.get(full) or index.get(full) or index.get(stripped)
        if target:
            return target
        hit = fuzzy_header(spec_key, stripped, text)
        if hit:
            return hit[0]
    return None
