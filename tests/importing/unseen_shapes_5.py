"""A fifth set of legacy export shapes, none of them like those of :mod:`.legacy_shapes`,
:mod:`.unseen_shapes`, :mod:`.unseen_shapes_3` or :mod:`.unseen_shapes_4`, with their truth.

Written as Vietnamese HR web applications, provincial offices and vendors' software write their
lists:

* a PHP web application's "Xuất Excel" that is tab-separated UTF-8 text (no BOM) under an
  ``.xls`` name, every line ending with a tab;
* a CSV (";", BOM) that keeps leading zeros with Excel's text formulas: ``="025085000123"``
  written raw and as a CSV writer quotes it (its quotes doubled), a "Tổng số" line at the end;
* headers abbreviated with dots and initials ("TT", "H.tên", "Ng.sinh", "G.tính", "Số ĐDCN",
  "DT", "TG", "HKTT", "TĐCM", "Đ.vị");
* footnote marks in the header ("Họ và tên (1)", "Giới tính(3)", "Số CCCD*", "Dân tộc¹",
  "Chức vụ (**)"), the footnotes under the table, a "Tổng số" line, the place-and-date line
  ("Phú Thọ, ngày 15 tháng 3 năm 2024") and a "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" signature block;
* the grade's name and code in one cell ("Chuyên viên chính (01.002)", "01.003 - Chuyên
  viên") beside a salary coefficient written with a decimal comma ("4,74");
* phone numbers as people write them ("0912 345 678", "+84 912 345 678", "(+84) …",
  "84912345678", a number cell that lost its leading zero, a landline with dots);
* names in lower case, in capitals, in NFD, with the Icelandic "Ð" (U+00D0) for "Đ";
* the birth date in three top-level columns "Ngày sinh" | "Tháng sinh" | "Năm sinh" (the first
  holds only the day), some days or months left empty;
* a workbook of three old districts whose sheets have their columns in different orders and
  wordings, one with the header at row 7 under a multi-line merged letterhead and title;
* a Ministry's import template left with its description row ("Bắt buộc", "dd/mm/yyyy") and
  its example row ("Ví dụ", "Nguyễn Văn A") above the people;
* an HTML ``.xls`` whose first table is the export's information (unit, date) and whose
  second is the list, the text in numeric character references (``Nguy&#7877;n``),
  ``<br>`` inside the header cells, ``<thead>``/``<tbody>``;
* numbers that look like personal IDs in other columns ("Số tài khoản" of 12 digits,
  "Mã số thuế", "Mã số BHXH"), "Ngày cấp" and "Nơi cấp" after the ID;
* an Excel table (ListObject) with a header of two lines per cell and a totals row;
* an .xlsx saved as "Strict Open XML Spreadsheet" (the ISO strict namespaces).

Each builder returns an :class:`.unseen_shapes_4.UnseenShape4`.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .legacy_shapes import Grid, dmy, people, write_xlsx
from .unseen_shapes import FINANCE, FINANCE_NAME, HOME, HOME_NAME
from .unseen_shapes_4 import UnseenShape4

ETHNICITY = {"Kinh": "01", "Tày": "02", "Mường": "06"}
RELIGION = {"Không": "00", "Phật giáo": "01", "Công giáo": "02"}


def _units(ps, first_home: int) -> dict[str, str]:
    """The first ``first_home`` people in the home unit, the others in finance."""
    return {p.pid: HOME if i < first_home else FINANCE for i, p in enumerate(ps)}


def _unit_name(code: str) -> str:
    return HOME_NAME if code == HOME else FINANCE_NAME


# -- shapes ------------------------------------------------------------------------------------
def shape_tsv_named_xls(out: Path) -> UnseenShape4:
    """A PHP HRM application's "Xuất Excel": tab-separated UTF-8 text (no BOM) sent under an
    ``.xls`` name, a title and an export-time line first, every line ending with a tab (the
    writer's loop), units by name in "Phòng ban"."""
    ps = people(6, 3000)
    units = _units(ps, 3)
    lines = ["DANH SÁCH CÁN BỘ\t", "Ngày xuất: 05/12/2024 10:32\t", "\t",
             "STT\tHọ và tên\tNgày sinh\tGiới tính\tSố CCCD\tPhòng ban\tChức vụ\t"]  # fmt: skip
    for i, p in enumerate(ps):
        lines.append(f"{i + 1}\t{p.name}\t{dmy(p.dob)}\t{p.sex_word}\t{p.pid}\t"
                     f"{_unit_name(units[p.pid])}\tChuyên viên\t")  # fmt: skip
    path = out / "export_canbo_20241205.xls"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return UnseenShape4("tsv_named_xls", path, ps, {path.stem: set()}, units=units)


def shape_csv_excel_text_formulas(out: Path) -> UnseenShape4:
    """A CSV (UTF-8 with BOM, ";") from a web application that keeps leading zeros the way
    Excel is told to: IDs and phone numbers as ``="025085000123"`` written raw, birth dates as
    the same formula quoted by a CSV writer (the quotes doubled); a "Tổng số" line."""
    ps = people(6, 3010)
    lines = ['"Họ và tên";"Ngày sinh";"Giới tính";"Số định danh cá nhân";"Điện thoại"']
    for i, p in enumerate(ps):
        born = f'"=""{dmy(p.dob)}"""' if i % 2 else dmy(p.dob)
        lines.append(f'"{p.name}";{born};{p.sex_word};="{p.pid}";="09123456{i:02d}"')
    lines.append('"Tổng số: 6 người";;;;')
    path = out / "nhan_su_web.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return UnseenShape4("csv_excel_text_formulas", path, ps, {path.stem: {len(lines)}},
                        fields={p.pid: {"phone": f"09123456{i:02d}"}
                                for i, p in enumerate(ps)})  # fmt: skip


