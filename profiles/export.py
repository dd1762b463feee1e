"""The "Sơ yếu lý lịch" (Mẫu 2C) of one profile, as DOCX and as PDF.

:func:`cv_sections` turns a profile into a neutral document model (numbered lines and tables,
following the items of Mẫu 2C); :func:`render_docx` (python-docx) and :func:`render_pdf`
(fpdf2 with the DejaVu TrueType fonts, which cover Vietnamese) only lay it out. Group 9
(assets and income) is not part of Mẫu 2C and is never exported here; item 23 (health, group
10) only when the caller says the reader holds its permission (``with_health``), otherwise a
note says it is left out.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import codelists
from .codelists import name_of
from .fixed_labels import choice_label  # an official Vietnamese form in every language
from .models import (
    CareerEvent,
    Education,
    FamilyMember,
    Membership,
    Profile,
    Training,
    WorkHistory,
)
from .services import HEALTH_HIDDEN_NOTE

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TITLE = "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC"
#: before a relative's address as written before the 2025 reform conversion (item 30)
ORIGINAL_ADDRESS_NOTE = "địa danh cũ"


@dataclass
class Table:
    heading: str
    columns: list[str]
    widths: list[float]  # share of the page width
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class CV:
    agency: str
    unit: str
    lines: list[str]
    tables: list[Table]


def _d(value: date | None, precision: str = "day") -> str:
    if value is None:
        return "…"
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return f"{value:%m/%Y}"
    return f"{value:%d/%m/%Y}"


def _m(value: date | None) -> str:
    return f"{value:%m/%Y}" if value else "nay"


def _workplace(w: WorkHistory) -> str:
    """Where someone worked, as written then (the name of that time is never rewritten), with
    the reform conversion's note of where the place lies today: "Ủy ban nhân dân huyện Yên
    Lạc, Tỉnh Vĩnh Phúc (nay thuộc Tỉnh Phú Thọ)"."""
    if w.unit_id:
        return w.unit.name
    if w.unit_name and w.place_note:
        return f"{w.unit_name} ({w.place_note})"
    return w.unit_name


def _with_original(text: str, original: str) -> str:
    """A place as it is now (official names in force), followed by the text it was converted
    from when the reform conversion changed it, so that the reader recognises the place known
    before: "Thôn 3, Xã Tam Hồng, Tỉnh Phú Thọ (địa danh cũ: Thôn 3, Xã Tam Hồng, Huyện Yên
    Lạc, Tỉnh Vĩnh Phúc)"."""
    if text and original and original != text:
        return f"{text} ({ORIGINAL_ADDRESS_NOTE}: {original})"
    return text


def _residence(f: FamilyMember) -> str:
    """A relative's address, with the text before the conversion (:func:`_with_original`)."""
    return _with_original(f.address, f.address_original)


def _current_residence(p: Profile) -> str:
    """Item 9: the current residence, or the permanent one when none is recorded."""
    if p.current_residence:
        return _with_original(p.current_residence, p.current_residence_original)
    return _with_original(p.permanent_residence, p.permanent_residence_original)


