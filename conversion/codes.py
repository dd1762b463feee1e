"""What a position or title code becomes on a reference date.

* ``code_in_force`` – the code is in the list release in force on the date: already current.
* ``code_mapping`` – the code's post was renamed (:class:`~conversion.models.CodeMapping` with a
  new code in force): converted.
* ``code_abolished`` – the post disappeared (mapping without new code, e.g. the district level
  in 2025): to review, with the mapping's suggestions as candidates; never a guess.
* ``code_unknown`` – neither in force nor mapped: to review, with the codes in force whose
  names share words with the old name as candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orgtree.text import fold
from profiles import codelists
from profiles.models import CodeItem

from .models import CodeMapping, Outcome

LISTS = {"position_code": "position", "title_code": "title"}


@dataclass(frozen=True)
class CodeResult:
    outcome: str
    rule: str
    reason: str
    old_text: str
    new_code: str = ""
    new_text: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)


def _label(code: str, name: str) -> str:
    return f"{name} [{code}]"[:255] if name else code


class CodeConverter:
    """One per campaign: the lists in force, the old names and the mapping, read once."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.in_force = {key: codelists.items(key, as_of) for key in LISTS.values()}
        self.old_names: dict[str, dict[str, str]] = {key: {} for key in LISTS.values()}
        for key, code, name in (
            CodeItem.objects.filter(release__code_list__key__in=list(LISTS.values()))
            .order_by("release__effective_from", "release_id")
            .values_list("release__code_list__key", "code", "name")
        ):
            self.old_names[key][code] = name  # the latest release that had the code wins
        self.mapping: dict[tuple[str, str], CodeMapping] = {}
        for row in CodeMapping.objects.filter(effective_from__lte=as_of).order_by("effective_from"):
            self.mapping[row.list_key, row.old_code] = row  # the latest reform wins
        self._cache: dict[tuple[str, str], CodeResult] = {}

    def convert(self, list_key: str, code: str) -> CodeResult:
        found = self._cache.get((list_key, code))
        if found is None:
            found = self._cache[list_key, code] = self._convert(list_key, code)
        return found

    def _option(self, list_key: str, code: str) -> dict[str, Any] | None:
        item = self.in_force[list_key].get(code)
        return {"code": code, "name": item.name} if item else None

    def _convert(self, list_key: str, code: str) -> CodeResult:
        current = self.in_force[list_key]
        if code in current:
            text = _label(code, current[code].name)
            return CodeResult(
                Outcome.CURRENT, "code_in_force", "Mã có trong danh mục hiện hành", text, code, text
            )
        row = self.mapping.get((list_key, code))
        old_name = self.old_names[list_key].get(code) or (row.old_name if row else "")
        old_text = _label(code, old_name)
        if row is not None and row.new_code and row.new_code in current:
            new_text = _label(row.new_code, current[row.new_code].name)
            return CodeResult(
                Outcome.CONVERTED,
                "code_mapping",
                f"Đổi tên theo bảng chuyển đổi ({row.effective_from:%d/%m/%Y})",
                old_text,
                row.new_code,
                new_text,
            )
        if row is not None:
            options = [o for o in (self._option(list_key, c) for c in row.candidates) if o]
            reason = "Chức vụ, chức danh không còn; cần người chọn"
            if row.new_code:  # mapped to a code that is not in force on the date
                reason = f"Mã mới “{row.new_code}” không có trong danh mục hiện hành"
            if row.note:
                reason += f" ({row.note})"
            return CodeResult(
                Outcome.REVIEW, "code_abolished", reason, old_text, candidates=options
            )
        return CodeResult(
            Outcome.REVIEW,
            "code_unknown",
            "Mã không có trong danh mục hiện hành và chưa có trong bảng chuyển đổi",
            old_text,
            candidates=self._similar(list_key, old_name),
        )

    def _similar(self, list_key: str, name: str, limit: int = 3) -> list[dict[str, Any]]:
        words = set(fold(name).split())
        if not words:
            return []
        scored = []
        for item in self.in_force[list_key].values():
            common = len(words & set(fold(item.name).split()))
            if common:
                scored.append((-common, item.sort_order, item.code, item.name))
        return [{"code": c, "name": n} for _s, _o, c, n in sorted(scored)[:limit]]
