"""Section rows that name a unit: the people below them belong to it.

Legacy lists group people under rows spanning the table: "II. Sở Y tế", "1. Phòng Tổ chức cán
bộ", "Phòng Tài chính - Kế hoạch", besides rows that only group ("I. KHỐI ĐẢNG, ĐOÀN THỂ",
"Công chức"). :class:`SectionUnits` follows them down a sheet (:meth:`SectionUnits.section`
with each section row, :meth:`SectionUnits.current` for each person below):

* the numbering says the nesting: Roman numerals ("I.", "II") above Arabic ("1.", "2)") above
  letters ("a)", "b."); an unnumbered unit row is the innermost; a new section closes those of
  its level and below; an unnumbered row in capitals that names no unit closes them all;
* a row names a unit when its text (numbering left out) is the name of a unit the importing
  user may import into, looked up first below the unit of the enclosing section, then below
  the job's unit, then in the whole scope, the first place with exactly one match deciding;
* a row that looks like a unit ("Phòng …", "Sở …", "Ban …", "Trung tâm …" …) but that no unit
  of the scope or several of them match is *unresolved*: the people below it are held with a
  problem that names the section row (:class:`Unresolved`), never put in some other unit;
  unless another row of the file brings the same person with a known unit: then the row is a
  repeat of that one (:mod:`.repeats`).

A person's own unit cell, when the sheet has one and it is filled, always wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from orgtree.models import Unit
from orgtree.text import fold

#: the column the unit of a section row is shown and held under (the profile's unit column
#: recognises it when a held row comes back)
UNIT_HEADER = "Đơn vị"

_ROMAN = re.compile(r"^([IVXL]{1,6})(?:[.):\-–]+\s*|\s+)(?=\S)")
_ARABIC = re.compile(r"^(\d{1,2})(?:\.\d{1,2})*(?:[.):\-–]+\s*|\s+)(?=\D)")
_LETTER = re.compile(r"^([a-zđ])[.)]\s*(?=\S)")
#: the first words of a unit's name (folded); words that also begin people's names (Trương,
#: Tô, Bàn, Vũ, Đoàn …) only with the word that makes them a unit
_UNIT_WORDS = re.compile(
    r"^(phong|so (?!luong|nguoi|\d)|van phong|uy ban|ubnd|hdnd|hoi dong|trung tam|chi cuc|"
    r"cuc|thanh tra|benh vien|tram y te|bo phan|chi nhanh|co quan|don vi|dang uy|"
    r"(huyen|tinh|thanh|quan|thi|xa|phuong) uy|(xa|phuong|thi tran|dac khu) \w+|"
    r"ban (to chuc|quan ly|tuyen giao|dan van|kiem tra|noi chinh|chi huy|dan toc|bao ve|"
    r"thi dua|ton giao|kinh te|phap che|van hoa)|"
    r"truong (thpt|thcs|tieu hoc|mam non|mau giao|dai hoc|cao dang|trung cap|chinh tri|"
    r"trung hoc|pho thong|boi duong))\b"
)
_TRAILER = re.compile(r"\s*(\(\s*\d+\s*(nguoi|ng)?\s*\)|:)\s*$")
_INNERMOST = 9


def _key(text: str) -> str:
    """A name folded, its punctuation and spacing ignored ("–" and "-", "," and none)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def split_numbering(text: str) -> tuple[int, str]:
    """(level, text without its numbering): Roman 1, Arabic 2, letter 3, none 0."""
    text = " ".join(text.split())
    for level, pattern in ((1, _ROMAN), (2, _ARABIC), (3, _LETTER)):
        m = pattern.match(text)
        if m:
            return level, text[m.end() :].strip()
    return 0, text


@dataclass(frozen=True)
class Unresolved:
    """A section row that looks like a unit no unit of the scope (or several) matches."""

    text: str
    row: int
    message: str


