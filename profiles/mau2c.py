"""The items of the "Sơ yếu lý lịch cán bộ, công chức" (Mẫu 2C-BNV/2008 of Quyết định
06/2007/QĐ-BNV, as amended by Thông tư 11/2012/TT-BNV), filled from one profile.

:func:`cv_sections` returns a neutral document model: the header (agency, unit, the officer's
number), then every item 1) … 32) in the official order, as lines and tables. An item the
profile holds no data for is still there, with dots to fill in by hand as on the printed form;
nothing on it depends on the day it is printed (the signature's date is left to fill in).
Group 9 (assets and income) is not part of the form and never read here; item 23 (health,
group 10) only when the caller says the reader holds its permission (``with_health``),
otherwise a note says it is left out. ``profiles.export`` lays the model out as DOCX and PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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
from .services import hidden_note_vi

FORM = "Mẫu 2C-BNV/2008"
TITLE = "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC"
AGENCY_LABEL = "Cơ quan, đơn vị có thẩm quyền quản lý CBCC"
UNIT_LABEL = "Cơ quan, đơn vị sử dụng CBCC"
NUMBER_LABEL = "Số hiệu cán bộ, công chức:"
PHOTO_LABEL = ("Ảnh màu", "(4 x 6 cm)")
#: the two signatures at the foot of the form: left the declarant, right the head of the agency
SIGN_LEFT = (
    "Người khai",
    "Tôi xin cam đoan những lời khai trên đây là đúng sự thật",
    "(Ký tên, ghi rõ họ tên)",
)
SIGN_RIGHT = (
    "…………, Ngày …… tháng …… năm ……",
    "Thủ trưởng cơ quan, đơn vị quản lý và sử dụng CBCC",
    "(Ký tên, đóng dấu)",
)
#: what an item with no data prints, as the printed form leaves it to fill in
DOTS = "……………"
DOTS_DATE = "……/……/………"
DOTS_LINE = "…" * 40  # a line of dots to write on (the PDF fills its width)
#: before a relative's address as written before the 2025 reform conversion (item 30)
ORIGINAL_ADDRESS_NOTE = "địa danh cũ"


@dataclass
class Line:
    text: str
    note: str = ""  # the form's own guidance under the item, in brackets
    bold: bool = False


@dataclass
class Table:
    heading: str
    columns: list[str]
    widths: list[float]  # share of the page width
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


@dataclass
class CV:
    agency: str
    unit: str
    number: str  # "Số hiệu cán bộ, công chức": no such field yet, dots
    blocks: list[Line | Table]

    @property
    def lines(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Line)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def _or_dots(text: object) -> str:
    text = "" if text is None else str(text).strip()
    return text or DOTS


def vn_number(value: Decimal | float | int | None) -> str:
    """A coefficient in Vietnamese writing: "3,33" (a comma before the decimals)."""
    if value is None:
        return ""
    return f"{Decimal(value):.2f}".replace(".", ",")


def _d(value: date | None, precision: str = "day") -> str:
    if value is None:
        return DOTS_DATE
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return f"{value:%m/%Y}"
    return f"{value:%d/%m/%Y}"


def _born(value: date, precision: str) -> str:
    """Item 3 as the form writes it: "14 tháng 03 năm 1985", dots for what is unknown."""
    day = f"{value:%d}" if precision == "day" else "……"
    month = f"{value:%m}" if precision in ("day", "month") else "……"
    return f"{day} tháng {month} năm {value.year}"


def _m(value: date | None) -> str:
    return f"{value:%m/%Y}" if value else "nay"


def _workplace(w: WorkHistory) -> str:
    """Where someone worked, as written then (the name of that time is never rewritten), with
    the reform conversion's note of where the place lies today: "Ủy ban nhân dân huyện Yên
    Lạc, Tỉnh Vĩnh Phúc (nay thuộc Tỉnh Phú Thọ)"."""
    if w.unit_id and w.unit is not None:
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


def _rank(list_key: str, code: str) -> int:
    """Where a code stands in its list (the lists name the highest form first)."""
    order = list(codelists.items(list_key))
    return order.index(code) if code in order else len(order)


