"""Coded values as old HR software writes them (sex, ethnicity, grade, education, religion…).

:func:`map_value` turns one cell into a code of a versioned code list (``profiles.codelists``):

1. a per-source override (``{original: code}``, saved with the mapping profile of the source
   software) wins; its keys are compared folded (no case, diacritics, punctuation);
2. the code itself, with the list's own spelling tolerance (``"1"`` and ``"01"`` are the
   ethnicity ``01``; the grade code ``01.003`` typed as the number ``1.003``);
3. the item's name, folded (``"ĐẠI HỌC"``, ``"dai hoc"``);
4. the ``other_names`` the list carries (ethnicity: ``"Mèo"`` → Hmông) and the common
   spellings and abbreviations below (sex: ``Nam/Nữ/1/0/M/F/male/female``; grade ``CVC``…);
5. a drop-down's "code - name" (``"1 - Nam"``, ``"01 - Kinh"``, ``"01.003 - Chuyên viên"``,
   also ``"Kinh (01)"``, ``"Chuyên viên - 01.003"``, ``"Chuyên viên (mã 01.003)"``): the name
   part by steps 3–4 (the source's codes need not be ours);
   when the code part is one of our codes too, it must be the same item.

A value nobody knows raises :class:`ValueMappingError` naming the value and the list; the
pipeline reports it on the row and the officer can add an override.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from orgtree.text import fold
from profiles import codelists

__all__ = ["DEFAULT_ALIASES", "MappedValue", "ValueKind", "ValueMappingError", "map_value"]


class ValueKind(StrEnum):
    """The code lists a cell can be mapped to (values are the code-list keys)."""

    SEX = "sex"
    ETHNICITY = "ethnicity"
    RELIGION = "religion"
    GRADE = "grade"
    EDUCATION = "education-level"
    TITLE = "title"
    POSITION = "position"
    SALARY_SCALE = "salary-scale"
    POLITICAL_THEORY = "political-theory"
    STATE_MANAGEMENT = "state-management"
    RELATIONSHIP = "relationship"


class ValueMappingError(ValueError):
    """A value that maps to no code; the message names the value and the list."""


@dataclass(frozen=True)
class MappedValue:
    code: str
    name: str
    original: object
    via: str  # "override", "code", "name" or "alias"


# Folded spelling → code. Only what the code lists do not say themselves.
DEFAULT_ALIASES: dict[str, dict[str, str]] = {
    ValueKind.SEX: {
        "nam": "1", "nam gioi": "1", "trai": "1", "m": "1", "male": "1", "man": "1", "1": "1",
        "true": "1", "x": "1",
        "nu": "2", "nu gioi": "2", "gai": "2", "f": "2", "female": "2", "woman": "2",
        "0": "2", "2": "2", "false": "2",
    },
    ValueKind.GRADE: {
        "cvcc": "01.001", "chuyen vien cao cap": "01.001",
        "cvc": "01.002", "chuyen vien chinh": "01.002",
        "cv": "01.003", "chuyen vien": "01.003",
        "cs": "01.004", "can su": "01.004",
        "nv": "01.005", "nhan vien": "01.005",
    },
    ValueKind.EDUCATION: {
        "9 12": "PT09", "thcs": "PT09", "cap 2": "PT09", "cap ii": "PT09",
        "10 10": "PT10",
        "12 12": "PT12", "thpt": "PT12", "cap 3": "PT12", "cap iii": "PT12",
        "trung hoc chuyen nghiep": "TC", "thcn": "TC",
        "cd": "CD", "dh": "DH", "dai hoc": "DH", "cu nhan": "DH", "ky su": "DH", "bac si": "DH",
        "ths": "THS", "thac sy": "THS", "thac si": "THS",
        "ts": "TS", "tien sy": "TS", "tien si": "TS",
        "tskh": "TSKH", "tien sy khoa hoc": "TSKH",
    },
    ValueKind.RELIGION: {"khong": "00", "khong co": "00", "": "00"},
}  # fmt: skip
# The sex column written "1/0" (1 = male): "0" is female. The code list uses 1 Nam / 2 Nữ.

_NON_ALNUM = re.compile(r"[^0-9a-z]")


def _code_key(kind: str, value: str) -> str:
    """Spelling-tolerant form of a code: folded, punctuation dropped, leading zeros dropped."""
    return _NON_ALNUM.sub("", fold(value)).lstrip("0") or "0"


def _as_text(original: object) -> str:
    if isinstance(original, bool):
        return "1" if original else "0"
    if isinstance(original, float) and original.is_integer():
        return str(int(original))
    if isinstance(original, int | float):
        return repr(original)
    return "" if original is None else str(original)


@dataclass
class _Index:
    names: dict[str, str]
    by_code: dict[str, str]
    by_code_key: dict[str, str]
    by_name: dict[str, str]


_indexes: dict[tuple[str, date], tuple[object, _Index]] = {}


def _index(kind: str, on: date | None) -> _Index:
    items = codelists.items(kind, on)
    cache_key = (kind, on or date.today())
    cached = _indexes.get(cache_key)
    if cached is not None and cached[0] is items:  # the code-list cache was not cleared
        return cached[1]
    index = _Index(names={}, by_code={}, by_code_key={}, by_name={})
    for code, item in items.items():
        index.names[code] = item.name
        index.by_code[code] = code
        index.by_code_key.setdefault(_code_key(kind, code), code)
        index.by_name.setdefault(fold(item.name), code)
        other = (item.extra or {}).get("other_names") or ""
        for alias in re.split(r"[;,]", other):
            if alias.strip():
                index.by_name.setdefault(fold(alias), code)
    _indexes[cache_key] = (items, index)
    return index


_CODE_NAME = re.compile(r"^\s*([0-9A-Za-z][0-9A-Za-z.]{0,11})\s*(?:[-–:.)]\s*|\s+-\s*)(\S.*)$")
#: "Kinh (01)", "Chuyên viên (mã 01.003)", "Chuyên viên [mã ngạch: 01.003]"
_NAME_CODE = re.compile(
    r"^(.*\S)\s*[(\[]\s*(?:(?:mã|ma|code)\b[^)\]0-9]*?)?([0-9A-Za-z][0-9A-Za-z.]{0,11})\s*[)\]]\s*$",
    re.IGNORECASE,
)
#: "Chuyên viên - 01.003", "Kế toán viên: 06.031" (the code after the name, with a digit)
_NAME_DASH_CODE = re.compile(r"^(.*\S)(?:\s*:|\s+[-–])\s*([0-9A-Za-z][0-9A-Za-z.]{0,11})\s*$")


def _code_and_name(kind: ValueKind, index: _Index, text: str) -> str | None:
    """The code of a drop-down's "code - name" or "name (code)", when its name part names an
    item (by name or alias) and its code part, if it is one of our codes, the same item."""
    m = _CODE_NAME.match(text)
    if m is not None and any(ch.isdigit() for ch in m.group(1)):
        part_code, name = m.group(1), m.group(2)
    else:
        m = _NAME_CODE.match(text)
        if m is None:
            m = _NAME_DASH_CODE.match(text)
            if m is None or not any(ch.isdigit() for ch in m.group(2)):
                return None
        name, part_code = m.group(1), m.group(2)
    folded = fold(name)
    code = index.by_name.get(folded) or DEFAULT_ALIASES.get(kind, {}).get(folded)
    if code is None or code not in index.names:
        return None
    ours = index.by_code.get(part_code) or (
        index.by_code_key.get(_code_key(kind, part_code)) if kind is not ValueKind.SEX else None
    )
    if ours is not None and ours != code and kind is not ValueKind.SEX:
        return None  # "02 - Kinh": the code names another item; not a guess to make
    return code


def map_value(
    kind: ValueKind | str,
    original: object,
    overrides: Mapping[str, str] | None = None,
    *,
    on: date | None = None,
) -> MappedValue:
    """Map one cell of ``kind`` to its code (see the module docstring for the order)."""
    kind = ValueKind(kind)
    index = _index(kind, on)
    if not index.names:
        raise ValueMappingError(f"Danh mục “{kind}” chưa được nạp (chạy load_codelists).")
    text = _as_text(original).strip()
    folded = fold(text)
    if overrides:
        for key, code in overrides.items():
            if fold(str(key)) == folded:
                if code not in index.names:
                    raise ValueMappingError(
                        f"Ánh xạ riêng “{key}” → “{code}”: mã “{code}” không có trong danh mục "
                        f"“{kind}”."
                    )
                return MappedValue(code, index.names[code], original, "override")
    if text in index.by_code:
        return MappedValue(text, index.names[text], original, "code")
    if kind is not ValueKind.SEX and text:  # "0"/"1" of the sex column are aliases, not codes
        code = index.by_code_key.get(_code_key(kind, text))
        if code is not None and any(ch.isdigit() for ch in text):
            return MappedValue(code, index.names[code], original, "code")
    code = index.by_name.get(folded)
    if code is not None:
        return MappedValue(code, index.names[code], original, "name")
    code = DEFAULT_ALIASES.get(kind, {}).get(folded)
    if code is not None and code in index.names:
        return MappedValue(code, index.names[code], original, "alias")
    code = _code_and_name(kind, index, text)
    if code is not None:
        return MappedValue(code, index.names[code], original, "name")
    if not text:
        raise ValueMappingError(f"Ô trống: cần một giá trị của danh mục “{kind}”.")
    raise ValueMappingError(
        f"Giá trị “{text}” không có trong danh mục “{kind}”; hãy chọn mã tương ứng trong ánh xạ "
        "giá trị của nguồn dữ liệu."
    )
