"""The national side's own data (database alias ``national``).

These tables stand for what the Ministry of Home Affairs keeps: its org tree, the connection
keys it issued, the profiles it received, a synthetic population registry and the daily
reconciliation results. Our app never reads them directly: only through the HTTP contract.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NationalUnit(models.Model):
    class Source(models.TextChoices):
        NATIONAL = "national", _("danh mục quốc gia")
        PUSHED = "pushed", _("cơ quan gửi lên")

    class Status(models.TextChoices):
        ACTIVE = "active", _("đang hoạt động")
        DISSOLVED = "dissolved", _("đã giải thể")

    code = models.CharField(_("mã định danh"), max_length=60, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=120, blank=True)
    kind = models.CharField(_("loại đơn vị"), max_length=30, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    agency_code = models.CharField(_("mã cơ quan (gốc)"), max_length=60, db_index=True)
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("đơn vị (CSDL quốc gia)")
        verbose_name_plural = _("cây tổ chức (CSDL quốc gia)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ConnectionKey(models.Model):
    """A connection key ("khóa kết nối") issued per agency and software."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("đã cấp")
        ACTIVE = "active", _("đang hoạt động")
        REVOKED = "revoked", _("đã thu hồi")

    class Destination(models.TextChoices):
        NATIONAL = "national", _("CSDL quốc gia về CBCCVC")
        PARTY = "party", _("CSDL tổ chức đảng, đảng viên")

    key_id = models.CharField(_("mã khóa"), max_length=64, unique=True)
    agency_code = models.CharField(_("mã cơ quan"), max_length=60, db_index=True)
    # one program (software) per agency and destination may hold active keys (letter 5034)
    destination = models.CharField(
        _("nơi nhận"), max_length=10, choices=Destination.choices, default=Destination.NATIONAL
    )
    agency_name = models.CharField(_("tên cơ quan"), max_length=255, blank=True)
    software_name = models.CharField(_("phần mềm"), max_length=200)
    software_vendor = models.CharField(_("đơn vị cung cấp"), max_length=200, blank=True)
    secret_encrypted = models.TextField(_("khóa bí mật (mã hóa)"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    admin_name = models.CharField(_("người quản trị khóa"), max_length=120)
    admin_phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    admin_email = models.CharField(_("thư điện tử"), max_length=254, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("giới hạn yêu cầu/phút"), default=600)
    issued_at = models.DateTimeField(_("cấp lúc"))
    activated_at = models.DateTimeField(_("kích hoạt lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=255, blank=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa kết nối")
        verbose_name_plural = pgettext_lazy("plural", "khóa kết nối")
        ordering = ["agency_code", "issued_at"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.agency_code}, {self.software_name})"


class SeenNonce(models.Model):
    """Nonces seen within the clock-skew window: a second use is a replay."""

    key_id = models.CharField(verbose_name=_("mã khóa"), max_length=64)
    nonce = models.CharField(verbose_name=_("số dùng một lần"), max_length=64)
    seen_at = models.DateTimeField(verbose_name=_("nhận lúc"), db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="national_nonce_once")
        ]

    def __str__(self) -> str:
        return f"{self.key_id} {self.nonce}"


class ReceivedProfile(models.Model):
    """One profile version received officially. The idempotency key (personal ID + version
    hash) is unique: a duplicate delivery never makes a second record."""

    idempotency_key = models.CharField(
        verbose_name=_("khóa chống gửi trùng"), max_length=140, unique=True
    )
    personal_id = models.CharField(_("số định danh"), max_length=12, db_index=True)
    version_hash = models.CharField(_("mã băm phiên bản"), max_length=64)
    version_number = models.PositiveIntegerField(_("phiên bản"), null=True)
    agency_code = models.CharField(_("mã cơ quan"), max_length=60, db_index=True)
    unit_code = models.CharField(_("mã đơn vị"), max_length=60)
    key_id = models.CharField(_("mã khóa"), max_length=64)
    batch_id = models.CharField(_("mã lô"), max_length=40)
    document = models.BinaryField(_("tài liệu đã ký"))
    signer_name = models.CharField(_("người ký"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"), db_index=True)

    class Meta:
        verbose_name = _("hồ sơ đã nhận")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ đã nhận")

    def __str__(self) -> str:
        return self.idempotency_key


class PopulationRecord(models.Model):
    """The synthetic population database (CSDLQG về dân cư) entry of one person."""

    class Variant(models.TextChoices):
        EXACT = "exact", _("khớp")
        SPELLING = "spelling", _("sai chính tả họ tên")
        DATE_OF_BIRTH = "date_of_birth", _("khác ngày sinh")
        SEX = "sex", _("khác giới tính")
        DECEASED = "deceased", _("đã chết")

    personal_id = models.CharField(_("số định danh"), max_length=12, unique=True)
    full_name = models.CharField(_("họ và tên"), max_length=120)
    date_of_birth = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=10)
    deceased_on = models.DateField(_("ngày chết"), null=True, blank=True)
    variant = models.CharField(_("biến thể sinh"), max_length=15, choices=Variant.choices)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("công dân (CSDL dân cư mô phỏng)")
        verbose_name_plural = _("CSDL dân cư mô phỏng")

    def __str__(self) -> str:
        return f"{self.personal_id} {self.full_name}"


class ReconciliationResult(models.Model):
    """One field of one profile that disagrees with the population database."""

    class Kind(models.TextChoices):
        SPELLING = "spelling", _("họ tên khác")
        DATE_OF_BIRTH = "date_of_birth", _("ngày sinh khác")
        SEX = "sex", _("giới tính khác")
        NOT_FOUND = "not_found", _("không có số định danh")
        DECEASED = "deceased", _("đã chết")

    agency_code = models.CharField(_("mã cơ quan"), max_length=60, db_index=True)
    personal_id = models.CharField(_("số định danh"), max_length=12)
    version_hash = models.CharField(_("mã băm phiên bản"), max_length=64)
    unit_code = models.CharField(_("mã đơn vị"), max_length=60)
    field = models.CharField(_("trường"), max_length=40)
    kind = models.CharField(_("loại"), max_length=15, choices=Kind.choices)
    our_value = models.CharField(_("giá trị của cơ quan"), max_length=255, blank=True)
    population_value = models.CharField(_("giá trị CSDL dân cư"), max_length=255, blank=True)
    since = models.DateField(_("lệch từ ngày"))
    last_checked_on = models.DateField(_("kiểm tra gần nhất"))
    resolved_on = models.DateField(_("hết lệch ngày"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), db_index=True)

    class Meta:
        verbose_name = _("kết quả đối khớp")
        verbose_name_plural = pgettext_lazy("plural", "kết quả đối khớp")
        constraints = [
            models.UniqueConstraint(
                fields=["agency_code", "personal_id", "field"], name="national_recon_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.personal_id} {self.field}"


class ReconciliationRun(models.Model):
    run_on = models.DateField(_("ngày đối khớp"), unique=True)
    started_at = models.DateTimeField(_("bắt đầu"))
    finished_at = models.DateTimeField(_("kết thúc"), null=True)
    checked = models.PositiveIntegerField(_("số hồ sơ kiểm tra"), default=0)
    mismatches = models.PositiveIntegerField(_("số trường lệch"), default=0)

    class Meta:
        verbose_name = _("lượt đối khớp")
        verbose_name_plural = pgettext_lazy("plural", "lượt đối khớp")

    def __str__(self) -> str:
        return f"{self.run_on}"


class ScheduleReport(models.Model):
    """The sync schedule an agency reported (the latest report wins)."""

    agency_code = models.CharField(_("mã cơ quan"), max_length=60, unique=True)
    key_id = models.CharField(_("mã khóa"), max_length=64)
    windows = models.JSONField(_("các đợt đồng bộ"))
    note = models.TextField(_("ghi chú"), blank=True)
    reported_at = models.DateTimeField(_("báo cáo lúc"))

    class Meta:
        verbose_name = _("lịch đồng bộ đã báo cáo")
        verbose_name_plural = pgettext_lazy("plural", "lịch đồng bộ đã báo cáo")

    def __str__(self) -> str:
        return self.agency_code


class TrustAnchor(models.Model):
    """The emulator's own trust store: CA certificates and CRLs (PEM)."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("chứng thư CA")
        CRL = "crl", _("danh sách thu hồi")

    label = models.CharField(_("nhãn"), max_length=200)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    pem = models.TextField(_("PEM"))
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    active = models.BooleanField(_("đang dùng"), default=True)
    added_at = models.DateTimeField(_("thêm lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("chứng thư tin cậy (CSDL quốc gia)")
        verbose_name_plural = _("kho tin cậy (CSDL quốc gia)")

    def __str__(self) -> str:
        return self.label


class ReceivedPartyRecord(models.Model):
    """The Party members database ("CSDL tổ chức đảng, đảng viên", ``docs/party-api.md``):
    one Party member's record per profile version, idempotent like the national records."""

    idempotency_key = models.CharField(
        verbose_name=_("khóa chống gửi trùng"), max_length=140, unique=True
    )
    personal_id = models.CharField(_("số định danh"), max_length=12, db_index=True)
    version_hash = models.CharField(_("mã băm phiên bản"), max_length=64)
    agency_code = models.CharField(_("mã cơ quan"), max_length=60, db_index=True)
    key_id = models.CharField(_("mã khóa"), max_length=64)
    batch_id = models.CharField(_("mã lô"), max_length=40)
    record = models.JSONField(_("bản ghi đảng viên"))
    received_at = models.DateTimeField(_("nhận lúc"), db_index=True)

    class Meta:
        verbose_name = _("đảng viên đã nhận (CSDL đảng viên)")
        verbose_name_plural = pgettext_lazy("plural", "đảng viên đã nhận (CSDL đảng viên)")

    def __str__(self) -> str:
        return self.idempotency_key


class ReceivedReport(models.Model):
    """A report an agency sent the ministry (letter 5034: the software review and its keys; the
    status report of 19/9). Idempotent on the agency and the document's SHA-256."""

    receipt_id = models.CharField(_("mã tiếp nhận"), max_length=40, unique=True)
    agency_code = models.CharField(_("mã cơ quan"), max_length=60, db_index=True)
    key_id = models.CharField(_("mã khóa gửi"), max_length=64)
    kind = models.CharField(_("loại báo cáo"), max_length=10)
    number = models.CharField(_("số, ký hiệu"), max_length=60)
    report_date = models.DateField(_("ngày báo cáo"))
    title = models.CharField(_("trích yếu"), max_length=300)
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)
    document = models.BinaryField(_("tệp PDF"))
    document_sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    received_at = models.DateTimeField(_("nhận lúc"), db_index=True)
    # the agency's signed XML envelope over the PDF's SHA-256, verified on receipt
    signature = models.BinaryField(_("chữ ký số (XML)"), null=True)
    signed_at = models.DateTimeField(_("ký số lúc"), null=True, blank=True)
    signature_certificate = models.CharField(_("chứng thư ký số"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("báo cáo đã nhận")
        verbose_name_plural = pgettext_lazy("plural", "báo cáo đã nhận")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency_code", "document_sha256"], name="national_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.number}"
