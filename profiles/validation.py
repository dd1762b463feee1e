"""Validation: "đúng – đủ – sạch – sống" (correct – complete – clean – live).

Every rule is a function ``rule(record, ctx)`` yielding :class:`Issue` objects. A *record* is
plain data (one profile's values and its child rows as dicts, see :func:`load_records`), so
that bulk validation loads 300,000 profiles chunk by chunk with one query per table per chunk,
and the per-profile check on save runs exactly the same rules.

Findings are stored in :class:`~profiles.models.Finding` (replaced on each run) with the counts
and the completeness score denormalised onto the profile for filtering.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from orgtree.reform import UnitCodes, codes_in_force
from orgtree.text import clean, title_case

from . import bulkio, codelists, document
from .fixed_labels import field_label, row_label  # stored messages: Vietnamese in any language
from .models import CHILD_MODELS, Finding, Membership, Profile, Training
from .schema_rules import UNIT_CODES, schema_findings

ERROR = Finding.Severity.ERROR
WARNING = Finding.Severity.WARNING
DUNG, DU, SACH, SONG = "đúng", "đủ", "sạch", "sống"


@dataclass(frozen=True)
class Issue:
    severity: str
    principle: str
    code: str
    field: str
    message: str
    related_profile_id: int | None = None


Record = dict[str, Any]

PROFILE_VALUES = (
    "id",
    "personal_id",
    "old_id_number",
    "full_name",
    "folded_name",
    "other_names",
    "sex",
    "date_of_birth",
    "birth_date_precision",
    "birth_registration_province",
    "birthplace_text",
    "birthplace_province_code",
    "birthplace_needs_review",
    "hometown_text",
    "hometown_province_code",
    "hometown_needs_review",
    "ethnicity",
    "religion",
    "permanent_residence",
    "current_residence",
    "social_origin",
    "last_verified_at",
    "unit__tree_id",
    # for the reform rule (codes and unit no longer in force)
    "birthplace_commune_code",
    "hometown_commune_code",
    "permanent_residence_province_code",
    "permanent_residence_commune_code",
    "current_residence_province_code",
    "current_residence_commune_code",
    "unit_id",
    "unit__name",
    "unit__status",
    "unit__valid_to",
)
# Group 9 is loaded only when it is signed (for the schema's checks, see validated_children).
VALIDATED_CHILDREN = [name for name in CHILD_MODELS if name != "asset_declarations"]


def validated_children() -> list[str]:
    """The child tables loaded for validation: group 9 too when the signed document carries it
    (``settings.CBCCVC_SIGN_ASSETS_INCOME``), so that the schema's checks cover it."""
    if document.assets_included_by_default():
        return [*VALIDATED_CHILDREN, "asset_declarations"]
    return VALIDATED_CHILDREN


@lru_cache(maxsize=1)
def profile_values() -> tuple[str, ...]:
    """:data:`PROFILE_VALUES` and every other field the signed document carries (the schema's
    checks read them all)."""
    keys = [f.key for g in document.groups() for f in g.fields]
    return PROFILE_VALUES + tuple(k for k in keys if k not in PROFILE_VALUES)


def load_records(profiles: QuerySet[Profile]) -> list[Record]:
    """One dict per profile with its child rows under the related names (one query per table),
    and the identifier codes of the units they name (one query) under ``"unit_codes"``."""
    records = {row["id"]: row for row in profiles.values(*profile_values())}
    unit_ids = {row["unit_id"] for row in records.values()}
    for name in validated_children():
        for row in records.values():
            row[name] = []
        model = CHILD_MODELS[name]
        rows = model.objects.filter(profile_id__in_array=list(records))
        for child in rows.values().order_by("id"):
            records[child["profile_id"]][name].append(child)
            unit_ids.add(child.get("unit_id"))
    unit_ids.discard(None)
    from orgtree.models import Unit

    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "code")) if unit_ids else {}
    for row in records.values():
        row[UNIT_CODES] = units
    return list(records.values())


