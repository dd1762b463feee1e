"""What one place text becomes on a reference date: the rules of the conversion.

:class:`TextConverter` calls :func:`orgtree.places.resolve_place` once per distinct text and
keeps the answer; every profile carrying the same text reuses it. The answer does not depend
on the profile: whether a profile's value is already current (same text, same codes) is
decided by :func:`place_outcome` against the stored codes.

Rules (``ChangeRow.rule``):

* ``direct`` – the text already names units in force by their official names (checked against
  the codes and names in force on the date, :func:`names_in_force`); the text stays, the codes
  are filled in.
* ``conversion`` – the text names units no longer in force (the 2025 merger, a historic name):
  the administrative part is replaced by the official names in force, the rest of the text
  (house number, street, village) is kept in front.
* ``decision`` – a person chose the unit for this text (:class:`~conversion.models.TextDecision`).
* ``review`` – a split commune or an ambiguous text: the candidates go to a person.
* ``unresolved`` – the resolver found no place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orgtree.models import AdminUnit, HistoricPlaceName
from orgtree.places import PlaceResolution, resolve_place
from orgtree.reform import UnitCodes, codes_in_force
from orgtree.text import clean, fold

from .models import Outcome

#: folded level prefixes that start an administrative segment ("Xã …", "H. …", "TP …")
_ONE_WORD_PREFIXES = frozenset(
    {"xa", "phuong", "huyen", "quan", "tinh", "tp", "tx", "tt", "h", "q", "p", "x", "t"}
)
_TWO_WORD_PREFIXES = frozenset({("thi", "tran"), ("thi", "xa"), ("thanh", "pho"), ("dac", "khu")})


@dataclass(frozen=True)
class TextResult:
    """The conversion of one text, independent of the profile carrying it."""

    rule: str
    reason: str
    confidence: float
    province_code: str = ""
    commune_code: str = ""
    new_text: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    #: the official names in force found for the text ("Xã Tam Hồng, Tỉnh Phú Thọ")
    place: str = ""

    @property
    def resolved(self) -> bool:
        return self.rule in ("direct", "conversion", "decision")


def _strip_prefix(words: list[str]) -> tuple[list[str], bool]:
    if len(words) > 2 and (words[0], words[1]) in _TWO_WORD_PREFIXES:
        return words[2:], True
    if len(words) > 1 and words[0] in _ONE_WORD_PREFIXES:
        return words[1:], True
    return words, False


def known_names() -> frozenset[str]:
    """Folded names of every administrative unit of every release and the historic names."""
    names = set(AdminUnit.objects.values_list("folded_name", flat=True).distinct())
    names.update(HistoricPlaceName.objects.values_list("folded_name", flat=True).distinct())
    return frozenset(n for n in names if n)


def _segments(text: str) -> list[str]:
    return [s for s in (part.strip() for part in text.replace(";", ",").split(",")) if s]


def bare_name(segment: str) -> str:
    """The folded name of an administrative segment without its level prefix:
    "Tỉnh Nghệ An", "tinh nghe an" and "Nghệ An" all give "nghe an"."""
    return " ".join(_strip_prefix(fold(segment).split())[0])


def split_detail(text: str, names: frozenset[str]) -> list[str]:
    """The leading segments of an address that are not administrative units ("Số 12",
    "thôn Đông"): the trailing segments with a level prefix or a known unit name are cut."""
    segments = _segments(text)
    end = len(segments)
    while end > 0:
        words = fold(segments[end - 1]).split()
        rest, prefixed = _strip_prefix(words)
        if not (prefixed or " ".join(rest) in names):
            break
        end -= 1
    return segments[:end]


def names_in_force(
    text: str,
    detail: list[str],
    province: dict[str, str],
    commune: dict[str, str] | None,
    codes: UnitCodes | None,
) -> bool:
    """Whether ``text`` already says what the resolver found, in the set in force: the found
    codes are in force on the date (:func:`orgtree.reform.codes_in_force`) and every
    administrative segment of the text (after ``detail``) is the official current name of the
    found commune or province (prefix and spelling aside), the commune, if any, named.

    Structural on purpose: it reads neither the resolver's reason nor its wording."""
    if codes is None or not codes.province_in_force(province["code"]):
        return False
    official = {bare_name(codes.provinces[province["code"]])}
    commune_name = ""
    if commune:
        if not codes.commune_in_force(commune["code"]):
            return False
        commune_name = bare_name(codes.communes[commune["code"]][0])
        official.add(commune_name)
    said = [bare_name(s) for s in _segments(text)[len(detail) :]]
    if not said or not set(said) <= official:
        return False
    return not commune_name or commune_name in said


