"""The loader of the independent corpus of the place resolver,
``data/resolver_corpus_independent.tsv`` (written by ``make_resolver_corpus_independent.py``;
provenance in ``data/PROVENANCE-independent.md``), used by ``bench/bench_resolver.py`` and the
tests."""

from __future__ import annotations

import csv
import re
from pathlib import Path

CORPUS_INDEPENDENT = Path(__file__).parent / "data" / "resolver_corpus_independent.tsv"
# the second round, forms the first three corpora held few of (its own generator, ``_2``)
CORPUS_INDEPENDENT_2 = Path(__file__).parent / "data" / "resolver_corpus_independent_2.tsv"
# the third round: abbreviations, former names, streets, English, "nay là", shared names
CORPUS_INDEPENDENT_3 = Path(__file__).parent / "data" / "resolver_corpus_independent_3.tsv"
# real texts written by others, with the answers their sources state (PROVENANCE-public.md)
CORPUS_PUBLIC = Path(__file__).parent / "data" / "resolver_corpus_public.tsv"
TSV_COLUMNS = ["text", "province", "commune", "expect", "classes"]


def load_tsv_corpus(path: Path = CORPUS_INDEPENDENT) -> tuple[str, list[dict]]:
    """(as_of, items) of a tab-separated corpus: a ``# as_of=YYYY-MM-DD …`` line, a header
    ``text province commune expect classes``, then one text a row. ``expect`` is ``answer``,
    ``review`` or ``province`` (only the province is checked: the source of a real text
    stated no commune, ``commune_unchecked``); an empty code means none is expected. Items
    come in the JSON corpora's shape (``province``/``commune`` None when empty, ``review`` a
    bool, ``classes`` a list).
    A malformed row raises ``ValueError`` naming the file, the line and the field."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = re.search(r"as_of=(\d{4}-\d{2}-\d{2})", lines[0]) if lines else None
    if not lines or not lines[0].startswith("#") or found is None:
        raise ValueError(f"{path}: line 1: field as_of: expected '# as_of=YYYY-MM-DD'")
    rows = list(csv.reader(lines[1:], delimiter="\t"))
    if not rows or rows[0] != TSV_COLUMNS:
        raise ValueError(f"{path}: line 2: header: expected {' '.join(TSV_COLUMNS)}")
    items = []
    for number, row in enumerate(rows[1:], start=3):
        if len(row) != len(TSV_COLUMNS):
            raise ValueError(f"{path}: line {number}: {len(row)} fields, expected 5")
        text, province, commune, expect, classes = row
        checks = [
            ("text", bool(text.strip())),
            ("province", province == "" or re.fullmatch(r"\d{2}", province) is not None),
            ("commune", commune == "" or re.fullmatch(r"\d{5}", commune) is not None),
            ("expect", expect in ("answer", "review", "province")),
            ("classes", bool(classes.strip())),
            ("commune", not (expect in ("review", "province") and commune)),
        ]
        for field, ok in checks:
            if not ok:
                raise ValueError(f"{path}: line {number}: field {field}: {row!r}")
        item = {
            "text": text,
            "province": province or None,
            "commune": commune or None,
            "review": expect == "review",
            "classes": classes.split(","),
        }
        if expect == "province":
            item["commune_unchecked"] = True
        items.append(item)
    return found.group(1), items
