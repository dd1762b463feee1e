# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Legacy exports of shapes neither the import nor tests/importing/legacy_shapes.py was written
against (tests/importing/unseen_shapes.py: HTML and SpreadsheetML "xls", UTF-16 text, English
headers, instruction sheets, three-part dates and names, units written once, every date, ID and
sex spelling, formulas, hidden rows, wide sheets, stacked tables) go through the
``import_profiles`` command with no person lost: each person checked field by field (name NFC
and right, birth date with its precision, sex, unit), layout rows skipped with their row
numbers, refused rows in the holding area with every problem, the warnings given."""

from __future__ import annotations

import pytest

from .pipeline_fixtures import agency, hr  # noqa: F401 - fixtures
from .shape_check import assert_every_person_read, shape_params
from .unseen_shapes import BUILDERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("build", shape_params(BUILDERS))
def test_an_unseen_shape_loses_no_person(build, tmp_path, agency, hr):
    assert_every_person_read(build, agency["root"], hr, tmp_path)
