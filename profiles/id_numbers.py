"""The personal ID (số định danh cá nhân, the CCCD's 12 digits) and the old ID (số CMND, 9
digits) as people type them, for every form that takes one: the API's serializer and the
admin's profile form (issues #14, #18).

Harmless separators ("001 085 012 345", "001.085.012.345", "001-085-012345", a zero-width space
pasted from a web page) are dropped by :func:`digit_string`, the normaliser the import
(``transfer.cleaning``) uses too; anything else is refused with a message
naming the field, in the user's language. A 9-digit number in the personal ID's field is an old
CMND and said so; a 12-digit one in the old ID's field is the 12-digit CMND (2012–2021), whose
number is the person's personal ID.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

PERSONAL_ID_DIGITS = 12
OLD_ID_DIGITS = 9


def _label(name: str) -> str:
    from .models import Profile

    field: Any = Profile._meta.get_field(name)
    return str(capfirst(field.verbose_name))


def id_digits(value: Any, field: str) -> str:
    """The digits of an ID written with spaces, dots or hyphens between them ("" for none);
    a ValidationError naming ``field`` (a Profile field) for any other character."""
    text = "" if value is None else str(value)
    if not text.strip():
        return ""
    try:
        return digit_string(text, field, pad=False)
    except ValueError:
        raise ValidationError(
            _(
                "%(field)s “%(value)s” chỉ được gồm chữ số (có thể cách nhau bởi dấu cách, "
                "dấu chấm hoặc gạch ngang)."
            ),
            code="not_digits",
            params={"field": _label(field), "value": text},
        ) from None


def clean_personal_id(value: Any) -> str:
    """The 12 digits of a personal ID ("" when empty; whether one is required is the form's
    concern)."""
    digits = id_digits(value, "personal_id")
    if not digits or len(digits) == PERSONAL_ID_DIGITS:
        return digits
    if len(digits) == OLD_ID_DIGITS:
        raise ValidationError(
            _(
                "%(field)s “%(value)s” có 9 chữ số, giống số CMND cũ: số định danh cá nhân "
                "gồm 12 chữ số; số CMND 9 số ghi vào ô “%(old)s”."
            ),
            code="old_id_number",
            params={"field": _label("personal_id"), "value": value, "old": _label("old_id_number")},
        )
    raise ValidationError(
        _("%(field)s phải gồm đúng 12 chữ số; “%(value)s” có %(count)s chữ số."),
        code="length",
        params={"field": _label("personal_id"), "value": value, "count": len(digits)},
    )


def clean_old_id(value: Any) -> str:
    """The 9 digits of an old ID ("" when empty)."""
    digits = id_digits(value, "old_id_number")
    if not digits or len(digits) == OLD_ID_DIGITS:
        return digits
    if len(digits) == PERSONAL_ID_DIGITS:
        raise ValidationError(
            _(
                "%(field)s “%(value)s” có 12 chữ số: số của CMND 12 số là số định danh cá "
                "nhân, ghi vào ô “%(pid)s”."
            ),
            code="personal_id",
            params={"field": _label("old_id_number"), "value": value, "pid": _label("personal_id")},
        )
    raise ValidationError(
        _("%(field)s phải gồm đúng 9 chữ số; “%(value)s” có %(count)s chữ số."),
        code="length",
        params={"field": _label("old_id_number"), "value": value, "count": len(digits)},
    )


class IdNumberFormField(forms.CharField):
    """A form's ID box: the separators dropped before the checks, so no ``maxlength`` on the
    box (the browser cut "001 085 012 345" to "001 085 012 " without a word)."""

    def __init__(self, *, clean_id: Any, **kwargs: Any):
        kwargs.pop("max_length", None)
        self.clean_id = clean_id
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return self.clean_id(super().to_python(value))


def use_id_fields(form: forms.BaseForm) -> None:
    """Replace a profile form's ID boxes (personal ID, old ID) by :class:`IdNumberFormField`."""
    for name, clean_id in (("personal_id", clean_personal_id), ("old_id_number", clean_old_id)):
        field = form.fields.get(name)
        if field is not None:
            form.fields[name] = IdNumberFormField(
                clean_id=clean_id,
                required=field.required,
                label=field.label,
                help_text=field.help_text,
                disabled=field.disabled,
            )


def digit_string(raw: Any, what: str, pad: bool = True) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = float(raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(f"{what} không phải dãy chữ số.")
        text = str(int(raw))
        if not pad:  # the personal ID: padded with a warning (rows.fix_personal_id)
            _refuse_lossy_number(text, what)
            return text
        # Excel stored the number and dropped the leading zeros: 12-digit IDs start with 0
        if len(text) in (10, 11):
            text = text.zfill(12)
        elif len(text) == 8:
            text = text.zfill(9)
        return text
    written = "" if raw is None else str(raw)
    if _SCIENTIFIC.match(written.strip()):  # "2.50185E+11": Excel kept only 6 digits
        raise ValueError(
            f"{what} “{written}” ở dạng số mũ của Excel, đã mất các chữ số cuối: cần nhập lại "
            "số đầy đủ (không tự thêm số)."
        )
    text = "".join(written.split()).translate(_ID_PUNCTUATION).lstrip("'")
    if not (text.isascii() and text.isdigit()):  # "²", "২": digits to isdigit(), not to us
        raise ValueError(f"{what} “{written}” có ký tự không phải chữ số.")
    return text


def _refuse_lossy_number(text: str, what: str) -> None:
    """A personal ID that comes as a number of six significant digits or fewer (10–12 digits,
    the rest zeros): the number Excel read back from its own scientific notation
    ("2.50801E+11", six significant digits), its last digits lost. Padding it would give
    another person's ID, so it is refused (a real ID ends so about once in 10,000–1,000,000;
    typed again as text it imports)."""
    if len(text) in (10, 11, 12) and len(text.rstrip("0")) <= 6:
        raise ValueError(
            f"{what} “{text}” lưu dạng số, tận cùng bằng {len(text) - len(text.rstrip('0'))} "
            "chữ số 0: Excel có thể đã làm mất các chữ số cuối (dạng số mũ). Cần nhập lại số "
            "đầy đủ dạng văn bản (không tự thêm số)."
        )


#: what people type between the digits of an ID ("001 085 012 345", "001.085.012.345",
#: "001-085-012345", a zero-width space or BOM pasted from a web page); two IDs in one cell
#: ("123456789/001085012345") are not joined
_ID_PUNCTUATION = str.maketrans("", "", ".-\u200b\ufeff")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
