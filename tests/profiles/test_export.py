import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from docx import Document

from profiles.export import cv_sections, render_docx, render_pdf
from profiles.models import FamilyMember, WorkHistory
from tests.pdf_text import flat, pdf_text


def docx_text(doc) -> str:
    """Every paragraph of the document in its order, those in (nested) tables included."""
    from docx.oxml.ns import qn

    return "\n".join(
        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in doc.element.body.iter(qn("w:p"))
    )


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
    spouse = next(t for t in cv.tables if t.heading.startswith("b) Về bên vợ (hoặc chồng)"))
    assert spouse.rows[0][:3] == ["Bố", "Hoàng Văn Đức", "1950"]


def test_docx_contains_the_vietnamese_text(person):
    doc = Document(io.BytesIO(render_docx(person)))
    text = docx_text(doc)
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


# -- the official form, item by item ----------------------------------------------------------
#: the items of Mẫu 2C-BNV/2008 with their labels as the form prints them, in its order
OFFICIAL_ITEMS = [
    "1) Họ và tên khai sinh (viết chữ in hoa):",
    "2) Tên gọi khác:",
    "3) Sinh ngày:",
    "Giới tính (nam, nữ):",
    "4) Nơi sinh:",
    "5) Quê quán:",
    "6) Dân tộc:",
    "7) Tôn giáo:",
    "8) Nơi đăng ký hộ khẩu thường trú:",
    "9) Nơi ở hiện nay:",
    "10) Nghề nghiệp khi được tuyển dụng:",
    "11) Ngày tuyển dụng:",
    "Cơ quan tuyển dụng:",
    "12) Chức vụ (chức danh) hiện tại:",
    "13) Công việc chính được giao:",
    "14) Ngạch công chức (viên chức):",
    "Mã ngạch:",
    "Bậc lương:",
    "Hệ số:",
    "Ngày hưởng:",
    "Phụ cấp chức vụ:",
    "Phụ cấp khác:",
    "15.1- Trình độ giáo dục phổ thông:",
    "15.2- Trình độ chuyên môn cao nhất:",
    "15.3- Lý luận chính trị:",
    "15.4- Quản lý nhà nước:",
    "15.5- Ngoại ngữ:",
    "15.6- Tin học:",
    "16) Ngày vào Đảng Cộng sản Việt Nam:",
    "Ngày chính thức:",
    "17) Ngày tham gia tổ chức chính trị - xã hội:",
    "18) Ngày nhập ngũ:",
    "Ngày xuất ngũ:",
    "Quân hàm cao nhất:",
    "19) Danh hiệu được phong tặng cao nhất",
    "20) Sở trường công tác:",
    "21) Khen thưởng:",
    "22) Kỷ luật:",
    "23) Tình trạng sức khỏe:",
    "24) Là thương binh hạng:",
    "Là con gia đình chính sách:",
    "25) Số chứng minh nhân dân (số định danh cá nhân):",
    "Ngày cấp:",
    "26) Số sổ BHXH:",
    "27) ĐÀO TẠO, BỒI DƯỠNG VỀ CHUYÊN MÔN, NGHIỆP VỤ, LÝ LUẬN CHÍNH TRỊ, NGOẠI NGỮ, TIN HỌC",
    "Tên trường",
    "Chuyên ngành đào tạo, bồi dưỡng",
    "Từ tháng, năm - đến tháng, năm",
    "Hình thức đào tạo",
    "Văn bằng, chứng chỉ, trình độ gì",
    "28) TÓM TẮT QUÁ TRÌNH CÔNG TÁC",
    "Từ tháng, năm đến tháng, năm",
    "Chức danh, chức vụ, đơn vị công tác",
    "29) ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN",
    "a) Khai rõ: bị bắt, bị tù",
    "b) Tham gia hoặc có quan hệ với các tổ chức chính trị, kinh tế, xã hội nào ở nước ngoài",
    "c) Có thân nhân (Bố, Mẹ, Vợ, Chồng, con, anh chị em ruột) ở nước ngoài",
    "30) QUAN HỆ GIA ĐÌNH",
    "a) Về bản thân: Bố, Mẹ, Vợ (hoặc chồng), các con, anh chị em ruột",
    "b) Về bên vợ (hoặc chồng): Bố, Mẹ, anh chị em ruột",
    "31) DIỄN BIẾN QUÁ TRÌNH LƯƠNG CỦA CÁN BỘ, CÔNG CHỨC",
    "Tháng/năm",
    "Mã ngạch/bậc",
    "Hệ số lương",
    "32) NHẬN XÉT, ĐÁNH GIÁ CỦA CƠ QUAN, ĐƠN VỊ QUẢN LÝ VÀ SỬ DỤNG CÁN BỘ, CÔNG CHỨC",
]
HEADER = [
    "Cơ quan, đơn vị có thẩm quyền quản lý CBCC",
    "Cơ quan, đơn vị sử dụng CBCC",
    "Mẫu 2C-BNV/2008",
    "Số hiệu cán bộ, công chức:",
    "Ảnh màu (4 x 6 cm)",
    "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC",
]
SIGNATURES = [
    "Người khai",
    "Tôi xin cam đoan những lời khai trên đây là đúng sự thật",
    "(Ký tên, ghi rõ họ tên)",
    "Ngày …… tháng …… năm ……",
    "Thủ trưởng cơ quan, đơn vị quản lý và sử dụng CBCC",
    "(Ký tên, đóng dấu)",
]


