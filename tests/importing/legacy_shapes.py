"""Legacy exports of shapes the import has never been written against, with their truth.

Each builder writes one file as old HR software and provincial offices write them (letterheads,
column-number rows, group and subtotal rows, signature footers, multi-row merged headers,
annotated and abbreviated headers, TCVN3/VNI/NFD text, serial dates, numbers for IDs …) and
returns a :class:`Shape`: the people in it (name, birth date and precision, sex), the row
numbers of the layout rows the import must skip, and the rows it must refuse with the columns
of every problem they have.

The .xls (BIFF8) shape is written with xlwt, as the old HR software of the 2000s wrote its
files (python-calamine reads it).
"""

from __future__ import annotations

import csv
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from transfer.legacy_text import from_unicode

_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
_MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu"]
_MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh", "Kim"]
_GIVEN = ["Hưng", "Thảo", "Dũng", "Hương", "Tuấn", "Yến", "Khải", "Nguyệt", "Lượng", "Ánh"]


@dataclass
class Person:
    pid: str
    name: str
    dob: date
    female: bool
    precision: str = "day"

    @property
    def family(self) -> str:
        return self.name.rsplit(" ", 1)[0]

    @property
    def given(self) -> str:
        return self.name.rsplit(" ", 1)[1]

    @property
    def sex_word(self) -> str:
        return "Nữ" if self.female else "Nam"


@dataclass
class Shape:
    name: str
    path: Path
    people: list[Person]  # every person the file holds (none may be lost)
    layout_rows: dict[str, set[int]] = field(default_factory=dict)  # sheet → rows to skip
    #: (sheet, row) → the columns (as the report names them) of every problem of a refused row
    bad_rows: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    #: the people whose sex or birth date the file lacks (derived from the ID, with a warning)
    derived: set[str] = field(default_factory=set)
    kept: dict[str, str] = field(default_factory=dict)  # pid → an original text kept
    unrecognised_sheets: set[str] = field(default_factory=set)  # reported, not read


def people(n: int, start: int, born: int = 1975) -> list[Person]:
    out = []
    for i in range(n):
        k = start + i
        female = k % 2 == 1
        middle = (_MIDDLE_F if female else _MIDDLE_M)[k % 5]
        name = f"{_FAMILY[k % 10]} {middle} {_GIVEN[(k * 3) % 10]}"
        dob = date(born + k % 20, 1 + k % 12, 1 + (k * 7) % 28)
        pid = f"025{1 if female else 0}{dob.year % 100:02d}{k:06d}"
        out.append(Person(pid, name, dob, female))
    return out


def dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def excel_serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


# -- writers -----------------------------------------------------------------------------------
def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]]):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for rng in merges.get(name, []):
            ws.merge_cells(rng)
    wb.save(path)


def write_xls(path: Path, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]]):
    """BIFF8 through xlwt: ``date`` cells as real date cells (a number with a date format),
    merges given as "A2:A3" ranges."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, date):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v)
        for rng in merges.get(name, []):
            first, last = rng.split(":")
            (c1, r1), (c2, r2) = _cell_ref(first), _cell_ref(last)
            ws.merge(r1, r2, c1, c2)
    book.save(str(path))


def _cell_ref(ref: str) -> tuple[int, int]:
    """(column, row), 0-based, of "B3"."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch.upper()) - 64
    return col - 1, int(ref[len(letters) :]) - 1


