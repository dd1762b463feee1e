"""What the two corpus generators of the place resolver share (``make_resolver_corpus.py``,
``make_resolver_corpus_real.py``): Django set up outside the test runner, the shipped
reference files read with the project's own readers (never the resolver), and the writing of
a corpus file (a header line, then one JSON item a line)."""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-08-01"  # the date the expected codes are in force


@dataclass
class Shipped:
    """The shipped files: units by ``(level, code)`` before and after 1/7/2025, the English
    names of the current units, the conversion table's rows, and each old commune's new
    ``(province, commune)`` pairs in that table."""

    data_dir: Path
    old: dict[tuple[str, str], Any]
    new: dict[tuple[str, str], Any]
    english: dict[str, str]
    rows: list[Any]
    targets: dict[str, set[tuple[str, str]]]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
    import django

    django.setup()


def load_shipped() -> Shipped:
    setup_django()
    from orgtree.models import AdminUnitRelease
    from orgtree.refdata import (
        DATA_DIR,
        read_gso_conversion_csv,
        read_gso_legacy_csv,
        read_thanglequoc_json,
    )

    release = AdminUnitRelease(key="corpus")
    legacy = read_gso_legacy_csv(release, DATA_DIR / "legacy-wards-2025-01-04.csv")
    current = read_thanglequoc_json(release, DATA_DIR / "units-current-2026-07-25.json")
    rows = read_gso_conversion_csv(release, DATA_DIR / "conversion-2025-07-01.csv")
    english: dict[str, str] = {}
    raw = json.loads((DATA_DIR / "units-current-2026-07-25.json").read_text(encoding="utf-8"))
    for province in raw:
        english[province["Code"]] = province["FullNameEn"]
        for ward in province["Wards"]:
            english[ward["Code"]] = ward["FullNameEn"]
    targets: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        if row.old_commune_code:
            targets[row.old_commune_code].add((row.new_province_code, row.new_commune_code))
    return Shipped(
        data_dir=DATA_DIR,
        old={(u.level, u.code): u for u in legacy},
        new={(u.level, u.code): u for u in current},
        english=english,
        rows=rows,
        targets=targets,
    )


def write_corpus(out: Path, seed: int, items: list[dict], classes: tuple[str, ...]) -> None:
    """Write the corpus (header ``{"as_of", "seed", "count"}``) and print the count per class."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"as_of": AS_OF, "seed": seed, "count": len(items)}) + "\n")
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    counts = {c: sum(c in i["classes"] for i in items) for c in classes}
    print(f"{len(items)} texts → {out}; per class: {counts}")
