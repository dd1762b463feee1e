import unicodedata
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from profiles.models import (
    Finding,
    Membership,
    Profile,
    SalaryHistory,
    WorkHistory,
)
from profiles.tasks import schedule_validation
from profiles.validation import validate_profile, validate_profiles

from .conftest import valid_fields


def codes(profile, severity=None):
    qs = Finding.objects.filter(profile=profile)
    if severity:
        qs = qs.filter(severity=severity)
    return set(qs.values_list("code", flat=True))


def test_text_is_stored_clean_and_searchable(make_profile):
    decomposed = unicodedata.normalize("NFD", "NGUYỄN THỊ THUÝ  HOÀ")
    p = make_profile(full_name=decomposed, other_names=" Hoà ")
    p.refresh_from_db()
    assert p.full_name == "Nguyễn Thị Thúy Hòa"
    assert unicodedata.is_normalized("NFC", p.full_name)
    assert p.other_names == "Hòa"
    assert p.folded_name == "nguyen thi thuy hoa"


def test_a_consistent_profile_has_no_errors(make_profile):
    p = make_profile()
    assert codes(p, "error") == set()
    assert p.error_count == 0


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"personal_id": "04008500123"}, "PID_FORMAT"),
        ({"personal_id": "04008500123A"}, "PID_FORMAT"),
        ({"personal_id": "003085001234", "birth_registration_province": ""}, "PID_PROVINCE"),
        ({"personal_id": "040285001234"}, "PID_CENTURY"),  # 2 = born 2000–2099
        ({"personal_id": "040185001234"}, "PID_SEX"),  # 1 = a woman born 1900–1999
        ({"personal_id": "040086001234"}, "PID_YEAR"),
        ({"birth_registration_province": "001"}, "PID_BIRTH_PROVINCE"),
        ({"old_id_number": "12345678"}, "OLD_ID_FORMAT"),
        ({"ethnicity": "99"}, "CODE_UNKNOWN"),
        ({"sex": ""}, "REQUIRED"),
    ],
)
def test_identity_errors(make_profile, overrides, code):
    p = make_profile(**overrides)
    assert code in codes(p, "error")
    assert Profile.objects.get(pk=p.pk).error_count >= 1


def test_woman_born_2001_needs_digit_3(make_profile):
    ok = make_profile(personal_id="040301000001", sex="2", date_of_birth=date(2001, 1, 1))
    assert codes(ok, "error") == set()


def test_birthplace_in_another_province_is_a_warning(make_profile):
    # the ID's first digits (040) say the birth was registered in Nghệ An
    p = make_profile(birthplace_text="Hà Nội", birthplace_province_code="")
    assert p.birthplace_province_code == "01"  # resolved from the text on save
    assert "PID_BIRTHPLACE" in codes(p, "warning")


def add(model, profile, **fields):
    obj = model(profile=profile, **fields)
    obj.save()
    return obj


def test_contradictory_dates(make_profile, tree):
    p = make_profile()
    add(WorkHistory, p, start_date=date(1999, 1, 1), end_date=date(2004, 12, 31), unit=tree["H40"])
    add(WorkHistory, p, start_date=date(2004, 6, 1), unit=tree["H40.10"])  # overlaps the first
    add(WorkHistory, p, start_date=date(2005, 1, 1), concurrent=True)  # concurrent: allowed
    add(
        Membership,
        p,
        organisation="party",
        admission_date=date(2010, 5, 1),
        full_membership_date=date(2010, 1, 1),
    )
    add(
        WorkHistory, p, start_date=date.today() + timedelta(days=30), end_date=None, concurrent=True
    )
    found = codes(p, "error")
    assert {"WORK_BEFORE_15", "WORK_OVERLAP", "PARTY_FULL_BEFORE_ADMISSION", "DATE_FUTURE"} <= found
    overlap = Finding.objects.get(profile=p, code="WORK_OVERLAP")
    assert overlap.field == "work_history[2].start_date"
    assert "chồng lên dòng 1" in overlap.message


def test_handover_on_one_day_is_not_an_overlap(make_profile, tree):
    p = make_profile()
    add(WorkHistory, p, start_date=date(2008, 1, 1), end_date=date(2012, 1, 1), unit=tree["H40"])
    add(WorkHistory, p, start_date=date(2012, 1, 1), unit=tree["H40.10"])
    assert "WORK_OVERLAP" not in codes(p)


