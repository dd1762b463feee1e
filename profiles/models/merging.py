"""Merging the profiles of one person found in several old systems (gộp hồ sơ trùng).

:class:`ProfileMerge` records one merge (two profiles, or an incoming import row into a
profile) with everything needed to undo it exactly; :class:`MergeCandidate` is one pair the
matcher was not certain about, waiting in the review queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cbccvc.crypto import SealedJSONField
from orgtree.models import Unit

from .children import SENSITIVE_TABLES
from .profile import Profile

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def _user(label: str | _StrPromise) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


class ProfileMerge(models.Model):
    """One merge. ``survivor_before`` / ``other_before`` hold the full rows of both profiles,
    their child rows, approval versions and the foreign keys of other apps that were pointed
    at the survivor; :func:`profiles.merging.undo_merge` puts them back."""

    class Kind(models.TextChoices):
        PROFILES = "profiles", _("Gộp hai hồ sơ")
        ROW = "row", _("Gộp dòng dữ liệu nhập vào hồ sơ")

    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    survivor = models.ForeignKey(
        Profile,
        verbose_name=_("hồ sơ giữ lại"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merges",
    )
    survivor_label = models.CharField(_("hồ sơ giữ lại (tên, số định danh)"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị (hồ sơ giữ lại)"), on_delete=models.PROTECT, related_name="+"
    )
    other_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị (hồ sơ bị gộp)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_profile_id = models.BigIntegerField(_("mã hồ sơ bị gộp"), null=True, blank=True)
    merged_label = models.CharField(_("hồ sơ/dòng bị gộp"), max_length=200)
    source = models.CharField(_("nguồn dữ liệu"), max_length=200, blank=True)
    import_job_id = models.CharField(_("mã lượt nhập"), max_length=64, blank=True)
    decisions = models.JSONField(_("quyết định từng trường"), default=dict, blank=True)
    # the child rows and version snapshots inside: groups 9 and 10 sealed at rest
    survivor_before = SealedJSONField(
        _("bản chụp hồ sơ giữ lại trước khi gộp"), default=dict, sealed_keys=SENSITIVE_TABLES
    )
    other_before = SealedJSONField(
        _("bản chụp hồ sơ/dòng bị gộp"), default=dict, sealed_keys=SENSITIVE_TABLES
    )
    survivor_after_hash = models.CharField(_("mã băm hồ sơ sau khi gộp"), max_length=64)
    actor = _user(_("người gộp"))
    reason = models.CharField(_("lý do"), max_length=255)
    created_at = models.DateTimeField(_("gộp lúc"), auto_now_add=True)
    undone_at = models.DateTimeField(_("hoàn tác lúc"), null=True, blank=True)
    undone_by = _user(_("người hoàn tác"))
    undo_reason = models.CharField(_("lý do hoàn tác"), max_length=255, blank=True)

    history = HistoricalRecords(
        verbose_name=_("lịch sử gộp hồ sơ"),
        excluded_fields=["survivor_before", "other_before"],
    )

    class Meta:
        verbose_name = _("lần gộp hồ sơ")
        verbose_name_plural = _("lịch sử gộp hồ sơ")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("Gộp %(merged)s vào %(survivor)s") % {
            "merged": self.merged_label,
            "survivor": self.survivor_label,
        }

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class MergeCandidate(models.Model):
    """A pair the matcher found but could not decide: two profiles, or a profile and an
    incoming record staged as JSON. "Not the same person" keeps the pair out for good."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chờ xem xét")
        MERGED = "merged", _("Đã gộp")
        NOT_SAME = "not_same", _("Không phải cùng một người")
        UNDONE = "undone", _("Đã hoàn tác gộp")

    profile = models.ForeignKey(
        Profile,
        verbose_name=_("hồ sơ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merge_candidates",
    )
    other_profile = models.ForeignKey(
        Profile,
        verbose_name=_("hồ sơ nghi trùng"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    profile_ref = models.BigIntegerField(_("mã hồ sơ"), db_index=True)
    other_profile_ref = models.BigIntegerField(_("mã hồ sơ nghi trùng"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    other_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị (hồ sơ nghi trùng)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    label = models.CharField(_("hồ sơ"), max_length=200)
    other_label = models.CharField(_("hồ sơ/dòng nghi trùng"), max_length=200)
    incoming = SealedJSONField(
        _("dòng dữ liệu nhập vào"),
        sealed_keys=SENSITIVE_TABLES,
        default=dict,
        blank=True,
        help_text=_("Giá trị của dòng nhập (khi cặp là hồ sơ và một dòng chưa ghi vào CSDL)."),
    )
    source = models.CharField(_("nguồn dữ liệu"), max_length=200, blank=True)
    source_date = models.DateField(_("ngày của nguồn"), null=True, blank=True)
    import_job_id = models.CharField(_("mã lượt nhập"), max_length=64, blank=True)
    pair_key = models.CharField(_("khóa cặp"), max_length=120, db_index=True)
    score = models.FloatField(_("điểm"))

    class Rule(models.TextChoices):
        PERSONAL_ID = "pid", _("Trùng số định danh")
        PERSONAL_ID_ONE_EDIT = "pid1", _("Số định danh lệch một chữ số")
        OLD_ID = "old", _("Trùng số CMND cũ")
        NAME = "name", _("Họ tên, ngày sinh, giới tính, quê quán")

    rule = models.CharField(_("quy tắc"), max_length=10, choices=Rule.choices, blank=True)
    reasons = models.JSONField(_("lý do nghi trùng"), default=list, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    merge = models.ForeignKey(
        ProfileMerge,
        verbose_name=_("lần gộp"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidates",
    )
    created_at = models.DateTimeField(_("phát hiện lúc"), auto_now_add=True)
    decided_by = _user(_("người quyết định"))
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)

    history = HistoricalRecords(verbose_name=_("lịch sử cặp nghi trùng"))

    class Meta:
        verbose_name = _("cặp hồ sơ nghi trùng")
        verbose_name_plural = _("hàng đợi đối khớp hồ sơ trùng")
        ordering = ["status", "-score", "id"]

    def __str__(self) -> str:
        return f"{self.label} ↔ {self.other_label}"

    @property
    def is_row(self) -> bool:
        return self.other_profile_ref is None
