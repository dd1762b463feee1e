"""The place resolver on the independent corpus (``data/resolver_corpus_independent.tsv``:
addresses the way people write them in records and forms, written apart from the resolver and
the other corpus generators; see ``data/PROVENANCE-independent.md``), and its loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.orgtree.corpus_score import score_corpus
from tests.orgtree.independent_corpus import CORPUS_INDEPENDENT, load_tsv_corpus

HEADER = "# as_of=2026-08-01 seed=1\ntext\tprovince\tcommune\texpect\tclasses\n"


def test_loader_reads_rows(tmp_path: Path):
    path = tmp_path / "c.tsv"
    path.write_text(
        HEADER
        + "Xã Yên Lạc, Tỉnh Phú Thọ\t25\t08896\tanswer\tnew2\nXã Tân Lập\t\t\treview\tshared\n",
        encoding="utf-8",
    )
    as_of, items = load_tsv_corpus(path)
    assert as_of == "2026-08-01"
    assert items[0] == {
        "text": "Xã Yên Lạc, Tỉnh Phú Thọ",
        "province": "25",
        "commune": "08896",
        "review": False,
        "classes": ["new2"],
    }
    assert items[1]["province"] is None and items[1]["review"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Hà Nội\t1\t\tanswer\tprovince_only\n", "line 3: field province"),
        ("Hà Nội\t01\t123\tanswer\tprovince_only\n", "line 3: field commune"),
        ("Hà Nội\t01\t\tmaybe\tprovince_only\n", "line 3: field expect"),
        ("Xã A\t01\t00004\treview\tsplit\n", "line 3: field commune"),
        ("Hà Nội\t01\n", "line 3: 2 fields"),
    ],
)
def test_loader_names_the_bad_row(tmp_path: Path, body: str, message: str):
    path = tmp_path / "c.tsv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        load_tsv_corpus(path)
    assert "c.tsv" in str(error.value)


def test_loader_wants_the_date_line(tmp_path: Path):
    path = tmp_path / "c.tsv"
    path.write_text("text\tprovince\tcommune\texpect\tclasses\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: field as_of"):
        load_tsv_corpus(path)


def test_independent_corpus_accuracy(reference_data):
    """Right province and commune, and never a confident answer where the text names a
    split commune or a name several provinces share (``review``)."""
    as_of, items = load_tsv_corpus(CORPUS_INDEPENDENT)
    assert len(items) >= 400
    score = score_corpus(items, as_of)["all"]
    assert score["province"] >= 0.99
    assert score["commune"] >= 0.98
    assert score["wrong"] <= 0.001
