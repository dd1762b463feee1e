"""Spreadsheets that are markup: what web applications and old Excel versions save as ".xls".

* An **HTML table** ("Xuất Excel" of ASP.NET/PHP applications, government software above
  all): every ``<tr>`` of every ``<table>`` becomes a row, tables one below the other with an
  empty row between; ``rowspan``/``colspan`` become merged ranges (the value in the top-left
  cell, as a spreadsheet has it); ``<br>`` is a line break; character references are
  decoded; a nested table's rows are rows of their own (the cell holding it stays empty).
* An **XML Spreadsheet 2003** (SpreadsheetML, ``<Workbook xmlns="urn:schemas-microsoft-com:
  office:spreadsheet">``): ``ss:Index`` gaps, ``ss:MergeAcross``/``ss:MergeDown``, Number,
  DateTime, Boolean and String cells. A DOCTYPE or entity declaration is refused (no
  external entities, no entity expansion).

Both give lists of :class:`SheetRows` (name, rows, merged ranges) that :mod:`.readers` turns
into its ``SheetData``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_SS = "{" + SS_NS + "}"
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_MARKUP_START = re.compile(rb"^\s*<", re.DOTALL)


class MarkupError(ValueError):
    """A markup file that cannot be read safely; the message says why (Vietnamese)."""


@dataclass
class SheetRows:
    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1


def sniff_markup(head: bytes) -> str | None:
    """ "html" (a page holding a table), "spreadsheetml", or ``None``, from a file's first
    bytes (any BOM and leading white space skipped)."""
    text = _ascii_view(head)
    if not _MARKUP_START.match(text):
        return None
    lower = text.lower()
    if b"<workbook" in lower and SS_NS.encode() in lower:
        return "spreadsheetml"
    if b"<table" in lower or b"<html" in lower or b"<!doctype html" in lower:
        return "html"
    return None


def _ascii_view(head: bytes) -> bytes:
    """The bytes with a BOM removed and UTF-16 read as 8-bit (markup tags are ASCII)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head[2:].decode("utf-16-le" if head[:1] == b"\xff" else "utf-16-be",
                                   errors="ignore").encode("utf-8", errors="ignore")  # fmt: skip
        except LookupError:  # pragma: no cover - both codecs exist
            return head
    return head.removeprefix(b"\xef\xbb\xbf")


