"""Importing a generated legacy shape through the ``import_profiles`` command and comparing what
arrived with the shape's truth (used by the shape tests and by bench/unseen_import_check.py)."""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from .legacy_shapes import Shape


def import_shape(shape: Shape, unit: Any, user: Any, out: Path) -> dict[str, Any]:
    """The JSON report of ``import_profiles SHAPE --unit … --user … --report …``."""
    report = out / f"{shape.name}.report.json"
    call_command(
        "import_profiles",
        str(shape.path),
        "--unit",
        unit.code,
        "--user",
        user.username,
        "--report",
        str(report),
        stdout=io.StringIO(),
    )
    return json.loads(report.read_text(encoding="utf-8"))


@dataclass
class Outcome:
    expected: int = 0
    arrived: int = 0  # people of the shape with a profile
    wrong: int = 0  # arrived with a wrong name, birth date, sex or unit
    held: int = 0  # rows in the holding area
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.expected - self.arrived


def check(shape: Shape, report: dict[str, Any]) -> Outcome:
    """Every difference between the shape's truth and what the import did, as sentences."""
    from profiles.models import Profile
    from transfer.holding_models import HeldRow

    (file_report,) = report["files"]
    out = Outcome(expected=len(shape.people))
    problems = out.problems
    stored = {
        p.personal_id: p
        for p in Profile.objects.filter(
            personal_id__in=[x.pid for x in shape.people]
        ).select_related("unit")
    }
    out.arrived = len(stored)
    for person in shape.people:
        profile = stored.get(person.pid)
        if profile is None:
            problems.append(f"lost: {person.pid} {person.name}")
            continue
        bad = []
        if not unicodedata.is_normalized("NFC", profile.full_name):
            bad.append("name not NFC")
        if profile.full_name != person.name:
            bad.append(f"name {profile.full_name!r} != {person.name!r}")
        if profile.birth_date_precision != person.precision:
            bad.append(f"precision {profile.birth_date_precision} != {person.precision}")
        got = profile.date_of_birth
        if person.precision == "day" and got != person.dob:
            bad.append(f"birth date {got} != {person.dob}")
        if person.precision == "month" and (got.year, got.month) != (
            person.dob.year,
            person.dob.month,
        ):
            bad.append(f"birth month {got} != {person.dob}")
        if got.year != person.dob.year:
            bad.append(f"birth year {got} != {person.dob}")
        if profile.sex != ("2" if person.female else "1"):
            bad.append(f"sex {profile.sex}")
        unit = getattr(shape, "units", {}).get(person.pid)
        if unit and profile.unit.code != unit:
            bad.append(f"unit {profile.unit.code} != {unit}")
        for name, value in getattr(shape, "fields", {}).get(person.pid, {}).items():
            if getattr(profile, name) != value:
                bad.append(f"{name} {getattr(profile, name)!r} != {value!r}")
        if bad:
            out.wrong += 1
            problems.append(f"{person.pid}: " + "; ".join(bad))

    people = file_report["people"]
    if people["created"] != len(shape.people):
        problems.append(f"created {people['created']} != {len(shape.people)}")

    # layout rows skipped with their row numbers, never people, never errors
    skipped: dict[str, set[int]] = {}
    for row in file_report["skipped_rows"]:
        skipped.setdefault(row["sheet"], set()).add(row["row"])
    for sheet, rows in shape.layout_rows.items():
        if skipped.get(sheet, set()) != rows:
            problems.append(f"skipped on {sheet}: {sorted(skipped.get(sheet, set()))} != "
                            f"{sorted(rows)}")  # fmt: skip

    # refused rows: in the holding area, with every problem; nothing else is an error
    errors: dict[tuple[str, int], set[str]] = {}
    for e in file_report["error_list"]:
        if e["row"] is None:
            if e["sheet"] not in shape.unrecognised_sheets:
                problems.append(f"file/sheet error: {e}")
            continue
        errors.setdefault((e["sheet"], e["row"]), set()).add(e["column"])
    unread = {s["sheet"] for s in file_report["sheets"] if s["table"] is None}
    if unread != shape.unrecognised_sheets:
        problems.append(f"unread sheets {sorted(unread)} != {sorted(shape.unrecognised_sheets)}")
    for key in sorted(set(errors) - set(shape.bad_rows)):
        problems.append(f"unexpected error at {key}: {sorted(errors[key])}")
    held = {
        (h.sheet, h.row): h
        for h in HeldRow.objects.filter(file=shape.path.name, status=HeldRow.Status.OPEN)
    }
    out.held = len(held)
    for key, columns in shape.bad_rows.items():
        if key not in errors or not columns <= errors[key]:
            problems.append(f"bad row {key}: reported {sorted(errors.get(key, ()))}, "
                            f"expected {sorted(columns)}")  # fmt: skip
        h = held.get(key)
        if h is None:
            problems.append(f"bad row {key} not in the holding area")
        elif not columns <= {p.get("column") for p in h.problems}:
            problems.append(f"held row {key} problems {h.problems}")

    # warnings that must be given
    rows = {r["personal_id"]: r for r in report["rows"] if r["table"] == "profile"}
    for pid, text in getattr(shape, "warned", {}).items():
        if not any(text in w for w in rows.get(pid, {}).get("warnings", [])):
            problems.append(f"{pid}: no warning with {text!r}: {rows.get(pid, {}).get('warnings')}")
    for pid in shape.derived:
        if not any("chữ số thứ 4" in w for w in rows.get(pid, {}).get("warnings", [])):
            problems.append(f"{pid}: sex derived without a warning")
    return out


def shape_params(builders: list[Callable[[Path], Shape]]) -> list[Any]:
    """One test parameter per shape builder, named after it."""
    return [pytest.param(build, id=build.__name__.removeprefix("shape_")) for build in builders]


def assert_every_person_read(
    build: Callable[[Path], Shape], unit: Any, user: Any, out: Path
) -> dict[str, Any]:
    """Import the shape: nobody lost, nothing wrong, exactly its bad rows held; the report."""
    shape = build(out)
    report = import_shape(shape, unit, user, out)
    outcome = check(shape, report)
    assert outcome.problems == [], report["files"][0]["sheets"]
    assert outcome.lost == 0 and outcome.wrong == 0
    assert outcome.held == len(shape.bad_rows)
    return report
