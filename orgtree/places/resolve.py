"""The public function :func:`resolve_place`, its result :class:`PlaceResolution`, the choice
between readings and the fuzzy corrections."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from ..place_fuzzy import nearest
from ..place_slips import stray_capital_readings, stray_digit_reading
from ..place_steps import (
    decode,
    keystroke_readings,
    normalise,
    now_note,
    sure_keystrokes,
)
from .abroad import country
from .catalogue import Catalogue, get_catalogue
from .index import UnitIndex
from .parse import (
    COMMUNE,
    DISTRICT,
    PROVINCE,
    Segment,
    _segment,
    parse_segments,
)
from .reading import (
    Outcome,
    Plan,
    Reading,
    _converted_outcome,
    _direct_outcome,
    _plan,
    _read,
    with_contradiction,
    with_district_note,
    with_former_note,
    with_misplaced_district,
)

REVIEW_THRESHOLD = 0.7


@dataclass(init=False)
class PlaceResolution:
    """What :func:`resolve_place` found. ``province``/``commune`` are ``{"code", "name"}``;
    each candidate has ``province``, ``district`` (None in a set without districts),
    ``commune`` (None when only the province is known) and ``reason``."""

    text: str
    as_of: date
    release: str | None
    province: dict[str, str] | None
    commune: dict[str, str] | None
    confidence: float
    candidates: list[dict[str, Any]]
    needs_review: bool
    reason: str = ""

    # written out (init=False): mypyc compiles an __init__ written in the class, while the
    # one dataclasses generates runs interpreted (orgtree/native.py)
    def __init__(
        self,
        text: str,
        as_of: date,
        release: str | None,
        province: dict[str, str] | None,
        commune: dict[str, str] | None,
        confidence: float,
        candidates: list[dict[str, Any]],
        needs_review: bool,
        reason: str = "",
    ) -> None:
        self.text = text
        self.as_of = as_of
        self.release = release
        self.province = province
        self.commune = commune
        self.confidence = confidence
        self.candidates = candidates
        self.needs_review = needs_review
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "as_of": self.as_of.isoformat(),
            "release": self.release,
            "province": self.province,
            "commune": self.commune,
            "confidence": self.confidence,
            "candidates": self.candidates,
            "needs_review": self.needs_review,
            "reason": self.reason,
        }

    def describe(self) -> str:
        """One readable Vietnamese line."""
        if self.province is None and not self.candidates:
            why = f" ({self.reason})" if self.reason else ""
            return f"“{self.text}”: không xác định được địa danh{why}."
        parts = []
        if self.commune:
            parts.append(self.commune["name"])
        if self.province:
            parts.append(self.province["name"])
        answer = ", ".join(parts) if parts else "chưa xác định"
        line = f"“{self.text}” → {answer} (độ tin cậy {self.confidence:.2f}"
        line += f", theo danh mục {self.release} ngày {self.as_of:%d/%m/%Y})"
        if self.reason:
            line += f" – {self.reason}"
        if self.needs_review:
            options = "; ".join(
                ", ".join(x["name"] for x in (c.get("commune"), c.get("province")) if x is not None)
                for c in self.candidates
            )
            line += " – CẦN NGƯỜI XEM XÉT"
            if options:
                line += f": {options}"
        return line


@lru_cache(maxsize=1)
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# (first epoch second, first second after, the day): today in the project's time zone, kept
# while the clock stays inside that day (``datetime.now`` with a zone costs more than a
# resolution's dict work for a short text; a clock set back or forward is seen at once)
_today: tuple[float, float, date] = (0.0, 0.0, date.min)


def _local_today() -> date:
    global _today
    now = time.time()
    start, end, day = _today
    if start <= now < end:
        return day
    zone = _zone()
    day = datetime.fromtimestamp(now, zone).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone).timestamp()
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone).timestamp()
    _today = (start, end, day)
    return day


def _as_date(as_of: date | datetime | str | None) -> date:
    if as_of is None:
        return _local_today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of))
    except ValueError as exc:
        raise ValueError(f"Ngày “{as_of}” không hợp lệ (cần dạng YYYY-MM-DD).") from exc


def _choose(outcomes: list[Outcome]) -> Outcome:
    # one pass for the outcomes that name something and the best score among them (the
    # common case: the direct reading and one older reading, one of them ahead)
    top: list[Outcome] = []
    best = 0.0
    for o in outcomes:
        if o.province is None and not o.candidates:
            continue
        if not top or o.score > best:
            top = [o]
            best = o.score
        elif o.score == best:
            top.append(o)
    if not top:
        return Outcome(None, None, 0.0, [], True, 0.0, "Không khớp địa danh nào")
    if len(top) == 1:
        return top[0]
    answers = {(o.province, o.commune) for o in top}
    if len(answers) == 1 and not any(o.needs_review for o in top):
        return max(top, key=lambda o: o.confidence)
    # equal readings disagree (e.g. an address valid both before and after 1/7/2025)
    first = top[0]  # the direct reading comes first
    candidates: list[tuple[str, str | None, str]] = []
    for o in top:
        if o.candidates:
            candidates.extend(o.candidates)
        elif o.province is not None:
            candidates.append((o.province, o.commune, o.reason))
    seen: dict[tuple[str, str | None], tuple[str, str | None, str]] = {}
    for p, c, why in candidates:
        seen.setdefault((p, c), (p, c, why))
    candidates = list(seen.values())
    provinces = {p for p, _, _ in candidates}
    if first.needs_review:
        province = first.province if len(provinces) == 1 else None
        return Outcome(
            province, None, min(o.confidence for o in top), candidates, True, best, first.reason
        )
    province = first.province if provinces == {first.province} else None
    commune = first.commune if province else None
    return Outcome(
        province,
        commune,
        min(0.6, first.confidence),
        candidates,
        True,
        best,
        "Địa chỉ có thể hiểu theo địa giới cũ hoặc mới",
    )


def resolve_place(text: str, as_of: date | datetime | str | None = None) -> PlaceResolution:
    """Resolve a place name or address to the province (and commune) in force on ``as_of``.

    The pipeline: :func:`~orgtree.place_steps.decode` (legacy encodings) →
    :func:`~orgtree.place_steps.normalise` → :func:`parse_segments` (levels, street noise) →
    exact candidates by level in each release (:func:`_read`) → when that leaves names
    unexplained, fuzzy candidates (:func:`_corrected`) → the decision (:func:`_choose`).
    Decisions are remembered per (text, set in force) in a bounded LRU
    (``DECISION_CACHE_SIZE``) that goes with the indexes when reference data change."""
    on = _as_date(as_of)
    text = text or ""
    catalogue = get_catalogue()
    target = catalogue.target_for(on)
    if target is None:
        return PlaceResolution(text, on, None, None, None, 0.0, [], True, "Chưa nạp dữ liệu ĐVHC")
    key = (text, target.key)
    found, best = catalogue.decisions.get(key)
    if not found:
        best = _decide(text, catalogue, target)
        catalogue.decisions.put(key, best)
    if best is None:
        return PlaceResolution(text, on, target.key, None, None, 0.0, [], True, "Văn bản trống")
    return _resolution(text, on, target, best)


def _decide(text: str, catalogue: Catalogue, target: UnitIndex) -> Outcome | None:
    """The best outcome over the readings of the text (legacy encodings), None when empty;
    a text that gives the old address and the new one ("…, Tỉnh Kon Tum (nay là Xã Đăk
    Hà)") is read as both (:func:`_with_new_name`). The outcome is cached: nothing
    downstream may change it."""
    note = now_note(text)
    if note is None:
        return _decide_text(text, catalogue, target)
    old_text, new_text, head = note
    old = _decide_text(old_text, catalogue, target)
    province = target.name[PROVINCE, old.province] if old and old.province else None
    if "," not in new_text and province is not None:
        # "(nay là xã D)": the new commune in the province in force of the old address
        new_text = f"{new_text}, {province}"
    new = _decide_text(new_text, catalogue, target)
    if (new is None or new.commune is None or new.needs_review) and province and head != new_text:
        # "Xã A (nay thuộc xã D), Huyện B, Tỉnh C": the old district does not hold D
        new = _decide_text(f"{head}, {province}", catalogue, target) or new
    return _with_new_name(old, new)


def _with_new_name(old: Outcome | None, new: Outcome | None) -> Outcome | None:
    """The decision for a text that names the old address and the new unit: the new commune
    when it agrees with the old address (same province; the commune the conversion table
    gives, one of those it splits into, or none found), both to a person when they differ."""
    if new is None or new.commune is None or new.needs_review:
        return old if old is not None and (old.province or old.candidates) else new
    if old is None or old.province is None:
        return new
    if old.commune == new.commune and not old.needs_review:
        return old
    communes = {c for _, c, _ in old.candidates if c}
    if old.commune is not None:
        communes.add(old.commune)
    if old.province == new.province and (not communes or new.commune in communes):
        return replace(new, reason=f"{new.reason} (tên mới ghi kèm địa chỉ cũ)")
    candidates: list[tuple[str, str | None, str]] = []
    if new.province is not None:
        candidates.append((new.province, new.commune, new.reason))
    candidates += old.candidates or [(old.province, old.commune, old.reason)]
    province = old.province if old.province == new.province else None
    return Outcome(
        province,
        None,
        min(old.confidence, new.confidence, 0.6),
        candidates,
        True,
        max(old.score, new.score),
        "Tên mới ghi kèm khác với địa chỉ cũ",
    )


def _decide_text(text: str, catalogue: Catalogue, target: UnitIndex) -> Outcome | None:
    """The best outcome over the readings of one text (legacy encodings, keystrokes)."""
    best: Outcome | None = None
    for reading in decode(text):
        normalised = normalise(reading)
        abroad = country(normalised, catalogue.known["any"], catalogue.spellings)
        if abroad is not None:
            # never a province of Vietnam: a person confirms the place abroad
            return Outcome(None, None, 0.0, [], True, 0.0, f"Địa danh ở nước ngoài ({abroad})")
        outcome = _resolve_text(normalised, catalogue, target)
        if outcome is not None and (best is None or _explains_more(outcome, best)):
            best = outcome
    if (
        best is None
        or best.province is None
        or best.needs_review
        or (best.commune is None and sure_keystrokes(text))
    ):
        # ASCII typed with the input method off ("Ha2 Noi65", "Haf Nooij"): tried only when
        # the text as given names nothing for sure (or no commune, and shows sure signs of
        # keystrokes: "xax Ddanr Vans, huyện Hoàng Su Phì"), kept only when it names more
        for reading in keystroke_readings(text):
            outcome = _resolve_text(normalise(reading), catalogue, target)
            if outcome is not None and (best is None or _explains_more(outcome, best)):
                best = outcome
    if best is None or best.commune is None or best.needs_review:
        # a digit or a capital struck into a name ("Xã 7Sơn Hà", "Bản HoJn"): the text
        # without it, kept only when it names more, and said in the reason
        without = stray_digit_reading(text)
        slips = [(without, _DIGIT_DROPPED, False)] if without is not None else []
        slips += [(r, _CAPITAL_DROPPED, glued) for r, glued in stray_capital_readings(text)]
        # after a level word's letter (", HXuân Lộc, Đồng Nai": the district Xuân Lộc as
        # likely as a misspelt "Huân Lộc") an answer of the province alone, unflagged, gives
        # way only to a commune answered for sure
        sure = best is not None and best.province is not None and not best.needs_review
        for reading, note, glued in slips:
            outcome = _resolve_text(normalise(reading), catalogue, target)
            if outcome is None or (
                glued and sure and (outcome.commune is None or outcome.needs_review)
            ):
                continue
            if best is None or _explains_more(outcome, best):
                outcome.confidence *= _CORRECTION_FACTOR
                outcome.reason += note
                best = outcome
    return best


# what the reason says of a slip the reading dropped
_DIGIT_DROPPED = " (bỏ chữ số lẫn vào tên)"
_CAPITAL_DROPPED = " (bỏ chữ hoa lẫn vào tên)"


def _explains_more(other: Outcome, first: Outcome) -> bool:
    """Whether another reading of the text (a legacy encoding, keystrokes) beats the first:
    it must name more places or explain more of the text. Being free of doubt is not enough:
    a misread text that happens to name one province must not silence a reading that found
    two candidates ("Gia Lai - Kon Tum")."""
    if first.province is None and not first.candidates:
        return other.province is not None or bool(other.candidates)
    if other.score != first.score:
        return other.score > first.score
    return _rank(other) > _rank(first) and (other.commune is not None) >= (
        first.commune is not None or bool(first.candidates)
    )


def _rank(outcome: Outcome) -> tuple:
    return (
        outcome.province is not None,
        outcome.commune is not None,
        not outcome.needs_review,
        outcome.score,
        outcome.confidence,
    )


def _outcome(plan: Plan, catalogue: Catalogue, target: UnitIndex) -> Outcome:
    """Exact candidates in every release, scored, and the decision."""
    direct = _read(target, plan, catalogue)
    outcomes = [_noted(_direct_outcome(direct), direct)]
    for conversion in catalogue.sources_for(target):
        reading = _read(conversion.source, plan, catalogue, conversion.merged(target))
        if reading.score > 0:
            outcomes.append(_noted(_converted_outcome(reading, conversion, target), reading))
    return _choose(outcomes) if len(outcomes) > 1 else _choose_one(outcomes[0])


def _noted(outcome: Outcome, reading: Reading) -> Outcome:
    """The notes and doubts a reading adds to its outcome (most readings add none)."""
    if reading.former_district is not None or reading.former_commune is not None:
        outcome = with_former_note(with_district_note(outcome, reading), reading)
    if reading.contradicted or reading.misplaced_district:
        outcome = with_misplaced_district(with_contradiction(outcome, reading), reading)
    return outcome


def _choose_one(outcome: Outcome) -> Outcome:
    """:func:`_choose` of a single outcome."""
    if outcome.province is None and not outcome.candidates:
        return Outcome(None, None, 0.0, [], True, 0.0, "Không khớp địa danh nào")
    return outcome


# a corrected spelling costs a little confidence; the reason says what was corrected
_CORRECTION_FACTOR = 0.97


def _resolve_text(text: str, catalogue: Catalogue, target: UnitIndex) -> Outcome | None:
    segments = parse_segments(text, catalogue.known, catalogue.parts)
    if not segments:
        return None
    outcome = _outcome(_plan(segments), catalogue, target)
    if len(segments) > 1 and _two_provinces(segments, catalogue.known[PROVINCE]):
        outcome = _province_first(segments, outcome, catalogue, target)
    if outcome.commune is not None and not outcome.needs_review:
        return outcome
    corrected = _corrected(segments, catalogue)
    if corrected is None:
        return outcome
    fixed_segments, changes = corrected
    fixed = _outcome(_plan(fixed_segments), catalogue, target)
    if fixed.score <= outcome.score and _rank(fixed)[:3] <= _rank(outcome)[:3]:
        return outcome
    fixed.confidence *= _CORRECTION_FACTOR ** len(changes)
    fixed.reason += " (sửa chính tả: " + "; ".join(changes) + ")"
    if _DOUBTFUL in changes and not fixed.needs_review:
        fixed.needs_review = True
        if not fixed.candidates and fixed.province is not None:
            fixed.candidates = [(fixed.province, fixed.commune, fixed.reason)]
    return fixed


def _two_provinces(segments: list[Segment], provinces: frozenset[str]) -> bool:
    """Whether the text opens and ends with two different province names, written bare
    ("Thanh Hóa, Quảng Xương, Quảng Ninh": Xã Quảng Ninh of Thanh Hóa, province first)."""
    if len(segments) < 2:
        return False
    first, last = segments[0], segments[-1]
    return (
        first.hint is None
        and last.hint is None
        and first.key != last.key
        and first.key in provinces
        and last.key in provinces
    )


def _province_first(
    segments: list[Segment], outcome: Outcome, catalogue: Catalogue, target: UnitIndex
) -> Outcome:
    """The reading with the province taken from the start, when it explains more; with
    only two parts (no district to tell), both readings go to a person."""
    reverse = _outcome(_plan(segments[::-1]), catalogue, target)
    if reverse.score <= outcome.score:
        return outcome
    if len(segments) >= 3 and reverse.province is not None:
        return reverse
    candidates = [(o.province, o.commune, o.reason) for o in (reverse, outcome) if o.province]
    return Outcome(None, None, 0.4, candidates, True, reverse.score, "Hai tên tỉnh trong địa chỉ")


_VOWELS = frozenset("aeiouy")


def _y_or_i(key: str, names: Collection[str]) -> str | None:
    """The name spelt with the other final "i"/"y" ("dien ki" → "dien ky": Kì/Kỳ, Mĩ/Mỹ,
    Lí/Lý, Quí/Quý, both spellings in use), when that is a known name."""
    words = key.split()
    changed = False
    for n, word in enumerate(words):
        if len(word) >= 2 and word[-1] in "iy" and (word[-2] not in _VOWELS or word[-3:-1] == "qu"):
            words[n] = word[:-1] + ("y" if word[-1] == "i" else "i")
            changed = True
    if not changed:
        return None
    variant = " ".join(words)
    return variant if variant in names else None


def _with_key(seg: Segment, key: str) -> Segment:
    tokens = seg.full_key.split()[: seg.prefix_len] + key.split()
    fixed = _segment(" ".join(tokens), tokens)
    fixed.raw_is_ascii = True  # the corrected name has no spelling of its own to compare
    return fixed


def _corrected(
    segments: list[Segment], catalogue: Catalogue
) -> tuple[list[Segment], list[str]] | None:
    """Fuzzy candidates: the nearest known names for the misspelt ones, the province first
    (from the end of the text), then a district and the communes inside it. None when no
    name needed or allowed a correction."""
    known, fuzzy = catalogue.known, catalogue.fuzzy
    fixed = list(segments)
    changes: list[str] = []
    province: str | None = None
    p_index = -1
    tried = 0
    for i in range(len(segments) - 1, -1, -1):
        seg = segments[i]
        if seg.numeric or seg.tail or (seg.hint is not None and PROVINCE not in seg.hint):
            continue
        if seg.key in known[PROVINCE]:
            province, p_index = seg.key, i
            break
        if seg.hint is None and seg.full_key in known[PROVINCE]:
            province, p_index = seg.full_key, i
            break
        if seg.key in known[DISTRICT] or seg.key in known[COMMUNE]:
            continue  # a district-level city ("TP Đà Lạt") or a bare commune
        tried += 1
        found = fuzzy.province(seg.key)
        if found is not None:
            province, p_index = found, i
            fixed[i] = _with_key(seg, found)
            changes.append(f"{seg.key} → {found}")
            break
        if tried >= 2 or (seg.hint is not None and DISTRICT not in seg.hint):
            break
    provinces: tuple[str, ...] = (province,) if province is not None else ()
    if province is None:
        ending = _province_ending_run(segments, catalogue)
        if ending is not None:
            split, change = ending
            more = _corrected(split, catalogue)
            return (more[0], [change, *more[1]]) if more is not None else (split, [change])
        # no province named (or one misspelt beyond repair): a district named exactly, of
        # one province, stands for it ("X. Trà DVưong, Bắc Trà My", "XHòa Bqc, HDi Linh")
        provinces = _province_of_district(segments, catalogue)
        if not provinces:
            return _corrected_district(segments, catalogue)
    rest = [i for i in range(len(segments) - 1, -1, -1) if i != p_index]
    if not rest:  # the province alone ("Tỉnh Thanh Hóa"): no district or commune to fix
        return (fixed, changes) if changes else None
    districts = fuzzy.districts(provinces)
    district: str | None = None
    for i in rest:  # the district nearest the province, exact or misspelt
        seg = segments[i]
        if (seg.numeric and seg.hint is None) or seg.tail:
            continue
        if seg.hint is not None and DISTRICT not in seg.hint:
            continue
        if seg.key in districts:
            district = seg.key
            break
        found = _y_or_i(seg.key, districts)
        if found is None and seg.hint is not None and PROVINCE not in seg.hint:
            found = nearest(seg.key, districts)
        if found is not None:
            district = found
            fixed[i] = _with_key(seg, found)
            changes.append(f"{seg.key} → {found}")
            rest.remove(i)
            break
    communes = fuzzy.communes(provinces, district)
    for i in rest:
        seg = segments[i]
        if seg.numeric or seg.tail or seg.key == district or fixed[i] is not segments[i]:
            continue
        if seg.hint is not None and COMMUNE not in seg.hint:
            continue
        if seg.key in communes:
            break
        if district is not None and seg.key in fuzzy.commune_set(provinces):
            # a name of the province spelt right but not of the district written ("P Bình
            # Trưng, Tp Thủ Đức": a 2025 ward with its old district), not a misspelt one
            break
        if seg.hint is None and (seg.key in known[PROVINCE] or seg.key in known[DISTRICT]):
            continue  # a province or district named again ("Hà Nội, Hà Nội"), no commune
        found = _y_or_i(seg.key, communes) or nearest(seg.key, communes)
        if found is not None:
            fixed[i] = _with_key(seg, found)
            changes.append(f"{seg.key} → {found}")
            if seg.key in known[COMMUNE] or seg.misspelt:
                # spelt as a commune elsewhere: a street or another province ("Lê Lợi, Thanh
                # Hóa") as much as a slip for this one ("Tế Lợi"); or cut out of a run of words
                # ("Xã Sơn Hv HSơn Hoa"): a person decides
                changes.append(_DOUBTFUL)
            break
    return (fixed, changes) if changes else None


_MAX_PROVINCE_WORDS = 3  # "bà rịa vũng tàu" is four, but never misspelt at the end of a run
_MIN_PROVINCE_LETTERS = 6


def _province_ending_run(
    segments: list[Segment], catalogue: Catalogue
) -> tuple[list[Segment], str] | None:
    """A misspelt province ending the last part after other words, no comma between ("F Him
    Lam Điện Biê", "Huyện Tân Biên T.TDy Ninh"): the last part cut into what comes before
    (read again, it may hold several names) and the province corrected. Only when no part
    names a province (the caller's loop found none), the words are no known name and what
    comes before them names a place."""
    if not segments:
        return None
    seg = segments[-1]
    words = seg.key.split()
    if seg.numeric or seg.tail or (seg.hint is not None and PROVINCE in seg.hint):
        return None
    known, fuzzy = catalogue.known, catalogue.fuzzy
    for size in range(min(_MAX_PROVINCE_WORDS, len(words) - 1), 1, -1):
        name = " ".join(words[-size:])
        if name in known["any"] or len(name) - size + 1 < _MIN_PROVINCE_LETTERS:
            continue
        found = fuzzy.province(name)
        if found is None:
            continue
        head = seg.full_key.split()[:-size]
        pieces = parse_segments(" ".join(head), known, catalogue.parts)
        if not any(p.key in known["any"] for p in pieces):
            return None  # what comes before names nothing: no run of names (a misread text)
        province = _segment(found, found.split())
        return [*segments[:-1], *pieces, province], f"{name} → {found}"
    return None


def _province_of_district(segments: list[Segment], catalogue: Catalogue) -> tuple[str, ...]:
    """The province keys of the district a part names exactly (the last such part, with
    "Huyện"/"Quận"/"Thị xã" or bare), when that name is one province's only; empty when
    none is, or when the name is shared ("Châu Thành", "Quận 1")."""
    known, fuzzy = catalogue.known, catalogue.fuzzy
    for i in range(len(segments) - 1, -1, -1):
        seg = segments[i]
        if seg.numeric or seg.tail or (seg.hint is not None and DISTRICT not in seg.hint):
            continue
        if seg.key in known[DISTRICT]:
            return fuzzy.provinces_of_district(seg.key)
    return ()


# a district's name misspelt with no province to narrow it: at least this many letters
_MIN_DISTRICT_LETTERS = 6


def _corrected_district(
    segments: list[Segment], catalogue: Catalogue
) -> tuple[list[Segment], list[str]] | None:
    """No province named: the nearest district name in the country for a misspelt one
    ("X. Tân An, Huyện Thnh Hà", "Xã Vị Tân, Vị Than"), kept only when another part names a
    commune of that district exactly (so two names agree on the place)."""
    known, fuzzy = catalogue.known, catalogue.fuzzy
    everywhere = tuple(fuzzy.province_keys)
    for i in range(len(segments) - 1, -1, -1):
        seg = segments[i]
        if seg.numeric or seg.tail or (seg.hint is not None and DISTRICT not in seg.hint):
            continue
        if seg.key in known["any"] or len(seg.key.replace(" ", "")) < _MIN_DISTRICT_LETTERS:
            continue
        found = nearest(seg.key, fuzzy.districts(everywhere))
        if found is None:
            continue
        communes = fuzzy.communes(everywhere, found)
        if any(
            j != i and not other.numeric and other.key in communes
            for j, other in enumerate(segments)
        ):
            fixed = list(segments)
            fixed[i] = _with_key(seg, found)
            return fixed, [f"{seg.key} → {found}"]
        return None
    return None


# marks a spelling fix of a name that is spelt right for another unit (see _corrected)
_DOUBTFUL = "tên này là tên đơn vị khác"


def _resolution(text: str, on: date, target: UnitIndex, outcome: Outcome) -> PlaceResolution:
    names = target.name
    code = outcome.province
    province = {"code": code, "name": names[PROVINCE, code]} if code else None
    code = outcome.commune
    commune = {"code": code, "name": names[COMMUNE, code]} if code else None
    candidates = (
        [
            {
                "province": target.ref(PROVINCE, p),
                "district": _district_of(target, c),
                "commune": target.ref(COMMUNE, c) if c else None,
                "reason": why,
            }
            for p, c, why in outcome.candidates
        ]
        if outcome.candidates
        else []
    )
    confidence = round(max(0.0, min(1.0, outcome.confidence)), 3)
    return PlaceResolution(  # positional: the fields in their order
        text,
        on,
        target.key,
        province,
        commune,
        confidence,
        candidates,
        outcome.needs_review or confidence < REVIEW_THRESHOLD,
        outcome.reason,
    )


def _district_of(target: UnitIndex, commune: str | None) -> dict[str, str] | None:
    """The district of a candidate commune in a set that has districts (before 1/7/2025)."""
    if not commune or not target.has_districts:
        return None
    district = target.district_of.get(commune)
    if not district or (DISTRICT, district) not in target.name:
        return None
    return target.ref(DISTRICT, district)
