"""Benchmark: place-name resolutions per second on a realistic mix of texts.

Run: ``.venv/bin/python bench/bench_resolver.py [--texts 4000] [--seconds 3]``

Sets up its own SQLite database in a temporary folder, loads the shipped reference data, then
generates a few thousand distinct texts from the data with the noise seen in old HR records
(no diacritics, ALL CAPS, NFD, new-style tone marks, "Ð", abbreviated prefixes, stray spaces
and punctuation): province names (old, new, historic), old full addresses "Xã A, Huyện B,
Tỉnh C", new addresses "Phường X, Tỉnh Y", and ambiguous bare names.

It measures, in the same run (CPU time of this process beside wall-clock time: the machine is
often shared):
* ``resolve_place`` after warm-up, with its caches (decisions, parsed parts) emptied before
  every pass over the distinct texts (every call does the whole work, except for parts that
  repeat within the pass);
* the same with the parsed parts kept (a long-running process) and only decisions emptied;
* the same after resolving as many other texts (another seed) with nothing remembered: a
  long-running process that knows the parts other addresses share (provinces, districts) but
  mostly not the communes of these texts (the pass over the other texts is not timed);
* the same with the decision cache warm (repeated texts are common in HR records);
* when the resolver's hot path runs compiled (``orgtree/native.py``, built by ``./run setup``),
  the first measure again with the plain Python modules, and the ratio;
* a naive baseline: for each comma-separated part, one database query on the folded name
  (``AdminUnit.folded_name``), then the conversion table by query for an old commune;
* a second naive baseline: a linear scan over every folded unit name per part (run on a
  sample, it is slow);
and prints the rates and the ratios.

It also scores the resolver on the checked-in corpora (``--corpus PATH``, repeatable; default
all four): ``tests/orgtree/data/resolver_corpus.jsonl`` (made by
``tests/orgtree/make_resolver_corpus.py`` from the official conversion table) and the second,
independent ``resolver_corpus_real.jsonl`` (``make_resolver_corpus_real.py``: the shapes of
real records), and ``resolver_corpus_independent.tsv`` (``make_resolver_corpus_independent.py``:
written apart from the resolver and the other two, how people write addresses in records and
forms; tab-separated; its second and third rounds ``resolver_corpus_independent_2.tsv``,
``_3.tsv``), and ``resolver_corpus_public.tsv`` (``make_resolver_corpus_public.py``: real texts
from public test suites and a course data set, with the answers their sources state), with
expected
province and commune codes: accuracy (province, commune), the share sent to review, the share
silently wrong (an answer not flagged for review that names a wrong province or commune, or
any answer not flagged where only review is right), per class, and the speed on those texts
with nothing remembered. The generated corpus is scored a second time with one keyboard slip
struck into a name of each text that names one commune (``slipped_items``: a digit or a
capital, at random). ``--only-corpus`` skips the rest, ``--show N`` prints the first N
texts not resolved right.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    tmp = tempfile.mkdtemp(prefix="bench-resolver-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


NEW_STYLE = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "úy": "uý", "ùy": "uỳ"}


def noisy(text: str, rng: random.Random) -> str:
    """One of the spellings found in old records."""
    choice = rng.random()
    if choice < 0.2:
        from orgtree.text import fold

        return fold(text).title() if rng.random() < 0.5 else fold(text)
    if choice < 0.35:
        return text.upper().replace("Đ", "Ð") if rng.random() < 0.5 else text.upper()
    if choice < 0.5:
        return unicodedata.normalize("NFD", text)
    if choice < 0.6:
        for old, new in NEW_STYLE.items():
            text = text.replace(old, new)
        return text
    if choice < 0.7:
        return "  " + text.replace(", ", " ,  ") + " ."
    return text


def abbreviate(full_name: str, rng: random.Random) -> str:
    swaps = [
        ("Thành phố ", ["TP. ", "Tp. ", "TP ", "Thành phố "]),
        ("Tỉnh ", ["T. ", "Tỉnh ", ""]),
        ("Huyện ", ["H. ", "Huyện "]),
        ("Quận ", ["Q. ", "Q.", "Quận "]),
        ("Thị xã ", ["TX ", "TX. ", "Thị xã "]),
        ("Thị trấn ", ["TT ", "TT. ", "Thị trấn "]),
        ("Phường ", ["P. ", "P.", "Phường "]),
        ("Xã ", ["X. ", "Xã "]),
    ]
    for prefix, options in swaps:
        if full_name.startswith(prefix):
            return rng.choice(options) + full_name[len(prefix) :]
    return full_name


def make_texts(count: int, seed: int = 20250701) -> list[str]:
    from orgtree.models import AdminUnit, HistoricPlaceName

    rng = random.Random(seed)
    legacy = AdminUnit.objects.filter(release__key="gso-units-2025-01-04")
    current = AdminUnit.objects.filter(release__key="gso-units-2026-07-25")
    l_prov = {u.code: u for u in legacy.filter(level="province")}
    l_dist = {u.code: u for u in legacy.filter(level="district")}
    l_comm = list(legacy.filter(level="commune"))
    c_prov = {u.code: u for u in current.filter(level="province")}
    c_comm = list(current.filter(level="commune"))
    historic = list(HistoricPlaceName.objects.values_list("name", flat=True))
    texts: set[str] = set()
    while len(texts) < count:
        kind = rng.random()
        if kind < 0.25:  # a province name, old or new or historic
            unit = rng.choice([*l_prov.values(), *c_prov.values()])
            name = rng.choice([unit.name, abbreviate(unit.full_name, rng), *historic[:3]])
            texts.add(noisy(name, rng))
        elif kind < 0.6:  # an old full address
            c = rng.choice(l_comm)
            d, p = l_dist[c.district_code], l_prov[c.province_code]
            parts = [abbreviate(c.full_name, rng), abbreviate(d.full_name, rng)]
            parts.append(abbreviate(p.full_name, rng))
            if rng.random() < 0.3:
                parts.insert(
                    0, f"Số {rng.randint(1, 300)} đường {rng.choice(['Lê Lợi', 'Trần Phú'])}"
                )
            texts.add(noisy(", ".join(parts), rng))
        elif kind < 0.85:  # a new address
            c = rng.choice(c_comm)
            parts = [
                abbreviate(c.full_name, rng),
                abbreviate(c_prov[c.province_code].full_name, rng),
            ]
            texts.add(noisy(", ".join(parts), rng))
        else:  # ambiguous: a bare commune or district name
            unit = rng.choice([*l_comm[:3000], *l_dist.values()])
            texts.add(noisy(unit.name, rng))
    return sorted(texts)


CORPUS = ROOT / "tests" / "orgtree" / "data" / "resolver_corpus.jsonl"
# the second, independent corpus: shapes of real records (make_resolver_corpus_real.py)
CORPUS_REAL = ROOT / "tests" / "orgtree" / "data" / "resolver_corpus_real.jsonl"
# the third, written apart from the resolver and the two generators above: how people write
# addresses in records and forms (make_resolver_corpus_independent.py, tab-separated)
CORPUS_INDEPENDENT = ROOT / "tests" / "orgtree" / "data" / "resolver_corpus_independent.tsv"
# its second round: old provinces of 1976–2008, abroad, hospitals, hamlets, keystrokes
CORPUS_INDEPENDENT_2 = ROOT / "tests" / "orgtree" / "data" / "resolver_corpus_independent_2.tsv"
# its third round: abbreviations, former names, streets, English, "nay là", shared names
CORPUS_INDEPENDENT_3 = ROOT / "tests" / "orgtree" / "data" / "resolver_corpus_independent_3.tsv"
# real texts written by others (public test suites, a course data set; PROVENANCE-public.md)
CORPUS_PUBLIC = ROOT / "tests" / "orgtree" / "data" / "resolver_corpus_public.tsv"


def load_corpus(path: Path = CORPUS) -> tuple[str, list[dict]]:
    """(as_of, items) of a corpus: JSON lines, or the tab-separated independent corpus."""
    import json

    if path.suffix == ".tsv":
        from tests.orgtree.independent_corpus import load_tsv_corpus

        return load_tsv_corpus(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    return header["as_of"], [json.loads(line) for line in lines[1:] if line.strip()]


def wrong_items(items: list[dict], as_of: str) -> list[tuple[dict, object]]:
    """The items not resolved right (for ``--show``)."""
    from orgtree.places import resolve_place

    out = []
    for item in items:
        r = resolve_place(item["text"], as_of=as_of)
        province = r.province["code"] if r.province else None
        commune = r.commune["code"] if r.commune else None
        if item.get("review"):
            ok = r.needs_review and province == item["province"]
        else:
            ok = province == item["province"] and commune == item["commune"]
        if not ok:
            out.append((item, r))
    return out


# words of a level that are left alone when a slip is struck into a name
_SLIP_SPARED = {"xã", "phường", "huyện", "quận", "tỉnh", "thành", "phố", "thị", "trấn"}


def slipped_items(items: list[dict], seed: int = 7) -> list[dict]:
    """The items of a corpus that name one commune, each with one keyboard slip struck into
    one of its names: a digit before or after the word, or a capital inside it ("Xã 7Sơn Hà",
    "Bản HoJn"), at random (``seed``); expected codes unchanged. Made here, not tuned on."""
    rng = random.Random(seed)
    out = []
    for item in items:
        if item.get("review") or not item.get("commune"):
            continue
        words = item["text"].split(" ")
        names = [
            i
            for i, w in enumerate(words)
            if w.isalpha() and len(w) >= 3 and w.lower() not in _SLIP_SPARED
        ]
        if not names:
            continue
        i = rng.choice(names)
        word = words[i]
        if rng.random() < 0.5:
            digit = str(rng.randint(0, 9))
            word = digit + word if rng.random() < 0.5 else word + digit
        else:
            k = rng.randint(1, len(word) - 1)
            word = word[:k] + rng.choice("ABCDEGHIJKLMNQRSTVXZ") + word[k:]
        words[i] = word
        out.append({**item, "text": " ".join(words), "classes": ["slip"]})
    return out


def print_corpus_scores(scores: dict[str, dict[str, float]]) -> None:
    print(
        f"{'corpus class':14s} {'n':>5s} {'province':>9s} {'commune':>9s} "
        f"{'review':>8s} {'wrong':>7s}"
    )
    for key, s in sorted(scores.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        print(
            f"{key:14s} {s['n']:5.0f} {s['province']:9.1%} {s['commune']:9.1%} "
            f"{s['review']:8.1%} {s['wrong']:7.2%}"
        )


def rate(
    func, texts: list[str], seconds: float, before_pass=None, untimed=None
) -> tuple[float, float]:
    """(resolutions per wall-clock second, per CPU second of this process). On a shared
    machine the second is the steadier figure. ``before_pass`` runs (timed) before each pass;
    ``untimed`` runs before that and outside the clocks (a warm-up between passes)."""
    done = 0
    wall = cpu = 0.0
    while wall < seconds:
        if untimed is not None:
            untimed()
        started, cpu_started = time.perf_counter(), time.process_time()
        if before_pass is not None:
            before_pass()
        for text in texts:
            func(text)
        wall += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        done += len(texts)
    return done / wall, done / max(cpu, 1e-9)


def read_others(func, others: list[str], forget):
    """The untimed step of a pass as a long-running process: forget everything, then resolve
    ``others`` (what such a process remembers of other addresses)."""

    def step() -> None:
        forget()
        for text in others:
            func(text)

    return step


def naive_db(text: str):
    """One query per part on the folded name, then the conversion table by query."""
    from orgtree.models import AdminUnit, AdminUnitConversion
    from orgtree.text import fold

    found = None
    for part in reversed(text.split(",")):
        key = fold(part)
        for prefix in (
            "tinh ",
            "thanh pho ",
            "tp ",
            "huyen ",
            "quan ",
            "xa ",
            "phuong ",
            "thi tran ",
        ):
            if key.startswith(prefix):
                key = key[len(prefix) :]
        unit = (
            AdminUnit.objects.filter(folded_name=key).order_by("-release__effective_from").first()
        )
        if unit is not None:
            found = unit
    if found is not None and found.level == "commune" and found.district_code:
        return AdminUnitConversion.objects.filter(old_commune_code=found.code).first()
    return found


def make_naive_scan():
    from orgtree.models import AdminUnit
    from orgtree.text import fold

    units = list(AdminUnit.objects.values_list("folded_name", "level", "code", "province_code"))

    def naive_scan(text: str):
        best = None
        for part in text.split(","):
            key = fold(part)
            for folded, level, code, province in units:  # a linear scan per part
                if folded and (key == folded or key.endswith(" " + folded)):
                    best = (level, code, province)
        return best

    return naive_scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="score and time this corpus (repeatable); default: the three checked-in corpora",
    )
    parser.add_argument(
        "--only-corpus", action="store_true", help="skip the generated mix and the baselines"
    )
    parser.add_argument("--show", type=int, default=0, help="print up to N wrong items")
    args = parser.parse_args()
    corpora = args.corpus or [
        CORPUS,
        CORPUS_REAL,
        CORPUS_INDEPENDENT,
        CORPUS_INDEPENDENT_2,
        CORPUS_INDEPENDENT_3,
        CORPUS_PUBLIC,
    ]

    setup_django()
    from django.db import connection

    from orgtree import native
    from orgtree.places import get_catalogue, invalidate_indexes, resolve_place
    from orgtree.refdata import load_reference_data

    t0 = time.perf_counter()
    load_reference_data()
    print(f"SQLite ({connection.vendor}), load_reference_data: {time.perf_counter() - t0:.2f} s")
    texts = make_texts(args.texts)
    print(f"texts: {len(texts)} distinct, e.g. {texts[:3]} … {texts[-2:]}")

    invalidate_indexes()
    t0 = time.perf_counter()
    get_catalogue()
    print(f"index build (warm-up): {time.perf_counter() - t0:.2f} s")

    results = [resolve_place(t) for t in texts]
    answered = sum(1 for r in results if r.province is not None)
    review = sum(1 for r in results if r.needs_review)
    communes = sum(1 for r in results if r.commune is not None)
    print(
        f"answers: province {answered / len(texts):.1%}, commune {communes / len(texts):.1%}, "
        f"needs review {review / len(texts):.1%}"
    )

    print(f"load average before timing: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    modules = native.compiled_modules()
    print(
        f"resolver modules: compiled with mypyc ({native.build_dir().relative_to(ROOT)})"
        if modules == list(native.MODULES)
        else f"resolver modules: plain Python (compiled: {modules or 'none'}; ./run setup "
        "builds them, CBCCVC_NATIVE=0 turns them off)"
    )
    forget = get_catalogue().forget  # every pass starts with nothing remembered
    corpus_rates = []
    for path in corpora:
        as_of, corpus = load_corpus(path)
        label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"corpus: {len(corpus)} texts from {label}, as of {as_of}")
        from tests.orgtree.corpus_score import score_corpus

        print_corpus_scores(score_corpus(corpus, as_of))
        for item, r in wrong_items(corpus, as_of)[: args.show]:
            print(f"  ✗ {item['text']!r} want {item['province']}/{item['commune']}"
                  f"{' review' if item.get('review') else ''} → {r.describe()}")  # fmt: skip
        if path.resolve() == CORPUS.resolve():
            slipped = slipped_items(corpus)
            print(f"the same, {len(slipped)} texts naming one commune with a keyboard slip each:")
            print_corpus_scores(score_corpus(slipped, as_of))
        corpus_texts = [item["text"] for item in corpus]
        corpus_rates.append(
            (
                f"resolve_place, {path.stem}",
                rate(lambda t, on=as_of: resolve_place(t, on), corpus_texts, args.seconds, forget),
            )
        )
    if args.only_corpus:
        print(f"{'resolutions/s (nothing remembered)':34s} {'wall clock':>12s} {'CPU time':>12s}")
        for label, (wall, cpu) in corpus_rates:
            print(f"{label[:34]:34s} {wall:12,.0f} {cpu:12,.0f}")
        return
    no_cache = rate(resolve_place, texts, args.seconds, forget)
    # a long-running process: the parsed parts (provinces, districts) stay, decisions go
    parts_warm = rate(resolve_place, texts, args.seconds, get_catalogue().decisions.clear)
    # a long-running process that has read other addresses: the parts that repeat across
    # addresses (provinces, districts) are known, the communes of these texts mostly not
    others = make_texts(args.texts, seed=20250702)
    seen_elsewhere = rate(
        resolve_place, texts, args.seconds, untimed=read_others(resolve_place, others, forget)
    )
    with_cache = rate(resolve_place, texts, args.seconds)
    # the same code as plain Python (orgtree/native.py), when the compiled modules run
    plain_rate = None
    if native.compiled_modules():
        with native.plain_modules() as plain:
            plain_rate = rate(plain.resolve_place, texts, args.seconds, forget)
    sample = texts[:: max(1, len(texts) // 400)]
    db_rate = rate(naive_db, sample, min(args.seconds, 2.0))
    scan_rate = rate(make_naive_scan(), texts[:: max(1, len(texts) // 60)], min(args.seconds, 2.0))

    print(f"{'resolutions/s':34s} {'wall clock':>12s} {'CPU time':>12s}")
    for label, (wall, cpu) in [
        *corpus_rates,
        ("resolve_place, no result cache", no_cache),
        ("resolve_place, parsed parts warm", parts_warm),
        ("resolve_place, parts of others warm", seen_elsewhere),
        ("resolve_place, warm decision cache", with_cache),
        *([("plain Python modules, no cache", plain_rate)] if plain_rate else []),
        ("baseline: DB query per part", db_rate),
        ("baseline: linear scan per part", scan_rate),
    ]:
        print(f"{label[:34]:34s} {wall:12,.0f} {cpu:12,.0f}")
    if plain_rate:
        print(f"ratio no cache / plain Python     {no_cache[1] / plain_rate[1]:11.2f}x (CPU)")
    print(f"ratio no cache / DB baseline      {no_cache[0] / db_rate[0]:11.1f}x")
    print(f"ratio no cache / scan baseline    {no_cache[0] / scan_rate[0]:11.1f}x")
    print(f"load average after timing: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