@dataclass
class Context:
    today: date
    codes: dict[str, dict[str, Any]]
    duplicates: dict[tuple, list[int]] = field(default_factory=dict)
    verify_max_age: timedelta = timedelta(days=365)
    _unit_codes: Any = field(default=None, repr=False)
    _unit_successors: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def unit_codes(self) -> UnitCodes | None:
        """The administrative-unit codes in force on ``today`` (loaded on first use)."""
        if self._unit_codes is None:
            self._unit_codes = codes_in_force(self.today) or False
        return self._unit_codes or None

    def unit_successors(self, unit_id: int) -> list[str]:
        """ "Name [code]" of the units a closed unit went to (cached per unit)."""
        if unit_id not in self._unit_successors:
            from orgtree.models import Unit
            from orgtree.tree import successors

            unit = Unit.objects.get(pk=unit_id)
            self._unit_successors[unit_id] = [
                f"{u.name} [{u.code}]" for u in successors(unit) if u.pk != unit_id
            ]
        return self._unit_successors[unit_id]

    def item(self, list_key: str, code: str) -> Any:
        return self.codes.get(list_key, {}).get(code)

    def known(self, list_key: str, code: str) -> bool:
        return code in self.codes.get(list_key, {})


CODE_LISTS = (
    "sex",
    "ethnicity",
    "religion",
    "cccd-province",
    "position",
    "title",
    "grade",
    "salary-scale",
    "education-level",
    "political-theory",
    "state-management",
    "commendation-kind",
    "discipline-kind",
    "relationship",
    "quality-rating",
)


def build_context(today: date | None = None) -> Context:
    today = today or timezone.localdate()
    return Context(
        today=today,
        codes={key: codelists.items(key, today) for key in CODE_LISTS},
        verify_max_age=timedelta(days=settings.CBCCVC_VERIFY_MAX_AGE_DAYS),
    )


def duplicate_key(row: Record) -> tuple:
    return (row["unit__tree_id"], row["folded_name"], row["date_of_birth"], row["sex"])


def find_duplicates(profiles: QuerySet[Profile] | None = None) -> dict[tuple, list[int]]:
    """Groups of profiles in one agency tree with the same folded name, birth date and sex.

    Set-based: one grouping query, then one query per 500 groups for their members.
    ``profiles`` limits the groups to those touching these profiles.
    """
    base = Profile.objects.all()
    keys = base.values("unit__tree_id", "folded_name", "date_of_birth", "sex")
    if profiles is not None:
        touched = profiles.values_list("folded_name", flat=True)
        keys = keys.filter(folded_name__in=touched)
    groups = {
        (g["unit__tree_id"], g["folded_name"], g["date_of_birth"], g["sex"])
        for g in keys.annotate(n=Count("id")).filter(n__gt=1)
    }
    out: dict[tuple, list[int]] = defaultdict(list)
    ordered = sorted(groups, key=lambda k: (k[1], k[2]))
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        members = base.filter(
            folded_name__in={k[1] for k in chunk}, date_of_birth__in={k[2] for k in chunk}
        ).values("id", "unit__tree_id", "folded_name", "date_of_birth", "sex")
        for row in members:
            key = duplicate_key(row)
            if key in groups:
                out[key].append(row["id"])
    return dict(out)


