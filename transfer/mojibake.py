"""Is a new text value only the old one garbled by an encoding mix-up?

UTF-8 bytes read as Windows-1252 turn "Nguyễn" into "Nguyá»…n". An import must never plan
such a value as an update of the correct one: :func:`is_mojibake_of` says when a new value is
the old value's UTF-8 bytes read as cp1252 (in either direction, ignoring the case changes the
name cleaning makes), and :func:`guard_text_changes` drops those changes from a plan.

The byte-level work (both directions) is :mod:`orgtree.legacy_text`'s, shared with the place
resolver's repair of such text (:func:`orgtree.legacy_text.from_mojibake`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from orgtree.legacy_text import to_mojibake, undo_mojibake

__all__ = ["guard_child_action", "guard_text_changes", "is_mojibake_of", "warner"]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def is_mojibake_of(old: Any, new: Any) -> bool:
    """True when ``new`` is ``old`` garbled: re-encoding ``new`` as cp1252 and decoding it as
    UTF-8 gives ``old``, or ``old``'s UTF-8 bytes read as cp1252 give ``new`` (case aside)."""
    if not isinstance(old, str) or not isinstance(new, str) or old.isascii() or new.isascii():
        return False
    if _fold(old) == _fold(new):
        return False
    target = _fold(old)
    repaired = undo_mojibake(new)
    if repaired is not None and _fold(repaired) == target:
        return True
    folded = _fold(new)
    return any(
        _fold(to_mojibake(old, undefined=undefined)) == folded for undefined in ("replace", "keep")
    )


def guard_text_changes(
    changes: dict[str, tuple[Any, Any]],
    values: dict[str, Any],
    warn: Callable[[str, Any, Any], None],
) -> dict[str, tuple[Any, Any]]:
    """``changes`` (field → (old, new)) without the ones that are only mojibake of the old
    value; such a field keeps its old value in ``values`` and ``warn(field, old, new)`` is
    called so the report says why the cell was not taken."""
    kept: dict[str, tuple[Any, Any]] = {}
    for name, (old, new) in changes.items():
        if is_mojibake_of(old, new):
            values[name] = old
            warn(name, old, new)
            continue
        kept[name] = (old, new)
    return kept


def guard_child_action(
    action: str,
    changes: dict[str, tuple[Any, Any]],
    values: dict[str, Any],
    warn: Callable[[str, Any, Any], None],
) -> tuple[str, dict[str, tuple[Any, Any]]]:
    """:func:`guard_text_changes` for a child row: an update left without changes is
    "unchanged"."""
    if action != "update":
        return action, changes
    kept = guard_text_changes(changes, values, warn)
    return ("update" if kept else "unchanged"), kept


def warner(plan: Any) -> Callable[[str, Any, Any], None]:
    """The ``warn`` of :func:`guard_text_changes` that adds a warning to an import row."""

    def warn(name: str, old: Any, new: Any) -> None:
        plan.warnings.append(
            _(
                "%(column)s: “%(new)s” chỉ là “%(old)s” bị lỗi bảng mã (chữ UTF-8 đọc nhầm "
                "thành Windows-1252): giữ nguyên giá trị cũ."
            )
            % {"column": plan.header(name, name), "new": new, "old": old}
        )

    return warn
