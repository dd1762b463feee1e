"""The column catalogue: which sheets and columns an import understands, and what export writes.

One :class:`SheetSpec` per table (the profile's group 1 and the child tables of
``profiles/models/children.py``), each :class:`Column` with its canonical Vietnamese header
(written by export), its type and the header variants old HR software writes. Child sheets link
to the person by the "Số định danh cá nhân" column.

Header recognition (:func:`recognise`) is insensitive to case, diacritics, spacing, punctuation
and legacy encodings (TCVN3/VNI/VIQR header cells are converted first); it scans the first
:data:`HEADER_SCAN_ROWS` rows for the best-scoring header row, joins two-row headers (a merged
group cell above its sub-columns) and decides which table a sheet holds from its headers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orgtree.text import fold

HEADER_SCAN_ROWS = 20

PID_FIELD = "personal_id"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    #: text name pid old_id date dob int decimal bool code choice unit email phone
    kind: str = "text"
    synonyms: tuple[str, ...] = ()
    required: bool = False
    code_list: str = ""  # for kind "code": the code list key (sex, ethnicity, grade …)
    #: on the profile sheet: the child table a flat column feeds ("salary_history" …)
    embedded: str = ""


@dataclass(frozen=True)
class SheetSpec:
    key: str  # "profile" or a related name of CHILD_MODELS
    title: str  # sheet name written by export
    columns: tuple[Column, ...]
    #: the fields that identify a child row of one person (same key → same row, updated)
    natural_key: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()  # sheet names

    @property
    def by_field(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}

    def exported(self) -> list[Column]:
        return [c for c in self.columns if not c.embedded]


def C(field_: str, header: str, kind: str = "text", *syn: str, **kw: Any) -> Column:
    return Column(field_, header, kind, tuple(syn), **kw)


PID = C(
    PID_FIELD,
    "Số định danh cá nhân",
    "pid",
    "Số CCCD",
    "Số CMND/CCCD",
    "CMND/CCCD",
    "Số căn cước công dân",
    "Căn cước công dân",
    "CCCD",
    "Số căn cước",
    "Mã định danh",
    "Số ĐDCN",
    "Mã định danh cá nhân",
    "Số CMND/CCCD/ĐDCN",
    "So dinh danh",
    # the Law on Identification 2023 (in force 1/7/2024) renamed the card "thẻ căn cước"
    "Số thẻ căn cước",
    "Thẻ căn cước",
    "Số thẻ căn cước công dân",
    "Số thẻ CCCD",
    "Số căn cước công dân",
    "Mã số định danh",
    "Số định danh",
    # English headers (newer systems, exports for donors, mixed-language templates)
    "ID number",
    "ID No",
    "Citizen ID",
    "Citizen ID number",
    "National ID",
    "Personal ID",
    "Personal ID number",
    "Identity number",
    required=True,
)

PROFILE = SheetSpec(
    "profile",
    "Hồ sơ",
    (
        PID,
        C(
            "old_id_number",
            "Số CMND cũ",
            "old_id",
            "Số CMND",
            "CMND",
            "Số chứng minh nhân dân",
            "Số CMTND",
            "CMND 9 số",
        ),
        C(
            "full_name",
            "Họ và tên khai sinh",
            "name",
            "Họ và tên",
            "Họ và tên đang dùng",
            "Họ tên đang dùng",
            "Họ tên",
            "Họ, tên khai sinh",
            "Họ tên khai sinh",
            "Họ và tên cán bộ",
            "Tên cán bộ",
            "Họ và tên (khai sinh)",
            "Ho ten",
            # the forms of Thông tư 06/2023/TT-BNV and the identification law's wording
            "Họ, chữ đệm và tên",
            "Họ, chữ đệm và tên khai sinh",
            "Họ chữ đệm và tên",
            "Họ, chữ đệm, tên",
            "Họ và tên đầy đủ",
            "Full name",
            "Name",
            "Fullname",
            "Staff name",
            "Employee name",
            required=True,
        ),
        C("other_names", "Tên gọi khác", "text", "Tên khác", "Bí danh"),
        C(
            "sex",
            "Giới tính",
            "code",
            "Giới",
            "Phái",
            "Nam/Nữ",
            "Nam (1)/Nữ (0)",
            "GT",
            "Gender",
            "Sex",
            code_list="sex",
            required=True,
        ),
        C(
            "date_of_birth",
            "Ngày sinh",
            "dob",
            "Ngày tháng năm sinh",
            "Ngày, tháng, năm sinh",
            "Sinh ngày",
            "NS",
            "Năm sinh",
            "Date of birth",
            "Birth date",
            "Birthdate",
            "DOB",
            "Year of birth",
            required=True,
        ),
        C(
            "birth_registration_province",
            "Mã tỉnh đăng ký khai sinh",
            "text",
            "Tỉnh đăng ký khai sinh",
        ),
        C("birthplace_text", "Nơi sinh", "text", "Nơi sinh (tỉnh)", "Sinh tại", "Place of birth"),
        C("hometown_text", "Quê quán", "text", "Nguyên quán", "Quê", "QQ", "Hometown"),
        C(
            "ethnicity",
            "Dân tộc",
            "code",
            "Dân tộc (mã)",
            "Mã dân tộc",
            "DT",
            "Ethnicity",
            "Ethnic",
            "Ethnic group",
            code_list="ethnicity",
        ),
        C("religion", "Tôn giáo", "code", "Mã tôn giáo", "TG", "Religion", code_list="religion"),
        C(
            "permanent_residence",
            "Nơi thường trú",
            "text",
            "Hộ khẩu thường trú",
            "Nơi đăng ký hộ khẩu thường trú",
            "Địa chỉ thường trú",
            "HKTT",
            "Thường trú",
            "Hộ khẩu",
            "Nơi đăng ký thường trú",
            "Địa chỉ theo hộ khẩu",
        ),
        C(
            "current_residence",
            "Nơi ở hiện nay",
            "text",
            "Chỗ ở hiện nay",
            "Địa chỉ hiện nay",
            "Nơi ở",
            "Chỗ ở",
        ),
        # the place texts as written before the reform conversion replaced their names: exported
        # and read back (a round trip stays "unchanged"); no other header means them
        C("birthplace_original", "Nơi sinh – nguyên văn trước chuyển đổi", "text"),
        C("hometown_original", "Quê quán – nguyên văn trước chuyển đổi", "text"),
        C("permanent_residence_original", "Nơi thường trú – nguyên văn trước chuyển đổi", "text"),
        C("current_residence_original", "Nơi ở hiện nay – nguyên văn trước chuyển đổi", "text"),
        C(
            "social_origin",
            "Thành phần gia đình xuất thân",
            "text",
            "Thành phần xuất thân",
            "Thành phần gia đình",
        ),
        C("phone", "Điện thoại", "phone", "Số điện thoại", "SĐT", "Số ĐT", "Di động", "Phone"),
        C("email", "Thư điện tử", "email", "Email", "E-mail", "Địa chỉ email"),
        C(
            "unit",
            "Mã đơn vị",
            "unit",
            "Đơn vị",
            "Đơn vị công tác",
            "Cơ quan, đơn vị",
            "Cơ quan đơn vị",
            "Phòng ban",
            "Phòng ban, đơn vị",
            # hospitals' and schools' departments
            "Khoa, phòng",
            "Phòng",
            "Tên đơn vị",
            "Tên ĐV",
            "Mã ĐV",
            "Unit",
            "Department",
            "Agency",
        ),
        # -- flat columns of one-sheet vendor exports: the current work/salary/party rows --
        C(
            "start_date",
            "Ngày bắt đầu công tác hiện tại",
            "date",
            "Ngày về đơn vị",
            "Ngày tuyển dụng",
            "Ngày vào cơ quan",
            embedded="work_history",
        ),
        C(
            "position_code",
            "Chức vụ",
            "code",
            "Chức vụ hiện tại",
            "Chức vụ (chức danh)",
            "CV",
            "Chức vụ, chức danh",
            # "Chức vụ chính quyền" (CQ), beside "Chức vụ Đảng" in party members' lists
            "Chức vụ chính quyền",
            "Chức vụ CQ",
            "Position",
            code_list="position",
            embedded="work_history",
        ),
        C(
            "title_code",
            "Chức danh",
            "code",
            "Chức danh hiện tại",
            code_list="title",
            embedded="work_history",
        ),
        C(
            "grade_code",
            "Mã ngạch",
            "code",
            "Ngạch",
            "Ngạch công chức",
            "Mã ngạch/chức danh nghề nghiệp",
            "Mã CDNN",
            "Ngạch/CDNN",
            "Ngạch lương",
            "Mã ngạch lương",
            "Tên ngạch",
            # a public employee's (viên chức) grade is their "chức danh nghề nghiệp" (CDNN)
            "Chức danh nghề nghiệp",
            "CDNN",
            code_list="grade",
            embedded="salary_history",
        ),
        C(
            "salary_scale",
            "Mã bảng lương",
            "code",
            "Bảng lương",
            "Loại bảng lương",
            code_list="salary-scale",
            embedded="salary_history",
        ),
        C("step", "Bậc lương", "int", "Bậc", embedded="salary_history"),
        C(
            "coefficient",
            "Hệ số lương",
            "decimal",
            "Hệ số",
            "HSL",
            "Hệ số lương hiện hưởng",
            embedded="salary_history",
        ),
        C(
            "effective_date",
            "Ngày hưởng lương",
            "date",
            "Ngày hưởng",
            "Thời điểm hưởng",
            "Ngày xếp lương",
            # the date of the last raise is when the current salary took effect
            "Ngày nâng lương",
            "Ngày lên lương",
            "Ngày tăng lương",
            embedded="salary_history",
        ),
        C(
            "admission_date",
            "Ngày vào Đảng",
            "date",
            "Ngày kết nạp Đảng",
            "Vào Đảng",
            embedded="memberships",
        ),
        C(
            "full_membership_date",
            "Ngày chính thức vào Đảng",
            "date",
            "Ngày chính thức",
            "Đảng viên chính thức",
            # "Ngày vào Đảng (chính thức)": the words in brackets are kept in the written key
            "Ngày vào Đảng chính thức",
            embedded="memberships",
        ),
    ),
    synonyms=("Hồ sơ", "Danh sách", "Thông tin chung", "Sơ yếu lý lịch", "Cán bộ", "DS"),
)

_DEC = ("Số quyết định", "Số QĐ", "QĐ số")


def _child(
    key: str,
    title: str,
    cols: Sequence[Column],
    natural_key: tuple[str, ...],
    *syn: str,
) -> SheetSpec:
    # groups 9 and 10 (profiles.services.SENSITIVE_GROUPS) need their permission to import
    return SheetSpec(key, title, (PID, *cols), natural_key, (title, *syn))


CHILD_SHEETS: tuple[SheetSpec, ...] = (
    _child(
        "work_history",
        "Quá trình công tác",
        (
            C("start_date", "Từ ngày", "date", "Từ tháng năm", "Bắt đầu", required=True),
            C("end_date", "Đến ngày", "date", "Đến tháng năm", "Kết thúc"),
            C("unit", "Mã đơn vị", "unit", "Mã cơ quan"),
            C("unit_name", "Đơn vị", "text", "Cơ quan, đơn vị", "Nơi công tác", "Đơn vị công tác"),
            # the reform conversion's note beside a past workplace ("nay thuộc Tỉnh Phú Thọ")
            C("place_note", "Địa danh hiện nay (chú thích)", "text"),
            C("position_code", "Chức vụ", "code", code_list="position"),
            C("title_code", "Chức danh", "code", code_list="title"),
            C("concurrent", "Kiêm nhiệm", "bool"),
            C("description", "Công việc", "text", "Công việc đảm nhiệm", "Nội dung"),
        ),
        ("start_date", "concurrent"),
        "Công tác",
        "QT công tác",
    ),
    _child(
        "salary_history",
        "Quá trình lương",
        (
            C("effective_date", "Ngày hưởng", "date", "Ngày hưởng lương", required=True),
            C(
                "salary_scale",
                "Mã bảng lương",
                "code",
                "Bảng lương",
                code_list="salary-scale",
                required=True,
            ),
            C("grade_code", "Mã ngạch", "code", "Ngạch", code_list="grade", required=True),
            C("step", "Bậc", "int", "Bậc lương", required=True),
            C("coefficient", "Hệ số lương", "decimal", "Hệ số", "HSL", required=True),
            C("position_allowance", "Phụ cấp chức vụ", "decimal", "PCCV"),
            C(
                "seniority_allowance_percent",
                "Phụ cấp thâm niên vượt khung (%)",
                "int",
                "Thâm niên vượt khung",
                "PCTNVK",
            ),
            C("other_allowances", "Phụ cấp khác", "decimal"),
            C("note", "Ghi chú", "text"),
        ),
        ("effective_date",),
        "Lương",
        "QT lương",
        "Diễn biến lương",
    ),
    _child(
        "education",
        "Đào tạo",
        (
            C("kind", "Loại đào tạo", "choice", "Loại", required=True),
            C(
                "level_code",
                "Trình độ",
                "code",
                "Trình độ đào tạo",
                "Văn bằng",
                code_list="education-level",
                required=True,
            ),
            C("major", "Chuyên ngành", "text", "Ngành"),
            C("institution", "Cơ sở đào tạo", "text", "Trường", "Nơi đào tạo"),
            C("study_mode", "Hình thức đào tạo", "text", "Hình thức", "Hệ đào tạo"),
            C("start_date", "Từ ngày", "date"),
            C("end_date", "Đến ngày", "date", "Năm tốt nghiệp", "Tốt nghiệp"),
        ),
        ("kind", "level_code", "end_date"),
        "Giáo dục và đào tạo",
        "Trình độ",
    ),
    _child(
        "trainings",
        "Bồi dưỡng",
        (
            C("kind", "Loại bồi dưỡng", "choice", required=True),
            C("level_code", "Trình độ", "text"),
            C("name", "Tên khóa, chứng chỉ", "text", "Tên khóa học", "Chứng chỉ"),
            C("institution", "Cơ sở đào tạo", "text"),
            C("start_date", "Từ ngày", "date"),
            C("end_date", "Đến ngày", "date"),
        ),
        ("kind", "level_code", "end_date"),
        "Bồi dưỡng, tập huấn",
    ),
    _child(
        "career_events",
        "Tuyển dụng, bổ nhiệm",
        (
            C("kind", "Loại quyết định", "choice", "Loại", required=True),
            C("effective_date", "Ngày hiệu lực", "date", "Ngày", required=True),
            C("decision_number", "Số quyết định", "text", *_DEC[1:]),
            C("decision_date", "Ngày quyết định", "date", "Ngày ký"),
            C("issuer", "Cơ quan ban hành", "text", "Cơ quan quyết định"),
            C("unit", "Mã đơn vị", "unit"),
            C("note", "Ghi chú", "text"),
        ),
        ("kind", "effective_date"),
        "Tuyển dụng, bổ nhiệm, điều động",
    ),
    _child(
        "commendations",
        "Khen thưởng",
        (
            C(
                "kind_code",
                "Hình thức khen thưởng",
                "code",
                "Hình thức",
                code_list="commendation-kind",
                required=True,
            ),
            C("awarded_on", "Ngày quyết định", "date", "Ngày khen thưởng", required=True),
            C("decision_number", "Số quyết định", "text", *_DEC[1:]),
            C("issuer", "Cấp quyết định", "text", "Cấp khen"),
            C("reason", "Lý do", "text", "Thành tích"),
        ),
        ("kind_code", "awarded_on"),
    ),
    _child(
        "disciplines",
        "Kỷ luật",
        (
            C(
                "kind_code",
                "Hình thức kỷ luật",
                "code",
                "Hình thức",
                code_list="discipline-kind",
                required=True,
            ),
            C("decided_on", "Ngày quyết định", "date", "Ngày kỷ luật", required=True),
            C("decision_number", "Số quyết định", "text", *_DEC[1:]),
            C("issuer", "Cấp quyết định", "text"),
            C("reason", "Lý do", "text"),
            C("expires_on", "Hết hiệu lực", "date", "Ngày hết hiệu lực"),
        ),
        ("kind_code", "decided_on"),
    ),
    _child(
        "family",
        "Quan hệ gia đình",
        (
            C("side", "Bên", "choice", "Bên nội/ngoại"),
            C(
                "relationship_code",
                "Quan hệ",
                "code",
                "Mối quan hệ",
                "Quan hệ với bản thân",
                code_list="relationship",
                required=True,
            ),
            C("full_name", "Họ và tên", "name", "Họ tên", required=True),
            C("birth_year", "Năm sinh", "int"),
            C(
                "occupation",
                "Nghề nghiệp, chức vụ, nơi công tác",
                "text",
                "Nghề nghiệp",
                "Quê quán, nghề nghiệp",
            ),
            C("address", "Nơi ở", "text", "Địa chỉ"),
            # the address as written before the reform conversion replaced its place names
            C("address_original", "Nơi ở – nguyên văn trước chuyển đổi", "text"),
            C("deceased", "Đã mất", "bool"),
        ),
        # two children may share a name and relationship: the birth year tells them apart
        ("relationship_code", "full_name", "birth_year"),
        "Gia đình",
    ),
    _child(
        "memberships",
        "Tổ chức chính trị – xã hội",
        (
            C("organisation", "Tổ chức", "choice", required=True),
            C("admission_date", "Ngày vào", "date", "Ngày kết nạp", required=True),
            C("full_membership_date", "Ngày chính thức", "date"),
            C("card_number", "Số thẻ", "text"),
            C("left_date", "Ngày ra khỏi tổ chức", "date"),
            C("highest_post", "Chức vụ cao nhất", "text"),
        ),
        ("organisation",),
        "Đảng, đoàn thể",
    ),
    _child(
        "military_service",
        "Lực lượng vũ trang",
        (
            C("enlisted_on", "Ngày nhập ngũ", "date", required=True),
            C("discharged_on", "Ngày xuất ngũ", "date"),
            C("highest_rank", "Quân hàm cao nhất", "text", "Quân hàm"),
            C("branch", "Quân chủng, binh chủng", "text", "Binh chủng"),
        ),
        ("enlisted_on",),
        "Quân đội",
    ),
    _child(
        "assessments",
        "Đánh giá, xếp loại",
        (
            C("year", "Năm", "int", "Năm đánh giá", required=True),
            C(
                "rating_code",
                "Mức xếp loại",
                "code",
                "Xếp loại",
                "Kết quả đánh giá",
                code_list="quality-rating",
                required=True,
            ),
            C("note", "Ghi chú", "text"),
        ),
        ("year",),
        "Đánh giá",
    ),
    _child(
        "health",
        "Sức khỏe",
        (
            C("recorded_on", "Ngày ghi nhận", "date", "Ngày khám", required=True),
            C("status", "Tình trạng sức khỏe", "text", "Sức khỏe"),
            C("height_cm", "Chiều cao (cm)", "int", "Chiều cao"),
            C("weight_kg", "Cân nặng (kg)", "int", "Cân nặng"),
            C("blood_type", "Nhóm máu", "text"),
            C("disability", "Khuyết tật, thương binh …", "text", "Khuyết tật"),
        ),
        ("recorded_on",),
    ),
    _child(
        "asset_declarations",
        "Tài sản, thu nhập",
        (
            C("year", "Năm kê khai", "int", required=True),
            C("declared_on", "Ngày kê khai", "date", required=True),
            C("annual_income", "Tổng thu nhập trong năm (đồng)", "decimal", "Thu nhập"),
            C("land_and_houses", "Nhà, đất", "text"),
            C("other_assets", "Tài sản khác", "text"),
        ),
        ("year",),
        "Kê khai tài sản",
    ),
)

SHEETS: dict[str, SheetSpec] = {PROFILE.key: PROFILE, **{s.key: s for s in CHILD_SHEETS}}


# -- recognition --------------------------------------------------------------------------------
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: Any, prefer: str | None = None) -> str:
    """The comparison key of a header cell: legacy text converted, folded, punctuation and
    spaces removed ("Số CMND/CCCD" → "socmndcccd"). ``prefer``: the encoding of the header
    area (a short cell alone, such as TCVN3 "Sè", is ambiguous)."""
    if text is None:
        return ""
    s = str(text)
    if not s.strip():
        return ""
    s = _to_unicode(s, prefer)
    return _NON_ALNUM.sub("", fold(s))


def _to_unicode(s: str, prefer: str | None = None) -> str:
    from .legacy_text import read_unicode

    try:
        return read_unicode(s, prefer=prefer)
    except ValueError:  # a header we cannot convert is compared as it is
        return s


def header_encoding(rows: Sequence[Sequence[Any]]) -> str | None:
    """The legacy encoding the header area is written in, by a vote over its text cells."""
    from .legacy_text import detect_column_encoding

    found = str(detect_column_encoding(c for r in rows for c in r if isinstance(c, str)))
    return None if found in ("unicode", "ascii") else found


def recognise(
    rows: list[list[Any]],
    merged: Sequence[tuple[int, int, int, int]] = (),
    sheet_name: str = "",
    overrides: dict[str, dict[str, str]] | None = None,
    specs: Sequence[SheetSpec] | None = None,
) -> Any:
    """Find the header rows and the table of a sheet from its first rows
    (:func:`transfer.headers.recognise_table`: annotations, typos, multi-row and
    composite headers).

    ``overrides`` (from a mapping profile) is ``{sheet key: {header: field}}``; they win over
    the catalogue. Returns ``None`` when no table has its required columns.
    """
    from .headers import recognise_table

    return recognise_table(rows, merged, sheet_name, overrides, specs)
