"""The place resolver on real texts written by others (``data/resolver_corpus_public.tsv``, see
``data/PROVENANCE-public.md``), and the fixes they led to, each on its own texts (written
here in the same shapes, not taken from the corpus).

End-to-end checks compare a form with the plain official address of the same place."""

from __future__ import annotations

from pathlib import Path

from tests.orgtree.corpus_score import assert_same_place, score_corpus
from tests.orgtree.independent_corpus import CORPUS_PUBLIC, load_tsv_corpus

AS_OF = "2026-08-01"
HEADER = "# as_of=2026-08-01 count=2\ntext\tprovince\tcommune\texpect\tclasses\n"


def _same_place(text: str, plain: str) -> None:
    assert_same_place(text, plain, AS_OF)


# -- the corpus ---------------------------------------------------------------------------------
def test_loader_reads_province_only_rows(tmp_path: Path):
    """``province``: the source stated no commune; only the province is checked."""
    path = tmp_path / "c.tsv"
    path.write_text(HEADER + "X, Huyện Y, Hà Nội\t01\t\tprovince\tcourse\n", encoding="utf-8")
    _, items = load_tsv_corpus(path)
    assert items[0]["commune_unchecked"] is True and items[0]["review"] is False
    path.write_text(HEADER + "X, Hà Nội\t01\t00004\tprovince\tcourse\n", encoding="utf-8")
    try:
        load_tsv_corpus(path)
    except ValueError as error:
        assert "field commune" in str(error)
    else:
        raise AssertionError("a commune with expect=province must be refused")


def test_public_corpus_accuracy(reference_data):
    """Figures reached on the real texts (see PROVENANCE-public.md)."""
    as_of, items = load_tsv_corpus(CORPUS_PUBLIC)
    assert len(items) >= 500
    scores = score_corpus(items, as_of)
    assert scores["all"]["province"] >= 0.91
    assert scores["all"]["commune"] >= 0.83
    assert scores["all"]["wrong"] <= 0.008
    assert scores["nonexistent"]["review"] == 1.0
