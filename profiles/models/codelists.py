"""Versioned code lists (danh mục dùng chung): ethnicity, religion, grades, positions …

A :class:`CodeList` is loaded from data files in ``profiles/data/codelists/`` by
``load_codelists``; each file is one :class:`CodeListRelease` (a version with an effective
date). Profiles store codes; the *current* release of a list (the newest in force) says which
codes are valid. Nothing here is hard-coded in Python.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from orgtree.text import clean, fold


class CodeList(models.Model):
    key = models.SlugField(_("mã danh mục"), max_length=60, unique=True)
    name = models.CharField(_("tên danh mục"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("danh mục")
        verbose_name_plural = _("danh mục dùng chung")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def current_release(self, on: date | None = None) -> CodeListRelease | None:
        on = on or date.today()
        return (
            self.releases.filter(effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
            .order_by("-effective_from", "-id")
            .first()
        )


class CodeListRelease(models.Model):
    code_list = models.ForeignKey(
        CodeList, verbose_name=_("danh mục"), on_delete=models.CASCADE, related_name="releases"
    )
    version = models.CharField(_("phiên bản"), max_length=40)
    effective_from = models.DateField(_("hiệu lực từ"))
    effective_to = models.DateField(_("hiệu lực đến (không kể ngày này)"), null=True, blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    file_name = models.CharField(_("tệp"), max_length=200)
    sha256 = models.CharField(verbose_name=_("mã băm SHA-256"), max_length=64)
    loaded_at = models.DateTimeField(_("nạp lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản danh mục")
        verbose_name_plural = pgettext_lazy("plural", "phiên bản danh mục")
        ordering = ["code_list", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "version"], name="codelist_release_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.code_list.name} – {self.version}"


class CodeItem(models.Model):
    release = models.ForeignKey(
        CodeListRelease,
        verbose_name=_("bản danh mục"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    code = models.CharField(_("mã"), max_length=40)
    name = models.CharField(_("tên"), max_length=255)
    folded_name = models.CharField(
        verbose_name=_("tên không dấu"), max_length=255, editable=False, db_index=True
    )
    sort_order = models.PositiveIntegerField(_("thứ tự"), default=0)
    extra = models.JSONField(_("thông tin thêm"), default=dict, blank=True)
    verified = models.BooleanField(
        _("đã đối chiếu văn bản gốc"),
        default=True,
        help_text=_("Bỏ chọn khi mã chưa được đối chiếu với văn bản quy định."),
    )
    history = HistoricalRecords(verbose_name=_("lịch sử mục danh mục"))

    class Meta:
        verbose_name = _("mục danh mục")
        verbose_name_plural = pgettext_lazy("plural", "mục danh mục")
        ordering = ["release", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["release", "code"], name="codeitem_code_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.code = (self.code or "").strip()
        self.name = clean(self.name)
        self.folded_name = fold(self.name)
        super().save(*args, **kwargs)