@pytest.fixture
def official(make_profile, tree):
    """A fixed person with data for most items; nothing in it depends on today. The place
    texts are written straight to the table, so the place resolver's wording cannot move the
    reference image."""
    from decimal import Decimal

    from profiles.models import (
        CareerEvent,
        Commendation,
        Education,
        Membership,
        Profile,
        SalaryHistory,
        Training,
    )

    p = make_profile(full_name="Nguyễn Thị Hồng Nhung", sex="2", personal_id="040185007789",
                     date_of_birth=date(1985, 5, 20), other_names="Nhung")  # fmt: skip
    Profile.objects.filter(pk=p.pk).update(
        birthplace_text="Xã Diễn Hồng, Huyện Diễn Châu, Tỉnh Nghệ An",
        birthplace_original="",
        hometown_text="Xã Diễn Hồng, Tỉnh Nghệ An",
        hometown_original="Xã Diễn Hồng, Huyện Diễn Châu, Tỉnh Nghệ An",
        permanent_residence="Số 12 đường Lê Hồng Phong, Phường Vinh Phú, Tỉnh Nghệ An",
        permanent_residence_original="",
        current_residence="",
        position_code="PTP",
        grade_code="01.003",
        salary_step=4,
        salary_coefficient=Decimal("3.33"),
        salary_since=date(2021, 1, 1),
    )
    p = Profile.objects.get(pk=p.pk)
    CareerEvent(profile=p, kind="recruitment", effective_date=date(2009, 8, 1),
                issuer="Sở Nội vụ tỉnh Nghệ An").save()  # fmt: skip
    WorkHistory(profile=p, start_date=date(2009, 8, 1), end_date=date(2019, 5, 31),
                unit_name="Phòng Tài chính - Kế hoạch huyện Diễn Châu").save()  # fmt: skip
    WorkHistory(profile=p, start_date=date(2019, 6, 1), unit=tree["H40.10.01"],
                position_code="PTP", description="Quản lý ngân sách cấp huyện").save()  # fmt: skip
    SalaryHistory(profile=p, effective_date=date(2009, 8, 1), salary_scale="A1",
                  grade_code="01.003", step=1, coefficient=Decimal("2.34")).save()  # fmt: skip
    SalaryHistory(profile=p, effective_date=date(2021, 1, 1), salary_scale="A1",
                  grade_code="01.003", step=4, coefficient=Decimal("3.33"),
                  position_allowance=Decimal("0.20")).save()  # fmt: skip
    Education(profile=p, kind="general", level_code="PT12").save()
    Education(profile=p, kind="professional", level_code="DH", major="Kinh tế",
              institution="Trường Đại học Kinh tế Quốc dân", study_mode="Chính quy",
              start_date=date(2003, 9, 1), end_date=date(2007, 6, 30)).save()  # fmt: skip
    Training(profile=p, kind="political_theory", level_code="TC",
             institution="Trường Chính trị tỉnh Nghệ An",
             start_date=date(2015, 3, 1), end_date=date(2016, 3, 1)).save()  # fmt: skip
    Training(profile=p, kind="foreign_language", name="Tiếng Anh B1",
             end_date=date(2012, 6, 1)).save()  # fmt: skip
    Membership(profile=p, organisation="party", admission_date=date(2012, 5, 19),
               full_membership_date=date(2013, 5, 19)).save()  # fmt: skip
    Membership(profile=p, organisation="youth_union", admission_date=date(2000, 3, 26)).save()
    Commendation(profile=p, kind_code="GK", awarded_on=date(2018, 12, 20)).save()
    Commendation(profile=p, kind_code="BKBO", awarded_on=date(2020, 12, 20)).save()
    for side, code, name, year in (("own", "BO", "Nguyễn Văn Hùng", 1955),
                                   ("own", "CHONG", "Trần Văn Bình", 1983),
                                   ("spouse", "ME", "Lê Thị Lan", 1958)):  # fmt: skip
        FamilyMember(profile=p, side=side, relationship_code=code, full_name=name,
                     birth_year=year, occupation="Nghỉ hưu").save()  # fmt: skip
    return Profile.objects.get(pk=p.pk)


