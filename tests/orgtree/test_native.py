"""The compiled place resolver (orgtree/native.py): imported where it is built for these sources,
never for others, and it answers as the plain Python modules do."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from orgtree import native

DATA = Path(__file__).parent / "data"


def _require_build() -> None:
    """Skip where the plain modules run on purpose or nothing is built; never in CI."""
    if native.disabled():
        pytest.skip("CBCCVC_NATIVE=0: the plain modules on purpose")
    if not native.built():
        if os.environ.get("CI"):
            pytest.fail("no compiled resolver in CI: ./run setup builds it (tools/build_native.py)")
        pytest.skip("the compiled resolver is not built: run ./run setup")


@pytest.mark.database_free
def test_the_compiled_modules_are_imported_when_built():
    _require_build()
    import orgtree.places.resolve  # noqa: F401

    assert native.installed()
    assert native.compiled_modules() == list(native.MODULES)


@pytest.mark.database_free
def test_a_build_of_other_sources_is_never_found(tmp_path, monkeypatch):
    monkeypatch.setattr(native, "BUILDS", tmp_path)
    other = tmp_path / "0123456789abcdef01234567"
    for name in native.MODULES:
        (other / native.relative_file(name)).parent.mkdir(parents=True, exist_ok=True)
        (other / native.relative_file(name)).write_bytes(b"")
    (other / native.MANIFEST).write_text(
        "".join(f"{n} {native.relative_file(n)}\n" for n in native.MODULES)
    )
    assert native.built_files(other) is not None  # a complete build …
    assert native.build_dir() != other  # … of other sources: not the one looked for
    assert not native.built()
    # a build missing a module is no build
    (other / native.relative_file(native.MODULES[0])).unlink()
    assert native.built_files(other) is None


@pytest.mark.database_free
def test_the_tag_follows_every_source_it_names(tmp_path, monkeypatch):
    names = native.MODULES + native.TYPED_NEIGHBOURS
    sources = {name: native.source_path(name).read_bytes() for name in names}
    first = native.tag()
    monkeypatch.setattr(native, "ROOT", tmp_path)
    for name in names:
        native.source_path(name).parent.mkdir(parents=True, exist_ok=True)
        native.source_path(name).write_bytes(sources[name])
    assert native.tag() == first  # the same sources elsewhere: the same build
    for name in (native.MODULES[-1], native.TYPED_NEIGHBOURS[-1]):
        path = native.source_path(name)
        path.write_bytes(path.read_bytes() + b"\n# edited\n")
        assert native.tag() != first
        first = native.tag()


def _corpus_texts() -> list[tuple[str, str]]:
    """(text, as_of) of every checked-in resolver corpus."""
    from tests.orgtree.independent_corpus import load_tsv_corpus

    found = []
    for path in sorted(DATA.glob("resolver_corpus*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        as_of = json.loads(lines[0])["as_of"]
        found += [(json.loads(line)["text"], as_of) for line in lines[1:] if line.strip()]
    for path in sorted(DATA.glob("resolver_corpus*.tsv")):
        as_of, items = load_tsv_corpus(path)
        found += [(item["text"], as_of) for item in items]
    return found


def test_compiled_and_plain_modules_give_the_same_answers(reference_data):
    _require_build()
    from orgtree.places import get_catalogue, resolve_place

    texts = _corpus_texts()
    assert len(texts) > 2000
    # the texts every shape test names too: legacy encodings, glued and slipped names
    texts += [
        (t, "2026-01-01")
        for t in (
            "X· HiÖp Thµnh, H. Yªn S¬n",
            "TØnh Nam §Þnh",
            "Haø Noäi",
            "TỉnhĐồng Nai",
            "P2,Q5,TP.HồChíMinh",
            "Xã 7Sơn Hà, Quảng Ngãi",
            "bản HoJn huyện Tam Đường Tỉnh Lai Châu",
            "Ha2 Noi65",
            "Xã Nga Thành (nay là xã Nga Sơn), Huyện Nga Sơn, Tỉnh Thanh Hóa",
            "",
            "Paris, France",
        )
    ]
    catalogue = get_catalogue()
    catalogue.forget()
    compiled = [resolve_place(t, on).to_dict() for t, on in texts]
    with native.plain_modules() as plain:
        assert plain.resolve_place is not resolve_place
        catalogue.forget()
        answers = [plain.resolve_place(t, on).to_dict() for t, on in texts]
    catalogue.forget()
    differ = [(t, a, b) for (t, _), a, b in zip(texts, compiled, answers, strict=True) if a != b]
    assert differ == []
    # put back: the package's names are the compiled ones again
    import orgtree.places.resolve as again

    assert native.is_compiled(again)


def test_the_written_out_initialisers_set_every_field_of_their_dataclass():
    # Segment, Reading, Plan, Outcome and PlaceResolution write __init__ out (init=False) so
    # that mypyc compiles it: a field added later must be added there too. Checked on the
    # plain classes (the compiled ones check their argument types).
    import dataclasses

    with native.plain_modules() as resolve:
        parse = sys.modules["orgtree.places.parse"]
        reading = sys.modules["orgtree.places.reading"]
        classes = [
            parse.Segment,
            reading.Reading,
            reading.Plan,
            reading.Outcome,
            resolve.PlaceResolution,
        ]
    for cls in classes:
        fields = dataclasses.fields(cls)
        values = {f.name: object() for f in fields}
        made = cls(**values)
        assert {f.name: getattr(made, f.name) for f in fields} == values, cls
        required = [values[f.name] for f in fields if f.default is dataclasses.MISSING]
        made = cls(*required)
        for f in fields:
            if f.default is not dataclasses.MISSING:
                assert getattr(made, f.name) == f.default, (cls, f.name)
