from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from orgtree.models import Role
from profiles.models import AssetDeclaration
from profiles.services import asset_declarations, visible_profiles


def test_visible_profiles_follow_the_subtree(make_profile, tree, hr, user_with):
    inside = make_profile()  # H40.10.01, below hr's H40.10
    make_profile(personal_id="040085004444", unit=tree["H40.11"])
    assert list(visible_profiles(hr)) == [inside]
    national = user_with("quocgia", superuser=True)
    assert visible_profiles(national).count() == 2
    nobody = user_with("khong_quyen")
    assert not visible_profiles(nobody).exists()


def test_assets_need_the_dedicated_permission_and_the_scope(make_profile, tree, hr, user_with):
    p = make_profile()
    AssetDeclaration(profile=p, year=2025, declared_on=date(2025, 12, 1), annual_income=1).save()
    with pytest.raises(PermissionDenied, match="tài sản"):
        asset_declarations(hr, p)
    perm = Permission.objects.get(codename="view_assets_income")
    hr.user_permissions.add(perm)
    hr = type(hr).objects.get(pk=hr.pk)
    assert asset_declarations(hr, p).count() == 1
    outsider = user_with("ngoai", (tree["H42"], Role.HR_OFFICER))
    outsider.user_permissions.add(perm)
    outsider = type(outsider).objects.get(pk=outsider.pk)
    with pytest.raises(PermissionDenied, match="phạm vi"):
        asset_declarations(outsider, p)
