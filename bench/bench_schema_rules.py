#!/usr/bin/env python
"""What the schema's checks (:mod:`profiles.schema_rules`, issue 18) cost validation.

Generates ``--count`` synthetic people in a throw-away database, loads their validation
records, then measures per profile:

* the validation rules without the schema's checks, the schema's checks alone, and the whole
  :func:`profiles.validation.check`;
* the alternative the checks replace: rendering the document and validating it with the XSD
  (a sample, the snapshot built beforehand so only rendering and validation are timed);
* the bulk run (:func:`~profiles.validation.validate_profiles`) and the save-time
  :func:`~profiles.validation.validate_profile` (median of a sample).

    .venv/bin/python bench/bench_schema_rules.py --count 5000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")


def per_profile(fn, records, repeat: int = 3) -> float:
    """Best of ``repeat`` runs of ``fn`` over every record, in microseconds per record."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for rec in records:
            fn(rec)
        best = min(best, time.perf_counter() - t)
    return best / len(records) * 1e6


def run(args) -> None:
    from bench_profiles import build_tree

    from profiles import document
    from profiles.codelists import load_codelists
    from profiles.models import Profile
    from profiles.schema_rules import schema_findings
    from profiles.services import content_hash, snapshot
    from profiles.synthetic import generate_people
    from profiles.validation import (
        RULES,
        build_context,
        check,
        load_records,
        validate_profile,
        validate_profiles,
    )

    load_codelists()
    root, _other = build_tree(6, 5)
    gen = generate_people(root, args.count, seed=2026, validate=False)
    print(f"generated {gen.profiles} profiles, {gen.rows} rows")
    ctx = build_context()
    t = time.perf_counter()
    records = load_records(Profile.objects.all())
    print(f"load_records: {(time.perf_counter() - t) / len(records) * 1e6:.0f} µs/profile")

    def rules_only(rec):
        return [i for rule in RULES for i in rule(rec, ctx)]

    before = per_profile(rules_only, records)
    schema = per_profile(lambda rec: list(schema_findings(rec)), records)
    whole = per_profile(lambda rec: check(rec, ctx), records)
    print(f"rules without the schema's checks: {before:7.1f} µs/profile")
    print(f"the schema's checks alone:         {schema:7.1f} µs/profile")
    print(f"check() with both:                 {whole:7.1f} µs/profile "
          f"(+{(whole - before) / before * 100:.0f} %)")  # fmt: skip

    sample = list(Profile.objects.order_by("pk")[: args.sample])
    datas = [(p.personal_id, snapshot(p)) for p in sample]
    hashes = [content_hash(d) for _, d in datas]
    t = time.perf_counter()
    for (pid, data), digest in zip(datas, hashes, strict=True):
        xml = document.render_snapshot(
            data, personal_id=pid, number=1, content_hash=digest, include_assets=False
        )
        document.validate_document(xml)
    xsd = (time.perf_counter() - t) / len(datas) * 1e6
    print(f"render + XSD per profile (the alternative): {xsd:7.1f} µs/profile "
          f"({xsd / schema:.0f}x the schema's checks)")  # fmt: skip

    # baseline: the same runs with the schema's checks switched off (records still carry the
    # extra columns and unit codes they read). A first run stores findings, so that every
    # measured run replaces them; the two variants alternate, best of two each.
    import profiles.validation as validation

    rule_schema = validation.rule_schema

    def switched_off(rec, ctx, flagged=frozenset()):
        return iter(())

    def bulk(with_checks: bool) -> float:
        validation.rule_schema = rule_schema if with_checks else switched_off
        try:
            return validate_profiles().seconds
        finally:
            validation.rule_schema = rule_schema

    def save(with_checks: bool) -> float:
        validation.rule_schema = rule_schema if with_checks else switched_off
        try:
            times = []
            for profile in sample[:50]:
                t = time.perf_counter()
                validate_profile(profile)
                times.append((time.perf_counter() - t) * 1000)
            return statistics.median(times)
        finally:
            validation.rule_schema = rule_schema

    bulk(True)
    runs: dict[bool, list[float]] = {False: [], True: []}
    for with_checks in (False, True, True, False):
        runs[with_checks].append(bulk(with_checks))
    count = len(records)
    for with_checks, label in ((False, "without the schema's checks"), (True, "with them")):
        seconds = min(runs[with_checks])
        print(f"validate_profiles {label:27s}: {seconds:5.1f} s = {count / seconds:4.0f}/s "
              f"-> 300,000 in {300_000 / (count / seconds) / 60:.1f} min")  # fmt: skip
    saves = {False: [], True: []}
    for with_checks in (False, True, True, False):
        saves[with_checks].append(save(with_checks))
    print(f"validate_profile (a save), median of 50: {min(saves[False]):.1f} ms without the "
          f"schema's checks, {min(saves[True]):.1f} ms with them")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database():
        run(args)


if __name__ == "__main__":
    main()