def _in_order(text: str, labels: list[str]) -> None:
    at = 0
    for label in labels:
        found = text.find(label, at)
        assert found >= 0, f"{label!r} missing after position {at}"
        at = found + len(label)


def test_every_item_of_the_official_form_in_order_in_docx_and_pdf(official):
    docx = flat(docx_text(Document(io.BytesIO(render_docx(official)))))
    pdf = flat(pdf_text(render_pdf(official)))
    for text in (docx, pdf):
        _in_order(text, HEADER + OFFICIAL_ITEMS + SIGNATURES)
        for number in [n for n in range(1, 33) if n != 15]:  # each once; 15 is 15.1 … 15.6
            assert len(re.findall(rf"(?<![\d./]){number}\) ", text)) == 1, number
        assert "Hệ số: 3,33" in text and "3,33" in text and "3.33" not in text
        assert "Phụ cấp chức vụ: 0,20" in text and "2,34" in text
        assert "NGUYỄN THỊ HỒNG NHUNG" in text and "Giới tính (nam, nữ): Nữ" in text
        assert "3) Sinh ngày: 20 tháng 05 năm 1985" in text
        assert (
            "11) Ngày tuyển dụng: 01/08/2009, Cơ quan tuyển dụng: Sở Nội vụ tỉnh Nghệ An 12)"
            in text
        )
        assert "13) Công việc chính được giao: Quản lý ngân sách cấp huyện" in text
        assert "21) Khen thưởng: Bằng khen cấp bộ, ngành, tỉnh, năm 2020" in text  # the highest
        assert "Chính quy" in text  # item 27's "Hình thức đào tạo"
        # items with no data print the form's dots
        assert "10) Nghề nghiệp khi được tuyển dụng: ……" in text
        assert "26) Số sổ BHXH: ……" in text


def test_an_empty_item_prints_dots_and_no_stray_comma(make_profile):
    p = make_profile()
    text = flat(pdf_text(render_pdf(p)))
    assert "11) Ngày tuyển dụng: ……/……/………, Cơ quan tuyển dụng: …………… 12)" in text
    assert ", 12)" not in text and ": , " not in text
    assert "16) Ngày vào Đảng Cộng sản Việt Nam: ……/……/………, Ngày chính thức: ……/……/………" in text


