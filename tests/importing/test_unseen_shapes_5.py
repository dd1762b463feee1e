# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""A fifth set of legacy export shapes (tests/importing/unseen_shapes_5.py: tab-separated text
named .xls, a CSV with Excel's ="…" text formulas, dotted abbreviations in the header, footnote
marks and a dated signature block, the grade's name and code in one cell, phone spellings, names
in any case with the Icelandic "Ð", the birth date in three top-level columns, sheets with their
columns in different orders, a template's description and example rows, an HTML .xls of two
tables in numeric character references, ID-like numbers in other columns, an Excel table with a
totals row, a Strict Open XML .xlsx) go through the ``import_profiles`` command with no person
lost or silently wrong."""

from __future__ import annotations

import pytest

from .pipeline_fixtures import agency, hr  # noqa: F401 - fixtures
from .shape_check import assert_every_person_read, shape_params
from .unseen_shapes_5 import BUILDERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("build", shape_params(BUILDERS))
def test_a_fifth_set_shape_loses_no_person(build, tmp_path, agency, hr):
    assert_every_person_read(build, agency["root"], hr, tmp_path)