def shape_dotted_abbreviation_headers(out: Path) -> UnseenShape4:
    """A district's hand-kept list whose narrow columns have abbreviated headers: "TT",
    "H.tên", "Ng.sinh", "G.tính", "Số ĐDCN", "DT", "TG", "HKTT", "TĐCM", "Đ.vị"."""
    ps = people(6, 3020)
    units = _units(ps, 4)
    ethnic = ["Kinh", "Tày", "Kinh", "Mường", "Kinh", "Kinh"]
    religion = ["Không", "Không", "Phật giáo", "Không", "Công giáo", "Không"]
    g = Grid([["DANH SÁCH TRÍCH NGANG CBCC"]])
    g.add(["TT", "H.tên", "Ng.sinh", "G.tính", "Số ĐDCN", "DT", "TG", "HKTT", "TĐCM", "Đ.vị"])
    fields: dict[str, dict[str, str]] = {}
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, ethnic[i], religion[i],
               "Xã Tân Phú, huyện Tân Sơn, tỉnh Phú Thọ", "Đại học",
               _unit_name(units[p.pid])])  # fmt: skip
        fields[p.pid] = {"ethnicity": ETHNICITY[ethnic[i]], "religion": RELIGION[religion[i]]}
    path = out / "trich_ngang_viet_tat.xlsx"
    write_xlsx(path, {"TN": g.rows}, {})
    return UnseenShape4("dotted_abbreviation_headers", path, ps, {"TN": set()}, units=units,
                        fields=fields)  # fmt: skip


def shape_footnotes_signature_date(out: Path) -> UnseenShape4:
    """Footnote marks in the header ("Họ và tên (1)", "Ngày sinh (2)", "Giới tính(3)",
    "Số CCCD*", "Dân tộc¹", "Chức vụ (**)"); under the table a "Tổng số" line, the footnotes,
    the place-and-date line and a signature block ("NGƯỜI LẬP BIỂU", "KT. GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC", the signers' names in the name column)."""
    ps = people(7, 3030)
    g = Grid([["SỞ NỘI VỤ TỈNH PHÚ THỌ"], ["DANH SÁCH CÔNG CHỨC ĐỀ NGHỊ NÂNG LƯƠNG"], []])
    g.add(["STT", "Họ và tên (1)", "Ngày sinh (2)", "Giới tính(3)", "Số CCCD*", "Dân tộc¹",
           "Chức vụ (**)"])  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Kinh", "Chuyên viên"])
    women = sum(p.female for p in ps)
    for row in (
        [None, f"Tổng số: {len(ps)} người (nữ: {women})"],
        [],
        ["Ghi chú:"],
        ["(1) Ghi họ và tên khai sinh."],
        ["(2) Ghi theo định dạng ngày/tháng/năm."],
        ["(3) Ghi Nam hoặc Nữ."],
        ["(*) Số định danh cá nhân gồm 12 chữ số."],
        ["¹ Ghi theo danh mục các dân tộc Việt Nam."],
        ["(**) Chức vụ hiện giữ."],
        [],
        [None, None, None, None, "Phú Thọ, ngày 15 tháng 3 năm 2024"],
        [None, "NGƯỜI LẬP BIỂU", None, None, "KT. GIÁM ĐỐC"],
        [None, None, None, None, "PHÓ GIÁM ĐỐC"],
        [None, "(Ký, ghi rõ họ tên)", None, None, "(Ký tên, đóng dấu)"],
        [],
        [None, "Trần Thị Lập", None, None, "Nguyễn Văn Ký"],
    ):
        g.add(row, layout=bool(row))
    path = out / "de_nghi_nang_luong.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("footnotes_signature_date", path, ps, {"DS": g.layout},
                        fields={p.pid: {"ethnicity": "01"} for p in ps})  # fmt: skip


