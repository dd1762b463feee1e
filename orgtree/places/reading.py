"""Reading the segments against one release (exact candidates by level) and turning a reading
into an outcome, directly or through a conversion table."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import HistoricPlaceName
from .catalogue import Catalogue
from .index import ConversionIndex, FormerCommune, HistoricEntry, UnitIndex
from .parse import (
    COMMUNE,
    DISTRICT,
    PROVINCE,
    Segment,
    tails,
)

# weights of a matched segment: province 3, district 2, commune 2 (in _read)
_BARE_COMMUNE_ALONE = 1.0  # a lone bare name read as a commune is weak evidence


@dataclass(slots=True, init=False)
class Reading:
    index: UnitIndex
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    score: float = 0.0
    factor: float = 1.0
    historic: tuple[HistoricEntry, ...] = ()
    former_district: HistoricEntry | None = None
    # the commune came through a name merged away 2019–2024 (and the text that named it)
    former_commune: FormerCommune | None = None
    former_text: str = ""
    # the text names a district ("Huyện X") that the reading could not place, yet a commune
    # was found in the province, or names a commune ("Xã X") while another part gave the
    # commune: the text contradicts the answer
    contradicted: bool = False
    # the text names a district ("Huyện X") of another province than the one read, and the
    # reading found no district: the province may be the wrong one ("Huyện Mê Linh, Vĩnh Phú")
    misplaced_district: bool = False

    # written out (init=False): mypyc compiles an __init__ written in the class, while the
    # one dataclasses generates runs interpreted (orgtree/native.py)
    def __init__(
        self,
        index: UnitIndex,
        provinces: tuple[str, ...] = (),
        districts: tuple[str, ...] = (),
        communes: tuple[str, ...] = (),
        score: float = 0.0,
        factor: float = 1.0,
        historic: tuple[HistoricEntry, ...] = (),
        former_district: HistoricEntry | None = None,
        former_commune: FormerCommune | None = None,
        former_text: str = "",
        contradicted: bool = False,
        misplaced_district: bool = False,
    ) -> None:
        self.index = index
        self.provinces = provinces
        self.districts = districts
        self.communes = communes
        self.score = score
        self.factor = factor
        self.historic = historic
        self.former_district = former_district
        self.former_commune = former_commune
        self.former_text = former_text
        self.contradicted = contradicted
        self.misplaced_district = misplaced_district


def _prefer(
    index: UnitIndex, level: str, seg: Segment, codes: tuple[str, ...], explicit: bool
) -> tuple[str, ...]:
    """Among same-named units, keep those whose type matches the prefix ("Huyện" vs "Thành
    phố") and whose diacritics match the text ("Tân Hòa" vs "Tân Hoa"), when any do."""
    if len(codes) < 2:
        return codes
    if explicit and seg.unit_type:
        kept = tuple(c for c in codes if index.unit_type.get((level, c)) == seg.unit_type)
        codes = kept or codes
        if len(codes) < 2:
            return codes
    if not seg.has_accents:
        return codes
    wanted = seg.accent_key()
    kept = tuple(c for c in codes if index.accent.get((level, c)) == wanted)
    return kept or codes


Candidate = tuple[int, str, bool]  # (segment index, key to look up, explicit prefix)


@dataclass(slots=True, init=False)
class Plan:
    """The segments and, per level, which to try in which order (same for every reading):
    segments with a matching prefix first, from the end of the text, then bare names."""

    segments: list[Segment]
    province: tuple[Candidate, ...]
    district: tuple[Candidate, ...]
    commune: tuple[Candidate, ...]
    explicit: tuple[int, ...]
    # the segments whose last words may be a commune's name (bare, three words or more) and
    # what is left of hamlet parts ("Thôn 16 Cư Prông"), tried inside the district read when
    # no name matched whole (see ``parse.tails``)
    tails: tuple[int, ...] = ()

    # written out (init=False): mypyc compiles an __init__ written in the class, while the
    # one dataclasses generates runs interpreted (orgtree/native.py)
    def __init__(
        self,
        segments: list[Segment],
        province: tuple[Candidate, ...],
        district: tuple[Candidate, ...],
        commune: tuple[Candidate, ...],
        explicit: tuple[int, ...],
        tails: tuple[int, ...] = (),
    ) -> None:
        self.segments = segments
        self.province = province
        self.district = district
        self.commune = commune
        self.explicit = explicit
        self.tails = tails


def _plan(segments: list[Segment]) -> Plan:
    """Which segments to try for each level, in order. For the province: those whose level
    word names only a province ("Tỉnh", "T.") first; then, from the end of the text, those
    that may also be a district-level city ("TP", "Thành phố") and bare names: "T. Yên Bái,
    thành phố Yên Bái, X. Tân Thịnh" (province first) and "TP. Lào Cai, Lào Cai" name the
    city Yên Bái or Lào Cai and the province."""
    province: list[Candidate] = []
    city_or_bare: list[Candidate] = []
    alternates: list[Candidate] = []
    district: list[Candidate] = []
    commune: list[Candidate] = []
    bare: list[Candidate] = []
    numbered: list[Candidate] = []
    explicit: list[int] = []
    ends: list[int] = []
    last = len(segments) - 1
    for i in range(last, -1, -1):  # from the end of the text
        seg = segments[i]
        hint = seg.hint
        if seg.tail:
            ends.append(i)
            continue  # what is left of a hamlet part is read only that way
        if hint is None:
            key = seg.key
            if key.count(" ") >= 2:
                ends.append(i)
            if not seg.numeric:
                candidate = (i, key, False)
                bare.append(candidate)
                city_or_bare.append(candidate)
            elif i < last and ((after := segments[i + 1].hint) is None or DISTRICT in after):
                # a bare number before a district or another number: a numbered ward or
                # district of a sheet whose columns lost their level words ("14, 5, TP HCM",
                # "7, Tân Bình, …"); tried after every name
                numbered.append((i, key, False))
            continue
        explicit.append(i)
        candidate = (i, seg.key, True)
        if PROVINCE in hint:
            (city_or_bare if DISTRICT in hint else province).append(candidate)
        if DISTRICT in hint:
            district.append(candidate)
        if COMMUNE in hint:
            commune.append(candidate)
        if seg.full_key != seg.key:
            alternate = (i, seg.full_key, False)  # "H'Bông" folds to "h bong": no prefix
            bare.append(alternate)
            alternates.append(alternate)
    if numbered:
        bare += numbered
    return Plan(  # positional: the fields in their order
        segments,
        (*province, *city_or_bare, *alternates),
        (*district, *bare),
        (*commune, *bare),
        tuple(explicit),
        tuple(ends),
    )


# a commune found only in an old province merged with the one named (see ``merged``) counts
# for less than one found in the province named: the direct reading of a new address wins
_MERGED_COMMUNE = 1.5


def _read(
    index: UnitIndex,
    plan: Plan,
    catalogue: Catalogue,
    merged: dict[str, tuple[str, ...]] | None = None,
) -> Reading:
    """The exact candidates in one release. ``merged`` (old sets only): old province → the
    old provinces that went with it into the 2025 province of its name, for texts that give
    an old district or commune with the new province ("Huyện Duyên Hải, Tỉnh Vĩnh Long").

    Runs twice for every text (the set in force and the older set): the reading is kept in
    local variables and made once at the end, and the common cases (one code, one province,
    one district) skip the generator expressions."""
    segments = plan.segments
    used_p = used_d = used_c = -1
    province_key = ""
    pool: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    score = 0.0
    factor = 1.0
    historic: tuple[HistoricEntry, ...] = ()
    former: HistoricEntry | None = None
    former_commune: FormerCommune | None = None
    former_text = ""
    province_of = index.province_of

    # 1. the province
    for i, key, explicit in plan.province:
        compact = False
        codes = index.provinces.get(key)
        if not codes and " " not in key:
            codes = index.compact[PROVINCE].get(key)
            compact = bool(codes)
        if not codes and not explicit:
            codes = index.initials.get(key)  # "T.Hóa", "Q.Ngãi", "Đ.Nai"
            compact = bool(codes)
        entries: tuple[HistoricEntry, ...] = ()
        if not codes:
            entries = catalogue.historic.get(key) or (
                catalogue.historic_compact.get(key, ()) if " " not in key else ()
            )
            if entries:
                entries = tuple(h for h in entries if h.release_key == index.key)
                codes = tuple(dict.fromkeys(h.province for h in entries))
        if codes:
            used_p = i
            province_key = key
            if len(codes) > 1 and not entries:
                # the successors of a former province keep all their types and spellings
                codes = _prefer(index, PROVINCE, segments[i], codes, explicit)
            provinces = codes
            historic = entries
            score += 3.0
            if compact:
                factor *= 0.9
            break

    # 2. the district (old sets only)
    if index.has_districts:
        for i, key, explicit in plan.district:
            if i == used_p:
                continue
            compact = False
            found_former: HistoricEntry | None = None
            codes = index.districts.get(key)
            if not codes and " " not in key:
                codes = index.compact[DISTRICT].get(key)
                compact = bool(codes)
            if not codes and key in catalogue.historic_districts:
                # a former district ("Quận 9" → Thành phố Thủ Đức; "Hải Bình Tĩnh Gia")
                found = _former_districts(catalogue, index, plan, i, key, explicit)
                if found:
                    found_former = found[0]
                    codes = tuple(dict.fromkeys(h.district for h in found))
            widened = False
            if codes and provinces:
                named = codes
                if len(codes) == 1:
                    codes = codes if province_of[DISTRICT, codes[0]] in provinces else ()
                else:
                    codes = tuple(c for c in codes if province_of[DISTRICT, c] in provinces)
                if not codes and merged:
                    wider = {q for p in provinces for q in merged.get(p, ())}
                    codes = tuple(c for c in named if province_of[DISTRICT, c] in wider)
                    widened = bool(codes)
                if not codes:
                    extent = _historic_extent(catalogue, index, province_key, provinces)
                    codes = tuple(c for c in named if province_of[DISTRICT, c] in extent)
                    widened = bool(codes)
                if not codes and found_former is None and key in catalogue.historic_districts:
                    # the name is a district elsewhere, a former one here ("Huyện Kỳ Sơn,
                    # Tỉnh Hòa Bình": Nghệ An has a Kỳ Sơn; Hòa Bình's went into the city)
                    found = [
                        h
                        for h in _former_districts(catalogue, index, plan, i, key, explicit)
                        if h.province in provinces
                    ]
                    if found:
                        found_former = found[0]
                        codes = tuple(dict.fromkeys(h.district for h in found))
            if codes:
                if widened:  # the old district of a province merged into the one named
                    provinces = tuple(dict.fromkeys(province_of[DISTRICT, c] for c in codes))
                    factor *= 0.95
                used_d = i
                if len(codes) > 1:
                    preferred = _prefer(index, DISTRICT, segments[i], codes, explicit)
                    if len(preferred) < len(codes):
                        pool = codes
                    codes = preferred
                districts = codes
                former = found_former
                score += 2.0
                if compact:
                    factor *= 0.9
                break

    # 3. the commune
    former_keys = catalogue.former_keys.get(index.key) if (districts or provinces) else None
    in_district = index.communes_in_district
    in_province = index.communes_in_province
    # the old provinces merged with the one named, and the province name's earlier extent:
    # the same for every part, worked out at the first part that needs them
    wider_provinces: set[str] | None = None
    extent_provinces: frozenset[str] | None = None
    for i, key, explicit in plan.commune:
        if i == used_p or i == used_d:
            continue
        if districts:
            if len(districts) == 1:
                codes = in_district.get((districts[0], key))
            else:
                codes = tuple(c for d in districts for c in in_district.get((d, key), ()))
            if not codes and pool:
                # same-named districts the level word set aside ("Huyện Cai Lậy" beside "Thị
                # xã Cai Lậy"): tried for a commune the preferred ones lack (the level word
                # being the slip)
                codes = tuple(
                    c for d in pool if d not in districts for c in in_district.get((d, key), ())
                )
                if codes:
                    districts = tuple(dict.fromkeys(index.district_of[c] for c in codes))
                    factor *= 0.95
        elif provinces:
            if len(provinces) == 1:
                codes = in_province.get((provinces[0], key))
            else:
                codes = tuple(c for p in provinces for c in in_province.get((p, key), ()))
            if codes and len(codes) > 1 and index.has_districts:
                codes = _in_city(index, segments[used_p], province_key, codes)
        else:
            codes = index.communes.get(key)
            if not codes and " " not in key:
                codes = index.compact[COMMUNE].get(key)
                if codes:
                    factor *= 0.9
        weight = 2.0
        if not codes and provinces and not districts:
            if merged:
                if wider_provinces is None:
                    wider_provinces = {
                        q for p in provinces for q in merged.get(p, ()) if q not in provinces
                    }
                if wider_provinces:
                    codes = tuple(c for q in wider_provinces for c in in_province.get((q, key), ()))
                    if codes:  # an old commune of a province merged into the one named
                        weight = _MERGED_COMMUNE
                        factor *= 0.95
            if not codes:
                if extent_provinces is None:
                    extent_provinces = _historic_extent(catalogue, index, province_key, provinces)
                if extent_provinces:
                    codes = tuple(
                        c for q in extent_provinces for c in in_province.get((q, key), ())
                    )
                    if codes:  # a commune of the province's earlier extent ("…, Hậu Giang" 1976)
                        weight = _MERGED_COMMUNE
                        factor *= 0.95
        conflict = False
        if former_keys and key.replace(" ", "") in former_keys:
            codes, conflict, hit = _with_former(
                index,
                catalogue,
                key,
                codes,
                districts or provinces,
                bool(districts),
                segments[i].unit_type if explicit else "",
            )
            if hit is not None:
                former_commune, former_text = hit, segments[i].raw
        if codes:
            used_c = i
            if len(codes) > 1 and not conflict:
                codes = _prefer(index, COMMUNE, segments[i], codes, explicit)
            communes = codes
            alone = not explicit and len(segments) == 1
            score += _BARE_COMMUNE_ALONE if alone else weight
            if not explicit and segments[i].numeric:
                factor *= 0.95  # a bare number read as a numbered ward
            break
    if used_c < 0 and districts and plan.tails:
        # a commune named at the end of a hamlet or house part, inside the district read
        for i in plan.tails:
            if i == used_p or i == used_d:
                continue
            keys = tails(segments[i])
            if not keys:
                continue
            for key in keys:
                codes = tuple(c for d in districts for c in in_district.get((d, key), ()))
                if codes:
                    break
                if former_keys and key.replace(" ", "") in former_keys:
                    # a commune merged away 2019–2024 ("Thôn 3 Sơn Hải, Quỳnh Lưu")
                    codes, _conflict, hit = _with_former(
                        index, catalogue, key, None, districts, True
                    )
                    if codes:
                        if hit is not None:
                            former_commune, former_text = hit, _last_words(segments[i].raw, key)
                        break
            if codes:
                used_c = i
                if len(codes) > 1:
                    codes = _prefer(index, COMMUNE, segments[i], codes, False)
                communes = codes
                score += 2.0
                factor *= 0.95
                break

    # explicit segments left unexplained weaken the reading ("Huyện X" read in the new set)
    contradicted = misplaced = False
    for i in plan.explicit:
        if i != used_p and i != used_d and i != used_c:
            score -= 1.0
            factor *= 0.9
            hint = segments[i].hint
            if used_c >= 0 and (
                (index.has_districts and used_d < 0 and hint == _DISTRICT_ONLY)
                # "Xã Cổ Nhuế, Từ Liêm": the commune named is not the one answered
                or (hint == _COMMUNE_ONLY and not segments[i].numeric)
            ):
                contradicted = True
            if (
                used_p >= 0
                and used_d < 0
                and segments[i].key in index.districts
                and (
                    hint == _DISTRICT_ONLY
                    # "Thành phố Vị Thanh, Tỉnh Hậ Giang": a city that is no province's name
                    or (hint == _CITY and segments[i].key not in index.provinces)
                )
            ):
                misplaced = True
    return Reading(  # positional: the fields in their order
        index,
        provinces,
        districts,
        communes,
        score,
        factor,
        historic,
        former,
        former_commune,
        former_text,
        contradicted,
        misplaced,
    )


def _last_words(raw: str, key: str) -> str:
    """The words of ``raw`` that end it as ``key`` does ("Cổ Lũy Hải Ba", "hai ba" → "Hải
    Ba"), for a note; the key itself when they do not line up."""
    words = raw.split()
    size = key.count(" ") + 1
    return " ".join(words[-size:]) if len(words) >= size else key


def _former_districts(
    catalogue: Catalogue, index: UnitIndex, plan: Plan, i: int, key: str, explicit: bool
) -> list[HistoricEntry]:
    """The former districts of this name in the release read. Without its prefix a former
    name is read only when another part names a commune of its successor ("Hải Bình Tĩnh
    Gia"): alone it may be a commune of today ("Tĩnh Gia", "Long Điền"), and a bare number
    ("9") is a house or a ward, never "Quận 9"."""
    found = [h for h in catalogue.historic_districts[key] if h.release_key == index.key]
    if explicit:
        return found
    if plan.segments[i].numeric or key.isdigit():
        return []
    return [
        h
        for h in found
        if any(j != i and (h.district, k) in index.communes_in_district for j, k, _ in plan.commune)
    ]


def _in_city(index: UnitIndex, seg: Segment, key: str, codes: tuple[str, ...]) -> tuple[str, ...]:
    """Same-named communes of the province narrowed to the one in the district-level city
    of the province's name, when the province was written as a city ("xã Vĩnh Quang, Tp Cao
    Bằng": the city Cao Bằng, not the Vĩnh Quang of Bảo Lâm); the codes as they were when
    that does not leave exactly one."""
    if seg.hint is None or DISTRICT not in seg.hint:
        return codes
    cities = index.districts.get(key, ())
    inside = tuple(c for c in codes if index.district_of.get(c) in cities)
    return inside if len(inside) == 1 else codes


def _historic_extent(
    catalogue: Catalogue, index: UnitIndex, key: str, provinces: tuple[str, ...]
) -> frozenset[str]:
    """The other provinces of this set that a province name covered in earlier years
    ("Hậu Giang" 1976–1991: Cần Thơ and Sóc Trăng; "Đắk Lắk" before 2004: Đắk Nông too)."""
    entries = catalogue.historic.get(key) if key else None
    if not entries:
        return _NO_PROVINCES
    return frozenset(
        h.province for h in entries if h.release_key == index.key and h.province not in provinces
    )


_NO_PROVINCES: frozenset[str] = frozenset()


_DISTRICT_ONLY = frozenset({DISTRICT})
_COMMUNE_ONLY = frozenset({COMMUNE})
_CITY = frozenset({PROVINCE, DISTRICT})  # "Thành phố", "TP"


# ---------------------------------------------------------------------------------------------
# Outcomes
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True, init=False)
class Outcome:
    province: str | None
    commune: str | None
    confidence: float
    candidates: list[tuple[str, str | None, str]]  # (province code, commune code, reason)
    needs_review: bool
    score: float
    reason: str

    # written out (init=False): mypyc compiles an __init__ written in the class, while the
    # one dataclasses generates runs interpreted (orgtree/native.py)
    def __init__(
        self,
        province: str | None,
        commune: str | None,
        confidence: float,
        candidates: list[tuple[str, str | None, str]],
        needs_review: bool,
        score: float,
        reason: str,
    ) -> None:
        self.province = province
        self.commune = commune
        self.confidence = confidence
        self.candidates = candidates
        self.needs_review = needs_review
        self.score = score
        self.reason = reason