def cv_sections(profile: Profile, *, with_health: bool = False) -> CV:
    p = profile
    unit = p.unit
    agency = unit.get_root() if unit.parent_id else unit
    edu = list(Education.objects.filter(profile=p).order_by("end_date"))
    trainings = list(Training.objects.filter(profile=p).order_by("end_date"))
    general = next((e for e in edu if e.kind == Education.Kind.GENERAL), None)
    professional = [e for e in edu if e.kind == Education.Kind.PROFESSIONAL]
    best = max(
        professional,
        key=lambda e: (
            codelists.items("education-level").get(e.level_code).extra.get("rank", 0)
            if codelists.items("education-level").get(e.level_code)
            else 0
        ),
        default=None,
    )

    def training(kind: str, list_key: str | None) -> str:
        rows = [t for t in trainings if t.kind == kind]
        if not rows:
            return ""
        t = rows[-1]
        return name_of(list_key, t.level_code) if list_key else (t.name or t.level_code)

    party = Membership.objects.filter(profile=p, organisation="party").first()
    others = Membership.objects.filter(profile=p).exclude(organisation="party")
    military = p.military_service.order_by("enlisted_on").last()
    recruitment = (
        CareerEvent.objects.filter(profile=p, kind=CareerEvent.Kind.RECRUITMENT)
        .order_by("effective_date")
        .first()
    )
    health = p.health.order_by("recorded_on").last() if with_health else None
    top_commendation = p.commendations.order_by("awarded_on").last()
    lines = [
        f"1) Họ và tên khai sinh (viết chữ in hoa): {p.full_name.upper()}",
        f"2) Tên gọi khác: {p.other_names}",
        f"3) Sinh ngày: {_d(p.date_of_birth, p.birth_date_precision)}    "
        f"Giới tính: {name_of('sex', p.sex)}",
        f"4) Nơi sinh: {_with_original(p.birthplace_text, p.birthplace_original)}",
        f"5) Quê quán: {_with_original(p.hometown_text, p.hometown_original)}",
        f"6) Dân tộc: {name_of('ethnicity', p.ethnicity)}    "
        f"7) Tôn giáo: {name_of('religion', p.religion)}",
        "8) Nơi đăng ký hộ khẩu thường trú: "
        + _with_original(p.permanent_residence, p.permanent_residence_original),
        f"9) Nơi ở hiện nay: {_current_residence(p)}",
        "11) Ngày tuyển dụng: "
        + (f"{_d(recruitment.effective_date)}, {recruitment.issuer or ''}" if recruitment else ""),
        f"12) Chức vụ (chức danh) hiện tại: "
        f"{name_of('position', p.position_code) or name_of('title', p.title_code)}",
        f"14) Ngạch công chức: {name_of('grade', p.grade_code)}    Mã ngạch: {p.grade_code}    "
        f"Bậc lương: {p.salary_step or ''}    Hệ số: {p.salary_coefficient or ''}    "
        f"Ngày hưởng: {_d(p.salary_since) if p.salary_since else ''}",
        "15.1) Trình độ giáo dục phổ thông: "
        + (name_of("education-level", general.level_code) if general else ""),
        "15.2) Trình độ chuyên môn cao nhất: "
        + (f"{name_of('education-level', best.level_code)} {best.major}" if best else ""),
        f"15.3) Lý luận chính trị: {training(Training.Kind.POLITICAL_THEORY, 'political-theory')}",
        f"15.4) Quản lý nhà nước: {training(Training.Kind.STATE_MANAGEMENT, 'state-management')}",
        f"15.5) Ngoại ngữ: {training(Training.Kind.FOREIGN_LANGUAGE, None)}",
        f"15.6) Tin học: {training(Training.Kind.IT, None)}",
        "16) Ngày vào Đảng Cộng sản Việt Nam: "
        + (
            f"{_d(party.admission_date)}    Ngày chính thức: {_d(party.full_membership_date)}"
            if party
            else ""
        ),
        "17) Ngày tham gia tổ chức chính trị – xã hội: "
        + "; ".join(
            choice_label("memberships", "organisation", m.organisation, default=m.organisation)
            + f" {_d(m.admission_date)}"
            for m in others
        ),
        "18) Ngày nhập ngũ: "
        + (
            f"{_d(military.enlisted_on)}    Ngày xuất ngũ: {_d(military.discharged_on)}    "
            f"Quân hàm cao nhất: {military.highest_rank}"
            if military
            else ""
        ),
        "21) Khen thưởng: "
        + (
            f"{name_of('commendation-kind', top_commendation.kind_code)} "
            f"({top_commendation.awarded_on:%Y})"
            if top_commendation
            else ""
        ),
        "22) Kỷ luật: "
        + "; ".join(
            f"{name_of('discipline-kind', d.kind_code)} ({d.decided_on:%Y})"
            for d in p.disciplines.all()
        ),
        "23) Tình trạng sức khỏe: "
        + (
            f"{health.status}    Chiều cao: {health.height_cm or ''} cm    "
            f"Cân nặng: {health.weight_kg or ''} kg    Nhóm máu: {health.blood_type}"
            if health
            else ("" if with_health else HEALTH_HIDDEN_NOTE)
        ),
        f"25) Số định danh cá nhân (CCCD): {p.personal_id}"
        + (f"    Số CMND cũ: {p.old_id_number}" if p.old_id_number else ""),
    ]
    tables = [
        Table(
            "27) ĐÀO TẠO, BỒI DƯỠNG VỀ CHUYÊN MÔN, NGHIỆP VỤ, LÝ LUẬN CHÍNH TRỊ, NGOẠI NGỮ, "
            "TIN HỌC",
            ["Tên trường", "Chuyên ngành", "Từ tháng, năm – đến tháng, năm", "Văn bằng"],
            [0.32, 0.28, 0.22, 0.18],
            [
                [
                    e.institution,
                    e.major,
                    f"{_m(e.start_date)} – {_m(e.end_date)}",
                    name_of("education-level", e.level_code),
                ]
                for e in professional
            ]
            + [
                [
                    t.institution,
                    t.name or choice_label("trainings", "kind", t.kind, default=t.kind),
                    f"{_m(t.start_date)} – {_m(t.end_date)}",
                    name_of(
                        {
                            "political_theory": "political-theory",
                            "state_management": "state-management",
                        }.get(t.kind, ""),
                        t.level_code,
                    )
                    or t.level_code,
                ]
                for t in trainings
            ],
        ),
        Table(
            "28) TÓM TẮT QUÁ TRÌNH CÔNG TÁC",
            ["Từ tháng, năm – đến tháng, năm", "Chức danh, chức vụ, đơn vị công tác"],
            [0.28, 0.72],
            [
                [
                    f"{_m(w.start_date)} – {_m(w.end_date)}",
                    ", ".join(
                        part
                        for part in (
                            name_of("position", w.position_code) or name_of("title", w.title_code),
                            _workplace(w),
                            "(kiêm nhiệm)" if w.concurrent else "",
                        )
                        if part
                    ),
                ]
                for w in p.work_history.select_related("unit").order_by("start_date")
            ],
        ),
    ]
    for side, heading in (
        (FamilyMember.Side.OWN, "30a) QUAN HỆ GIA ĐÌNH: về bản thân"),
        (FamilyMember.Side.SPOUSE, "30b) QUAN HỆ GIA ĐÌNH: về bên vợ (hoặc chồng)"),
    ):
        tables.append(
            Table(
                heading,
                ["Mối quan hệ", "Họ và tên", "Năm sinh", "Nghề nghiệp, nơi công tác, nơi ở"],
                [0.16, 0.28, 0.12, 0.44],
                [
                    [
                        name_of("relationship", f.relationship_code),
                        f.full_name,
                        str(f.birth_year or ""),
                        ", ".join(x for x in (f.occupation, _residence(f)) if x),
                    ]
                    for f in p.family.filter(side=side).order_by("birth_year", "pk")
                ],
            )
        )
    tables.append(
        Table(
            "31) DIỄN BIẾN QUÁ TRÌNH LƯƠNG",
            ["Tháng, năm", "Mã ngạch / bậc", "Hệ số lương"],
            [0.3, 0.4, 0.3],
            [
                [f"{s.effective_date:%m/%Y}", f"{s.grade_code} / {s.step}", f"{s.coefficient}"]
                for s in p.salary_history.order_by("effective_date")
            ],
        )
    )
    return CV(agency=agency.name, unit=unit.name, lines=lines, tables=tables)