def write_ods(path: Path, sheets: dict[str, list[list[Any]]]) -> None:
    """A minimal OpenDocument spreadsheet (no library writes .ods here)."""
    body = []
    for name, rows in sheets.items():
        body.append(f'<table:table table:name="{escape(name)}">')
        for row in rows:
            body.append("<table:table-row>")
            for v in row:
                if v is None or v == "":
                    body.append("<table:table-cell/>")
                elif isinstance(v, (int, float)):
                    body.append(
                        f'<table:table-cell office:value-type="float" office:value="{v}">'
                        f"<text:p>{v}</text:p></table:table-cell>"
                    )
                else:
                    body.append(
                        '<table:table-cell office:value-type="string">'
                        f"<text:p>{escape(str(v))}</text:p></table:table-cell>"
                    )
            body.append("</table:table-row>")
        body.append("</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(body) + "</office:spreadsheet>"
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258_tones(text: str) -> str:
    """Text as Windows-1258 writes it: base letters precomposed (â, ư …), tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + tones)
    return "".join(out)


def write_csv(path: Path, rows: list[list[Any]], encoding: str, delimiter: str) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(
            [["" if v is None else v for v in r] for r in rows]
        )


LETTERHEAD = [
    ["UBND HUYỆN THANH SƠN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["PHÒNG NỘI VỤ", None, None, "Độc lập - Tự do - Hạnh phúc"],
    [],
    ["DANH SÁCH CÁN BỘ, CÔNG CHỨC NĂM 2024"],
]
FOOTER = [
    [],
    [None, "Người lập biểu", None, None, "Thủ trưởng đơn vị"],
    [None, "(Ký, ghi rõ họ tên)", None, None, "(Ký tên, đóng dấu)"],
    [],
    [None, "Nguyễn Thị Lập"],
]


class Grid:
    """Rows written one by one, remembering which row number each person and layout row got."""

    def __init__(self, rows: list[list[Any]] | None = None):
        self.rows: list[list[Any]] = [list(r) for r in rows or []]
        self.layout: set[int] = set()

    def add(self, row: list[Any], layout: bool = False) -> int:
        self.rows.append(list(row))
        n = len(self.rows)
        if layout:
            self.layout.add(n)
        return n

    def footer(self) -> None:
        for row in FOOTER:
            self.add(row, layout=bool(row))


# -- the shapes --------------------------------------------------------------------------------
def shape_unicode_sections(out: Path) -> Shape:
    """Unicode; letterhead; "(1) (2) …" row; sections and subtotals between people; footer;
    grade titles in the position column; "Giới tính (1: Nam, 0: Nữ)" holding 1/0."""
    ps = people(8, 1)
    g = Grid(LETTERHEAD)
    headers = ["STT", "Họ và tên", "Ngày sinh", "Giới tính (1: Nam, 0: Nữ)", "Số CCCD",
               "Chức vụ", "Dân tộc", "Số sổ BHXH"]  # fmt: skip
    g.add(headers)
    g.add([f"({i})" for i in range(1, len(headers) + 1)], layout=True)
    titles = ["Chuyên viên", "Kế toán viên", "Trưởng phòng", "Chuyên viên"]
    g.add(["I. KHỐI ĐẢNG, ĐOÀN THỂ"], layout=True)
    for i, p in enumerate(ps):
        if i == 4:
            g.add([None, "Cộng khối I", None, None, None, None, None, None], layout=True)
            g.add(["II", "Sở Nội vụ"], layout=True)  # the receiving unit (a unit: section)
        g.add([i + 1, p.name, dmy(p.dob), 0 if p.female else 1, p.pid, titles[i % 4], "Kinh",
               f"25{i:08d}"])  # fmt: skip
    g.add(["Tổng cộng: 8 người"], layout=True)
    g.footer()
    path = out / "don_vi_unicode.xlsx"
    write_xlsx(path, {"Danh sách": g.rows}, {"Danh sách": ["A4:H4"]})
    return Shape("unicode_sections", path, ps, {"Danh sách": g.layout},
                 kept={ps[0].pid: "Chuyên viên"})  # fmt: skip


def shape_tcvn3_serials(out: Path) -> Shape:
    """TCVN3 headers and data (a .VnTime font era export), dates as Excel serial numbers; the
    sex header annotated "(1: Nam, 0: Nữ)"."""
    ps = people(7, 20)
    t = lambda s: from_unicode(s, "tcvn3")  # noqa: E731
    g = Grid([[t("ñy ban nh©n d©n huyÖn Tam N«ng")], [t("Danh s¸ch c¸n bé")]])
    g.add([t(h) for h in ["STT", "Họ và tên", "Giới tính (1: Nam, 0: Nữ)", "Ngày sinh",
                          "Số định danh cá nhân", "Chức vụ", "Quê quán"]])  # fmt: skip
    g.add([1, 2, 3, 4, 5, 6, 7], layout=True)
    for i, p in enumerate(ps):
        g.add([i + 1, t(p.name), 0 if p.female else 1, excel_serial(p.dob), p.pid,
               t("Chuyên viên" if i % 2 else "Kế toán viên"),
               t("Xã Hương Nộn, Tam Nông")])  # fmt: skip
    g.footer()
    path = out / "tam_nong_tcvn3.xlsx"
    write_xlsx(path, {"CBCC": g.rows}, {})
    return Shape("tcvn3_serials", path, ps, {"CBCC": g.layout})


def shape_nfd_unaccented(out: Path) -> Shape:
    """Data in NFD (decomposed tones), headers without accents, sex as Nam/Nữ."""
    ps = people(6, 40)
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    g = Grid()
    g.add(["TT", "Ho va ten", "Ngay thang nam sinh", "Gioi tinh", "So CCCD", "Chuc vu",
           "Don vi cong tac"])  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, nfd(p.name), dmy(p.dob), nfd(p.sex_word), p.pid,
               nfd("Chuyên viên"), nfd("Phòng Tài chính - Kế hoạch huyện Lâm Thao")])  # fmt: skip
    path = out / "lam_thao_nfd.xlsx"
    write_xlsx(path, {"Sheet1": g.rows}, {})
    return Shape("nfd_unaccented", path, ps, {"Sheet1": set()})


def shape_dob_by_sex(out: Path) -> Shape:
    """Two-row merged header: "Ngày, tháng, năm sinh" over "Nam" | "Nữ" (the date written in
    the column of the sex; no sex column), "Ngạch công chức" over "Tên ngạch" | "Mã ngạch"."""
    ps = people(6, 60)
    g = Grid([["DANH SÁCH TRÍCH NGANG"]])
    g.add(["STT", "Họ và tên", "Ngày, tháng, năm sinh", None, "Số CCCD", "Ngạch công chức",
           None, "Hệ số lương*"])  # fmt: skip
    g.add([None, None, "Nam", "Nữ", None, "Tên ngạch", "Mã ngạch", None])
    g.add(["1", "2", "3", "4", "5", "6", "7", "8"], layout=True)
    for i, p in enumerate(ps):
        d = dmy(p.dob)
        g.add([i + 1, p.name, None if p.female else d, d if p.female else None, p.pid,
               "Chuyên viên", "01.003", 2.34])  # fmt: skip
    g.footer()
    path = out / "dob_by_sex.xlsx"
    merges = ["A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:G2", "H2:H3"]
    write_xlsx(path, {"DS": g.rows}, {"DS": merges})
    return Shape("dob_by_sex", path, ps, {"DS": g.layout})


def shape_split_name_address(out: Path) -> Shape:
    """Three-row header: "Thông tin cá nhân" over "Họ và tên" over "Họ và đệm" | "Tên";
    "Quê quán" over "Xã" | "Huyện" | "Tỉnh"; no merges recorded (a group cell written once)."""
    ps = people(6, 80)
    g = Grid()
    g.add(["STT", "Thông tin cá nhân", None, None, None, None, None, None, None])
    g.add([None, "Họ và tên", None, "Ngày sinh", "Giới tính", "Số định danh", "Quê quán", None,
           None])  # fmt: skip
    g.add([None, "Họ và đệm", "Tên", None, None, None, "Xã", "Huyện", "Tỉnh"])
    for i, p in enumerate(ps):
        g.add([i + 1, p.family, p.given, dmy(p.dob), p.sex_word, p.pid, "Xã Tứ Xã", "Lâm Thao",
               "Phú Thọ"])  # fmt: skip
    path = out / "split_name.xlsx"
    write_xlsx(path, {"Trích ngang": g.rows}, {})
    return Shape("split_name_address", path, ps, {"Trích ngang": set()})


def shape_annotated_abbreviated(out: Path) -> Shape:
    """Headers with line breaks, annotations, footnote marks, numbering, abbreviations and a
    typo: "Số CCCD\\n(12 số)", "NS (dd/mm/yyyy)", "GT", "Họ và tn", "QQ", "CV", "HSL*"."""
    ps = people(6, 100)
    g = Grid([["Biểu số 01"]])
    g.add(["TT", "1. Họ và tn", "NS\n(dd/mm/yyyy)", "GT (Nam/Nữ)", "Số CCCD\n(12 số)", "QQ",
           "CV", "HSL*", "Ghi chú (1)"])  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, p.name.upper(), dmy(p.dob), p.sex_word, p.pid, "Phú Thọ",
               "Phó Trưởng phòng", 3.0, "chuyển đến 2023" if i == 0 else None])  # fmt: skip
    path = out / "annotated.xlsx"
    write_xlsx(path, {"Biểu 01": g.rows}, {})
    return Shape("annotated_abbreviated", path, ps, {"Biểu 01": set()})


def shape_numeric_ids_partial_dates(out: Path) -> Shape:
    """IDs stored as numbers (Excel dropped the leading zero: 11 digits left), birth dates as
    "x/1985", "1985", "03/1985", serials and text; sex as "x" under "Nam" | "Nữ"."""
    ps = people(6, 120)
    g = Grid()
    g.add(["STT", "Họ tên", "Năm sinh", "Giới tính", None, "Số CCCD"])
    g.add([None, None, None, "Nam", "Nữ", None])
    forms: list[Callable[[Person], Any]] = [
        lambda p: f"x/{p.dob.year}",
        lambda p: str(p.dob.year),
        lambda p: p.dob.year,
        lambda p: p.dob.strftime("%m/%Y"),
        lambda p: excel_serial(p.dob),
        lambda p: dmy(p.dob),
    ]
    precision = ["year", "year", "year", "month", "day", "day"]
    for i, p in enumerate(ps):
        p.precision = precision[i]
        g.add([i + 1, p.name, forms[i](p), None if p.female else "x", "x" if p.female else None,
               int(p.pid)])  # fmt: skip
    path = out / "numeric_ids.xlsx"
    write_xlsx(path, {"DS": g.rows}, {"DS": ["A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2"]})
    return Shape("numeric_ids_partial_dates", path, ps, {"DS": set()})


def shape_csv_bom_semicolon_no_sex(out: Path) -> Shape:
    """CSV, UTF-8 with BOM, ";" separated, a title row; no sex column (derived from the ID)."""
    ps = people(5, 140)
    rows = [["DANH SÁCH CÔNG CHỨC XÃ"], ["STT", "Họ và tên", "Ngày sinh", "Số CCCD", "Dân tộc"]]
    for i, p in enumerate(ps):
        rows.append([i + 1, p.name, dmy(p.dob), p.pid, "Mường" if i % 2 else "Kinh"])
    path = out / "xa_bom.csv"
    write_csv(path, rows, "utf-8-sig", ";")
    return Shape("csv_bom_no_sex", path, ps, {path.stem: set()}, derived={p.pid for p in ps})


def shape_csv_cp1258(out: Path) -> Shape:
    """CSV in Windows-1258 (tones as combining marks), "," separated, column-number row."""
    ps = people(5, 160)
    rows = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Chức vụ"],
            ["1", "2", "3", "4", "5", "6"]]  # fmt: skip
    for i, p in enumerate(ps):
        rows.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid,
                     "Chủ tịch UBND huyện" if i == 0 else "Trưởng phòng Nội vụ huyện"])  # fmt: skip
    path = out / "huyen_cp1258.csv"
    text = "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"
    path.write_bytes(cp1258_tones(text).encode("cp1258"))
    return Shape("csv_cp1258", path, ps, {path.stem: {2}})


def shape_ods_vni(out: Path) -> Shape:
    """.ods with VNI-encoded names and headers, Unicode in another column (mixed per column)."""
    ps = people(5, 180)
    v = lambda s: from_unicode(s, "vni")  # noqa: E731
    rows = [[v("Danh sách cán bộ")],
            [v("Họ và tên"), v("Ngày sinh"), v("Giới tính"), v("Số CCCD"), "Đơn vị"]]  # fmt: skip
    for p in ps:
        rows.append([v(p.name), dmy(p.dob), v(p.sex_word), p.pid, "Phòng Văn hóa - Thông tin"])
    path = out / "vni.ods"
    write_ods(path, {"DS": rows})
    return Shape("ods_vni", path, ps, {"DS": set()})


def shape_workbook_several_tables(out: Path) -> Shape:
    """Two sheets of people (two old districts), a family sheet with a bad child row (an ID of
    nobody) and a notes sheet."""
    a, b = people(4, 200), people(4, 210)
    headers = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"]
    sheet_a = [["HUYỆN CẨM KHÊ"], headers] + [
        [i + 1, p.name, dmy(p.dob), p.sex_word, p.pid] for i, p in enumerate(a)
    ]
    sheet_b = [["HUYỆN HẠ HÒA"], headers] + [
        [i + 1, p.name, dmy(p.dob), p.sex_word, p.pid] for i, p in enumerate(b)
    ]
    family = [["Số định danh cá nhân", "Quan hệ", "Họ và tên", "Năm sinh"],
              [a[0].pid, "Con", "Nguyễn Văn Bé", 2010],
              ["025099999999", "Con", "Không Ai", 2011],
              [a[1].pid, "Vợ", "Trần Thị Vợ", 1980]]  # fmt: skip
    path = out / "nhieu_trang.xlsx"
    write_xlsx(
        path,
        {"Cẩm Khê": sheet_a, "Hạ Hòa": sheet_b, "Gia đình": family, "Ghi chú": [["Mục lục"]]},
        {},
    )
    shape = Shape("several_tables", path, a + b, {"Cẩm Khê": set(), "Hạ Hòa": set()},
                  unrecognised_sheets={"Ghi chú"})  # fmt: skip
    shape.bad_rows[("Gia đình", 3)] = {"Số định danh cá nhân"}
    return shape


def shape_bad_rows(out: Path) -> Shape:
    """Good people among refused rows: one with a short ID, an impossible date and an unknown
    ethnicity (every problem reported), one without an ID; old-tree units and positions."""
    ps = people(5, 230)
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Đơn vị",
           "Chức vụ"])  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Kinh" if i else "Mán",
               "Phòng Nội vụ huyện Thanh Ba (cũ)", "Trưởng phòng Nội vụ huyện"])  # fmt: skip
    bad1 = g.add([6, "Lê Văn Sai", "31/02/1980", "Nam", "02508012", "Kinhh", None, None])
    bad2 = g.add([7, "Phạm Thị Thiếu", "01/01/1990", "Nữ", None, "Kinh", None, None])
    path = out / "thanh_ba.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    shape = Shape("bad_rows", path, ps, {"DS": set()}, kept={ps[0].pid: "Mán"})
    shape.bad_rows[("DS", bad1)] = {"Số CCCD", "Ngày sinh"}
    shape.bad_rows[("DS", bad2)] = {"Số CCCD"}
    return shape


def shape_repeated_header_pages(out: Path) -> Shape:
    """A printed list: the header repeated on each page, page sections, a dob pair with a sex
    column of its own (which wins), and a contradicting sex (warned, kept)."""
    ps = people(6, 250)
    head = ["STT", "Họ và tên", "Giới tính", "Ngày sinh", "Số ĐDCN", "Chức danh"]
    g = Grid()
    g.add(head)
    for i, p in enumerate(ps):
        if i == 3:
            g.add(head, layout=True)
            g.add(["Trang 2"], layout=True)
        g.add([i + 1, p.name, p.sex_word, dmy(p.dob), p.pid, "Chuyên viên"])
    path = out / "in_nhieu_trang.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return Shape("repeated_header", path, ps, {"DS": g.layout})


def shape_xls_biff8(out: Path) -> Shape:
    """.xls (BIFF8, the Excel 97–2003 format): a letterhead, a two-row merged header with the
    sex as "x" under "Nam" | "Nữ", birth dates as real date cells and as text, IDs as numbers
    (the leading zero lost), a column-number row, a subtotal and the signature footer."""
    ps = people(7, 300)
    g = Grid([["UBND HUYỆN THANH THỦY"], ["DANH SÁCH CÁN BỘ, CÔNG CHỨC NĂM 2009"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", None, "Số CMND/CCCD", "Chức vụ"])
    g.add([None, None, None, "Nam", "Nữ", None, None])
    g.add([1, 2, 3, 4, 5, 6, 7], layout=True)
    for i, p in enumerate(ps):
        born: Any = p.dob if i % 2 else dmy(p.dob)
        g.add([i + 1, p.name, born, None if p.female else "x", "x" if p.female else None,
               int(p.pid), "Chuyên viên"])  # fmt: skip
    g.add([None, "Cộng: 7 người"], layout=True)
    g.footer()
    path = out / "thanh_thuy_2009.xls"
    merges = ["A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4"]
    write_xls(path, {"DSCB": g.rows}, {"DSCB": merges})
    return Shape("xls_biff8", path, ps, {"DSCB": g.layout})


BUILDERS: tuple[Callable[[Path], Shape], ...] = (
    shape_unicode_sections,
    shape_tcvn3_serials,
    shape_nfd_unaccented,
    shape_dob_by_sex,
    shape_split_name_address,
    shape_annotated_abbreviated,
    shape_numeric_ids_partial_dates,
    shape_csv_bom_semicolon_no_sex,
    shape_csv_cp1258,
    shape_ods_vni,
    shape_workbook_several_tables,
    shape_bad_rows,
    shape_repeated_header_pages,
    shape_xls_biff8,
)


def build_all(out: Path) -> list[Shape]:
    out.mkdir(parents=True, exist_ok=True)
    return [build(out) for build in BUILDERS]
