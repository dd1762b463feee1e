"""A second, independent set of legacy export shapes, none of them like the 14 of
:mod:`.legacy_shapes`, with their truth.

Written as the old software and offices of Vietnamese provinces really write their lists:

* a web application's "Xuất Excel" that is an HTML ``<table>`` saved as ``.xls`` (rowspan and
  colspan headers, ``&nbsp;``, IDs kept as text by ``mso-number-format``);
* an XML Spreadsheet 2003 (SpreadsheetML) saved as ``.xls``, with ``ss:Index`` gaps and
  ``ss:MergeAcross``;
* Excel's "Unicode Text": UTF-16LE with a BOM, tab separated, a quoted header with a line break;
  a UTF-8 ``.tsv`` with English headers;
* a workbook whose first sheets are an instruction sheet ("Hướng dẫn"), an empty sheet and a
  summary, the people on the fourth;
* the birth date in "Ngày" | "Tháng" | "Năm" under "Ngày tháng năm sinh", the name in "Họ" |
  "Đệm" | "Tên";
* the unit written once per group (carried down) and in a vertically merged cell;
* dates in every spelling (dots, dashes, ISO, two-digit years, words, "T5/1980", serials as
  text, date cells), one with day and month swapped where the order is certain; a column
  written month first (an English-locale Excel);
* personal IDs with spaces, dots, dashes, an apostrophe, in scientific notation (lossy: held),
  a 9-digit CMND alone (held);
* sex as "NỮ", "nam", "M", "F", "1"/"2", and as "x" in top-level "Nam" | "Nữ" columns;
* headers in English or mixed, with non-breaking and zero-width spaces and trailing colons;
  names in capitals with double spaces;
* formula cells with cached values (the full name, an age), hidden rows and columns, a filter,
  a "TỔNG CỘNG" row, blank rows between blocks;
* a 60+ column sheet with work and salary history blocks;
* several people tables stacked on one sheet, each with its own (differently ordered) header;
* no unit column: the people grouped under section rows naming units ("I. SỞ NỘI VỤ",
  "Phòng Tài chính - Kế hoạch"), numbered or not, with group rows that name no unit;
* a second sheet of people without any personal-ID column (every row held, none lost).

Each builder returns a :class:`UnseenShape` (a :class:`.legacy_shapes.Shape` that also knows
the unit of each person and the warnings that must be given).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .legacy_shapes import FOOTER, Grid, Person, Shape, dmy, excel_serial, people, write_xls

#: the units of the test tree (tests/importing/pipeline_fixtures.agency)
HOME, FINANCE = "H25.01", "H25.02"
HOME_NAME, FINANCE_NAME = "Sở Nội vụ", "Sở Tài chính"


@dataclass
class UnseenShape(Shape):
    units: dict[str, str] = field(default_factory=dict)  # pid → unit code
    #: pid → a text one of the person's warnings must contain
    warned: dict[str, str] = field(default_factory=dict)


# -- writers -----------------------------------------------------------------------------------
def write_html_xls(path: Path, rows: list[list[Any]], spans: dict[tuple[int, int], tuple[int, int]],
                   head_rows: int) -> None:  # fmt: skip
    """An HTML table as web applications export it under an .xls name. ``spans``: (row, col)
    of a cell as written in ``rows`` → (rowspan, colspan); cells covered by a span are left
    out of the HTML, as a browser table has them."""
    covered: set[tuple[int, int]] = set()
    for (r, c), (rs, cs) in spans.items():
        for rr in range(r, r + rs):
            for cc in range(c, c + cs):
                if (rr, cc) != (r, c):
                    covered.add((rr, cc))
    out = [
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">',
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
        '<style>.text{mso-number-format:"\\@";} td{border:.5pt solid}</style></head><body>',
        '<table border="1" cellspacing="0">',
    ]
    for r, row in enumerate(rows):
        out.append("<tr>")
        tag = "th" if 0 < r <= head_rows else "td"
        for c, v in enumerate(row):
            if (r, c) in covered:
                continue
            attrs = ""
            if (r, c) in spans:
                rs, cs = spans[(r, c)]
                attrs += f' rowspan="{rs}"' * (rs > 1) + f' colspan="{cs}"' * (cs > 1)
            text = "" if v is None else escape(str(v)).replace("  ", "&nbsp; ")
            if isinstance(v, str) and v.isdigit():
                attrs += ' class="text"'
            out.append(f"<{tag}{attrs}>{text}</{tag}>")
        out.append("</tr>\n")
    out.append("</table></body></html>")
    path.write_text("".join(out), encoding="utf-8")


def write_spreadsheetml(path: Path, sheets: dict[str, list[list[Any]]],
                        merge_across: dict[tuple[str, int, int], int]) -> None:  # fmt: skip
    """XML Spreadsheet 2003. Empty cells are skipped with ``ss:Index`` (as Excel writes them),
    empty rows likewise; ``date`` values are DateTime cells, numbers Number cells."""
    out = [
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        '<Styles><Style ss:ID="d"><NumberFormat ss:Format="Short Date"/></Style></Styles>\n'
    ]
    for name, rows in sheets.items():
        out.append(f'<Worksheet ss:Name="{escape(name)}"><Table>\n')
        skipped_row = False
        for r, row in enumerate(rows):
            if not any(v not in (None, "") for v in row):
                skipped_row = True
                continue
            out.append(f'<Row ss:Index="{r + 1}">' if skipped_row else "<Row>")
            skipped_row = False
            skipped = False
            for c, v in enumerate(row):
                if v is None or v == "":
                    skipped = True
                    continue
                attrs = f' ss:Index="{c + 1}"' if skipped else ""
                skipped = False
                across = merge_across.get((name, r, c))
                if across:
                    attrs += f' ss:MergeAcross="{across}"'
                if isinstance(v, date):
                    out.append(f'<Cell{attrs} ss:StyleID="d"><Data ss:Type="DateTime">'
                               f"{v.isoformat()}T00:00:00.000</Data></Cell>")  # fmt: skip
                elif isinstance(v, (int, float)):
                    out.append(f'<Cell{attrs}><Data ss:Type="Number">{v}</Data></Cell>')
                else:
                    out.append(
                        f'<Cell{attrs}><Data ss:Type="String">{escape(str(v))}</Data></Cell>'
                    )
            out.append("</Row>\n")
        out.append("</Table></Worksheet>\n")
    out.append("</Workbook>\n")
    path.write_text("".join(out), encoding="utf-8")


def write_delimited(path: Path, rows: list[list[Any]], encoding: str, delimiter: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in r] for r in rows]
    )
    data = buf.getvalue().encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    path.write_bytes(data)


def write_xlsxwriter(
    path: Path,
    name: str,
    rows: list[list[Any]],
    *,
    formulas: dict[tuple[int, int], tuple[str, Any]] | None = None,
    hidden_rows: tuple[int, ...] = (),
    hidden_cols: tuple[int, ...] = (),
    autofilter: tuple[int, int, int, int] | None = None,
    merges: tuple[tuple[int, int, int, int, Any], ...] = (),
) -> None:
    """An .xlsx through XlsxWriter: ``formulas`` {(row, col): (formula, cached value)} (0-based)
    written with their cached values, as Excel saves them; hidden rows/columns; a filter."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(name)
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if (r, c) in (formulas or {}):
                formula, value = formulas[(r, c)]
                ws.write_formula(r, c, formula, None, value)
            elif isinstance(v, datetime | date):
                ws.write_datetime(r, c, v if isinstance(v, datetime) else
                                  datetime(v.year, v.month, v.day), date_fmt)  # fmt: skip
            elif v is not None:
                ws.write(r, c, v)
    for r in hidden_rows:
        ws.set_row(r, None, None, {"hidden": True})
    for c in hidden_cols:
        ws.set_column(c, c, None, None, {"hidden": True})
    if autofilter:
        ws.autofilter(*autofilter)
    for r0, c0, r1, c1, value in merges:
        ws.merge_range(r0, c0, r1, c1, value)
    wb.close()


