"""Generated exports of three old HR systems, for the acceptance scenario, tests and the demo.

The 2025 merger poured the systems of the old Phú Thọ, Vĩnh Phúc and Hòa Bình into the new
Tỉnh Phú Thọ. :func:`make_vendor_samples` writes one workbook per old province, each in the
style of a different vendor, and returns the **truth** the import must reproduce:

* ``phu_tho_unicode.xlsx`` (vendor A): Unicode, Vietnamese headers ("Họ và tên", "Ngày tháng năm
  sinh", "Số định danh cá nhân"…) on row 5 under a merged title, text dates ``dd/mm/yyyy``,
  "Nam"/"Nữ", full place names; child sheets "Quá trình công tác" and "Quá trình lương".
* ``vinh_phuc_tcvn3.xlsx`` (vendor B): TCVN3 text in ``.VnTime`` (title in the capital font
  ``.VnTimeH``), a two-row header with merged cells (a "Ngạch, bậc lương" group over its
  sub-columns), Excel serial dates, sex as 1/0, one "Số CMND/CCCD" column.
* ``hoa_binh_nfd.xlsx`` (vendor C): NFD text, unaccented upper-case headers ("HO TEN",
  "NGAY SINH", "SO CCCD"), abbreviated places ("TT. Hưng Hóa, H. Tam Nông, T. Phú Thọ"), ISO
  dates, ethnicity codes, old unit codes; a "QT CONG TAC" child sheet.

About 5 % of the people appear in two files with realistic noise between the copies (no
diacritics, a typo, the other tone-mark style, NFD, day and month swapped, no ID, the old
9-digit ID); about 2 % of the rows are bad (impossible date, ID of the wrong length, unknown
grade code, empty name). Files are imported in the order above; a copy whose *name or date* is
noisy comes first (the later, clean copy is the newest source), a copy whose *ID* is missing or
old comes later (it can only be matched to a profile that exists).

Everything is read from the shipped data files (code lists, the 2025-01-04 commune list, the
tree of :mod:`orgtree.scenarios`), so generating needs no database. Deterministic by seed.
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from orgtree.scenarios import NEW_DEPARTMENTS, NEW_PROVINCE_CODE, OLD_DEPARTMENTS
from orgtree.text import clean
from profiles import codelists
from profiles.synthetic import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES

from .legacy_text import Encoding, from_unicode, to_unicode

__all__ = [
    "BadRow",
    "SampleFile",
    "SharedPerson",
    "TruthPerson",
    "VendorSamples",
    "make_vendor_samples",
]

WARDS_FILE = (
    Path(__file__).resolve().parents[1]
    / "orgtree"
    / "data"
    / "adminunits"
    / "legacy-wards-2025-01-04.csv"
)
NEW_PROVINCE_GSO = "25"  # the new Tỉnh Phú Thọ in the GSO list in force from 1/7/2025
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Vendor:
    style: str  # unicode, tcvn3, nfd
    file_name: str
    province_key: str
    province_name: str
    unit_number: str  # H44 … of orgtree.scenarios.OLD_PROVINCES
    gso_code: str  # old GSO province code
    cccd_code: str  # the 3 first digits of a personal ID registered there


VENDORS = (
    Vendor("unicode", "phu_tho_unicode.xlsx", "phu_tho", "Phú Thọ", "H44", "25", "025"),
    Vendor("tcvn3", "vinh_phuc_tcvn3.xlsx", "vinh_phuc", "Vĩnh Phúc", "H62", "26", "026"),
    Vendor("nfd", "hoa_binh_nfd.xlsx", "hoa_binh", "Hòa Bình", "H29", "17", "017"),
)
NOISES = ("no_diacritics", "typo", "tone_style", "nfd", "day_month_swap", "missing_id", "old_id")
ID_NOISES = ("missing_id", "old_id")
BAD_KINDS = ("date", "id", "grade", "name")
_ENCODING = {"tcvn3": Encoding.TCVN3}


# -- the truth ------------------------------------------------------------------------------------
@dataclass
class TruthPerson:
    personal_id: str
    full_name: str  # NFC, traditional tone style: what the profile must hold
    sex: str  # code of the "sex" list
    date_of_birth: str  # ISO
    old_id_number: str
    hometown: str  # NFC, full form
    expected_province_code: str  # GSO code of the province the places must resolve to
    old_unit_code: str
    expected_unit_code: str  # the unit of today's tree the old unit became
    file: str
    sheet: str
    row: int


@dataclass
class SharedPerson:
    personal_id: str
    noise: str
    clean_file: str
    clean_row: int
    noisy_file: str
    noisy_row: int
    noisy_name: str  # as written (after decoding the file's encoding)


@dataclass
class BadRow:
    file: str
    sheet: str
    row: int
    column: str  # the header as the file writes it (decoded to Unicode)
    kind: str  # date, id, grade, name
    value: str
    reason: str
    personal_id: str = ""  # the person's true ID
    #: "error": the row is refused (no usable ID or name); "warning": the person imports and
    #: the bad value is reported and kept as written
    outcome: str = "error"


#: spoiled fields that do not identify the person: the row still imports, with a warning
SOFT_BAD_KINDS = ("date", "grade")


@dataclass
class SampleFile:
    path: Path
    style: str
    province: str
    main_sheet: str
    header_row: int  # the last header row (data start on the next one)
    rows: int  # data rows on the main sheet
    csv_path: Path | None = None  # the main sheet as CSV (UTF-8), same row numbers


@dataclass
class VendorSamples:
    directory: Path
    files: list[SampleFile] = field(default_factory=list)
    people: dict[str, TruthPerson] = field(default_factory=dict)  # good people by personal ID
    shared: list[SharedPerson] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    def expected_names(self) -> dict[str, str]:
        return {pid: p.full_name for pid, p in self.people.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [
                {**asdict(f), "path": str(f.path), "csv_path": str(f.csv_path or "")}
                for f in self.files
            ],
            "people": {pid: asdict(p) for pid, p in self.people.items()},
            "shared": [asdict(s) for s in self.shared],
            "bad_rows": [asdict(b) for b in self.bad_rows],
        }

    def write_truth(self, path: Path | None = None) -> Path:
        path = path or self.directory / "truth.json"
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=1), "utf-8")
        return path


# -- people ---------------------------------------------------------------------------------------
@dataclass
class _Work:
    start: date
    end: date | None
    unit_code: str
    unit_name: str
    description: str


@dataclass
class _Salary:
    effective: date
    scale: str
    grade: str
    step: int
    coefficient: Decimal


@dataclass
class _Person:
    vendor: Vendor
    personal_id: str
    old_id: str
    name: str
    sex: str  # "1"/"2"
    dob: date
    hometown: tuple[str, str, str]  # commune, district, province (full names, NFC)
    ethnicity: str
    unit_key: str
    unit_code: str
    unit_name: str
    work: list[_Work]
    salary: list[_Salary]


def _load_codes(key: str) -> dict[str, Any]:
    for path in codelists.DATA_DIR.iterdir():
        if path.stem == key:
            return {i["code"]: i for i in codelists.parse_file(path).items}
    raise FileNotFoundError(key)


def _load_wards(gso_codes: set[str]) -> dict[str, list[tuple[str, str, str]]]:
    wards: dict[str, list[tuple[str, str, str]]] = {c: [] for c in gso_codes}
    with WARDS_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["Mã TP"] in gso_codes:
                wards[row["Mã TP"]].append(
                    (
                        clean(row["Phường Xã"]),
                        clean(row["Quận Huyện"]),
                        clean(row["Tỉnh Thành Phố"]),
                    )
                )
    return wards


_NEW_DEPT_OF_OLD = {
    old: f"{NEW_PROVINCE_CODE}.{num:02d}" for _, _, num, olds in NEW_DEPARTMENTS for old in olds
}


class _People:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.grades = _load_codes("grade")
        self.scales = _load_codes("salary-scale")
        self.civil = [
            c for c in ("01.003", "01.003", "01.003", "01.002", "01.004") if c in self.grades
        ]
        self.wards = _load_wards({v.gso_code for v in VENDORS})
        self.used: set[str] = set()
        self.family = list(FAMILY_NAMES)
        self.weights = list(FAMILY_NAMES.values())

    def _date(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def person(self, vendor: Vendor) -> _Person:
        rng = self.rng
        parity = rng.randint(0, 1)
        sex_key = "female" if parity else "male"
        dob = self._date(date(1966, 1, 1), date(2000, 12, 31))
        while True:
            digit = (dob.year // 100 - 19) * 2 + parity
            pid = f"{vendor.cccd_code}{digit}{dob.year % 100:02d}{rng.randint(0, 999999):06d}"
            old = f"{rng.randint(10**8, 10**9 - 1)}"
            if pid not in self.used and old not in self.used:
                self.used.update((pid, old))
                break
        name = (
            f"{rng.choices(self.family, self.weights)[0]} {rng.choice(MIDDLE_NAMES[sex_key])} "
            f"{rng.choice(GIVEN_NAMES[sex_key])}"
        )
        hometown = rng.choice(self.wards[vendor.gso_code])
        ethnicity = "06" if vendor.province_key == "hoa_binh" and rng.random() < 0.5 else "01"
        if rng.random() < 0.05:
            ethnicity = rng.choice(["02", "03", "09"])
        depts = [(k, n, num) for k, n, num, _ in OLD_DEPARTMENTS]
        key, dname, dnum = rng.choice(depts)
        unit_code = f"000.00.{dnum:02d}.{vendor.unit_number}"
        unit_name = f"{dname} tỉnh {vendor.province_name}"
        start = self._date(date(dob.year + 22, 1, 1), date(dob.year + 26, 12, 31))
        start = min(start, self.today - timedelta(days=400))
        work = []
        if rng.random() < 0.5:
            _, n2, num2 = rng.choice(depts)
            middle = self._date(start + timedelta(days=365), self.today - timedelta(days=200))
            work.append(
                _Work(start, middle - timedelta(days=1), f"000.00.{num2:02d}.{vendor.unit_number}",
                      f"{n2} tỉnh {vendor.province_name}", "Chuyên viên")
            )  # fmt: skip
            start_last = middle
        else:
            start_last = start
        work.append(_Work(start_last, None, unit_code, unit_name, "Chuyên viên"))
        grade = rng.choice(self.civil)
        scale = self.scales[self.grades[grade]["extra"]["scale"]]
        first, gap = Decimal(scale["extra"]["first"]), Decimal(scale["extra"]["step"])
        steps = int(scale["extra"]["steps"])
        years = (self.today - start).days // 365
        salary = [
            _Salary(
                start + timedelta(days=365 * 3 * n), scale["code"], grade, n + 1, first + n * gap
            )
            for n in range(min(years // 3, steps - 1) + 1)
        ]
        old_id = old if dob.year < 1995 or rng.random() < 0.3 else ""
        sex = "2" if parity else "1"
        return _Person(
            vendor, pid, old_id, name, sex, dob, hometown, ethnicity, key, unit_code, unit_name,
            work, salary,
        )  # fmt: skip


# -- noise ---------------------------------------------------------------------------------------
def _strip_marks(text: str) -> str:
    return from_unicode(text, Encoding.ASCII)


def _typo(name: str, rng: random.Random) -> str:
    words = name.split(" ")
    given = words[-1]
    if len(given) >= 3:
        i = rng.randint(1, len(given) - 2)
        given = given[:i] + given[i + 1] + given[i] + given[i + 2 :]  # swap two letters
    else:
        given = given + given[-1]
    return " ".join([*words[:-1], given])


def _new_tone_style(name: str) -> str:
    """ "Hòa" → "Hoà", "Thúy" → "Thuý": the tone mark on the second vowel."""
    out = []
    for word in name.split(" "):
        d = unicodedata.normalize("NFD", word)
        for a, b in (("o", "a"), ("o", "e"), ("u", "y")):
            for tone in "\u0300\u0301\u0303\u0309\u0323":
                if d.lower().endswith(a + tone + b):
                    d = d[:-3] + d[-3] + d[-1] + tone
        out.append(unicodedata.normalize("NFC", d))
    return " ".join(out)


# -- cells per style -------------------------------------------------------------------------------
def _text(style: str, text: str) -> str:
    if style == "tcvn3":
        return from_unicode(text, Encoding.TCVN3)
    if style == "nfd":
        return unicodedata.normalize("NFD", text)
    return text


def _date_cell(style: str, value: date) -> Any:
    if style == "tcvn3":
        return (value - EXCEL_EPOCH).days
    if style == "nfd":
        return value.isoformat()
    return value.strftime("%d/%m/%Y")


def _sex_cell(style: str, sex: str) -> Any:
    if style == "tcvn3":
        return 1 if sex == "1" else 0
    return _text(style, "Nam" if sex == "1" else "Nữ")


_ABBREVIATIONS = (
    ("Thị trấn ", "TT. "), ("Xã ", "X. "), ("Phường ", "P. "),
    ("Huyện ", "H. "), ("Thành phố ", "TP "), ("Thị xã ", "TX. "), ("Tỉnh ", "T. "),
)  # fmt: skip


def _place(style: str, parts: tuple[str, str, str], rng: random.Random) -> str:
    commune, district, province = parts
    if style != "nfd":
        return _text(style, f"{commune}, {district}, {province}")
    short = []
    for part in (commune, district, province):
        for long, abbr in _ABBREVIATIONS:
            if part.startswith(long):
                part = abbr + part[len(long) :]
                break
        short.append(part)
    if short[1].startswith("TP ") and rng.random() < 0.5:
        short = short[:2]  # "P. Tân Dân, TP Việt Trì": the city says the province
    return _text(style, ", ".join(short))


# -- layouts -------------------------------------------------------------------------------------
# field → header per style (Unicode; the TCVN3 file writes them encoded)
HEADERS: dict[str, dict[str, str]] = {
    "unicode": {
        "stt": "STT", "name": "Họ và tên", "dob": "Ngày tháng năm sinh", "sex": "Giới tính",
        "pid": "Số định danh cá nhân", "old_id": "Số CMND", "ethnicity": "Dân tộc",
        "hometown": "Quê quán", "birthplace": "Nơi sinh", "unit": "Đơn vị", "grade": "Mã ngạch",
        "scale": "Mã bảng lương", "step": "Bậc", "coefficient": "Hệ số lương",
        "salary_since": "Ngày hưởng lương",
    },
    "tcvn3": {
        "stt": "STT", "name": "Họ và tên", "dob": "Ngày sinh", "sex": "Giới tính",
        "pid": "Số CMND/CCCD", "ethnicity": "Dân tộc", "hometown": "Quê quán",
        "unit": "Đơn vị", "grade": "Mã ngạch", "step": "Bậc", "coefficient": "Hệ số",
        "salary_since": "Ngày hưởng",
    },
    "nfd": {
        "stt": "STT", "name": "HO TEN", "dob": "NGAY SINH", "sex": "GIOI TINH",
        "pid": "SO CCCD", "old_id": "SO CMND", "ethnicity": "DAN TOC", "hometown": "QUE QUAN",
        "birthplace": "NOI SINH", "unit": "MA DON VI", "grade": "MA NGACH", "step": "BAC",
        "coefficient": "HE SO LUONG", "salary_since": "NGAY HUONG LUONG",
    },
}  # fmt: skip
ETHNICITY_NAMES = {"01": "Kinh", "02": "Tày", "03": "Thái", "06": "Mường", "09": "Dao"}


def _row_values(p: _Person, style: str, stt: int, rng: random.Random) -> dict[str, Any]:
    current = p.salary[-1]
    values: dict[str, Any] = {
        "stt": stt,
        "name": _text(style, p.name),
        "dob": _date_cell(style, p.dob),
        "sex": _sex_cell(style, p.sex),
        "pid": p.personal_id,
        "old_id": p.old_id,
        "ethnicity": p.ethnicity if style == "nfd" else _text(style, ETHNICITY_NAMES[p.ethnicity]),
        "hometown": _place(style, p.hometown, rng),
        "birthplace": _text(style, p.hometown[2]),
        "unit": p.unit_code if style == "nfd" else _text(style, p.unit_name),
        "grade": current.grade,
        "scale": current.scale,
        "step": current.step,
        "coefficient": float(current.coefficient),
        "salary_since": _date_cell(style, current.effective),
    }
    return values


@dataclass
class _Entry:
    person: _Person
    noise: str = ""  # for a noisy copy
    bad: str = ""  # for a bad row
    shared_as: str = ""  # "clean" or "noisy" for shared people
    written_name: str = ""  # a noisy copy's name as written, decoded


def _apply_noise(values: dict[str, Any], entry: _Entry, style: str, rng: random.Random) -> None:
    p = entry.person
    noise = entry.noise
    if noise == "no_diacritics":
        values["name"] = _strip_marks(p.name)
    elif noise == "typo":
        values["name"] = _text(style, _typo(p.name, rng))
    elif noise == "tone_style":
        values["name"] = _text(style, _new_tone_style(p.name))
    elif noise == "nfd":
        values["name"] = unicodedata.normalize("NFD", p.name)  # pasted Unicode, whatever the file
    elif noise == "day_month_swap":
        values["dob"] = _date_cell(style, date(p.dob.year, p.dob.day, p.dob.month))
    elif noise == "missing_id":
        values["pid"] = ""
    elif noise == "old_id":
        values["pid"] = p.old_id
        values["old_id"] = ""


def _apply_bad(values: dict[str, Any], entry: _Entry, style: str) -> tuple[str, str, str]:
    """Spoil one field; return (field, original value, reason)."""
    p = entry.person
    if entry.bad == "date":
        text = {"unicode": f"31/02/{p.dob.year}", "tcvn3": f"30/02/{p.dob.year}"}.get(
            style, f"{p.dob.year}-13-05"
        )
        values["dob"] = text
        return "dob", text, "ngày không tồn tại"
    if entry.bad == "id":
        bad = p.personal_id[:-1] if style != "tcvn3" else p.personal_id + "7"
        values["pid"] = bad
        return "pid", bad, "số định danh không đủ/quá 12 chữ số"
    if entry.bad == "grade":
        values["grade"] = "99.999"
        return "grade", "99.999", "mã ngạch không có trong danh mục"
    values["name"] = ""
    return "name", "", "thiếu họ tên"


def make_vendor_samples(
    out_dir: Path | str,
    people_per_file: int = 100,
    *,
    seed: int = 2025,
    shared_share: float = 0.05,
    bad_share: float = 0.02,
    today: date | None = None,
    csv_copies: bool = False,
) -> VendorSamples:
    """Write the three workbooks (and ``truth.json``) into ``out_dir``; return the truth.

    ``csv_copies`` also writes each main sheet as ``<name>.csv`` (UTF-8 with BOM, as Excel's
    "CSV UTF-8" saves it: title rows kept, so the row numbers of the truth hold; serial dates
    become digit strings)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    today = today or date(2025, 6, 15)  # the exports were taken before the merger
    gen = _People(rng, today)
    entries: list[list[_Entry]] = [
        [_Entry(gen.person(v)) for _ in range(people_per_file)] for v in VENDORS
    ]
    samples = VendorSamples(directory=out)
    # shared people: a copy in another file, one noise each
    n_shared = max(3, round(shared_share * people_per_file * len(VENDORS)))
    pairs = [(0, 1), (0, 2), (1, 2)]
    plans: list[tuple[_Person, str, int, int]] = []  # person, noise, clean file, noisy file
    cursor = [0, 0, 0]
    for k in range(n_shared):
        noise = NOISES[k % len(NOISES)]
        if noise == "old_id":
            first, second = pairs[k % 2]  # the clean copy must carry the old ID: file A
        else:
            first, second = pairs[k % 3]
        clean_file, noisy_file = (first, second) if noise in ID_NOISES else (second, first)
        # the next person of the clean file not shared yet (none left: fewer shared people)
        pool = entries[clean_file]
        free = [
            e for e in pool[cursor[clean_file] :] + pool[: cursor[clean_file]] if not e.shared_as
        ]
        if not free:
            continue
        entry = free[0]
        cursor[clean_file] = pool.index(entry) + 1
        p = entry.person
        if noise == "day_month_swap" and not (p.dob.day <= 12 and p.dob.day != p.dob.month):
            # a day that can pass for a month (the ID holds only the year: it stays right)
            day = p.dob.day if p.dob.day <= 12 else p.dob.day % 12 + 1
            p.dob = p.dob.replace(day=day if day != p.dob.month else day % 12 + 1)
        if noise == "old_id" and not p.old_id:
            p.old_id = f"{rng.randint(10**8, 10**9 - 1)}"
        if noise == "tone_style":
            p.name = " ".join([*p.name.split(" ")[:-1], rng.choice(["Hòa", "Thúy", "Thủy"])])
        entry.shared_as = "clean"
        entries[noisy_file].append(_Entry(p, noise=noise, shared_as="noisy"))
        plans.append((p, noise, clean_file, noisy_file))
    # bad rows: extra people, one defect each
    n_bad = max(1, round(bad_share * people_per_file))
    for i, vendor in enumerate(VENDORS):
        for b in range(n_bad):  # the kinds rotate over the files: all four from 2 per file
            kind = BAD_KINDS[(b + n_bad * i) % len(BAD_KINDS)]
            entries[i].append(_Entry(gen.person(vendor), bad=kind))
        rng.shuffle(entries[i])
    rows_of: dict[tuple[int, int], int] = {}  # (file, id(entry)) → row
    for i, vendor in enumerate(VENDORS):
        sample, placed = _write_workbook(out, vendor, entries[i], rng, samples)
        samples.files.append(sample)
        for entry, row in placed:
            rows_of[(i, id(entry))] = row
            if entry.bad or entry.noise:
                continue
            p = entry.person
            samples.people[p.personal_id] = TruthPerson(
                personal_id=p.personal_id,
                full_name=clean(p.name),
                sex=p.sex,
                date_of_birth=p.dob.isoformat(),
                old_id_number=p.old_id,
                hometown=", ".join(p.hometown),
                expected_province_code=NEW_PROVINCE_GSO,
                old_unit_code=p.unit_code,
                expected_unit_code=_NEW_DEPT_OF_OLD[p.unit_key],
                file=sample.path.name,
                sheet=sample.main_sheet,
                row=row,
            )
    for i, file_entries in enumerate(entries):
        for entry in file_entries:
            if entry.shared_as != "noisy":
                continue
            p = entry.person
            _, noise, clean_file, noisy_file = next(x for x in plans if x[0] is p)
            clean_entry = next(e for e in entries[clean_file] if e.person is p)
            samples.shared.append(
                SharedPerson(
                    personal_id=p.personal_id,
                    noise=noise,
                    clean_file=VENDORS[clean_file].file_name,
                    clean_row=rows_of[(clean_file, id(clean_entry))],
                    noisy_file=VENDORS[noisy_file].file_name,
                    noisy_row=rows_of[(i, id(entry))],
                    noisy_name=entry.written_name,
                )
            )
    samples.shared.sort(key=lambda s: (s.noisy_file, s.noisy_row))
    if csv_copies:
        for sample in samples.files:
            sample.csv_path = _write_csv(sample)
    samples.write_truth()
    return samples


