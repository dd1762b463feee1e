"""Demo data for the reform conversion campaign: profiles still written the pre-reform way.

An old system's records, imported before anyone updated them: some of the demo's profiles
get back the places, positions and units they had before 1/7/2025, so that a campaign over
Tỉnh Phú Thọ (``H25``) has work of every kind to show:

* *converted*: home towns and permanent residences in old communes that went whole into one
  new commune ("Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"), half of them with the old codes
  still stored (province 26, the old commune code);
* *to review*: current residences in communes split between several new communes, a few
  communes carried by many profiles (decided once for all of them);
* *unresolvable*: birthplaces written as a hamlet or a farm the resolver cannot place;
* old positions ("Chủ tịch UBND huyện", "Trưởng phòng Nội vụ huyện": the district level is
  gone, a person chooses) and renamed ones ("Chủ tịch UBND thị trấn" → "Chủ tịch UBND xã");
* profiles still attached to an old division merged on 1/7/2025 (the commit moves them);
* old places also in the work history (a district committee as the workplace: kept as
  written, the campaign notes where it lies today) and in the family rows (addresses: the
  campaign converts them, keeping the text before).

The old place texts come from the official conversion table loaded with the reference data
(the old communes of Phú Thọ 25, Vĩnh Phúc 26 and Hòa Bình 17). Deterministic (a seed), and
idempotent: profiles already made pre-reform are left alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from orgtree.models import AdminUnitConversion, Unit
from orgtree.tree import subtree_q

#: the old provinces merged into the new Tỉnh Phú Thọ (GSO codes before 1/7/2025)
OLD_PROVINCES = ("25", "26", "17")
SEED = 2025
#: at most this many profiles, and about one in ten of the province's
MAX_PROFILES = 300
#: split communes used (each carried by several profiles: one decision for all)
SPLIT_COMMUNES = 4
UNRESOLVABLE = (
    "Nông trường Sông Bôi",
    "Xóm Đồng Bãi",
    "Thôn 5, khu kinh tế mới",
    "Bệnh viện huyện",
)
#: old position codes (conversion/data/code-mapping-2025.json) and how often they appear
OLD_POSITIONS = ("CTUBH", "PCTUBH", "TPNVH", "TPH", "PTPH", "CTUBTT", "PCTUBTT")


@dataclass(frozen=True)
class OldCommune:
    text: str  # "Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
    province_code: str
    commune_code: str


def _old_communes() -> tuple[list[OldCommune], list[OldCommune]]:
    """(communes that went whole into one new commune, communes split between several)."""
    rows = AdminUnitConversion.objects.filter(old_province_code__in=OLD_PROVINCES).exclude(
        old_district_name=""
    )
    successors: dict[str, set[str]] = defaultdict(set)
    names: dict[str, OldCommune] = {}
    for row in rows.order_by("old_commune_code", "row_number"):
        successors[row.old_commune_code].add(row.new_commune_code)
        district = row.old_district_name
        if not district.lower().startswith(("huyện", "thành phố", "thị xã", "quận")):
            district = f"Huyện {district}"
        names.setdefault(
            row.old_commune_code,
            OldCommune(
                f"{row.old_commune_name}, {district}, {row.old_province_name}",
                row.old_province_code,
                row.old_commune_code,
            ),
        )
    whole = [names[c] for c in sorted(names) if len(successors[c]) == 1]
    split = [names[c] for c in sorted(names) if len(successors[c]) > 1]
    return whole, split


def _merged_divisions(committee: Unit) -> list[tuple[Unit, Unit]]:
    """(old division, its one successor) inside the new committee's subtree."""
    from orgtree.tree import successors

    found = []
    for unit in (
        Unit.objects.filter(subtree_q(committee)).filter(status=Unit.Status.MERGED).order_by("code")
    ):
        ends = [u for u in successors(unit) if u.pk != unit.pk]
        if len(ends) == 1:
            found.append((unit, ends[0]))
    return found


def old_way(profiles: Any, whole: list[OldCommune] | None = None) -> Any:
    """The profiles of ``profiles`` whose home town this module wrote the pre-reform way."""
    texts = [c.text for c in (whole if whole is not None else _old_communes()[0])]
    return profiles.filter(hometown_text__in=texts)