def _collapse(
    options: list[tuple[str, str | None, str]], confidence: float, reason: str, score: float
) -> Outcome:
    """One answer when every option agrees; otherwise the common province and candidates."""
    if len(options) == 1:
        province, commune, _why = options[0]
        return Outcome(province, commune, confidence, [], False, score, reason)
    distinct = list(dict.fromkeys((p, c) for p, c, _ in options))
    if len(distinct) == 1:
        province, commune = distinct[0]
        return Outcome(province, commune, confidence, [], False, score, reason)
    provinces = {p for p, _ in distinct}
    common = provinces.pop() if len(provinces) == 1 else None
    unique: dict[tuple[str, str | None], str] = {}
    for p, c, why in options:
        unique.setdefault((p, c), why)
    candidates = [(p, c, why) for (p, c), why in unique.items()]
    conf = min(0.5, confidence) if common else min(0.4, confidence)
    return Outcome(common, None, conf, candidates, True, score, reason)


def _direct_outcome(reading: Reading) -> Outcome:
    index = reading.index
    score, factor = reading.score, reading.factor
    historic_note = _historic_note(reading.historic) if reading.historic else ""
    if len(reading.communes) == 1:  # the common case: what _collapse makes of one option
        commune = reading.communes[0]
        base = 0.95 if (reading.provinces or reading.districts) else 0.85
        province = index.province_of[COMMUNE, commune]
        reason = "Khớp tên xã" + historic_note if historic_note else "Khớp tên xã"
        return Outcome(province, commune, base * factor, [], False, score, reason)
    if reading.communes:
        options: list[tuple[str, str | None, str]] = [
            (index.province_of[COMMUNE, c], c, "Trùng tên xã trong danh mục")
            for c in reading.communes
        ]
        base = 0.95 if (reading.provinces or reading.districts) else 0.85
        return _collapse(options, base * factor, "Khớp tên xã" + historic_note, score)
    if reading.districts:
        options = [
            (index.province_of[DISTRICT, d], None, f"Thuộc {index.name[DISTRICT, d]}")
            for d in reading.districts
        ]
        return _collapse(options, 0.9 * factor, "Khớp tên quận, huyện", score)
    if reading.provinces:
        options = [(p, None, "Khớp tên tỉnh" + historic_note) for p in reading.provinces]
        conf = (0.95 if reading.historic else 0.98) * factor
        return _collapse(options, conf, "Khớp tên tỉnh" + historic_note, score)
    return Outcome(None, None, 0.0, [], True, score, "")


