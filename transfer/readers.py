"""Reading spreadsheet files into rows, by what their bytes are (never their name):
.xlsx/.xls/.ods through python-calamine, HTML tables and XML Spreadsheet 2003 saved as .xls
through :mod:`.markup`, CSV/TSV/Excel "Unicode Text" (UTF-16) with encoding and delimiter
sniffing. A sheet that is one person's CV form (Mẫu 2C) is read as a table of one row
(:mod:`.forms`).

Every failure is a :class:`FileReadError` with a message for a person (the file is encrypted,
damaged, empty, too big, a cell is too long), never a stack trace.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from cbccvc.xlsx_safety import QUOTE, unsafe_cell

from .csv_text import decode_csv, drop_nul, legacy_codec, looks_utf16
from .markup import MarkupError, read_html, read_spreadsheetml, sniff_markup

#: Excel's own limit on a cell's text; a longer cell means a damaged or hostile file
MAX_CELL_CHARS = 32_767
#: the widest table the header search reads (to its last filled cell in the first rows): the
#: widest real HR list seen has ~250 columns; a sheet filled to 10,000 columns is damaged or
#: hostile, and searching its header held a web request for more than a minute
MAX_COLUMNS = 1_000
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


class FileReadError(ValueError):
    """A file that cannot be read; the message says why, in Vietnamese."""


def max_file_bytes() -> int:
    return int(getattr(settings, "CBCCVC_IMPORT_MAX_FILE_MB", 200)) * 1024 * 1024


@dataclass
class SheetData:
    name: str
    rows: Iterator[list[Any]]  # streaming: every row after the ones already in ``head``
    head: list[list[Any]] = field(default_factory=list)  # the first rows (header search)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    total: int = 0  # row count when known (progress), else 0
    #: what the report must say about how the sheet was read (a CSV's guessed encoding)
    notes: list[str] = field(default_factory=list)
    #: 1-based row number → a warning for that row (a CSV line read in a legacy encoding)
    row_notes: dict[int, str] = field(default_factory=dict)
    #: rows of the sheet above ``head`` (a table stacked below another on the same sheet)
    first_row: int = 0


def _check_cell(value: Any, sheet: str, row: int, col: int) -> Any:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise FileReadError(
            f"Trang “{sheet}”, dòng {row}, cột {col}: ô dài {len(value):,} ký tự, vượt giới "
            f"hạn {MAX_CELL_CHARS:,} ký tự của Excel: tệp hỏng hoặc không phải bảng tính."
        )
    return value


def _checked_rows(rows: Iterator[list[Any]], sheet: str, first: int) -> Iterator[list[Any]]:
    for n, row in enumerate(rows, start=first):
        for c, value in enumerate(row):
            if isinstance(value, str):
                if len(value) > MAX_CELL_CHARS:
                    _check_cell(value, sheet, n, c + 1)
                elif value[:1] == QUOTE:  # our exports quote text that looks like a formula
                    row[c] = unsafe_cell(value)
        yield row


def _split_head(sheet: str, rows: Iterator[list[Any]], n: int = 60) -> tuple[list, Iterator]:
    checked = _checked_rows(rows, sheet, 1)
    head = []
    for row in checked:
        head.append(row)
        width = _filled_width(row)
        if width > MAX_COLUMNS:
            raise FileReadError(
                f"Trang “{sheet}”, dòng {len(head)}: bảng có {width:,} cột có dữ liệu, vượt giới "
                f"hạn {MAX_COLUMNS:,} cột của một danh sách hồ sơ: hãy xoá các cột thừa rồi nhập "
                "lại."
            )
        if len(head) >= n:
            break
    return head, checked


def _filled_width(row: list[Any]) -> int:
    """The position of the row's last cell holding something (empty cells after it, as a
    sheet formatted to its last column has, do not count)."""
    for c in range(len(row) - 1, -1, -1):
        value = row[c]
        if value is not None and (not isinstance(value, str) or value.strip()):
            return c + 1
    return 0


def _looks_encrypted(path: Path) -> bool:
    with path.open("rb") as fh:
        start = fh.read(8)
        if start != OLE2_MAGIC:
            return False
        data = fh.read(4 * 1024 * 1024)
    # an Office file protected by a password is an OLE2 container with an EncryptionInfo
    # stream (xlsx) or a FILEPASS record (xls, reported by calamine's PasswordError)
    return "EncryptionInfo".encode("utf-16-le") in data


def check_file(path: Path) -> None:
    if not path.exists():
        raise FileReadError(f"Không tìm thấy tệp “{path.name}”.")
    size = path.stat().st_size
    if size == 0:
        raise FileReadError(f"Tệp “{path.name}” rỗng.")
    limit = max_file_bytes()
    if size > limit:
        raise FileReadError(
            f"Tệp “{path.name}” dung lượng {size / 1048576:.0f} MB, vượt giới hạn "
            f"{limit / 1048576:.0f} MB."
        )


def sniff_format(path: Path) -> str:
    """What a file is by its bytes, never by its name: "spreadsheet" (xlsx/xlsm/xlsb/ods zip
    or an OLE2 .xls), "html" (a web page's table saved as .xls), "spreadsheetml" (XML
    Spreadsheet 2003), "text" (CSV/TSV in any encoding, UTF-16 included) or "binary"."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith((ZIP_MAGIC, OLE2_MAGIC)):
        return "spreadsheet"
    markup = sniff_markup(head)
    if markup:
        return markup
    if looks_utf16(head) or b"\x00" not in head:
        return "text"
    return "binary"