def shape_grade_name_code_cell(out: Path) -> UnseenShape4:
    """The grade's name and code in one cell, as lists write them ("Chuyên viên chính
    (01.002)", "Chuyên viên - 01.003", "01.003 - Chuyên viên", "Kế toán viên (06.031)",
    "Chuyên viên (mã 01.003)"), with "Bậc" and "Hệ số lương" written with a decimal comma as
    text ("4,74") or as a number."""
    ps = people(6, 3040)
    grades: list[tuple[str, str, int, Any, str]] = [
        ("Chuyên viên chính (01.002)", "01.002", 2, "4,74", "4.74"),
        ("Chuyên viên - 01.003", "01.003", 3, "3,00", "3.00"),
        ("01.003 - Chuyên viên", "01.003", 2, "2,67", "2.67"),
        ("Kế toán viên (06.031)", "06.031", 2, 2.67, "2.67"),
        ("Chuyên viên (mã 01.003)", "01.003", 1, "2,34", "2.34"),
        ("Chuyên viên chính (01.002)", "01.002", 1, 4.4, "4.40"),
    ]
    g = Grid([["DANH SÁCH CÔNG CHỨC VÀ NGẠCH, BẬC LƯƠNG"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Ngạch (mã ngạch)", "Bậc",
           "Hệ số lương", "Ngày hưởng"])  # fmt: skip
    fields: dict[str, dict[str, Any]] = {}
    for i, p in enumerate(ps):
        written, code, step, coefficient, value = grades[i]
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, written, step, coefficient,
               "01/01/2023"])  # fmt: skip
        fields[p.pid] = {"grade_code": code, "salary_coefficient": Decimal(value)}
    path = out / "ngach_bac.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("grade_name_code_cell", path, ps, {"DS": set()}, fields=fields)