# -- DOCX ---------------------------------------------------------------------------------------
def render_docx(profile: Profile, *, with_health: bool = False) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    cv = cv_sections(profile, with_health=with_health)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(2)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    doc.add_paragraph("Mẫu 2C").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph(f"Cơ quan, đơn vị có thẩm quyền quản lý CBCC: {cv.agency}")
    doc.add_paragraph(f"Cơ quan, đơn vị sử dụng CBCC: {cv.unit}")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(TITLE)
    run.bold = True
    run.font.size = Pt(14)
    for line in cv.lines:
        doc.add_paragraph(line).paragraph_format.space_after = Pt(2)
    width = section.page_width - section.left_margin - section.right_margin
    for table in cv.tables:
        doc.add_paragraph().add_run(table.heading).bold = True
        grid = doc.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        for cell, text, share in zip(grid.rows[0].cells, table.columns, table.widths, strict=True):
            cell.text = text
            cell.width = int(width * share)
            cell.paragraphs[0].runs[0].bold = True
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, text, share in zip(cells, row, table.widths, strict=True):
                cell.text = text or ""
                cell.width = int(width * share)
    doc.add_paragraph(
        "Tôi xin cam đoan những lời khai trên đây là đúng sự thật và chịu trách nhiệm về những "
        "lời khai của mình."
    )
    doc.add_paragraph("Người khai ký tên").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- PDF ----------------------------------------------------------------------------------------
def render_pdf(profile: Profile, *, with_health: bool = False) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # font subsetting is chatty

    cv = cv_sections(profile, with_health=with_health)
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSerif.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSerif-Bold.ttf"))
    pdf.set_title(f"Sơ yếu lý lịch – {profile.full_name}")
    pdf.add_page()
    pdf.set_font("DejaVu", size=9)
    pdf.cell(0, 5, "Mẫu 2C", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        5,
        f"Cơ quan, đơn vị có thẩm quyền quản lý CBCC: {cv.agency}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(0, 5, f"Cơ quan, đơn vị sử dụng CBCC: {cv.unit}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 8, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9.5)
    for line in cv.lines:
        pdf.multi_cell(0, 5.2, line, new_x="LMARGIN", new_y="NEXT")
    width = pdf.epw
    for table in cv.tables:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 9.5)
        pdf.multi_cell(0, 5.5, table.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=8.5)
        with pdf.table(
            col_widths=[w * width for w in table.widths],
            headings_style=FontFace(emphasis="BOLD"),
            line_height=4.6,
            text_align="LEFT",
            align="LEFT",
            width=width,
        ) as grid:
            head = grid.row()
            for text in table.columns:
                head.cell(text)
            for row in table.rows or [[""] * len(table.columns)]:
                cells = grid.row()
                for text in row:
                    cells.cell(text or "")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=9.5)
    pdf.multi_cell(
        0,
        5,
        "Tôi xin cam đoan những lời khai trên đây là đúng sự thật và chịu trách nhiệm về những "
        "lời khai của mình.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.cell(0, 6, "Người khai ký tên", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