def read_file(path: Path | str, display_name: str | None = None) -> list[SheetData]:
    """The sheets of a file, rows streamed, read as its content says (an .xls that is an
    HTML table or SpreadsheetML, a .txt that is UTF-16 tab-separated text …). Raises
    :class:`FileReadError`."""
    path = Path(path)
    name = display_name or path.name
    check_file(path)
    kind = sniff_format(path)
    if kind in ("html", "spreadsheetml"):
        sheets = read_markup(path, name, kind)
    elif kind == "text":
        return [read_csv(path, name)]
    else:  # a damaged file gets the spreadsheet reader's message
        sheets = read_spreadsheet(path, name)
    from .forms import read_form

    return [read_form(sheet) or sheet for sheet in sheets]  # a person's CV form: one row


def read_markup(path: Path, name: str, kind: str) -> list[SheetData]:
    raw = path.read_bytes()
    try:
        found = read_html(raw, Path(name).stem) if kind == "html" else read_spreadsheetml(raw)
    except MarkupError as exc:
        raise FileReadError(f"Không đọc được tệp “{name}”: {exc}.") from None
    sheets = []
    for sheet in found:
        if not any(any(v not in (None, "") for v in r) for r in sheet.rows):
            continue
        head, rest = _split_head(sheet.name, iter(sheet.rows))
        label = "bảng HTML" if kind == "html" else "XML Spreadsheet 2003"
        sheets.append(
            SheetData(
                sheet.name,
                rest,
                head,
                sheet.merged,
                total=max(len(sheet.rows) - len(head), 0),
                notes=[f"Tệp là {label} (lưu dưới tên “{name}”): đã đọc theo nội dung."],
            )
        )
    if not sheets:
        raise FileReadError(f"Tệp “{name}” không có bảng nào có dữ liệu.")
    return sheets


def read_spreadsheet(path: Path, name: str) -> list[SheetData]:
    import python_calamine as pc

    if _looks_encrypted(path):
        raise FileReadError(
            f"Tệp “{name}” được bảo vệ bằng mật khẩu (mã hóa): hãy mở bằng Excel, bỏ mật khẩu "
            "rồi tải lên lại."
        )
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise FileReadError(f"Tệp “{name}” được bảo vệ bằng mật khẩu.") from None
    except Exception as exc:
        raise FileReadError(
            f"Không đọc được tệp “{name}”: tệp hỏng hoặc không phải bảng tính Excel/ODS "
            f"({type(exc).__name__})."
        ) from None
    sheets: list[SheetData] = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet" and "WorkSheet" not in str(meta.typ):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            if sheet.height == 0:
                continue
            # calamine's rows start at the sheet's first row (empty rows above the data
            # included) but at its first used column: merged ranges are moved by columns only
            c_off = (sheet.start or (0, 0))[1]
            merged = []
            for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
                merged.append((r0, c0 - c_off, r1, c1 - c_off))
            head, rest = _split_head(meta.name, sheet.iter_rows())
            sheets.append(
                SheetData(meta.name, rest, head, merged, total=max(sheet.height - len(head), 0))
            )
    except FileReadError:
        raise
    except Exception as exc:
        raise FileReadError(
            f"Không đọc được tệp “{name}”: tệp hỏng ({type(exc).__name__})."
        ) from None
    if not sheets:
        raise FileReadError(f"Tệp “{name}” không có trang tính nào có dữ liệu.")
    return sheets


