"""Child tables of a profile: groups 2–10 of Decree 27/2026/NĐ-CP, each row with its dates.

Codes (``*_code``) refer to the code lists; free text is stored cleaned (NFC, one tone style).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cbccvc.crypto import EncryptedCharField, EncryptedDecimalField, EncryptedTextField
from orgtree.models import Unit
from orgtree.text import clean, title_case

from .profile import Profile


class ProfileChild(models.Model):
    """Base: a row that belongs to one profile, audited field by field."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    history = HistoricalRecords(inherit=True)

    #: text fields stored through :func:`orgtree.text.clean`
    clean_fields_: tuple[str, ...] = ()
    #: personal names stored title-cased
    name_fields_: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name.capitalize()} #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        for name in self.clean_fields_:
            setattr(self, name, clean(getattr(self, name)))
        for name in self.name_fields_:
            setattr(self, name, title_case(getattr(self, name) or ""))
        super().save(*args, **kwargs)


# -- group 3 and 6: work history (quá trình công tác) -------------------------------------------
class WorkHistory(ProfileChild):
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="work_history"
    )
    start_date = models.DateField(_("từ ngày"))
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị (trong cây)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    unit_name = models.CharField(_("đơn vị (ngoài cây, nguyên văn)"), max_length=255, blank=True)
    position_code = models.CharField(_("chức vụ"), max_length=40, blank=True)
    title_code = models.CharField(_("chức danh"), max_length=40, blank=True)
    concurrent = models.BooleanField(_("kiêm nhiệm"), default=False)
    description = models.CharField(_("công việc"), max_length=255, blank=True)
    # a note beside ``unit_name`` ("nay là Xã …, Tỉnh …"): the 2025 reform conversion never
    # rewrites where someone worked in the past (conversion/children.py), it only notes where
    # that place lies today
    place_note = models.CharField(_("địa danh hiện nay (chú thích)"), max_length=255, blank=True)
    clean_fields_ = ("unit_name", "description")

    class Meta:
        verbose_name = _("quá trình công tác")
        verbose_name_plural = pgettext_lazy("plural", "quá trình công tác")
        ordering = ["profile", "start_date"]


# -- group 6: salary (quá trình lương) ----------------------------------------------------------
class SalaryHistory(ProfileChild):
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="salary_history"
    )
    effective_date = models.DateField(_("ngày hưởng"))
    salary_scale = models.CharField(_("bảng lương (mã)"), max_length=20)
    grade_code = models.CharField(_("mã ngạch/chức danh nghề nghiệp"), max_length=40)
    step = models.PositiveSmallIntegerField(_("bậc"))
    coefficient = models.DecimalField(_("hệ số"), max_digits=5, decimal_places=2)
    position_allowance = models.DecimalField(
        _("phụ cấp chức vụ (hệ số)"), max_digits=5, decimal_places=2, default=0
    )
    seniority_allowance_percent = models.PositiveSmallIntegerField(
        _("phụ cấp thâm niên vượt khung (%)"), default=0
    )
    other_allowances = models.DecimalField(
        _("phụ cấp khác (hệ số)"), max_digits=5, decimal_places=2, default=0
    )
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    clean_fields_ = ("note",)

    class Meta:
        verbose_name = _("quá trình lương")
        verbose_name_plural = pgettext_lazy("plural", "quá trình lương")
        ordering = ["profile", "effective_date"]


# -- group 5: education and training ------------------------------------------------------------
class Education(ProfileChild):
    class Kind(models.TextChoices):
        GENERAL = "general", _("Giáo dục phổ thông")
        PROFESSIONAL = "professional", _("Chuyên môn, nghiệp vụ")

    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="education"
    )
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    level_code = models.CharField(_("trình độ"), max_length=20)
    major = models.CharField(_("chuyên ngành"), max_length=200, blank=True)
    institution = models.CharField(_("cơ sở đào tạo"), max_length=255, blank=True)
    study_mode = models.CharField(_("hình thức đào tạo"), max_length=60, blank=True)
    start_date = models.DateField(_("từ ngày"), null=True, blank=True)
    end_date = models.DateField(_("đến ngày (tốt nghiệp)"), null=True, blank=True)
    clean_fields_ = ("major", "institution", "study_mode")

    class Meta:
        verbose_name = _("trình độ đào tạo")
        verbose_name_plural = pgettext_lazy("plural", "giáo dục và đào tạo")
        ordering = ["profile", "end_date"]


