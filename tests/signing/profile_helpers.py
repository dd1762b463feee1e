"""Helpers for the profile-signing tests: a generated person with every data group filled,
taken through the real workflow (submit as HR, approve as an approver)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from profiles import workflow
from profiles.models import (
    CHILD_MODELS,
    AssetDeclaration,
    Commendation,
    Discipline,
    HealthRecord,
    MilitaryService,
    Profile,
    ProfileVersion,
)
from profiles.synthetic import generate_people


def fill_every_group(profile: Profile) -> None:
    """Add the rows the generator may leave out, so that every table has at least one row and
    the nullable fields carry a value."""
    MilitaryService.objects.create(
        profile=profile,
        enlisted_on=date(2003, 2, 1),
        discharged_on=date(2005, 2, 1),
        highest_rank="Thượng sĩ",
        branch="Bộ binh",
    )
    AssetDeclaration.objects.create(
        profile=profile,
        year=2024,
        declared_on=date(2024, 12, 20),
        annual_income=Decimal("245000000"),
        land_and_houses="Nhà ở 80 m² tại phường Việt Trì",
        other_assets="Ô tô con",
    )
    Discipline.objects.create(
        profile=profile,
        kind_code="KT",
        decided_on=date(2019, 5, 6),
        decision_number="12/QĐ-KL",
        issuer="Sở Nội vụ",
        reason="Chậm báo cáo",
        expires_on=date(2020, 5, 6),
    )
    Commendation.objects.create(
        profile=profile,
        kind_code="BKTTG",
        awarded_on=date(2022, 4, 1),
        decision_number="45/QĐ-TTg",
        issuer="Thủ tướng Chính phủ",
        reason="Hoàn thành xuất sắc nhiệm vụ",
    )
    HealthRecord.objects.create(
        profile=profile,
        recorded_on=date(2025, 3, 1),
        status="Tốt",
        height_cm=168,
        weight_kg=60,
        blood_type="O",
        disability="",
    )
    Profile.objects.filter(pk=profile.pk).update(
        other_names="Tư Hòa", phone="0912345678", email="hoa@example.gov.vn",
        current_residence="Phường Việt Trì, Phú Thọ", social_origin="Nông dân",
    )  # fmt: skip


def generated_person(unit, seed: int, *, every_group: bool = True) -> Profile:
    generate_people(unit, 1, seed=seed)
    profile = Profile.objects.order_by("-pk").first()
    if every_group:
        fill_every_group(profile)
    from profiles.validation import validate_profile

    profile = Profile.objects.get(pk=profile.pk)
    validate_profile(profile)
    return Profile.objects.get(pk=profile.pk)


def approved_version(profile: Profile, hr, approver) -> ProfileVersion:
    version = workflow.submit(profile, hr)
    return workflow.approve(version, approver)


def empty_tables(profile: Profile) -> list[str]:
    return [k for k, m in CHILD_MODELS.items() if not m.objects.filter(profile=profile).exists()]
