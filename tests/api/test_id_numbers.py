"""The API takes a personal ID typed with spaces, dots or hyphens as its 12 digits and refuses
anything else in Vietnamese (or the caller's language) naming the field; a 9-digit number in
the personal ID's field is named as an old CMND (issues #14, #18). Before: "001 085 012 345"
was refused with Django's English "Ensure this field has no more than 12 characters.", while
"ABC" and "123456789" were stored as personal IDs."""

from __future__ import annotations

import pytest

from profiles.models import Profile

pytestmark = pytest.mark.django_db

PROFILES = "/api/v1/profiles/"


@pytest.fixture
def body(agencies):
    from tests.profiles.conftest import valid_fields

    fields = valid_fields(personal_id="040185004321", full_name="Trần Thị Bình", sex="2")
    out = {k: str(v) for k, v in fields.items()}
    out.pop("birthplace_province_code")
    out.pop("hometown_province_code")
    return {**out, "unit": agencies["a_dept"].pk}


@pytest.mark.parametrize(
    "written", ["040 185 004 321", "040.185.004.321", "040-185-004321", " 040185004321 "]
)
def test_harmless_separators_are_dropped(api, body, written):
    response = api("a").post(PROFILES, {**body, "personal_id": written})
    assert response.status_code == 201, response.content
    assert response.json()["personal_id"] == "040185004321"
    assert Profile.objects.filter(personal_id="040185004321").exists()


def _error(response) -> dict:
    assert response.status_code == 400, response.content
    (error,) = [e for e in response.json()["errors"] if e["field"] != "unit"]
    return error


@pytest.mark.parametrize("written", ["ABC", "04018500432A", "040/185/004/321", "0401850043২১"])
def test_other_characters_are_refused_naming_the_field(api, body, written):
    before = Profile.objects.count()
    error = _error(api("a").post(PROFILES, {**body, "personal_id": written}))
    assert error["field"] == "personal_id"
    assert error["message"].startswith(f"Số định danh cá nhân “{written}” chỉ được gồm chữ số")
    assert Profile.objects.count() == before


def test_nine_digits_in_the_personal_id_are_named_an_old_cmnd(api, body):
    error = _error(api("a").post(PROFILES, {**body, "personal_id": "123 456 789"}))
    assert error["field"] == "personal_id"
    assert "9 chữ số, giống số CMND cũ" in error["message"]
    assert "Số CMND cũ (9 số)" in error["message"]  # where it goes


def test_a_wrong_length_says_how_many_digits(api, body):
    error = _error(api("a").post(PROFILES, {**body, "personal_id": "0401850043"}))
    assert error["message"] == (
        "Số định danh cá nhân phải gồm đúng 12 chữ số; “0401850043” có 10 chữ số."
    )


def test_the_old_id_takes_nine_digits_and_names_a_twelve_digit_one(api, body):
    client = api("a")
    created = client.post(PROFILES, {**body, "old_id_number": "186.123.456"})
    assert created.status_code == 201, created.content
    assert created.json()["old_id_number"] == "186123456"
    error = _error(
        client.post(
            PROFILES, {**body, "personal_id": "040185004322", "old_id_number": "040185004322"}
        )
    )
    assert error["field"] == "old_id_number"
    assert "số của CMND 12 số là số định danh cá nhân" in error["message"]


def test_the_message_is_in_the_callers_language(api, body):
    response = api("a").post(
        PROFILES, {**body, "personal_id": "12345678A"}, **{"Accept-Language": "en"}
    )
    error = _error(response)
    assert error["message"].startswith(
        "Personal identification number “12345678A” may contain only digits"
    )


def test_a_patch_with_the_same_id_written_with_spaces_changes_nothing(api, agencies):
    client = api("a")
    url = f"{PROFILES}{agencies['a_profile'].pk}/"
    etag = client.get(url)["ETag"]
    response = client.patch(
        url, {"personal_id": "040 085 001 234"}, **{"If-Match": etag, "X-Change-Reason": "x"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["personal_id"] == "040085001234"
