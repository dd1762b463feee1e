"""The "Sơ yếu lý lịch" (Mẫu 2C-BNV/2008) of one profile, as DOCX and as PDF.

:func:`profiles.mau2c.cv_sections` turns a profile into a neutral document model (the header
and the items 1) … 32) of the form, in order); :func:`render_docx` (python-docx) and
:func:`render_pdf` (fpdf2 with the DejaVu TrueType fonts, which cover Vietnamese) only lay it
out as the official form does: the managing and the employing agency top left, the form's
number and "Số hiệu cán bộ, công chức" top right, the 4 x 6 cm photo box beside the title, the
items, and the two signatures (the declarant's, the head of the agency's) at the foot.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from .mau2c import (  # noqa: F401 - cv_sections is this module's public entry as before
    AGENCY_LABEL,
    CV,
    DOTS_LINE,
    FORM,
    NUMBER_LABEL,
    PHOTO_LABEL,
    SIGN_LEFT,
    SIGN_RIGHT,
    TITLE,
    UNIT_LABEL,
    Line,
    Table,
    cv_sections,
)
from .models import Profile

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


# -- DOCX ---------------------------------------------------------------------------------------
def render_docx(profile: Profile, *, with_health: bool = False) -> bytes:
    from docx import Document
    from docx.enum.table import WD_ALIGN_VERTICAL, WD_ROW_HEIGHT_RULE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    cv = cv_sections(profile, with_health=with_health)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(2)
    width = section.page_width - section.left_margin - section.right_margin

    def cell_lines(cell, lines, *, align, bold=(), italic=()) -> None:
        """Lines into a cell (its first, empty paragraph used), ``bold``/``italic`` by index."""
        for i, text in enumerate(lines):
            para = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            para.alignment = align
            run = para.add_run(text)
            run.bold, run.italic = i in bold, i in italic

    # the header: agencies left, the form and the officer's number right (no borders)
    head = doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.width, right.width = int(width * 0.62), int(width * 0.38)
    cell_lines(
        left,
        [f"{AGENCY_LABEL}: {cv.agency}", f"{UNIT_LABEL}: {cv.unit}"],
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )
    cell_lines(right, [FORM, NUMBER_LABEL, cv.number], align=WD_ALIGN_PARAGRAPH.RIGHT, bold=(0,))
    doc.add_paragraph()
    # the photo box (4 x 6 cm, bordered) beside the title
    top = doc.add_table(rows=1, cols=2)
    photo_cell, title_cell = top.rows[0].cells
    photo_cell.width, title_cell.width = Cm(4.6), width - Cm(4.6)
    box = photo_cell.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    box.rows[0].height = Cm(6)
    box.rows[0].height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
    frame = box.rows[0].cells[0]
    frame.width = Cm(4)
    frame.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    cell_lines(frame, list(PHOTO_LABEL), align=WD_ALIGN_PARAGRAPH.CENTER)
    title_cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    cell_lines(title_cell, [TITLE], align=WD_ALIGN_PARAGRAPH.CENTER, bold=(0,))
    title_cell.paragraphs[0].runs[0].font.size = Pt(14)
    doc.add_paragraph()

    def note(text: str) -> None:
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.italic, run.font.size = True, Pt(9)

    for block in cv.blocks:
        if isinstance(block, Line):
            doc.add_paragraph().add_run(block.text).bold = block.bold
            if block.note:
                note(block.note)
            continue
        doc.add_paragraph().add_run(block.heading).bold = True
        grid = doc.add_table(rows=1, cols=len(block.columns))
        grid.style = "Table Grid"
        for cell, text, share in zip(grid.rows[0].cells, block.columns, block.widths, strict=True):
            cell.text = text
            cell.width = int(width * share)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cell.paragraphs[0].runs[0].bold = True
        for row in block.rows or [[""] * len(block.columns)]:
            cells = grid.add_row().cells
            for cell, text, share in zip(cells, row, block.widths, strict=True):
                cell.text = text or ""
                cell.width = int(width * share)
        if block.note:
            note(block.note)
    doc.add_paragraph()
    # the two signatures (no borders)
    foot = doc.add_table(rows=1, cols=2)
    signer, head_of_unit = foot.rows[0].cells
    signer.width = head_of_unit.width = int(width / 2)
    cell_lines(signer, list(SIGN_LEFT), align=WD_ALIGN_PARAGRAPH.CENTER, bold=(0,), italic=(2,))
    cell_lines(
        head_of_unit, list(SIGN_RIGHT), align=WD_ALIGN_PARAGRAPH.CENTER, bold=(1,), italic=(0, 2)
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- PDF ----------------------------------------------------------------------------------------
PHOTO_W, PHOTO_H = 40.0, 60.0  # mm: the form's 4 x 6 cm


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
    pdf.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSerif-Italic.ttf"))
    pdf.set_title(f"Sơ yếu lý lịch – {profile.full_name}")
    pdf.add_page()
    left, width = pdf.l_margin, pdf.epw

    # the header: agencies left, the form and the officer's number right
    top = pdf.t_margin
    pdf.set_font("DejaVu", size=9)
    for text in (f"{AGENCY_LABEL}: {cv.agency}", f"{UNIT_LABEL}: {cv.unit}"):
        pdf.multi_cell(width * 0.62, 4.8, text, new_x="LMARGIN", new_y="NEXT")
    below_left = pdf.get_y()
    right_x, right_w = left + width * 0.66, width * 0.34
    pdf.set_xy(right_x, top)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(right_w, 4.8, FORM, align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    pdf.cell(right_w, 4.8, NUMBER_LABEL, align="R", new_x="LEFT", new_y="NEXT")
    pdf.cell(right_w, 4.8, cv.number, align="R", new_x="LEFT", new_y="NEXT")
    y = max(below_left, pdf.get_y()) + 4

    # the photo box beside the title
    pdf.rect(left, y, PHOTO_W, PHOTO_H)
    pdf.set_font("DejaVu", size=9)
    pdf.set_xy(left, y + PHOTO_H / 2 - 5)
    for text in PHOTO_LABEL:
        pdf.cell(PHOTO_W, 5, text, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 14)
    pdf.set_xy(left + PHOTO_W, y + PHOTO_H / 2 - 4)
    pdf.cell(width - PHOTO_W, 8, TITLE, align="C")
    pdf.set_xy(left, y + PHOTO_H + 5)

    def note(text: str) -> None:
        pdf.set_font("DejaVu", "I", 7.5)
        pdf.multi_cell(0, 3.8, text, align="C", new_x="LMARGIN", new_y="NEXT")

    for block in cv.blocks:
        if isinstance(block, Line):
            pdf.set_font("DejaVu", "B" if block.bold else "", 9.5)
            if block.bold:
                pdf.ln(1.5)
            text = block.text
            if text == DOTS_LINE:  # as many dots as the line holds
                text = "…" * int((pdf.epw - 2 * pdf.c_margin) / pdf.get_string_width("…"))
            pdf.multi_cell(0, 5.2, text, new_x="LMARGIN", new_y="NEXT")
            if block.note:
                note(block.note)
            continue
        _pdf_table(pdf, block, FontFace)
    _pdf_signatures(pdf)
    return bytes(pdf.output())


def _pdf_table(pdf, table: Table, FontFace) -> None:
    width = pdf.epw
    pdf.ln(1.5)
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.multi_cell(0, 5.5, table.heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8.5)
    with pdf.table(
        col_widths=[w * width for w in table.widths],
        headings_style=FontFace(emphasis="BOLD"),
        line_height=4.4,
        text_align="LEFT",
        align="LEFT",
        width=width,
    ) as grid:
        head = grid.row()
        for text in table.columns:
            head.cell(text, align="C")
        for row in table.rows or [[""] * len(table.columns)]:
            cells = grid.row()
            for text in row:
                cells.cell(text or "")
    if table.note:
        pdf.set_font("DejaVu", "I", 7.5)
        pdf.multi_cell(0, 3.8, table.note, new_x="LMARGIN", new_y="NEXT")


def _pdf_signatures(pdf) -> None:
    """The declarant left, the head of the agency right, each centred in half the page."""
    if pdf.get_y() > pdf.h - pdf.b_margin - 40:
        pdf.add_page()
    half = pdf.epw / 2
    y = pdf.get_y() + 6
    for x, lines, bold, italic in (
        (pdf.l_margin, SIGN_LEFT, (0,), (2,)),
        (pdf.l_margin + half, SIGN_RIGHT, (1,), (0, 2)),
    ):
        pdf.set_xy(x, y)
        for i, text in enumerate(lines):
            pdf.set_font("DejaVu", "B" if i in bold else "I" if i in italic else "", 9.5)
            pdf.multi_cell(half, 5, text, align="C", new_x="LEFT", new_y="NEXT")
