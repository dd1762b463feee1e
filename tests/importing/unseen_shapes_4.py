"""A fourth set of legacy export shapes, none of them like those of :mod:`.legacy_shapes`,
:mod:`.unseen_shapes` or :mod:`.unseen_shapes_3`, with their truth.

Written as provincial HR offices and old vendors' software (2010–2024) write their lists:

* an .xls (BIFF8) with one sheet per unit, the unit named only in a title cell above the
  table ("ĐƠN VỊ: Sở Nội vụ"), no unit column;
* a vendor's coded export: sex 1/2, ethnicity and religion as bare codes (numbers that lost
  their leading zero, or text "06"), a legend sheet ("DanhMuc") with the code tables;
* an .xls from a project with English headers ("Full name", "D.O.B", "ID No.", "Sex",
  "Ethnic", "Department");
* a three-row header with merged cells ("THÔNG TIN CÁ NHÂN" over "Ngày tháng năm sinh" over
  "Nam" | "Nữ"; "NGẠCH" over "Tên ngạch" | "Mã ngạch") and grade codes in old spellings
  ("01.003", the number 1.003, "01003", "1.003");
* birth dates known only in part as lists write them: "năm 1985", "tháng 3/1985",
  "00/00/1985", "00/03/1985", "../../1985", Excel's vi-VN "15-Thg3-85", SQL Server's
  "1985-03-15 00:00:00.000";
* a CSV in VNI-Windows (the VNI font's bytes, cp1252), ";" separated with decimal commas and
  an ID in scientific notation with a decimal comma ("2,50801E+11": digits lost, held);
* a Party list with columns that look like the key ones ("Bí danh", "Số thẻ đảng viên",
  "Ngày vào Đảng", "Ngày chính thức" before "Ngày sinh", "Họ tên vợ (chồng)", a phone number);
* a person over three physical rows with the name, birth date, sex and ID merged down and one
  work-history line per row;
* an .xlsx saved by Excel for Mac with the 1904 date system (date cells, serials 1462 days
  smaller);
* a UTF-8 CSV opened in Excel as ANSI (cp1252) and saved as .xlsx: every text double-encoded
  ("Nguyá»…n VÄƒn");
* struck-through, grey rows of retired people ("Đã nghỉ hưu" in "Trạng thái", the date in
  "Ghi chú"), rows hidden by a filter, frozen panes, cell comments;
* personal IDs as numbers after a round trip through CSV: exact ones (some shown in
  scientific notation, the value whole) and ones whose digits were lost (25080100000: held);
* a printed list: every page repeats the header and the column-number row, with
  "Cộng trang" subtotals and "Trang 2/3" lines;
* "Họ" | "Tên đệm" | "Tên" as top-level columns and "Danh xưng" (Ông/Bà) instead of a sex
  column;
* both "Ngày sinh" (full dates, for one old district) and "Năm sinh" (years, for another).

Each builder returns an :class:`UnseenShape4` (an :class:`.unseen_shapes.UnseenShape` that may
also name profile fields each person must end with).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from transfer.legacy_text import from_unicode

from .legacy_shapes import Grid, dmy, excel_serial, people, write_xls, write_xlsx
from .unseen_shapes import FINANCE, FINANCE_NAME, HOME, HOME_NAME, UnseenShape


@dataclass
class UnseenShape4(UnseenShape):
    #: pid → {Profile attribute: the value it must hold} (codes, grade …)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)


def _write_csv_bytes(rows: list[list[Any]], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in r] for r in rows]
    )
    return buf.getvalue()


# -- shapes ------------------------------------------------------------------------------------
def shape_unit_title_sheets_xls(out: Path) -> UnseenShape4:
    """An .xls (BIFF8) of a province's old HR software: one sheet per unit, the unit named
    only in a title cell above the table ("ĐƠN VỊ: Sở Nội vụ", "Đơn vị: Sở Tài chính"), no
    unit column; each sheet with its letterhead line and a column-number row."""
    a, b = people(4, 2000), people(3, 2010)
    sheets: dict[str, list[list[Any]]] = {}
    layout: dict[str, set[int]] = {}
    units: dict[str, str] = {}
    for sheet, title, group, code in (("SNV", "ĐƠN VỊ: Sở Nội vụ", a, HOME),
                                      ("STC", "Đơn vị: Sở Tài chính", b, FINANCE)):  # fmt: skip
        g = Grid([["UBND TỈNH PHÚ THỌ"], ["DANH SÁCH CÁN BỘ, CÔNG CHỨC NĂM 2012"], [title], []])
        g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CMND/CCCD", "Chức vụ"])
        g.add([1, 2, 3, 4, 5, 6], layout=True)
        for i, p in enumerate(group):
            g.add([i + 1, p.name, p.dob if i % 2 else dmy(p.dob), p.sex_word, p.pid,
                   "Chuyên viên"])  # fmt: skip
            units[p.pid] = code
        sheets[sheet] = g.rows
        layout[sheet] = g.layout
    path = out / "don_vi_tung_trang.xls"
    write_xls(path, sheets, {})
    return UnseenShape4("unit_title_sheets_xls", path, a + b, layout, units=units)


def shape_coded_values_legend(out: Path) -> UnseenShape4:
    """A vendor's export with coded values: "Giới tính" 1/2, "Dân tộc" and "Tôn giáo" as bare
    codes of the national lists (numbers that lost their leading zero, or text "06"), and a
    legend sheet ("DanhMuc") with the code tables after the data sheet."""
    ps = people(6, 2020)
    ethnic: list[tuple[Any, str]] = [(1, "01"), ("06", "06"), (2, "02"), ("01", "01"), (6, "06"),
                                     (1, "01")]  # fmt: skip
    religion: list[tuple[Any, str]] = [(0, "00"), (1, "01"), ("00", "00"), (0, "00"), (2, "02"),
                                       (0, "00")]  # fmt: skip
    rows: list[list[Any]] = [["MaCB", "HoTen", "NgaySinh", "GioiTinh", "SoCCCD", "MaDanToc",
                              "MaTonGiao"]]  # fmt: skip
    fields: dict[str, dict[str, str]] = {}
    for i, p in enumerate(ps):
        rows.append([f"CB{i + 1:04d}", p.name, dmy(p.dob), 2 if p.female else 1, p.pid,
                     ethnic[i][0], religion[i][0]])  # fmt: skip
        fields[p.pid] = {"ethnicity": ethnic[i][1], "religion": religion[i][1]}
    legend: list[list[Any]] = [["DANH MỤC MÃ"], ["Giới tính", None, "Dân tộc", None, "Tôn giáo"],
                               [1, "Nam", 1, "Kinh", 0, "Không"],
                               [2, "Nữ", 2, "Tày", 1, "Phật giáo"],
                               [None, None, 6, "Mường", 2, "Công giáo"]]  # fmt: skip
    path = out / "xuat_ma_hoa.xlsx"
    write_xlsx(path, {"DuLieu": rows, "DanhMuc": legend}, {})
    return UnseenShape4("coded_values_legend", path, ps, {"DuLieu": set()},
                        unrecognised_sheets={"DanhMuc"}, fields=fields)  # fmt: skip


def shape_english_headers_xls(out: Path) -> UnseenShape4:
    """An .xls (BIFF8) from a donor project's staff database: English headers ("No.",
    "Full name", "Sex", "D.O.B", "ID No.", "Ethnic", "Department"), birth dates as date cells,
    sex "Male"/"Female", units by their Vietnamese names."""
    ps = people(6, 2030)
    rows: list[list[Any]] = [["STAFF LIST"], [],
                             ["No.", "Full name", "Sex", "D.O.B", "ID No.", "Ethnic",
                              "Department"]]  # fmt: skip
    units: dict[str, str] = {}
    for i, p in enumerate(ps):
        unit = HOME_NAME if i % 2 else FINANCE_NAME
        units[p.pid] = HOME if i % 2 else FINANCE
        rows.append([i + 1, p.name, "Female" if p.female else "Male", p.dob, p.pid, "Kinh", unit])
    path = out / "staff_list.xls"
    write_xls(path, {"Staff": rows}, {})
    return UnseenShape4("english_headers_xls", path, ps, {"Staff": set()}, units=units,
                        fields={p.pid: {"ethnicity": "01"} for p in ps})  # fmt: skip


def shape_three_row_header_grades(out: Path) -> UnseenShape4:
    """A three-row header with merged cells: "THÔNG TIN CÁ NHÂN" over "Họ và tên", "Ngày tháng
    năm sinh" (over "Nam" | "Nữ"), "Số CCCD"; "NGẠCH, BẬC LƯƠNG HIỆN HƯỞNG" over "Ngạch" (over
    "Tên ngạch" | "Mã ngạch"), "Bậc", "Hệ số", "Ngày hưởng". The grade code in the spellings
    old lists have: "01.003", the number 1.003 (Excel read "01.003" as a number), "01003",
    "1.003", the number 1.002."""
    ps = people(6, 2040)
    g = Grid([["DANH SÁCH CÔNG CHỨC"]])
    g.add(["STT", "THÔNG TIN CÁ NHÂN", None, None, None, "NGẠCH, BẬC LƯƠNG HIỆN HƯỞNG", None,
           None, None, None])  # fmt: skip
    g.add([None, "Họ và tên", "Ngày tháng năm sinh", None, "Số CCCD", "Ngạch", None, "Bậc",
           "Hệ số", "Ngày hưởng"])  # fmt: skip
    g.add([None, None, "Nam", "Nữ", None, "Tên ngạch", "Mã ngạch", None, None, None])
    codes: list[tuple[Any, str, str]] = [
        ("01.003", "Chuyên viên", "01.003"),
        (1.003, "Chuyên viên", "01.003"),
        ("01003", "Chuyên viên", "01.003"),
        ("1.003", "Chuyên viên", "01.003"),
        (1.002, "Chuyên viên chính", "01.002"),
        ("01.002", "Chuyên viên chính", "01.002"),
    ]
    fields: dict[str, dict[str, str]] = {}
    for i, p in enumerate(ps):
        d = dmy(p.dob)
        written, name, code = codes[i]
        g.add([i + 1, p.name, None if p.female else d, d if p.female else None, p.pid, name,
               written, 3, 3.0 if code == "01.003" else 4.98, "01/01/2022"])  # fmt: skip
        fields[p.pid] = {"grade_code": code}
    merges = ["A2:A4", "B2:E2", "F2:J2", "B3:B4", "C3:D3", "E3:E4", "F3:G3", "H3:H4", "I3:I4",
              "J3:J4"]  # fmt: skip
    path = out / "tieu_de_ba_dong.xlsx"
    write_xlsx(path, {"DS": g.rows}, {"DS": merges})
    return UnseenShape4("three_row_header_grades", path, ps, {"DS": set()}, fields=fields)


def shape_partial_date_words(out: Path) -> UnseenShape4:
    """Birth dates known only in part, as lists write them: "năm 1985", "tháng 3/1985",
    "Tháng 03 năm 1985", "00/00/1985", "00/03/1985", "../../1985"; and whole dates as Excel
    in the vi-VN locale shows "dd-mmm-yy" ("15-Thg3-85") and as SQL Server writes a
    datetime ("1985-03-15 00:00:00.000")."""
    ps = people(8, 2050)
    forms: list[tuple[Callable[[date], str], str]] = [
        (lambda d: f"năm {d.year}", "year"),
        (lambda d: f"tháng {d.month}/{d.year}", "month"),
        (lambda d: f"Tháng {d.month:02d} năm {d.year}", "month"),
        (lambda d: f"00/00/{d.year}", "year"),
        (lambda d: f"00/{d.month:02d}/{d.year}", "month"),
        (lambda d: f"../../{d.year}", "year"),
        (lambda d: f"{d.day}-Thg{d.month}-{d.year % 100:02d}", "day"),
        (lambda d: d.strftime("%Y-%m-%d 00:00:00.000"), "day"),
    ]
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"])
    for i, p in enumerate(ps):
        form, p.precision = forms[i]
        g.add([i + 1, p.name, form(p.dob), p.sex_word, p.pid])
    path = out / "ngay_sinh_khong_du.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("partial_date_words", path, ps, {"DS": set()})


def shape_csv_vni_decimal_comma(out: Path) -> UnseenShape4:
    """A CSV written by a VNI-font era program: the text in VNI-Windows (the font's bytes,
    read as cp1252), ";" separated, salary coefficients with decimal commas ("2,34"), and one
    ID that went through Excel in a comma-decimal locale ("2,50801E+11": its last digits lost,
    held under the ID column)."""
    ps = people(5, 2060)
    v = lambda s: from_unicode(s, "vni")  # noqa: E731
    rows: list[list[Any]] = [[v("DANH SÁCH CÁN BỘ XÃ")],
                             [v(h) for h in ["STT", "Họ và tên", "Ngày sinh", "Giới tính",
                                             "Số CMND", "Hệ số lương"]]]  # fmt: skip
    for i, p in enumerate(ps):
        rows.append([i + 1, v(p.name), dmy(p.dob), v(p.sex_word), p.pid, f"2,{34 + i * 33}"])
    rows.append([6, v("Trần Văn Mất"), "02/03/1985", "Nam", "2,50801E+11", "2,34"])
    path = out / "CANBO_VNI.csv"
    path.write_bytes(_write_csv_bytes(rows, ";").encode("cp1252"))
    shape = UnseenShape4("csv_vni_decimal_comma", path, ps, {path.stem: set()})
    shape.bad_rows[(path.stem, 8)] = {"Số CMND"}
    return shape


def shape_party_list_decoy_columns(out: Path) -> UnseenShape4:
    """A Party cell's list of members: before the birth date come "Bí danh", "Số thẻ đảng
    viên" (8 digits), "Ngày vào Đảng" and "Ngày chính thức"; after the ID "Họ tên vợ (chồng)"
    and a phone number. The person's name, birth date and ID come from their own columns."""
    ps = people(6, 2070)
    g = Grid([["ĐẢNG BỘ SỞ NỘI VỤ - CHI BỘ VĂN PHÒNG"], ["DANH SÁCH ĐẢNG VIÊN"]])
    g.add(["STT", "Họ và tên", "Bí danh", "Số thẻ đảng viên", "Ngày vào Đảng", "Ngày chính thức",
           "Ngày sinh", "Giới tính", "Số CCCD", "Họ tên vợ (chồng)", "Điện thoại"])  # fmt: skip
    for i, p in enumerate(ps):
        joined = date(2005 + i, 3, 2)
        spouse = ("Trần Văn Chồng" if p.female else "Lê Thị Vợ") if i % 3 else None
        g.add([i + 1, p.name, "Hai Lúa" if i == 2 else None, f"25{i + 1:06d}", dmy(joined),
               dmy(joined.replace(year=joined.year + 1)), dmy(p.dob), p.sex_word, p.pid, spouse,
               f"0912 345 6{i:02d}"])  # fmt: skip
    path = out / "dang_vien_chi_bo.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("party_list_decoy_columns", path, ps, {"DS": set()})