# -- CSV ----------------------------------------------------------------------------------------
def sniff_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1258 (Vietnamese Windows, with combining tones),
    else cp1252 (which is also how TCVN3/VNI bytes read; the legacy-text step converts them)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return legacy_codec(raw)


def _tabular_lines(sample: str) -> str:
    """The lines of a CSV sample that hold a separator: a title row above the table ("DANH
    SÁCH CÔNG CHỨC") must not make the sniffer miss ";"."""
    lines = [line for line in sample.splitlines() if any(d in line for d in ",;\t|")]
    return "\n".join(lines[:200]) or sample


_SEP_HINT = re.compile(r'^"?sep=(.)"?\s*$', re.IGNORECASE)


def csv_dialect(sample: str) -> Any:
    """The CSV dialect: Excel's "sep=;" first line when there is one, else the sniffer's
    guess over the lines that hold a separator, else the separator that splits the most of
    those lines into the same number of cells."""
    first = sample.split("\n", 1)[0].strip()
    hint = _SEP_HINT.match(first)
    if hint:
        return _with_delimiter(hint.group(1))
    lines = _tabular_lines(sample)
    try:
        return csv.Sniffer().sniff(lines, delimiters=",;\t|")
    except csv.Error:
        pass
    best, best_lines = ",", 0
    for d in ",;\t|":
        counts = [line.count(d) for line in lines.splitlines() if d in line]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if counts.count(common) > best_lines:
            best, best_lines = d, counts.count(common)
    return _with_delimiter(best)


def _with_delimiter(delimiter: str) -> Any:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


#: Excel's way of keeping a CSV cell as text ("=\"025085000123\"", the leading zero kept): the
#: formula's string is what Excel shows, so it is the cell's value
_EXCEL_TEXT = re.compile(r'^\s*="([^"]*)"\s*$')


def _excel_text(cell: str) -> str:
    if not cell.startswith(("=", " ")):
        return cell
    m = _EXCEL_TEXT.match(cell)
    return m.group(1) if m else cell


def read_csv(path: Path, name: str) -> SheetData:
    raw = path.read_bytes()
    if not raw.strip():
        raise FileReadError(f"Tệp “{name}” rỗng.")
    decoded = decode_csv(raw)  # the whole file: never a guess from a prefix
    text, nul_note = drop_nul(decoded.text)
    if nul_note:
        decoded.notes.append(nul_note)
    sample = text[:65536]
    dialect = csv_dialect(sample)
    csv.field_size_limit(MAX_CELL_CHARS + 1)
    reader = csv.reader(io.StringIO(text), dialect)

    row_notes: dict[int, str] = {}

    def rows() -> Iterator[list[Any]]:
        try:
            line = 0
            legacy = decoded.legacy_lines
            for number, row in enumerate(reader, start=1):
                if legacy:  # the physical lines of this record (a quoted cell may span lines)
                    for n in range(line + 1, reader.line_num + 1):
                        if n in legacy:
                            row_notes[number] = legacy[n]
                    line = reader.line_num
                yield [_excel_text(v) for v in row]
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise FileReadError(
                    f"Tệp “{name}”, dòng {reader.line_num}: một ô vượt giới hạn "
                    f"{MAX_CELL_CHARS:,} ký tự của Excel: tệp hỏng hoặc không phải bảng tính."
                ) from None
            raise FileReadError(
                f"Tệp “{name}”, dòng {reader.line_num}: sai định dạng CSV ({exc})."
            ) from None

    head, rest = _split_head(name, rows())
    if not any(any(str(v).strip() for v in r) for r in head):
        raise FileReadError(f"Tệp “{name}” không có dữ liệu.")
    return SheetData(
        Path(name).stem,
        rest,
        head,
        [],
        total=max(text.count("\n") - len(head), 0),
        notes=decoded.notes,
        row_notes=row_notes,
    )