def _identity(p: Profile) -> list[Line]:
    """Items 1–9."""
    return [
        Line(f"1) Họ và tên khai sinh (viết chữ in hoa): {_or_dots(p.full_name.upper())}"),
        Line(f"2) Tên gọi khác: {_or_dots(p.other_names)}"),
        Line(
            f"3) Sinh ngày: {_born(p.date_of_birth, p.birth_date_precision)}, "
            f"Giới tính (nam, nữ): {_or_dots(name_of('sex', p.sex))}"
        ),
        Line(f"4) Nơi sinh: {_or_dots(_with_original(p.birthplace_text, p.birthplace_original))}"),
        Line(f"5) Quê quán: {_or_dots(_with_original(p.hometown_text, p.hometown_original))}"),
        Line(
            f"6) Dân tộc: {_or_dots(name_of('ethnicity', p.ethnicity))}, "
            f"7) Tôn giáo: {_or_dots(name_of('religion', p.religion))}"
        ),
        Line(
            "8) Nơi đăng ký hộ khẩu thường trú: "
            + _or_dots(_with_original(p.permanent_residence, p.permanent_residence_original)),
            "(Số nhà, đường phố, thành phố, xóm, thôn, xã, huyện, tỉnh)",
        ),
        Line(
            f"9) Nơi ở hiện nay: {_or_dots(_current_residence(p))}",
            "(Số nhà, đường phố, thành phố, xóm, thôn, xã, huyện, tỉnh)",
        ),
    ]


def _work(p: Profile) -> list[Line]:
    """Items 10–14."""
    recruitment = (
        CareerEvent.objects.filter(profile=p, kind=CareerEvent.Kind.RECRUITMENT)
        .order_by("effective_date")
        .first()
    )
    current = (
        p.work_history.filter(end_date__isnull=True, concurrent=False).order_by("start_date").last()
    )
    main_post = name_of("position", p.position_code) or name_of("title", p.title_code)
    posts = ([main_post] if main_post else []) + [
        "kiêm " + (name_of("position", w.position_code) or name_of("title", w.title_code))
        for w in p.work_history.filter(end_date__isnull=True, concurrent=True).order_by(
            "start_date"
        )
        if w.position_code or w.title_code
    ]
    salary = p.salary_history.order_by("effective_date").last()
    others = []
    if salary and salary.other_allowances:
        others.append(vn_number(salary.other_allowances))
    if salary and salary.seniority_allowance_percent:
        others.append(f"thâm niên vượt khung {salary.seniority_allowance_percent} %")
    return [
        Line("10) Nghề nghiệp khi được tuyển dụng: " + DOTS),
        Line(
            "11) Ngày tuyển dụng: "
            + (_d(recruitment.effective_date) if recruitment else DOTS_DATE)
            + ", Cơ quan tuyển dụng: "
            + _or_dots(
                (recruitment.issuer or (recruitment.unit.name if recruitment.unit else ""))
                if recruitment
                else ""
            )
        ),
        Line(
            "12) Chức vụ (chức danh) hiện tại: " + _or_dots("; ".join(posts)),
            "(Về chính quyền hoặc Đảng, đoàn thể, kể cả chức vụ kiêm nhiệm)",
        ),
        Line(f"13) Công việc chính được giao: {_or_dots(current.description if current else '')}"),
        Line(
            f"14) Ngạch công chức (viên chức): {_or_dots(name_of('grade', p.grade_code))}, "
            f"Mã ngạch: {_or_dots(p.grade_code)}"
        ),
        Line(
            f"Bậc lương: {_or_dots(p.salary_step)}, "
            f"Hệ số: {_or_dots(vn_number(p.salary_coefficient))}, "
            f"Ngày hưởng: {_d(p.salary_since)}"
        ),
        Line(
            "Phụ cấp chức vụ: "
            + _or_dots(
                vn_number(salary.position_allowance) if salary and salary.position_allowance else ""
            )
            + f", Phụ cấp khác: {_or_dots('; '.join(others))}"
        ),
    ]


