"""The canonical profile document written as text and parsed once (the rendering fast path).

:func:`profiles.document.build_snapshot_tree` builds the document element by element with
lxml (``SubElement`` and ``.text`` per field: ~120 leaves for a typical profile, the largest
part of signing after the RSA signature). Here the same document is written as one string,
from a per-version *plan* (each field's start and end tag prepared once), and parsed by
libxml2 in one call: the tree is the same tree — same elements, same namespace declaration
(on the root only), same attributes in the same order, same texts — so everything done with
it afterwards (XSD validation, exclusive C14N, signing, serialising) gives the same bytes.

The text is written in the tree's exclusive canonical form (C14N 1.0), so the signer takes
it as the canonical bytes it signs instead of serialising the tree twice
(:func:`build_canonical`): no XML declaration, no whitespace between elements, the
namespace declared on the root only, the root's attributes in order of name (the element
builder sets them in that order too), an empty table written ``<a></a>``, and C14N's
escapes: ``&``, ``<``, ``>`` and ``\\r`` (``&#xD;``) in element text (a raw carriage return
would be normalised away by the parser), ``&``, ``<``, ``"``, ``\\t``, ``\\n`` and ``\\r`` in
attribute values (attribute-value normalisation); ``>`` stays as it is in an attribute.
Whatever the text path cannot write exactly, it does not try: a text the parser refuses
(control characters, a text beyond libxml2's limits), a string that is not valid Unicode or
an empty text (written ``<a></a>``, parsed as no text) makes :func:`build_canonical` return None
and the caller builds the tree element by element, which raises the error it always raised.
The tests compare both paths, and the text with lxml's C14N of both trees, on generated
people and on hostile texts.

Only the current schema version (1.1) is written here; 1.0 documents are only re-rendered
to name changed groups, by the element builder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from . import document as doc

# (snapshot key, start tag, end tag, writer or None, omit "" , a unit reference, the spec)
_Field = tuple[str, str, str, Any, bool, bool, "doc.FieldSpec"]
# (group start tag, group end tag, profile fields, tables: (key, start, end, label, fields))
_Group = tuple[int, str, str, tuple[_Field, ...], tuple[tuple[str, str, str, str, Any], ...]]


# Dates recur (a province's people share start dates, term dates, …): their checked ISO text
# is remembered (an exception is never cached, so a bad value still raises every time).
_date = lru_cache(maxsize=8192, typed=True)(doc._date)
# So do integers (years, steps, heights) and decimals (salary coefficients, allowances).
# ``typed``: 1, 1.0, True and "1" are cached apart. An integer's text depends only on the
# value, whatever its type; a decimal's only for a str or an int (0.0 and -0.0 are equal
# floats with different texts: a float is not cached).
_integer = lru_cache(maxsize=8192, typed=True)(doc._integer)
_decimal_cached = lru_cache(maxsize=8192, typed=True)(doc._decimal)


def _decimal(value: Any) -> str:
    cls = value.__class__
    if cls is str or cls is int:
        return _decimal_cached(value)
    return doc._decimal(value)


# Every writer of document._WRITERS, as used here. What each returns is never empty and never
# needs escaping (digits, "-", ".", "E", "+", "true", "false"): only the texts of fields
# without a writer are checked for both.
_WRITERS: dict[Any, Any] = {
    doc._boolean: doc._boolean,
    doc._date: _date,
    doc._integer: _integer,
    doc._decimal: _decimal,
}


def _writer(spec: doc.FieldSpec) -> Any:
    if spec.writer is None:
        return None
    if spec.writer not in _WRITERS:
        raise TypeError(f"document_text: unknown writer {spec.writer!r} for {spec.name}")
    return _WRITERS[spec.writer]


def _field_plan(specs: tuple[doc.FieldSpec, ...]) -> tuple[_Field, ...]:
    return tuple(
        (
            s.key,
            f"<{s.name}>",
            f"</{s.name}>",
            _writer(s),
            s.omit_empty,
            bool(s.source),
            s,
        )
        for s in specs
    )


@lru_cache(maxsize=4)
def _plan(version: str) -> tuple[_Group, ...]:
    plan = []
    for spec in doc.groups(version):
        name = f"Nhom{spec.number}"
        tables = tuple(
            (t.key, f"<{t.key}>", f"</{t.key}>", t.label, _field_plan(t.fields))
            for t in spec.tables
        )
        plan.append((spec.number, f"<{name}>", f"</{name}>", _field_plan(spec.fields), tables))
    return tuple(plan)


#: beyond & < > (escaped by saxutils): C14N's character reference
_TEXT_ENTITIES = {"\r": "&#xD;"}
#: C14N's escapes in an attribute value ("&" first)
_ATTRIBUTE_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    ('"', "&quot;"),
    ("\t", "&#x9;"),
    ("\n", "&#xA;"),
    ("\r", "&#xD;"),
)


def _escape_text(text: str) -> str:
    return escape(text, _TEXT_ENTITIES)


def _escape_attribute(text: str) -> str:
    for char, reference in _ATTRIBUTE_ESCAPES:
        if char in text:
            text = text.replace(char, reference)
    return text


class _Empty(Exception):
    """An empty text: not written by this path (see the module docstring)."""


def _write_fields(
    out: list[str],
    row: Mapping[str, Any],
    fields: tuple[_Field, ...],
    where: str | Callable[[], str],
    units: Mapping[Any, str],
) -> None:
    # the same decisions as document._fields, in the same order (and the same errors)
    get = row.get
    append = out.append
    for key, start, end, writer, omit_empty, is_unit, spec in fields:
        value = get(key)
        if value is None or (value == "" and omit_empty):
            continue
        if is_unit:
            value = doc._unit_code(value, spec, units, where)
        if writer is None:
            text = value if value.__class__ is str else doc._text(value, spec, where)
            if not text:
                raise _Empty
            if "&" in text or "<" in text or ">" in text or "\r" in text:
                text = _escape_text(text)
        else:
            try:
                text = writer(value)  # never empty, nothing to escape (see _WRITERS)
            except (TypeError, ValueError, ArithmeticError):
                text = doc._text(value, spec, where)  # raises the DocumentError naming it
        append(start + text + end)


def _parser() -> etree.XMLParser:
    # the text is ours (every value escaped): no DTD, no entities, no network anyway
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


_local = threading.local()


def _thread_parser() -> etree.XMLParser:
    """This thread's parser (an lxml parser is not shared between threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _parser()
    return parser