def test_item_12_names_the_concurrent_posts_and_item_11_the_recruiting_unit(make_profile, tree):
    from profiles.models import CareerEvent, Profile

    p = make_profile()  # the current post is derived from the open rows of the work history
    WorkHistory(profile=p, start_date=date(2018, 1, 1), unit=tree["H40.10.01"],
                position_code="TP").save()  # fmt: skip
    WorkHistory(profile=p, start_date=date(2020, 1, 1), unit=tree["H40.10.01"],
                position_code="PGD", concurrent=True).save()  # fmt: skip
    WorkHistory(profile=p, start_date=date(2015, 1, 1), end_date=date(2019, 12, 31),
                unit=tree["H40.11"], position_code="CVP", concurrent=True).save()  # fmt: skip
    CareerEvent(profile=p, kind="recruitment", effective_date=date(2010, 3, 1),
                unit=tree["H40.11"]).save()  # fmt: skip
    lines = cv_sections(Profile.objects.get(pk=p.pk)).lines
    assert "12) Chức vụ (chức danh) hiện tại: Trưởng phòng; kiêm Phó Giám đốc" in lines
    assert "11) Ngày tuyển dụng: 01/03/2010, Cơ quan tuyển dụng: Sở Nội vụ" in lines


def test_item_32_leaves_full_lines_of_dots(make_profile):
    lines = pdf_text(render_pdf(make_profile())).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("32) NHẬN XÉT"))
    dots = [line for line in lines[at:] if set(line) == {"…"}]
    assert len(dots) == 4 and all(len(line) > 40 for line in dots)  # one line each, no wrap


def test_the_form_prints_no_date_but_the_persons_own(official):
    """Nothing on the form is the day it is printed: every year on it is one of the data's
    (the signature's date is left in dots to fill in)."""
    data_years = {"1950", "1955", "1958", "1983", "1985", "2000", "2003", "2007", "2009", "2012",
                  "2013", "2015", "2016", "2018", "2019", "2020", "2021",
                  "2008"}  # fmt: skip  # 2008: the form's own name, "Mẫu 2C-BNV/2008"
    for text in (
        flat(pdf_text(render_pdf(official))),
        flat(docx_text(Document(io.BytesIO(render_docx(official))))),
    ):
        years = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", text))
        assert years <= data_years, years - data_years


# -- page 1 against a reference image ---------------------------------------------------------
# To accept a deliberate change of the layout, regenerate the reference (and the README's
# screenshot of the same page) and look at both before committing them:
#     CBCCVC_UPDATE_REFERENCE=1 .venv/bin/python -m pytest tests/profiles -k reference
DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "mau-2c-page-1.png"
SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "mau-2c-page-1.png"
#: share of pixels allowed to differ (anti-aliasing of another poppler or freetype build); the
#: same render differs by none, another name of 19 letters by about 0.1 %
TOLERANCE = 0.0005


def _page_1(pdf: bytes, path: Path, *options: str) -> Path:
    """Page 1 of the PDF as ``path`` (.png), rendered by poppler's pdftoppm."""
    path.with_suffix(".pdf").write_bytes(pdf)
    command = ["pdftoppm", *options, "-png", "-f", "1", "-l", "1", "-singlefile"]
    command += [str(path.with_suffix(".pdf")), str(path.with_suffix(""))]
    subprocess.run(command, check=True, capture_output=True)
    return path.with_suffix(".png")


def _differing_share(a: Path, b: Path) -> float:
    from PIL import Image

    one, two = Image.open(a).convert("L"), Image.open(b).convert("L")
    if one.size != two.size:
        return 1.0
    differing = sum(abs(x - y) > 64 for x, y in zip(one.tobytes(), two.tobytes(), strict=True))
    return differing / (one.size[0] * one.size[1])


def test_page_1_matches_the_reference_image(official, tmp_path):
    page = _page_1(render_pdf(official), tmp_path / "page.png", "-r", "50", "-gray")
    if os.environ.get("CBCCVC_UPDATE_REFERENCE") == "1":
        DATA.mkdir(exist_ok=True)
        shutil.copyfile(page, REFERENCE)
        shot = _page_1(render_pdf(official), tmp_path / "shot.png", "-r", "80")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    share = _differing_share(page, REFERENCE)
    assert share < TOLERANCE, f"{share:.2%} of page 1 differs from {REFERENCE}"
    # and the comparison does see a change: one other name is more than the tolerance
    official.full_name = "Phạm Văn Đồng Khánh"
    other = _page_1(render_pdf(official), tmp_path / "other.png", "-r", "50", "-gray")
    assert _differing_share(other, REFERENCE) >= TOLERANCE
