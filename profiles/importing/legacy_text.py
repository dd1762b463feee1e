"""Legacy Vietnamese encodings (TCVN3, VNI, VIQR): the import pipeline's name for
:mod:`orgtree.legacy_text`.

The decoding tables and functions are pure and live in the lower layer (``orgtree``) so that the
place-name resolver can read legacy text too without importing the profiles app. This module
re-exports them unchanged; importing code and tests keep using this path.
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
    "from_unicode",
    "is_capital_font",
    "to_unicode",
]
