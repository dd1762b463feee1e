"""A reform conversion campaign ("Chuyển đổi hồ sơ theo địa giới và tổ chức mới").

A :class:`Campaign` covers a unit and its subtree on a reference date. The preview stores one
:class:`ChangeRow` per profile and place field (and the unit): what the value becomes and by
which rule. People decide ambiguous texts once (:class:`TextDecision`), for every profile that
carries the text. The commit writes the converted values and keeps, per profile, the values
before and after in a :class:`ProfileCommit`, which is what undo restores.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgtree.models import Unit
from profiles.models import Profile

DEFAULT_TITLE = "Chuyển đổi hồ sơ theo địa giới và tổ chức mới"


class Task(models.TextChoices):
    PREVIEW = "preview", _("Xem trước")
    COMMIT = "commit", _("Ghi vào hồ sơ")
    UNDO = "undo", _("Hoàn tác")


class TaskState(models.TextChoices):
    PENDING = "pending", _("Đang chờ xử lý")
    RUNNING = "running", _("Đang chạy")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Thất bại")


class Campaign(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", _("Đang xem trước")
        PREVIEWED = "previewed", _("Đã xem trước")
        COMMITTED = "committed", _("Đã ghi vào hồ sơ")
        UNDONE = "undone", _("Đã hoàn tác")

    title = models.CharField(_("tên đợt"), max_length=200, default=DEFAULT_TITLE)
    scope_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị (gồm đơn vị trực thuộc)"), on_delete=models.PROTECT
    )
    as_of = models.DateField(_("ngày tham chiếu"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    profile_count = models.PositiveIntegerField(_("số hồ sơ"), default=0)
    counts = models.JSONField(_("thống kê"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("lập lúc"), auto_now_add=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("ghi lúc"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người hoàn tác"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("hoàn tác lúc"), null=True, blank=True)
    # the background task of the last step asked for (see conversion/jobs.py)
    task = models.CharField(_("bước đang chạy"), max_length=10, choices=Task.choices, blank=True)
    task_state = models.CharField(
        _("tình trạng tác vụ"), max_length=10, choices=TaskState.choices, blank=True
    )
    task_id = models.CharField(verbose_name=_("mã tác vụ"), max_length=64, blank=True)
    task_error = models.TextField(_("lỗi"), blank=True)
    done = models.PositiveIntegerField(_("đã xử lý"), default=0)
    total = models.PositiveIntegerField(_("tổng số"), default=0)
    heartbeat_at = models.DateTimeField(verbose_name=_("báo còn chạy lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đợt chuyển đổi hồ sơ")
        verbose_name_plural = _("đợt chuyển đổi hồ sơ")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} #{self.pk} – {self.scope_unit.name} ({self.as_of:%d/%m/%Y})"


class Outcome(models.TextChoices):
    CONVERTED = "converted", _("Chuyển đổi")
    CURRENT = "current", _("Đã đúng hiện hành")
    REVIEW = "review", _("Cần người chọn")
    UNRESOLVABLE = "unresolvable", _("Không xác định được")


class FieldName(models.TextChoices):
    BIRTHPLACE = "birthplace", _("Nơi sinh")
    HOMETOWN = "hometown", _("Quê quán")
    PERMANENT = "permanent_residence", _("Nơi thường trú")
    CURRENT = "current_residence", _("Nơi ở hiện nay")
    UNIT = "unit", _("Cơ quan, đơn vị")
    POSITION = "position_code", _("Chức vụ")
    TITLE = "title_code", _("Chức danh")
    FAMILY_ADDRESS = "family_address", _("Quan hệ gia đình – nơi ở")
    WORK_PLACE = "work_place", _("Quá trình công tác – địa danh nơi công tác")


#: "đã ghi": the value was written into the profile — a converted row of a committed campaign
#: that the commit did not skip (an undone campaign has none)
APPLIED = models.Case(
    models.When(
        models.Q(
            campaign__status=Campaign.Status.COMMITTED, outcome=Outcome.CONVERTED, skipped=False
        ),
        then=models.Value(True),
    ),
    default=models.Value(False),
    output_field=models.BooleanField(),
)


class ChangeRowManager(models.Manager["ChangeRow"]):
    """Every row with its ``applied`` flag (filterable: ``.filter(applied=True)``)."""

    def get_queryset(self) -> models.QuerySet[ChangeRow]:
        return super().get_queryset().annotate(applied=APPLIED)


class ChangeRow(models.Model):
    """What one field of one profile becomes, and why."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("đợt chuyển đổi"), on_delete=models.CASCADE, related_name="rows"
    )
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="+"
    )
    field = models.CharField(_("trường"), max_length=20, choices=FieldName.choices)
    outcome = models.CharField(_("kết quả"), max_length=12, choices=Outcome.choices)
    rule = models.CharField(_("quy tắc"), max_length=20)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    confidence = models.FloatField(_("độ tin cậy"), default=0.0)
    # searched only within a campaign: the index (campaign, old_text) below serves it
    old_text = models.CharField(_("nguyên văn"), max_length=255, blank=True)
    new_text = models.CharField(_("văn bản mới"), max_length=255, blank=True)
    old_province_code = models.CharField(_("mã tỉnh cũ"), max_length=10, blank=True)
    old_commune_code = models.CharField(_("mã xã cũ"), max_length=10, blank=True)
    new_province_code = models.CharField(_("mã tỉnh mới"), max_length=10, blank=True)
    new_commune_code = models.CharField(_("mã xã mới"), max_length=10, blank=True)
    old_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị cũ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    new_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị mới"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    old_code = models.CharField(_("mã cũ"), max_length=40, blank=True)
    new_code = models.CharField(_("mã mới"), max_length=40, blank=True)
    candidates = models.JSONField(_("phương án"), default=list, blank=True)
    # a converted value the commit left alone: the profile (or its family or work row) changed
    # since the preview, or its unit no longer was the merged one. Every other converted row of
    # a committed campaign was written: ``applied`` is derived (:class:`ChangeRowManager`), not
    # set row by row (millions of rows at 300,000 profiles).
    skipped = models.BooleanField(_("bỏ qua khi ghi"), default=False)
    # a family or work-history row (conversion/children.py): its id and its name for people
    child_id = models.PositiveBigIntegerField(_("dòng con"), null=True, blank=True)
    child_label = models.CharField(_("dòng của hồ sơ"), max_length=300, blank=True)

    objects = ChangeRowManager()

    class Meta:
        verbose_name = _("dòng chuyển đổi")
        verbose_name_plural = _("dòng chuyển đổi")
        ordering = ["campaign", "profile_id", "id"]
        indexes = [
            models.Index(fields=["campaign", "outcome"], name="conv_row_outcome"),
            models.Index(fields=["campaign", "old_text"], name="conv_row_text"),
        ]

    def __str__(self) -> str:
        return f"{self.field_label}: {self.old_text} → {self.new_text}"

    @property
    def field_label(self) -> str:
        """The field's name, or the child row's ("Quan hệ gia đình: Mẹ – Nguyễn Thị A, nơi ở")."""
        return self.child_label or str(self.get_field_display())