def _qualifications(p: Profile, edu: list[Education], trainings: list[Training]) -> list[Line]:
    """Item 15."""
    general = next((e for e in edu if e.kind == Education.Kind.GENERAL), None)
    professional = [e for e in edu if e.kind == Education.Kind.PROFESSIONAL]
    levels = codelists.items("education-level")
    best = max(
        professional,
        key=lambda e: levels[e.level_code].extra.get("rank", 0) if e.level_code in levels else 0,
        default=None,
    )

    def training(kind: str, list_key: str | None) -> str:
        rows = [t for t in trainings if t.kind == kind]
        if not rows:
            return ""
        t = rows[-1]
        return name_of(list_key, t.level_code) if list_key else (t.name or t.level_code)

    return [
        Line(
            "15.1- Trình độ giáo dục phổ thông: "
            + _or_dots(name_of("education-level", general.level_code) if general else ""),
            "(Đã tốt nghiệp lớp mấy / thuộc hệ nào)",
        ),
        Line(
            "15.2- Trình độ chuyên môn cao nhất: "
            + _or_dots(
                f"{name_of('education-level', best.level_code)} {best.major}" if best else ""
            ),
            "(TSKH, TS, Ths, cử nhân, kỹ sư, cao đẳng, trung cấp, sơ cấp; chuyên ngành)",
        ),
        Line(
            "15.3- Lý luận chính trị: "
            + _or_dots(training(Training.Kind.POLITICAL_THEORY, "political-theory")),
            "(Cao cấp, trung cấp, sơ cấp và tương đương)",
        ),
        Line(
            "15.4- Quản lý nhà nước: "
            + _or_dots(training(Training.Kind.STATE_MANAGEMENT, "state-management")),
            "(Chuyên viên cao cấp, chuyên viên chính, chuyên viên, cán sự, …)",
        ),
        Line(
            f"15.5- Ngoại ngữ: {_or_dots(training(Training.Kind.FOREIGN_LANGUAGE, None))}",
            "(Tên ngoại ngữ + trình độ A, B, C, D …)",
        ),
        Line(
            f"15.6- Tin học: {_or_dots(training(Training.Kind.IT, None))}",
            "(Trình độ A, B, C, …)",
        ),
    ]


