"""Finding the same person across the exports of several old systems (đối khớp hồ sơ trùng).

A :class:`PersonRecord` is the matching view of a person, built from a :class:`Profile` or
from an incoming import row. A :class:`ProfileIndex` is built once over the existing profiles
of an agency subtree and answers :meth:`ProfileIndex.match` in microseconds through blocking
keys (plain dicts): personal ID, old 9-digit ID, folded name + date of birth (and the date
with day and month swapped), date of birth + sex (for typos in the name, checked with
rapidfuzz, one C call per block; skipped after an exact ID hit), folded name + birth year for
dates known only to the month or year (a rough query scans its year's days in the name + date
block). IDs one edit
apart need no block of their own: rule 2 requires the names and dates to agree, so its
candidates are already in the name/date blocks and the IDs are compared pair by pair
(:meth:`ProfileIndex.neighbours_by_id` also offers the query-side neighbourhood: 108
substitutions and 11 adjacent transpositions looked up in the ID dict).

Rules (the order they are tried; the best candidate wins, ties between two *different*
profiles downgrade to "uncertain"):

1. **Exact personal ID.** Certain when the name is not wildly different (folded similarity
   ≥ 60) and, if the date of birth disagrees, the names are equal (a day/month swap with a
   name that is not equal is uncertain). Otherwise uncertain (an ID typed into the wrong row
   must not merge two people silently).
2. **Personal ID one edit apart** (one digit substituted, or two adjacent digits swapped).
   Certain only with the same name, the same date of birth and the same sex; uncertain when
   the name is only close (typo) or the date has day and month swapped; else no match.
3. **Old 9-digit ID (CMND).** The record's 9-digit number equal to the profile's
   ``old_id_number``: certain with the same name and date of birth, uncertain when the name
   is close or the date swapped, or when the two sides' 12-digit IDs contradict. A record
   that carries only a 9-digit number while the profile has only its 12-digit ID cannot be
   compared number to number (the CCCD is not derived from the CMND): such a pair is judged
   by rule 4, and the 12-digit ID's century/sex digit and birth-year digits are checked
   against the other side (a disagreement keeps it uncertain and lowers the score).
4. **No usable ID**: folded name + date of birth + sex + home province. Uncertain by default.
   Certain only when all four agree *exactly* (the stored names equal letter for letter with
   their diacritics, or one side written without diacritics and folding equal; the full date
   known to the day; sex equal; the home province known and equal), nothing contradicts
   (no different 12-digit or 9-digit ID on both sides), and no other profile shares the same
   name + date of birth (common Vietnamese names make such doubles real). An agency that
   wants every ID-less pair reviewed builds the index with ``certain_by_name=False``.

Names are compared folded (:func:`orgtree.text.fold`: no diacritics, NFD-safe, tone style
irrelevant) with rapidfuzz for typos. Two names that fold equal but carry *different*
diacritics on both sides ("Hùng" / "Hưng") are close, not equal. Dates: equal, day and month
swapped (never certain on a swap alone), or compatible when one side is known only to the
month/year.

Two 12-digit IDs that differ by more than one edit contradict: such a pair is never proposed
(the personal ID is lifelong); two 9-digit IDs more than one edit apart likewise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from orgtree.text import clean, fold

__all__ = [
    "MatchKind",
    "MatchResult",
    "PersonRecord",
    "ProfileIndex",
    "match_within_batch",
    "normalise_id",
]

#: minimum folded-name similarity (rapidfuzz ratio, 0–100) for "close" (a typo or two)
CLOSE_NAME = 85.0
#: below this the names are "wildly different"
WILD_NAME = 60.0
_DIGITS = "0123456789"
_DAY = frozenset({"day", "", None})


#: the profile fields the matcher reads, in the order of its index rows (after the pk)
MATCH_FIELDS = (
    "personal_id",
    "old_id_number",
    "full_name",
    "date_of_birth",
    "birth_date_precision",
    "sex",
    "hometown_province_code",
)


class MatchKind(StrEnum):
    CERTAIN = "certain"
    UNCERTAIN = "uncertain"
    NONE = "none"


class NameLevel(StrEnum):
    EXACT = "exact"  # equal with diacritics, or equal folded when one side has none
    FOLDED = "folded"  # equal folded, different diacritics on both sides (Hùng / Hưng)
    CLOSE = "close"  # typo-level difference
    FAR = "far"  # different, but not wildly
    WILD = "wild"


class DateLevel(StrEnum):
    EXACT = "exact"
    COMPATIBLE = "compatible"  # one side known only to the month or year, and they agree
    SWAPPED = "swapped"  # day and month swapped
    DIFFERENT = "different"
    UNKNOWN = "unknown"


def normalise_id(value: Any) -> str | None:
    """Digits only ("040 085-001234" → "040085001234"); None when empty. Excel may have eaten
    leading zeros of a number cell: an 11-digit value is padded to 12, an 8-digit one to 9."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if not digits:
        return None
    if len(digits) == 11:
        digits = "0" + digits
    elif len(digits) == 8:
        digits = "0" + digits
    return digits


