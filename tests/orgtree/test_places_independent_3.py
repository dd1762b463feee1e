"""The place resolver on the third independent corpus (``data/resolver_corpus_independent_3.tsv``,
see ``data/PROVENANCE-independent-3.md``)."""

from __future__ import annotations

from tests.orgtree.corpus_score import score_corpus
from tests.orgtree.independent_corpus import CORPUS_INDEPENDENT_3, load_tsv_corpus


def test_independent_corpus_3_accuracy(reference_data):
    """Figures reached on the corpus: right province and commune, and never a confident
    wrong answer."""
    as_of, items = load_tsv_corpus(CORPUS_INDEPENDENT_3)
    assert len(items) >= 1000
    scores = score_corpus(items, as_of)
    assert scores["all"]["province"] >= 0.99
    assert scores["all"]["commune"] >= 0.98
    assert scores["all"]["wrong"] <= 0.003
    assert scores["shared"]["review"] == 1.0
    assert scores["split"]["review"] == 1.0