# -- the shapes --------------------------------------------------------------------------------
def shape_html_table_xls(out: Path) -> UnseenShape:
    """A web application's "Xuất Excel": an HTML table named .xls. A title row spanning the
    table, a two-row header (rowspan/colspan) with the birth date under "Nam" | "Nữ", dates as
    "12.05.1980", IDs as text, "&nbsp;" inside names, a total row."""
    ps = people(6, 400)
    rows: list[list[Any]] = [["DANH SÁCH CÁN BỘ, CÔNG CHỨC", None, None, None, None, None]]
    rows.append(["STT", "Họ và tên", "Ngày sinh", None, "Số định danh cá nhân", "Chức vụ"])
    rows.append([None, None, "Nam", "Nữ", None, None])
    for i, p in enumerate(ps):
        d = p.dob.strftime("%d.%m.%Y")
        family, given = p.name.rsplit(" ", 1)
        rows.append([i + 1, f"{family}  {given}", None if p.female else d, d if p.female else None,
                     p.pid, "Chuyên viên"])  # fmt: skip
    rows.append(["Tổng cộng: 6 người", None, None, None, None, None])
    spans = {(0, 0): (1, 6), (1, 0): (2, 1), (1, 1): (2, 1), (1, 2): (1, 2), (1, 4): (2, 1),
             (1, 5): (2, 1), (len(rows) - 1, 0): (1, 6)}  # fmt: skip
    path = out / "DanhSachCanBo.xls"
    write_html_xls(path, rows, spans, head_rows=2)
    return UnseenShape("html_table_xls", path, ps, {"DanhSachCanBo": {len(rows)}})


