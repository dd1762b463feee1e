"""The reports to the ministry as documents: the software review (letter 5034) built from the
systems inventory, the status report's figures of the agency's subtree at a date, both laid out
in the official layout — checked on the text read back from the PDF — and in DOCX."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from orgtree.models import Unit
from profiles.models import Profile, ProfileStatus
from syncing import report_documents
from syncing.models import (
    Connection,
    Destination,
    HrSystem,
    KeyState,
    MinistryReport,
    Mismatch,
    ProgressSnapshot,
    ReportKind,
    SyncWindow,
    SystemKey,
    SystemStatus,
    UnitMatch,
)
from tests.pdf_text import flat, pdf_text

pytestmark = pytest.mark.django_db

DAY = date(2025, 9, 18)


def _report(agency: Unit, kind: str, **kw) -> MinistryReport:
    kw.setdefault("number", "125/BC-UBND")
    kw.setdefault("place", "Nghệ An")
    kw.setdefault("report_date", DAY)
    kw.setdefault("signer_name", "Lê Hồng Vinh")
    kw.setdefault("signer_position", "TM. Ủy ban nhân dân\nChủ tịch")
    return MinistryReport.objects.create(agency=agency, kind=kind, **kw)


def _inventory(tree) -> None:
    agency = tree["H40"]
    chosen = HrSystem.objects.create(
        agency=agency,
        name="QLCB Phú Thọ",
        vendor="VNPT Phú Thọ",
        product="Phần mềm QLCB",
        version="3.2",
        profile_count=61234,
        is_chosen=True,
        choice_reason="Quản lý nhiều hồ sơ nhất, đã kết nối thử thành công.",
        chosen_on=date(2025, 7, 15),
    )
    chosen.units_served.add(tree["H40.10"])
    SystemKey.objects.create(
        system=chosen,
        key_id="KN-PT-0001",
        admin_name="Nguyễn Văn Quản",
        admin_position="Trưởng phòng CNTT",
        admin_phone="0912000111",
        admin_email="quan@phutho.gov.vn",
    )
    old = HrSystem.objects.create(
        agency=agency,
        name="QLCB Vĩnh Phúc",
        vendor="Viettel",
        product="HRM Vĩnh Phúc",
        version="2019",
        profile_count=38000,
        status=SystemStatus.MIGRATING,
    )
    old.units_served.add(tree["H40.11"])
    SystemKey.objects.create(
        system=old,
        key_id="KN-VP-0042",
        state=KeyState.ACTIVE,
        admin_name="Trần Thị Vĩnh",
        admin_position="Chuyên viên",
        admin_phone="0211 3861 234",
        admin_email="vinh@vinhphuc.gov.vn",
    )


def test_the_software_report_reads_in_the_official_layout(tree):
    _inventory(tree)
    report = _report(tree["H40"], ReportKind.SOFTWARE)
    pdf = report_documents.produce(report)
    assert pdf.startswith(b"%PDF")
    lines = pdf_text(pdf).splitlines()
    # the header: agency and number on the left, the national name and motto on the right
    assert lines[:5] == [
        "UBND TỈNH NGHỆ AN",
        "Số: 125/BC-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Nghệ An, ngày 18 tháng 09 năm 2025",
    ]
    text = flat(pdf_text(pdf))
    assert "BÁO CÁO" in text and "Kính gửi: Bộ Nội vụ." in text
    assert "có 2 hệ thống phần mềm" in text
    # the old system's key with its administrator's contact, then the chosen one
    for value in (
        "KN-VP-0042",
        "Trần Thị Vĩnh, Chuyên viên",
        "0211 3861 234",
        "vinh@vinhphuc.gov.vn",
        "Nguyễn Văn Quản, Trưởng phòng CNTT",
        "quan@phutho.gov.vn",
        "61.234",
        "Sở Nội vụ",
    ):
        assert value in text, value
    assert "lựa chọn hệ thống Phần mềm QLCB 3.2 (VNPT Phú Thọ), quyết định ngày 15/07/2025" in text
    assert "Lý do: Quản lý nhiều hồ sơ nhất, đã kết nối thử thành công." in text
    assert "thu hồi các khóa kết nối của phần mềm không còn sử dụng: KN-VP-0042." in text
    # the signer block closes the document
    assert lines[-3:] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lê Hồng Vinh"]
    report.refresh_from_db()
    assert bytes(report.document) == pdf
    assert report.document_sha256 == hashlib.sha256(pdf).hexdigest()
    assert report.history.first().history_change_reason == "Xuất tệp báo cáo"


def test_revoked_old_keys_are_reported_as_revoked_not_asked_for(tree):
    _inventory(tree)
    SystemKey.objects.filter(key_id="KN-VP-0042").update(state=KeyState.REVOKED)
    text = report_documents.build_document(_report(tree["H40"], ReportKind.SOFTWARE)).text()
    assert "Đề nghị" not in text
    assert "không còn sử dụng đã được thu hồi: KN-VP-0042." in text


def test_no_software_report_without_a_chosen_system(tree):
    HrSystem.objects.create(agency=tree["H40"], name="QLCB Vĩnh Phúc")
    report = _report(tree["H40"], ReportKind.SOFTWARE)
    with pytest.raises(ValidationError, match="chưa chọn hệ thống"):
        report_documents.produce(report)
    report.refresh_from_db()
    assert not report.document


def _profiles(unit: Unit, statuses: list[str], start: int) -> list[Profile]:
    return Profile.objects.bulk_create(
        Profile(
            personal_id=f"0400{start + i:08d}",
            full_name=f"Người {start + i}",
            folded_name=f"nguoi {start + i}",
            sex="1",
            date_of_birth=date(1980, 1, 1),
            unit=unit,
            status=status,
        )
        for i, status in enumerate(statuses)
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


@pytest.fixture
def figures_world(tree):
    S = ProfileStatus
    inside = _profiles(tree["H40.10.01"], [S.DRAFT, S.APPROVED, S.SIGNED, S.SYNCED, S.SYNCED], 0)
    _profiles(tree["H40.11"], [S.SUBMITTED, S.APPROVED], 100)
    _profiles(tree["H42"], [S.SYNCED] * 4, 200)  # another province: never counted
    UnitMatch.objects.create(unit=tree["H40.10"], national_code="X1", status="confirmed")
    UnitMatch.objects.create(unit=tree["H40.11"], national_code="X2", status="suggested")

    def mismatch(n, since, status="open", decided=None):
        Mismatch.objects.create(
            external_id=f"m{n}",
            profile=inside[n % len(inside)],
            kind="spelling",
            since=since,
            status=status,
            decided_at=_at(decided) if decided else None,
            last_seen_at=_at(since),
        )

    mismatch(1, date(2025, 9, 1))  # open
    mismatch(2, date(2025, 9, 2), "resolved", date(2025, 9, 10))  # fixed before the day
    mismatch(3, date(2025, 9, 3), "accepted", date(2025, 9, 25))  # fixed after: open then
    mismatch(4, date(2025, 9, 30))  # seen after the day: not counted
    mismatch(5, date(2025, 9, 4), "disputed", date(2025, 9, 5))  # disputed: still open
    conn = Connection(
        unit=tree["H40"],
        destination=Destination.NATIONAL,
        software_name="cbccvc",
        base_url="http://127.0.0.1:9/",
        key_id="KN-H40",
    )
    conn.set_secret("s3cret")
    conn.save()
    SyncWindow.objects.create(
        connection=conn, label="Đợt 1", mode="official", starts_on=date(2025, 9, 15)
    )
    return tree


def test_status_figures_live_count_the_agency_subtree(figures_world):
    f = report_documents.status_figures(figures_world["H40"], DAY, today=DAY)
    assert (f.units_total, f.units_mapped) == (4, 1)
    assert (f.profiles_total, f.profiles_approved, f.profiles_signed, f.profiles_synced) == (
        7,
        5,
        3,
        2,
    )
    assert (f.mismatches_open, f.mismatches_fixed) == (3, 1)
    assert f.schedule == ["Đợt 1 (đợt đồng bộ chính thức): từ 15/09/2025, liên tục"]
    # a department's report counts only its own subtree
    dept = report_documents.status_figures(figures_world["H40.11"], DAY, today=DAY)
    assert (dept.profiles_total, dept.units_total, dept.mismatches_open) == (2, 1, 0)


def test_status_figures_of_a_past_day_come_from_that_days_snapshot(figures_world):
    agency = figures_world["H40"]
    ProgressSnapshot.objects.create(
        agency=agency,
        day=date(2025, 9, 12),
        units_total=4,
        units_mapped=0,
        profiles_total=6,
        profiles_approved=2,
        profiles_signed=1,
        profiles_synced=0,
    )
    f = report_documents.status_figures(agency, date(2025, 9, 12), today=DAY)
    assert (f.profiles_total, f.profiles_approved, f.profiles_synced, f.units_mapped) == (
        6,
        2,
        0,
        0,
    )
    assert (f.mismatches_open, f.mismatches_fixed) == (3, 1)  # 9/2's was fixed on 9/10
    assert "chốt ngày 12/09/2025" in f.source
    with pytest.raises(ValidationError, match="Không có số liệu chốt ngày 11/09/2025"):
        report_documents.status_figures(agency, date(2025, 9, 11), today=DAY)
    with pytest.raises(ValidationError, match="19/09/2025 ở sau hôm nay"):
        report_documents.status_figures(agency, date(2025, 9, 19), today=DAY)


def test_the_status_report_carries_the_figures_and_the_narrative(figures_world):
    report = _report(
        figures_world["H40"],
        ReportKind.STATUS,
        number="130/BC-UBND",
        narrative="Còn 2 đơn vị chưa ghép mã do đang sáp nhập; kiến nghị gia hạn đến 30/9.",
    )
    text = flat(pdf_text(report_documents.produce(report, today=DAY)))
    assert "tình hình đến ngày 18/09/2025" in text
    assert "Đơn vị đã ghép mã với cây tổ chức quốc gia 1/4 25%" in text
    assert "Hồ sơ đã đồng bộ lên CSDL quốc gia 2 29%" in text
    assert "Sai lệch đối khớp với CSDL dân cư chưa xử lý 3" in text
    assert "II. Lịch đồng bộ: Đợt 1 (đợt đồng bộ chính thức): từ 15/09/2025, liên tục." in text
    assert "kiến nghị gia hạn đến 30/9." in text
    # every figure of the follow-up letter, each in its row
    assert "2 Tổng số hồ sơ 7" in text
    assert "3 Hồ sơ đã phê duyệt 5 71%" in text
    assert "4 Hồ sơ đã ký số 3 43%" in text
    assert "7 Sai lệch đối khớp đã xử lý 1" in text
    assert "III. Đánh giá, khó khăn, vướng mắc và kiến nghị: Còn 2 đơn vị" in text


def test_the_status_report_renders_and_opens_as_docx(figures_world, tmp_path):
    """The status report's PDF renders with poppler (pdftoppm: a page image) and its DOCX opens
    with python-docx holding the same figures and narrative."""
    import subprocess

    from docx import Document

    report = _report(
        figures_world["H40"], ReportKind.STATUS, number="131/BC-UBND", narrative="Đúng tiến độ."
    )
    pdf = report_documents.produce(report, today=DAY)
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", tmp_path / "r.pdf", tmp_path / "p"],
        check=True,
    )
    (page,) = tmp_path.glob("p*.png")
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = report_documents.render_docx(report_documents.build_document(report, today=DAY))
    doc = Document(io.BytesIO(data))
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert ["2", "Tổng số hồ sơ", "7", ""] in rows
    assert ["5", "Hồ sơ đã đồng bộ lên CSDL quốc gia", "2", "29%"] in rows
    assert ["6", "Sai lệch đối khớp với CSDL dân cư chưa xử lý", "3", ""] in rows
    text = " ".join(p.text for p in doc.paragraphs)
    assert "Lịch đồng bộ: Đợt 1" in text and "Đúng tiến độ." in text


def test_the_docx_has_the_same_content(tree):
    from docx import Document

    _inventory(tree)
    report = _report(tree["H40"], ReportKind.SOFTWARE)
    data = report_documents.render_docx(report_documents.build_document(report))
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "UBND TỈNH NGHỆ AN\nSố: 125/BC-UBND" in cells
    assert "vinh@vinhphuc.gov.vn" in " ".join(cells)
    assert any("Lý do: Quản lý nhiều hồ sơ nhất" in p.text for p in doc.paragraphs)


def test_the_reports_print_the_statuses_in_vietnamese_in_english(tree, figures_world):
    """The statuses are translatable for the screen; the report to the ministry is an official
    Vietnamese document: a user working in English produces the same text."""
    from django.utils import translation

    _inventory(tree)
    report = _report(tree["H40"], ReportKind.SOFTWARE)
    vietnamese = report_documents.build_document(report).text()
    with translation.override("en"):
        assert str(KeyState.ACTIVE.label) == "Active"  # the screen's label is English
        english = report_documents.build_document(report).text()
        schedule = report_documents.status_figures(figures_world["H40"], DAY, today=DAY).schedule
    assert english == vietnamese
    assert "Đang sử dụng" in english and "Đang hoạt động" in english
    assert schedule == ["Đợt 1 (đợt đồng bộ chính thức): từ 15/09/2025, liên tục"]
