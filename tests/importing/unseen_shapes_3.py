"""A third set of legacy export shapes, none of them like those of :mod:`.legacy_shapes` or
:mod:`.unseen_shapes`, with their truth.

Written as real provinces' and ministries' old software and hand-made workbooks write them:

* a workbook of "Sơ yếu lý lịch" (Mẫu 2C) forms, one person per sheet, label–value pairs (the
  label and value in one cell or in two, two items on one line, the name in capitals, the
  birth date as "15 tháng 03 năm 1985") above the form's family table;
* a person spanning two physical rows (the second row continues the post and the notes);
* separate "Số CMND" (9 digits, old card) and "Số CCCD" columns, some people with one only;
* an .xlsx written by a streaming Java writer (Apache POI SXSSF): inline strings and rich
  text runs, no shared strings, no dimension, dates as numbers with a custom format;
* an .xlsm import template: an instruction sheet, a hidden code-list sheet, the visible header
  at row 5 with a hidden row of field codes under it, drop-down values "1 - Nam", "01 - Kinh";
* a web application's CSV: quoted cells with line breaks, doubled quotes and commas, dates as
  an en-US Excel shows them ("15-Mar-85", "15-Mar-1985");
* a LibreOffice .ods: repeated rows and columns, covered cells under merges, date-valued
  cells, a collapsed (hidden) row, a header cell of two paragraphs, ``<text:s/>`` spaces;
* the "Trong đó" tick block ("Nữ" | "Đảng viên" | "Dân tộc thiểu số") with no sex column;
* the same people on two sheets of one workbook (merged into one profile each, not counted
  twice, nothing held);
* a FoxPro/dBase era dump: short unaccented field names ("HOTEN", "NGAYSINH", "PHAI",
  "SOCCCD", "TENDV"), dates as "19850315";
* the name and the birth date in one cell ("Họ và tên\\nNgày sinh");
* a Party committee's list: "Đ/c" and "Đồng chí" before the names, numbering restarting in
  each section, "Tổng cộng: 6 đồng chí" and "Trong đó: nữ 3 đồng chí" rows;
* IDs not yet issued ("Chưa có", "Đang làm CCCD": held) beside IDs with a note after them;
* the header frozen at row 8, the table from column D behind hidden helper columns whose
  lookups answer "#N/A";
* a CSV saved from such a workbook: "#N/A", "#VALUE!", "#REF!" written as text;
* a person listed twice on one sheet (under two sections);
* names with invisible characters (zero-width spaces, a BOM, a soft hyphen);
* a long list split over two sheets, the second without a header.

Each builder returns an :class:`.unseen_shapes.UnseenShape`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .legacy_shapes import Grid, Person, dmy, excel_serial, people, write_xlsx
from .unseen_shapes import FINANCE, FINANCE_NAME, HOME, HOME_NAME, UnseenShape

_MONTHS_EN = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _en_date(d: date, long_year: bool) -> str:
    """A date as an en-US Excel shows it with the "d-mmm-yy" format (saved so to CSV)."""
    year = f"{d.year}" if long_year else f"{d.year % 100:02d}"
    return f"{d.day}-{_MONTHS_EN[d.month - 1]}-{year}"


# -- shapes ------------------------------------------------------------------------------------
def shape_form_2c_sheets(out: Path) -> UnseenShape:
    """A workbook of "Sơ yếu lý lịch" forms (Mẫu 2C-BNV/2008 and 2C-TCTW-98), one person per
    sheet: the agency lines, the title, numbered label–value items (the value in the next
    cells, or after the colon in the label's own cell), two items on one line ("Sinh ngày" and
    "Giới tính"), the name in capitals, the date as "15 tháng 03 năm 1985", then the form's
    family table (relatives are not people of the list)."""
    ps = people(4, 1000)
    sheets: dict[str, list[list[Any]]] = {}
    merges: dict[str, list[str]] = {}
    for i, p in enumerate(ps):
        d = p.dob
        born = f"{d.day:02d} tháng {d.month:02d} năm {d.year}"
        rows: list[list[Any]] = [
            ["Cơ quan, đơn vị có thẩm quyền quản lý CBCC: UBND tỉnh Phú Thọ", None, None, None,
             "Số hiệu cán bộ, công chức:", f"CB{i + 1:04d}"],
            ["Cơ quan, đơn vị sử dụng CBCC: Sở Nội vụ"],
            [],
            [None, "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC"],
            [],
        ]  # fmt: skip
        if i % 2 == 0:  # label and value in separate cells
            rows += [
                ["1) Họ và tên khai sinh (viết chữ in hoa):", None, p.name.upper()],
                ["2) Tên gọi khác:", None, None],
                ["3) Sinh ngày:", None, born, None, "Giới tính (nam, nữ):", p.sex_word],
                ["4) Nơi sinh:", None, "Xã Tam Nông, huyện Tam Nông, tỉnh Phú Thọ"],
                ["5) Quê quán:", None, "Xã Hương Nộn, huyện Tam Nông, tỉnh Phú Thọ"],
                ["6) Dân tộc:", None, "Kinh", None, "7) Tôn giáo:", "Không"],
                ["8) Số CCCD:", None, p.pid, None, "Ngày cấp:", "10/05/2021"],
                ["9) Nơi đăng ký hộ khẩu thường trú:", None, "Phường Gia Cẩm, TP Việt Trì"],
                ["12) Chức vụ (chức danh) hiện tại:", None, "Chuyên viên"],
            ]
        else:  # 2C-TCTW-98: "label: value" in one cell
            rows += [
                [f"1) Họ và tên đang dùng: {p.name.upper()}"],
                ["2) Tên gọi khác: không"],
                [f"3) Sinh ngày {d.day} tháng {d.month} năm {d.year}", None, None, None,
                 f"Giới tính: {p.sex_word}"],
                ["4) Nơi sinh: Xã Tam Nông, huyện Tam Nông, tỉnh Phú Thọ"],
                ["5) Dân tộc: Kinh", None, None, None, "6) Tôn giáo: Không"],
                [f"7) Số CMND/CCCD: {p.pid}", None, None, None, "Ngày cấp: 10/05/2021"],
                ["8) Chức vụ hiện tại: Chuyên viên"],
            ]  # fmt: skip
        rows += [
            [],
            ["27) Quan hệ gia đình"],
            ["Mối quan hệ", "Họ và tên", "Năm sinh", "Quê quán, nghề nghiệp, chức danh, chức vụ"],
            ["Bố", f"{p.name.split()[0]} Văn Cha", d.year - 28, "Phú Thọ, nghỉ hưu"],
            ["Mẹ", "Trần Thị Mẹ", d.year - 26, "Phú Thọ, làm ruộng"],
            [],
            [None, None, None, "Phú Thọ, ngày 10 tháng 01 năm 2024"],
            [None, "Người khai", None, "Thủ trưởng cơ quan"],
            [None, "(Ký tên, ghi rõ họ tên)", None, "(Ký tên, đóng dấu)"],
        ]
        name = f"2C_{i + 1:02d}" if i < 3 else "NguyenVanHung"
        sheets[name] = rows
        merges[name] = ["B4:F4"]
    path = out / "so_yeu_ly_lich_2c.xlsx"
    write_xlsx(path, sheets, merges)
    return UnseenShape("form_2c_sheets", path, ps, {})


def shape_continuation_rows(out: Path) -> UnseenShape:
    """A printed list whose long cells wrapped into a second physical row: the person's row,
    then a row holding only the rest of "Chức vụ, đơn vị công tác" and of "Ghi chú". The
    continuation rows are not people: skipped and listed."""
    ps = people(6, 1010)
    g = Grid([["DANH SÁCH CÔNG CHỨC ĐỀ NGHỊ NÂNG LƯƠNG"], []])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ, đơn vị công tác",
           "Ghi chú"])  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên Phòng Tổ chức",
               "Nâng lương trước" if i % 2 else None])  # fmt: skip
        if i % 2 == 0:
            g.add([None, None, None, None, None, "- Sở Nội vụ tỉnh Phú Thọ", None], layout=True)
        if i == 3:
            g.add([None, None, None, None, None, None, "thời hạn do lập thành tích"], layout=True)
    path = out / "nang_luong_2_dong.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape("continuation_rows", path, ps, {"DS": g.layout})


def shape_cmnd_beside_cccd(out: Path) -> UnseenShape:
    """Two ID columns as lists of 2016–2021 have them: "Số CMND" (the old 9-digit card) and
    "Số CCCD". Most people have both, some only the CCCD, one only the old CMND (held: a new
    profile needs the 12-digit personal ID, with the problem under "Số CCCD")."""
    ps = people(6, 1020)
    g = Grid([["DANH SÁCH TRÍCH NGANG"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CMND", "Số CCCD", "Chức vụ"])
    for i, p in enumerate(ps):
        old = f"13{i}{p.pid[-6:]}" if i % 3 != 2 else None
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, old, p.pid, "Chuyên viên"])
    held = g.add([7, "Hà Thị Cũ", "04/05/1970", "Nữ", "131234567", None, "Chuyên viên"])
    path = out / "cmnd_cccd.xlsx"
    write_xlsx(path, {"Trích ngang": g.rows}, {})
    shape = UnseenShape("cmnd_beside_cccd", path, ps, {"Trích ngang": set()})
    shape.bad_rows[("Trích ngang", held)] = {"Số CCCD"}
    return shape


def _xlsx_package(path: Path, sheet_xml: str, styles: str, main_type: str, name: str) -> None:
    """An .xlsx with one sheet, no shared strings, no docProps (as a streaming writer makes)."""
    ct = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(name)}" sheetId="1" r:id="rId3"/></sheets></workbook>'
    )
    wb_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        z.writestr("xl/styles.xml", styles)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)


def _ref(c: int, r: int) -> str:
    s = ""
    c += 1
    while c:
        c, k = divmod(c - 1, 26)
        s = chr(65 + k) + s
    return f"{s}{r}"


def shape_poi_inline_strings(out: Path) -> UnseenShape:
    """An .xlsx from a Java system's streaming writer (Apache POI SXSSF): every text an inline
    string (``t="inlineStr"``), a header with rich-text runs ("Họ và tên" + a red "(*)"), no
    shared strings, no dimension, birth dates as numbers styled with a custom "dd/mm/yyyy"
    format, IDs as text, a formula cell with a string result (``t="str"``)."""
    ps = people(6, 1030)
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Times New Roman"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs></styleSheet>"
    )

    def inline(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'

    xml_rows = []
    xml_rows.append('<row r="1">' + inline("A1", "DANH SÁCH CÁN BỘ (xuất từ hệ thống)") + "</row>")
    head = ["STT", None, "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Đơn vị"]
    cells = []
    for c, h in enumerate(head):
        if h is None:  # rich text: "Họ và tên" then a red "(*)"
            cells.append(f'<c r="{_ref(c, 3)}" t="inlineStr"><is><r><rPr><b/></rPr>'
                         '<t xml:space="preserve">Họ và tên </t></r><r><rPr><color rgb="FFFF0000"/>'
                         "</rPr><t>(*)</t></r></is></c>")  # fmt: skip
        else:
            cells.append(inline(_ref(c, 3), h))
    xml_rows.append('<row r="3">' + "".join(cells) + "</row>")
    for i, p in enumerate(ps):
        r = 4 + i
        cells = [
            f'<c r="{_ref(0, r)}"><v>{i + 1}</v></c>',
            inline(_ref(1, r), p.name),
            f'<c r="{_ref(2, r)}" s="1"><v>{excel_serial(p.dob)}</v></c>',
            inline(_ref(3, r), p.sex_word),
            inline(_ref(4, r), p.pid),
            f'<c r="{_ref(5, r)}" t="str"><f>"Sở "&amp;"Nội vụ"</f><v>Sở Nội vụ</v></c>',
        ]
        xml_rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>" + "".join(xml_rows) + "</sheetData></worksheet>"
    )
    path = out / "export_sxssf.xlsx"
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    _xlsx_package(path, sheet, styles, main, "Danh sach")
    return UnseenShape("poi_inline_strings", path, ps, {"Danh sach": set()},
                       units={p.pid: HOME for p in ps})  # fmt: skip


def shape_macro_template_xlsm(out: Path) -> UnseenShape:
    """An .xlsm import template of a ministry's system: an instruction sheet, the data sheet
    with the visible header at row 5, a hidden row of the system's field codes under it
    ("HO_TEN", "NGAY_SINH" …), a row of column numbers, drop-down values "1 - Nam" / "2 - Nữ"
    and "01 - Kinh", and a hidden code-list sheet ("DanhMuc") the drop-downs read."""
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    ps = people(6, 1040)
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "HuongDan"
    for line in [["HƯỚNG DẪN"], ["1. Không sửa dòng tiêu đề và dòng mã trường (ẩn)."],
                 ["2. Giới tính, Dân tộc chọn trong danh sách."]]:  # fmt: skip
        guide.append(line)
    ws = wb.create_sheet("DuLieu")
    ws.append(["BỘ NỘI VỤ"])
    ws.append(["MẪU NHẬP DỮ LIỆU HỒ SƠ CÁN BỘ"])
    ws.append([])
    ws.append(["(Các cột có dấu * là bắt buộc)"])
    ws.append(["STT", "Họ và tên (*)", "Ngày sinh (*)", "Giới tính (*)",
               "Số định danh cá nhân (*)", "Dân tộc", "Tôn giáo"])  # fmt: skip
    ws.append(["", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "SO_DDCN", "MA_DAN_TOC", "MA_TON_GIAO"])
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"])
    ws.row_dimensions[6].hidden = True
    for i, p in enumerate(ps):
        ws.append([i + 1, p.name, dmy(p.dob), "2 - Nữ" if p.female else "1 - Nam", p.pid,
                   "01 - Kinh", "00 - Không"])  # fmt: skip
    ws.freeze_panes = "C8"
    lists = wb.create_sheet("DanhMuc")
    lists.append(["Giới tính", "Dân tộc", "Tôn giáo"])
    for row in [["1 - Nam", "01 - Kinh", "00 - Không"], ["2 - Nữ", "02 - Tày", "01 - Phật giáo"],
                [None, "03 - Thái", "02 - Công giáo"]]:  # fmt: skip
        lists.append(row)
    lists.sheet_state = "hidden"
    dv = DataValidation(type="list", formula1="=DanhMuc!$A$2:$A$3")
    ws.add_data_validation(dv)
    dv.add(f"D8:D{7 + len(ps)}")
    plain = out / "plain.xlsx"
    wb.save(plain)
    path = out / "mau_nhap_ho_so.xlsm"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            dst.writestr(item, data)
    plain.unlink()
    return UnseenShape("macro_template_xlsm", path, ps, {"DuLieu": {6, 7}},
                       unrecognised_sheets={"HuongDan", "DanhMuc"})  # fmt: skip


def shape_csv_multiline_cells(out: Path) -> UnseenShape:
    """A web application's "Tải về CSV": UTF-8 without a BOM, comma separated, CRLF between
    records and LF inside quoted cells (a work history over several lines), doubled quotes
    and commas inside cells, the birth date as an en-US Excel shows it ("5-Mar-85",
    "5-Mar-1985")."""
    ps = people(6, 1050)
    rows: list[list[Any]] = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD",
                              "Quá trình công tác", "Ghi chú"]]  # fmt: skip
    for i, p in enumerate(ps):
        history = "2005-2010: Chuyên viên, UBND huyện Tam Nông\n2010-nay: Sở Nội vụ, Phú Thọ"
        note = 'Chi bộ "Văn phòng", Đảng bộ Sở' if i % 2 else None
        rows.append([i + 1, p.name, _en_date(p.dob, long_year=i % 2 == 1), p.sex_word, p.pid,
                     history, note])  # fmt: skip
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in r] for r in rows]
    )
    path = out / "tai_ve.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return UnseenShape("csv_multiline_cells", path, ps, {path.stem: set()})


def _ods(path: Path, body: str) -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        "<office:body><office:spreadsheet>" + body + "</office:spreadsheet>"
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.3"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def shape_libreoffice_ods(out: Path) -> UnseenShape:
    """An .ods as LibreOffice Calc saves it: empty rows and cells compressed with
    ``number-rows-repeated`` / ``number-columns-repeated`` (the last row repeated to the
    sheet's end), a title merged across the table (``covered-table-cell``), a header cell of
    two paragraphs ("Số CCCD" / "(12 số)"), ``<text:s/>`` for runs of spaces, birth dates as
    date-valued cells shown "dd/mm/yy", a collapsed (hidden) row holding a person."""
    ps = people(6, 1060)

    def text(v: str) -> str:
        return f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p>' \
               "</table:table-cell>"  # fmt: skip

    rows = [
        '<table:table-row><table:table-cell table:number-columns-spanned="5" '
        'office:value-type="string"><text:p>DANH SÁCH CÁN BỘ</text:p></table:table-cell>'
        '<table:covered-table-cell table:number-columns-repeated="4"/></table:table-row>',
        '<table:table-row table:number-rows-repeated="2"><table:table-cell '
        'table:number-columns-repeated="5"/></table:table-row>',
        "<table:table-row>"
        + text("STT")
        + text("Họ và tên")
        + text("Ngày sinh")
        + text("Giới tính")
        + '<table:table-cell office:value-type="string"><text:p>Số CCCD'
        "</text:p><text:p>(12 số)</text:p></table:table-cell></table:table-row>",
    ]
    for i, p in enumerate(ps):
        family, given = p.name.rsplit(" ", 1)
        name = f"<text:p>{escape(family)} <text:s/>{escape(given)}</text:p>"  # two spaces
        attrs = ' table:visibility="collapse"' if i == 2 else ""
        d = p.dob
        rows.append(
            f"<table:table-row{attrs}>"
            f'<table:table-cell office:value-type="float" office:value="{i + 1}"><text:p>{i + 1}'
            "</text:p></table:table-cell>"
            f'<table:table-cell office:value-type="string">{name}</table:table-cell>'
            f'<table:table-cell office:value-type="date" office:date-value="{d.isoformat()}">'
            f"<text:p>{d.strftime('%d/%m/%y')}</text:p></table:table-cell>"
            + text(p.sex_word)
            + text(p.pid)
            + "</table:table-row>"
        )
        if i == 3:
            rows.append(
                '<table:table-row table:number-rows-repeated="3">'
                '<table:table-cell table:number-columns-repeated="5"/></table:table-row>'
            )
    rows.append(
        '<table:table-row table:number-rows-repeated="1048560">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    body = ('<table:table table:name="Cán bộ"><table:table-column table:number-columns-repeated='
            '"1024"/>' + "".join(rows) + "</table:table>")  # fmt: skip
    path = out / "danh_sach_libreoffice.ods"
    _ods(path, body)
    return UnseenShape("libreoffice_ods", path, ps, {"Cán bộ": set()})


def shape_female_tick_column(out: Path) -> UnseenShape:
    """The report form's "Trong đó" block: ticks under "Nữ" | "Đảng viên" | "Dân tộc thiểu số"
    ("x", "√", "X"); no sex column (a person with no tick under "Nữ" is a man)."""
    ps = people(6, 1070)
    g = Grid([["DANH SÁCH CÔNG CHỨC"]])
    g.add(["STT", "Họ và tên", "Ngày, tháng, năm sinh", "Trong đó", None, None, "Số CCCD",
           "Chức vụ"])  # fmt: skip
    g.add([None, None, None, "Nữ", "Đảng viên", "Dân tộc thiểu số", None, None])
    ticks = ["x", "√", "X"]
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), ticks[i % 3] if p.female else None,
               "x" if i % 2 == 0 else None, "x" if i == 4 else None, p.pid,
               "Chuyên viên"])  # fmt: skip
    path = out / "trong_do_nu.xlsx"
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:G3", "H2:H3"]
    write_xlsx(path, {"DS": g.rows}, {"DS": merges})
    return UnseenShape("female_tick_column", path, ps, {"DS": set()})


def shape_same_person_two_sheets(out: Path) -> UnseenShape:
    """One workbook, the same people on two sheets: the whole agency, then the Party members
    again with their admission date. Each person becomes one profile (not counted twice, not
    held as a duplicate)."""
    ps = people(6, 1080)
    first: list[list[Any]] = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD",
                               "Chức vụ"]]  # fmt: skip
    for i, p in enumerate(ps):
        first.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"])
    second: list[list[Any]] = [["DANH SÁCH ĐẢNG VIÊN"],
                               ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD",
                                "Ngày vào Đảng"]]  # fmt: skip
    for i, p in enumerate(ps[::2]):
        second.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "03/02/2010"])
    path = out / "hai_danh_sach.xlsx"
    write_xlsx(path, {"Toàn cơ quan": first, "Đảng viên": second}, {})
    return UnseenShape("same_person_two_sheets", path, ps,
                       {"Toàn cơ quan": set(), "Đảng viên": set()})  # fmt: skip


def shape_foxpro_fields(out: Path) -> UnseenShape:
    """A FoxPro/dBase era table dumped to CSV: short unaccented field names ("MACB",
    "HOTEN", "NGAYSINH", "PHAI", "SOCCCD", "TENDV"), the birth date as "19850315", the
    unit by name."""
    ps = people(6, 1090)
    rows: list[list[Any]] = [["MACB", "HOTEN", "NGAYSINH", "PHAI", "SOCCCD", "TENDV"]]
    units = {}
    for i, p in enumerate(ps):
        unit = HOME_NAME if i < 3 else FINANCE_NAME
        units[p.pid] = HOME if i < 3 else FINANCE
        rows.append([f"CB{i:05d}", p.name, p.dob.strftime("%Y%m%d"), p.sex_word, p.pid, unit])
    path = out / "CANBO.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return UnseenShape("foxpro_fields", path, ps, {path.stem: set()}, units=units)


def shape_name_dob_one_cell(out: Path) -> UnseenShape:
    """A Party-style "trích ngang": the name and the birth date in one cell over two lines
    under the header "Họ và tên\\nNgày sinh"."""
    ps = people(6, 1100)
    g = Grid([["TRÍCH NGANG CÁN BỘ"]])
    g.add(["TT", "Họ và tên\nNgày sinh", "Giới tính", "Số CCCD", "Quê quán", "Chức vụ"])
    for i, p in enumerate(ps):
        g.add([i + 1, f"{p.name}\n{dmy(p.dob)}", p.sex_word, p.pid, "Phú Thọ", "Chuyên viên"])
    path = out / "trich_ngang_gop.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape("name_dob_one_cell", path, ps, {"DS": set()})


def shape_honorific_sections(out: Path) -> UnseenShape:
    """A Party committee's list: "Đ/c", "đ/c" and "Đồng chí" before the names, numbering
    restarting in each section ("A. BAN THƯỜNG VỤ", "B. ỦY VIÊN BAN CHẤP HÀNH"), a total row
    "Tổng cộng: 6 đồng chí" merged across the table and "Trong đó: nữ 3 đồng chí"."""
    ps = people(6, 1110)
    g = Grid([["ĐẢNG BỘ SỞ NỘI VỤ"], ["DANH SÁCH BAN CHẤP HÀNH NHIỆM KỲ 2020 - 2025"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ Đảng"])
    prefixes = ["Đ/c ", "đ/c ", "Đồng chí ", "Đ/c: ", "Đ/C ", "Đồng chí "]
    merges = []
    for s, (title, group) in enumerate([("A. BAN THƯỜNG VỤ", ps[:2]),
                                        ("B. ỦY VIÊN BAN CHẤP HÀNH", ps[2:])]):  # fmt: skip
        g.add([title], layout=True)
        for i, p in enumerate(group):
            k = ps.index(p)
            g.add([i + 1, prefixes[k] + p.name, dmy(p.dob), p.sex_word, p.pid,
                   "Bí thư" if s == 0 and i == 0 else "Ủy viên"])  # fmt: skip
    r = g.add(["Tổng cộng: 6 đồng chí"], layout=True)
    merges.append(f"A{r}:F{r}")
    g.add([None, "Trong đó: nữ 3 đồng chí"], layout=True)
    path = out / "bch_dang_bo.xlsx"
    write_xlsx(path, {"BCH": g.rows}, {"BCH": merges})
    return UnseenShape("honorific_sections", path, ps, {"BCH": g.layout})


def shape_pending_ids(out: Path) -> UnseenShape:
    """IDs not yet issued, as units write them while citizens wait for their cards: "Chưa
    có", "Đang làm CCCD", "-" (held, with the problem under the ID column), beside IDs with a
    note after them ("… (gắn chip)": the ID taken)."""
    ps = people(5, 1120)
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"])
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, f"{p.pid} (gắn chip)" if i % 2 else p.pid])
    bad = {}
    for k, (name, pid) in enumerate([("Lê Văn Chờ", "Chưa có"), ("Đỗ Thị Đợi", "Đang làm CCCD"),
                                     ("Hồ Văn Thiếu", "-")]):  # fmt: skip
        r = g.add([6 + k, name, "01/02/1990", "Nữ" if "Thị" in name else "Nam", pid])
        bad[("DS", r)] = {"Số định danh cá nhân"}
    path = out / "cho_cap_cccd.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape("pending_ids", path, ps, {"DS": set()}, bad_rows=bad)


def shape_frozen_header_helper_columns(out: Path) -> UnseenShape:
    """A province's reporting workbook: a letterhead and a "Đơn vị báo cáo" line, the header
    frozen at row 8 and the table from column D, three hidden helper columns A–C in front of it
    (a lookup key, the unit looked up by VLOOKUP with cached "#N/A" errors, a check column),
    an age formula answering "#VALUE!" for one person, a column-number row."""
    ps = people(6, 1130)
    rows: list[list[Any]] = [
        [None, None, None, "UBND TỈNH PHÚ THỌ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [None, None, None, "SỞ NỘI VỤ", None, None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        [None, None, None, "BÁO CÁO DANH SÁCH CÁN BỘ, CÔNG CHỨC"],
        [None, None, None, "Đơn vị báo cáo: Sở Nội vụ"],
        [],
        [],
        ["Khóa", "Mã ĐV (tra cứu)", "Kiểm tra", "STT", "Họ và tên", "Ngày sinh", "Giới tính",
         "Số định danh cá nhân", "Tuổi"],
        [None, None, None, "(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
    ]  # fmt: skip
    formulas: dict[tuple[int, int], tuple[str, Any]] = {}
    for i, p in enumerate(ps):
        n = len(rows) + 1
        rows.append([None, None, None, i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, None])
        formulas[(n - 1, 0)] = (f"=H{n}&E{n}", p.pid + p.name)
        formulas[(n - 1, 1)] = (f"=VLOOKUP(A{n},DM!A:B,2,0)", "#N/A")
        formulas[(n - 1, 2)] = (f'=IF(LEN(H{n})=12,"OK","Sai")', "OK")
        formulas[(n - 1, 8)] = (f"=2024-RIGHT(F{n},4)", "#VALUE!" if i == 2 else 2024 - p.dob.year)
    path = out / "bao_cao_co_cot_an.xlsx"
    from .unseen_shapes import write_xlsxwriter

    write_xlsxwriter(path, "DS", rows, formulas=formulas, hidden_cols=(0, 1, 2))
    return UnseenShape("frozen_header_helper_columns", path, ps, {"DS": {9}})


def shape_csv_formula_errors(out: Path) -> UnseenShape:
    """A CSV saved from an Excel workbook whose lookup columns failed: "#N/A" in the unit and
    the grade columns, "#VALUE!" and "#REF!" in others (the errors as text, as Excel writes
    them); the people arrive, the error cells read as empty."""
    ps = people(6, 1140)
    rows: list[list[Any]] = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị",
                              "Mã ngạch", "Tuổi", "Ghi chú"]]  # fmt: skip
    for i, p in enumerate(ps):
        rows.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid,
                     "#N/A" if i % 2 else HOME_NAME, "#N/A" if i < 3 else "01.003",
                     "#VALUE!", "#REF!" if i == 4 else None])  # fmt: skip
    path = out / "tra_cuu_loi.csv"
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(
        [["" if v is None else v for v in r] for r in rows]
    )
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return UnseenShape("csv_formula_errors", path, ps, {path.stem: set()},
                       units={p.pid: HOME for i, p in enumerate(ps) if i % 2 == 0})  # fmt: skip


def shape_duplicate_row_two_sections(out: Path) -> UnseenShape:
    """A person listed twice on one sheet, as lists by function do: the director under "I.
    LÃNH ĐẠO" and again, in capitals with the Party post, under "II. ĐẢNG ỦY" (one person, one
    profile; the second row is no error)."""
    ps = people(5, 1150)
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ"])
    g.add(["I. LÃNH ĐẠO"], layout=True)
    g.add([1, ps[0].name, dmy(ps[0].dob), ps[0].sex_word, ps[0].pid, "Giám đốc"])
    g.add(["II. ĐẢNG ỦY"], layout=True)
    g.add([1, ps[0].name.upper(), dmy(ps[0].dob), ps[0].sex_word, ps[0].pid, "Bí thư"])
    g.add(["III. CÔNG CHỨC"], layout=True)
    for i, p in enumerate(ps[1:]):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"])
    path = out / "trung_dong.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape("duplicate_row_two_sections", path, ps, {"DS": g.layout})


def shape_invisible_characters(out: Path) -> UnseenShape:
    """Names pasted from web pages and Word: non-breaking spaces, zero-width spaces after the
    spaces, a BOM before the name and a tab after it, a soft hyphen, an NFD "ư"; a zero-width
    space before an ID."""
    ps = people(5, 1160)
    forms = [
        lambda n: n.replace(" ", "\u00a0"),
        lambda n: n.replace(" ", " \u200b"),
        lambda n: "\ufeff" + n + "\t",
        lambda n: n.replace("ế", "\u00adế") + "\u200b",
        lambda n: n.replace("ư", "u\u031b"),
    ]
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"])
    for i, p in enumerate(ps):
        g.add([i + 1, forms[i](p.name), dmy(p.dob), p.sex_word, "\u200b" + p.pid])
    path = out / "ky_tu_an.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape("invisible_characters", path, ps, {"DS": set()})


def shape_table_continued_on_next_sheet(out: Path) -> UnseenShape:
    """A long list split over two sheets: "Sheet2" goes on with the people of "Sheet1"
    without a header of its own."""
    ps = people(8, 1170)
    first = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ"]]
    for i, p in enumerate(ps[:5]):
        first.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"])
    second = []
    for i, p in enumerate(ps[5:], start=6):
        second.append([i, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"])
    path = out / "hai_trang_noi_tiep.xlsx"
    write_xlsx(path, {"Sheet1": first, "Sheet2": second}, {})
    sheets: dict[str, set[int]] = {"Sheet1": set(), "Sheet2": set()}
    return UnseenShape("table_continued_on_next_sheet", path, ps, sheets)


BUILDERS: tuple[Callable[[Path], UnseenShape], ...] = (
    shape_form_2c_sheets,
    shape_continuation_rows,
    shape_cmnd_beside_cccd,
    shape_poi_inline_strings,
    shape_macro_template_xlsm,
    shape_csv_multiline_cells,
    shape_libreoffice_ods,
    shape_female_tick_column,
    shape_same_person_two_sheets,
    shape_foxpro_fields,
    shape_name_dob_one_cell,
    shape_honorific_sections,
    shape_pending_ids,
    shape_frozen_header_helper_columns,
    shape_csv_formula_errors,
    shape_duplicate_row_two_sections,
    shape_invisible_characters,
    shape_table_continued_on_next_sheet,
)

__all__ = ["BUILDERS", "Person"]