# -- rules: đúng (correct) ----------------------------------------------------------------------
def rule_personal_id(rec: Record, ctx: Context) -> Iterator[Issue]:
    pid = rec["personal_id"] or ""
    f = "personal_id"
    if len(pid) != 12 or not (pid.isascii() and pid.isdigit()):
        text = f"Số định danh cá nhân “{pid}” phải gồm đúng 12 chữ số."
        if len(pid) == 9 and pid.isascii() and pid.isdigit():
            text += " Số 9 chữ số giống số CMND cũ: ghi vào ô số CMND cũ."
        yield Issue(ERROR, DUNG, "PID_FORMAT", f, text)
        return
    province = ctx.item("cccd-province", pid[:3])
    if province is None:
        yield Issue(
            ERROR,
            DUNG,
            "PID_PROVINCE",
            f,
            f"Ba số đầu “{pid[:3]}” của số định danh không phải mã tỉnh đăng ký khai sinh nào.",
        )
    digit = int(pid[3])
    century = 1900 + (digit // 2) * 100
    dob: date | None = rec["date_of_birth"]
    if dob is not None:
        if not century <= dob.year < century + 100:
            yield Issue(
                ERROR,
                DUNG,
                "PID_CENTURY",
                f,
                f"Chữ số thứ 4 “{digit}” ứng với người sinh năm {century}–{century + 99}, "
                f"không khớp năm sinh {dob.year}.",
            )
        if pid[4:6] != f"{dob.year % 100:02d}":
            yield Issue(
                ERROR,
                DUNG,
                "PID_YEAR",
                f,
                f"Chữ số thứ 5–6 “{pid[4:6]}” phải là hai số cuối năm sinh ({dob.year % 100:02d}).",
            )
    sex = ctx.item("sex", rec["sex"])
    parity = sex.extra.get("cccd_parity") if sex is not None else None
    if parity is not None and digit % 2 != parity:
        yield Issue(
            ERROR,
            DUNG,
            "PID_SEX",
            f,
            f"Chữ số thứ 4 “{digit}” ứng với giới tính "
            f"{'nữ' if digit % 2 else 'nam'}, không khớp giới tính “{sex.name}”.",
        )
    reg = rec["birth_registration_province"]
    if reg and reg != pid[:3]:
        yield Issue(
            ERROR,
            DUNG,
            "PID_BIRTH_PROVINCE",
            "birth_registration_province",
            f"Tỉnh đăng ký khai sinh “{reg}” khác ba số đầu của số định danh “{pid[:3]}”.",
        )
    new_code = province.extra.get("new_province_code") if province is not None else None
    if new_code and rec["birthplace_province_code"] and rec["birthplace_province_code"] != new_code:
        yield Issue(
            WARNING,
            DUNG,
            "PID_BIRTHPLACE",
            "birthplace_province_code",
            f"Số định danh đăng ký khai sinh tại {province.name}, nhưng nơi sinh thuộc tỉnh mã "
            f"{rec['birthplace_province_code']}: kiểm tra lại nơi sinh hoặc số định danh.",
        )


def rule_old_id(rec: Record, ctx: Context) -> Iterator[Issue]:
    old = rec["old_id_number"]
    if old and (len(old) != 9 or not (old.isascii() and old.isdigit())):
        yield Issue(
            ERROR,
            DUNG,
            "OLD_ID_FORMAT",
            "old_id_number",
            f"Số CMND cũ “{old}” phải gồm đúng 9 chữ số.",
        )


def rule_birth_date(rec: Record, ctx: Context) -> Iterator[Issue]:
    dob = rec["date_of_birth"]
    if dob is None:
        return
    if dob > ctx.today:
        yield Issue(ERROR, DUNG, "DATE_FUTURE", "date_of_birth", "Ngày sinh ở tương lai.")
    elif _age(dob, ctx.today) < 15:
        yield Issue(ERROR, DUNG, "TOO_YOUNG", "date_of_birth", "Người có hồ sơ chưa đủ 15 tuổi.")


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# child table → (start field, end field or None, label) for date checks
DATED = {
    "work_history": ("start_date", "end_date", "Quá trình công tác"),
    "salary_history": ("effective_date", None, "Quá trình lương"),
    "education": ("start_date", "end_date", "Đào tạo"),
    "trainings": ("start_date", "end_date", "Bồi dưỡng"),
    "career_events": ("effective_date", None, "Tuyển dụng, bổ nhiệm, điều động"),
    "commendations": ("awarded_on", None, "Khen thưởng"),
    "disciplines": ("decided_on", None, "Kỷ luật"),
    "memberships": ("admission_date", "left_date", "Tham gia tổ chức"),
    "military_service": ("enlisted_on", "discharged_on", "Phục vụ lực lượng vũ trang"),
    "health": ("recorded_on", None, "Sức khỏe"),
}


def rule_dates(rec: Record, ctx: Context) -> Iterator[Issue]:
    """Dates in the future, periods ending before they start, work before age 15."""
    dob = rec["date_of_birth"]
    for table, (start, end, label) in DATED.items():
        for i, row in enumerate(rec[table], start=1):
            where = f"{table}[{i}].{start}"
            s = row[start]
            if s is not None and s > ctx.today:
                yield Issue(
                    ERROR,
                    DUNG,
                    "DATE_FUTURE",
                    where,
                    f"{label}, dòng {i}: ngày {s:%d/%m/%Y} ở tương lai.",
                )
            if end and s is not None and row[end] is not None and row[end] < s:
                yield Issue(
                    ERROR,
                    DUNG,
                    "PERIOD_REVERSED",
                    f"{table}[{i}].{end}",
                    f"{label}, dòng {i}: ngày kết thúc {row[end]:%d/%m/%Y} trước ngày bắt đầu "
                    f"{s:%d/%m/%Y}.",
                )
            if dob is not None and s is not None and s < dob:
                yield Issue(
                    ERROR,
                    DUNG,
                    "BEFORE_BIRTH",
                    where,
                    f"{label}, dòng {i}: ngày {s:%d/%m/%Y} trước ngày sinh.",
                )
    if dob is not None:
        for i, row in enumerate(rec["work_history"], start=1):
            if row["start_date"] >= dob and _age(dob, row["start_date"]) < 15:
                yield Issue(
                    ERROR,
                    DUNG,
                    "WORK_BEFORE_15",
                    f"work_history[{i}].start_date",
                    f"Quá trình công tác, dòng {i}: bắt đầu làm việc khi chưa đủ 15 tuổi "
                    f"({row['start_date']:%d/%m/%Y}).",
                )


def rule_overlaps(rec: Record, ctx: Context) -> Iterator[Issue]:
    """Main (not concurrent) work periods may not overlap (a handover on one day is allowed)."""
    rows = sorted(
        (r["start_date"], r["end_date"] or date.max, i)
        for i, r in enumerate(rec["work_history"], start=1)
        if not r["concurrent"]
    )
    latest_end, latest_row = date.min, 0
    for start, end, i in rows:
        if start < latest_end:
            yield Issue(
                ERROR,
                DUNG,
                "WORK_OVERLAP",
                f"work_history[{i}].start_date",
                f"Quá trình công tác: dòng {i} (từ {start:%d/%m/%Y}) chồng lên dòng {latest_row}; "
                "chỉ kiêm nhiệm mới được trùng thời gian.",
            )
        if end > latest_end:
            latest_end, latest_row = end, i


def rule_memberships(rec: Record, ctx: Context) -> Iterator[Issue]:
    dob = rec["date_of_birth"]
    for i, row in enumerate(rec["memberships"], start=1):
        if row["organisation"] != Membership.Organisation.PARTY:
            continue
        adm, full = row["admission_date"], row["full_membership_date"]
        if full is not None and full < adm:
            yield Issue(
                ERROR,
                DUNG,
                "PARTY_FULL_BEFORE_ADMISSION",
                f"memberships[{i}].full_membership_date",
                f"Ngày vào Đảng chính thức {full:%d/%m/%Y} trước ngày vào Đảng {adm:%d/%m/%Y}.",
            )
        elif full is not None and (full - adm).days < 365:
            yield Issue(
                WARNING,
                DUNG,
                "PARTY_PROBATION_SHORT",
                f"memberships[{i}].full_membership_date",
                "Thời gian dự bị đảng viên ngắn hơn 12 tháng: kiểm tra lại ngày vào Đảng và ngày "
                "chính thức.",
            )
        if dob is not None and adm >= dob and _age(dob, adm) < 18:
            yield Issue(
                WARNING,
                DUNG,
                "PARTY_TOO_YOUNG",
                f"memberships[{i}].admission_date",
                f"Ngày vào Đảng {adm:%d/%m/%Y} khi chưa đủ 18 tuổi.",
            )


TRAINING_LISTS = {
    Training.Kind.POLITICAL_THEORY: "political-theory",
    Training.Kind.STATE_MANAGEMENT: "state-management",
}
# (table, field, code list, required)
CODED = [
    ("work_history", "position_code", "position", False),
    ("work_history", "title_code", "title", False),
    ("salary_history", "grade_code", "grade", True),
    ("salary_history", "salary_scale", "salary-scale", True),
    ("education", "level_code", "education-level", True),
    ("commendations", "kind_code", "commendation-kind", True),
    ("disciplines", "kind_code", "discipline-kind", True),
    ("family", "relationship_code", "relationship", True),
    ("assessments", "rating_code", "quality-rating", True),
]


def rule_codes(rec: Record, ctx: Context) -> Iterator[Issue]:
    """Coded values must exist in the code list release in force."""
    if not rec["sex"]:
        yield Issue(ERROR, DUNG, "REQUIRED", "sex", "Thiếu giới tính.")
    for fname, list_key, label in (
        ("sex", "sex", "Giới tính"),
        ("ethnicity", "ethnicity", "Dân tộc"),
        ("religion", "religion", "Tôn giáo"),
    ):
        value = rec[fname]
        if value and not ctx.known(list_key, value):
            yield Issue(
                ERROR,
                DUNG,
                "CODE_UNKNOWN",
                fname,
                f"{label}: mã “{value}” không có trong danh mục.",
            )
    for table, fname, list_key, required in CODED:
        for i, row in enumerate(rec[table], start=1):
            value = row[fname]
            if (value or required) and not ctx.known(list_key, value):
                yield Issue(
                    ERROR,
                    DUNG,
                    "CODE_UNKNOWN",
                    f"{table}[{i}].{fname}",
                    f"{row_label(table).capitalize()}, dòng {i}: mã "
                    f"“{value}” "
                    "không có trong danh mục.",
                )
    for i, row in enumerate(rec["trainings"], start=1):
        list_key = TRAINING_LISTS.get(row["kind"])
        if list_key and row["level_code"] and not ctx.known(list_key, row["level_code"]):
            yield Issue(
                ERROR,
                DUNG,
                "CODE_UNKNOWN",
                f"trainings[{i}].level_code",
                f"Bồi dưỡng, dòng {i}: trình độ “{row['level_code']}” không có trong danh mục.",
            )


def rule_salary(rec: Record, ctx: Context) -> Iterator[Issue]:
    """The grade belongs to the salary scale; the coefficient is the one of the scale's step."""
    for i, row in enumerate(rec["salary_history"], start=1):
        grade = ctx.item("grade", row["grade_code"])
        scale = ctx.item("salary-scale", row["salary_scale"])
        if (
            grade is not None
            and grade.extra.get("scale")
            and grade.extra["scale"] != row["salary_scale"]
        ):
            yield Issue(
                WARNING,
                DUNG,
                "GRADE_SCALE",
                f"salary_history[{i}].salary_scale",
                f"Quá trình lương, dòng {i}: ngạch {grade.name} xếp bảng {grade.extra['scale']}, "
                f"không phải {row['salary_scale']}.",
            )
        if scale is None:
            continue
        steps = int(scale.extra.get("steps", 0))
        if steps and not 1 <= row["step"] <= steps:
            yield Issue(
                ERROR,
                DUNG,
                "SALARY_STEP",
                f"salary_history[{i}].step",
                f"Quá trình lương, dòng {i}: bảng {scale.code} chỉ có {steps} bậc, không có bậc "
                f"{row['step']}.",
            )
        elif "first" in scale.extra:
            expected = Decimal(scale.extra["first"]) + (row["step"] - 1) * Decimal(
                scale.extra["step"]
            )
            if abs(Decimal(row["coefficient"]) - expected) > Decimal("0.005"):
                yield Issue(
                    WARNING,
                    DUNG,
                    "SALARY_COEFFICIENT",
                    f"salary_history[{i}].coefficient",
                    f"Quá trình lương, dòng {i}: hệ số {row['coefficient']} khác hệ số bậc "
                    f"{row['step']} "
                    f"của bảng {scale.code} ({expected}).",
                )


# -- rules: sạch (clean) ------------------------------------------------------------------------
CLEAN_TEXT_FIELDS = (
    "other_names",
    "birthplace_text",
    "hometown_text",
    "permanent_residence",
    "current_residence",
    "social_origin",
)


def rule_clean_text(rec: Record, ctx: Context) -> Iterator[Issue]:
    name = rec["full_name"] or ""
    if name != title_case(name):
        yield Issue(
            WARNING,
            SACH,
            "TEXT_NOT_CLEAN",
            "full_name",
            "Họ và tên chưa chuẩn hóa (Unicode dựng sẵn NFC, một kiểu bỏ dấu, viết hoa chữ đầu).",
        )
    for fname in CLEAN_TEXT_FIELDS:
        value = rec[fname] or ""
        if value != clean(value):
            yield Issue(
                WARNING,
                SACH,
                "TEXT_NOT_CLEAN",
                fname,
                f"{field_label('profile', fname).capitalize()}: văn bản chưa chuẩn "
                "hóa "
                "(NFC, một kiểu bỏ dấu, khoảng trắng).",
            )


def rule_places(rec: Record, ctx: Context) -> Iterator[Issue]:
    for prefix, label in (("birthplace", "Nơi sinh"), ("hometown", "Quê quán")):
        if rec[f"{prefix}_needs_review"]:
            yield Issue(
                WARNING,
                SACH,
                "PLACE_REVIEW",
                f"{prefix}_text",
                f"{label} “{rec[f'{prefix}_text']}” chưa xác định chắc chắn đơn vị hành chính: "
                "cần người chọn.",
            )
        elif rec[f"{prefix}_text"] and not rec[f"{prefix}_province_code"]:
            yield Issue(
                WARNING,
                SACH,
                "PLACE_UNRESOLVED",
                f"{prefix}_text",
                f"{label} “{rec[f'{prefix}_text']}” chưa được đối chiếu với danh mục đơn vị hành "
                "chính.",
            )


#: place fields checked by :func:`rule_reform`: (prefix, label); codes in ``{prefix}_*_code``
REFORM_PLACES = (
    ("birthplace", "Nơi sinh"),
    ("hometown", "Quê quán"),
    ("permanent_residence", "Nơi thường trú"),
    ("current_residence", "Nơi ở hiện nay"),
)


def _successors_text(successors: Iterable[Any]) -> str:
    labels = [s.label() for s in successors]
    if not labels:
        return "không có đơn vị kế thừa trong bảng chuyển đổi"
    if len(labels) == 1:
        return f"nay là {labels[0]}"
    return "nay chia cho: " + "; ".join(labels) + " (cần người chọn)"


def rule_reform(rec: Record, ctx: Context) -> Iterator[Issue]:
    """Place codes and the unit that are no longer in force on the reference date (a province
    merged in 2025, a merged commune, a closed unit), with the successor suggested."""
    codes = ctx.unit_codes()
    on = f"{ctx.today:%d/%m/%Y}"
    if codes is not None:
        for prefix, label in REFORM_PLACES:
            commune = rec.get(f"{prefix}_commune_code") or ""
            province = rec.get(f"{prefix}_province_code") or ""
            if commune and not codes.commune_in_force(commune):
                name = codes.old_communes.get(commune, "")
                yield Issue(
                    WARNING,
                    SONG,
                    "PLACE_NOT_IN_FORCE",
                    f"{prefix}_commune_code",
                    f"{label}: mã xã {commune} {name}".rstrip()
                    + f" không còn hiệu lực ngày {on}; "
                    + _successors_text(codes.commune_successors.get(commune, ()))
                    + ".",
                )
            if province and not codes.province_in_force(province):
                name = codes.old_provinces.get(province, "")
                yield Issue(
                    WARNING,
                    SONG,
                    "PLACE_NOT_IN_FORCE",
                    f"{prefix}_province_code",
                    f"{label}: mã tỉnh {province} {name}".rstrip()
                    + f" không còn hiệu lực ngày {on}; "
                    + _successors_text(codes.province_successors.get(province, ()))
                    + ".",
                )
    status = rec.get("unit__status")
    valid_to = rec.get("unit__valid_to")
    if rec.get("unit_id") and (
        (status and status != "active") or (valid_to is not None and valid_to <= ctx.today)
    ):
        names = ctx.unit_successors(rec["unit_id"])
        where = (
            f"nay là {names[0]}"
            if len(names) == 1
            else ("nay thuộc: " + "; ".join(names) if names else "không có đơn vị kế thừa")
        )
        yield Issue(
            WARNING,
            SONG,
            "UNIT_NOT_IN_FORCE",
            "unit",
            f"Đơn vị “{rec.get('unit__name', '')}” không còn hoạt động ngày {on}; {where}.",
        )


def rule_duplicates(rec: Record, ctx: Context) -> Iterator[Issue]:
    for other in ctx.duplicates.get(duplicate_key(rec), ()):
        if other != rec["id"]:
            yield Issue(
                WARNING,
                SACH,
                "POSSIBLE_DUPLICATE",
                "full_name",
                "Có thể trùng người: một hồ sơ khác trong cơ quan cùng họ tên, ngày sinh và giới "
                "tính.",
                related_profile_id=other,
            )


# -- rules: đủ (complete) -----------------------------------------------------------------------
# (label, test) per required element; the completeness score is the share present.
REQUIRED: list[tuple[str, Callable[[Record], bool]]] = [
    ("Nhóm 1: họ và tên", lambda r: bool(r["full_name"])),
    ("Nhóm 1: giới tính", lambda r: bool(r["sex"])),
    ("Nhóm 1: ngày sinh", lambda r: r["date_of_birth"] is not None),
    ("Nhóm 1: nơi sinh", lambda r: bool(r["birthplace_text"])),
    ("Nhóm 1: quê quán", lambda r: bool(r["hometown_text"])),
    ("Nhóm 1: dân tộc", lambda r: bool(r["ethnicity"])),
    ("Nhóm 1: tôn giáo", lambda r: bool(r["religion"])),
    ("Nhóm 1: nơi thường trú", lambda r: bool(r["permanent_residence"])),
    ("Nhóm 2: quan hệ gia đình", lambda r: bool(r["family"])),
    ("Nhóm 3, 6: quá trình công tác", lambda r: bool(r["work_history"])),
    ("Nhóm 4: tuyển dụng", lambda r: bool(r["career_events"])),
    ("Nhóm 5: trình độ đào tạo", lambda r: bool(r["education"])),
    ("Nhóm 6: quá trình lương", lambda r: bool(r["salary_history"])),
    ("Nhóm 6: đánh giá, xếp loại", lambda r: bool(r["assessments"])),
    ("Nhóm 10: sức khỏe", lambda r: bool(r["health"])),
]


def completeness(rec: Record) -> tuple[int, list[str]]:
    missing = [label for label, present in REQUIRED if not present(rec)]
    return round(100 * (len(REQUIRED) - len(missing)) / len(REQUIRED)), missing


def rule_completeness(rec: Record, ctx: Context) -> Iterator[Issue]:
    score, missing = completeness(rec)
    if missing:
        yield Issue(
            WARNING,
            DU,
            "INCOMPLETE",
            "",
            f"Hồ sơ đầy đủ {score}%: còn thiếu {'; '.join(missing)}.",
        )


# -- rules: sống (live) -------------------------------------------------------------------------
def rule_verified(rec: Record, ctx: Context) -> Iterator[Issue]:
    last = rec["last_verified_at"]
    if last is None:
        yield Issue(
            WARNING, SONG, "NOT_VERIFIED", "last_verified_at", "Hồ sơ chưa từng được xác minh."
        )
    elif ctx.today - last > ctx.verify_max_age:
        yield Issue(
            WARNING,
            SONG,
            "NOT_VERIFIED",
            "last_verified_at",
            f"Hồ sơ chưa được xác minh lại từ {last:%d/%m/%Y} (quá {ctx.verify_max_age.days} "
            "ngày).",
        )


RULES: list[Callable[[Record, Context], Iterable[Issue]]] = [
    rule_personal_id,
    rule_old_id,
    rule_birth_date,
    rule_dates,
    rule_overlaps,
    rule_memberships,
    rule_codes,
    rule_salary,
    rule_clean_text,
    rule_places,
    rule_duplicates,
    rule_completeness,
    rule_verified,
    rule_reform,
]


def rule_schema(
    rec: Record, ctx: Context, flagged: AbstractSet[str] = frozenset()
) -> Iterator[Issue]:
    """What the strict profile XSD would refuse at signing time (:mod:`profiles.schema_rules`,
    read from the XSD), except on fields another rule already flags as an error."""
    for code, where, message in schema_findings(rec):
        if where not in flagged:
            yield Issue(ERROR, DUNG, code, where, message)


def check(rec: Record, ctx: Context) -> list[Issue]:
    issues = [issue for rule in RULES for issue in rule(rec, ctx)]
    flagged = {i.field for i in issues if i.severity == ERROR}
    issues.extend(rule_schema(rec, ctx, flagged))
    return issues


# -- running ------------------------------------------------------------------------------------
@dataclass
class ValidationRun:
    profiles: int = 0
    errors: int = 0
    warnings: int = 0
    seconds: float = 0.0


@dataclass
class Checked:
    """The findings and counters of some profiles, computed but not stored yet."""

    now: Any
    findings: list[Any]  # bulkio drafts: a revalidation writes a finding row per issue
    #: profile id → (completeness, error_count, warning_count)
    counters: dict[int, tuple[int, int, int]]
    run: ValidationRun

    @property
    def ids(self) -> list[int]:
        """The checked profiles' ids (in the order they were checked)."""
        return list(self.counters)

    def columns(self, profiles: Sequence[Profile]) -> dict[str, list[Any]]:
        """The counters of ``profiles`` (in their order) by field, for a bulk write of the
        rows (``unrecorded`` of :func:`profiles.actions.do_bulk_update_rows`)."""
        counters = [self.counters[p.pk] for p in profiles]
        return {
            "completeness": [c[0] for c in counters],
            "error_count": [c[1] for c in counters],
            "warning_count": [c[2] for c in counters],
            "validated_at": [self.now] * len(counters),
        }


def check_records(records: list[Record], ctx: Context, now: Any) -> Checked:
    """Run the rules over ``records``: the finding rows to store and the counters."""
    checked = Checked(now, [], {}, ValidationRun(profiles=len(records)))
    run, findings = checked.run, checked.findings
    for rec in records:
        issues = check(rec, ctx)
        errors = sum(1 for i in issues if i.severity == ERROR)
        run.errors += errors
        run.warnings += len(issues) - errors
        findings.extend(
            bulkio.draft(
                Finding,
                profile_id=rec["id"],
                severity=i.severity,
                principle=i.principle,
                code=i.code,
                field=i.field,
                message=i.message[:500],
                related_profile_id=i.related_profile_id,
                found_at=now,
            )
            for i in issues
        )
        checked.counters[rec["id"]] = (completeness(rec)[0], errors, len(issues) - errors)
    return checked


def store_findings(checked: Checked) -> None:
    """Replace the stored findings of the checked profiles by the new ones."""
    with transaction.atomic():
        Finding.objects.filter(profile_id__in_array=checked.ids).delete()
        bulkio.insert(Finding, checked.findings)  # COPY on PostgreSQL


def _store(records: list[Record], ctx: Context, now) -> ValidationRun:
    checked = check_records(records, ctx, now)
    # few distinct (score, errors, warnings) triples per chunk: one UPDATE per triple
    by_counters: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for pk, counters in checked.counters.items():
        by_counters[counters].append(pk)
    with transaction.atomic():
        store_findings(checked)
        for (score, errors, warnings), pks in by_counters.items():
            Profile.objects.filter(pk__in_array=pks).update(
                completeness=score, error_count=errors, warning_count=warnings, validated_at=now
            )
    return checked.run


def check_before_write(
    profiles: Sequence[Profile], changed: Collection[str], ctx: Context, now: Any
) -> Checked:
    """The findings of ``profiles`` as they will be once written: their stored values with the
    ``changed`` fields taken from the instances, their child rows as stored. For a bulk write
    that validates in memory and writes each profile row once, its counters included
    (:meth:`Checked.columns`), instead of the row and then its counters; the findings go in
    with :func:`store_findings`. ``ctx`` as :func:`bulk_context` makes it."""
    by_id = {p.pk: p for p in profiles}
    records = load_records(Profile.objects.filter(pk__in_array=list(by_id)))
    for rec in records:
        profile = by_id[rec["id"]]
        for name in changed:
            if name in rec:
                rec[name] = getattr(profile, name)
    return check_records(records, ctx, now)


def validate_profile(profile: Profile, ctx: Context | None = None) -> list[Issue]:
    """Recompute and store the findings of one profile; return them.

    The profiles it is (or was) a possible duplicate of are revalidated with it, so the link
    shows on both sides and disappears from both when the data is corrected.
    """
    ctx = ctx or build_context()
    ctx.duplicates = find_duplicates(Profile.objects.filter(pk=profile.pk))
    ids = {profile.pk}
    for group in ctx.duplicates.values():
        if profile.pk in group:
            ids.update(group)
    ids.update(Finding.objects.filter(related_profile=profile).values_list("profile_id", flat=True))
    ctx.duplicates = find_duplicates(Profile.objects.filter(pk__in=ids))
    records = load_records(Profile.objects.filter(pk__in=ids))
    _store(records, ctx, timezone.now())
    own = next(r for r in records if r["id"] == profile.pk)
    issues = check(own, ctx)
    profile.error_count = sum(1 for i in issues if i.severity == ERROR)
    profile.warning_count = len(issues) - profile.error_count
    profile.completeness = completeness(own)[0]
    return issues


def bulk_context() -> Context:
    """The context of a bulk validation: today's code lists and every duplicate group."""
    ctx = build_context()
    ctx.duplicates = find_duplicates(None)
    return ctx


def validate_profiles(
    profiles: QuerySet[Profile] | None = None,
    chunk_size: int = 2000,
    progress: Callable[[ValidationRun], None] | None = None,
) -> ValidationRun:
    """Bulk validation, chunked: one query per table per chunk, findings bulk-created."""
    started = time.perf_counter()
    profiles = Profile.objects.all() if profiles is None else profiles
    ctx = bulk_context()
    total = ValidationRun()
    now = timezone.now()
    ids = list(profiles.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        run = _store(load_records(Profile.objects.filter(pk__in_array=chunk)), ctx, now)
        total.profiles += run.profiles
        total.errors += run.errors
        total.warnings += run.warnings
        if progress:
            progress(total)
    total.seconds = time.perf_counter() - started
    return total


def unit_completeness(profiles: QuerySet[Profile]) -> list[dict[str, Any]]:
    """Average completeness, profile count and profiles with errors per unit."""
    return list(
        profiles.values("unit_id", "unit__code", "unit__name")
        .annotate(
            profiles=Count("id"),
            completeness=Avg("completeness"),
            with_errors=Count("id", filter=Q(error_count__gt=0)),
        )
        .order_by("unit__code")
    )


def blocking_errors(profile: Profile) -> list[Issue]:
    """Re-validate and return the errors (severity error) that block submission/approval."""
    return [i for i in validate_profile(profile) if i.severity == ERROR]
