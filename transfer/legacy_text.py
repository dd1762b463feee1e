"""Legacy Vietnamese encodings (TCVN3, VNI, VIQR): the import pipeline's name for
:mod:`orgtree.legacy_text`.

The decoding tables and functions are pure and live in the lower layer (``orgtree``) so that the
place-name resolver can read legacy text too without importing the profiles app. This module
re-exports them unchanged; importing code and tests keep using this path. :func:`read_unicode`
is the import's reading of a cell of unknown encoding: text garbled by a Windows-1252 reader
repaired first, then legacy encodings converted.
"""

from __future__ import annotations

from orgtree.legacy_text import (
    VIETNAMESE_LETTERS,
    Encoding,
    candidates,
    column_to_unicode,
    detect_column_encoding,
    detect_encoding,
    encoding_of_font,
    from_mojibake,
    from_unicode,
    is_capital_font,
    to_unicode,
)

__all__ = [
    "VIETNAMESE_LETTERS",
    "Encoding",
    "candidates",
    "column_to_unicode",
    "detect_column_encoding",
    "detect_encoding",
    "encoding_of_font",
    "from_mojibake",
    "from_unicode",
    "is_capital_font",
    "read_unicode",
    "to_unicode",
]


def read_unicode(text: str, prefer: Encoding | str | None = None) -> str:
    """A cell of unknown encoding as clean Unicode. UTF-8 text that was opened as ANSI
    (Windows-1252) and saved again ("Há» vÃ  tÃªn" for "Họ và tên", as Excel does with a UTF-8
    CSV without a BOM) is repaired first, exactly or not at all
    (:func:`orgtree.legacy_text.from_mojibake`); then TCVN3/VNI/VIQR are converted
    (:func:`to_unicode`, ``prefer``: the column's encoding)."""
    repaired = from_mojibake(text) if not text.isascii() else None
    if repaired is not None:
        return to_unicode(repaired)
    return to_unicode(text, prefer=prefer)
