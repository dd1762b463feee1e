"""The reports to the ministry as documents in the official layout (Decree 30/2020/NĐ-CP):
what each says (:class:`ReportDocument`, built from the database), how it is laid out (PDF with
fpdf2 and the DejaVu fonts, which cover Vietnamese; DOCX with python-docx), and how it is
produced and submitted through the national contract.

* :func:`software_document` — the review and choice of software with the connection keys and
  their administrators' contacts (letter 5034/BNV-CCVC), from :mod:`.inventory`;
* :func:`status_figures` / :func:`status_document` — the status report of 19/9: the figures of
  the agency's subtree at a date and the officer's narrative.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from cbccvc.history import save_with_history
from orgtree.models import Unit
from orgtree.tree import subtrees_q

from .inventory import HrSystem, KeyState, SystemKey, SystemStatus
from .models import Connection, Destination, SyncWindow
from .recon_models import Mismatch, ProgressSnapshot
from .reports import MinistryReport, ReportKind, ReportSubmission

NATIONAL_MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TITLES = {
    ReportKind.SOFTWARE: "Về việc rà soát, lựa chọn phần mềm quản lý hồ sơ và khóa kết nối "
    "với Cơ sở dữ liệu quốc gia về cán bộ, công chức, viên chức",
    ReportKind.STATUS: "Tình hình xây dựng, triển khai cơ sở dữ liệu cán bộ, công chức, viên chức",
}


@dataclass
class Table:
    heading: str
    columns: list[str]
    widths: list[float]  # shares of the text width
    rows: list[list[str]]


@dataclass
class ReportDocument:
    agency: str
    number: str
    place_date: str
    kind_label: str  # "BÁO CÁO"
    title: str
    recipient: str
    blocks: list[str | Table] = field(default_factory=list)
    signer_position: str = ""
    signer_name: str = ""
    copies_to: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Everything the document says, in reading order (tests, search)."""
        parts = [
            self.agency,
            f"Số: {self.number}",
            *NATIONAL_MOTTO,
            self.place_date,
            self.kind_label,
            self.title,
            f"Kính gửi: {self.recipient}.",
        ]
        for block in self.blocks:
            if isinstance(block, Table):
                parts.append(block.heading)
                parts.extend(" | ".join(r) for r in [block.columns, *block.rows])
            else:
                parts.append(block)
        parts += [self.signer_position, self.signer_name]
        return "\n".join(parts)


def _vi(label: Any) -> str:
    """A choice's label as the report prints it: in Vietnamese whatever the user's language
    (the labels are translatable for the screen; the report is an official Vietnamese document,
    signed and sent to the ministry)."""
    with translation.override("vi"):
        return str(label)


def place_date(place: str, day: date) -> str:
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _header(report: MinistryReport) -> dict[str, Any]:
    return {
        "agency": report.agency.name.upper(),
        "number": report.number,
        "place_date": place_date(report.place or report.agency.name, report.report_date),
        "kind_label": "BÁO CÁO",
        "title": TITLES[ReportKind(report.kind)],
        "recipient": report.recipient,
        "signer_position": "\n".join(
            line.strip().upper() for line in report.signer_position.splitlines() if line.strip()
        ),
        "signer_name": report.signer_name,
        "copies_to": ["Như trên;", f"Lưu: VT, {report.agency.short_name or 'đơn vị'}."],
    }


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _contact(key: SystemKey) -> str:
    return "\n".join(p for p in (key.admin_phone, key.admin_email) if p)


