"""The profile fixtures (code lists, a small tree, users with roles, valid people), and a
person with both sensitive groups filled."""

from datetime import date
from decimal import Decimal

import pytest

from tests.profiles.conftest import (  # noqa: F401
    _codelists,
    approver,
    hr,
    make_profile,
    tree,
    user_with,
)

#: the sensitive values the tests look for: a health condition (group 10), a house (group 9)
CONDITION = "Viêm gan B mạn tính, theo dõi định kỳ"
LAND = "Nhà 3 tầng, số 12 phố Hàng Bạc, Hà Nội"


@pytest.fixture
def sick(make_profile):  # noqa: F811 - the fixture imported above
    """A person with a health record (group 10) and an asset declaration (group 9)."""
    from profiles.models import AssetDeclaration, HealthRecord, Profile

    profile = make_profile()
    HealthRecord.objects.create(
        profile=profile, recorded_on=date(2025, 6, 1), status=CONDITION, blood_type="AB"
    )
    AssetDeclaration.objects.create(
        profile=profile, year=2025, declared_on=date(2025, 12, 1), land_and_houses=LAND,
        annual_income=Decimal("350000000"),
    )  # fmt: skip
    return Profile.objects.get(pk=profile.pk)