class TextDecision(models.Model):
    """A person's choice for one old text, applied to every profile carrying it."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("đợt chuyển đổi"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    text = models.CharField(_("nguyên văn"), max_length=255)
    province_code = models.CharField(_("mã tỉnh"), max_length=10)
    commune_code = models.CharField(_("mã xã"), max_length=10, blank=True)
    label = models.CharField(_("đơn vị được chọn"), max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quyết định"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(verbose_name=_("quyết định lúc"), auto_now=True)

    class Meta:
        verbose_name = _("quyết định chọn địa danh")
        verbose_name_plural = _("quyết định chọn địa danh")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "text"], name="conv_decision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.label}"


class ProfileCommit(models.Model):
    """The values one commit changed on one profile: before (for undo) and after."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("đợt chuyển đổi"), on_delete=models.CASCADE, related_name="commits"
    )
    profile = models.ForeignKey(
        Profile, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="+"
    )
    before = models.JSONField(
        verbose_name=_("giá trị trước"),
    )
    after = models.JSONField(
        verbose_name=_("giá trị sau"),
    )
    withdrawn_versions = models.JSONField(
        verbose_name=_("phiên bản bị rút lại"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("hồ sơ đã chuyển đổi")
        verbose_name_plural = _("hồ sơ đã chuyển đổi")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "profile"], name="conv_commit_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.campaign_id} – {self.profile_id}"


class CodeMapping(models.Model):
    """Old → new code of a position or title across a reform, kept by the national admin.

    ``new_code`` empty: the post disappeared (the district level in 2025): the campaign sends
    it to a person, with ``candidates`` (codes in force) as suggestions, never as a guess.
    Shipped with a starter table (``conversion/data/code-mapping-2025.json``)."""

    class ListKey(models.TextChoices):
        POSITION = "position", _("Chức vụ")
        TITLE = "title", _("Chức danh")

    list_key = models.CharField(_("danh mục"), max_length=20, choices=ListKey.choices)
    old_code = models.CharField(_("mã cũ"), max_length=40)
    old_name = models.CharField(_("tên cũ"), max_length=255, blank=True)
    new_code = models.CharField(
        _("mã mới"),
        max_length=40,
        blank=True,
        help_text=_("Để trống khi chức vụ, chức danh không còn: hồ sơ chuyển cho người xem xét."),
    )
    candidates = models.JSONField(
        _("gợi ý cho người xem xét"), default=list, blank=True, help_text=_("Danh sách mã mới.")
    )
    effective_from = models.DateField(_("áp dụng từ"))
    source = models.TextField(_("căn cứ"), blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("chuyển đổi chức vụ, chức danh")
        verbose_name_plural = _("bảng chuyển đổi chức vụ, chức danh")
        ordering = ["list_key", "old_code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["list_key", "old_code", "effective_from"], name="conv_code_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_list_key_display()} {self.old_code} → {self.new_code or '∅'}"