def _to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(slots=True)
class PersonRecord:
    """The matching view of one person (an existing profile or an incoming row).

    ``personal_id`` is the 12-digit ID and ``old_id_number`` the 9-digit one; an ID column
    holding a 9-digit number is moved to ``old_id_number`` by :meth:`from_row`.
    ``ref`` identifies the record to the caller: the profile id for profiles, whatever the
    importer likes (file, sheet, row) for rows.
    """

    personal_id: str | None
    old_id_number: str | None
    full_name: str
    date_of_birth: date | None
    birth_date_precision: str = "day"
    sex: str = ""
    home_province: str = ""
    source: str = ""
    source_date: date | None = None
    profile_id: int | None = None
    ref: Any = None
    folded_name: str = field(default="", init=False)
    _display: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.personal_id = self.personal_id or None
        self.old_id_number = self.old_id_number or None
        self.folded_name = fold(self.full_name)

    @property
    def marked(self) -> bool:
        """Written with diacritics (any non-ASCII letter or combining mark)."""
        return not self.full_name.isascii()

    @property
    def display_name(self) -> str:
        """The name as stored (NFC, traditional tone style), lower case: compared only when
        two names fold equal and both carry diacritics."""
        if self._display is None:
            self._display = clean(self.full_name).lower()
        return self._display

    @classmethod
    def from_profile(
        cls, profile: Any, *, source: str = "", source_date: date | None = None
    ) -> PersonRecord:
        return cls(
            personal_id=profile.personal_id or None,
            old_id_number=profile.old_id_number or None,
            full_name=profile.full_name,
            date_of_birth=profile.date_of_birth,
            birth_date_precision=profile.birth_date_precision or "day",
            sex=profile.sex or "",
            home_province=profile.hometown_province_code or "",
            source=source or "hồ sơ hiện có",
            source_date=source_date,
            profile_id=profile.pk,
            ref=profile.pk,
        )

    @classmethod
    def from_row(
        cls,
        row: Mapping[str, Any],
        *,
        source: str = "",
        source_date: date | None = None,
        ref: Any = None,
    ) -> PersonRecord:
        """From an import row keyed by Profile field names (``personal_id``,
        ``old_id_number``, ``full_name``, ``date_of_birth``, ``birth_date_precision``, ``sex``,
        ``hometown_province_code``). An ID of 9 digits given as ``personal_id`` is an old ID;
        an ID of any other length than 12 is ignored for matching."""
        pid = normalise_id(row.get("personal_id"))
        old = normalise_id(row.get("old_id_number"))
        if pid and len(pid) == 9 and not old:
            pid, old = None, pid
        if pid and len(pid) != 12:
            pid = None
        if old and len(old) != 9:
            old = None
        return cls(
            personal_id=pid,
            old_id_number=old,
            full_name=str(row.get("full_name") or ""),
            date_of_birth=_to_date(row.get("date_of_birth")),
            birth_date_precision=str(row.get("birth_date_precision") or "day"),
            sex=str(row.get("sex") or ""),
            home_province=str(row.get("hometown_province_code") or ""),
            source=source,
            source_date=source_date,
            ref=ref,
        )

    def label(self) -> str:
        ident = self.personal_id or self.old_id_number or "không có số định danh"
        return f"{self.full_name} ({ident})"


