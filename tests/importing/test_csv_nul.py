# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""A NUL character in a CSV cell is dropped with a note naming its lines, never stored: SQLite
kept "Xã A\\x00B" as the home town without a word, and PostgreSQL refuses NUL in text, so one
such cell failed the whole write of the file (issue #14)."""

from __future__ import annotations

import pytest

from profiles.models import Profile
from transfer.csv_text import drop_nul

from .pipeline_fixtures import (  # noqa: F401 - fixtures
    PROFILE_HEADERS,
    actions,
    agency,
    hr,
    person_row,
    run_import,
)

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_cell_is_dropped_and_its_line_named(tmp_path, agency, hr):
    rows = [PROFILE_HEADERS, *[person_row(n) for n in range(1, 60)]]
    rows.append(person_row(61, **{"Quê quán": "Xã Tam\x00 Nông, Phú Thọ"}))
    path = tmp_path / "nul.csv"
    path.write_text("".join(";".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    assert path.read_bytes().index(b"\x00") > 4096  # past the format sniff: read as text
    plan = run_import([path], agency["home"], hr)
    assert actions(plan) == {"create": 60}
    hometown = Profile.objects.get(personal_id="025185000061").hometown_text
    assert "\x00" not in hometown and hometown.startswith("Xã Tam Nông")
    (note,) = plan.files[0].sheets[0]["notes"]
    assert note.startswith("Tệp có ký tự NUL (mã 0, không hiển thị) ở 1 dòng (dòng 61)")


def test_many_lines_are_named_up_to_ten():
    text, note = drop_nul("a\x00\n" * 12)
    assert text == "a\n" * 12
    assert note is not None and "12 dòng (dòng 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …)" in note
    assert drop_nul("sạch\n") == ("sạch\n", None)
