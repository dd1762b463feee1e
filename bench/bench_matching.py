#!/usr/bin/env python
"""Benchmark of the person matcher (``profiles.matching``): quality and speed.

Generates ``--existing`` people with :class:`profiles.synthetic.PeopleGenerator` (the
existing profiles of a merged agency), then ``--incoming`` import rows:

* noisy copies of existing people (``--dup-share``, the truth is known), with realistic noise:
  no diacritics, upper case, the new tone-mark style ("Hoà"), NFD text, a typo in the name,
  day and month swapped, a personal ID missing or typed with one wrong/swapped digit, only the
  old 9-digit ID, home province missing;
* near-collisions (``--collision-share``): *different* people with the same name and date of
  birth (and sex) as an existing profile — common Vietnamese names make these real — some
  without any ID;
* new people.

Prints precision and recall for "certain" (what merges automatically: precision must be very
high) and for "certain + uncertain" (what reaches a person), the matching rate, and two
baselines measured in the same run: exact personal ID only (precision/recall/speed), and a
naive full pairwise rapidfuzz scan (``process.extractOne`` over all names, C-speed) on a small
sample, extrapolated, with the ratio.

The people are generated in memory with the synthetic generator's distributions and helpers
(group 1 only; no profile rows are written): the matcher is measured on its own. It needs the
code lists, so it creates a throwaway test database (SQLite unless DATABASE_URL is set).

    .venv/bin/python bench/bench_matching.py --existing 300000 --incoming 100000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import unicodedata
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")

NEW_STYLE = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "úy": "uý",
             "ùy": "uỳ", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ", "óe": "oé", "òe": "oè"}  # fmt: skip


def strip_marks(text: str) -> str:
    nfd = unicodedata.normalize("NFD", text)
    out = "".join(c for c in nfd if not unicodedata.combining(c))
    return out.replace("đ", "d").replace("Đ", "D")


def typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    i = rng.choice(letters)
    kind = rng.random()
    if kind < 0.4:  # substitution
        return text[:i] + rng.choice("aeinhtuo") + text[i + 1 :]
    if kind < 0.7:  # deletion
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]  # doubled letter


def new_tone_style(text: str) -> str:
    for old, new in NEW_STYLE.items():
        text = text.replace(old, new)
    return text


def noisy_copy(rng: random.Random, rec, PersonRecord) -> tuple[object, list[str]]:
    """A row for the same person as exported by another vendor's software."""
    noise: list[str] = []
    name = rec.full_name
    r = rng.random()
    if r < 0.25:
        name, _ = strip_marks(name), noise.append("no-diacritics")
    elif r < 0.40:
        name, _ = name.upper(), noise.append("upper")
    elif r < 0.55:
        name, _ = new_tone_style(name), noise.append("tone-style")
    elif r < 0.70:
        name, _ = unicodedata.normalize("NFD", name), noise.append("nfd")
    if rng.random() < 0.08:
        name, _ = typo(rng, name), noise.append("typo")
    dob = rec.date_of_birth
    if rng.random() < 0.05 and dob.day <= 12 and dob.day != dob.month:
        dob, _ = dob.replace(day=dob.month, month=dob.day), noise.append("dm-swap")
    pid, old = rec.personal_id, None
    r = rng.random()
    if r < 0.20:
        pid, _ = None, noise.append("no-id")
    elif r < 0.30 and rec.old_id_number:
        pid, old, _ = None, rec.old_id_number, noise.append("old-id-only")
    elif r < 0.35:
        digits = list(pid)
        i = rng.randrange(11)
        if rng.random() < 0.5:
            digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
            noise.append("id-substitution")
        elif digits[i] != digits[i + 1]:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            noise.append("id-transposition")
        pid = "".join(digits)
    elif rec.old_id_number and rng.random() < 0.3:
        old = rec.old_id_number
    home = rec.home_province if rng.random() > 0.2 else ""
    if not home:
        noise.append("no-home")
    return (
        PersonRecord(
            personal_id=pid,
            old_id_number=old,
            full_name=name,
            date_of_birth=dob,
            sex=rec.sex,
            home_province=home,
            source="vendor-b",
        ),
        noise,
    )