def official_suffix(resolution_or_choice: dict[str, Any]) -> str:
    """ "Xã Tam Hồng, Tỉnh Phú Thọ" from ``{"commune": {...}|None, "province": {...}}``."""
    parts = [
        part["name"]
        for part in (resolution_or_choice.get("commune"), resolution_or_choice.get("province"))
        if part
    ]
    return ", ".join(parts)


def compose(detail: list[str], suffix: str) -> str:
    return clean(", ".join([*detail, suffix]))[:255]


def _candidates(result: PlaceResolution) -> list[dict[str, Any]]:
    if result.candidates:
        return [dict(c) for c in result.candidates]
    if result.province is not None:  # one answer, but not sure enough
        return [{"province": result.province, "commune": result.commune, "reason": result.reason}]
    return []


class TextConverter:
    """Converts texts on one date, caching the answer per distinct text."""

    def __init__(self, as_of: date, decisions: dict[str, dict[str, Any]] | None = None) -> None:
        self.as_of = as_of
        self.decisions = decisions or {}
        self._names: frozenset[str] | None = None
        self._codes: UnitCodes | None = codes_in_force(as_of)
        self._cache: dict[str, TextResult] = {}
        self.resolver_calls = 0

    @property
    def names(self) -> frozenset[str]:
        if self._names is None:
            self._names = known_names()
        return self._names

    def convert(self, text: str) -> TextResult:
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = self._convert(text)
        return found

    def _convert(self, text: str) -> TextResult:
        decision = self.decisions.get(text)
        if decision is not None:
            return self.decided(text, decision)
        self.resolver_calls += 1
        result = resolve_place(text, self.as_of)
        if result.province is None and not result.candidates:
            return TextResult("unresolved", result.reason or "Không xác định được địa danh", 0.0)
        if result.needs_review:
            return TextResult(
                "review",
                result.reason or "Chưa chắc chắn",
                result.confidence,
                province_code=(result.province or {}).get("code", ""),
                candidates=_candidates(result),
            )
        province = result.province["code"] if result.province else ""
        commune = result.commune["code"] if result.commune else ""
        detail = split_detail(text, self.names)
        place = official_suffix(result.to_dict())
        if result.province and names_in_force(
            text, detail, result.province, result.commune, self._codes
        ):
            return TextResult(
                "direct", result.reason, result.confidence, province, commune, text, place=place
            )
        new_text = compose(detail, place)
        rule = "direct" if new_text == text else "conversion"
        return TextResult(
            rule, result.reason, result.confidence, province, commune, new_text, place=place
        )

    def decided(self, text: str, decision: dict[str, Any]) -> TextResult:
        new_text = compose(split_detail(text, self.names), decision["label"])
        reason = f"Người dùng chọn: {decision['label']}"
        return TextResult(
            "decision",
            reason,
            1.0,
            decision["province_code"],
            decision["commune_code"],
            new_text,
            place=decision["label"],
        )


def place_outcome(
    result: TextResult, text: str, province: str, commune: str, needs_review: bool
) -> str:
    """The outcome for one profile's value, given its stored codes and review flag."""
    if result.rule in ("review",):
        return Outcome.REVIEW
    if result.rule == "unresolved":
        return Outcome.UNRESOLVABLE
    unchanged = (
        result.new_text == text
        and result.province_code == province
        and result.commune_code == commune
        and not needs_review
    )
    return Outcome.CURRENT if unchanged else Outcome.CONVERTED
