"""Benchmark: legacy-text detection + conversion, cells per second, against plain NFC.

Run: ``.venv/bin/python bench/bench_legacy_text.py [--rows 20000] [--distinct 0.6]``

Builds the text columns of an HR export (full name, home town, birthplace, unit, ethnicity,
job title) in five encodings (Unicode NFC, NFD, TCVN3, VNI, VIQR) plus ASCII and number-like
cells, with ``--distinct`` of the name cells unique (names and places repeat in real files).
In the same run it measures, per cell:

* the baseline: ``unicodedata.normalize("NFC", cell)`` (the least any importer does);
* ``detect_column_encoding`` on a 1,000-cell sample of each column, then
  ``to_unicode(cell, prefer=column)`` on every cell, with the detection cache cleared first
  (cold), and again warm (the cache holds the distinct cells of the file);
* the same with the worst case: every cell distinct (no cache hit at all);

and prints cells/s, the ratio to the baseline, and the time extrapolated to a
100,000-row × 40-column file (all 4 M cells treated as text: an upper bound, real files have
numbers and dates in most columns).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtree.text import clean  # noqa: E402
from transfer import legacy_text  # noqa: E402
from transfer.legacy_text import (  # noqa: E402
    detect_column_encoding,
    from_unicode,
    to_unicode,
)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Hữu", "Quang", "Thanh", "Xuân"]
GIVEN = ["Anh", "Bình", "Cường", "Dũng", "Hương", "Hằng", "Thủy", "Hòa", "Quý", "Tuấn", "Yến"]
PLACES = [
    "Xã Tiên Phú, Huyện Phù Ninh, Tỉnh Phú Thọ",
    "Phường Tân Dân, Thành phố Việt Trì, Tỉnh Phú Thọ",
    "Thị trấn Hưng Hóa, Huyện Tam Nông, Tỉnh Phú Thọ",
    "Xã Đại Tự, Huyện Yên Lạc, Tỉnh Vĩnh Phúc",
    "Xã Cao Phong, Huyện Sông Lô, Tỉnh Vĩnh Phúc",
    "Phường Thái Bình, Thành phố Hòa Bình, Tỉnh Hòa Bình",
    "Xã Gia Mô, Huyện Tân Lạc, Tỉnh Hòa Bình",
]
UNITS = ["Sở Nội vụ", "Sở Tài chính", "Sở Giáo dục và Đào tạo", "Sở Y tế", "Sở Xây dựng"]
TITLES = ["Chuyên viên", "Chuyên viên chính", "Cán sự", "Kế toán viên", "Thanh tra viên"]
ETHNIC = ["Kinh", "Mường", "Tày", "Thái", "Dao"]


def encode(text: str, encoding: str) -> str:
    if encoding == "nfd":
        return unicodedata.normalize("NFD", text)
    if encoding == "unicode":
        return text
    return from_unicode(text, encoding)


def build(rows: int, distinct: float, rng: random.Random) -> list[list[str]]:
    """Columns of text cells; each column in one encoding (files are written by one system)."""
    encodings = ["unicode", "nfd", "tcvn3", "vni", "viqr"]
    columns: list[list[str]] = []
    for enc in encodings:
        names = []
        for i in range(rows):
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            if rng.random() < distinct:
                name += f" {rng.choice(GIVEN)}{i}"  # a unique cell
            names.append(encode(name, enc))
        columns.append(names)
        columns.append([encode(rng.choice(PLACES), enc) for _ in range(rows)])
        columns.append([encode(f"{rng.choice(UNITS)} tỉnh Phú Thọ", enc) for _ in range(rows)])
        columns.append([encode(rng.choice(TITLES), enc) for _ in range(rows)])
        columns.append([encode(rng.choice(ETHNIC), enc) for _ in range(rows)])
    columns.append([f"0{rng.randint(10**10, 10**11 - 1)}" for _ in range(rows)])  # IDs as text
    columns.append([f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/19{rng.randint(60, 99)}"
                    for _ in range(rows)])  # fmt: skip
    return columns


def baseline(columns: list[list[str]]) -> float:
    started = time.perf_counter()
    for column in columns:
        for cell in column:
            unicodedata.normalize("NFC", cell)
    return time.perf_counter() - started


def baseline_clean(columns: list[list[str]]) -> float:
    started = time.perf_counter()
    for column in columns:
        for cell in column:
            clean(cell)
    return time.perf_counter() - started


def convert(columns: list[list[str]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    found = []
    for column in columns:
        encoding = detect_column_encoding(column[:1000])
        found.append(str(encoding))
        for cell in column:
            to_unicode(cell, prefer=encoding)
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--distinct", type=float, default=0.6)
    args = parser.parse_args()
    rng = random.Random(1)
    columns = build(args.rows, args.distinct, rng)
    cells = sum(len(c) for c in columns)
    print(f"{len(columns)} text columns × {args.rows} rows = {cells:,} cells")

    # sanity: every column converts to the Unicode it came from
    legacy_text.candidates.cache_clear()
    t_base = baseline(columns)
    t_clean = baseline_clean(columns)
    legacy_text.candidates.cache_clear()
    t_cold, found = convert(columns)
    t_warm, _ = convert(columns)
    print(f"column encodings: {', '.join(found)}")

    unique = [[f"{cell} {i}" for i, cell in enumerate(col)] for col in columns]
    legacy_text.candidates.cache_clear()
    t_unique, _ = convert(unique)

    def rate(seconds: float, n: int = cells) -> str:
        return f"{n / seconds:>12,.0f} cells/s"

    print(f"baseline unicodedata.normalize NFC: {rate(t_base)}")
    print(f"baseline orgtree.text.clean:        {rate(t_clean)}")
    print(
        f"detect + convert, cold cache:       {rate(t_cold)}  ({t_cold / t_base:.1f}× the NFC time)"
    )
    print(
        f"detect + convert, warm cache:       {rate(t_warm)}  ({t_warm / t_base:.1f}× the NFC time)"
    )
    ratio = t_unique / t_base
    print(f"detect + convert, all distinct:     {rate(t_unique)}  ({ratio:.1f}× the NFC time)")
    full = 100_000 * 40
    print(
        f"extrapolated to 100,000 rows × 40 text columns ({full:,} cells): "
        f"{full / (cells / t_cold):.1f} s cold, {full / (cells / t_unique):.1f} s all distinct "
        f"(budget of the whole import: 60 s)"
    )


if __name__ == "__main__":
    main()
