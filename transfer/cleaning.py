"""Cleaning: the cells of one row turned into field values.

Legacy text (TCVN3/VNI/VIQR) converted, NFC and one tone style, dates parsed (impossible dates
reported, never guessed), values mapped to codes (:class:`Cleaner`), units mapped to today's tree
(:class:`UnitResolver`: per-import unit mapping, then the successor chain), places resolved
(:class:`PlaceCache`). A bad value raises ``ValueError`` with the message the row shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.db import models
from django.utils import timezone, translation

from orgtree.models import Unit
from orgtree.text import fold, title_case
from orgtree.tree import subtree_q, successors
from profiles import codelists
from profiles.id_numbers import digit_string

from .columns import Column


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: characters that show nothing but split words and break comparisons, as copies from web
#: pages and Word bring them: zero-width spaces and joiners, the BOM, direction marks; the soft
#: hyphen only once the text is Unicode (its code, 0xAD, is the letter "ư" in TCVN3)
_INVISIBLE = re.compile("[\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SOFT_HYPHEN = "\u00ad"


@lru_cache(maxsize=200_000)
def _unicode(text: str, prefer: str | None = None) -> str:
    from .legacy_text import read_unicode

    return read_unicode(_INVISIBLE.sub("", text), prefer=prefer).replace(_SOFT_HYPHEN, "")


@lru_cache(maxsize=65_536)
def _garbled(text: str) -> str | None:
    """``text`` repaired when it is UTF-8 garbled by a Windows-1252 reader, else ``None``."""
    from .legacy_text import from_mojibake

    return from_mojibake(text)


@lru_cache(maxsize=200_000)
def clean_text(text: str, prefer: str | None = None) -> str:
    # legacy_text.to_unicode returns clean() text already (its _finish)
    return _unicode(text, prefer)


#: a title written before a name in Party and mass-organisation lists ("Đ/c Nguyễn Văn An",
#: "đ/c: …", "Đồng chí Lê Thị Hoa"). "Đồng chí" only with a small "c" (capitalised it may be a
#: name: the family name Đồng); "Ông"/"Bà" are left alone ("Ông" is a family name too)
_HONORIFIC = re.compile(r"^(?:[Đđ]\s*/\s*[Cc]|[Đđ]ồng chí)\s*[.:]?\s+(?=\S)")


@lru_cache(maxsize=200_000)
def clean_name(text: str, prefer: str | None = None) -> str:
    return title_case(_HONORIFIC.sub("", _unicode(text, prefer).strip(), count=1))


def column_encoding(values: Iterable[Any]) -> str | None:
    """The legacy encoding of a column (TCVN3, VNI, VIQR) from a sample of its cells."""
    from .legacy_text import detect_column_encoding

    found = str(detect_column_encoding(v for v in values if isinstance(v, str)))
    return (
        found if found not in ("unicode", "ascii", "Encoding.UNICODE", "Encoding.ASCII") else None
    )


class Cleaner:
    """Turns the cells of one row into field values, with per-import caches."""

    def __init__(self, unit: Unit, value_mappings: dict[str, dict[str, str]], as_of: date | None):
        self.unit = unit
        self.value_mappings = value_mappings or {}
        self.as_of = as_of
        self.today = timezone.localdate()
        self._codes: dict[str, dict[str, Any]] = {}
        self._code_cache: dict[tuple[str, str], str] = {}
        self._date_cache: dict[Any, Any] = {}
        self.notes: list[str] = []  # warnings of the last row's cells (a date's order)

    def codes(self, key: str) -> dict[str, Any]:
        if key not in self._codes:
            self._codes[key] = codelists.items(key, self.today)
        return self._codes[key]

    def value(
        self, col: Column, raw: Any, model: type[models.Model], prefer: str | None = None
    ) -> Any:
        """The field value of a non-empty cell; raises ``ValueError`` with a message."""
        kind = col.kind
        if isinstance(raw, str) and not raw.isascii():
            repaired = _garbled(raw)  # read again by clean_text; the reader is told
            if repaired is not None:
                self.notes.append(
                    f"“{raw}” là chữ UTF-8 bị đọc nhầm thành Windows-1252 (lỗi bảng mã): đã đọc "
                    f"lại thành “{clean_text(raw)}”."
                )
        if kind == "text":
            out = clean_text(as_text(raw), prefer)
            limit = _max_length(model, col.field)
            if limit and len(out) > limit:
                raise ValueError(f"dài {len(out)} ký tự, tối đa {limit}.")
            return out
        if kind == "name":
            out = clean_name(as_text(raw), prefer)
            if len(out) > 120:
                raise ValueError("họ tên dài quá 120 ký tự.")
            return out
        if kind == "pid":
            from .rows import split_id_cell

            pid, rest = split_id_cell(raw)  # "025085012345, 01/01/2021, Cục CS QLHC"
            if rest:
                self.notes.append(
                    f"Số định danh “{as_text(raw)}”: lấy “{pid}”, phần sau (ngày cấp, nơi cấp) "
                    "không được ghi."
                )
            return digit_string(pid, "số định danh", pad=False)
        if kind == "old_id":
            return digit_string(raw, "số CMND")
        if kind in ("date", "dob"):
            return self.date(raw, col, prefer)  # for a date column: its day/month order
        if kind == "int":
            return _int(raw)
        if kind == "decimal":
            return _decimal(raw)
        if kind == "bool":
            return _bool(raw)
        if kind == "code":
            return self.code(col.code_list, raw, prefer)
        if kind == "choice":
            return choice_value(model, col.field, _unicode(as_text(raw), prefer))
        if kind == "phone":
            from .phones import phone_number

            number, note = phone_number(raw)
            if note:
                self.notes.append(note)
            limit = _max_length(model, col.field)
            if limit and len(number) > limit:
                raise ValueError(f"dài {len(number)} ký tự, tối đa {limit}.")
            return number
        if kind == "email":
            return as_text(raw).strip().lower()
        return clean_text(as_text(raw), prefer)

    def date(self, raw: Any, col: Column, order: str | None = None) -> Any:
        """A date cell's value; a day/month order read against the column's ``order``
        (.dates.column_order) leaves its warning in :attr:`notes`."""
        key = (raw, col.kind, order)
        hit = self._date_cache.get(key)
        if hit is None:
            from .dates import DateParseError, parse_date

            note = ""
            try:
                parsed = parse_date(
                    _unicode(raw) if isinstance(raw, str) else raw,
                    context="birth" if col.kind == "dob" else None,
                    today=self.today,
                    order="mdy" if order == "mdy" else "dmy" if order == "dmy" else None,
                )
            except DateParseError as exc:
                value: Any = ValueError(str(exc))
            else:
                note = parsed.note
                if col.kind == "dob":
                    value = (parsed.value, _precision(parsed.precision))
                else:
                    value = parsed.value
            hit = self._date_cache[key] = (value, note)
        value, note = hit
        if note:
            self.notes.append(note)
        if isinstance(value, ValueError):
            raise value
        return value

    def code(self, list_key: str, raw: Any, prefer: str | None = None) -> str:
        text = _unicode(as_text(raw).strip(), prefer)
        key = (list_key, text)
        hit = self._code_cache.get(key)
        if hit is not None:
            return hit
        items = self.codes(list_key)
        overrides = (self.value_mappings.get(list_key) or {}) if self.value_mappings else {}
        if text in overrides:
            code = overrides[text]
        elif text in items:
            code = text
        else:
            code = self._map(list_key, text, items, overrides)
        self._code_cache[key] = code
        return code

    def _map(self, list_key: str, text: str, items: dict[str, Any], overrides: dict) -> str:
        from .values import ValueKind, ValueMappingError, map_value

        code: str | None = None
        message = ""
        if list_key in {k.value for k in ValueKind}:
            try:
                code = map_value(list_key, text, overrides or None, on=self.today).code
            except ValueMappingError as exc:
                message = str(exc)
        if code is None or (items and code not in items):
            folded = fold(_unicode(text))
            for c, item in items.items():
                if fold(item.name) == folded:
                    return c
            raise ValueError(message or f"không có trong danh mục “{list_key}”.")
        return code


def _precision(value: Any) -> str:
    text = str(getattr(value, "value", value) or "day").lower()
    return text if text in ("day", "month", "year") else "day"


@lru_cache(maxsize=4096)
def _max_length(model: type[models.Model], name: str) -> int | None:
    try:
        f: Any = model._meta.get_field(name)  # a reverse relation has no max_length: None
        return f.max_length
    except Exception:
        return None


def _int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("không phải số nguyên.")
    if isinstance(raw, (int, float)):
        if float(raw).is_integer():
            return int(raw)
        raise ValueError("không phải số nguyên.")
    text = as_text(raw).strip().replace(" ", "")
    try:
        return int(text)
    except ValueError:
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise ValueError("không phải số nguyên.") from None
        if value.is_integer():
            return int(value)
        raise ValueError("không phải số nguyên.") from None


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Decimal(str(round(float(raw), 4))).normalize() + Decimal("0.00")
    text = as_text(raw).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError("không phải số.") from None


_TRUE = {"1", "x", "co", "có", "true", "yes", "y", "dung", "đúng", "da mat", "kiem nhiem"}
_FALSE = {"0", "", "khong", "không", "false", "no", "n", "sai"}


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = fold(as_text(raw))
    if text in {fold(t) for t in _TRUE}:
        return True
    if text in {fold(t) for t in _FALSE}:
        return False
    raise ValueError("không hiểu giá trị có/không.")


def _vietnamese_labels(model: type[models.Model], name: str) -> list[tuple[str, str]]:
    """(value, Vietnamese label) of a field's choices: the files are read by their Vietnamese
    names, and the stored report names them in Vietnamese, whatever the user's language (the
    labels are translatable for the screen)."""
    f: Any = model._meta.get_field(name)
    with translation.override("vi"):
        return [(value, str(label)) for value, label in f.choices or []]


@lru_cache(maxsize=4096)
def _choice_index(model: type[models.Model], name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, label in _vietnamese_labels(model, name):
        out[fold(str(value))] = value
        out[fold(label)] = value
    return out


def choice_value(model: type[models.Model], name: str, raw: Any) -> str:
    index = _choice_index(model, name)
    value = index.get(fold(_unicode(as_text(raw))))
    if value is None:
        labels = ", ".join(label for _, label in _vietnamese_labels(model, name))
        raise ValueError(f"không thuộc các giá trị: {labels}.")
    return value


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- units --------------------------------------------------------------------------------------
class UnitResolver:
    """Unit codes and names → units of the target agency today.

    Order: the per-import unit mapping (old name or code → today's code), a unit of the target
    agency's tree by code, by folded name, then any unit (also a closed one) by code or name
    followed along its successor chain into the agency.
    """

    def __init__(self, root: Unit, allowed_ids: set[int], mapping: dict[str, str] | None):
        self.root = root
        self.allowed = allowed_ids
        units = list(Unit.objects.filter(subtree_q(root)).only("pk", "code", "name", "status"))
        self.by_code = {u.code.upper(): u for u in units if u.code}
        self.by_name: dict[str, Unit] = {}
        for u in units:
            if u.status == Unit.Status.ACTIVE:
                self.by_name.setdefault(fold(u.name), u)
        self.mapping = {fold(k): v for k, v in (mapping or {}).items()}
        self._cache: dict[str, Unit | None] = {}

    def resolve(self, raw: Any) -> Unit:
        text = clean_text(as_text(raw))
        if text in self._cache:
            unit = self._cache[text]
        else:
            unit = self._resolve(text)
            self._cache[text] = unit
        if unit is None:
            raise ValueError(f"không tìm thấy đơn vị “{text}” trong cây đơn vị của cơ quan.")
        if unit.pk not in self.allowed:
            raise ValueError(f"đơn vị “{text}” nằm ngoài phạm vi được phân quyền nhập.")
        return unit

    def _resolve(self, text: str) -> Unit | None:
        key = fold(text)
        mapped = self.mapping.get(key)
        if mapped:
            return self.by_code.get(mapped.strip().upper())
        unit = self.by_code.get(text.upper()) or self.by_name.get(key)
        if unit is not None and unit.status == Unit.Status.ACTIVE:
            return unit
        old = unit or (
            Unit.objects.filter(code__iexact=text).first()
            or Unit.objects.filter(name__iexact=text).first()
        )
        if old is None:
            return None
        ends = [u for u in successors(old) if u.code.upper() in self.by_code]
        return self.by_code[ends[0].code.upper()] if len(ends) == 1 else None


# -- places --------------------------------------------------------------------------------------
class PlaceCache:
    """Place texts resolved once per distinct text (as of the file's date when known)."""

    def __init__(self, as_of: date | None):
        self.as_of = as_of
        self._cache: dict[str, tuple[str, str, bool]] = {}

    def resolve(self, text: str) -> tuple[str, str, bool]:
        hit = self._cache.get(text)
        if hit is None:
            from orgtree.places import resolve_place

            res = resolve_place(text, self.as_of)
            hit = (
                (res.province or {}).get("code", ""),
                (res.commune or {}).get("code", ""),
                bool(res.needs_review),
            )
            self._cache[text] = hit
        return hit