def decode_markup(raw: bytes) -> str:
    """The text of an HTML file: its BOM, else its declared charset, else UTF-8, else the
    legacy Vietnamese code page (as CSV files are read)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    declared = _CHARSET.search(raw[:4096])
    if declared:
        try:
            return raw.decode(declared.group(1).decode("ascii"), errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    from .csv_text import decode_csv

    return decode_csv(raw).text


# -- HTML ----------------------------------------------------------------------------------------
class _Table:
    def __init__(self, order: int) -> None:
        self.order = order  # tables in the order they open in the page
        self.rows: list[list[Any]] = []
        self.merged: list[tuple[int, int, int, int]] = []
        self.taken: set[tuple[int, int]] = set()
        self.row: int = -1
        self.col = 0
        self.cell: list[str] | None = None
        self.span = (1, 1)

    def start_row(self) -> None:
        self.end_cell()
        self.row += 1
        self.col = 0
        while len(self.rows) <= self.row:
            self.rows.append([])

    def start_cell(self, rowspan: int, colspan: int) -> None:
        self.end_cell()
        if self.row < 0:
            self.start_row()
        while (self.row, self.col) in self.taken:
            self.col += 1
        self.cell = []
        self.span = (rowspan, colspan)

    def end_cell(self) -> None:
        if self.cell is None:
            return
        text = " ".join(" ".join(self.cell).replace("\xa0", " ").split(" "))
        text = "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
        r, c = self.row, self.col
        rs, cs = self.span
        row = self.rows[r]
        row.extend([None] * (c + 1 - len(row)))
        row[c] = text or None
        for rr in range(r, r + rs):
            for cc in range(c, c + cs):
                self.taken.add((rr, cc))
        if rs > 1 or cs > 1:
            self.merged.append((r, c, r + rs - 1, c + cs - 1))
        self.col = c + cs
        self.cell = None


class _HTMLTables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Table] = []
        self.done: list[_Table] = []
        self.skip = 0  # inside <script>/<style>
        self.opened = 0

    @staticmethod
    def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
        for k, v in attrs:
            if k == name and v:
                try:
                    return max(1, min(int(v.strip()), 1000))
                except ValueError:
                    return 1
        return 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.stack.append(_Table(self.opened))
            self.opened += 1
        elif not self.stack:
            return
        elif tag == "tr":
            self.stack[-1].start_row()
        elif tag in ("td", "th"):
            self.stack[-1].start_cell(self._span(attrs, "rowspan"), self._span(attrs, "colspan"))
        elif tag == "br" and self.stack[-1].cell is not None:
            self.stack[-1].cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "table" and self.stack:
            table = self.stack.pop()
            table.end_cell()
            self.done.append(table)
        elif tag in ("td", "th") and self.stack:
            self.stack[-1].end_cell()
        elif tag in ("p", "div") and self.stack and self.stack[-1].cell is not None:
            self.stack[-1].cell.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip or not self.stack or self.stack[-1].cell is None:
            return
        self.stack[-1].cell.append(data)


def read_html(raw: bytes, name: str) -> list[SheetRows]:
    """The tables of an HTML page as one sheet named ``name``, tables stacked."""
    parser = _HTMLTables()
    parser.feed(decode_markup(raw))
    parser.close()
    while parser.stack:  # tables never closed
        table = parser.stack.pop()
        table.end_cell()
        parser.done.append(table)
    rows: list[list[Any]] = []
    merged: list[tuple[int, int, int, int]] = []
    for table in sorted(parser.done, key=lambda t: t.order):
        if not any(any(v not in (None, "") for v in r) for r in table.rows):
            continue
        if rows:
            rows.append([])
        base = len(rows)
        rows.extend(table.rows)
        merged.extend((r0 + base, c0, r1 + base, c1) for r0, c0, r1, c1 in table.merged)
    return [SheetRows(name, rows, merged)] if rows else []


# -- XML Spreadsheet 2003 --------------------------------------------------------------------------
def _refuse_entities(raw: bytes) -> None:
    root = raw.find(b"<Workbook")
    prolog = raw[: root if root >= 0 else 65536].upper()
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise MarkupError("tệp XML khai báo DOCTYPE/ENTITY: không được chấp nhận")


def _cell_value(kind: str, text: str) -> Any:
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "DateTime":
        try:
            value = datetime.fromisoformat(text.strip().rstrip("Z"))
        except ValueError:
            return text
        return value.date() if value.time() == datetime.min.time() else value
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text


def read_spreadsheetml(raw: bytes) -> list[SheetRows]:
    """The worksheets of an XML Spreadsheet 2003 file."""
    import xml.etree.ElementTree as ET

    _refuse_entities(raw)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise MarkupError(f"XML hỏng ({exc})") from None
    out: list[SheetRows] = []
    for ws in root.iter(_SS + "Worksheet"):
        name = ws.get(_SS + "Name") or f"Sheet{len(out) + 1}"
        rows: list[list[Any]] = []
        merged: list[tuple[int, int, int, int]] = []
        for table in ws.iter(_SS + "Table"):
            r = -1
            for row_el in table.iter(_SS + "Row"):
                index = row_el.get(_SS + "Index")
                r = int(index) - 1 if index and index.isdigit() else r + 1
                while len(rows) <= r:
                    rows.append([])
                row = rows[r]
                c = -1
                for cell in row_el.iter(_SS + "Cell"):
                    index = cell.get(_SS + "Index")
                    c = int(index) - 1 if index and index.isdigit() else c + 1
                    data = cell.find(_SS + "Data")
                    value = None
                    if data is not None:
                        value = _cell_value(
                            data.get(_SS + "Type") or "String", "".join(data.itertext())
                        )
                    row.extend([None] * (c + 1 - len(row)))
                    row[c] = value
                    across = int(cell.get(_SS + "MergeAcross") or 0)
                    down = int(cell.get(_SS + "MergeDown") or 0)
                    if across or down:
                        merged.append((r, c, r + down, c + across))
                    c += across
        out.append(SheetRows(name, rows, merged))
    return out