def set_up_reform_profiles(committee_code: str = "H25") -> str:
    from profiles.models import FamilyMember, Profile, ProfileStatus, WorkHistory
    from profiles.validation import validate_profiles

    committee = Unit.objects.active().get(code=committee_code)
    in_province = Profile.objects.filter(subtree_q(committee, "unit"))
    whole, split = _old_communes()
    if not whole or not split:
        return "Hồ sơ viết theo địa giới cũ: chưa có bảng chuyển đổi ĐVHC (bỏ qua)."
    already = old_way(in_province, whole).count()
    if already:
        return f"Hồ sơ viết theo địa giới cũ (cho đợt chuyển đổi): đã có {already} (giữ nguyên)."
    rng = random.Random(SEED)
    split = rng.sample(split, min(SPLIT_COMMUNES, len(split)))
    divisions = _merged_divisions(committee)
    count = min(MAX_PROFILES, max(1, in_province.count() // 10))
    # the newest draft profiles: the signed ones, the review queue's and the sync's are older
    chosen = list(in_province.filter(status=ProfileStatus.DRAFT).order_by("-pk")[:count])
    moved = positions = 0
    work_rows: list[WorkHistory] = []
    family_rows: list[FamilyMember] = []
    for i, profile in enumerate(chosen):
        home = rng.choice(whole)
        profile.hometown_text = home.text
        if i % 2 == 0:  # the old codes are still stored (old province 26, 25 or 17)
            profile.hometown_province_code = home.province_code
            profile.hometown_commune_code = home.commune_code
        else:
            profile.hometown_province_code = profile.hometown_commune_code = ""
        lives = rng.choice(whole)
        profile.permanent_residence = (
            f"Số {rng.randint(1, 200)}, thôn {rng.randint(1, 12)}, {lives.text}"
        )
        profile.permanent_residence_province_code = ""
        profile.permanent_residence_commune_code = ""
        if i % 3 == 0:
            profile.current_residence = split[(i // 3) % len(split)].text
            profile.current_residence_province_code = ""
            profile.current_residence_commune_code = ""
        if i % 7 == 0:
            profile.birthplace_text = UNRESOLVABLE[i % len(UNRESOLVABLE)]
            profile.birthplace_province_code = profile.birthplace_commune_code = ""
        if i % 5 == 0:
            profile.position_code = OLD_POSITIONS[(i // 5) % len(OLD_POSITIONS)]
            positions += 1
        current = (
            WorkHistory.objects.filter(profile=profile, end_date__isnull=True, concurrent=False)
            .order_by("-start_date")
            .first()
        )
        if current is not None and i % 5 == 0:
            current.position_code = profile.position_code
            work_rows.append(current)
        if divisions and i % 4 == 1:  # still on a division merged on 1/7/2025
            old, _new = divisions[i % len(divisions)]
            profile.unit = old
            if current is not None:
                current.unit = old
                if current not in work_rows:
                    work_rows.append(current)
            moved += 1
        earlier = (
            WorkHistory.objects.filter(profile=profile, end_date__isnull=False)
            .order_by("start_date")
            .first()
        )
        if earlier is not None:
            district = home.text.split(", ")[1]
            earlier.unit = None
            earlier.unit_name = f"Ủy ban nhân dân {district.lower()}, {home.text.split(', ')[2]}"
            work_rows.append(earlier)
        for member in FamilyMember.objects.filter(profile=profile).order_by("pk")[:2]:
            member.address = f"Thôn {rng.randint(1, 9)}, {rng.choice(whole).text}"
            family_rows.append(member)
    Profile.objects.bulk_update(
        chosen,
        [
            "hometown_text",
            "hometown_province_code",
            "hometown_commune_code",
            "permanent_residence",
            "permanent_residence_province_code",
            "permanent_residence_commune_code",
            "current_residence",
            "current_residence_province_code",
            "current_residence_commune_code",
            "birthplace_text",
            "birthplace_province_code",
            "birthplace_commune_code",
            "position_code",
            "unit",
        ],
        batch_size=500,
    )
    WorkHistory.objects.bulk_update(
        work_rows, ["unit", "unit_name", "position_code"], batch_size=500
    )
    FamilyMember.objects.bulk_update(family_rows, ["address"], batch_size=500)
    validate_profiles(Profile.objects.filter(pk__in=[p.pk for p in chosen]))
    texts = (
        Profile.objects.filter(pk__in=[p.pk for p in chosen])
        .exclude(current_residence="")
        .values("current_residence")
        .annotate(n=Count("id"))
    )
    split_profiles = sum(
        t["n"] for t in texts if any(s.text == t["current_residence"] for s in split)
    )
    return (
        f"Hồ sơ viết theo địa giới cũ (cho đợt chuyển đổi): {len(chosen)} hồ sơ; "
        f"{split_profiles} ở {len(split)} xã cũ bị chia tách, {positions} chức vụ cũ, "
        f"{moved} còn ở đơn vị đã hợp nhất."
    )
