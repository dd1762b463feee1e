"""The per-file row limit (``CBCCVC_IMPORT_MAX_ROWS``), checked before any parsing.

:func:`.upload_checks.check_stored` (so every door: wizard, API, command, and the django-q2
task before it reads) counts the data rows of a stored file and refuses it once the count
passes the limit, without reading further:

* .xlsx/.xlsm: each worksheet's XML is inflated in 1 MB blocks and its ``<row>`` elements
  holding a value (``<v>`` or an inline string) counted; no cell is parsed, nothing is held;
* CSV/TSV/UTF-16 text: records counted by :mod:`csv` over the file streamed (bytes read as
  Latin-1, or UTF-16: quotes, separators and line ends are ASCII in every encoding we read);
* other formats (.xls, whose sheets hold at most 65,536 rows, .ods, .xlsb, HTML/XML tables):
  counted from the reader's rows, sheet by sheet, stopping at the limit.

A data row is a row holding something; each sheet's first such row (its header) does not
count. Title rows above a table do count (a few rows against a limit of 150,000). The limit is
on the whole file: the rows of every sheet are added up.

A file that cannot be read is not refused here: the import reports why (damaged, encrypted …).
"""

from __future__ import annotations

import csv
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .csv_text import looks_utf16
from .readers import (
    MAX_CELL_CHARS,
    ZIP_MAGIC,
    FileReadError,
    csv_dialect,
    read_file,
    sniff_format,
)
from .report import ImportError_