class Training(ProfileChild):
    """Refresher training (bồi dưỡng): political theory, state management, defence …"""

    class Kind(models.TextChoices):
        POLITICAL_THEORY = "political_theory", _("Lý luận chính trị")
        STATE_MANAGEMENT = "state_management", _("Quản lý nhà nước")
        DEFENCE_SECURITY = "defence_security", _("Quốc phòng, an ninh")
        FOREIGN_LANGUAGE = "foreign_language", _("Ngoại ngữ")
        IT = "it", _("Tin học")
        PROFESSIONAL = "professional", _("Bồi dưỡng chuyên môn, nghiệp vụ")

    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="trainings"
    )
    kind = models.CharField(_("loại bồi dưỡng"), max_length=20, choices=Kind.choices)
    level_code = models.CharField(_("trình độ (mã danh mục)"), max_length=20, blank=True)
    name = models.CharField(_("tên khóa, chứng chỉ"), max_length=255, blank=True)
    institution = models.CharField(_("cơ sở đào tạo"), max_length=255, blank=True)
    start_date = models.DateField(_("từ ngày"), null=True, blank=True)
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)
    clean_fields_ = ("name", "institution")

    class Meta:
        verbose_name = _("bồi dưỡng")
        verbose_name_plural = pgettext_lazy("plural", "bồi dưỡng")
        ordering = ["profile", "end_date"]


# -- group 4: career events ---------------------------------------------------------------------
class CareerEvent(ProfileChild):
    class Kind(models.TextChoices):
        RECRUITMENT = "recruitment", _("Tuyển dụng")
        ELECTION = "election", _("Bầu cử")
        APPOINTMENT = "appointment", _("Bổ nhiệm")
        REAPPOINTMENT = "reappointment", _("Bổ nhiệm lại")
        PLANNING = "planning", _("Quy hoạch")
        TRANSFER = "transfer", _("Điều động")
        ROTATION = "rotation", _("Luân chuyển")
        SECONDMENT = "secondment", _("Biệt phái")
        RESIGNATION = "resignation", _("Thôi việc")
        RETIREMENT = "retirement", _("Nghỉ hưu")
        REHOMING = "rehoming", _("Chuyển theo sắp xếp tổ chức")

    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="career_events"
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    effective_date = models.DateField(_("ngày hiệu lực"))
    decision_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    clean_fields_ = ("issuer", "note")

    class Meta:
        verbose_name = _("tuyển dụng, bổ nhiệm, điều động …")
        verbose_name_plural = pgettext_lazy("plural", "tuyển dụng, bổ nhiệm, điều động …")
        ordering = ["profile", "effective_date"]


# -- group 6: commendations and discipline ------------------------------------------------------
class Commendation(ProfileChild):
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="commendations"
    )
    kind_code = models.CharField(_("hình thức khen thưởng"), max_length=20)
    awarded_on = models.DateField(_("ngày quyết định"))
    decision_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    issuer = models.CharField(_("cấp quyết định"), max_length=255, blank=True)
    reason = models.CharField(_("lý do"), max_length=255, blank=True)
    clean_fields_ = ("issuer", "reason")

    class Meta:
        verbose_name = _("khen thưởng")
        verbose_name_plural = pgettext_lazy("plural", "khen thưởng")
        ordering = ["profile", "awarded_on"]


