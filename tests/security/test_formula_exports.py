"""No export writes a live formula: text that starts like a formula comes out quoted, as text.

Each export is run with ``=HYPERLINK("http://x","y")`` in a unit name or a profile's text and
the output is opened with openpyxl, which reads a formula cell as data type "f"."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cbccvc.xlsx_safety import FORMULA_STARTS, safe_cell, write_cell

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://x","y")'


def _cells(source) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(source)
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row]


def _assert_quoted_text(cells, needle: str = "HYPERLINK") -> None:
    found = [c for c in cells if isinstance(c.value, str) and needle in c.value.upper()]
    assert found, "the value was not exported"
    for c in found:
        assert c.data_type == "s", (c.coordinate, c.value)
        assert c.value.startswith("'"), (c.coordinate, c.value)


def test_write_cell_quotes_every_formula_start():
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, start in enumerate(FORMULA_STARTS):
        write_cell(sheet, r, 0, start + "1+1")
    write_cell(sheet, 20, 0, -5)
    book.close()
    values = {c.coordinate: c for c in _cells(io.BytesIO(out.getvalue()))}
    for r, start in enumerate(FORMULA_STARTS, start=1):
        cell = values[f"A{r}"]
        assert cell.data_type == "s" and cell.value.lstrip("'\t\r\n") != cell.value, start
    assert values["A21"].value == -5  # a negative number stays a number


def test_profile_export_quotes_a_formula_in_a_name(tmp_path, make_profile):
    from profiles.models import Profile
    from transfer.export import export_profiles

    make_profile(full_name=EVIL, permanent_residence="+cmd|' /C calc'!A0")
    out = tmp_path / "xuat.xlsx"
    export_profiles(Profile.objects.all(), out)
    cells = _cells(out)
    _assert_quoted_text(cells)
    _assert_quoted_text(cells, "CMD|")


def test_progress_dashboard_export_quotes_a_formula_in_a_unit_name():
    from syncing.dashboard import ProgressRow, render_xlsx

    rows = [ProgressRow(unit_id=1, code="H99", name=EVIL, is_agency=True, profiles_total=3)]
    _assert_quoted_text(_cells(io.BytesIO(render_xlsx(rows, date(2025, 1, 1), drill=True))))


def test_code_list_admin_export_quotes_a_formula(codelists_loaded):
    from profiles.admin import CodeItemResource
    from profiles.models import CodeItem

    item = CodeItem.objects.order_by("pk").first()
    CodeItem.objects.filter(pk=item.pk).update(name=EVIL)
    data = CodeItemResource().export(CodeItem.objects.filter(pk=item.pk))
    assert safe_cell(EVIL) in data.dict[0].values()
    _assert_quoted_text(_cells(io.BytesIO(data.export("xlsx"))))
