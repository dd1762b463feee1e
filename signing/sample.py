"""A profile-like XML document for tests and the benchmark (not the real profile format).

About 40 scalar fields in data groups, and history rows with attributes, with Vietnamese text:
the same shape and size as a rendered profile version, so signing costs are realistic.
"""

from __future__ import annotations

from lxml import etree

SAMPLE_NS = "urn:cbccvc:sample:ho-so:1"

_FIELDS = [
    ("ThongTinCoBan", "SoDinhDanh", "001085012345"),
    ("ThongTinCoBan", "HoVaTen", "Nguyễn Thị Minh Khai"),
    ("ThongTinCoBan", "TenGoiKhac", "Minh Khai"),
    ("ThongTinCoBan", "GioiTinh", "Nữ"),
    ("ThongTinCoBan", "NgaySinh", "1985-03-12"),
    ("ThongTinCoBan", "NoiSinh", "Xã Đông Hòa, Tỉnh Thái Bình"),
    ("ThongTinCoBan", "QueQuan", "Phường Hòa Bình, Tỉnh Phú Thọ"),
    ("ThongTinCoBan", "DanToc", "Kinh"),
    ("ThongTinCoBan", "TonGiao", "Không"),
    ("ThongTinCoBan", "NoiThuongTru", "Số 5 ngõ 12 phố Đội Cấn, Phường Ba Đình, Hà Nội"),
    ("ThongTinCoBan", "NoiOHienNay", "Số 5 ngõ 12 phố Đội Cấn, Phường Ba Đình, Hà Nội"),
    ("ThongTinCoBan", "ThanhPhanXuatThan", "Công chức"),
    ("ThongTinCoBan", "SoDienThoai", "0912345678"),
    ("ThongTinCoBan", "Email", "khai.ntm@example.gov.vn"),
    ("TuyenDung", "NgayTuyenDung", "2008-09-01"),
    ("TuyenDung", "CoQuanTuyenDung", "Sở Nội vụ tỉnh Thái Bình"),
    ("TuyenDung", "HinhThucTuyenDung", "Thi tuyển"),
    ("TuyenDung", "NgayVaoCoQuanHienNay", "2025-07-01"),
    ("DaoTao", "TrinhDoGiaoDucPhoThong", "12/12"),
    ("DaoTao", "TrinhDoChuyenMon", "Thạc sĩ Quản lý công"),
    ("DaoTao", "LyLuanChinhTri", "Cao cấp"),
    ("DaoTao", "QuanLyNhaNuoc", "Chuyên viên chính"),
    ("DaoTao", "NgoaiNgu", "Tiếng Anh B2"),
    ("DaoTao", "TinHoc", "Ứng dụng CNTT cơ bản"),
    ("CongTac", "CoQuan", "Sở Nội vụ tỉnh Hưng Yên"),
    ("CongTac", "MaDinhDanhDonVi", "000.00.00.H33"),
    ("CongTac", "ViTriViecLam", "Chuyên viên quản lý công chức"),
    ("CongTac", "ChucVu", "Phó Trưởng phòng"),
    ("CongTac", "NgachMa", "01.003"),
    ("CongTac", "NgachTen", "Chuyên viên"),
    ("CongTac", "BacLuong", "5"),
    ("CongTac", "HeSoLuong", "3.66"),
    ("CongTac", "PhuCapChucVu", "0.30"),
    ("CongTac", "NgayHuongLuong", "2024-01-01"),
    ("DangDoanThe", "NgayVaoDang", "2010-05-19"),
    ("DangDoanThe", "NgayChinhThuc", "2011-05-19"),
    ("QuanNgu", "NgayNhapNgu", ""),
    ("QuanNgu", "QuanHam", ""),
    ("SucKhoe", "TinhTrangSucKhoe", "Tốt"),
    ("SucKhoe", "NhomMau", "O"),
]


def sample_profile_document(history_rows: int = 20) -> bytes:
    """The sample document as UTF-8 bytes (deterministic)."""
    root = etree.Element(f"{{{SAMPLE_NS}}}HoSo", nsmap={None: SAMPLE_NS})
    root.set("phienBan", "3")
    root.set("maHoSo", "001085012345")
    groups: dict[str, etree._Element] = {}
    for group, name, value in _FIELDS:
        if group not in groups:
            groups[group] = etree.SubElement(root, f"{{{SAMPLE_NS}}}{group}")
        etree.SubElement(groups[group], f"{{{SAMPLE_NS}}}{name}").text = value
    history = etree.SubElement(root, f"{{{SAMPLE_NS}}}QuaTrinhCongTac")
    for i in range(history_rows):
        row = etree.SubElement(history, f"{{{SAMPLE_NS}}}DongQuaTrinh", stt=str(i + 1))
        row.set("tuNgay", f"{2005 + i // 2}-{1 + (i * 5) % 12:02d}-01")
        etree.SubElement(row, f"{{{SAMPLE_NS}}}DonVi").text = f"Phòng Tổ chức cán bộ số {i + 1}"
        etree.SubElement(row, f"{{{SAMPLE_NS}}}ChucDanh").text = (
            "Chuyên viên" if i % 3 else "Phó Trưởng phòng"
        )
        etree.SubElement(row, f"{{{SAMPLE_NS}}}GhiChu").text = f"Quyết định số {100 + i}/QĐ-SNV"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