class Discipline(ProfileChild):
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="disciplines"
    )
    kind_code = models.CharField(_("hình thức kỷ luật"), max_length=20)
    decided_on = models.DateField(_("ngày quyết định"))
    decision_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    issuer = models.CharField(_("cấp quyết định"), max_length=255, blank=True)
    reason = models.CharField(_("lý do"), max_length=255, blank=True)
    expires_on = models.DateField(_("hết hiệu lực"), null=True, blank=True)
    clean_fields_ = ("issuer", "reason")

    class Meta:
        verbose_name = _("kỷ luật")
        verbose_name_plural = pgettext_lazy("plural", "kỷ luật")
        ordering = ["profile", "decided_on"]


# -- group 2: family ----------------------------------------------------------------------------
class FamilyMember(ProfileChild):
    class Side(models.TextChoices):
        OWN = "own", _("Gia đình bản thân")
        SPOUSE = "spouse", _("Gia đình bên vợ (chồng)")

    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="family"
    )
    side = models.CharField(_("bên"), max_length=6, choices=Side.choices, default=Side.OWN)
    relationship_code = models.CharField(_("quan hệ"), max_length=20)
    full_name = models.CharField(_("họ và tên"), max_length=120)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    occupation = models.CharField(
        _("nghề nghiệp, chức vụ, nơi công tác"), max_length=255, blank=True
    )
    address = models.CharField(_("nơi ở"), max_length=255, blank=True)
    address_original = models.CharField(
        _("nơi ở – nguyên văn trước chuyển đổi"), max_length=255, blank=True
    )
    deceased = models.BooleanField(_("đã mất"), default=False)
    clean_fields_ = ("occupation", "address")
    name_fields_ = ("full_name",)

    class Meta:
        verbose_name = _("quan hệ gia đình")
        verbose_name_plural = pgettext_lazy("plural", "quan hệ gia đình")
        ordering = ["profile", "side", "birth_year"]


# -- group 7: memberships -----------------------------------------------------------------------
class Membership(ProfileChild):
    class Organisation(models.TextChoices):
        PARTY = "party", _("Đảng Cộng sản Việt Nam")
        YOUTH_UNION = "youth_union", _("Đoàn TNCS Hồ Chí Minh")
        TRADE_UNION = "trade_union", _("Công đoàn Việt Nam")
        WOMEN_UNION = "women_union", _("Hội Liên hiệp Phụ nữ Việt Nam")
        VETERANS = "veterans", _("Hội Cựu chiến binh Việt Nam")
        FATHERLAND_FRONT = "fatherland_front", _("Mặt trận Tổ quốc Việt Nam")
        OTHER = "other", _("Tổ chức khác")

    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.CharField(_("tổ chức"), max_length=20, choices=Organisation.choices)
    admission_date = models.DateField(_("ngày vào"))
    full_membership_date = models.DateField(_("ngày chính thức"), null=True, blank=True)
    card_number = models.CharField(_("số thẻ"), max_length=30, blank=True)
    left_date = models.DateField(_("ngày ra khỏi tổ chức"), null=True, blank=True)
    highest_post = models.CharField(_("chức vụ cao nhất"), max_length=200, blank=True)
    clean_fields_ = ("highest_post",)

    class Meta:
        verbose_name = _("tham gia tổ chức chính trị, chính trị – xã hội")
        verbose_name_plural = pgettext_lazy(
            "plural", "tham gia tổ chức chính trị, chính trị – xã hội"
        )
        ordering = ["profile", "admission_date"]


# -- group 8: military service ------------------------------------------------------------------
class MilitaryService(ProfileChild):
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="military_service"
    )
    enlisted_on = models.DateField(_("ngày nhập ngũ"))
    discharged_on = models.DateField(_("ngày xuất ngũ"), null=True, blank=True)
    highest_rank = models.CharField(_("quân hàm cao nhất"), max_length=100, blank=True)
    branch = models.CharField(_("quân chủng, binh chủng"), max_length=200, blank=True)
    clean_fields_ = ("highest_rank", "branch")

    class Meta:
        verbose_name = _("thời gian phục vụ trong lực lượng vũ trang")
        verbose_name_plural = pgettext_lazy("plural", "phục vụ trong lực lượng vũ trang")
        ordering = ["profile", "enlisted_on"]


