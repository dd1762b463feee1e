"""Synthetic but realistic people for the demo, tests and benchmarks.

Weighted Vietnamese family names (Nguyễn ≈ 38 %), middle and given names by sex, personal IDs
consistent with the birth-registration province (old 63-province codes), sex and birth year,
and plausible careers: recruitment after graduation, work periods spread over the units of a
subtree, salary steps every three years on the grade's scale, education, refresher training,
Party membership (admission, then full membership a year later), family, assessments, health.

Deterministic by seed: the same seed, unit subtree and code lists give the same people.
Everything is written with ``bulk_create`` in chunks (no per-row signals); the generated
profiles are then validated in bulk.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from orgtree.models import Unit
from orgtree.tree import subtree_q

from . import codelists
from .models import (
    CareerEvent,
    Commendation,
    Education,
    FamilyMember,
    HealthRecord,
    Membership,
    Profile,
    QualityAssessment,
    SalaryHistory,
    Training,
    WorkHistory,
)
from .models.profile import normalise_profile_text
from .services import Row, apply_current, current_from_histories

# Family names with approximate shares (%) of the population (Nguyễn ≈ 38 %).
FAMILY_NAMES = {
    "Nguyễn": 38.4, "Trần": 11.0, "Lê": 9.5, "Phạm": 7.1, "Hoàng": 4.1, "Huỳnh": 1.0,
    "Phan": 4.5, "Vũ": 2.9, "Võ": 1.0, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3,
    "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5, "Đào": 0.4, "Đinh": 0.4, "Lâm": 0.3, "Mai": 0.3,
    "Trịnh": 0.3, "Trương": 0.3, "Cao": 0.2, "Tạ": 0.2, "Lương": 0.2,
}  # fmt: skip
MIDDLE_NAMES = {
    "male": ["Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân",
             "Ngọc", "Đình", "Quốc", "Mạnh", "Tiến"],
    "female": ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Phương",
               "Kim", "Thùy", "Bích", "Mỹ", "Hoài"],
}  # fmt: skip
GIVEN_NAMES = {
    "male": ["Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Huy", "Khoa", "Long",
             "Nam", "Phong", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Hòa", "Trung", "Hiếu",
             "Khánh", "Lâm", "Thành", "Tùng", "Vinh"],
    "female": ["Anh", "Hà", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc",
               "Nhung", "Phương", "Thảo", "Thủy", "Trang", "Vân", "Yến", "Hạnh", "Hòa",
               "Dung", "Giang", "Huyền", "Loan", "Oanh", "Thúy"],
}  # fmt: skip
OCCUPATIONS = [
    "Làm ruộng",
    "Giáo viên",
    "Công nhân",
    "Kinh doanh",
    "Nghỉ hưu",
    "Bác sĩ",
    "Công chức",
    "Học sinh",
    "Sinh viên",
    "Nội trợ",
]
MAJORS = [
    "Luật",
    "Kinh tế",
    "Quản lý nhà nước",
    "Kế toán",
    "Công nghệ thông tin",
    "Sư phạm Toán",
    "Hành chính học",
    "Tài chính – Ngân hàng",
    "Ngữ văn",
    "Y đa khoa",
]
INSTITUTIONS = [
    "Học viện Hành chính Quốc gia",
    "Đại học Quốc gia Hà Nội",
    "Đại học Luật Hà Nội",
    "Đại học Kinh tế Quốc dân",
    "Đại học Huế",
    "Đại học Đà Nẵng",
    "Đại học Cần Thơ",
    "Đại học Vinh",
]


@dataclass
class GenerationResult:
    profiles: int
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.profiles / self.seconds if self.seconds else 0.0


class PeopleGenerator:
    def __init__(self, root: Unit, seed: int = 1, today: date | None = None):
        self.rng = random.Random(seed)
        self.today = today or date.today()
        self.units = list(
            Unit.objects.filter(subtree_q(root)).filter(status=Unit.Status.ACTIVE).order_by("pk")
        )
        if not self.units:
            raise ValueError(f"Đơn vị {root.code} không có đơn vị đang hoạt động nào.")
        self.provinces = list(codelists.items("cccd-province", self.today).values())
        self.sex = {
            i.extra.get("cccd_parity"): i.code for i in codelists.items("sex", self.today).values()
        }
        self.ethnicities = list(codelists.items("ethnicity", self.today))
        self.grades = codelists.items("grade", self.today)
        self.scales = codelists.items("salary-scale", self.today)
        self.positions = list(codelists.items("position", self.today))
        self.titles = list(codelists.items("title", self.today))
        self.levels = codelists.items("education-level", self.today)
        self.pol = list(codelists.items("political-theory", self.today))
        self.mgmt = list(codelists.items("state-management", self.today))
        self.commendations = list(codelists.items("commendation-kind", self.today))
        self.ratings = list(codelists.items("quality-rating", self.today))
        rel = codelists.items("relationship", self.today)
        self.rel = {k: k for k in rel}
        missing = [
            key
            for key, found in (
                ("cccd-province", self.provinces),
                ("sex", self.sex),
                ("grade", self.grades),
                ("salary-scale", self.scales),
            )
            if not found
        ]
        if missing:
            raise ValueError(f"Chưa nạp danh mục: {', '.join(missing)} (chạy load_codelists).")
        self.civil_grades = [
            c for c, g in self.grades.items() if g.extra.get("scale") in self.scales
        ]
        self.used_ids = set(Profile.objects.values_list("personal_id", flat=True))
        self._family = list(FAMILY_NAMES)
        self._family_w = list(FAMILY_NAMES.values())

    # -- one person ---------------------------------------------------------------------------
    def _date(self, start: date, end: date) -> date:
        span = max((end - start).days, 0)
        return start + timedelta(days=self.rng.randint(0, span))

    def _personal_id(self, province: str, dob: date, parity: int) -> str:
        digit = (dob.year // 100 - 19) * 2 + parity
        while True:
            pid = f"{province}{digit}{dob.year % 100:02d}{self.rng.randint(0, 999999):06d}"
            if pid not in self.used_ids:
                self.used_ids.add(pid)
                return pid

    def _name(self, sex: str) -> str:
        family = self.rng.choices(self._family, self._family_w)[0]
        return f"{family} {self.rng.choice(MIDDLE_NAMES[sex])} {self.rng.choice(GIVEN_NAMES[sex])}"

    def person(self) -> tuple[Profile, dict[str, list[Row]]]:
        rng = self.rng
        parity = rng.randint(0, 1)
        sex_key = "female" if parity else "male"
        dob = self._date(date(1966, 1, 1), date(2001, 12, 31))
        province = rng.choice(self.provinces)
        home = rng.choice(self.provinces) if rng.random() < 0.3 else province
        unit = rng.choice(self.units)
        profile = Profile(
            personal_id=self._personal_id(province.code, dob, parity),
            old_id_number=f"{rng.randint(10**8, 10**9 - 1)}" if dob.year < 1995 else "",
            full_name=self._name(sex_key),
            sex=self.sex[parity],
            date_of_birth=dob,
            birth_registration_province=province.code,
            birthplace_text=province.name,
            birthplace_province_code=province.extra.get("new_province_code", ""),
            hometown_text=home.name,
            hometown_province_code=home.extra.get("new_province_code", ""),
            ethnicity="01" if rng.random() < 0.86 else rng.choice(self.ethnicities),
            religion="00" if rng.random() < 0.85 else rng.choice(["01", "02", "03", "04"]),
            permanent_residence=f"Số {rng.randint(1, 300)}, {province.name}",
            current_residence="",
            social_origin=rng.choice(["Nông dân", "Công nhân", "Viên chức", "Tiểu thương"]),
            unit=unit,
            last_verified_at=self._date(self.today - timedelta(days=700), self.today),
        )
        rows: dict[str, list[Row]] = {
            k: []
            for k in (
                "work",
                "salary",
                "edu",
                "train",
                "event",
                "family",
                "member",
                "assess",
                "health",
            )
        }
        grad = date(dob.year + rng.randint(21, 24), 6, 30)
        rows["edu"].append(
            Row(
                Education,
                kind=Education.Kind.GENERAL,
                level_code="PT12",
                end_date=date(dob.year + 18, 6, 1),
            )
        )
        rows["edu"].append(
            Row(
                Education,
                kind=Education.Kind.PROFESSIONAL,
                level_code="DH",
                major=rng.choice(MAJORS),
                institution=rng.choice(INSTITUTIONS),
                study_mode="Chính quy",
                start_date=date(grad.year - 4, 9, 5),
                end_date=grad,
            )
        )
        start = self._date(grad + timedelta(days=30), grad + timedelta(days=900))
        if start > self.today:
            start = self.today - timedelta(days=30)
        rows["event"].append(
            Row(
                CareerEvent,
                kind=CareerEvent.Kind.RECRUITMENT,
                effective_date=start,
                unit_id=unit.pk,
                decision_number=f"{rng.randint(1, 999)}/QĐ-UBND",
            )
        )
        # work periods: earlier ones in other units of the subtree, the last one open
        periods = rng.choice([1, 1, 2, 2, 3, 4])
        cuts = sorted(self._date(start, self.today) for _ in range(periods - 1))
        bounds = [start, *cuts]
        position = rng.choice(self.positions) if self.positions and rng.random() < 0.15 else ""
        title = rng.choice(self.titles) if self.titles else ""
        for i, begin in enumerate(bounds):
            last = i == len(bounds) - 1
            if not last and bounds[i + 1] <= begin:
                continue
            rows["work"].append(
                Row(
                    WorkHistory,
                    start_date=begin,
                    end_date=None if last else bounds[i + 1] - timedelta(days=1),
                    unit_id=unit.pk if last else rng.choice(self.units).pk,
                    position_code=position if last else "",
                    title_code=title,
                )
            )
        # salary: grade by seniority, a step every three years
        years = (self.today - start).days // 365
        senior = years > 12 and rng.random() < 0.35
        grade_code = "01.002" if senior and "01.002" in self.grades else "01.003"
        if grade_code not in self.grades:
            grade_code = rng.choice(self.civil_grades)
        scale = self.scales[self.grades[grade_code].extra["scale"]]
        first, step_gap = Decimal(scale.extra["first"]), Decimal(scale.extra["step"])
        steps = int(scale.extra["steps"])
        for n in range(0, min(years // 3, steps - 1) + 1):
            rows["salary"].append(
                Row(
                    SalaryHistory,
                    effective_date=min(start + timedelta(days=365 * 3 * n), self.today),
                    salary_scale=scale.code,
                    grade_code=grade_code,
                    step=n + 1,
                    coefficient=first + n * step_gap,
                    position_allowance=Decimal(
                        codelists.items("position", self.today)[position].extra.get("allowance", 0)
                    )
                    if position
                    else Decimal(0),
                )
            )
        # refresher training
        if self.pol and years > 5:
            end = self._date(start + timedelta(days=365 * 3), self.today)
            rows["train"].append(
                Row(
                    Training,
                    kind=Training.Kind.POLITICAL_THEORY,
                    level_code=rng.choice(self.pol[:2]),
                    start_date=end - timedelta(days=200),
                    end_date=end,
                )
            )
        if self.mgmt and years > 3:
            end = self._date(start + timedelta(days=365 * 2), self.today)
            rows["train"].append(
                Row(
                    Training,
                    kind=Training.Kind.STATE_MANAGEMENT,
                    level_code=self.mgmt[1 if senior else 0],
                    start_date=end - timedelta(days=60),
                    end_date=end,
                )
            )
        # Party: admission after 18 and after recruitment, full member a year later
        if rng.random() < 0.55 and (self.today - start).days > 800:
            adm = self._date(start + timedelta(days=180), self.today - timedelta(days=400))
            rows["member"].append(
                Row(
                    Membership,
                    organisation=Membership.Organisation.PARTY,
                    admission_date=adm,
                    full_membership_date=adm + timedelta(days=365),
                )
            )
        rows["member"].append(
            Row(
                Membership,
                organisation=Membership.Organisation.TRADE_UNION,
                admission_date=min(start + timedelta(days=90), self.today),
            )
        )
        # family: parents, maybe spouse and children
        for rel, age_gap in (("BO", rng.randint(22, 35)), ("ME", rng.randint(20, 32))):
            if rel in self.rel:
                rows["family"].append(
                    Row(
                        FamilyMember,
                        relationship_code=rel,
                        full_name=self._name("male" if rel == "BO" else "female"),
                        birth_year=dob.year - age_gap,
                        occupation=rng.choice(OCCUPATIONS),
                    )
                )
        if dob.year < 1997 and rng.random() < 0.8:
            rel = "VO" if parity == 0 else "CHONG"
            rows["family"].append(
                Row(
                    FamilyMember,
                    relationship_code=rel,
                    full_name=self._name("female" if parity == 0 else "male"),
                    birth_year=dob.year + rng.randint(-3, 4),
                    occupation=rng.choice(OCCUPATIONS),
                )
            )
            for _ in range(rng.randint(0, 2)):
                rows["family"].append(
                    Row(
                        FamilyMember,
                        relationship_code="CON",
                        full_name=self._name(rng.choice(["male", "female"])),
                        birth_year=min(self.today.year, dob.year + rng.randint(24, 36)),
                        occupation="Học sinh",
                    )
                )
        for year in range(max(start.year + 1, self.today.year - 3), self.today.year):
            rows["assess"].append(
                Row(
                    QualityAssessment,
                    year=year,
                    rating_code=rng.choices(self.ratings, [20, 60, 18, 2][: len(self.ratings)])[0],
                )
            )
        if self.commendations and rng.random() < 0.3:
            rows.setdefault("commend", []).append(
                Row(
                    Commendation,
                    kind_code=rng.choice(self.commendations),
                    awarded_on=self._date(start, self.today),
                    issuer="UBND tỉnh",
                )
            )
        rows["health"].append(
            Row(
                HealthRecord,
                recorded_on=self._date(self.today - timedelta(days=365), self.today),
                status="Tốt",
                height_cm=rng.randint(150, 180),
                weight_kg=rng.randint(45, 80),
            )
        )
        apply_current(
            profile, current_from_histories(rows["work"], rows["salary"], self.today, unit.pk)
        )
        normalise_profile_text(profile)
        return profile, rows


def insert_rows(model: type[models.Model], rows: list[Row]) -> None:
    """Insert many new child rows: PostgreSQL ``COPY`` (no per-row SQL), else ``bulk_create``.

    Only for models whose fields need no ``pre_save`` (no auto_now): the child tables.
    """
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**r.values) for r in rows], batch_size=5000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    attnames = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row.as_list(attnames))


def insert_profiles(profiles: list[Profile]) -> None:
    """Insert new profiles and set their ids: on PostgreSQL ids are drawn from the sequence
    and the rows sent with ``COPY``; elsewhere ``bulk_create`` returns them."""
    if connection.vendor != "postgresql":
        Profile.objects.bulk_create(profiles)
        return
    now = timezone.now()
    table = Profile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(profiles)],
        )
        for profile, (pk,) in zip(profiles, cursor.fetchall(), strict=True):
            profile.pk = pk
            profile.created_at = profile.updated_at = now
    fields = Profile._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for profile in profiles:
            copy.write_row([getattr(profile, f.attname) for f in fields])
    for profile in profiles:
        profile._state.adding = False


def generate_people(
    root: Unit, count: int, seed: int = 1, chunk_size: int = 2000, validate: bool = True
) -> GenerationResult:
    """Create ``count`` people in ``root``'s subtree, in chunks of ``chunk_size``."""
    started = time.perf_counter()
    gen = PeopleGenerator(root, seed)
    total_rows = 0
    created_ids: list[int] = []
    done = 0
    while done < count:
        n = min(chunk_size, count - done)
        people = [gen.person() for _ in range(n)]
        with transaction.atomic():
            profiles = [p for p, _ in people]
            insert_profiles(profiles)
            created_ids.extend(p.pk for p in profiles)
            by_model: dict[type, list[Row]] = {}
            for profile, rows in people:
                for objs in rows.values():
                    for obj in objs:
                        obj.values["profile_id"] = profile.pk
                        by_model.setdefault(obj.model, []).append(obj)
            for model, objs in by_model.items():
                insert_rows(model, objs)
                total_rows += len(objs)
        done += n
    if validate:
        from .validation import validate_profiles

        validate_profiles(Profile.objects.filter(pk__in=created_ids))
    return GenerationResult(
        profiles=count, rows=total_rows + count, seconds=time.perf_counter() - started
    )