def _write_workbook(
    out: Path, vendor: Vendor, entries: list[_Entry], rng: random.Random, samples: VendorSamples
) -> tuple[SampleFile, list[tuple[_Entry, int]]]:
    style = vendor.style
    headers = HEADERS[style]
    fields = list(headers)
    wb = Workbook()
    ws = wb.active
    placed: list[tuple[_Entry, int]] = []
    legacy_font = Font(name=".VnTime", size=12)
    if style == "unicode":
        ws.title = "Danh sách"
        last = len(fields)
        ws.cell(1, 1, f"ỦY BAN NHÂN DÂN TỈNH {vendor.province_name.upper()}")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
        ws.cell(2, 1, "DANH SÁCH CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
        ws.cell(3, 1, "(Kèm theo Báo cáo số 123/BC-SNV ngày 15/6/2025)")
        ws.cell(1, 1).font = ws.cell(2, 1).font = Font(bold=True, size=14)
        ws.cell(1, 1).alignment = ws.cell(2, 1).alignment = Alignment(horizontal="center")
        header_row = 5
        for c, f in enumerate(fields, start=1):
            ws.cell(header_row, c, headers[f]).font = Font(bold=True)
    elif style == "tcvn3":
        ws.title = "DS"
        # the title typed in the capital font .VnTimeH: lower-case codes drawn as capitals
        title = ws.cell(
            1, 1, from_unicode("danh sách cán bộ công chức tỉnh vĩnh phúc", Encoding.TCVN3)
        )
        title.font = Font(name=".VnTimeH", size=14, bold=True)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(fields))
        header_row = 4
        group = ("grade", "step", "coefficient", "salary_since")
        for c, f in enumerate(fields, start=1):
            if f in group:
                ws.cell(4, c, from_unicode(headers[f], Encoding.TCVN3)).font = legacy_font
            else:
                ws.cell(3, c, from_unicode(headers[f], Encoding.TCVN3)).font = legacy_font
                ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
        first = fields.index("grade") + 1
        ws.cell(3, first, from_unicode("Ngạch, bậc lương", Encoding.TCVN3)).font = legacy_font
        ws.merge_cells(
            start_row=3, start_column=first, end_row=3, end_column=first + len(group) - 1
        )
    else:
        ws.title = "CBCC"
        header_row = 1
        for c, f in enumerate(fields, start=1):
            ws.cell(1, c, headers[f])
    row = header_row
    work_rows: list[list[Any]] = []
    salary_rows: list[list[Any]] = []
    for stt, entry in enumerate(entries, start=1):
        row += 1
        values = _row_values(entry.person, style, stt, rng)
        if entry.noise:
            _apply_noise(values, entry, style, rng)
            entry.written_name = to_unicode(values["name"], prefer=_ENCODING.get(style))
        if entry.bad:
            f, value, reason = _apply_bad(values, entry, style)
            samples.bad_rows.append(
                BadRow(vendor.file_name, ws.title, row, headers[f], kind=entry.bad,
                       value=str(value), reason=reason, personal_id=entry.person.personal_id,
                       outcome="warning" if entry.bad in SOFT_BAD_KINDS else "error")
            )  # fmt: skip
        for c, f in enumerate(fields, start=1):
            cell = ws.cell(row, c, values[f] if values[f] != "" else None)
            if style == "tcvn3" and isinstance(values[f], str):
                cell.font = legacy_font
        placed.append((entry, row))
        if entry.bad or entry.noise:
            continue
        p = entry.person
        for w in p.work:
            if style == "unicode":
                work_rows.append([p.personal_id, p.name, w.start.strftime("%d/%m/%Y"),
                                  w.end.strftime("%d/%m/%Y") if w.end else None, w.unit_code,
                                  w.unit_name, w.description])  # fmt: skip
            elif style == "nfd":
                work_rows.append([p.personal_id, w.start.isoformat(),
                                  w.end.isoformat() if w.end else None, w.unit_code,
                                  unicodedata.normalize("NFD", w.description)])  # fmt: skip
        if style == "unicode":
            for s in p.salary:
                salary_rows.append([p.personal_id, s.effective.strftime("%d/%m/%Y"), s.scale,
                                    s.grade, s.step, float(s.coefficient)])  # fmt: skip
    if style == "unicode":
        ws2 = wb.create_sheet("Quá trình công tác")
        ws2.append(["Số định danh cá nhân", "Họ và tên", "Từ ngày", "Đến ngày", "Mã đơn vị",
                    "Đơn vị", "Công việc"])  # fmt: skip
        for r in work_rows:
            ws2.append(r)
        ws3 = wb.create_sheet("Quá trình lương")
        ws3.append(["Số định danh cá nhân", "Ngày hưởng", "Mã bảng lương", "Mã ngạch", "Bậc",
                    "Hệ số lương"])  # fmt: skip
        for r in salary_rows:
            ws3.append(r)
    elif style == "nfd":
        ws2 = wb.create_sheet("QT CONG TAC")
        ws2.append(["SO CCCD", "TU NGAY", "DEN NGAY", "MA DON VI", "CONG VIEC"])
        for r in work_rows:
            ws2.append(r)
    path = out / vendor.file_name
    wb.save(path)
    return (
        SampleFile(path, style, vendor.province_name, ws.title, header_row, len(entries)),
        placed,
    )


def _write_csv(sample: SampleFile) -> Path:
    from openpyxl import load_workbook

    path = sample.path.with_suffix(".csv")
    ws = load_workbook(sample.path, read_only=True)[sample.main_sheet]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        for row in ws.iter_rows(values_only=True):
            writer.writerow(["" if v is None else v for v in row])
    return path