# -- the software review report (letter 5034) --------------------------------------------------
def software_document(report: MinistryReport) -> ReportDocument:
    agency = report.agency
    systems = list(
        HrSystem.objects.filter(agency=agency)
        .prefetch_related("units_served", "keys")
        .order_by("-is_chosen", "name")
    )
    if not systems:
        raise ValidationError(
            f"{agency}: chưa kê khai hệ thống phần mềm nào (Kiểm kê hệ thống); chưa lập được "
            "báo cáo rà soát."
        )
    chosen = next((s for s in systems if s.is_chosen), None)
    if chosen is None:
        raise ValidationError(
            f"{agency}: chưa chọn hệ thống sử dụng (đánh dấu “hệ thống được chọn” kèm lý do)."
        )
    doc = ReportDocument(**_header(report))
    doc.blocks.append(
        f"Thực hiện Công văn số 5034/BNV-CCVC của Bộ Nội vụ về việc rà soát, lựa chọn phần mềm "
        f"quản lý hồ sơ cán bộ, công chức, viên chức và khóa kết nối, {agency.name} báo cáo "
        "như sau:"
    )
    doc.blocks.append(
        f"1. Hiện trạng: cơ quan và các đơn vị hợp nhất đang có {len(systems)} hệ thống phần "
        "mềm quản lý hồ sơ, cụ thể:"
    )
    doc.blocks.append(
        Table(
            "Bảng 1. Các hệ thống phần mềm quản lý hồ sơ",
            [
                "TT",
                "Hệ thống",
                "Đơn vị cung cấp",
                "Phiên bản",
                "Số hồ sơ",
                "Đơn vị sử dụng",
                "Trạng thái",
            ],
            [0.05, 0.2, 0.16, 0.1, 0.09, 0.22, 0.18],
            [
                [
                    str(i),
                    s.product or s.name,
                    s.vendor,
                    s.version,
                    f"{s.profile_count:,}".replace(",", "."),
                    "; ".join(u.name for u in s.units_served.all()),
                    _vi(SystemStatus(s.status).label) + (" (được chọn)" if s.is_chosen else ""),
                ]
                for i, s in enumerate(systems, start=1)
            ],
        )
    )
    keys = [(s, k) for s in systems for k in sorted(s.keys.all(), key=lambda k: k.key_id)]
    doc.blocks.append(
        f"2. Khóa kết nối: các hệ thống trên đang giữ {len(keys)} khóa kết nối với cơ sở dữ liệu "
        "quốc gia; người quản trị khóa và thông tin liên hệ như sau:"
    )
    doc.blocks.append(
        Table(
            "Bảng 2. Khóa kết nối và người quản trị khóa",
            [
                "TT",
                "Mã khóa",
                "Hệ thống",
                "Trạng thái",
                "Người quản trị, chức vụ",
                "Điện thoại, thư điện tử",
            ],
            [0.05, 0.2, 0.17, 0.15, 0.2, 0.23],
            [
                [
                    str(i),
                    k.key_id,
                    s.product or s.name,
                    _vi(KeyState(k.state).label),
                    ", ".join(p for p in (k.admin_name, k.admin_position) if p),
                    _contact(k),
                ]
                for i, (s, k) in enumerate(keys, start=1)
            ],
        )
    )
    chosen_text = " ".join(p for p in (chosen.product or chosen.name, chosen.version) if p)
    doc.blocks.append(
        f"3. Lựa chọn: {agency.name} lựa chọn hệ thống {chosen_text}"
        + (f" ({chosen.vendor})" if chosen.vendor else "")
        + (f", quyết định ngày {_d(chosen.chosen_on)}" if chosen.chosen_on else "")
        + f". Lý do: {chosen.choice_reason.strip()}"
    )
    old = [k for s, k in keys if not s.is_chosen]
    to_revoke = [k.key_id for k in old if k.state != KeyState.REVOKED]
    revoked = [k.key_id for k in old if k.state == KeyState.REVOKED]
    if to_revoke:
        doc.blocks.append(
            "4. Đề nghị: Bộ Nội vụ thu hồi các khóa kết nối của phần mềm không còn sử dụng: "
            + ", ".join(to_revoke)
            + "."
        )
    if revoked:
        doc.blocks.append(
            "Các khóa kết nối của phần mềm không còn sử dụng đã được thu hồi: "
            + ", ".join(revoked)
            + "."
        )
    if report.narrative.strip():
        doc.blocks.append(report.narrative.strip())
    return doc


# -- the status report of 19/9 ------------------------------------------------------------------
@dataclass
class StatusFigures:
    day: date
    source: str  # "số liệu trực tiếp" or "số liệu chốt ngày …"
    units_total: int = 0
    units_mapped: int = 0
    profiles_total: int = 0
    profiles_approved: int = 0
    profiles_signed: int = 0
    profiles_synced: int = 0
    mismatches_open: int = 0
    mismatches_fixed: int = 0
    schedule: list[str] = field(default_factory=list)


FIXED = [Mismatch.Status.ACCEPTED, Mismatch.Status.RESOLVED]


