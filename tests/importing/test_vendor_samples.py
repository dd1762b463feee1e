"""The generated vendor workbooks: read back with python-calamine, converted with the text
functions, they give the truth they came with."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from orgtree.text import fold
from transfer.dates import DateParseError, parse_date
from transfer.legacy_text import Encoding, column_to_unicode, to_unicode
from transfer.vendor_samples import NOISES, make_vendor_samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return make_vendor_samples(tmp_path_factory.mktemp("vendors"), 100, seed=7, csv_copies=True)


def _sheet(path, name):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def _table(sample):
    """Header names (Unicode) → column index, and the data rows keyed by Excel row number."""
    rows = _sheet(sample.path, sample.main_sheet)
    # the header rows vote together: "Sè" alone is a (rare) Unicode syllable, TCVN3 "Số" here
    header_rows = rows[: sample.header_row]
    _, header_cells = column_to_unicode(
        [str(c) for c in header_rows[-1]] + [str(c) for r in header_rows[:-1] for c in r]
    )
    header_cells = header_cells[: len(header_rows[-1])]
    if sample.style == "tcvn3":  # two-row header: the group's sub-headers are on row 4
        top = [to_unicode(str(c), prefer=Encoding.TCVN3) for c in rows[sample.header_row - 2]]
        header_cells = [h or t for h, t in zip(header_cells, top, strict=True)]
    index = {h: i for i, h in enumerate(header_cells) if h}
    data = {n: r for n, r in enumerate(rows, start=1) if n > sample.header_row}
    return index, data


NAME = {"unicode": "Họ và tên", "tcvn3": "Họ và tên", "nfd": "HO TEN"}
DOB = {"unicode": "Ngày tháng năm sinh", "tcvn3": "Ngày sinh", "nfd": "NGAY SINH"}
PID = {"unicode": "Số định danh cá nhân", "tcvn3": "Số CMND/CCCD", "nfd": "SO CCCD"}
HOME = {"unicode": "Quê quán", "tcvn3": "Quê quán", "nfd": "QUE QUAN"}


def test_three_files_three_styles(samples):
    assert [f.style for f in samples.files] == ["unicode", "tcvn3", "nfd"]
    assert all(f.path.exists() for f in samples.files)
    assert len(samples.people) == 300
    assert len(samples.shared) == 15  # 5 % of 300
    assert {s.noise for s in samples.shared} == set(NOISES)
    assert len(samples.bad_rows) == 6  # 2 % of each file
    assert {b.kind for b in samples.bad_rows} == {"date", "id", "grade", "name"}
    truth = json.loads((samples.directory / "truth.json").read_text("utf-8"))
    assert set(truth["people"]) == set(samples.people)


def test_names_dates_and_ids_read_back_equal_the_truth(samples):
    for sample in samples.files:
        index, data = _table(sample)
        names = [r[index[NAME[sample.style]]] for r in data.values()]
        encoding, converted = column_to_unicode(names)
        expected_encoding = {"unicode": Encoding.UNICODE, "tcvn3": Encoding.TCVN3}
        assert encoding is expected_encoding.get(sample.style, Encoding.UNICODE)
        by_row = dict(zip(data, converted, strict=True))
        people = [p for p in samples.people.values() if p.file == sample.path.name]
        assert people
        for person in people:
            row = data[person.row]
            assert by_row[person.row] == person.full_name
            assert unicodedata.is_normalized("NFC", by_row[person.row])
            assert str(row[index[PID[sample.style]]]) == person.personal_id
            parsed = parse_date(row[index[DOB[sample.style]]], context="birth")
            assert parsed.value == date.fromisoformat(person.date_of_birth)


def test_raw_styles(samples):
    a, b, c = samples.files
    _, data_b = _table(b)
    cells = [v for r in data_b.values() for v in r if isinstance(v, str)]
    assert any("¬" in v or "©" in v or "ª" in v for v in cells)  # TCVN3 mojibake
    bad = {x.row for x in samples.bad_rows if x.file == b.path.name and x.kind == "date"}
    assert all(isinstance(r[2], float) for n, r in data_b.items() if n not in bad)  # serials
    _, data_c = _table(c)
    assert any(
        unicodedata.normalize("NFC", v) != v
        for r in data_c.values()
        for v in r
        if isinstance(v, str)
    )
    rows_a = _sheet(a.path, a.main_sheet)
    assert rows_a[0][0].startswith("ỦY BAN") and a.header_row == 5


def test_bad_rows_are_really_bad(samples):
    files = {f.path.name: f for f in samples.files}
    for bad in samples.bad_rows:
        sample = files[bad.file]
        index, data = _table(sample)
        row = data[bad.row]
        cell = row[index[bad.column]]
        assert str(cell) == bad.value
        if bad.kind == "date":
            with pytest.raises(DateParseError):
                parse_date(cell, context="birth")
        elif bad.kind == "id":
            assert len(str(cell)) != 12
        elif bad.kind == "grade":
            assert cell == "99.999"
        else:
            assert cell == ""
        assert bad.sheet == sample.main_sheet


def test_shared_people_copies_and_noise(samples):
    files = {f.path.name: f for f in samples.files}
    for shared in samples.shared:
        person = samples.people[shared.personal_id]
        assert person.file == shared.clean_file and person.row == shared.clean_row
        noisy = files[shared.noisy_file]
        index, data = _table(noisy)
        row = data[shared.noisy_row]
        written = to_unicode(
            str(row[index[NAME[noisy.style]]]),
            prefer=Encoding.TCVN3 if noisy.style == "tcvn3" else None,
        )
        assert written == shared.noisy_name
        pid = str(row[index[PID[noisy.style]]])
        if shared.noise == "missing_id":
            assert pid == ""
        elif shared.noise == "old_id":
            assert pid == person.old_id_number and len(pid) == 9
        else:
            assert pid == person.personal_id
        if shared.noise in ("tone_style", "nfd"):
            assert written == person.full_name  # clean() makes them equal
        elif shared.noise in ("no_diacritics", "typo"):
            assert written != person.full_name
            if shared.noise == "no_diacritics":
                assert fold(written) == fold(person.full_name)
        # an ID noise comes later than the clean copy, a name or date noise earlier
        order = [f.path.name for f in samples.files]
        later = order.index(shared.noisy_file) > order.index(shared.clean_file)
        assert later == (shared.noise in ("missing_id", "old_id"))


def test_child_sheets(samples):
    a = samples.files[0]
    work = _sheet(a.path, "Quá trình công tác")
    salary = _sheet(a.path, "Quá trình lương")
    ids = {p.personal_id for p in samples.people.values() if p.file == a.path.name}
    assert {r[0] for r in work[1:]} == ids
    assert {r[0] for r in salary[1:]} == ids
    for r in salary[1:]:
        parse_date(r[1])


def test_places_resolve_to_the_new_province(samples, reference_data):
    from orgtree.places import resolve_place

    for sample in samples.files:
        index, data = _table(sample)
        column = [r[index[HOME[sample.style]]] for r in data.values()]
        _, converted = column_to_unicode(column)
        for text in converted[:40]:
            resolution = resolve_place(text)
            assert resolution.province and resolution.province["code"] == "25", (text, resolution)


def test_same_seed_same_files(tmp_path):
    one = make_vendor_samples(tmp_path / "1", 12, seed=3)
    two = make_vendor_samples(tmp_path / "2", 12, seed=3)
    assert one.as_dict()["people"] == two.as_dict()["people"]
    assert one.bad_rows and one.shared


def test_command(tmp_path):
    call_command("make_vendor_samples", "--out", str(tmp_path), "--people", "10")
    assert {p.name for p in tmp_path.iterdir()} == {
        "phu_tho_unicode.xlsx",
        "vinh_phuc_tcvn3.xlsx",
        "hoa_binh_nfd.xlsx",
        "truth.json",
    }


def test_csv_copies_hold_the_same_rows(samples):
    import csv

    for sample in samples.files:
        index, data = _table(sample)
        with sample.csv_path.open(encoding="utf-8-sig", newline="") as fh:
            rows = {n: r for n, r in enumerate(csv.reader(fh), start=1)}
        names = [rows[n][index[NAME[sample.style]]] for n in data]
        _, converted = column_to_unicode(names)
        by_row = dict(zip(data, converted, strict=True))
        for person in samples.people.values():
            if person.file != sample.path.name:
                continue
            assert by_row[person.row] == person.full_name
            # serial dates become digit strings in a CSV: still read as the same date
            dob = rows[person.row][index[DOB[sample.style]]]
            assert parse_date(dob).value == date.fromisoformat(person.date_of_birth)