def _with_former(
    index: UnitIndex,
    catalogue: Catalogue,
    key: str,
    codes: tuple[str, ...] | None,
    scope: tuple[str, ...],
    in_districts: bool,
    stated: str = "",
) -> tuple[tuple[str, ...] | None, bool, FormerCommune | None]:
    """Add the successors of a commune merged away 2019–2024 that bears this name in the
    districts (``in_districts``) or provinces read (``scope``). When a current commune of the
    scope has the name too, both stay (a person chooses) unless the level word the text
    gives (``stated``, folded: "phuong") is the type of one of them only ("Phường Cộng Hòa"
    is the ward of 2025, not the "Xã Cộng Hòa" merged in 2019): returns the codes, whether
    they conflict, and the former commune that gave a successor (None when none did)."""
    compact = key.replace(" ", "")
    table = catalogue.former_communes if in_districts else catalogue.former_communes_in_province
    hits = [h for s in scope for h in table.get((s, compact), ()) if h.release_key == index.key]
    if not hits:
        return codes, False, None
    if stated and codes:
        former_agrees = [h for h in hits if h.unit_type == stated]
        current_agrees = tuple(c for c in codes if index.unit_type.get((COMMUNE, c)) == stated)
        if current_agrees and not former_agrees:
            return current_agrees, False, None
        if former_agrees and not current_agrees:
            extra = tuple(dict.fromkeys(h.successor for h in former_agrees))
            return extra, len(extra) > 1, former_agrees[0]
    if not codes:
        # a current commune of the scope written without its spaces ("chiengly") is one too
        codes = (
            tuple(
                c
                for c in index.compact[COMMUNE].get(compact, ())
                if index.district_of.get(c) in scope or index.province_of[COMMUNE, c] in scope
            )
            or None
        )
    extra = tuple(dict.fromkeys(h.successor for h in hits if h.successor not in (codes or ())))
    if not extra:
        return codes, False, None
    if codes:
        return tuple(codes) + extra, True, hits[0]
    return extra, len(extra) > 1, hits[0]