def shape_person_rows_merged_down(out: Path) -> UnseenShape4:
    """A "quá trình công tác" list: each person over two or three physical rows, the STT,
    name, birth date, sex and ID cells merged down over them, one work-history line per row.
    One person, one profile; the extra rows are neither people nor errors."""
    ps = people(4, 2080)
    g = Grid([["DANH SÁCH QUÁ TRÌNH CÔNG TÁC"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Từ năm", "Đến năm",
           "Chức vụ, đơn vị công tác"])  # fmt: skip
    merges: list[str] = []
    for i, p in enumerate(ps):
        lines = 3 if i % 2 == 0 else 2
        first = 0
        for k in range(lines):
            head = [i + 1, p.name, dmy(p.dob), p.sex_word, p.pid] if k == 0 else [None] * 5
            until: Any = 2005 + 5 * k if k < lines - 1 else "nay"
            r = g.add([*head, 2000 + 5 * k, until, f"Chuyên viên, đơn vị số {k + 1}"])
            first = first or r
        merges += [f"{c}{first}:{c}{first + lines - 1}" for c in "ABCDE"]
    path = out / "qua_trinh_gop_o.xlsx"
    write_xlsx(path, {"QTCT": g.rows}, {"QTCT": merges})
    return UnseenShape4("person_rows_merged_down", path, ps, {})


def shape_mac_1904_dates(out: Path) -> UnseenShape4:
    """An .xlsx saved by Excel for Mac with the 1904 date system (``date1904``): birth dates
    as date cells whose serials are 1462 days smaller than Windows Excel's."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    ps = people(5, 2090)
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Danh sách"
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân"])
    for i, p in enumerate(ps):
        ws.append([i + 1, p.name, datetime(p.dob.year, p.dob.month, p.dob.day), p.sex_word,
                   p.pid])  # fmt: skip
        ws.cell(row=i + 2, column=3).number_format = "dd/mm/yyyy"
    path = out / "mac_1904.xlsx"
    wb.save(path)
    return UnseenShape4("mac_1904_dates", path, ps, {"Danh sách": set()})


def _ansi_misread(text: str) -> str:
    """UTF-8 text as Excel shows it after opening the file as ANSI (Windows-1252; bytes that
    code page leaves undefined become the C1 controls of the same number)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def shape_mojibake_resaved_xlsx(out: Path) -> UnseenShape4:
    """A web application's UTF-8 CSV (no BOM) opened in Excel as ANSI and saved as .xlsx:
    every text, headers included, double-encoded ("Há» vÃ  tÃªn", "Nguyá»…n VÄƒn")."""
    ps = people(6, 2100)
    m = _ansi_misread
    g = Grid()
    g.add([m(h) for h in ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị"]])
    units: dict[str, str] = {}
    for i, p in enumerate(ps):
        unit = HOME_NAME if i < 3 else FINANCE_NAME
        units[p.pid] = HOME if i < 3 else FINANCE
        g.add([i + 1, m(p.name), dmy(p.dob), m(p.sex_word), p.pid, m(unit)])
    path = out / "xuat_web_mo_sai_ma.xlsx"
    write_xlsx(path, {"export": g.rows}, {})
    return UnseenShape4("mojibake_resaved_xlsx", path, ps, {"export": set()}, units=units)


def shape_struck_retired_rows(out: Path) -> UnseenShape4:
    """An office's working copy: retired people's rows struck through and greyed, "Đã nghỉ
    hưu" in "Trạng thái" and the date in "Ghi chú"; a filter hiding them; frozen panes; cell
    comments on the header and an ID. Every row is a person (the list is the history)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    ps = people(7, 2110)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DS"
    ws.append(["DANH SÁCH CÁN BỘ (cập nhật 2023)"])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Trạng thái", "Ghi chú"])
    ws["E2"].comment = Comment("Nhập đủ 12 số, định dạng Text", "Phòng TCCB")
    grey = PatternFill("solid", fgColor="D9D9D9")
    for i, p in enumerate(ps):
        retired = i in (1, 4)
        ws.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid,
                   "Đã nghỉ hưu" if retired else "Đang công tác",
                   "Nghỉ hưu từ 01/07/2023" if retired else None])  # fmt: skip
        r = ws.max_row
        if retired:
            for cell in ws[r]:
                cell.font = Font(strike=True, color="808080")
                cell.fill = grey
            ws.row_dimensions[r].hidden = True  # filtered out
    ws["E5"].comment = Comment("Đã đối chiếu CSDL dân cư", "Phòng TCCB")
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:G{ws.max_row}"
    path = out / "ds_dang_loc.xlsx"
    wb.save(path)
    return UnseenShape4("struck_retired_rows", path, ps, {"DS": set()})


def _lossy(pid: str) -> str:
    """The ID as it comes back from a CSV that Excel wrote with 6 significant digits
    ("2.50801E+10"), read again as a number: the last digits are zeros."""
    return str(int(float(f"{int(pid):.6g}")))


def shape_lossy_numeric_ids(out: Path) -> UnseenShape4:
    """IDs as number cells after a CSV round trip through Excel: exact ones (the leading zero
    dropped, some shown in scientific notation but whole in the cell) and ones whose last
    digits were lost ("2.50801E+10" read back: 25080100000): those are held, never padded
    into another person's ID."""
    import openpyxl

    ps = people(5, 2120)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DS"
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"])
    for i, p in enumerate(ps):
        ws.append([i + 1, p.name, dmy(p.dob), p.sex_word, int(p.pid)])
        if i % 2:
            ws.cell(row=ws.max_row, column=5).number_format = "0.00E+00"
    lost = people(2, 2130)
    bad: dict[tuple[str, int], set[str]] = {}
    for k, p in enumerate(lost):
        ws.append([6 + k, p.name, dmy(p.dob), p.sex_word, int(_lossy(p.pid))])
        assert _lossy(p.pid) != str(int(p.pid))
        bad[("DS", ws.max_row)] = {"Số CCCD"}
    path = out / "so_cccd_dang_so.xlsx"
    wb.save(path)
    return UnseenShape4("lossy_numeric_ids", path, ps, {"DS": set()}, bad_rows=bad)


def shape_print_pages_number_rows(out: Path) -> UnseenShape4:
    """A printed list of 45 people, 20 a page: each page repeats the header and the
    column-number row, ends with "Cộng trang: 20 người", and the next starts with
    "Trang 2/3"; "Tổng cộng: 45 người" at the end."""
    ps = people(45, 2140)
    head = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ"]
    numbers = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
    g = Grid([["DANH SÁCH CÁN BỘ, CÔNG CHỨC"]])
    g.add(head)
    g.add(numbers, layout=True)
    for i, p in enumerate(ps):
        if i and i % 20 == 0:
            g.add([None, "Cộng trang: 20 người"], layout=True)
            g.add([None, None, None, None, None, f"Trang {i // 20 + 1}/3"], layout=True)
            g.add(head, layout=True)
            g.add(numbers, layout=True)
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"])
    g.add([None, "Tổng cộng: 45 người"], layout=True)
    path = out / "ban_in_nhieu_trang.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("print_pages_number_rows", path, ps, {"DS": g.layout})


def shape_family_middle_given_columns(out: Path) -> UnseenShape4:
    """ "Họ" | "Tên đệm" | "Tên" as top-level columns (no group cell), one person without a
    middle name, and "Danh xưng" (Ông/Bà) in place of a sex column."""
    ps = people(6, 2190)
    ps[3].name = "Hà Khải"
    g = Grid([["DANH SÁCH TRÍCH NGANG"]])
    g.add(["STT", "Danh xưng", "Họ", "Tên đệm", "Tên", "Ngày sinh", "Số CCCD"])
    for i, p in enumerate(ps):
        parts = p.name.split(" ")
        g.add([i + 1, "Bà" if p.female else "Ông", parts[0], " ".join(parts[1:-1]) or None,
               parts[-1], dmy(p.dob), p.pid])  # fmt: skip
    path = out / "ho_dem_ten.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("family_middle_given_columns", path, ps, {"DS": set()})


def shape_dob_and_year_columns(out: Path) -> UnseenShape4:
    """A list merged from two old districts' lists: "Ngày sinh" (whole dates, the first
    district) and "Năm sinh" (years only, the second) side by side, each row filling one;
    one row fills both (the same year)."""
    ps = people(6, 2200)
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Năm sinh", "Giới tính", "Số CCCD", "Huyện cũ"])
    for i, p in enumerate(ps):
        if i < 3:
            g.add([i + 1, p.name, dmy(p.dob), p.dob.year if i == 2 else None, p.sex_word, p.pid,
                   "Thanh Sơn"])  # fmt: skip
        else:
            p.precision = "year"
            g.add([i + 1, p.name, None, p.dob.year, p.sex_word, p.pid, "Tân Sơn"])
    path = out / "gop_hai_huyen.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("dob_and_year_columns", path, ps, {"DS": set()})


def shape_serial_text_dates_csv(out: Path) -> UnseenShape4:
    """A TSV from an Access database export: birth dates as Excel serials stored as text with
    a decimal part ("31048.0"), and as "dd/mm/yyyy hh:mm:ss"; sex as "Nam"/"Nữ"."""
    ps = people(5, 2210)
    rows: list[list[Any]] = [["ID", "Ho ten", "Ngay sinh", "Gioi tinh", "So CCCD"]]
    for i, p in enumerate(ps):
        born = f"{excel_serial(p.dob)}.0" if i % 2 else p.dob.strftime("%d/%m/%Y 00:00:00")
        rows.append([i + 1, p.name, born, p.sex_word, p.pid])
    path = out / "access_export.txt"
    path.write_bytes(_write_csv_bytes(rows, "\t").encode("utf-8"))
    return UnseenShape4("serial_text_dates_csv", path, ps, {path.stem: set()})


BUILDERS: tuple[Callable[[Path], UnseenShape4], ...] = (
    shape_unit_title_sheets_xls,
    shape_coded_values_legend,
    shape_english_headers_xls,
    shape_three_row_header_grades,
    shape_partial_date_words,
    shape_csv_vni_decimal_comma,
    shape_party_list_decoy_columns,
    shape_person_rows_merged_down,
    shape_mac_1904_dates,
    shape_mojibake_resaved_xlsx,
    shape_struck_retired_rows,
    shape_lossy_numeric_ids,
    shape_print_pages_number_rows,
    shape_family_middle_given_columns,
    shape_dob_and_year_columns,
    shape_serial_text_dates_csv,
)

__all__ = ["BUILDERS", "UnseenShape4"]