@dataclass(slots=True)
class MatchResult:
    kind: MatchKind
    profile_id: int | None = None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    rule: str = ""
    candidate: PersonRecord | None = None

    @property
    def is_certain(self) -> bool:
        return self.kind == MatchKind.CERTAIN

    @property
    def is_match(self) -> bool:
        return self.kind != MatchKind.NONE

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "profile_id": self.profile_id,
            "score": round(self.score, 1),
            "reasons": list(self.reasons),
            "rule": self.rule,
        }


def no_match() -> MatchResult:
    """A fresh "none" result (callers may annotate it)."""
    return MatchResult(MatchKind.NONE, reasons=["Không tìm thấy hồ sơ trùng."])


# -- comparisons ------------------------------------------------------------------------------
def compare_names(a: PersonRecord, b: PersonRecord) -> tuple[NameLevel, float]:
    if a.folded_name == b.folded_name:
        if a.display_name == b.display_name or not a.marked or not b.marked:
            return NameLevel.EXACT, 100.0
        return NameLevel.FOLDED, 95.0
    score = fuzz.ratio(a.folded_name, b.folded_name)
    if score >= CLOSE_NAME:
        return NameLevel.CLOSE, score
    # a family name written after the given name, an extra middle name …
    score = max(score, fuzz.token_sort_ratio(a.folded_name, b.folded_name))
    if score >= CLOSE_NAME:
        return NameLevel.CLOSE, score
    return (NameLevel.FAR if score >= WILD_NAME else NameLevel.WILD), score


def compare_dates(a: PersonRecord, b: PersonRecord) -> DateLevel:
    da, db = a.date_of_birth, b.date_of_birth
    if da is None or db is None:
        return DateLevel.UNKNOWN
    pa, pb = a.birth_date_precision or "day", b.birth_date_precision or "day"
    if pa == "day" and pb == "day":
        if da == db:
            return DateLevel.EXACT
        if da.year == db.year and da.day == db.month and da.month == db.day:
            return DateLevel.SWAPPED
        return DateLevel.DIFFERENT
    if da.year != db.year:
        return DateLevel.DIFFERENT
    if "year" in (pa, pb):
        return DateLevel.COMPATIBLE
    if da.month == db.month:
        return DateLevel.COMPATIBLE
    return DateLevel.DIFFERENT


def id_edit_kind(a: str, b: str) -> str | None:
    """ "substitution" / "transposition" when ``a`` and ``b`` (same length) are one edit apart."""
    if len(a) != len(b) or a == b:
        return None
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return "substitution"
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]:
        if a[diff[1]] == b[diff[0]]:
            return "transposition"
    return None


def id_neighbours(pid: str) -> Iterator[str]:
    """Every string one substitution or one adjacent transposition away from ``pid``."""
    for i, ch in enumerate(pid):
        head, tail = pid[:i], pid[i + 1 :]
        for d in _DIGITS:
            if d != ch:
                yield head + d + tail
    for i in range(len(pid) - 1):
        if pid[i] != pid[i + 1]:
            yield pid[:i] + pid[i + 1] + pid[i] + pid[i + 2 :]


_NAME_TEXT = {
    NameLevel.EXACT: "họ tên trùng khớp",
    NameLevel.FOLDED: "họ tên trùng khi bỏ dấu nhưng khác dấu",
    NameLevel.CLOSE: "họ tên gần giống (có thể gõ sai)",
    NameLevel.FAR: "họ tên khác nhau",
    NameLevel.WILD: "họ tên khác hẳn",
}
_DATE_TEXT = {
    DateLevel.EXACT: "ngày sinh trùng khớp",
    DateLevel.COMPATIBLE: "ngày sinh phù hợp (một bên chỉ có tháng/năm)",
    DateLevel.SWAPPED: "ngày sinh bị đảo ngày và tháng",
    DateLevel.DIFFERENT: "ngày sinh khác nhau",
    DateLevel.UNKNOWN: "thiếu ngày sinh",
}