def shape_phone_spellings(out: Path) -> UnseenShape4:
    """A contact list: "Số điện thoại" as people write it ("0912 345 678", "0912.345.678",
    "+84 912 345 678", "(+84) 912345678", "84912345678", the number cell 912345678 that lost
    its leading zero, a landline "0210.3845.123"); each stored as the national number."""
    ps = people(7, 3050)
    spellings: list[tuple[Any, str]] = [
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("(+84) 983456789", "0983456789"),
        ("84983456789", "0983456789"),
        (912345678, "0912345678"),
        ("0210.3845.123", "02103845123"),
    ]
    g = Grid([["DANH BẠ CÁN BỘ"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Số điện thoại", "Email"])
    fields: dict[str, dict[str, str]] = {}
    for i, p in enumerate(ps):
        written, stored = spellings[i]
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, written,
               f"canbo{i}@phutho.gov.vn"])  # fmt: skip
        fields[p.pid] = {"phone": stored}
    path = out / "danh_ba.xlsx"
    write_xlsx(path, {"Danh bạ": g.rows}, {})
    return UnseenShape4("phone_spellings", path, ps, {"Danh bạ": set()}, fields=fields)


def shape_names_case_nfd_eth(out: Path) -> UnseenShape4:
    """Names typed carelessly or converted by old tools: all lower case, all capitals, capitals
    in NFD, caps lock inverted ("nGUYỄN vĂN"), and the Icelandic "Ð" (U+00D0, which VNI and
    TCVN3 converters put for "Đ"), also in "ÐẶNG"; sex in capitals."""
    ps = people(8, 3060)
    ps[0].name = "Đặng Văn Dũng"
    ps[1].name = "Đỗ Thị Hương"
    forms: list[Callable[[str], str]] = [
        lambda s: s.replace("Đ", "\u00d0"),
        lambda s: s.upper().replace("Đ", "\u00d0"),
        str.lower,
        str.upper,
        lambda s: unicodedata.normalize("NFD", s.upper()),
        str.swapcase,
        lambda s: unicodedata.normalize("NFD", s.lower()),
        lambda s: unicodedata.normalize("NFD", s),
    ]
    g = Grid()
    g.add(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"])
    for i, p in enumerate(ps):
        g.add([i + 1, forms[i](p.name), dmy(p.dob), p.sex_word.upper(), p.pid])
    path = out / "ten_chu_hoa_thuong.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("names_case_nfd_eth", path, ps, {"DS": set()})


def shape_dob_three_top_level_columns(out: Path) -> UnseenShape4:
    """The birth date in three top-level columns "Ngày sinh" | "Tháng sinh" | "Năm sinh" (no
    group cell: "Ngày sinh" holds only the day), numbers and text ("03"); one person without
    the day (month precision), one with the year only."""
    ps = people(6, 3070)
    g = Grid([["DANH SÁCH CÁN BỘ XÃ"]])
    g.add(["STT", "Họ và tên", "Ngày sinh", "Tháng sinh", "Năm sinh", "Giới tính", "Số CCCD"])
    for i, p in enumerate(ps):
        day: Any = p.dob.day
        month: Any = f"{p.dob.month:02d}" if i % 2 else p.dob.month
        if i == 3:
            day, p.precision = None, "month"
        if i == 5:
            day, month, p.precision = None, None, "year"
        g.add([i + 1, p.name, day, month, p.dob.year, p.sex_word, p.pid])
    path = out / "ngay_thang_nam_rieng.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("dob_three_top_level_columns", path, ps, {"DS": set()})


def shape_sheets_differing_order(out: Path) -> UnseenShape4:
    """A merged commune's workbook of three old districts' lists: each sheet with its columns
    in another order and wording ("Số CCCD" first; "Giới tính (Nam=1; Nữ=0)" with 1/0;
    "Nam/Nữ"), the first with its header at row 7 under a letterhead and a two-line title in
    merged cells with line breaks."""
    a, b, c = people(4, 3080), people(4, 3090), people(3, 3100)
    units: dict[str, str] = {}
    first: list[list[Any]] = [
        ["UBND HUYỆN THANH SƠN\nPHÒNG NỘI VỤ", None, None,
         "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"],
        [], [],
        ["DANH SÁCH CÁN BỘ, CÔNG CHỨC\n(Kèm theo Công văn số 123/UBND-NV ngày 10/3/2024)"],
        [], [],
        ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị"],
    ]  # fmt: skip
    for i, p in enumerate(a):
        units[p.pid] = HOME
        first.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, HOME_NAME])
    second: list[list[Any]] = [["Số CCCD", "Họ và tên", "Giới tính (Nam=1; Nữ=0)", "Ngày sinh",
                                "Đơn vị công tác"]]  # fmt: skip
    for p in b:
        units[p.pid] = FINANCE
        second.append([p.pid, p.name, 0 if p.female else 1, dmy(p.dob), FINANCE_NAME])
    third: list[list[Any]] = [["DANH SÁCH CBCC HUYỆN YÊN LẬP"],
                              ["Đơn vị", "Số định danh", "Ngày, tháng, năm sinh", "Họ và tên",
                               "Nam/Nữ"]]  # fmt: skip
    for i, p in enumerate(c):
        units[p.pid] = HOME if i % 2 else FINANCE
        third.append([_unit_name(units[p.pid]), p.pid, dmy(p.dob), p.name, p.sex_word])
    path = out / "ba_huyen_cu.xlsx"
    write_xlsx(path, {"Thanh Sơn": first, "Tân Sơn": second, "Yên Lập": third},
               {"Thanh Sơn": ["A1:C2", "D1:F2", "A4:F5"]})  # fmt: skip
    return UnseenShape4("sheets_differing_order", path, a + b + c,
                        {"Thanh Sơn": set(), "Tân Sơn": set(), "Yên Lập": set()},
                        units=units)  # fmt: skip