def collision(rng: random.Random, rec, gen, PersonRecord):
    """A different person with the same name, date of birth and sex (own ID, or none)."""
    province = rng.choice(gen.provinces)
    parity = gen.sex_parity[rec.sex]
    pid = gen._personal_id(province.code, rec.date_of_birth, parity)
    r = rng.random()
    return PersonRecord(
        personal_id=pid if r < 0.6 else None,
        old_id_number=f"{rng.randint(10**8, 10**9 - 1)}" if 0.6 <= r < 0.8 else None,
        full_name=rec.full_name if rng.random() < 0.5 else strip_marks(rec.full_name),
        date_of_birth=rec.date_of_birth,
        sex=rec.sex,
        home_province=province.extra.get("new_province_code", ""),
        source="vendor-b",
    )


def light_person(gen, n: int | None, PersonRecord):
    """Group 1 of :meth:`PeopleGenerator.person` (same distributions, same helpers), without
    the child rows the matcher never reads: 300,000 people in seconds instead of minutes."""
    rng = gen.rng
    parity = rng.randint(0, 1)
    sex_key = "female" if parity else "male"
    dob = gen._date(date(1966, 1, 1), date(2001, 12, 31))
    province = rng.choice(gen.provinces)
    home = rng.choice(gen.provinces) if rng.random() < 0.3 else province
    return PersonRecord(
        personal_id=gen._personal_id(province.code, dob, parity),
        old_id_number=f"{rng.randint(10**8, 10**9 - 1)}" if dob.year < 1995 else None,
        full_name=gen._name(sex_key),
        date_of_birth=dob,
        sex=gen.sex[parity],
        home_province=home.extra.get("new_province_code", ""),
        source="vendor-a" if n is not None else "vendor-b",
        profile_id=n,
        ref=n,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--existing", type=int, default=300_000)
    parser.add_argument("--incoming", type=int, default=100_000)
    parser.add_argument("--dup-share", type=float, default=0.4)
    parser.add_argument("--collision-share", type=float, default=0.1)
    parser.add_argument("--naive-sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database():
        run(args)


def run(args) -> None:
    from collections import Counter

    from rapidfuzz import fuzz, process

    from orgtree.models import Unit
    from profiles.codelists import load_codelists
    from profiles.matching import MatchKind, PersonRecord, ProfileIndex
    from profiles.synthetic import PeopleGenerator

    load_codelists()
    root = Unit.objects.create(
        name="UBND tỉnh Phú Thọ",
        code="H25",
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )
    gen = PeopleGenerator(root, seed=args.seed)
    gen.sex_parity = {code: parity for parity, code in gen.sex.items()}
    rng = random.Random(args.seed)

    t = time.perf_counter()
    existing: list[PersonRecord] = []
    for n in range(args.existing):
        existing.append(light_person(gen, n + 1, PersonRecord))
    print(f"generated {len(existing):,} existing people in {time.perf_counter() - t:.1f} s")

    incoming: list[PersonRecord] = []
    truth: list[int | None] = []
    kinds: list[str] = []
    noise_count: Counter[str] = Counter()
    for _ in range(args.incoming):
        r = rng.random()
        if r < args.dup_share:
            src = rng.choice(existing)
            rec, noise = noisy_copy(rng, src, PersonRecord)
            noise_count.update(noise)
            incoming.append(rec)
            truth.append(src.profile_id)
            kinds.append("copy")
        elif r < args.dup_share + args.collision_share:
            src = rng.choice(existing)
            incoming.append(collision(rng, src, gen, PersonRecord))
            truth.append(None)
            kinds.append("collision")
        else:
            incoming.append(light_person(gen, None, PersonRecord))
            truth.append(None)
            kinds.append("new")
    n_true = sum(1 for x in truth if x is not None)
    print(
        f"incoming: {len(incoming):,} rows — {n_true:,} noisy copies, "
        f"{kinds.count('collision'):,} near-collisions (same name, date of birth, sex; "
        f"different person), {kinds.count('new'):,} new people"
    )
    print("noise on copies: " + ", ".join(f"{k} {v:,}" for k, v in sorted(noise_count.items())))

    # -- the matcher ----------------------------------------------------------------------------
    t = time.perf_counter()
    index = ProfileIndex(existing, sex_parity=gen.sex_parity)
    build = time.perf_counter() - t
    t = time.perf_counter()
    results = [index.match(rec) for rec in incoming]
    elapsed = time.perf_counter() - t
    rate = len(incoming) / elapsed

    def quality(accept) -> tuple[float, float, int, int]:
        predicted = correct = 0
        for res, want in zip(results, truth, strict=True):
            if accept(res):
                predicted += 1
                correct += res.profile_id == want and want is not None
        precision = correct / predicted if predicted else 1.0
        return precision, correct / n_true if n_true else 1.0, predicted, correct

    pc, rc, npc, cc = quality(lambda r: r.kind == MatchKind.CERTAIN)
    pa, ra, npa, ca = quality(lambda r: r.kind != MatchKind.NONE)
    pn, rn, npn, cn = quality(lambda r: r.kind == MatchKind.CERTAIN and r.rule != "name")
    print()
    print(f"index build: {len(index):,} profiles in {build:.2f} s")
    print(f"matching: {len(incoming):,} rows in {elapsed:.2f} s = {rate:,.0f} matches/s")
    print(f"certain (auto-merge):   precision {pc:.4f}  recall {rc:.4f}  ({cc:,}/{npc:,} right)")
    print(f"certain, name rule to review: precision {pn:.4f}  recall {rn:.4f}  "
          f"({cn:,}/{npn:,} right)")  # fmt: skip
    print(f"certain + uncertain:    precision {pa:.4f}  recall {ra:.4f}  ({ca:,}/{npa:,} right)")
    wrong_certain = Counter(
        k
        for res, want, k in zip(results, truth, kinds, strict=True)
        if res.kind == MatchKind.CERTAIN and res.profile_id != want
    )
    if wrong_certain:
        print(f"  wrong certain pairs by row kind: {dict(wrong_certain)}")

        def shape(rec) -> str:
            return ("12" if rec.personal_id else "") + ("+9" if rec.old_id_number else "") or "-"

        detail = Counter(
            f"{res.rule}: row {shape(rec)} / profile {shape(res.candidate)}"
            for res, want, rec in zip(results, truth, incoming, strict=True)
            if res.kind == MatchKind.CERTAIN and res.profile_id != want and res.candidate
        )
        print(f"  wrong certain pairs by rule and IDs (row / profile): {dict(detail)}")
    by_rule = Counter(r.rule for r in results if r.kind == MatchKind.CERTAIN)
    print(f"  certain by rule: {dict(by_rule)}")
    missed = Counter()
    for res, want, rec in zip(results, truth, incoming, strict=True):
        if want is not None and res.kind == MatchKind.NONE:
            missed["no id" if not rec.personal_id else "with id"] += 1
    print(f"  copies not found: {dict(missed)}")

    # -- baseline 1: exact personal ID only -------------------------------------------------------
    t = time.perf_counter()
    by_pid = {rec.personal_id: rec.profile_id for rec in existing}
    base = [by_pid.get(rec.personal_id) if rec.personal_id else None for rec in incoming]
    base_elapsed = time.perf_counter() - t
    hits = sum(1 for b in base if b is not None)
    right = sum(1 for b, w in zip(base, truth, strict=True) if b is not None and b == w)
    print()
    print(
        f"baseline exact ID only: precision {right / hits if hits else 1:.4f}  "
        f"recall {right / n_true:.4f}  in {base_elapsed:.2f} s (incl. dict build)"
    )

    # -- baseline 2: naive full pairwise rapidfuzz on a sample -------------------------------------
    names = [rec.folded_name for rec in existing]
    sample = rng.sample(range(len(incoming)), min(args.naive_sample, len(incoming)))
    t = time.perf_counter()
    naive_right = naive_found = 0
    for i in sample:
        rec = incoming[i]
        best = process.extractOne(rec.folded_name, names, scorer=fuzz.ratio, score_cutoff=85)
        if best is not None:
            naive_found += 1
            naive_right += existing[best[2]].profile_id == truth[i]
    naive_per = (time.perf_counter() - t) / len(sample)
    naive_total = naive_per * len(incoming)
    print(
        f"baseline naive pairwise (rapidfuzz extractOne over all {len(existing):,} names): "
        f"{naive_per * 1000:.1f} ms/row -> {naive_total:,.0f} s for {len(incoming):,} rows "
        f"(sample of {len(sample)}: {naive_right}/{naive_found} best-name hits right)"
    )
    print(f"matcher vs naive pairwise: {naive_total / elapsed:,.0f}x faster")


if __name__ == "__main__":
    main()
