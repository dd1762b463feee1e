#!/usr/bin/env python
"""Every generated legacy shape (tests/importing/legacy_shapes.py, unseen_shapes.py,
unseen_shapes_3.py, unseen_shapes_4.py and unseen_shapes_5.py) imported through the
``import_profiles`` command into a throw-away database; per shape: the people expected,
arrived, arrived with a wrong field, rows held, people lost, and the first problems.

    .venv/bin/python bench/unseen_import_check.py [--set unseen4 …] [--only NAME …] [-v]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="shape names (default: all)")
    parser.add_argument("-v", action="store_true", help="print every problem")
    parser.add_argument("--set", nargs="*", help="sets (legacy, unseen, unseen3, unseen4, unseen5)")
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from benchdb import test_database

    with test_database():
        run(args)


def run(args) -> None:
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from orgtree import services
    from orgtree.models import Role, Unit, UnitAssignment
    from orgtree.refdata import load_reference_data
    from profiles.codelists import load_codelists
    from tests.importing import (
        legacy_shapes,
        unseen_shapes,
        unseen_shapes_3,
        unseen_shapes_4,
        unseen_shapes_5,
    )
    from tests.importing.shape_check import check, import_shape

    load_codelists()
    load_reference_data()
    # the tree of tests/importing/pipeline_fixtures.agency
    province = services.create_unit(name="Ủy ban nhân dân tỉnh Phú Thọ", code="H25",
                                    kind=Unit.Kind.PROVINCE_PC, parent=None,
                                    valid_from=date(2020, 1, 1))  # fmt: skip
    for name, code in (("Sở Nội vụ", "H25.01"), ("Sở Tài chính", "H25.02")):
        services.create_unit(name=name, code=code, kind=Unit.Kind.DEPARTMENT,
                             parent=province, valid_from=date(2020, 1, 1))  # fmt: skip
    root = Unit.objects.get(code="H25")
    home = Unit.objects.get(code="H25.01")
    user = get_user_model().objects.create_user("phutho_hr", password="x-Password-123",
                                                is_staff=True)  # fmt: skip
    UnitAssignment.objects.create(user=user, unit=root, role=Role.HR_OFFICER)
    user = get_user_model().objects.get(pk=user.pk)

    sets = [
        ("legacy", legacy_shapes.BUILDERS, home),
        ("unseen", unseen_shapes.BUILDERS, root),
        ("unseen3", unseen_shapes_3.BUILDERS, root),
        ("unseen4", unseen_shapes_4.BUILDERS, root),
        ("unseen5", unseen_shapes_5.BUILDERS, root),
    ]
    print(f"{'set':7} {'shape':32} {'expected':>8} {'arrived':>8} {'wrong':>6} {'held':>5} "
          f"{'lost':>5} {'problems':>8}  seconds")  # fmt: skip
    totals = {"expected": 0, "arrived": 0, "wrong": 0, "held": 0, "lost": 0, "failing": 0}
    for label, builders, unit in sets:
        if args.set and label not in args.set:
            continue
        for build in builders:
            name = build.__name__.removeprefix("shape_")
            if args.only and name not in args.only:
                continue
            tmp = Path(tempfile.mkdtemp(prefix=f"shape-{name}-"))
            t = time.perf_counter()
            shape = build(tmp)
            try:
                with transaction.atomic():  # each shape alone in the database
                    report = import_shape(shape, unit, user, tmp)
                    outcome = check(shape, report)
                    transaction.set_rollback(True)
            except Exception as exc:  # a shape that crashes the import counts all its people
                from tests.importing.shape_check import Outcome

                outcome = Outcome(len(shape.people), problems=[f"crash: {exc!r}"])
            seconds = time.perf_counter() - t
            print(f"{label:7} {name:32} {outcome.expected:8} {outcome.arrived:8} "
                  f"{outcome.wrong:6} {outcome.held:5} {outcome.lost:5} "
                  f"{len(outcome.problems):8}  {seconds:.2f}")  # fmt: skip
            for problem in outcome.problems if args.v else outcome.problems[:3]:
                print(f"{'':9}- {problem[:300]}")
            totals["expected"] += outcome.expected
            totals["arrived"] += outcome.arrived
            totals["wrong"] += outcome.wrong
            totals["held"] += outcome.held
            totals["lost"] += outcome.lost
            totals["failing"] += bool(outcome.problems)
    print("totals:", totals)


if __name__ == "__main__":
    main()
