"""The ID boxes of the profile page and the shared cleaning of IDs (profiles.id_numbers):
separators dropped, anything else refused naming the field; the browser no longer cuts a
15-character "001 085 012 345" to 12 characters (issues #14, #18)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from profiles.admin import ProfileForm
from profiles.id_numbers import clean_old_id, clean_personal_id
from profiles.models import Profile

pytestmark = pytest.mark.django_db

INLINES = ("work_history", "salary_history", "career_events", "education", "trainings",
           "family", "memberships", "military_service", "assessments", "commendations",
           "disciplines", "health")  # fmt: skip


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("001 085 012 345", "001085012345"),
        ("001.085.012.345", "001085012345"),
        ("001-085-012345", "001085012345"),
        ("\u200b001085012345\ufeff", "001085012345"),
        ("", ""),
    ],
)
def test_separators_are_dropped(written, digits):
    assert clean_personal_id(written) == digits


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("001085O12345", "not_digits"),  # a letter O
        ("123456789/001085012345", "not_digits"),  # two IDs in one cell are not joined
        ("2.50185E+11", "not_digits"),  # Excel's scientific notation lost digits
        ("123 456 789", "old_id_number"),
        ("00108501234", "length"),
    ],
)
def test_other_personal_ids_are_refused(written, code):
    with pytest.raises(ValidationError) as caught:
        clean_personal_id(written)
    assert caught.value.code == code
    assert "Số định danh cá nhân" in caught.value.messages[0]


def test_the_old_id_takes_nine_digits():
    assert clean_old_id("186 123 456") == "186123456"
    for written, code in (("001085012345", "personal_id"), ("1861234", "length")):
        with pytest.raises(ValidationError) as caught:
            clean_old_id(written)
        assert caught.value.code == code
        assert "Số CMND cũ (9 số)" in caught.value.messages[0]


def test_the_form_boxes_have_no_length_limit_for_the_browser():
    form = ProfileForm()
    for name in ("personal_id", "old_id_number"):
        assert "maxlength" not in form.fields[name].widget.attrs


def test_the_profile_page_takes_an_id_written_with_spaces(client, hr, tree):
    client.force_login(hr)
    data = {
        "personal_id": "040 085 007 777", "old_id_number": "186.123.456",
        "full_name": "Đỗ Văn Mai", "sex": "1", "date_of_birth": "1985-03-14",
        "birth_date_precision": "day", "unit": tree["H40.10"].pk, "change_reason": "Nhập",
    }  # fmt: skip
    for prefix in INLINES:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    url = reverse("admin:profiles_profile_add")
    refused = client.post(url, {**data, "personal_id": "186 123 456"})
    assert refused.status_code == 200
    assert "giống số CMND cũ" in refused.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    profile = Profile.objects.get(personal_id="040085007777")
    assert profile.old_id_number == "186123456"


def _findings(profile) -> dict[str, str]:
    from profiles.models import Finding

    return dict(Finding.objects.filter(profile=profile).values_list("code", "message"))


def test_validation_names_nine_digits_in_the_personal_id_an_old_cmnd(make_profile):
    found = _findings(make_profile(personal_id="186123456", old_id_number=""))
    assert "giống số CMND cũ" in found["PID_FORMAT"]
    assert "OLD_ID_FORMAT" not in _findings(make_profile(old_id_number="186123456"))


@pytest.mark.parametrize("pid", ["04008500123²", "0400850012২৩"])
def test_digits_of_other_scripts_are_not_digits_of_an_id(make_profile, pid):
    """``str.isdigit`` says yes to a superscript or a Bengali digit: the import stored them."""
    assert "PID_FORMAT" in _findings(make_profile(personal_id=pid))
    with pytest.raises(ValidationError):
        clean_personal_id(pid)