def shape_spreadsheetml_2003(out: Path) -> UnseenShape:
    """XML Spreadsheet 2003 saved as .xls: a merged title, a skipped row, birth dates as
    DateTime cells and text, IDs as numbers (the leading zero lost), empty cells left out."""
    ps = people(6, 420)
    rows: list[list[Any]] = [["BÁO CÁO DANH SÁCH CÔNG CHỨC", None, None, None, None], []]
    rows.append(["TT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Ghi chú"])
    for i, p in enumerate(ps):
        born: Any = p.dob if i % 2 else dmy(p.dob)
        rows.append([i + 1, p.name, born, p.sex_word, int(p.pid), None if i % 3 else "Mới"])
    path = out / "bao_cao_2003.xls"
    write_spreadsheetml(path, {"Danh sach": rows}, {("Danh sach", 0, 0): 4})
    return UnseenShape("spreadsheetml_2003", path, ps, {"Danh sach": set()})


def shape_unicode_text_utf16(out: Path) -> UnseenShape:
    """Excel's "Unicode Text" (.txt): UTF-16LE with a BOM, tab separated, CRLF, a header cell
    with a line break (quoted), sex in capitals ("NỮ", "NAM"), dates "d/m/yyyy"."""
    ps = people(6, 440)
    rows: list[list[Any]] = [["Danh sách trích ngang"]]
    rows.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD\n(12 số)", "Dân tộc"])
    for i, p in enumerate(ps):
        rows.append([i + 1, p.name, f"{p.dob.day}/{p.dob.month}/{p.dob.year}",
                     p.sex_word.upper(), p.pid, "Kinh"])  # fmt: skip
    path = out / "trich_ngang_unicode.txt"
    write_delimited(path, rows, "utf-16-le", "\t")
    return UnseenShape("unicode_text_utf16", path, ps, {path.stem: set()})


def shape_english_tsv(out: Path) -> UnseenShape:
    """A UTF-8 .tsv from a newer system: English headers with trailing colons, a non-breaking
    and a zero-width space; ISO dates; gender "M"/"F"/"Male"/"Female"; names in capitals with
    double spaces."""
    ps = people(6, 460)
    rows: list[list[Any]] = [["No.", "Full\u00a0name:", "Date of birth", "ID\u200b number",
                              "Gender:", "Position"]]  # fmt: skip
    genders = ["M", "F", "Male", "Female", "m", "f"]
    for i, p in enumerate(ps):
        assert genders[i].lower().startswith("f") == p.female
        rows.append([i + 1, "  ".join(p.name.upper().split(" ", 1)), p.dob.isoformat(), p.pid,
                     genders[i], "Chuyên viên"])  # fmt: skip
    path = out / "staff_export.tsv"
    write_delimited(path, rows, "utf-8", "\t")
    return UnseenShape("english_tsv", path, ps, {path.stem: set()})


def shape_instruction_sheets_first(out: Path) -> UnseenShape:
    """A template workbook: an instruction sheet ("Hướng dẫn") that names the columns, an empty
    sheet and a summary sheet come first; the people are on the fourth sheet."""
    import openpyxl

    ps = people(6, 480)
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "Hướng dẫn"
    for line in [
        ["HƯỚNG DẪN NHẬP LIỆU"],
        ["Cột", "Nội dung", "Ví dụ"],
        ["Họ và tên", "Ghi đầy đủ họ, chữ đệm và tên", "Nguyễn Văn A"],
        ["Ngày sinh", "dd/mm/yyyy", "01/01/1980"],
        ["Giới tính", "Nam hoặc Nữ", "Nam"],
        ["Số định danh cá nhân", "12 chữ số", "025080000001"],
    ]:
        guide.append(line)
    wb.create_sheet("Sheet2")  # empty
    summary = wb.create_sheet("Tổng hợp")
    for line in [["BẢNG TỔNG HỢP"], ["Đơn vị", "Tổng số", "Nam", "Nữ"], ["Sở Nội vụ", 6, 3, 3]]:
        summary.append(line)
    ws = wb.create_sheet("DS cán bộ")
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"])
    for i, p in enumerate(ps):
        ws.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
    path = out / "mau_bao_cao.xlsx"
    wb.save(path)
    return UnseenShape("instruction_sheets_first", path, ps, {"DS cán bộ": set()},
                       unrecognised_sheets={"Hướng dẫn", "Tổng hợp"})  # fmt: skip


def shape_three_part_dob_and_name(out: Path) -> UnseenShape:
    """The birth date in "Ngày" | "Tháng" | "Năm" under a merged "Ngày tháng năm sinh" (a day
    left empty: month precision), the name in "Họ" | "Đệm" | "Tên" under "Họ và tên" (one
    person without a middle name)."""
    ps = people(6, 500)
    ps[2].name = "Lò Hưng"  # no middle name (as some ethnic minority names are written)
    ps[4].precision = "month"
    g = Grid()
    g.add(["STT", "Họ và tên", None, None, "Ngày tháng năm sinh", None, None, "Giới tính",
           "Số định danh cá nhân"])  # fmt: skip
    g.add([None, "Họ", "Đệm", "Tên", "Ngày", "Tháng", "Năm", None, None])
    for i, p in enumerate(ps):
        parts = p.name.split(" ")
        family, middle, given = parts[0], " ".join(parts[1:-1]) or None, parts[-1]
        day = None if p.precision == "month" else p.dob.day
        g.add([i + 1, family, middle, given, day, p.dob.month, p.dob.year, p.sex_word, p.pid])
    path = out / "ngay_thang_nam.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"DS": g.rows}, {"DS": ["A1:A2", "B1:D1", "E1:G1", "H1:H2", "I1:I2"]})
    return UnseenShape("three_part_dob_and_name", path, ps, {"DS": set()})


