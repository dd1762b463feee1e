"""How a resolver corpus scores: right province, right commune, sent to review, silently
wrong, per noise class and overall. Used by the corpus tests and ``bench/bench_resolver.py``.

An item with ``"review": true`` is right only when it is flagged for review (its commune
left empty); answering it without the flag counts as silently wrong. An item with
``"commune_unchecked": true`` (a real text whose source stated no commune) checks the province
only. Otherwise a confident answer whose province or commune differs from the expected one is
silently wrong."""

from __future__ import annotations


def score_corpus(items: list[dict], as_of: str) -> dict[str, dict[str, float]]:
    """Per noise class (and "all"): n, province, commune, review, wrong (shares).

    An item with ``"review": true`` (the second corpus) is right only when it is flagged for
    review; answering it without the flag counts as silently wrong."""
    from orgtree.places import resolve_place

    tallies: dict[str, list[float]] = {}
    for item in items:
        r = resolve_place(item["text"], as_of=as_of)
        province = r.province["code"] if r.province else None
        commune = r.commune["code"] if r.commune else None
        if item.get("review"):
            wrong = not r.needs_review
            p_ok = r.needs_review and province == item["province"]
            c_ok = r.needs_review and commune is None
        elif item.get("commune_unchecked"):
            wrong = not r.needs_review and province is not None and province != item["province"]
            p_ok = province == item["province"]
            c_ok = True
        else:
            wrong = not r.needs_review and (
                (province is not None and province != item["province"])
                or (commune is not None and commune != item["commune"])
            )
            p_ok = province == item["province"]
            c_ok = commune == item["commune"]
        row = (1.0, float(p_ok), float(c_ok), float(r.needs_review), float(wrong))
        for key in ("all", *item["classes"]):
            tally = tallies.setdefault(key, [0.0] * 5)
            for i, value in enumerate(row):
                tally[i] += value
    return {
        key: {
            "n": t[0],
            "province": t[1] / t[0],
            "commune": t[2] / t[0],
            "review": t[3] / t[0],
            "wrong": t[4] / t[0],
        }
        for key, t in tallies.items()
    }


def assert_same_place(text: str, plain: str, as_of: str) -> None:
    """``text`` resolves, without review, to what the plain address gives (a commune)."""
    from orgtree.places import resolve_place

    want = resolve_place(plain, as_of=as_of)
    assert want.commune is not None and not want.needs_review, want.describe()
    got = resolve_place(text, as_of=as_of)
    assert not got.needs_review, got.describe()
    assert (got.province, got.commune) == (want.province, want.commune), got.describe()