def _politics_and_merits(p: Profile, with_health: bool) -> list[Line]:
    """Items 16–26."""
    party = Membership.objects.filter(profile=p, organisation="party").first()
    others = Membership.objects.filter(profile=p).exclude(organisation="party")
    military = p.military_service.order_by("enlisted_on").last()
    health = p.health.order_by("recorded_on").last() if with_health else None
    top = min(
        p.commendations.all(),
        key=lambda c: (_rank("commendation-kind", c.kind_code), -c.awarded_on.toordinal()),
        default=None,
    )
    worst = max(
        p.disciplines.all(),
        key=lambda d: (_rank("discipline-kind", d.kind_code), d.decided_on),
        default=None,
    )
    if health:
        item_23 = (
            f"{_or_dots(health.status)}, Chiều cao: {_or_dots(health.height_cm)} cm, "
            f"Cân nặng: {_or_dots(health.weight_kg)} (kg), Nhóm máu: {_or_dots(health.blood_type)}"
        )
    else:
        item_23 = (
            f"{DOTS}, Chiều cao: {DOTS}, Cân nặng: {DOTS} (kg), Nhóm máu: {DOTS}"
            if with_health
            else hidden_note_vi("health")
        )
    return [
        Line(
            f"16) Ngày vào Đảng Cộng sản Việt Nam: {_d(party.admission_date if party else None)}, "
            f"Ngày chính thức: {_d(party.full_membership_date if party else None)}"
        ),
        Line(
            "17) Ngày tham gia tổ chức chính trị - xã hội: "
            + _or_dots(
                "; ".join(
                    choice_label(
                        "memberships", "organisation", m.organisation, default=m.organisation
                    )
                    + f" {_d(m.admission_date)}"
                    + (f", {m.highest_post}" if m.highest_post else "")
                    for m in others
                )
            ),
            "(Ngày tham gia tổ chức: Đoàn, Hội, … và làm việc gì trong tổ chức đó)",
        ),
        Line(
            f"18) Ngày nhập ngũ: {_d(military.enlisted_on if military else None)}, "
            f"Ngày xuất ngũ: {_d(military.discharged_on if military else None)}, "
            f"Quân hàm cao nhất: {_or_dots(military.highest_rank if military else '')}"
        ),
        Line(
            f"19) Danh hiệu được phong tặng cao nhất: {DOTS}",
            "(Anh hùng lao động, anh hùng lực lượng vũ trang; nhà giáo, thầy thuốc, nghệ sĩ "
            "nhân dân và ưu tú, …)",
        ),
        Line(f"20) Sở trường công tác: {DOTS}"),
        Line(
            "21) Khen thưởng: "
            + _or_dots(
                f"{name_of('commendation-kind', top.kind_code)}, năm {top.awarded_on:%Y}"
                if top
                else ""
            ),
            "(Hình thức cao nhất, năm nào)",
        ),
        Line(
            "22) Kỷ luật: "
            + _or_dots(
                f"{name_of('discipline-kind', worst.kind_code)}, năm {worst.decided_on:%Y}"
                if worst
                else ""
            ),
            "(Về đảng, chính quyền, đoàn thể; hình thức cao nhất, năm nào)",
        ),
        Line(f"23) Tình trạng sức khỏe: {item_23}"),
        Line(
            f"24) Là thương binh hạng: {DOTS}, Là con gia đình chính sách: {DOTS}",
            "(Con thương binh, con liệt sĩ, người nhiễm chất độc da cam Dioxin)",
        ),
        Line(
            "25) Số chứng minh nhân dân (số định danh cá nhân): "
            + _or_dots(p.personal_id)
            + (f" (CMND cũ: {p.old_id_number})" if p.old_id_number else "")
            + f", Ngày cấp: {DOTS_DATE}"
        ),
        Line(f"26) Số sổ BHXH: {DOTS}"),
    ]


def _training_table(professional: list[Education], trainings: list[Training]) -> Table:
    """Item 27."""
    lists = {"political_theory": "political-theory", "state_management": "state-management"}
    return Table(
        "27) ĐÀO TẠO, BỒI DƯỠNG VỀ CHUYÊN MÔN, NGHIỆP VỤ, LÝ LUẬN CHÍNH TRỊ, NGOẠI NGỮ, TIN HỌC",
        [
            "Tên trường",
            "Chuyên ngành đào tạo, bồi dưỡng",
            "Từ tháng, năm - đến tháng, năm",
            "Hình thức đào tạo",
            "Văn bằng, chứng chỉ, trình độ gì",
        ],
        [0.25, 0.23, 0.18, 0.15, 0.19],
        [
            [
                e.institution,
                e.major,
                f"{_m(e.start_date)} – {_m(e.end_date)}",
                e.study_mode,
                name_of("education-level", e.level_code),
            ]
            for e in professional
        ]
        + [
            [
                t.institution,
                t.name or choice_label("trainings", "kind", t.kind, default=t.kind),
                f"{_m(t.start_date)} – {_m(t.end_date)}",
                "",
                name_of(lists.get(t.kind, ""), t.level_code) or t.level_code,
            ]
            for t in trainings
        ],
        "Ghi chú: Hình thức đào tạo: Chính quy, tại chức, chuyên tu, bồi dưỡng …; Văn bằng: "
        "TSKH, TS, Ths, Cử nhân, Kỹ sư …",
    )


def _work_table(p: Profile) -> Table:
    """Item 28."""
    return Table(
        "28) TÓM TẮT QUÁ TRÌNH CÔNG TÁC",
        [
            "Từ tháng, năm đến tháng, năm",
            "Chức danh, chức vụ, đơn vị công tác (đảng, chính quyền, đoàn thể, tổ chức xã "
            "hội), kể cả thời gian được đào tạo, bồi dưỡng về chuyên môn, nghiệp vụ, …",
        ],
        [0.25, 0.75],
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
    )