def _start_tag(personal_id: str, number: int, content_hash: str, include_assets: bool) -> str:
    # the root's attributes by name: coTaiSanThuNhap, maBam, phienBan, phienBanLuocDo,
    # soDinhDanh (C14N's order)
    return (
        f'<HoSo xmlns="{doc.VERSIONS["1.1"]}"'
        f' coTaiSanThuNhap="{"true" if include_assets else "false"}"'
        f' maBam="{_escape_attribute(content_hash)}" phienBan="{number}"'
        f' {doc.VERSION_ATTRIBUTE}="1.1" soDinhDanh="{_escape_attribute(personal_id)}">'
    )


def canonical_start_tags(personal_id: str, number: int, content_hash: str) -> tuple[bytes, ...]:
    """The root's start tag, as exclusive C14N writes it, of the 1.1 documents of a version
    (with or without group 9): canonical bytes that start with one of these name exactly
    this version and snapshot hash, with no need to parse them."""
    return tuple(
        _start_tag(personal_id, number, content_hash, assets).encode() for assets in (False, True)
    )


def build_canonical(
    data: dict[str, Any],
    *,
    personal_id: str,
    number: int,
    content_hash: str,
    include_assets: bool,
    units: Mapping[Any, str],
) -> tuple[etree._Element, bytes] | None:
    """The tree :func:`profiles.document.build_snapshot_tree` builds for schema 1.1, written
    as text and parsed, with that text: the tree's exclusive C14N (see the module
    docstring). None when this path does not write the snapshot (the caller then builds the
    tree element by element). A snapshot value of the wrong type raises the same
    :class:`~profiles.document.DocumentError` as the element builder."""
    version = "1.1"
    out = [_start_tag(personal_id, number, content_hash, include_assets)]
    append = out.append
    profile_row = data.get("profile") or {}
    row_place = doc._row_place
    try:
        for number_, start, end, fields, tables in _plan(version):
            if number_ == doc.ASSETS_GROUP and not include_assets:
                continue
            append(start)
            _write_fields(out, profile_row, fields, f"Nhóm {number_}", units)
            for key, table_start, table_end, label, row_fields in tables:
                append(table_start)
                for index, row in enumerate(data.get(key) or [], start=1):
                    append(f'<Dong stt="{index}">')

                    def where(label: str = label, index: int = index) -> str:
                        return row_place(label, index)

                    _write_fields(out, row, row_fields, where, units)
                    append("</Dong>")
                append(table_end)
            append(end)
    except _Empty:
        return None
    append("</HoSo>")
    try:
        text = "".join(out).encode()
        return etree.fromstring(text, parser=_thread_parser()), text
    except (etree.XMLSyntaxError, UnicodeEncodeError):
        return None