# -- group 6: annual quality assessment ---------------------------------------------------------
class QualityAssessment(ProfileChild):
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    rating_code = models.CharField(_("mức xếp loại"), max_length=20)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    clean_fields_ = ("note",)

    class Meta:
        verbose_name = _("đánh giá, xếp loại chất lượng")
        verbose_name_plural = pgettext_lazy("plural", "đánh giá, xếp loại chất lượng hằng năm")
        ordering = ["profile", "year"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "year"], name="assessment_one_per_year")
        ]


# -- group 10: health ---------------------------------------------------------------------------
class HealthRecord(ProfileChild):
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="health"
    )
    recorded_on = models.DateField(_("ngày ghi nhận"))
    # encrypted at rest (cbccvc.crypto); heights and weights alone identify no condition
    status = EncryptedCharField(_("tình trạng sức khỏe"), max_length=100, blank=True)
    height_cm = models.PositiveSmallIntegerField(_("chiều cao (cm)"), null=True, blank=True)
    weight_kg = models.PositiveSmallIntegerField(_("cân nặng (kg)"), null=True, blank=True)
    blood_type = EncryptedCharField(_("nhóm máu"), max_length=5, blank=True)
    disability = EncryptedCharField(_("khuyết tật, thương binh …"), max_length=200, blank=True)
    clean_fields_ = ("status", "disability")

    class Meta:
        verbose_name = _("sức khỏe")
        verbose_name_plural = pgettext_lazy("plural", "sức khỏe")
        ordering = ["profile", "recorded_on"]


# -- group 9: assets and income (restricted) ----------------------------------------------------
class AssetDeclaration(ProfileChild):
    """Readable only with ``profiles.view_assets_income`` (see :mod:`profiles.access`)."""

    profile = models.ForeignKey(
        Profile,
        verbose_name=_("hồ sơ"),
        on_delete=models.CASCADE,
        related_name="asset_declarations",
    )
    year = models.PositiveSmallIntegerField(_("năm kê khai"))
    declared_on = models.DateField(_("ngày kê khai"))
    # encrypted at rest (cbccvc.crypto)
    annual_income = EncryptedDecimalField(
        _("tổng thu nhập trong năm (đồng)"), max_digits=16, decimal_places=0, null=True, blank=True
    )
    land_and_houses = EncryptedTextField(_("nhà, đất"), blank=True)
    other_assets = EncryptedTextField(_("tài sản khác"), blank=True)
    clean_fields_ = ("land_and_houses", "other_assets")

    class Meta:
        verbose_name = _("kê khai tài sản, thu nhập")
        verbose_name_plural = pgettext_lazy("plural", "kê khai tài sản, thu nhập")
        ordering = ["profile", "year"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "year"], name="assets_one_per_year")
        ]


#: every child table, by the related name on Profile (the snapshot and validation use these)
CHILD_MODELS: dict[str, type[ProfileChild]] = {
    "work_history": WorkHistory,
    "salary_history": SalaryHistory,
    "education": Education,
    "trainings": Training,
    "career_events": CareerEvent,
    "commendations": Commendation,
    "disciplines": Discipline,
    "family": FamilyMember,
    "memberships": Membership,
    "military_service": MilitaryService,
    "assessments": QualityAssessment,
    "health": HealthRecord,
    "asset_declarations": AssetDeclaration,
}

#: the sensitive groups (9: assets and income, 10: health): their copies inside JSON documents
#: (approval snapshots, merge before-images) are sealed at rest (:class:`SealedJSONField`)
SENSITIVE_TABLES: tuple[str, ...] = ("asset_declarations", "health")