def with_former_note(outcome: Outcome, reading: Reading) -> Outcome:
    """Say so when the commune was read through a name merged away 2019–2024."""
    former = reading.former_commune
    if former is not None and outcome.reason:
        now = reading.index.name.get((COMMUNE, former.successor), former.successor)
        text = reading.former_text.strip() or former.name
        outcome.reason += f" ({text} đã sáp nhập vào {now} (2019–2024))"
    return outcome


def with_contradiction(outcome: Outcome, reading: Reading) -> Outcome:
    """A commune found while the district the text names could not be placed goes to a
    person: the district may be misspelt, or the commune another one of the same name."""
    if reading.contradicted and outcome.commune is not None and not outcome.needs_review:
        outcome.needs_review = True
        outcome.confidence = min(outcome.confidence, 0.6)
        outcome.candidates = [(outcome.province or "", outcome.commune, outcome.reason)]
        outcome.reason += " (tên xã hoặc quận, huyện ghi trong địa chỉ không khớp)"
    return outcome


def with_misplaced_district(outcome: Outcome, reading: Reading) -> Outcome:
    """A province read while the district the text names lies in another province goes to a
    person: the province written may be a former one with other borders, or a slip."""
    if reading.misplaced_district and outcome.province is not None and not outcome.needs_review:
        outcome.needs_review = True
        outcome.confidence = min(outcome.confidence, 0.6)
        outcome.candidates = [(outcome.province, outcome.commune, outcome.reason)]
        outcome.reason += " (quận, huyện ghi trong địa chỉ thuộc tỉnh khác)"
    return outcome