class SectionUnits:
    """The unit the section rows of one sheet put the people below them in."""

    def __init__(self, units: Callable[[], list[Unit]], allowed: set[int], target: Unit):
        """``units``: the units of the tree, read when the first section row needs them
        (a sheet without sections, the common case, costs nothing)."""
        self._units = units
        self._allowed = allowed
        self._index: tuple[dict[int, int | None], dict[str, list[Unit]]] | None = None
        self._target = target
        self._stack: list[tuple[int, Unit | Unresolved | None]] = []
        self._title: Unit | None = None  # the unit a title cell above the table names

    def _tree(self) -> tuple[dict[int, int | None], dict[str, list[Unit]]]:
        if self._index is None:
            units = self._units()
            by_key: dict[str, list[Unit]] = {}
            for u in units:
                if u.pk in self._allowed and u.status == Unit.Status.ACTIVE:
                    by_key.setdefault(_key(u.name), []).append(u)
            self._index = ({u.pk: u.parent_id for u in units}, by_key)
        return self._index

    def reset(self) -> None:
        """A new table: no section yet."""
        self._stack.clear()

    def current(self) -> Unit | Unresolved | None:
        for _level, state in reversed(self._stack):
            if state is not None:
                return state
        return self._title

    def title(self, name: str, row: int) -> Unit | Unresolved | None:
        """A title cell above the table that names the sheet's unit ("ĐƠN VỊ: Sở Nội vụ"): a
        unit it names exactly is the unit of every person of the sheet that neither their
        own unit cell nor a section row places; (the unit, or why none was taken)."""
        key = _key(_TRAILER.sub("", name).strip())
        found = self._lookup(key, name, row) if key else None
        if isinstance(found, Unit):
            self._title = found
        return found

    def section(self, text: str, row: int) -> Unit | Unresolved | None:
        """Read a section row; its unit (or why it has none; ``None``: a group, no unit)."""
        level, name = split_numbering(text)
        name = _TRAILER.sub("", name).strip()
        key = _key(name)
        found: Unit | Unresolved | None = None
        if key:
            found = self._lookup(key, name, row)
        if found is None:
            if level:
                self._close(level)
                self._stack.append((level, None))
            elif name and name == name.upper() and any(ch.isalpha() for ch in name):
                self._stack.clear()
                self._stack.append((0, None))
            return None
        self._close(level or _INNERMOST)
        self._stack.append((level or _INNERMOST, found))
        return found

    def _close(self, level: int) -> None:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()

    def _below(self, unit: Unit, root_pk: int) -> bool:
        parent = self._tree()[0]
        pk: int | None = unit.pk
        while pk is not None:
            if pk == root_pk:
                return True
            pk = parent.get(pk)
        return False

    def _lookup(self, key: str, name: str, row: int) -> Unit | Unresolved | None:
        matches = self._tree()[1].get(key, [])
        enclosing = next(
            (s for _level, s in reversed(self._stack) if isinstance(s, Unit)), self._title
        )
        for root in (enclosing, self._target, None):
            within = [u for u in matches if root is None or self._below(u, root.pk)]
            if len(within) == 1:
                return within[0]
            if len(within) > 1:
                names = ", ".join(f"{u.name} ({u.code})" for u in within[:5])
                return Unresolved(
                    name,
                    row,
                    _(
                        "dòng nhóm “%(name)s” (dòng %(row)s) khớp nhiều đơn vị: %(units)s; "
                        "hãy ghi mã đơn vị vào cột “%(column)s”."
                    )
                    % {"name": name, "row": row, "units": names, "column": UNIT_HEADER},
                )
        if not _UNIT_WORDS.match(_key(name)):
            return None  # a group ("Công chức", "KHỐI ĐẢNG"), not a unit
        return Unresolved(
            name,
            row,
            _(
                "dòng nhóm “%(name)s” (dòng %(row)s) không khớp đơn vị nào trong phạm vi nhập "
                "của bạn; hãy ghi mã đơn vị vào cột “%(column)s”."
            )
            % {"name": name, "row": row, "column": UNIT_HEADER},
        )


#: the labels of a title cell naming the sheet's unit ("ĐƠN VỊ: Sở Nội vụ", "Cơ quan, đơn vị:
#: …", "Đơn vị báo cáo: …"), folded; not "Đơn vị tính" (a unit of measure) nor the managing
#: authority ("Cơ quan, đơn vị có thẩm quyền quản lý …")
_TITLE_LABELS = frozenset(
    {"don vi", "co quan", "co quan don vi", "don vi cong tac", "don vi bao cao", "ten don vi",
     "ten co quan", "ten co quan don vi"}
)  # fmt: skip
_TITLE_SPLIT = re.compile(r"\s*[:：]\s*")


def title_unit_name(text: str) -> str | None:
    """The unit name a title cell above a table gives after its label ("ĐƠN VỊ: Sở Nội vụ" →
    "Sở Nội vụ"), ``None`` for any other cell."""
    parts = _TITLE_SPLIT.split(text.strip(), maxsplit=1)
    if len(parts) != 2 or _key(parts[0]) not in _TITLE_LABELS:
        return None
    return parts[1].strip() or None


def read_title_unit(
    sections: SectionUnits, rows: list[list[Any]], first_row: int, clean: Callable[[str], str]
) -> str:
    """The title cells above a people table (``rows``, the first at sheet row ``first_row`` +
    1) that name the sheet's unit, read into ``sections``; a note for the sheet when one names
    no unit of the scope (its people stay in the import's unit), else ""."""
    for i, row in enumerate(rows):
        for v in row:
            if not isinstance(v, str) or (":" not in v and "：" not in v):
                continue
            name = title_unit_name(clean(v))
            if name is None:
                continue
            found = sections.title(name, first_row + i + 1)
            if isinstance(found, Unit):
                return ""
            return _(
                "Dòng tiêu đề “%(text)s” (dòng %(row)s) ghi đơn vị không khớp đơn vị nào trong "
                "phạm vi nhập (hoặc khớp nhiều đơn vị): những người không có đơn vị riêng được "
                "nhập vào đơn vị đã chọn khi nhập."
            ) % {"text": clean(v), "row": first_row + i + 1}
    return ""


def section_text(cells: list[Any] | tuple[Any, ...]) -> str:
    """The text of a section row: its filled cells joined ("II" | "Phòng Nội vụ")."""
    parts = []
    for v in cells:
        if v is None:
            continue
        t = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
        if t:
            parts.append(t)
    return " ".join(parts)