def _cccd_agrees(pid: str, rec: PersonRecord, sex_parity: Mapping[str, int]) -> bool | None:
    """Whether a 12-digit ID's century/sex digit and birth year agree with ``rec``."""
    if rec.date_of_birth is None or len(pid) != 12 or not pid.isdigit():
        return None
    year = rec.date_of_birth.year
    if int(pid[4:6]) != year % 100:
        return False
    parity = sex_parity.get(rec.sex)
    if parity is None:
        return None
    return int(pid[3]) == (year // 100 - 19) * 2 + parity


def _ids_contradict(a: PersonRecord, b: PersonRecord) -> str | None:
    if a.personal_id and b.personal_id and a.personal_id != b.personal_id:
        # one edit apart is rule 2's business; anything further is another person
        if id_edit_kind(a.personal_id, b.personal_id) is None:
            return "số định danh cá nhân khác nhau"
    if a.old_id_number and b.old_id_number and a.old_id_number != b.old_id_number:
        if OSA.distance(a.old_id_number, b.old_id_number) > 1:
            return "số CMND cũ khác nhau"
    return None


# -- the index --------------------------------------------------------------------------------
class ProfileIndex:
    """Blocking dicts over many :class:`PersonRecord`; built once, matched many times.

    ``sex_parity`` maps sex codes to the CCCD parity (0 male, 1 female): it lets rule 3 check
    a 12-digit ID against the record's birth year and sex. :meth:`for_profiles` fills it from
    the "sex" code list.
    """

    def __init__(
        self,
        records: Iterable[PersonRecord] = (),
        sex_parity: Mapping[str, int] | None = None,
        *,
        certain_by_name: bool = True,
    ):
        #: False sends every pair found without an ID (rule 4) to review, for agencies that
        #: want no automatic merge on name + date of birth + sex + home province alone
        self.certain_by_name = certain_by_name
        self.records: list[PersonRecord] = []
        self.by_pid: dict[str, list[int]] = defaultdict(list)
        self.by_old: dict[str, list[int]] = defaultdict(list)
        self.by_name_dob: dict[tuple[str, date], list[int]] = defaultdict(list)
        self.by_dob_sex: dict[tuple[date, str], list[int]] = defaultdict(list)
        self.dob_sex_names: dict[tuple[date, str], list[str]] = defaultdict(list)
        # only the records whose date is known to the month or year
        self.by_name_year_rough: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.sex_parity: Mapping[str, int] = sex_parity or {}
        self.extend(records)

    def __len__(self) -> int:
        return len(self.records)

    def add(self, rec: PersonRecord) -> int:
        """Index one more record (e.g. a profile created during an import); its position."""
        self.extend((rec,))
        return len(self.records) - 1

    def extend(self, records: Iterable[PersonRecord]) -> None:
        """Index many records (one tight loop: local names, no per-record method call)."""
        recs = self.records
        by_pid, by_old = self.by_pid, self.by_old
        by_name_dob, by_dob_sex = self.by_name_dob, self.by_dob_sex
        dob_sex_names, rough = self.dob_sex_names, self.by_name_year_rough
        i = len(recs)
        for rec in records:
            recs.append(rec)
            if rec.personal_id:
                by_pid[rec.personal_id].append(i)
            if rec.old_id_number:
                by_old[rec.old_id_number].append(i)
            dob = rec.date_of_birth
            if dob is not None:
                if rec.birth_date_precision in _DAY:
                    by_name_dob[(rec.folded_name, dob)].append(i)
                    key = (dob, rec.sex)
                    by_dob_sex[key].append(i)
                    dob_sex_names[key].append(rec.folded_name)
                else:
                    rough[(rec.folded_name, dob.year)].append(i)
            i += 1

    @classmethod
    def for_profiles(cls, queryset: Any, *, certain_by_name: bool = True) -> ProfileIndex:
        """Index a Profile queryset (e.g. ``Profile.objects.filter(subtree_q(root, "unit"))``
        or :func:`profiles.services.visible_profiles`) reading only the needed columns."""
        from datetime import date as _date

        from . import codelists

        parity = {
            code: item.extra.get("cccd_parity")
            for code, item in codelists.items("sex", _date.today()).items()
            if item.extra.get("cccd_parity") is not None
        }
        rows = queryset.values_list("pk", *MATCH_FIELDS).order_by()
        index = cls(sex_parity=parity, certain_by_name=certain_by_name)
        index.extend(
            PersonRecord(
                personal_id=pid or None,
                old_id_number=old or None,
                full_name=name,
                date_of_birth=dob,
                birth_date_precision=prec or "day",
                sex=sex or "",
                home_province=home or "",
                source="hồ sơ hiện có",
                profile_id=pk,
                ref=pk,
            )
            for pk, pid, old, name, dob, prec, sex, home in rows.iterator(chunk_size=5000)
        )
        return index

    @classmethod
    def for_unit(cls, root: Any, *, certain_by_name: bool = True) -> ProfileIndex:
        """Index every profile in ``root``'s subtree."""
        from orgtree.tree import subtree_q

        from .models import Profile

        return cls.for_profiles(
            Profile.objects.filter(subtree_q(root, "unit")), certain_by_name=certain_by_name
        )

    # -- matching ---------------------------------------------------------------------------
    def candidates(self, rec: PersonRecord) -> dict[int, set[str]]:
        """Candidate record indexes and the blocks that found them.

        IDs one edit apart need no block of their own here: rule 2 only ever pairs records
        whose names are close and whose dates of birth agree (or are swapped), and every such
        record is in the name + date or date + sex blocks; the IDs are then compared pair by
        pair. :meth:`neighbours_by_id` searches the ID neighbourhood directly when a caller
        needs it (e.g. to explain why a new ID looks like a typo of an existing one)."""
        found: dict[int, set[str]] = defaultdict(set)
        exact_hit: set[str] = set()
        if rec.personal_id:
            for i in self.by_pid.get(rec.personal_id, ()):
                found[i].add("pid")
                exact_hit.add("pid")
        if rec.old_id_number:
            for i in self.by_old.get(rec.old_id_number, ()):
                found[i].add("old")
        dob = rec.date_of_birth
        if dob is not None:
            if rec.birth_date_precision in ("day", "", None):
                for i in self.by_name_dob.get((rec.folded_name, dob), ()):
                    found[i].add("name")
                dates = [dob]
                if dob.day <= 12 and dob.day != dob.month:
                    swapped = dob.replace(month=dob.day, day=dob.month)
                    dates.append(swapped)
                    for i in self.by_name_dob.get((rec.folded_name, swapped), ()):
                        found[i].add("name")
                # typos in the name: same date (or swapped) and sex, similar name
                # (one rapidfuzz call per block, in C); not needed after an exact ID hit
                for d in dates if "pid" not in exact_hit else ():
                    block = self.by_dob_sex.get((d, rec.sex))
                    if not block:
                        continue
                    names = self.dob_sex_names[(d, rec.sex)]
                    for _, _, k in process.extract(
                        rec.folded_name,
                        names,
                        scorer=fuzz.ratio,
                        processor=None,
                        score_cutoff=CLOSE_NAME,
                        limit=None,
                    ):
                        found[block[k]].add("fuzzy")
            # a date known only to the month/year meets every date of that year, and a full
            # date meets only the rough ones
            for i in self.by_name_year_rough.get((rec.folded_name, dob.year), ()):
                found[i].add("name")
            if rec.birth_date_precision not in ("day", "", None):
                day = date(dob.year, 1, 1)
                while day.year == dob.year:
                    for i in self.by_name_dob.get((rec.folded_name, day), ()):
                        found[i].add("name")
                    day += timedelta(days=1)
        return found

    def neighbours_by_id(self, personal_id: str) -> list[PersonRecord]:
        """Records whose personal ID is one substitution or adjacent transposition away
        (query-side neighbourhood: 119 dict look-ups, no index-side structure)."""
        return [self.records[i] for n in id_neighbours(personal_id) for i in self.by_pid.get(n, ())]

    def match(self, rec: PersonRecord, *, exclude: Any = None) -> MatchResult:
        """The best candidate for ``rec`` (or "none"), with the rule and the reasons."""
        found = self.candidates(rec)
        results: list[MatchResult] = []
        for i, blocks in found.items():
            other = self.records[i]
            if exclude is not None and other.ref == exclude:
                continue
            result = self.judge(rec, other, blocks)
            if result.kind != MatchKind.NONE:
                results.append(result)
        if not results:
            return no_match()
        results.sort(key=lambda r: (r.kind == MatchKind.CERTAIN, r.score), reverse=True)
        best = results[0]
        rivals = [
            r
            for r in results[1:]
            if r.candidate is not best.candidate
            and r.candidate is not None
            and best.candidate is not None
            and r.candidate.ref != best.candidate.ref
            and r.score >= best.score - 5
        ]
        if best.kind == MatchKind.CERTAIN and rivals and rivals[0].kind == MatchKind.CERTAIN:
            best.kind = MatchKind.UNCERTAIN
            best.reasons.append(
                f"Có {len(rivals) + 1} hồ sơ khớp như nhau: cần người xem xét để chọn."
            )
        return best

    def judge(
        self, rec: PersonRecord, other: PersonRecord, blocks: Iterable[str] = ()
    ) -> MatchResult:
        """Apply the rules to one pair."""
        name, name_score = compare_names(rec, other)
        dob = compare_dates(rec, other)
        same_sex = not rec.sex or not other.sex or rec.sex == other.sex
        facts = f"{_NAME_TEXT[name]}, {_DATE_TEXT[dob]}"
        name_same = name == NameLevel.EXACT
        name_ok = name in (NameLevel.EXACT, NameLevel.FOLDED, NameLevel.CLOSE)
        date_ok = dob in (DateLevel.EXACT, DateLevel.COMPATIBLE)

        def result(kind: MatchKind, score: float, rule: str, *reasons: str) -> MatchResult:
            return MatchResult(kind, other.profile_id, score, list(reasons), rule, other)

        pid_a, pid_b = rec.personal_id, other.personal_id
        # rule 1: the same personal ID
        if pid_a and pid_a == pid_b:
            reason = f"Trùng số định danh cá nhân {pid_a}; {facts}."
            if name != NameLevel.WILD and (dob != DateLevel.DIFFERENT or name_same):
                if dob == DateLevel.SWAPPED and not name_same:
                    return result(MatchKind.UNCERTAIN, 85, "pid", reason)
                return result(MatchKind.CERTAIN, 90 + name_score / 10, "pid", reason)
            return result(
                MatchKind.UNCERTAIN,
                60 + name_score / 10,
                "pid",
                reason,
                "Cùng số định danh nhưng họ tên hoặc ngày sinh khác: cần kiểm tra.",
            )
        contradiction = _ids_contradict(rec, other)
        # rule 2: personal IDs one edit apart
        if pid_a and pid_b:
            edit = id_edit_kind(pid_a, pid_b)
            if edit:
                how = "sai một chữ số" if edit == "substitution" else "đảo hai chữ số liền nhau"
                reason = f"Số định danh {pid_a} và {pid_b} {how}; {facts}."
                if name_same and dob == DateLevel.EXACT and same_sex:
                    return result(MatchKind.CERTAIN, 90, "pid1", reason)
                if name_ok and (date_ok or dob == DateLevel.SWAPPED):
                    return result(MatchKind.UNCERTAIN, 75 + name_score / 20, "pid1", reason)
                return no_match()
        # rule 3: old 9-digit ID
        old_a, old_b = rec.old_id_number, other.old_id_number
        if old_a and old_a == old_b:
            reason = f"Trùng số CMND cũ {old_a}; {facts}."
            if contradiction:
                return result(MatchKind.UNCERTAIN, 60, "old", reason, f"Nhưng {contradiction}.")
            if name_same and dob == DateLevel.EXACT:
                return result(MatchKind.CERTAIN, 92, "old", reason)
            if name_ok and (date_ok or dob == DateLevel.SWAPPED):
                return result(MatchKind.UNCERTAIN, 75 + name_score / 20, "old", reason)
            if name != NameLevel.WILD:
                return result(MatchKind.UNCERTAIN, 55, "old", reason)
            return no_match()
        if contradiction:
            return no_match()
        # rule 4: name + date of birth + sex + home province (and 9 vs 12 digits)
        if not name_ok or not same_sex:
            return no_match()
        if dob not in (DateLevel.EXACT, DateLevel.COMPATIBLE, DateLevel.SWAPPED):
            return no_match()
        reasons = [f"Không đối chiếu được số định danh; {facts}"]
        same_home = bool(rec.home_province) and rec.home_province == other.home_province
        if rec.sex and other.sex:
            reasons.append("cùng giới tính")
        if same_home:
            reasons.append("cùng tỉnh quê quán")
        elif rec.home_province and other.home_province:
            reasons.append("khác tỉnh quê quán")
        score = 50 + name_score / 5 + (10 if dob == DateLevel.EXACT else 0)
        score += 8 if same_home else 0
        # the 9-digit ID on one side, the 12-digit on the other: the CCCD's sex/century digit
        # and birth-year digits are checked against the other side's data
        cccd_ok: bool | None = None
        nine_vs_twelve = (old_a and not old_b and pid_b and not pid_a) or (
            old_b and not old_a and pid_a and not pid_b
        )
        if nine_vs_twelve:
            pid12 = pid_b or pid_a
            cccd_ok = _cccd_agrees(pid12, rec if pid_b else other, self.sex_parity)
            if cccd_ok is False:
                reasons.append(f"số CCCD {pid12} không khớp năm sinh/giới tính")
                score -= 15
            elif cccd_ok:
                reasons.append(
                    f"CMND 9 số một bên, CCCD 12 số {pid12} bên kia khớp năm sinh, giới tính"
                )
        exact_all = (
            name_same
            and dob == DateLevel.EXACT
            and rec.sex
            and rec.sex == other.sex
            and same_home
            and cccd_ok is not False
            and rec.birth_date_precision in ("day", "")
        )
        alone = len(self.by_name_dob.get((rec.folded_name, rec.date_of_birth), ())) <= 1
        if exact_all and alone and self.certain_by_name:
            # nobody else with this name and date of birth in the agency
            reasons.append("không có hồ sơ nào khác cùng họ tên và ngày sinh")
            return result(MatchKind.CERTAIN, min(score, 89), "name", "; ".join(reasons) + ".")
        if exact_all and not alone:
            reasons.append("nhưng có nhiều hồ sơ cùng họ tên và ngày sinh")
        return result(MatchKind.UNCERTAIN, min(score, 84), "name", "; ".join(reasons) + ".")


def match_within_batch(
    records: Iterable[PersonRecord], sex_parity: Mapping[str, int] | None = None
) -> list[tuple[int, int, MatchResult]]:
    """The same person twice among incoming rows (e.g. in two vendors' files).

    Returns ``(i, j, result)`` for each record ``j`` that matches an earlier record ``i``
    (positions in ``records``); ``result.candidate`` is record ``i``. Certain pairs can be
    combined before the commit, uncertain ones go to review.
    """
    index = ProfileIndex(sex_parity=sex_parity)
    pairs: list[tuple[int, int, MatchResult]] = []
    position: dict[int, int] = {}
    for j, rec in enumerate(records):
        result = index.match(rec)
        if result.is_match and result.candidate is not None:
            pairs.append((position[id(result.candidate)], j, result))
        position[id(rec)] = j
        index.add(rec)
    return pairs
