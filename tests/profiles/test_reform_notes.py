"""What the 2025 reform conversion keeps beside a child row (conversion/children.py) is shown
where people read the row: a relative's address as written before ("nguyên văn") and the note
beside a past workplace ("nay thuộc Tỉnh Phú Thọ"), in the profile page's family and
work-history tables, in the Mẫu 2C (PDF and DOCX) and in the Excel export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from docx import Document

from profiles.export import render_docx, render_pdf
from profiles.models import FamilyMember, Profile, WorkHistory
from tests.pdf_text import flat, pdf_text
from transfer.columns import SHEETS
from transfer.export import export_profiles

OLD_ADDRESS = "Thôn 3, Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
NEW_ADDRESS = "Thôn 3, Xã Tam Hồng, Tỉnh Phú Thọ"
OLD_WORKPLACE = "Ủy ban nhân dân huyện Yên Lạc, Tỉnh Vĩnh Phúc"
NOTE = "nay thuộc Tỉnh Phú Thọ"


@pytest.fixture
def converted(make_profile):
    """A profile whose family and work-history rows the conversion has been through, and one
    row of each it left alone (nothing kept, no note)."""
    p = make_profile(full_name="Lê Thị Mai", sex="2", personal_id="040185004321")
    WorkHistory(profile=p, start_date=date(2008, 3, 1), end_date=date(2012, 6, 30),
                unit_name=OLD_WORKPLACE, place_note=NOTE).save()  # fmt: skip
    WorkHistory(profile=p, start_date=date(2012, 7, 1), end_date=date(2015, 1, 31),
                unit_name="Công ty Cổ phần ABC").save()  # fmt: skip
    FamilyMember(profile=p, relationship_code="ME", full_name="Nguyễn Thị Lan", birth_year=1960,
                 address=NEW_ADDRESS, address_original=OLD_ADDRESS).save()  # fmt: skip
    FamilyMember(profile=p, relationship_code="BO", full_name="Lê Văn Hùng",
                 birth_year=1958, address="Phường Vinh Tân, Tỉnh Nghệ An").save()  # fmt: skip
    return p


def _part(client, profile: Profile, prefix: str) -> str:
    url = reverse("admin:profiles_profile_inline", args=[profile.pk, prefix])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_profile_page_shows_them_read_only_in_the_rows(client, hr, converted):
    client.force_login(hr)
    family = _part(client, converted, "family")
    assert OLD_ADDRESS in family and "nguyên văn trước chuyển đổi" in family.lower()
    assert 'name="family-0-address_original"' not in family  # shown, never typed
    work = _part(client, converted, "work_history")
    assert NOTE in work and "địa danh hiện nay" in work.lower()
    assert 'name="work_history-0-place_note"' not in work


def test_saving_the_tables_keeps_what_the_conversion_wrote(client, hr, converted):
    """The read-only columns are not in the posted form: a save of both opened tables, with an
    edit in each, leaves the original text and the note as they are."""
    from tests.profiles.test_lazy_inlines import _form_values, _placeholders

    client.force_login(hr)
    url = reverse("admin:profiles_profile_change", args=[converted.pk])
    page = client.get(url).content.decode()
    data = _form_values(page)
    for prefix in ("family", "work_history"):
        data.update(_form_values(client.get(_placeholders(page)[prefix]).content.decode(), None))
    for key in [k for k in data if k.endswith("-occupation") or k.endswith("-description")]:
        data[key] = "Đã sửa"
    data["change_reason"] = "Bổ sung"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    mother = FamilyMember.objects.get(profile=converted, relationship_code="ME")
    assert (mother.occupation, mother.address) == ("Đã sửa", NEW_ADDRESS)
    assert mother.address_original == OLD_ADDRESS
    past = WorkHistory.objects.get(profile=converted, unit_name=OLD_WORKPLACE)
    assert (past.description, past.place_note) == ("Đã sửa", NOTE)


def test_mau_2c_prints_the_note_after_the_workplace_and_the_old_address(converted):
    text = flat(pdf_text(render_pdf(converted)))
    assert f"{OLD_WORKPLACE} ({NOTE})" in text
    assert f"{NEW_ADDRESS} (địa danh cũ: {OLD_ADDRESS})" in text
    # rows the conversion left alone read as before: no empty brackets
    assert "Công ty Cổ phần ABC" in text and "Công ty Cổ phần ABC (" not in text
    assert "Phường Vinh Tân, Tỉnh Nghệ An" in text and "Nghệ An (địa danh cũ" not in text
    doc = Document(io.BytesIO(render_docx(converted)))
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert f"{OLD_WORKPLACE} ({NOTE})" in cells
    assert f"{NEW_ADDRESS} (địa danh cũ: {OLD_ADDRESS})" in cells


def test_mau_2c_shows_no_old_address_when_it_is_the_same_text(make_profile):
    p = make_profile()
    FamilyMember(profile=p, relationship_code="ME", full_name="Phan Thị Hoa",
                 address=NEW_ADDRESS, address_original=NEW_ADDRESS).save()  # fmt: skip
    text = flat(pdf_text(render_pdf(p)))
    assert NEW_ADDRESS in text and "địa danh cũ" not in text


def _sheet(path, title: str) -> list[dict[str, object]]:
    import python_calamine as pc

    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(title).to_python()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_excel_export_has_them_as_columns(tmp_path, converted):
    out = tmp_path / "xuat.xlsx"
    export_profiles(Profile.objects.filter(pk=converted.pk), out)
    family = _sheet(out, SHEETS["family"].title)
    mother = next(r for r in family if r["Họ và tên"] == "Nguyễn Thị Lan")
    assert mother["Nơi ở"] == NEW_ADDRESS
    assert mother["Nơi ở – nguyên văn trước chuyển đổi"] == OLD_ADDRESS
    work = _sheet(out, SHEETS["work_history"].title)
    past = next(r for r in work if r["Đơn vị"] == OLD_WORKPLACE)
    assert past["Địa danh hiện nay (chú thích)"] == NOTE
    other = next(r for r in work if r["Đơn vị"] == "Công ty Cổ phần ABC")
    assert other["Địa danh hiện nay (chú thích)"] == ""


OLD_HOMETOWN = "Xã Tam Hồng, Huyện Yên Lạc, Tỉnh Vĩnh Phúc"
NEW_HOMETOWN = "Xã Tam Hồng, Tỉnh Phú Thọ"


@pytest.fixture
def converted_places(make_profile):
    """A profile whose home town and permanent residence the conversion rewrote (the texts
    before kept), whose birthplace it left as it was, and with no current residence."""
    p = make_profile(full_name="Đỗ Văn Nam", personal_id="040085004322")
    Profile.objects.filter(pk=p.pk).update(
        hometown_text=NEW_HOMETOWN,
        hometown_original=OLD_HOMETOWN,
        permanent_residence=NEW_ADDRESS,
        permanent_residence_original=OLD_ADDRESS,
        current_residence="",
        birthplace_text="Tỉnh Nghệ An",
        birthplace_original="Tỉnh Nghệ An",
    )
    return Profile.objects.get(pk=p.pk)


def test_mau_2c_prints_the_profiles_own_places_with_their_old_text(converted_places):
    text = flat(pdf_text(render_pdf(converted_places)))
    assert f"5) Quê quán: {NEW_HOMETOWN} (địa danh cũ: {OLD_HOMETOWN})" in text
    assert f"8) Nơi đăng ký hộ khẩu thường trú: {NEW_ADDRESS} (địa danh cũ: {OLD_ADDRESS})" in text
    # item 9 falls back on the permanent residence, with its old text
    assert f"9) Nơi ở hiện nay: {NEW_ADDRESS} (địa danh cũ: {OLD_ADDRESS})" in text
    assert "4) Nơi sinh: Tỉnh Nghệ An" in text and "Nghệ An (địa danh cũ" not in text


def test_the_profile_page_shows_the_old_texts_read_only(client, hr, converted_places):
    client.force_login(hr)
    url = reverse("admin:profiles_profile_change", args=[converted_places.pk])
    page = client.get(url).content.decode()
    assert OLD_HOMETOWN in page and OLD_ADDRESS in page
    assert 'name="hometown_original"' not in page  # shown, never typed
    assert "quê quán – nguyên văn trước chuyển đổi" in page.lower()
    assert "nơi sinh – nguyên văn" not in page.lower()  # the same text: nothing to show
    # a save of the page keeps them
    from tests.profiles.test_lazy_inlines import _form_values

    data = _form_values(page)
    data["phone"] = "0912000111"
    data["change_reason"] = "Bổ sung số điện thoại"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    saved = Profile.objects.get(pk=converted_places.pk)
    assert (saved.phone, saved.hometown_original) == ("0912000111", OLD_HOMETOWN)


def test_the_excel_export_has_the_profiles_old_texts(tmp_path, converted_places):
    out = tmp_path / "xuat.xlsx"
    export_profiles(Profile.objects.filter(pk=converted_places.pk), out)
    (row,) = _sheet(out, SHEETS["profile"].title)
    assert row["Quê quán"] == NEW_HOMETOWN
    assert row["Quê quán – nguyên văn trước chuyển đổi"] == OLD_HOMETOWN
    assert row["Nơi thường trú – nguyên văn trước chuyển đổi"] == OLD_ADDRESS