def _history() -> list[Line]:
    """Item 29: nothing in the profile answers it; the form's three questions, to fill in."""
    return [
        Line("29) ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN:", bold=True),
        Line(
            "a) Khai rõ: bị bắt, bị tù (từ ngày tháng năm nào đến ngày tháng năm nào, ở đâu), "
            "đã khai báo cho ai, những vấn đề gì? Bản thân có làm việc trong chế độ cũ (cơ "
            f"quan, đơn vị nào, địa điểm, chức danh, chức vụ, thời gian làm việc …): {DOTS}"
        ),
        Line(
            "b) Tham gia hoặc có quan hệ với các tổ chức chính trị, kinh tế, xã hội nào ở nước "
            f"ngoài (làm gì, tổ chức nào, đặt trụ sở ở đâu …?): {DOTS}"
        ),
        Line(
            "c) Có thân nhân (Bố, Mẹ, Vợ, Chồng, con, anh chị em ruột) ở nước ngoài (làm gì, "
            f"địa chỉ …)? {DOTS}"
        ),
    ]


def _family(p: Profile) -> list[Line | Table]:
    """Item 30."""
    blocks: list[Line | Table] = [Line("30) QUAN HỆ GIA ĐÌNH", bold=True)]
    for side, heading in (
        (
            FamilyMember.Side.OWN,
            "a) Về bản thân: Bố, Mẹ, Vợ (hoặc chồng), các con, anh chị em ruột",
        ),
        (FamilyMember.Side.SPOUSE, "b) Về bên vợ (hoặc chồng): Bố, Mẹ, anh chị em ruột"),
    ):
        blocks.append(
            Table(
                heading,
                [
                    "Mối quan hệ",
                    "Họ và tên",
                    "Năm sinh",
                    "Quê quán, nghề nghiệp, chức danh, chức vụ, đơn vị công tác, học tập, nơi "
                    "ở (trong, ngoài nước); thành viên các tổ chức chính trị - xã hội …",
                ],
                [0.15, 0.25, 0.1, 0.5],
                [
                    [
                        name_of("relationship", f.relationship_code),
                        f.full_name,
                        str(f.birth_year or ""),
                        ", ".join(
                            x
                            for x in (f.occupation, _residence(f), "đã mất" if f.deceased else "")
                            if x
                        ),
                    ]
                    for f in p.family.filter(side=side).order_by("birth_year", "pk")
                ],
            )
        )
    return blocks


def _salary_table(p: Profile) -> Table:
    """Item 31."""
    return Table(
        "31) DIỄN BIẾN QUÁ TRÌNH LƯƠNG CỦA CÁN BỘ, CÔNG CHỨC",
        ["Tháng/năm", "Mã ngạch/bậc", "Hệ số lương"],
        [0.3, 0.4, 0.3],
        [
            [f"{s.effective_date:%m/%Y}", f"{s.grade_code}/{s.step}", vn_number(s.coefficient)]
            for s in p.salary_history.order_by("effective_date")
        ],
    )


def cv_sections(profile: Profile, *, with_health: bool = False) -> CV:
    p = profile
    unit = p.unit
    agency = unit.get_root() if unit.parent_id else unit
    edu = list(Education.objects.filter(profile=p).order_by("end_date"))
    trainings = list(Training.objects.filter(profile=p).order_by("end_date"))
    professional = [e for e in edu if e.kind == Education.Kind.PROFESSIONAL]
    blocks: list[Line | Table] = [
        *_identity(p),
        *_work(p),
        *_qualifications(p, edu, trainings),
        *_politics_and_merits(p, with_health),
        _training_table(professional, trainings),
        _work_table(p),
        *_history(),
        *_family(p),
        _salary_table(p),
        Line(
            "32) NHẬN XÉT, ĐÁNH GIÁ CỦA CƠ QUAN, ĐƠN VỊ QUẢN LÝ VÀ SỬ DỤNG CÁN BỘ, CÔNG CHỨC",
            bold=True,
        ),
        *[Line(DOTS_LINE) for _ in range(4)],
    ]
    return CV(agency=agency.name, unit=unit.name, number=DOTS, blocks=blocks)
