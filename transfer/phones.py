"""Vietnamese phone numbers as people write them, stored as the national number.

"0912 345 678", "0912.345.678", "0912-345-678", "+84 912 345 678", "(+84) 912345678",
"84912345678" and a number cell that lost its leading zero (912345678) are all 0912345678; a
landline "0210.3845.123" (area code 210, Phú Thọ) is 02103845123. A national number has 10
digits: a mobile (03x, 05x, 07x, 08x, 09x …) or a landline (02xx + 7 digits, since the area
codes changed in 2017). Anything else (several numbers in one cell, an extension, words, an
old 11-digit mobile number "0912…" of before 2018, a foreign number) is kept as written:
nothing is guessed.
"""

from __future__ import annotations

import re
from typing import Any

#: what people put between the digits of one number
_SEPARATORS = re.compile(r"[\s.\-()\u00a0]+")
#: a mobile (10 digits) or a landline (02 + area code + number: 11 digits)
_NATIONAL = re.compile(r"^(?:0[35789]\d{8}|02\d{9})$", re.ASCII)


def phone_number(raw: Any) -> tuple[str, str]:
    """(the number as stored, a note when a lost leading zero was put back, else "")."""
    if isinstance(raw, bool):
        return str(raw), ""
    if isinstance(raw, (int, float)):
        if not float(raw).is_integer():
            return str(raw), ""
        return _digits(str(int(raw)), str(int(raw)))
    text = " ".join(str(raw).split())
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("+"):
        compact = compact[1:]
        if not compact.startswith("84"):
            return text, ""  # a foreign number
    if not (compact.isascii() and compact.isdigit()):  # other scripts' digits: as written
        return text, ""
    return _digits(compact, text)


def _digits(digits: str, written: str) -> tuple[str, str]:
    number = _national(digits)
    if number is not None:
        return number, ""
    number = _national("0" + digits)  # stored as a number somewhere on the way: the 0 lost
    if number is None:
        return written, ""
    return number, f"Số điện thoại “{written}” mất số 0 đầu (đã lưu dạng số): đã ghi “{number}”."


def _national(digits: str) -> str | None:
    """The national number of a run of digits (with or without the country code 84)."""
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _NATIONAL.match(digits) else None