def status_figures(agency: Unit, day: date, *, today: date | None = None) -> StatusFigures:
    """The figures of ``agency``'s subtree at ``day``. Units and profiles: counted live when
    ``day`` is today, otherwise from that day's progress snapshot (the daily
    figures the dashboard records); mismatches from their own dates."""
    from .dashboard import progress_rows

    today = today or timezone.localdate()
    if day > today:
        raise ValidationError(
            f"Ngày chốt số liệu {_d(day)} ở sau hôm nay ({_d(today)}): chưa có số liệu."
        )
    if day == today:
        row = progress_rows([agency])[0]
        figures = StatusFigures(day=day, source="số liệu tại thời điểm lập báo cáo")
        for name in (
            "units_total",
            "units_mapped",
            "profiles_total",
            "profiles_approved",
            "profiles_signed",
            "profiles_synced",
        ):
            setattr(figures, name, getattr(row, name))
    else:
        snap = ProgressSnapshot.objects.filter(agency=agency, day=day).first()
        if snap is None:
            raise ValidationError(
                f"Không có số liệu chốt ngày {_d(day)} của {agency}; chọn ngày có số liệu "
                "chốt hằng ngày hoặc ngày hôm nay."
            )
        figures = StatusFigures(day=day, source=f"số liệu chốt ngày {_d(day)}")
        for name in (
            "units_total",
            "units_mapped",
            "profiles_total",
            "profiles_approved",
            "profiles_signed",
            "profiles_synced",
        ):
            setattr(figures, name, getattr(snap, name))
    mismatches = Mismatch.objects.filter(subtrees_q([agency], "profile__unit"), since__lte=day)
    fixed = Q(status__in=FIXED, decided_at__date__lte=day)
    figures.mismatches_fixed = mismatches.filter(fixed).count()
    figures.mismatches_open = mismatches.exclude(fixed).count()
    conn = Connection.objects.filter(
        unit=agency, destination=Destination.NATIONAL, is_official=True
    ).first()
    if conn is not None:
        figures.schedule = [
            f"{w.label} ({_vi(SyncWindow.Mode(w.mode).label).lower()}): từ {_d(w.starts_on)}"
            + (f" đến {_d(w.ends_on)}" if w.ends_on else ", liên tục")
            for w in SyncWindow.objects.filter(connection=conn).order_by("starts_on")
        ]
    return figures


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def status_document(report: MinistryReport, *, today: date | None = None) -> ReportDocument:
    day = report.figures_date or report.report_date
    f = status_figures(report.agency, day, today=today)
    doc = ReportDocument(**_header(report))
    doc.blocks.append(
        f"Thực hiện chỉ đạo của Bộ Nội vụ về xây dựng, triển khai Cơ sở dữ liệu quốc gia về "
        f"cán bộ, công chức, viên chức, {report.agency.name} báo cáo tình hình đến ngày "
        f"{_d(day)} ({f.source}) như sau:"
    )
    doc.blocks.append(
        Table(
            "I. Kết quả thực hiện",
            ["TT", "Nội dung", "Số lượng", "Tỷ lệ"],
            [0.07, 0.6, 0.17, 0.16],
            [
                [
                    "1",
                    "Đơn vị đã ghép mã với cây tổ chức quốc gia",
                    f"{f.units_mapped}/{f.units_total}",
                    _pct(f.units_mapped, f.units_total),
                ],
                ["2", "Tổng số hồ sơ", str(f.profiles_total), ""],
                [
                    "3",
                    "Hồ sơ đã phê duyệt",
                    str(f.profiles_approved),
                    _pct(f.profiles_approved, f.profiles_total),
                ],
                [
                    "4",
                    "Hồ sơ đã ký số",
                    str(f.profiles_signed),
                    _pct(f.profiles_signed, f.profiles_total),
                ],
                [
                    "5",
                    "Hồ sơ đã đồng bộ lên CSDL quốc gia",
                    str(f.profiles_synced),
                    _pct(f.profiles_synced, f.profiles_total),
                ],
                ["6", "Sai lệch đối khớp với CSDL dân cư chưa xử lý", str(f.mismatches_open), ""],
                ["7", "Sai lệch đối khớp đã xử lý", str(f.mismatches_fixed), ""],
            ],
        )
    )
    doc.blocks.append(
        "II. Lịch đồng bộ: "
        + ("; ".join(f.schedule) + "." if f.schedule else "chưa đăng ký lịch đồng bộ.")
    )
    doc.blocks.append(
        "III. Đánh giá, khó khăn, vướng mắc và kiến nghị: "
        + (report.narrative.strip() or "(chưa nhập)")
    )
    return doc


