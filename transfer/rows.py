"""The rows of a recognised table: layout rows told from people, composite columns assembled,
and what a citizen ID says about its holder.

* :class:`RowSorter` tells the rows that are part of the sheet's layout, not people: the row of
  column numbers under the header ("1 2 3 …", "(1) (2)"), group and section rows ("I. KHỐI
  ĐẢNG, ĐOÀN THỂ", "Phòng Nội vụ"), subtotal rows ("Tổng cộng"), a repeated header, a second
  header line under the header that names the same columns again (a template's row of field
  codes "HO_TEN", "NGAY_SINH"), the rest of a person's cells wrapped into the next row (text
  only right of the name column: the end of a long post or note, never a section) and the
  signature footer ("Người lập biểu", "(Ký, ghi rõ họ tên)", a name without an ID, the
  place-and-date line), a template's description and example rows left above the people
  ("Bắt buộc" | "dd/mm/yyyy", "Ví dụ" | "Nguyễn Văn A"). They are
  reported as skipped with their row numbers, never as people and never as errors. A row that
  carries a person's data (a birth date, a sex, an ID cell, many cells) is never skipped: when
  it cannot be imported it is reported with its problems.
* :func:`assemble` reads the composite columns of :mod:`.headers` into one value each: among
  them the name and the birth date of one cell ("Nguyễn Văn An\n15/03/1985",
  :func:`split_name_and_date`) and the report forms' lone "Nữ" tick column (a tick, "x" or
  "√", is a woman, none a man).
* :func:`cccd_facts` and :func:`complete_person`: the 12-digit personal ID's 4th digit gives the
  sex and century, its 5th–6th digits the year of birth; a missing sex or birth date is derived
  from them (with a warning), a contradiction is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from orgtree.text import fold

from .header_words import header_keys
from .headers import Composite, TableMatch

#: why a row was skipped, as the report says it
LAYOUT_LABELS = {
    "column_numbers": "Dòng đánh số thứ tự cột",
    "section": "Dòng tiêu đề nhóm, khối, phòng ban",
    "subtotal": "Dòng cộng, tổng số",
    "footer": "Phần ký tên cuối bảng",
    "header_repeat": "Dòng tên cột lặp lại",
    "continuation": "Dòng viết tiếp các ô của người ở dòng trên",
    "template_hint": "Dòng hướng dẫn hoặc dòng ví dụ của biểu mẫu",
}

_NUMBER_CELL = re.compile(r"^[(\[]?\s*(\d{1,3}|[a-zA-Z])\s*[)\]]?$")
_FORMULA_CELL = re.compile(r"^[(\[]?\s*\d{1,3}(\s*[=+\-x*/]\s*\d{1,3})+\s*[)\]]?$")
_SUBTOTAL = re.compile(
    r"^(tong cong|tong so|cong|tong)(\s*[:.(]|\s*$|\s+\d|\s+(toan|cac|chung|khoi|phong|muc))"
)
_FOOTER = re.compile(
    r"nguoi lap|ky,? ghi ro|ky ten|ky va ghi|dong dau|thu truong|xac nhan|giam doc|chu tich"
    r"|truong phong|noi nhan|\bkt\b|\btm\b|\bq\b|ngay\s*[.…_]*\s*\d*\s*thang"
)
#: the place-and-date line above the signatures ("Phú Thọ, ngày 15 tháng 3 năm 2024",
#: "ngày … tháng … năm 20…"), alone in its row (folded: no comma; "Sinh ngày …" is no such line)
_PLACE_DATE = re.compile(
    r"^(?:(?![a-z ]*\bsinh\b)[a-z ]+\s)?ngay\s*[.…_\d]*\s*thang\s*[.…_\d]*\s*nam\s*[.…_\d]*$"
)
#: a template's example row: what its first cell says ("Ví dụ", "VD:", "Mẫu", "Example")
_EXAMPLE = re.compile(r"^(?:vi du|vd|mau|dong mau|example|e\.g)\s*[:.]?$")
#: a template's description row under its header: how each column is to be filled (folded)
_HINT = re.compile(
    r"\bbat buoc\b|\bchu so\b|\bky tu\b|dd\s*/\s*mm|mm\s*/\s*yyyy|\bdinh dang\b"
    r"|\btheo danh muc\b|\bhoac\b|\bkhong bat buoc\b|\bghi theo\b"
)
_MARK_EMPTY = {"", "0", "-", "không", "khong"}
_TICKS = frozenset("√✓✔☑☒✗✘×•●■+*")


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def digits_in(v: Any) -> int:
    if isinstance(v, bool):
        return 0
    if isinstance(v, (int, float)):
        return len(str(int(v))) if float(v).is_integer() else 0
    return sum(ch.isdigit() for ch in str(v))


class RowSorter:
    """Tells layout rows from rows of people, row by row down one table."""

    def __init__(self, match: TableMatch, header_rows: Sequence[Sequence[Any]] = ()):
        self.pid_cols = [c for c, f in match.columns.items() if f == "personal_id"]
        # the cells that make a row a person's: an ID or a date (with digits), a short sex
        person_fields = {"date_of_birth", "sex", "personal_id", "old_id_number"}
        cols = [c for c, f in match.columns.items() if f in person_fields]
        for comp in match.composites:
            if comp.field in person_fields:
                cols.extend(comp.sources)
        self.person_cols = sorted(set(cols))
        self.sex_cols = {c for c, f in match.columns.items() if f == "sex"}
        self.mapped = set(match.columns) | {c for comp in match.composites for c in comp.sources}
        self.match = match
        # the name's column (the first of its parts): text only right of it, below a person,
        # continues that person's cells
        names = [c for c, f in match.columns.items() if f == "full_name"]
        names += [c for comp in match.composites if comp.field == "full_name" for c in comp.sources]
        self.name_col = min(names) if names else None
        self.data_seen = False
        self.footer_seen = False
        self.header_keys = {
            header_keys(str(c))[1] for r in header_rows for c in r if not _empty(c)
        } - {""}

    def layout(self, cells: Sequence[Any]) -> str | None:
        """The kind of layout row (a key of :data:`LAYOUT_LABELS`), or ``None`` for data."""
        kind = self._layout(cells)
        if kind is None:
            self.data_seen = True
        return kind

    def _layout(self, cells: Sequence[Any]) -> str | None:
        width = len(cells)
        if not self.data_seen and self._template_hint(cells):
            return "template_hint"
        for c in self.pid_cols:  # the fast path: an ID of nine digits or more is a person
            if c < width and digits_in(cells[c]) >= 9:
                return None
        filled = [(c, v) for c, v in enumerate(cells) if not _empty(v)]
        if not filled:
            return None
        texts = [
            str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
            for _, v in filled
        ]
        if len(texts) == 1 and _PLACE_DATE.match(" ".join(fold(texts[0]).split())):
            self.footer_seen = True
            return "footer"
        if len(filled) >= 2 and all(_NUMBER_CELL.match(t) or _FORMULA_CELL.match(t) for t in texts):
            if not self.footer_seen and self._numbering(filled):
                return "column_numbers"
        folded = [fold(t) for t in texts if not _NUMBER_CELL.match(t)]
        if self.header_keys and len(filled) >= 3:
            same = sum(1 for t in texts if header_keys(t)[1] in self.header_keys)
            if same * 2 >= len(filled):
                return "header_repeat"
        if not self.data_seen and len(filled) >= 2 and self._names_same_columns(cells):
            return "header_repeat"
        if folded and _SUBTOTAL.match(folded[0]):
            return "subtotal"
        person_like = (
            any(c < width and self._personal(c, cells[c]) for c in self.person_cols)
            or sum(1 for c, _ in filled if c in self.mapped) >= 4
        )
        if person_like:
            return None
        if any(_FOOTER.search(t) for t in folded):
            self.footer_seen = True
            return "footer"
        if self.footer_seen:
            return "footer"
        if self.data_seen and self.name_col is not None and filled[0][0] > self.name_col:
            return "continuation"
        if len(filled) <= 3:
            return "section"
        return None

    def _template_hint(self, cells: Sequence[Any]) -> bool:
        """A template's rows left above the people: its example row ("Ví dụ" | "Nguyễn Văn
        A" | …, told by its first cell) and its description row ("Bắt buộc" | "dd/mm/yyyy" |
        "12 chữ số", two cells or more saying how to fill a column and no whole ID)."""
        texts = [str(v).strip() for v in cells if isinstance(v, str) and v.strip()]
        first = next((v for v in cells if not _empty(v)), None)
        if isinstance(first, str) and _EXAMPLE.match(" ".join(fold(first).split())):
            return True
        if any(c < len(cells) and digits_in(cells[c]) >= 9 for c in self.pid_cols):
            return False
        return sum(1 for t in texts if _HINT.search(fold(t))) >= 2

    def _names_same_columns(self, cells: Sequence[Any]) -> bool:
        """A row under the header, before any person, that is a header naming some of the
        same fields in the same columns (a row of field codes, the English names)."""
        return same_columns(self.match, cells)

    def _personal(self, c: int, v: Any) -> bool:
        if _empty(v):
            return False
        if c in self.sex_cols:
            return len(str(v).strip()) <= 5
        return digits_in(v) > 0

    @staticmethod
    def _numbering(filled: list[tuple[int, Any]]) -> bool:
        """Cells numbered along the columns: "1 2 3", "(1) (2)", "A B C", "4=2+3"."""
        if len(filled) < 3:
            return False
        numbers = []
        for _, v in filled:
            t = str(v).strip().strip("()[] ")
            if t.isdigit():
                numbers.append(int(t))
            elif isinstance(v, float) and v.is_integer():
                numbers.append(int(v))
        if len(numbers) >= 3:
            rising = sum(1 for a, b in pairwise(numbers) if b > a)
            return rising * 2 >= len(numbers) - 1
        return True  # letters and formulas only


def same_columns(match: TableMatch, cells: Sequence[Any]) -> bool:
    """Whether ``cells`` read as a header name two of ``match``'s fields or more, each in the
    column ``match`` has it in, and no field in a column ``match`` gives another field or
    has that field elsewhere."""
    texts = [v for v in cells if isinstance(v, str) and v.strip()]
    if len(texts) < 2 or any(sum(ch.isdigit() for ch in t) >= 6 for t in texts):
        return False
    from .headers import recognise_table

    found = recognise_table([list(cells)], specs=[match.spec], without=frozenset(match.missing))
    if found is None or found.composites:
        return False
    placed = {f: c for c, f in match.columns.items()}
    agree = 0
    for c, f in found.columns.items():
        if match.columns.get(c) == f:
            agree += 1
        elif c in match.columns or f in placed:
            return False
    return agree >= 2


def is_mark(v: Any) -> bool:
    if _empty(v):
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    folded = fold(str(v))
    if not folded:  # a tick symbol the folding drops ("√", "✓", "✔", "☑")
        return any(ch in _TICKS for ch in str(v))
    return folded not in _MARK_EMPTY


def assemble(composites: Sequence[Composite], cells: Sequence[Any]) -> tuple[list[Any], list[str]]:
    """The value of each composite column of a row (in order) and the conflicts found."""
    width = len(cells)
    out: list[Any] = []
    notes: list[str] = []
    for comp in composites:
        values = [cells[c] if c < width else None for c in comp.sources]
        kind = comp.kind
        if kind in ("dob_by_sex", "sex_of_dob"):
            filled = [i for i, v in enumerate(values) if not _empty(v)]
            if not filled:
                out.append(None)
                continue
            i = filled[0]
            if len(filled) > 1 and kind == "dob_by_sex":
                notes.append(
                    f"{comp.header}: có ngày sinh ở cả cột Nam và cột Nữ; lấy cột {comp.labels[i]}."
                )
            out.append(values[i] if kind == "dob_by_sex" else comp.labels[i])
        elif kind == "sex_marks":
            marked = [i for i, v in enumerate(values) if is_mark(v)]
            if len(marked) > 1:
                notes.append(f"{comp.header}: đánh dấu cả Nam và Nữ.")
            out.append(comp.labels[marked[0]] if len(marked) == 1 else None)
        elif kind == "female_mark":  # "Trong đó: Nữ": a tick is a woman, none a man
            v = values[0]
            out.append(None if digits_in(v) >= 6 else "Nữ" if is_mark(v) else "Nam")
        elif kind == "name_and_date":
            name, born = split_name_and_date(values[0])
            out.append(name if comp.labels[0] == "name" else born)
        elif kind == "name_parts":
            parts = [str(v).strip() for v in values if not _empty(v)]
            out.append(" ".join(parts) or None)
        elif kind == "date_parts":
            out.append(date_from_parts(comp.labels, values))
        elif kind == "address_parts":
            parts = [
                str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
                for v in values
                if not _empty(v)
            ]
            out.append(", ".join(parts) or None)
        else:  # fallback: the first non-empty column
            out.append(next((v for v in values if not _empty(v)), None))
    return out, notes


_DATE_START = re.compile(r"(?:\bx{1,2}\s*[/.\-]\s*)*\d")
_DATE_WORDS = frozenset({"sinh", "ngay", "nam", "ns", "sn", "thang"})
#: words that may end the name before its date, in lower case ("An sinh ngày 15/3/1985");
#: capitalised they may be a name ("Nguyễn Văn Nam 1985") unless a separator comes first
_LOWER_DATE_WORDS = frozenset({"sinh", "ngày", "năm", "ns", "sn", "tháng"})


def split_name_and_date(value: Any) -> tuple[str | None, Any]:
    """(the name, the birth date as written) of a cell holding both: "Nguyễn Văn An\n15/03/1985",
    "Nguyễn Văn An (1985)", "Nguyễn Văn An, Sinh ngày: 15/3/1985"; a date cell gives no name."""
    if _empty(value):
        return None, None
    if not isinstance(value, str):
        return None, value
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > 1:
        named = [line for line in lines if not any(ch.isdigit() for ch in line)]
        dated = [line for line in lines if any(ch.isdigit() for ch in line)]
        if named and dated:
            return _name_before_date(" ".join(named)), " ".join(dated)
    text = " ".join(value.split())
    m = _DATE_START.search(text)
    if m is None:
        return text, None
    return _name_before_date(text[: m.start()]) or None, text[m.start() :].strip(" ()[]")


def _name_before_date(text: str) -> str:
    """The name without the words and separators that lead to its date."""
    text = text.strip(" ,;:-–([")
    cut = max(text.rfind(sep) for sep in (",", ";", ":", " - ", " – ", "("))
    if cut > 0 and all(w in _DATE_WORDS for w in fold(text[cut:]).strip(" ,;:-–(").split()):
        text = text[:cut]
    words = text.split()
    while words and words[-1].strip(".:") in _LOWER_DATE_WORDS:
        words.pop()
    return " ".join(words).strip(" ,;:-–([")


def _part(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def date_from_parts(labels: Sequence[str], values: Sequence[Any]) -> str | None:
    """ "d/m/yyyy", "m/yyyy" or "yyyy" from the "Ngày" | "Tháng" | "Năm" cells of a row, for
    the date parser to read (and refuse with the original parts when they make no date)."""
    got = {label: _part(v) for label, v in zip(labels, values, strict=False) if not _empty(v)}
    if not got:
        return None
    year = got.get("nam", "")
    if "ngay" in got and "thang" in got:
        return f"{got['ngay']}/{got['thang']}/{year}"
    if "thang" in got:
        return f"{got['thang']}/{year}"
    return year or "/".join(got.values())


_ID_THEN_TEXT = re.compile(
    r"^\s*'?((?:\d[\s.\-]?){8,11}\d)\s*(?:[,;(/]|\s(?=\D))\s*(.*\S)\s*$", re.S
)


def split_id_cell(raw: Any) -> tuple[Any, str]:
    """A personal ID followed in the same cell by what the 2C form puts beside it ("Số CMND/
    CCCD, ngày cấp, nơi cấp": "025085012345, 01/01/2021, Cục CS QLHC"): (the ID, the rest);
    (the cell, "") for anything else. Only a 9- or 12-digit number is taken."""
    if not isinstance(raw, str):
        return raw, ""
    m = _ID_THEN_TEXT.match(raw)
    if m is None:
        return raw, ""
    digits = sum(ch.isdigit() for ch in m.group(1))
    if digits not in (9, 12) or not any(ch.isalpha() or ch in "/" for ch in m.group(2)):
        return raw, ""
    return m.group(1), m.group(2)


# -- the citizen ID ----------------------------------------------------------------------------
_CENTURY = {
    0: 1900,
    1: 1900,
    2: 2000,
    3: 2000,
    4: 2100,
    5: 2100,
    6: 2200,
    7: 2200,
    8: 1800,
    9: 1800,
}
SEX_NAMES = {"1": "Nam", "2": "Nữ"}


def cccd_facts(pid: str) -> tuple[str, int] | None:
    """(sex code "1" male / "2" female, year of birth) from a 12-digit personal ID."""
    if len(pid) != 12 or not pid.isdigit():
        return None
    digit = int(pid[3])
    return ("1" if digit % 2 == 0 else "2"), _CENTURY[digit] + int(pid[4:6])


def plausible_cccd(pid: str, provinces: set[str] | None = None) -> bool:
    """A 12-digit ID whose first three digits are a province code (when the list is known)."""
    if len(pid) != 12 or not pid.isdigit():
        return False
    return provinces is None or pid[:3] in provinces


def complete_person(values: dict[str, Any], sex_header: str, dob_header: str) -> list[str]:
    """Fill a missing sex or birth date from the personal ID; the warnings to report."""
    facts = cccd_facts(values.get("personal_id") or "")
    if facts is None:
        return []
    sex, year = facts
    warnings: list[str] = []
    given = values.get("sex") or ""
    if not given:
        values["sex"] = sex
        warnings.append(
            f"{sex_header}: không có, lấy theo chữ số thứ 4 của số định danh ({SEX_NAMES[sex]})."
        )
    elif given in SEX_NAMES and given != sex:
        warnings.append(
            f"{sex_header} “{SEX_NAMES[given]}” mâu thuẫn với chữ số thứ 4 của số định danh "
            f"({SEX_NAMES[sex]}): giữ giá trị trong tệp, cần kiểm tra."
        )
    if values.get("date_of_birth") is None:
        values["date_of_birth"] = date(year, 1, 1)
        values["birth_date_precision"] = "year"
        warnings.append(
            f"{dob_header}: không có hoặc không đọc được, lấy năm sinh {year} theo số định danh."
        )
    return warnings


def fix_personal_id(
    pid: str, provinces: set[str], numeric: bool, born: date | None = None
) -> tuple[str, str]:
    """A personal ID stored as a number loses its leading zeros (11 or 10 digits left): padded
    back when the result is a valid CCCD (a province code first; the century digit and year
    digits agreeing with the birth date when it is known). An ID typed as text with a digit
    missing is padded only when the birth date confirms it. (ID, warning or "")."""
    if not (pid.isdigit() and len(pid) in (10, 11)):
        return pid, ""
    padded = pid.zfill(12)
    if padded[:3] not in provinces:
        return pid, ""
    facts = cccd_facts(padded)
    agrees = born is not None and facts is not None and facts[1] == born.year
    if not (agrees or (numeric and born is None)):
        return pid, ""
    return padded, (
        f"Số định danh “{pid}” chỉ có {len(pid)} chữ số (Excel lưu dạng số, bỏ số 0 ở đầu): "
        f"đã thêm thành “{padded}”."
    )


#: headers of row-number columns: not kept as extra data
ROW_NUMBER_KEYS = {"stt", "tt", "sott", "sothutu", "thutu", "so"}
#: the columns the holding area's workbook adds ("Mã dòng chờ", "Lý do", see .holding):
#: recognised and ignored, never kept as extra data
HOLDING_KEYS = frozenset({"madongcho", "lydo"})


def extra_columns(match: TableMatch) -> list[tuple[int, str]]:
    """The columns no field takes whose values are kept as the source's extra data."""
    return [
        (c, h) for c, h in sorted(match.unknown_columns.items())
        if header_keys(h)[1] not in ROW_NUMBER_KEYS | HOLDING_KEYS
    ]  # fmt: skip