def shape_unit_written_once(out: Path) -> UnseenShape:
    """The unit written once per group: in the first row of each group (the cells below left
    empty) and, for the second group, in a cell merged down over the group's rows."""
    ps = people(6, 520)
    g = Grid([["DANH SÁCH CÁN BỘ THEO ĐƠN VỊ"]])
    g.add(["Đơn vị", "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"])
    units = {}
    first_b = 0
    for i, p in enumerate(ps):
        unit = FINANCE_NAME if i < 3 else HOME_NAME
        units[p.pid] = FINANCE if i < 3 else HOME
        written = unit if i in (0, 3) else None
        n = g.add([written, i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
        if i == 3:
            first_b = n
    path = out / "theo_don_vi.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"DS": g.rows}, {"DS": [f"A{first_b}:A{first_b + 2}"]})
    return UnseenShape("unit_written_once", path, ps, {"DS": set()}, units=units)


def shape_date_spellings(out: Path) -> UnseenShape:
    """Birth dates in every spelling old lists use, in one day-first column; one written month
    first where the day (> 12) makes the order certain: read, with a warning."""
    ps = people(12, 540)
    for p in ps:  # days above 12, so that a swapped order would be visible
        p.dob = p.dob.replace(day=13 + p.dob.day % 15)
    forms: list[Callable[[Person], Any]] = [
        lambda p: p.dob.strftime("%d.%m.%Y"),
        lambda p: p.dob.strftime("%d-%m-%Y"),
        lambda p: p.dob.isoformat(),
        lambda p: f"{p.dob.day}/{p.dob.month}/{p.dob.strftime('%y')}",
        lambda p: f"ngày {p.dob.day} tháng {p.dob.month} năm {p.dob.year}",
        lambda p: f"T{p.dob.month}/{p.dob.year}",
        lambda p: f"{p.dob.month}/{p.dob.year}",
        lambda p: str(excel_serial(p.dob)),
        lambda p: datetime(p.dob.year, p.dob.month, p.dob.day),
        lambda p: p.dob.strftime("%m/%d/%Y"),  # swapped: the day > 12 makes it certain
        lambda p: f"Sinh ngày {p.dob.day:02d}/{p.dob.month:02d}/{p.dob.year}",
        lambda p: p.dob.strftime("%d/%m/%Y "),
    ]
    precision = ["day"] * 12
    precision[5] = precision[6] = "month"
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"])
    for i, p in enumerate(ps):
        p.precision = precision[i]
        g.add([i + 1, p.name, forms[i](p), p.sex_word, p.pid])
    path = out / "ngay_sinh_nhieu_kieu.xlsx"
    write_xlsxwriter(path, "DS", g.rows)
    return UnseenShape("date_spellings", path, ps, {"DS": set()},
                       warned={ps[9].pid: "tháng trước ngày"})  # fmt: skip


def shape_month_first_csv(out: Path) -> UnseenShape:
    """A CSV saved by an English-locale Excel: every date month first ("mm/dd/yyyy"). Several
    have a day above 12, so the column's order is certain; the ambiguous ones ("03/04/1980")
    follow the column's order, with a warning saying so."""
    ps = people(6, 560)
    for k, p in enumerate(ps):
        p.dob = p.dob.replace(day=(20 + k) if k < 3 else (1 + k))
    rows: list[list[Any]] = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]]
    for i, p in enumerate(ps):
        rows.append([i + 1, p.name, p.dob.strftime("%m/%d/%Y"), p.sex_word, p.pid])
    path = out / "month_first.csv"
    write_delimited(path, rows, "utf-8", ",")
    ambiguous = {
        p.pid: "tháng trước ngày" for p in ps if p.dob.day <= 12 and p.dob.month != p.dob.day
    }
    return UnseenShape("month_first_csv", path, ps, {path.stem: set()}, warned=ambiguous)


def shape_id_spellings(out: Path) -> UnseenShape:
    """Personal IDs written with spaces, dots, dashes, an apostrophe, a non-breaking space;
    one in scientific notation ("2.50185E+11": digits lost, held, never padded) and one row
    with only a 9-digit CMND (not a usable ID for a new profile: held with the reason)."""
    ps = people(6, 580)
    forms: list[Callable[[str], str]] = [
        lambda s: f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}",
        lambda s: f"{s[:3]}.{s[3:6]}.{s[6:9]}.{s[9:]}",
        lambda s: f"{s[:3]}-{s[3:6]}-{s[6:]}",
        lambda s: f"'{s}",
        lambda s: f"\u00a0{s}\u00a0",
        lambda s: f"{s[:6]} {s[6:]}",
    ]
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CMND/CCCD"])
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, forms[i](p.pid)])
    lossy = g.add([7, "Trần Văn Mất", "02/03/1985", "Nam", "2.50185E+11"])
    cmnd = g.add([8, "Lê Thị Cũ", "04/05/1970", "Nữ", "131234567"])
    path = out / "so_dinh_danh.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"DS": g.rows}, {})
    shape = UnseenShape("id_spellings", path, ps, {"DS": set()})
    shape.bad_rows[("DS", lossy)] = {"Số CMND/CCCD"}
    shape.bad_rows[("DS", cmnd)] = {"Số CMND/CCCD"}
    return shape