def test_salary_rules_use_the_scale_in_the_code_list(make_profile):
    p = make_profile()
    # A1 step 3 = 2.34 + 2 × 0.33 = 3.00
    add(SalaryHistory, p, effective_date=date(2010, 1, 1), salary_scale="A1", grade_code="01.003",
        step=3, coefficient=Decimal("3.00"))  # fmt: skip
    assert not codes(p) & {"SALARY_COEFFICIENT", "SALARY_STEP", "GRADE_SCALE", "CODE_UNKNOWN"}
    add(SalaryHistory, p, effective_date=date(2013, 1, 1), salary_scale="A2.1",
        grade_code="01.003", step=9, coefficient=Decimal("3.33"))  # fmt: skip
    add(SalaryHistory, p, effective_date=date(2016, 1, 1), salary_scale="A1", grade_code="01.003",
        step=4, coefficient=Decimal("3.50"))  # fmt: skip
    add(SalaryHistory, p, effective_date=date(2017, 1, 1), salary_scale="A1", grade_code="09.999",
        step=4, coefficient=Decimal("3.33"))  # fmt: skip
    assert {"GRADE_SCALE", "SALARY_COEFFICIENT"} <= codes(p, "warning")
    assert {"SALARY_STEP", "CODE_UNKNOWN"} <= codes(p, "error")


def test_possible_duplicates_inside_one_agency_only(make_profile, tree):
    a = make_profile()
    b = make_profile(personal_id="040085009999", full_name="NGUYEN VĂN AN")
    c = make_profile(personal_id="040085008888", unit=tree["H42"])  # another agency tree
    validate_profiles()
    # folded names differ ("nguyen van an" both): same key, one tree → linked both ways
    dup_a = Finding.objects.get(profile=a, code="POSSIBLE_DUPLICATE")
    assert dup_a.related_profile_id == b.pk
    assert Finding.objects.get(profile=b, code="POSSIBLE_DUPLICATE").related_profile_id == a.pk
    assert "POSSIBLE_DUPLICATE" not in codes(c)


def test_completeness_and_live(make_profile, settings):
    p = make_profile(last_verified_at=date.today() - timedelta(days=400))
    p.refresh_from_db()
    assert 0 < p.completeness < 100
    assert "INCOMPLETE" in codes(p) and "NOT_VERIFIED" in codes(p)
    settings.CBCCVC_VERIFY_MAX_AGE_DAYS = 500
    validate_profile(p)
    assert "NOT_VERIFIED" not in codes(p)


def test_unit_completeness(make_profile, tree):
    from profiles.validation import unit_completeness

    make_profile()
    make_profile(personal_id="040085007777", unit=tree["H40.11"], ethnicity="", religion="")
    rows = {r["unit__code"]: r for r in unit_completeness(Profile.objects.all())}
    assert rows["H40.11"]["completeness"] < rows["H40.10.01"]["completeness"]
    assert rows["H40.11"]["profiles"] == 1


def test_unclean_text_written_around_the_model_is_reported(make_profile):
    p = make_profile()
    nfd = unicodedata.normalize("NFD", "Thừa Thiên Huế")
    Profile.objects.filter(pk=p.pk).update(hometown_text=nfd, full_name="nguyễn văn an")
    validate_profile(p)
    fields = set(
        Finding.objects.filter(profile=p, code="TEXT_NOT_CLEAN").values_list("field", flat=True)
    )
    assert fields == {"hometown_text", "full_name"}


def test_bulk_and_single_validation_agree(make_profile, tree):
    p1 = make_profile(personal_id="040285001234")
    p2 = make_profile(personal_id="040085005555", unit=tree["H40.11"])
    add(WorkHistory, p2, start_date=date(1990, 1, 1), unit=tree["H40.11"])
    single = {pk: sorted(Finding.objects.filter(profile_id=pk).values_list("code", "field"))
              for pk in (p1.pk, p2.pk)}  # fmt: skip
    Finding.objects.all().delete()
    run = validate_profiles(chunk_size=1)
    assert run.profiles == 2 and run.errors >= 2
    bulk = {pk: sorted(Finding.objects.filter(profile_id=pk).values_list("code", "field"))
            for pk in (p1.pk, p2.pk)}  # fmt: skip
    assert bulk == single


def test_background_task_and_command(make_profile, tree, capsys):
    p = make_profile(personal_id="040285001234")
    Finding.objects.all().delete()
    schedule_validation("H40.10", sync=True)
    assert "PID_CENTURY" in codes(p)
    Finding.objects.all().delete()
    call_command("validate_profiles", "--unit", "H40.11")
    assert codes(p) == set()  # outside that subtree
    call_command("validate_profiles", "--unit", "h40")
    assert "PID_CENTURY" in codes(p)
    assert "1 hồ sơ, 1 lỗi" in capsys.readouterr().out


def test_command_refuses_unknown_unit(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="H99"):
        call_command("validate_profiles", "--unit", "H99")


def test_valid_fields_are_self_consistent():
    f = valid_fields()
    assert f["personal_id"][:3] == f["birth_registration_province"]


def test_duplicate_link_goes_away_on_both_sides_when_corrected(make_profile):
    a = make_profile()
    b = make_profile(personal_id="040085009999")
    assert "POSSIBLE_DUPLICATE" in codes(a) and "POSSIBLE_DUPLICATE" in codes(b)
    b.full_name = "Nguyễn Văn Ân"  # folds the same: still a possible duplicate
    b.save()
    assert "POSSIBLE_DUPLICATE" in codes(a)
    b.full_name = "Nguyễn Văn Bình"
    b.save()
    assert "POSSIBLE_DUPLICATE" not in codes(a) | codes(b)
