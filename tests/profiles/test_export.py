import io
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from docx import Document

from profiles.export import cv_sections, render_docx, render_pdf
from profiles.models import FamilyMember, WorkHistory
from tests.pdf_text import flat, pdf_text


@pytest.fixture
def person(make_profile, tree):
    p = make_profile(full_name="Trần Thị Thuý Hoà", sex="2", personal_id="040185001234")
    WorkHistory(profile=p, start_date=date(2009, 8, 1), unit=tree["H40.10"],
                position_code="PTP").save()  # fmt: skip
    FamilyMember(profile=p, side="spouse", relationship_code="BO",
                 full_name="Hoàng Văn Đức", birth_year=1950).save()  # fmt: skip
    return p


def test_document_model_follows_mau_2c(person):
    cv = cv_sections(person)
    assert cv.lines[0].endswith("TRẦN THỊ THÚY HÒA")
    assert cv.agency == "UBND tỉnh Nghệ An"
    work = next(t for t in cv.tables if t.heading.startswith("28)"))
    assert work.rows == [["08/2009 – nay", "Phó Trưởng phòng, Sở Tài chính"]]
    spouse = next(t for t in cv.tables if t.heading.startswith("30b)"))
    assert spouse.rows[0][:3] == ["Bố", "Hoàng Văn Đức", "1950"]


def test_docx_contains_the_vietnamese_text(person):
    doc = Document(io.BytesIO(render_docx(person)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC" in text and "TRẦN THỊ THÚY HÒA" in text
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "Hoàng Văn Đức" in cells


def test_pdf_embeds_a_unicode_font_with_every_glyph(person, caplog):
    """fpdf2 logs the characters its font lacks; DejaVu covers all of Vietnamese."""
    caplog.set_level("WARNING")
    pdf = render_pdf(person)
    assert pdf.startswith(b"%PDF") and b"DejaVuSerif" in pdf and b"/ToUnicode" in pdf
    assert not [r for r in caplog.records if "missing" in r.getMessage().lower()]


def test_pdf_reads_and_renders_with_poppler(person, tmp_path):
    """The standard reader, not our code: pdftotext finds the CV's text with its Vietnamese
    letters, and pdftoppm renders every page to an image that is not blank."""
    pdf = render_pdf(person)
    text = flat(pdf_text(pdf))
    assert "SƠ YẾU LÝ LỊCH" in text and "TRẦN THỊ THÚY HÒA" in text and "Hoàng Văn Đức" in text
    (tmp_path / "cv.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", str(tmp_path / "cv.pdf"), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    pages = sorted(tmp_path.glob("page*.pgm"))
    assert pages
    for page in pages:
        pixels = page.read_bytes().split(b"\n", 3)[3]  # P5 header: magic, size, maxval
        assert min(pixels) < 128, f"{page.name} is blank"


def test_admin_download_is_scoped(client, hr, user_with, person, tree):
    from orgtree.models import Role

    url = reverse("admin:profiles_profile_cv", args=[person.pk, "pdf"])
    client.force_login(hr)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    docx = client.get(reverse("admin:profiles_profile_cv", args=[person.pk, "docx"]))
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    outsider = user_with("cb_ngoai", (tree["H42"], Role.HR_OFFICER))
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_mau_2c_is_the_same_vietnamese_form_in_english(person):
    """An official Vietnamese form: the user's language changes none of its text."""
    from django.utils import translation

    from profiles.models import Membership, Training

    Membership(profile=person, organisation="youth_union", admission_date=date(2001, 3, 26)).save()
    Training(profile=person, kind="political_theory", institution="Trường Chính trị").save()
    vietnamese = flat(pdf_text(render_pdf(person)))
    assert "Đoàn TNCS Hồ Chí Minh 26/03/2001" in vietnamese and "Lý luận chính trị" in vietnamese
    with translation.override("en"):
        english = flat(pdf_text(render_pdf(person)))
        cells = {c.text for t in Document(io.BytesIO(render_docx(person))).tables
                 for r in t.rows for c in r.cells}  # fmt: skip
    assert english == vietnamese
    assert "Lý luận chính trị" in cells
