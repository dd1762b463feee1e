# ruff: noqa: F811 - the fixtures imported below are used as test arguments
"""Every generated legacy shape (legacy_shapes.py, unseen_shapes*.py) through every door of the
import gives what the ``import_profiles`` command gives: the admin wizard (upload → preview →
confirm, Django's test client), the REST API (upload, confirm, report) and a django-q2 task (run
by django-q2's worker code). Per shape and door: the same people with the same values and
child rows, the same rows held with the same problems, the same report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import legacy_shapes, unseen_shapes, unseen_shapes_3, unseen_shapes_4, unseen_shapes_5
from .door_check import DOORS, by_command, differences, through
from .pipeline_fixtures import agency, hr  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

#: (builder, imported into the Sở Nội vụ or the province) — as the shape tests import them
SHAPES = [
    *((b, "home") for b in legacy_shapes.BUILDERS),
    *(
        (b, "root")
        for m in (unseen_shapes, unseen_shapes_3, unseen_shapes_4, unseen_shapes_5)
        for b in m.BUILDERS
    ),
]


def _params() -> list[Any]:
    return [
        pytest.param(build, unit, id=build.__name__.removeprefix("shape_"))
        for build, unit in SHAPES
    ]


@pytest.mark.parametrize("build,unit_key", _params())
def test_every_door_imports_a_shape_as_the_command_does(build, unit_key, tmp_path, agency, hr):
    unit = agency[unit_key]
    shape = build(tmp_path)
    expected = through(by_command, shape, unit, hr, Path(tmp_path))
    assert expected["profiles"], "the command imported nobody"
    found = {}
    for name, door in DOORS.items():
        found[name] = differences(expected, through(door, shape, unit, hr, Path(tmp_path)))
    assert found == {name: [] for name in DOORS}
