"""The Vietnamese names of a profile's fields and tables in what is signed or stored.

The models' ``verbose_name`` follow the user's language (issue 17: the English interface shows
English field names). What is signed or stored must not: the signed profile document's schema
(:mod:`profiles.document`, :mod:`profiles.document_schema`: the XSD's documentation and the
messages naming an element, and the values of its fields with choices) and the stored
findings' messages (:mod:`profiles.validation`)
name fields in Vietnamese whatever the language, from this table. It is its own text, not read
from the models: a model's label may be reworded for the screen without changing a published
schema.

A field added to a profile table needs its name here (:func:`field_label` refuses a field it
does not know, so the document cannot be built without it).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

#: table ("profile" or a key of ``CHILD_MODELS``) -> field name -> its Vietnamese name
FIELD_LABELS: dict[str, dict[str, str]] = {
    "profile": {
        "personal_id": "số định danh cá nhân",
        "old_id_number": "số CMND cũ (9 số)",
        "full_name": "họ và tên khai sinh",
        "other_names": "tên gọi khác",
        "sex": "giới tính",
        "date_of_birth": "ngày sinh",
        "birth_date_precision": "độ chính xác ngày sinh",
        "birth_registration_province": "tỉnh đăng ký khai sinh (mã cũ, 3 số)",
        "birthplace_text": "nơi sinh (nguyên văn)",
        "birthplace_province_code": "nơi sinh – mã tỉnh",
        "birthplace_commune_code": "nơi sinh – mã xã",
        "birthplace_needs_review": "nơi sinh cần xem lại",
        "hometown_text": "quê quán (nguyên văn)",
        "hometown_province_code": "quê quán – mã tỉnh",
        "hometown_commune_code": "quê quán – mã xã",
        "hometown_needs_review": "quê quán cần xem lại",
        "ethnicity": "dân tộc",
        "religion": "tôn giáo",
        "permanent_residence": "nơi thường trú",
        "permanent_residence_province_code": "nơi thường trú – mã tỉnh",
        "permanent_residence_commune_code": "nơi thường trú – mã xã",
        "current_residence": "nơi ở hiện nay",
        "current_residence_province_code": "nơi ở hiện nay – mã tỉnh",
        "current_residence_commune_code": "nơi ở hiện nay – mã xã",
        "birthplace_original": "nơi sinh – nguyên văn trước chuyển đổi",
        "hometown_original": "quê quán – nguyên văn trước chuyển đổi",
        "permanent_residence_original": "nơi thường trú – nguyên văn trước chuyển đổi",
        "current_residence_original": "nơi ở hiện nay – nguyên văn trước chuyển đổi",
        "social_origin": "thành phần gia đình xuất thân",
        "phone": "điện thoại",
        "email": "thư điện tử",
        "unit": "cơ quan, đơn vị",
        "position_code": "chức vụ hiện tại",
        "title_code": "chức danh hiện tại",
        "grade_code": "ngạch/chức danh nghề nghiệp",
        "salary_scale": "bảng lương",
        "salary_step": "bậc lương",
        "salary_coefficient": "hệ số lương",
        "salary_since": "hưởng lương từ",
        "status": "trạng thái",
        "version_number": "phiên bản gần nhất",
        "completeness": "mức đầy đủ (%)",
        "error_count": "số lỗi",
        "warning_count": "số cảnh báo",
        "validated_at": "kiểm tra lúc",
        "last_verified_at": "ngày xác minh gần nhất",
        "created_at": "tạo lúc",
        "updated_at": "cập nhật lúc",
        "created_by": "người tạo",
    },
    "work_history": {
        "start_date": "từ ngày",
        "end_date": "đến ngày",
        "unit": "đơn vị (trong cây)",
        "unit_name": "đơn vị (ngoài cây, nguyên văn)",
        "position_code": "chức vụ",
        "title_code": "chức danh",
        "concurrent": "kiêm nhiệm",
        "description": "công việc",
        "place_note": "địa danh hiện nay (chú thích)",
    },
    "salary_history": {
        "effective_date": "ngày hưởng",
        "salary_scale": "bảng lương (mã)",
        "grade_code": "mã ngạch/chức danh nghề nghiệp",
        "step": "bậc",
        "coefficient": "hệ số",
        "position_allowance": "phụ cấp chức vụ (hệ số)",
        "seniority_allowance_percent": "phụ cấp thâm niên vượt khung (%)",
        "other_allowances": "phụ cấp khác (hệ số)",
        "note": "ghi chú",
    },
    "education": {
        "kind": "loại",
        "level_code": "trình độ",
        "major": "chuyên ngành",
        "institution": "cơ sở đào tạo",
        "study_mode": "hình thức đào tạo",
        "start_date": "từ ngày",
        "end_date": "đến ngày (tốt nghiệp)",
    },
    "trainings": {
        "kind": "loại bồi dưỡng",
        "level_code": "trình độ (mã danh mục)",
        "name": "tên khóa, chứng chỉ",
        "institution": "cơ sở đào tạo",
        "start_date": "từ ngày",
        "end_date": "đến ngày",
    },
    "career_events": {
        "kind": "loại",
        "effective_date": "ngày hiệu lực",
        "decision_number": "số quyết định",
        "decision_date": "ngày quyết định",
        "issuer": "cơ quan ban hành",
        "unit": "đơn vị",
        "note": "ghi chú",
    },
    "commendations": {
        "kind_code": "hình thức khen thưởng",
        "awarded_on": "ngày quyết định",
        "decision_number": "số quyết định",
        "issuer": "cấp quyết định",
        "reason": "lý do",
    },
    "disciplines": {
        "kind_code": "hình thức kỷ luật",
        "decided_on": "ngày quyết định",
        "decision_number": "số quyết định",
        "issuer": "cấp quyết định",
        "reason": "lý do",
        "expires_on": "hết hiệu lực",
    },
    "family": {
        "side": "bên",
        "relationship_code": "quan hệ",
        "full_name": "họ và tên",
        "birth_year": "năm sinh",
        "occupation": "nghề nghiệp, chức vụ, nơi công tác",
        "address": "nơi ở",
        "address_original": "nơi ở – nguyên văn trước chuyển đổi",
        "deceased": "đã mất",
    },
    "memberships": {
        "organisation": "tổ chức",
        "admission_date": "ngày vào",
        "full_membership_date": "ngày chính thức",
        "card_number": "số thẻ",
        "left_date": "ngày ra khỏi tổ chức",
        "highest_post": "chức vụ cao nhất",
    },
    "military_service": {
        "enlisted_on": "ngày nhập ngũ",
        "discharged_on": "ngày xuất ngũ",
        "highest_rank": "quân hàm cao nhất",
        "branch": "quân chủng, binh chủng",
    },
    "assessments": {
        "year": "năm",
        "rating_code": "mức xếp loại",
        "note": "ghi chú",
    },
    "health": {
        "recorded_on": "ngày ghi nhận",
        "status": "tình trạng sức khỏe",
        "height_cm": "chiều cao (cm)",
        "weight_kg": "cân nặng (kg)",
        "blood_type": "nhóm máu",
        "disability": "khuyết tật, thương binh …",
    },
    "asset_declarations": {
        "year": "năm kê khai",
        "declared_on": "ngày kê khai",
        "annual_income": "tổng thu nhập trong năm (đồng)",
        "land_and_houses": "nhà, đất",
        "other_assets": "tài sản khác",
    },
}

#: child table -> (one row, the table) in Vietnamese
TABLE_LABELS: dict[str, tuple[str, str]] = {
    "work_history": ("quá trình công tác", "quá trình công tác"),
    "salary_history": ("quá trình lương", "quá trình lương"),
    "education": ("trình độ đào tạo", "giáo dục và đào tạo"),
    "trainings": ("bồi dưỡng", "bồi dưỡng"),
    "career_events": ("tuyển dụng, bổ nhiệm, điều động …", "tuyển dụng, bổ nhiệm, điều động …"),
    "commendations": ("khen thưởng", "khen thưởng"),
    "disciplines": ("kỷ luật", "kỷ luật"),
    "family": ("quan hệ gia đình", "quan hệ gia đình"),
    "memberships": (
        "tham gia tổ chức chính trị, chính trị – xã hội",
        "tham gia tổ chức chính trị, chính trị – xã hội",
    ),
    "military_service": (
        "thời gian phục vụ trong lực lượng vũ trang",
        "phục vụ trong lực lượng vũ trang",
    ),
    "assessments": ("đánh giá, xếp loại chất lượng", "đánh giá, xếp loại chất lượng hằng năm"),
    "health": ("sức khỏe", "sức khỏe"),
    "asset_declarations": ("kê khai tài sản, thu nhập", "kê khai tài sản, thu nhập"),
}

#: (table, field) -> stored value -> its Vietnamese name, for the fields with choices that the
#: signed document carries (the XSD documents each value)
CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("profile", "birth_date_precision"): {
        "day": "Đủ ngày tháng năm",
        "month": "Tháng và năm",
        "year": "Chỉ có năm",
    },
    ("education", "kind"): {
        "general": "Giáo dục phổ thông",
        "professional": "Chuyên môn, nghiệp vụ",
    },
    ("trainings", "kind"): {
        "political_theory": "Lý luận chính trị",
        "state_management": "Quản lý nhà nước",
        "defence_security": "Quốc phòng, an ninh",
        "foreign_language": "Ngoại ngữ",
        "it": "Tin học",
        "professional": "Bồi dưỡng chuyên môn, nghiệp vụ",
    },
    ("career_events", "kind"): {
        "recruitment": "Tuyển dụng",
        "election": "Bầu cử",
        "appointment": "Bổ nhiệm",
        "reappointment": "Bổ nhiệm lại",
        "planning": "Quy hoạch",
        "transfer": "Điều động",
        "rotation": "Luân chuyển",
        "secondment": "Biệt phái",
        "resignation": "Thôi việc",
        "retirement": "Nghỉ hưu",
        "rehoming": "Chuyển theo sắp xếp tổ chức",
    },
    ("family", "side"): {
        "own": "Gia đình bản thân",
        "spouse": "Gia đình bên vợ (chồng)",
    },
    ("memberships", "organisation"): {
        "party": "Đảng Cộng sản Việt Nam",
        "youth_union": "Đoàn TNCS Hồ Chí Minh",
        "trade_union": "Công đoàn Việt Nam",
        "women_union": "Hội Liên hiệp Phụ nữ Việt Nam",
        "veterans": "Hội Cựu chiến binh Việt Nam",
        "fatherland_front": "Mặt trận Tổ quốc Việt Nam",
        "other": "Tổ chức khác",
    },
}


def field_label(table: str, name: str) -> str:
    """The Vietnamese name of field ``name`` (``Field.name``: "unit", not "unit_id") of
    ``table``."""
    try:
        return FIELD_LABELS[table][name]
    except KeyError:
        raise ImproperlyConfigured(
            f"{table}.{name}: no Vietnamese name in profiles/fixed_labels.py FIELD_LABELS."
        ) from None


def row_label(table: str) -> str:
    """What one row of child table ``table`` is called ("quá trình công tác")."""
    return TABLE_LABELS[table][0]


def table_label(table: str) -> str:
    """What child table ``table`` is called ("giáo dục và đào tạo")."""
    return TABLE_LABELS[table][1]


def choice_label(table: str, name: str, value: str, *, default: str | None = None) -> str:
    """The Vietnamese name of the stored ``value`` of field ``name`` of ``table``. A value
    without a name is an error (the signed document must not guess), unless a ``default`` is
    given (a printed form shows the stored value rather than fail)."""
    try:
        return CHOICE_LABELS[table, name][value]
    except KeyError:
        if default is not None:
            return default
        raise ImproperlyConfigured(
            f"{table}.{name} = {value!r}: no Vietnamese name in profiles/fixed_labels.py "
            "CHOICE_LABELS."
        ) from None