def shape_template_example_row(out: Path) -> UnseenShape4:
    """A Ministry's import template filled in by a unit: "(*) là trường bắt buộc" above the
    header, headers marked "(*)", then the template's description row ("Bắt buộc",
    "dd/mm/yyyy", "Nam hoặc Nữ", "12 chữ số") and its example row ("Ví dụ", "Nguyễn Văn A",
    "001080000001") left in above the people: neither is a person."""
    ps = people(5, 3110)
    g = Grid([["MẪU NHẬP DANH SÁCH CÁN BỘ, CÔNG CHỨC"], ["(*) là trường bắt buộc"]])
    g.add(["STT", "Họ và tên (*)", "Ngày sinh (*)", "Giới tính (*)", "Số định danh cá nhân (*)",
           "Dân tộc", "Chức vụ"])  # fmt: skip
    g.add([None, "Bắt buộc", "dd/mm/yyyy", "Nam hoặc Nữ", "12 chữ số", "Theo danh mục", None],
          layout=True)  # fmt: skip
    g.add(["Ví dụ", "Nguyễn Văn A", "01/01/1980", "Nam", "001080000001", "Kinh", "Chuyên viên"],
          layout=True)  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Kinh", "Chuyên viên"])
    path = out / "mau_nhap_lieu.xlsx"
    write_xlsx(path, {"Danh sách": g.rows}, {})
    return UnseenShape4("template_example_row", path, ps, {"Danh sách": g.layout})


def _ncr(text: str, hexadecimal: bool = False) -> str:
    """Every non-ASCII character as a numeric character reference (PHP's htmlentities with
    an ASCII charset, old ASP pages)."""
    return "".join(
        ch if ord(ch) < 128 else (f"&#x{ord(ch):X};" if hexadecimal else f"&#{ord(ch)};")
        for ch in escape(text)
    )


def shape_html_ncr_two_tables(out: Path) -> UnseenShape4:
    """An HRM web page saved as .xls: a first table with the export's information ("Đơn vị:",
    "Ngày xuất:"), then the list in ``<thead>``/``<tbody>``, header cells broken with
    ``<br>``, ``<b>`` and ``<span>`` around texts, and all Vietnamese as numeric character
    references (decimal in the cells, hexadecimal in the header)."""
    ps = people(6, 3120)
    info = ("<table><tr><td colspan='3'><b>" + _ncr("Đơn vị: Sở Nội vụ tỉnh Phú Thọ") +
            "</b></td></tr><tr><td colspan='3'>" + _ncr("Ngày xuất: 05/12/2024") +
            "</td></tr></table><br/>")  # fmt: skip
    head = ["STT", "Họ và<br>tên", "Ngày<br/>sinh", "Giới<br />tính", "Số<br>CCCD", "Chức vụ"]
    ths = "".join(f"<th>{_ncr(h, True).replace('&lt;', '<').replace('&gt;', '>')}</th>"
                  for h in head)  # fmt: skip
    body = []
    for i, p in enumerate(ps):
        cells = [
            str(i + 1),
            f"<span>{_ncr(p.name)}</span>",
            dmy(p.dob),
            _ncr(p.sex_word),
            f"<span style=\"mso-number-format:'\\@'\">{p.pid}</span>",
            _ncr("Chuyên viên"),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=us-ascii">'
        "</head><body>"
        + info
        + '<table border="1"><thead><tr>'
        + ths
        + "</tr></thead><tbody>"
        + "\n".join(body)
        + "</tbody></table></body></html>"
    )
    path = out / "BaoCaoNhanSu.xls"
    path.write_bytes(html.encode("ascii"))
    return UnseenShape4("html_ncr_two_tables", path, ps, {"BaoCaoNhanSu": set()})


def shape_decoy_number_columns(out: Path) -> UnseenShape4:
    """A payroll office's list where numbers that look like personal IDs stand in other
    columns before it: "Số tài khoản" (12 digits, with a leading zero, as text), "Mã số thuế"
    (10 digits), "Mã số BHXH" (10 digits); "Ngày cấp" and "Nơi cấp" after the ID."""
    ps = people(6, 3130)
    g = Grid([["DANH SÁCH CHI TRẢ LƯƠNG QUA TÀI KHOẢN"]])
    g.add(["STT", "Họ và tên", "Số tài khoản", "Ngân hàng", "Mã số thuế", "Mã số BHXH",
           "Ngày sinh", "Giới tính", "Số CCCD", "Ngày cấp", "Nơi cấp"])  # fmt: skip
    for i, p in enumerate(ps):
        g.add([i + 1, p.name, f"0{i + 1}1100{i:02d}4567", "Vietinbank Phú Thọ",
               f"80{i:02d}123456", f"25{i:02d}012345", dmy(p.dob), p.sex_word, p.pid,
               f"1{i}/0{i + 1}/2021", "Cục Cảnh sát QLHC về TTXH"])  # fmt: skip
    path = out / "chi_tra_luong.xlsx"
    write_xlsx(path, {"DS": g.rows}, {})
    return UnseenShape4("decoy_number_columns", path, ps, {"DS": set()})