def with_district_note(outcome: Outcome, reading: Reading) -> Outcome:
    """Say so when the reading went through a former district ("Quận 9" → Thủ Đức)."""
    former = reading.former_district
    if former is not None and outcome.reason:
        now = reading.index.name.get((DISTRICT, former.district), "")
        basis = f", {former.legal_basis}" if former.legal_basis else ""
        outcome.reason += f" ({former.name} nay thuộc {now}{basis})"
    return outcome


def _historic_note(historic: tuple[HistoricEntry, ...]) -> str:
    if not historic:
        return ""
    h = historic[0]
    if h.kind == HistoricPlaceName.Kind.VARIANT:
        return f" (cách viết khác: {h.name})"
    basis = f", {h.legal_basis}" if h.legal_basis else ""
    return f" (tên cũ {h.name}{basis})"


def _converted_outcome(reading: Reading, conversion: ConversionIndex, target: UnitIndex) -> Outcome:
    source = reading.index
    score, factor = reading.score, reading.factor

    if len(reading.communes) == 1:
        # the common case: one old commune that went, whole or in part, to one new commune
        one = conversion.carried(target, reading.communes[0])
        if len(one.options) == 1 and not one.split and not one.missing:
            base = 0.8 if one.by_name else (0.85 if one.partial else 0.95)
            if not (reading.provinces or reading.districts):
                base -= 0.1
            province, commune, _why = one.options[0]
            reason = "Theo bảng chuyển đổi ĐVHC"
            if reading.historic:
                reason += _historic_note(reading.historic)
            return Outcome(province, commune, base * factor, [], False, score, reason)

    if reading.communes:
        carried = [conversion.carried(target, old) for old in reading.communes]
        options = [o for c in carried for o in c.options]
        if not options:
            return Outcome(None, None, 0.0, [], True, score, "")
        if any(c.split for c in carried):
            # never a silent answer: the candidates go to a person
            outcome = _collapse(options, 0.45, "Xã cũ bị chia cho nhiều xã mới", score)
            outcome.commune = None
            outcome.needs_review = True
            if not outcome.candidates:
                outcome.candidates = options
            outcome.confidence = min(outcome.confidence, 0.45)
            return outcome
        if any(c.missing for c in carried):
            outcome = _collapse(options, 0.6 * factor, "Xã cũ thiếu trong bảng chuyển đổi", score)
            outcome.commune = None
            outcome.needs_review = True
            outcome.confidence = min(outcome.confidence, 0.6)
            return outcome
        base = 0.85 if any(c.partial for c in carried) else 0.95
        if any(c.by_name for c in carried):
            base = 0.8
        if not (reading.provinces or reading.districts):
            base -= 0.1
        reason = "Theo bảng chuyển đổi ĐVHC" + _historic_note(reading.historic)
        return _collapse(options, base * factor, reason, score)

    historic_note = _historic_note(reading.historic)
    if reading.districts:
        options = []
        for d in reading.districts:
            for p, share in conversion.district_targets.get(d, ()):
                if (PROVINCE, p) in target.name:
                    why = f"{source.name[DISTRICT, d]} ({share:.0%} số xã) nay thuộc"
                    options.append((p, None, why))
        if not options:
            return Outcome(None, None, 0.0, [], True, score, "")
        outcome = _collapse(options, 0.9 * factor, "Quận, huyện cũ", score)
        if len(options) > 1 and outcome.province is None:
            outcome.needs_review = True
        return outcome

    if reading.provinces:
        options = []
        top_share = 1.0
        for p_old in reading.provinces:
            targets = conversion.province_targets.get(p_old, ())
            if targets:
                top_share = min(top_share, targets[0][1])
                p_new = targets[0][0]
                if (PROVINCE, p_new) in target.name:
                    old_name = source.name[PROVINCE, p_old]
                    options.append((p_new, None, f"{old_name} nay thuộc" + historic_note))
        if not options:
            return Outcome(None, None, 0.0, [], True, score, "")
        conf = (0.93 if reading.historic else 0.95) * top_share * factor
        variant = reading.historic and reading.historic[0].kind == HistoricPlaceName.Kind.VARIANT
        reason = (
            f"Cách viết khác của {source.name[PROVINCE, reading.provinces[0]]}"
            if variant
            else "Tỉnh trước sắp xếp" + historic_note
        )
        return _collapse(options, conf, reason, score)
    return Outcome(None, None, 0.0, [], True, score, "")