DEFAULT_MAX_ROWS = 150_000
_BLOCK = 1024 * 1024
#: bytes kept from one block to the next (longer than any row tag with its attributes): a tag
#: cut by the block's end is found whole in the next
_OVERLAP = 4096
#: a value: ``<v>`` or an inline string's ``<t>`` holding something (an empty string, a
#: formula without its result, an empty cell with a style are nothing)
_VALUE = re.compile(rb"<(?:\w{1,20}:)?[vt](?:\s[^>]{0,200})?>\s{0,200}[^<\s]")
_VALUE_TAG = 512  # longer than any match of _VALUE
#: a row's start tag, its namespace prefix (``<x:row>``) and attributes; once the first row
#: tells the prefix, that prefix's own pattern (a literal start: ~10× faster on 200 MB)
_ROW = re.compile(rb"<(\w{1,20}:)?row(?=[\s/>])([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SHEET_DATA_END = re.compile(rb"</(?:\w{1,20}:)?sheetData>")
_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_SEP_LINE = re.compile(r'^"?sep=.?"?\s*$', re.IGNORECASE)


class TooManyRows(ImportError_):
    """A file with more data rows than ``CBCCVC_IMPORT_MAX_ROWS``."""


def max_rows() -> int:
    return int(getattr(settings, "CBCCVC_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


class _Counter:
    """Data rows of a file, sheet by sheet; raises :class:`TooManyRows` at the first row
    over the limit."""

    def __init__(self, name: str, limit: int) -> None:
        self.name, self.limit = name, limit
        self.before = 0  # data rows of the sheets already counted
        self.filled = 0  # rows holding something on the current sheet (its header included)

    def sheet(self) -> None:
        self.before += max(self.filled - 1, 0)
        self.filled = 0

    def row(self, sheet: str, row: int | str) -> None:
        self.filled += 1
        if self.before + self.filled - 1 > self.limit:
            raise TooManyRows(
                _(
                    "Tệp “%(file)s” có hơn %(limit)s dòng dữ liệu (dòng dữ liệu thứ %(over)s ở "
                    "trang “%(sheet)s”, dòng %(row)s), vượt giới hạn %(limit)s dòng của một "
                    "tệp nhập. Hãy tách thành nhiều tệp nhỏ hơn (ví dụ mỗi đơn vị một tệp) rồi "
                    "nhập lần lượt, hoặc đề nghị quản trị hệ thống nâng giới hạn "
                    "(CBCCVC_IMPORT_MAX_ROWS). Chưa có gì được ghi."
                )
                % {
                    "file": self.name,
                    "limit": number_format(self.limit, force_grouping=True),
                    "over": number_format(self.limit + 1, force_grouping=True),
                    "sheet": sheet,
                    "row": number_format(int(row), force_grouping=True),
                }
            )


def check_row_limit(path: Path | str, name: str) -> None:
    """Refuse ``path`` (shown as ``name``) when it has more data rows than the limit."""
    path = Path(path)
    counter = _Counter(name, max_rows())
    kind = sniff_format(path)
    try:
        if kind == "text":
            _count_csv(path, name, counter)
            return
        if kind == "spreadsheet" and _count_xlsx(path, counter):
            return
        if kind in ("spreadsheet", "html", "spreadsheetml"):
            _count_read(path, name, counter)
    except (FileReadError, zipfile.BadZipFile, csv.Error, UnicodeError, OSError, KeyError):
        return  # not readable: the import says why


# -- .xlsx / .xlsm ------------------------------------------------------------------------------
def _count_xlsx(path: Path, counter: _Counter) -> bool:
    """Count an Office Open XML workbook's rows; False when the file is not one (another
    zipped format, or an OLE2 .xls)."""
    with path.open("rb") as fh:
        if fh.read(4) != ZIP_MAGIC:
            return False
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            return False
        for sheet, member in _worksheets(archive, names):
            counter.sheet()
            with archive.open(member) as part:
                _count_sheet_xml(_blocks(part), sheet, counter)
        counter.sheet()
    return True


def _blocks(part: Any) -> Iterator[bytes]:
    while block := part.read(_BLOCK):
        yield block


def _worksheets(archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, zip member) of each worksheet, in the workbook's order; every
    xl/worksheets/*.xml when the workbook's relationships cannot be followed."""
    rels_name = "xl/_rels/workbook.xml.rels"
    found: list[tuple[str, str]] = []
    if rels_name in names:
        targets: dict[str, str] = {}
        rels = archive.read(rels_name).decode("utf-8", "replace")
        for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
            attrs = dict(_ATTR.findall(tag))
            if attrs.get("Type", "").endswith("/worksheet"):
                target = html.unescape(attrs.get("Target", ""))
                if target.startswith("/"):
                    member = target.lstrip("/")
                else:
                    member = posixpath.normpath(posixpath.join("xl", target))
                targets[attrs.get("Id", "")] = member
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
            attrs = {k.split(":")[-1]: v for k, v in _ATTR.findall(tag)}
            sheet = targets.get(attrs.get("id", ""), "")
            if sheet in names:
                found.append((html.unescape(attrs.get("name", sheet)), sheet))
    if not found:
        pattern = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
        found = [(posixpath.basename(n)[:-4], n) for n in sorted(names) if pattern.match(n)]
    return found


def _count_sheet_xml(blocks: Iterable[bytes], sheet: str, counter: _Counter) -> None:
    """Count the ``<row>`` elements holding a value, streaming: a row's value may come in a
    later block than its start tag, a tag may be cut by a block's end."""
    buf = b""
    in_row = has_value = False
    number = b"0"
    pos = 0  # where the open row's content (or what is not read yet) starts in ``buf``
    row_tag = _ROW
    for block in _with_end(blocks):
        buf = buf[pos:] + block
        pos = 0
        if row_tag is _ROW and (first := _ROW.search(buf)):
            prefix = re.escape(first.group(1) or b"")
            row_tag = re.compile(b"<(" + prefix + rb")row(?=[\s/>])([^>]*)>")
        # what starts after ``last`` waits for the next block (the end: b"", read it all)
        last = len(buf) - _OVERLAP if block else len(buf)
        if not block:  # the open row ends where the sheet's data does
            end = _SHEET_DATA_END.search(buf)
            last = end.start() if end else last
        for m in row_tag.finditer(buf, 0, len(buf) if block else last):
            if m.start() >= last:
                break
            if in_row and (has_value or _VALUE.search(buf, pos, m.start())):
                counter.row(sheet, number.decode())
            in_row, has_value, pos = True, False, m.end()
            attrs = m.group(2)
            r = _ROW_NUMBER.search(attrs)
            number = r.group(1) if r else str(int(number) + 1).encode()
            if attrs.rstrip().endswith(b"/"):  # <row r="5"/>: an empty row
                in_row = False
        if in_row and not has_value:
            has_value = _VALUE.search(buf, pos, last) is not None
        # a value tag cut at ``last`` is read again whole from the next buffer (a row tag
        # before ``last`` was read: ``pos`` is past it)
        pos = max(pos, last - _VALUE_TAG)
    if in_row and has_value:
        counter.row(sheet, number.decode())


def _with_end(blocks: Iterable[bytes]) -> Iterator[bytes]:
    yield from blocks
    yield b""


# -- CSV ----------------------------------------------------------------------------------------
def _count_csv(path: Path, name: str, counter: _Counter) -> None:
    with path.open("rb") as raw:
        head = raw.read(65536)
        raw.seek(0)
        if looks_utf16(head[:2048]):
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                codec = "utf-16"
            else:
                odd_zeros = head[1:2048:2].count(0) >= head[0:2048:2].count(0)
                codec = "utf-16-le" if odd_zeros else "utf-16-be"
        else:  # every byte one character; quotes, separators and line ends are ASCII
            codec = "latin-1"
        text = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline="")
        sample = head.decode(codec, errors="replace")
        csv.field_size_limit(MAX_CELL_CHARS + 1)
        reader = csv.reader(text, csv_dialect(sample))
        sheet = Path(name).stem
        counter.sheet()
        for number, row in enumerate(reader, start=1):
            if number == 1 and len(row) == 1 and _SEP_LINE.match(row[0]):
                continue  # Excel's "sep=;" line
            if any(cell.strip() for cell in row):
                counter.row(sheet, reader.line_num)
        counter.sheet()


# -- the other formats, from the reader's rows ------------------------------------------------
def _count_read(path: Path, name: str, counter: _Counter) -> None:
    for sheet in read_file(path, name):
        counter.sheet()
        first = sheet.first_row
        for n, row in enumerate(_all_rows(sheet.head, sheet.rows), start=first + 1):
            if any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
                counter.row(sheet.name, n)
    counter.sheet()


def _all_rows(head: list[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from head
    yield from rest