def build_document(report: MinistryReport, *, today: date | None = None) -> ReportDocument:
    if report.kind == ReportKind.SOFTWARE:
        return software_document(report)
    return status_document(report, today=today)


# -- layout ---------------------------------------------------------------------------------------
def render_pdf(doc: ReportDocument) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # font subsetting is chatty
    pdf = FPDF(format="A4")
    pdf.set_margins(25, 20, 15)  # Decree 30/2020: left 30-35 mm, right 15-20 mm (printable)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("Serif", "", str(FONT_DIR / "DejaVuSerif.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "DejaVuSerif-Bold.ttf"))
    pdf.add_font("Serif", "I", str(FONT_DIR / "DejaVuSerif-Italic.ttf"))
    pdf.set_title(f"{doc.kind_label} {doc.number}")
    pdf.set_creator("cbccvc")
    pdf.add_page()
    left_w, right_w = pdf.epw * 0.4, pdf.epw * 0.6
    x0, y0 = pdf.l_margin, pdf.t_margin
    # left column: the agency, its number
    pdf.set_font("Serif", "B", 10)
    pdf.multi_cell(left_w, 5, doc.agency, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Serif", "", 10)
    pdf.multi_cell(left_w, 6, f"Số: {doc.number}", align="C", new_x="LEFT", new_y="NEXT")
    left_bottom = pdf.get_y()
    # right column: the national name and motto, place and date
    pdf.set_xy(x0 + left_w, y0)
    pdf.set_font("Serif", "B", 9.5)
    pdf.cell(right_w, 5, NATIONAL_MOTTO[0], align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Serif", "B", 10)
    pdf.cell(right_w, 5, NATIONAL_MOTTO[1], align="C", new_x="LEFT", new_y="NEXT")
    motto_w = pdf.get_string_width(NATIONAL_MOTTO[1])
    line_x = x0 + left_w + (right_w - motto_w) / 2
    pdf.line(line_x, pdf.get_y(), line_x + motto_w, pdf.get_y())
    pdf.ln(2)
    pdf.set_x(x0 + left_w)
    pdf.set_font("Serif", "I", 10)
    pdf.cell(right_w, 6, doc.place_date, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)
    pdf.set_font("Serif", "B", 13)
    pdf.cell(0, 7, doc.kind_label, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "B", 11)
    pdf.multi_cell(0, 5.5, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Serif", "", 11)
    pdf.cell(0, 6, f"Kính gửi: {doc.recipient}.", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for block in doc.blocks:
        if isinstance(block, Table):
            pdf.ln(1)
            pdf.set_font("Serif", "B", 10)
            pdf.multi_cell(0, 5.5, block.heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Serif", "", 8.5)
            with pdf.table(
                col_widths=[w * pdf.epw for w in block.widths],
                headings_style=FontFace(emphasis="BOLD"),
                line_height=4.4,
                text_align="LEFT",
                align="LEFT",
                width=pdf.epw,
            ) as grid:
                head = grid.row()
                for text in block.columns:
                    head.cell(text)
                for row in block.rows or [[""] * len(block.columns)]:
                    cells = grid.row()
                    for text in row:
                        cells.cell(text)
            pdf.ln(2)
        else:
            pdf.set_font("Serif", "", 11)
            pdf.multi_cell(0, 5.8, block, align="J", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    # signer block (right) and recipients (left)
    pdf.ln(4)
    if pdf.will_page_break(40):
        pdf.add_page()
    y = pdf.get_y()
    pdf.set_font("Serif", "B", 9.5)
    pdf.cell(left_w, 5, "Nơi nhận:", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Serif", "", 8.5)
    for line in [f"- {doc.recipient};", *(f"- {c}" for c in doc.copies_to[1:])]:
        pdf.cell(left_w, 4.2, line, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(x0 + left_w, y)
    pdf.set_font("Serif", "B", 10.5)
    pdf.multi_cell(right_w, 5.5, doc.signer_position, align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(18)
    pdf.set_x(x0 + left_w)
    pdf.cell(right_w, 6, doc.signer_name, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_docx(doc: ReportDocument) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    out_doc = Document()
    section = out_doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = out_doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    head = out_doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.text = f"{doc.agency}\nSố: {doc.number}"
    right.text = f"{NATIONAL_MOTTO[0]}\n{NATIONAL_MOTTO[1]}\n{doc.place_date}"
    for cell in (left, right):
        for para in cell.paragraphs:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    opening = [(doc.kind_label, True), (doc.title, True), (f"Kính gửi: {doc.recipient}.", False)]
    for text, bold in opening:
        para = out_doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.add_run(text).bold = bold
    width = section.page_width - section.left_margin - section.right_margin
    for block in doc.blocks:
        if isinstance(block, Table):
            out_doc.add_paragraph().add_run(block.heading).bold = True
            grid = out_doc.add_table(rows=1, cols=len(block.columns))
            grid.style = "Table Grid"
            heads = zip(grid.rows[0].cells, block.columns, block.widths, strict=True)
            for cell, text, share in heads:
                cell.text = text
                cell.width = int(width * share)
            for row in block.rows:
                for cell, text, share in zip(grid.add_row().cells, row, block.widths, strict=True):
                    cell.text = text
                    cell.width = int(width * share)
        else:
            out_doc.add_paragraph(block).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    sign = out_doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.add_run(f"{doc.signer_position}\n\n\n\n{doc.signer_name}").bold = True
    out = io.BytesIO()
    out_doc.save(out)
    return out.getvalue()


# -- producing and submitting ---------------------------------------------------------------------
def produce(report: MinistryReport, *, actor: Any = None, today: date | None = None) -> bytes:
    """Build the document from the database now and freeze its PDF on the report."""
    from .report_signing import clear_signature

    pdf = render_pdf(build_document(report, today=today))
    report.document = pdf
    report.document_sha256 = hashlib.sha256(pdf).hexdigest()
    report.produced_at = timezone.now()
    report.produced_by = actor if getattr(actor, "pk", None) else None
    clear_signature(report)  # a signature is for the PDF it was made on
    save_with_history(report, acting_user=actor, reason="Xuất tệp báo cáo")
    return pdf


def submit(report: MinistryReport, *, actor: Any = None, base_url: str = "") -> ReportSubmission:
    """Send the frozen PDF with its signature to the ministry through the agency's official
    connection; every attempt is recorded, a failed one too (then ValidationError with the
    reason). ``base_url``: another address of the national side (the demo's emulator thread)."""
    from .client import NationalError
    from .connections import client_for
    from .inventory_actions import official_connection
    from .report_signing import signature_problem

    if not report.document:
        raise ValidationError(f"Báo cáo {report.number}: chưa xuất tệp; hãy xuất tệp và xem lại.")
    problem = signature_problem(report)
    if problem:
        raise ValidationError(problem)
    pdf = bytes(report.document)
    record = ReportSubmission(
        report=report,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        submitted_at=timezone.now(),
        document_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    try:
        conn = official_connection(report.agency.get_root())
        conn.base_url = base_url or conn.base_url  # not saved
        with client_for(conn) as client:
            answer = client.submit_report(
                kind=report.kind,
                number=report.number,
                report_date=report.report_date.isoformat(),
                title=TITLES[ReportKind(report.kind)],
                document=pdf,
                signature=bytes(report.signature or b""),
                signer_name=report.signer_name,
            )
    except (ValidationError, NationalError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
        record.status = ReportSubmission.Status.FAILED
        record.message = message[:500]
        record.save()
        raise ValidationError(f"Báo cáo {report.number}: không gửi được – {message}") from exc
    with transaction.atomic():
        record.status = answer["status"]
        record.receipt_id = str(answer["receipt_id"])[:80]
        received = answer.get("received_at")
        record.received_at = datetime.fromisoformat(received) if isinstance(received, str) else None
        record.message = (
            "Bộ Nội vụ đã tiếp nhận."
            if record.status == ReportSubmission.Status.ACCEPTED
            else "Bộ Nội vụ đã tiếp nhận tệp này trước đó."
        )
        record.save()
    return record