def shape_excel_table_totals_row(out: Path) -> UnseenShape4:
    """An Excel table (ListObject, "Format as Table") with banded rows: header cells of two
    lines ("Họ và tên\\nkhai sinh", "Ngày\\nsinh", "Số CCCD\\n/ĐDCN"), and the table's totals
    row ("Tổng cộng" and a SUBTOTAL count) under the people."""
    import xlsxwriter

    ps = people(6, 3140)
    head = ["STT", "Họ và tên\nkhai sinh", "Ngày\nsinh", "Giới\ntính", "Số CCCD\n/ĐDCN",
            "Chức vụ"]  # fmt: skip
    path = out / "bang_excel.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Bảng")
    ws.write(0, 0, "DANH SÁCH CÁN BỘ")
    data = [[i + 1, p.name, dmy(p.dob), p.sex_word, p.pid, "Chuyên viên"]
            for i, p in enumerate(ps)]  # fmt: skip
    columns: list[dict[str, Any]] = [{"header": h} for h in head]
    columns[0]["total_string"] = "Tổng cộng"
    columns[1]["total_function"] = "count"
    last = 2 + len(ps) + 1  # header at row 3 (0-based 2), the totals row after the people
    ws.add_table(2, 0, last, len(head) - 1,
                 {"data": data, "columns": columns, "total_row": True,
                  "style": "Table Style Medium 2", "name": "tblCanBo"})  # fmt: skip
    wb.close()
    return UnseenShape4("excel_table_totals_row", path, ps, {"Bảng": {last + 1}})


_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def write_strict_xlsx(path: Path, sheet: str, rows: list[list[Any]]) -> None:
    """An .xlsx as Excel writes it with "Strict Open XML Spreadsheet": the ISO/IEC 29500
    strict namespaces, shared strings, numbers as numbers."""
    strings: list[str] = []
    index: dict[str, int] = {}
    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            if v is None:
                continue
            ref = f"{chr(65 + c)}{r}"
            if isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                if v not in index:
                    index[v] = len(strings)
                    strings.append(v)
                cells.append(f'<c r="{ref}" t="s"><v>{index[v]}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet_xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<worksheet xmlns="{_STRICT_MAIN}" xmlns:r="{_STRICT_REL}">'
                 f'<sheetData>{"".join(xml_rows)}</sheetData></worksheet>')  # fmt: skip
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<sst xmlns="{_STRICT_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")  # fmt: skip
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{_STRICT_MAIN}" xmlns:r="{_STRICT_REL}" conformance="strict">'
                f'<workbookPr dateCompatibility="0"/><sheets><sheet name="{escape(sheet)}" '
                f'sheetId="1" r:id="rId1"/></sheets></workbook>')  # fmt: skip
    wb_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{_STRICT_REL}/worksheet" '
               'Target="worksheets/sheet1.xml"/>'
               f'<Relationship Id="rId2" Type="{_STRICT_REL}/sharedStrings" '
               'Target="sharedStrings.xml"/></Relationships>')  # fmt: skip
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_STRICT_REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>')  # fmt: skip
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" '
             'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
             f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
             "</Types>")  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        z.writestr("xl/sharedStrings.xml", sst)


def shape_strict_ooxml(out: Path) -> UnseenShape4:
    """An .xlsx saved as "Strict Open XML Spreadsheet" (Excel's Save As option for ISO
    29500 strict): the strict namespaces throughout; IDs as text, dates as text."""
    ps = people(5, 3150)
    rows: list[list[Any]] = [
        ["DANH SÁCH CÁN BỘ"],
        ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"],
    ]
    for i, p in enumerate(ps):
        rows.append([i + 1, p.name, dmy(p.dob), p.sex_word, p.pid])
    path = out / "luu_strict.xlsx"
    write_strict_xlsx(path, "DS", rows)
    return UnseenShape4("strict_ooxml", path, ps, {"DS": set()})


BUILDERS: tuple[Callable[[Path], UnseenShape4], ...] = (
    shape_tsv_named_xls,
    shape_csv_excel_text_formulas,
    shape_dotted_abbreviation_headers,
    shape_footnotes_signature_date,
    shape_grade_name_code_cell,
    shape_phone_spellings,
    shape_names_case_nfd_eth,
    shape_dob_three_top_level_columns,
    shape_sheets_differing_order,
    shape_template_example_row,
    shape_html_ncr_two_tables,
    shape_decoy_number_columns,
    shape_excel_table_totals_row,
    shape_strict_ooxml,
)

__all__ = ["BUILDERS"]