def shape_sex_spellings(out: Path) -> UnseenShape:
    """Sex as "NỮ", "nam", "M", "F", "1", "2" under "Giới tính (1: Nam, 2: Nữ)"."""
    ps = people(8, 600)
    words = {False: ["nam", "M", "1", "Nam "], True: ["NỮ", "F", "2", "nữ"]}
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính (1: Nam, 2: Nữ)", "Số định danh cá nhân"])
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), words[p.female][(i // 2) % 4], p.pid])
    path = out / "gioi_tinh.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape("sex_spellings", path, ps, {"DS": set()})


def shape_nam_nu_columns_xls(out: Path) -> UnseenShape:
    """.xls (BIFF8): sex as "x" in two top-level columns "Nam" | "Nữ" (no group cell above),
    the year of birth only, as a number, under "Năm sinh"; a footer."""
    ps = people(6, 620)
    g = Grid([["DANH SÁCH ĐẢNG VIÊN"]])
    g.add(["STT", "Họ và tên", "Nam", "Nữ", "Năm sinh", "Số định danh cá nhân", "Chi bộ"])
    for i, p in enumerate(ps):
        p.precision = "year"
        g.add([i + 1, p.name, None if p.female else "x", "x" if p.female else None, p.dob.year,
               p.pid, "Chi bộ 1"])  # fmt: skip
    for row in FOOTER:
        g.add(row, layout=bool(row))
    path = out / "dang_vien.xls"
    write_xls(path, {"DS": g.rows}, {})
    return UnseenShape("nam_nu_columns_xls", path, ps, {"DS": g.layout})


def shape_formulas_hidden_filter(out: Path) -> UnseenShape:
    """Formula cells with cached values (the full name =B&" "&C, the age), a hidden column and
    a hidden row (a person: still imported), a filter on the header, blank rows between two
    blocks, a "TỔNG CỘNG" row."""
    ps = people(6, 640)
    g = Grid([["DANH SÁCH"], []])
    g.add(["STT", "Họ đệm", "Tên", "Họ và tên", "Ngày sinh", "Tuổi", "Giới tính",
           "Số định danh cá nhân", "Mã cũ"])  # fmt: skip
    formulas: dict[tuple[int, int], tuple[str, Any]] = {}
    for i, p in enumerate(ps):
        if i == 3:
            g.add([])
            g.add([])
        family, given = p.name.rsplit(" ", 1)
        n = g.add([i + 1, family, given, None, p.dob, None, p.sex_word, p.pid, f"CB{i:04d}"])
        formulas[(n - 1, 3)] = (f'=B{n}&" "&C{n}', p.name)
        formulas[(n - 1, 5)] = (f"=2024-YEAR(E{n})", 2024 - p.dob.year)
    total = g.add(["TỔNG CỘNG", None, None, None, None, None, None, None, None], layout=True)
    path = out / "cong_thuc.xlsx"
    write_xlsxwriter(path, "DS", g.rows, formulas=formulas, hidden_rows=(5,), hidden_cols=(8,),
                     autofilter=(2, 0, total - 2, 8))  # fmt: skip
    return UnseenShape("formulas_hidden_filter", path, ps, {"DS": {total}})


def shape_wide_history(out: Path) -> UnseenShape:
    """A 60+ column sheet: the person, then seven work-history blocks (from, to, post, unit) and
    seven salary-history blocks (grade, step, coefficient, date) under merged group cells."""
    ps = people(5, 660)
    top = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"]
    sub: list[Any] = [None] * 5
    merges = [f"{_col(i)}1:{_col(i)}2" for i in range(5)]
    for b in range(7):
        start = len(top)
        top += [f"Quá trình công tác {b + 1}", None, None, None]
        sub += ["Từ tháng năm", "Đến tháng năm", "Chức vụ", "Đơn vị"]
        merges.append(f"{_col(start)}1:{_col(start + 3)}1")
    for b in range(7):
        start = len(top)
        top += [f"Diễn biến lương {b + 1}", None, None, None]
        sub += ["Mã ngạch", "Bậc", "Hệ số", "Thời điểm"]
        merges.append(f"{_col(start)}1:{_col(start + 3)}1")
    top += ["Ghi chú", "Người cập nhật"]
    sub += [None, None]
    merges += [f"{_col(len(top) - 2)}1:{_col(len(top) - 2)}2",
               f"{_col(len(top) - 1)}1:{_col(len(top) - 1)}2"]  # fmt: skip
    g = Grid()
    g.add(top)
    g.add(sub)
    for i, p in enumerate(ps):
        row: list[Any] = [i + 1, p.name, dmy(p.dob), p.sex_word, p.pid]
        for b in range(7):
            row += [f"01/{2000 + b}", f"12/{2000 + b}", "Chuyên viên", f"UBND xã Số {b}"]
        for b in range(7):
            row += ["01.003", b + 1, round(2.34 + 0.33 * b, 2), f"01/01/{2005 + b}"]
        row += [None, "admin"]
        g.add(row)
    path = out / "qua_trinh_rong.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"Lý lịch": g.rows}, {"Lý lịch": merges})
    assert len(top) >= 60
    return UnseenShape("wide_history", path, ps, {"Lý lịch": set()})


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def shape_stacked_tables(out: Path) -> UnseenShape:
    """Several people tables on one sheet, each with a title and its own header, the second
    in another column order with one more column. The titles between the tables are layout
    rows; each header is a header (not a skipped row)."""
    a, b, c = people(3, 680), people(3, 690), people(2, 700)
    g = Grid([["I. CÁN BỘ"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"])
    for i, p in enumerate(a):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
    g.add([])
    g.add(["II. CÔNG CHỨC"], layout=True)
    g.add(["TT", "Số định danh cá nhân", "Họ tên", "Giới tính", "Chức vụ", "Ngày tháng năm sinh"])
    for i, p in enumerate(b):
        g.add([i + 1, p.pid, p.name, p.sex_word, "Chuyên viên", dmy(p.dob)])
    g.add([])
    g.add(["III. HỢP ĐỒNG"], layout=True)
    g.add(["STT", "Giới tính", "Họ và tên", "Số CCCD", "Năm sinh"])
    for i, p in enumerate(c):
        p.precision = "year"
        g.add([i + 1, p.sex_word, p.name, p.pid, p.dob.year])
    path = out / "nhieu_bang.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"Tổng hợp DS": g.rows}, {})
    return UnseenShape("stacked_tables", path, a + b + c, {"Tổng hợp DS": g.layout})


def shape_aspnet_gridview(out: Path) -> UnseenShape:
    """An ASP.NET GridView rendered to HTML and sent as "Export.xls" (UTF-8 with a BOM): the
    database's field names as headers ("HoTen", "NgaySinh", "SoCMND" …), dates as .NET writes
    a DateTime in vi-VN ("12/05/1980 12:00:00 SA"), "&nbsp;" in empty cells, the 12-digit
    IDs under the old header "SoCMND" (its only ID column), one person with only a 9-digit
    CMND (held: a new profile needs the 12-digit personal ID)."""
    ps = people(6, 720)
    head = ["STT", "HoTen", "NgaySinh", "GioiTinh", "SoCMND", "DanToc", "ChucVu"]
    body = []
    for i, p in enumerate(ps):
        when = p.dob.strftime("%d/%m/%Y") + (" 12:00:00 SA" if i % 2 else " 0:00:00")
        body.append([i + 1, p.name, when, p.sex_word, p.pid, "Kinh", None])
    body.append([7, "Hà Thị Cũ", "04/05/1970 12:00:00 SA", "Nữ", "131234567", "Kinh", None])
    cells = "".join(f'<th scope="col">{h}</th>' for h in head)
    rows = [f"<tr>{cells}</tr>"]
    for r in body:
        tds = "".join(f"<td>{'&nbsp;' if v is None else escape(str(v))}</td>" for v in r)
        rows.append(f"<tr>{tds}</tr>")
    html = (
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
        '<div>\r\n\t<table cellspacing="0" rules="all" border="1" id="ctl00_Main_GridView1" '
        'style="border-collapse:collapse;">\r\n\t\t'
        + "\r\n\t\t".join(rows)
        + "\r\n\t</table>\r\n</div>"
    )
    path = out / "Export.xls"
    path.write_bytes(b"\xef\xbb\xbf" + html.encode("utf-8"))
    shape = UnseenShape("aspnet_gridview", path, ps, {"Export": set()})
    shape.bad_rows[("Export", len(body) + 1)] = {"SoCMND"}
    return shape


def shape_long_notes_above(out: Path) -> UnseenShape:
    """A template whose instructions fill the top of the same sheet: 30 rows of notes before
    the header."""
    ps = people(5, 740)
    g = Grid([["BIỂU MẪU SỐ 2 - DANH SÁCH CÁN BỘ"], ["Ghi chú:"]])
    for i in range(28):
        g.rows.append([f"{i + 1}. Cột {i + 1} ghi theo hướng dẫn tại Thông tư số 06/2023/TT-BNV."])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"])
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
    path = out / "bieu_mau_2.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"Biểu 2": g.rows}, {})
    return UnseenShape("long_notes_above", path, ps, {"Biểu 2": set()})


def shape_csv_sep_hint(out: Path) -> UnseenShape:
    """A CSV that starts with Excel's "sep=;" line (so that Excel opens it in any locale),
    Windows-1258, CRLF."""
    ps = people(5, 760)
    rows: list[list[Any]] = [["sep=;"], ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]]
    for i, p in enumerate(ps):
        rows.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
    path = out / "xuat_excel.csv"
    text = "\r\n".join(";".join(str(v) for v in r) for r in rows) + "\r\n"
    from .legacy_shapes import cp1258_tones

    path.write_bytes(cp1258_tones(text).encode("cp1258"))
    return UnseenShape("csv_sep_hint", path, ps, {path.stem: set()})


def shape_bilingual_headers(out: Path) -> UnseenShape:
    """Headers in both languages in one cell, as projects with foreign partners write them:
    "Họ và tên / Full name", "Ngày sinh\n(Date of birth)", "Giới tính - Sex"."""
    ps = people(5, 780)
    g = Grid()
    g.add(["TT / No.", "Họ và tên / Full name", "Ngày sinh\n(Date of birth)", "Giới tính - Sex",
           "Số định danh cá nhân / Personal ID", "Chức vụ / Position"])  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"])
    path = out / "song_ngu.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"Staff list": g.rows}, {})
    return UnseenShape("bilingual_headers", path, ps, {"Staff list": set()})


def shape_table_off_the_corner(out: Path) -> UnseenShape:
    """A table that does not start at A1: two empty rows and an empty column first, then a
    two-row merged header (the birth date under "Nam" | "Nữ", "Giới tính" left out)."""
    ps = people(5, 800)
    g = Grid([[], []])
    g.add([None, "STT", "Họ và tên", "Ngày tháng năm sinh", None, "Số CCCD", "Quê quán"])
    g.add([None, None, None, "Nam", "Nữ", None, None])
    for i, p in enumerate(ps):
        d = dmy(p.dob)
        g.add([None, i + 1, p.name, None if p.female else d, d if p.female else None, p.pid,
               "Phú Thọ"])  # fmt: skip
    path = out / "lech_goc.xlsx"
    from .legacy_shapes import write_xlsx

    merges = ["B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4"]
    write_xlsx(path, {"DS": g.rows}, {"DS": merges})
    return UnseenShape("table_off_the_corner", path, ps, {"DS": set()})


def shape_id_with_issue_details(out: Path) -> UnseenShape:
    """The 2C form's column "Số CMND/CCCD, ngày cấp, nơi cấp": the ID, its issue date and
    the issuing office in one cell (the ID is taken, with a warning)."""
    ps = people(5, 820)
    g = Grid([["TRÍCH NGANG SƠ YẾU LÝ LỊCH"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CMND/CCCD, ngày cấp, nơi cấp"])
    places = ["Cục CS QLHC về TTXH", "CA tỉnh Phú Thọ"]
    for i, p in enumerate(ps):
        if i % 2:
            cell = f"{p.pid}, 1{i}/0{i + 1}/2021, {places[i % 2]}"
        else:
            cell = f"{p.pid} cấp ngày 0{i + 1}/05/2022 tại {places[0]}"
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, cell])
    path = out / "trich_ngang_2c.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape("id_with_issue_details", path, ps, {"DS": set()},
                       warned={p.pid: "ngày cấp, nơi cấp" for p in ps})  # fmt: skip


def shape_identification_law_headers(out: Path) -> UnseenShape:
    """Headers in the wording of the 2023 forms and the Law on Identification (the card is a
    "thẻ căn cước" since 1/7/2024): "Họ, chữ đệm" | "Tên", "Họ, chữ đệm và tên khai sinh",
    "Số thẻ căn cước", "Số căn cước/CMND" (either card: a 9-digit one is held)."""
    a, b = people(3, 840), people(3, 850)
    first = [["STT", "Họ, chữ đệm", "Tên", "Ngày, tháng, năm sinh", "Giới tính",
              "Số thẻ căn cước"]]  # fmt: skip
    for i, p in enumerate(a):
        first.append([i + 1, p.family, p.given, dmy(p.dob), p.sex_word, p.pid])
    second: list[list[Any]] = [["STT", "Họ, chữ đệm và tên khai sinh", "Sinh ngày", "Giới tính",
                                "Số căn cước/CMND"]]  # fmt: skip
    for i, p in enumerate(b):
        second.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
    second.append([4, "Đinh Thị Cũ", "04/05/1970", "Nữ", "131234567"])
    path = out / "mau_2023.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"Khối Đảng": first, "Khối chính quyền": second}, {})
    shape = UnseenShape("identification_law_headers", path, a + b,
                        {"Khối Đảng": set(), "Khối chính quyền": set()})  # fmt: skip
    shape.bad_rows[("Khối chính quyền", 5)] = {"Số căn cước/CMND"}
    return shape


def shape_section_units_numbered(out: Path) -> UnseenShape:
    """No unit column: the people are grouped under numbered section rows spanning the table
    (merged cells) that name units of the tree ("I. SỞ NỘI VỤ", "II. Sở Tài chính:" with a
    sub-group "1. Công chức" that is no unit), a group row that names none ("III. KHỐI ĐOÀN
    THỂ": its people stay in the receiving unit) and one naming a unit nobody has ("IV. Phòng
    Tài chính - Kế hoạch": its people held, each with a problem under "Đơn vị")."""
    ps = people(7, 900)
    held = people(2, 910)
    g = Grid([["DANH SÁCH CÁN BỘ, CÔNG CHỨC THEO ĐƠN VỊ"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ"])
    merges = []
    units: dict[str, str] = {}
    plan: list[tuple[str, list[Person], str]] = [
        ("I. SỞ NỘI VỤ", ps[0:2], HOME),
        ("II. Sở Tài chính:", ps[2:3], FINANCE),
        ("1. Công chức", ps[3:5], FINANCE),
        ("III. KHỐI ĐOÀN THỂ", ps[5:7], "H25"),
        ("IV. Phòng Tài chính - Kế hoạch", held, ""),
    ]
    bad: dict[tuple[str, int], set[str]] = {}
    n = 0
    for section, group, unit in plan:
        r = g.add([section, None, None, None, None, None], layout=True)
        merges.append(f"A{r}:F{r}")
        for p in group:
            n += 1
            r = g.add([n, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"])
            if unit:
                units[p.pid] = unit
            else:
                bad[("DS", r)] = {"Đơn vị"}
    path = out / "theo_khoi_don_vi.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"DS": g.rows}, {"DS": merges})
    return UnseenShape("section_units_numbered", path, ps, {"DS": g.layout}, bad_rows=bad,
                       units=units)  # fmt: skip


def shape_section_units_plain(out: Path) -> UnseenShape:
    """Unnumbered section rows in the first cell only, one in NFD and with an en dash-free
    spacing ("Sở  Tài chính"), one in capitals; a unit column that is filled for one person
    (their own unit wins over the section's) and empty for the others."""
    import unicodedata

    ps = people(6, 920)
    g = Grid()
    g.add(["TT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Đơn vị"])
    units: dict[str, str] = {}
    g.add([unicodedata.normalize("NFD", "Sở  Tài chính")], layout=True)
    for i, p in enumerate(ps[:3]):
        own = HOME_NAME if i == 1 else None
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, own])
        units[p.pid] = HOME if own else FINANCE
    g.add(["SỞ NỘI VỤ"], layout=True)
    for i, p in enumerate(ps[3:], start=4):
        g.add([i, p.name, dmy(p.dob), p.sex_word, p.pid, None])
        units[p.pid] = HOME
    path = out / "theo_don_vi_khong_so.xlsx"
    write_xlsxwriter(path, "Danh sách", g.rows)
    return UnseenShape("section_units_plain", path, ps, {"Danh sách": g.layout}, units=units)


def shape_second_sheet_without_ids(out: Path) -> UnseenShape:
    """Two sheets of people: the first with personal IDs; the second (contract staff, as
    some units list them) with name, birth date and sex but no ID column: its rows are held
    for their missing ID ("Số định danh cá nhân"), none lost, none reported unrecognised."""
    ps = people(4, 940)
    extra = people(3, 950)
    first: list[list[Any]] = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]]
    for i, p in enumerate(ps):
        first.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
    second: list[list[Any]] = [["DANH SÁCH HỢP ĐỒNG LAO ĐỘNG"], []]
    second.append(["TT", "Họ và tên", "Năm sinh", "Giới tính", "Công việc"])
    for i, p in enumerate(extra):
        second.append([i + 1, p.name, dmy(p.dob), p.sex_word, "Bảo vệ"])
    path = out / "hai_trang.xlsx"
    from .legacy_shapes import write_xlsx

    write_xlsx(path, {"Biên chế": first, "Hợp đồng": second}, {})
    shape = UnseenShape("second_sheet_without_ids", path, ps, {"Biên chế": set(),
                        "Hợp đồng": set()})  # fmt: skip
    for r in range(4, 4 + len(extra)):
        shape.bad_rows[("Hợp đồng", r)] = {"Số định danh cá nhân"}
    return shape


BUILDERS: tuple[Callable[[Path], UnseenShape], ...] = (
    shape_html_table_xls,
    shape_spreadsheetml_2003,
    shape_unicode_text_utf16,
    shape_english_tsv,
    shape_instruction_sheets_first,
    shape_three_part_dob_and_name,
    shape_unit_written_once,
    shape_date_spellings,
    shape_month_first_csv,
    shape_id_spellings,
    shape_sex_spellings,
    shape_nam_nu_columns_xls,
    shape_formulas_hidden_filter,
    shape_wide_history,
    shape_stacked_tables,
    shape_aspnet_gridview,
    shape_long_notes_above,
    shape_csv_sep_hint,
    shape_bilingual_headers,
    shape_table_off_the_corner,
    shape_id_with_issue_details,
    shape_identification_law_headers,
    shape_section_units_numbered,
    shape_section_units_plain,
    shape_second_sheet_without_ids,
)


def build_all(out: Path) -> list[UnseenShape]:
    out.mkdir(parents=True, exist_ok=True)
    return [build(out) for build in BUILDERS]
