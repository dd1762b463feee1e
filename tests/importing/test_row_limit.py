# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""The per-file row limit (``CBCCVC_IMPORT_MAX_ROWS``): a file of more data rows is refused by
every door (wizard, API, command, the django-q2 task) with a message naming the file, the
rows found and the limit, before any parsing and without reading the file to its end; nothing
is written and no job is kept. A file at the limit is imported; a workbook's sheets add up."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from profiles.models import Profile
from transfer import jobs
from transfer.holding_models import HeldRow
from transfer.models import ImportJob
from transfer.row_limit import TooManyRows, _count_sheet_xml, _Counter
from transfer.upload_checks import UploadRefused

from .pipeline_fixtures import PROFILE_HEADERS, agency, hr, person_row, write_xlsx  # noqa: F401

pytestmark = pytest.mark.django_db

BIG = 200_000
SHORT_HEADERS = PROFILE_HEADERS[:5]  # STT, name, birth date, sex, personal ID


# -- files -------------------------------------------------------------------------------------
def _col(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def write_big_xlsx(path: Path, sheets: dict[str, Iterable[Sequence[Any]]]) -> Path:
    """An .xlsx as Excel's own format describes it (parts, relationships, inline strings),
    written row by row: 200,000 rows in a few seconds, where XlsxWriter takes ~14 s."""
    ns = "http://schemas.openxmlformats.org"
    main = f"{ns}/officeDocument/2006/relationships"
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{main}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{main}"><sheets>'
            + "".join(
                f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(sheets, 1)
            )
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{main}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + "</Relationships>",
        )
        for i, rows in enumerate(sheets.values(), 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as out:
                out.write(f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>'.encode())
                block = []
                for r, row in enumerate(rows, 1):
                    cells = "".join(_cell(f"{_col(c)}{r}", v) for c, v in enumerate(row))
                    block.append(f'<row r="{r}">{cells}</row>')
                    if len(block) == 5000:
                        out.write("".join(block).encode())
                        block = []
                out.write("".join(block).encode() + b"</sheetData></worksheet>")
    return path


def people(count: int, start: int = 1) -> Iterable[list[Any]]:
    """The header, then ``count`` people (short rows: the limit is on rows, not width)."""
    yield SHORT_HEADERS
    for n in range(start, start + count):
        yield person_row(n)[:5]


def write_csv(path: Path, rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


@pytest.fixture(scope="session")
def big_files(tmp_path_factory) -> dict[str, Path]:
    """A 200,000-row workbook and a 200,000-line CSV, written once per session (~3 s)."""
    folder = tmp_path_factory.mktemp("big")
    return {
        "xlsx": write_big_xlsx(folder / "ca-tinh.xlsx", {"DS": people(BIG)}),
        "csv": write_csv(folder / "ca-tinh.csv", people(BIG)),
    }


def nothing_written() -> None:
    assert not ImportJob.objects.exists()
    assert not Profile.objects.exists()
    assert not HeldRow.objects.exists()
    folder = jobs.imports_dir()
    assert not folder.exists() or not any(folder.iterdir())


# -- every door, a 200,000-row file ------------------------------------------------------------
def test_the_wizard_refuses_a_200k_row_workbook(big_files, agency, hr):
    client = Client()
    client.force_login(hr)
    with big_files["xlsx"].open("rb") as fh:
        response = client.post(
            reverse("admin:transfer_importjob_add"), {"unit": agency["home"].pk, "files": fh}
        )
    assert response.status_code == 200  # the form again, with the error
    page = response.content.decode()
    assert "Tệp “ca-tinh.xlsx” có hơn 150.000 dòng dữ liệu" in page
    assert "dòng dữ liệu thứ 150.001 ở trang “DS”, dòng 150.002" in page
    assert "vượt giới hạn 150.000 dòng" in page and "tách" in page
    nothing_written()


def test_the_api_refuses_a_200k_line_csv_in_english(big_files, agency, hr):
    from orgtree.apikeys import issue_key
    from orgtree.models import IntegrationClient

    app = IntegrationClient.objects.create(name="Phần mềm cũ", unit=agency["root"])
    token = issue_key(app, write=False, import_=True).token
    client = Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    with big_files["csv"].open("rb") as fh:
        response = client.post(
            "/api/v1/imports/", {"file": fh, "unit": agency["home"].pk, "dry_run": "false"}
        )
    assert response.status_code == 400, response.content
    message = json.dumps(response.json(), ensure_ascii=False)
    assert "File “ca-tinh.csv” has more than 150,000 data rows" in message
    assert "(data row 150,001 is on sheet “ca-tinh”, row 150,002)" in message
    assert "Split it into smaller files" in message and "CBCCVC_IMPORT_MAX_ROWS" in message
    nothing_written()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_command_refuses_a_200k_row_file(big_files, agency, hr, tmp_path, kind):
    path = big_files[kind]
    with pytest.raises(CommandError) as info:
        call_command("import_profiles", str(path), "--unit", "H25.01",
                     "--report", str(tmp_path / "r.json"), "--user", hr.username)  # fmt: skip
    assert f"Tệp “{path.name}” có hơn 150.000 dòng dữ liệu" in str(info.value)
    nothing_written()


def test_the_task_refuses_a_file_over_the_limit_and_fails_its_job(tmp_path, agency, hr):
    """A job queued under a higher limit (or before the limit was lowered) is checked again
    by the task before it reads: failed with the message, nothing written."""
    path = write_big_xlsx(tmp_path / "don-vi.xlsx", {"DS": people(60)})
    job = jobs.start_import(
        user=hr, unit=agency["home"], files=[(path.name, path)], dry_run=False, run="none"
    )
    with override_settings(CBCCVC_IMPORT_MAX_ROWS=50):
        answer = jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "Tệp “don-vi.xlsx” có hơn 50 dòng dữ liệu" in job.error
    assert answer == {"error": job.error}
    assert not Profile.objects.exists() and not HeldRow.objects.exists()


# -- at the limit, over it, several sheets -----------------------------------------------------
@override_settings(CBCCVC_IMPORT_MAX_ROWS=50)
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_file_at_the_limit_is_imported_one_more_row_is_refused(tmp_path, agency, hr, kind):
    def write(name: str, count: int) -> Path:
        if kind == "csv":
            return write_csv(tmp_path / f"{name}.csv", people(count))
        return write_big_xlsx(tmp_path / f"{name}.xlsx", {"DS": people(count)})

    over = write("qua", 51)
    with pytest.raises(UploadRefused) as info:
        jobs.start_import(user=hr, unit=agency["home"], files=[(over.name, over)], run="now")
    sheet = "qua" if kind == "csv" else "DS"
    assert f"Tệp “{over.name}” có hơn 50 dòng dữ liệu (dòng dữ liệu thứ 51 ở trang “{sheet}”, " \
        "dòng 52)" in str(info.value)  # fmt: skip
    nothing_written()

    at = write("du", 50)
    job = jobs.start_import(
        user=hr, unit=agency["home"], files=[(at.name, at)], dry_run=False, run="now"
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert Profile.objects.count() == 50


@override_settings(CBCCVC_IMPORT_MAX_ROWS=50)
def test_the_sheets_of_a_workbook_add_up(tmp_path, agency, hr):
    """30 + 30 data rows on two sheets: over 50, the 51st is the 21st of the second sheet
    (its row 22, under its header); 25 + 25 is imported. Blank and formatted-empty rows do
    not count."""
    over = write_big_xlsx(
        tmp_path / "hai-trang.xlsx",
        {"Phòng A": people(30), "Phòng B": [*people(30, start=31)]},
    )
    with pytest.raises(UploadRefused) as info:
        jobs.start_import(user=hr, unit=agency["home"], files=[(over.name, over)], run="now")
    assert "dòng dữ liệu thứ 51 ở trang “Phòng B”, dòng 22" in str(info.value)
    nothing_written()

    blank = [[""] * 5] * 20  # empty strings: rows holding nothing
    at = write_big_xlsx(
        tmp_path / "vua-du.xlsx",
        {"Phòng A": [*people(25), *blank], "Phòng B": [*people(25, start=26), *blank]},
    )
    job = jobs.start_import(user=hr, unit=agency["home"], files=[(at.name, at)], run="now")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PLANNED, job.error
    assert job.report["totals"]["rows_read"] == 50


@override_settings(CBCCVC_IMPORT_MAX_ROWS=50)
def test_other_formats_are_counted_from_the_reader(tmp_path, agency, hr):
    """An HTML table saved as .xls (old software's export) is counted from its rows."""
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in people(51)
    )
    path = tmp_path / "cu.xls"
    path.write_text(f"<html><body><table>{rows}</table></body></html>", encoding="utf-8")
    with pytest.raises(UploadRefused) as info:
        jobs.start_import(user=hr, unit=agency["home"], files=[(path.name, path)], run="now")
    assert "Tệp “cu.xls” có hơn 50 dòng dữ liệu" in str(info.value)
    nothing_written()


def test_the_sheet_xml_is_counted_across_any_block_boundary():
    """Prefixed tags (``<x:row>``), self-closing and formatted empty rows, long row tags and
    values in later blocks than their row: the same count whatever the block size."""
    rows = [
        '<x:row r="1" spans="1:3"><x:c r="A1" t="inlineStr"><x:is><x:t>STT</x:t></x:is></x:c>'
        "</x:row>",
        '<x:row r="2"/>',
        '<x:row r="3" s="4" customFormat="1" ht="15.75" customHeight="1"><x:c r="A3" s="4"/>'
        "</x:row>",
        *(
            f'<x:row r="{n}" spans="1:3" x14ac:dyDescent="0.25"><x:c r="A{n}"><x:v>{n}</x:v>'
            "</x:c></x:row>"
            for n in range(4, 404)
        ),
        '<x:row r="500"><x:c r="B500"><x:f>A1</x:f></x:c></x:row>',  # no cached value
    ]
    xml = (
        '<x:worksheet xmlns:x="main"><x:sheetData>'
        + "".join(rows)
        + '</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:C1"/></x:mergeCells>'
        "</x:worksheet>"
    ).encode()
    for size in (3, 7, 50, 333, 4096, 5000, len(xml)):
        blocks = [xml[i : i + size] for i in range(0, len(xml), size)]
        counter = _Counter("t.xlsx", 400)
        _count_sheet_xml(blocks, "DS", counter)  # header + 400 data rows: at the limit
        assert counter.filled == 401, size
        counter = _Counter("t.xlsx", 399)
        with pytest.raises(TooManyRows, match="thứ 400 ở trang “DS”, dòng 403"):
            _count_sheet_xml(blocks, "DS", counter)


# -- memory: the refusal does not read the file --------------------------------------------------
_PEAK = r"""
import csv, json, os, re, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "cbccvc.settings"
django.setup()
from transfer.upload_checks import UploadRefused, check_stored

def _status(field):
    with open("/proc/self/status") as fh:
        return int(re.search(field + r":\s+(\d+)", fh.read()).group(1)) // 1024  # MB

def start():  # the resident memory now, the peak reset to it (Linux: clear_refs, VmHWM)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status("VmRSS")

def peak():
    return _status("VmHWM")

grown = {}
for path in sys.argv[1:]:
    before = start()
    try:
        check_stored(path, os.path.basename(path))
    except UploadRefused:
        pass
    else:
        raise SystemExit("not refused")
    grown[path] = peak() - before
# what reading the files would take: the workbook loaded, the CSV's rows parsed
import python_calamine
before = start()
sheet = python_calamine.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name("DS")
height = sheet.height
del sheet
grown["read xlsx"] = peak() - before
before = start()
with open(sys.argv[2], encoding="utf-8", newline="") as fh:
    rows = list(csv.reader(fh, delimiter=";"))
grown["read csv"] = peak() - before
print(json.dumps({"grown": grown, "height": height, "rows": len(rows)}))
"""


def test_refusing_a_200k_row_file_keeps_memory_bounded(big_files):
    """Peak memory (RSS) of a fresh process: refusing each file adds less than 25 MB, where
    reading it (what a check through the readers would do) adds more; the workbook is a real
    one (python-calamine reads its 200,001 rows)."""
    run = subprocess.run(
        [sys.executable, "-c", _PEAK, str(big_files["xlsx"]), str(big_files["csv"])],
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        check=True,
    )
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["height"] == BIG + 1 and found["rows"] == BIG + 1
    grown = found["grown"]
    assert grown[str(big_files["xlsx"])] < 25, grown
    assert grown[str(big_files["csv"])] < 25, grown
    assert grown["read xlsx"] > 25 and grown["read csv"] > 25, grown  # the bound would catch it
