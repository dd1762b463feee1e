# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""A fourth set of legacy export shapes (tests/importing/unseen_shapes_4.py: an .xls with a sheet
per unit named in a title cell, a vendor's coded values with a legend sheet, English headers in
an .xls, a three-row merged header with old grade-code spellings, partial birth dates in words,
a VNI-Windows CSV with decimal commas, a Party list with look-alike columns, people over merged
rows, Excel for Mac's 1904 dates, double-encoded UTF-8, struck-through retired rows, IDs as
lossy numbers, a printed list's page furniture, "Họ" | "Tên đệm" | "Tên" with "Danh xưng", both
"Ngày sinh" and "Năm sinh", an Access TSV with serials as text) go through the
``import_profiles`` command with no person lost or silently wrong: each person checked field by
field, layout rows skipped with their row numbers, refused rows in the holding area with every
problem."""

from __future__ import annotations

import pytest

from .pipeline_fixtures import agency, hr  # noqa: F401 - fixtures
from .shape_check import assert_every_person_read, shape_params
from .unseen_shapes_4 import BUILDERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("build", shape_params(BUILDERS))
def test_a_fourth_set_shape_loses_no_person(build, tmp_path, agency, hr):
    assert_every_person_read(build, agency["root"], hr, tmp_path)
