"""The admin's door to the tree operations: preview, run now or schedule.

The unit admin's actions (merge, split, dissolve) and its form (rename, recode, move) call
:func:`run`: with the "Xem trước" button it dry-runs the operation and returns its
:class:`~orgtree.scheduling.Impact` for the page; with "Thực hiện" it submits it through
:func:`orgtree.scheduling.submit`, which applies it now or, dated after today, schedules it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import scheduling

PREVIEW = "preview"


def add_errors(form: forms.Form, exc: ValidationError, field_map: dict[str, Any]) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.message_dict.items():
        name = field_map.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


def scheduled_message(operation: Any) -> str:
    return _(
        "Đã đặt lịch “%(kind)s” có hiệu lực ngày %(on)s (thao tác #%(id)s). Đến ngày đó đơn "
        "vị và hồ sơ chưa thay đổi; có thể hủy trong “Thao tác cây đơn vị chờ hiệu lực”."
    ) % {
        "kind": operation.get_kind_display(),
        "on": f"{operation.effective_date:%d/%m/%Y}",
        "id": operation.pk,
    }


def run(
    request: HttpRequest,
    form: forms.Form,
    kind: str,
    params: dict[str, Any],
    *,
    field_map: dict[str, Any],
    today: date | None = None,
) -> tuple[str, Any]:
    """``("preview", Impact)``, ``("done", Submitted)`` or ``("error", None)``."""
    if PREVIEW in request.POST:
        try:
            scheduling.dry_run(kind, params, actor=request.user)
        except ValidationError as exc:
            add_errors(form, exc, field_map)
            return "error", None
        return PREVIEW, scheduling.preview(kind, params)
    try:
        submitted = scheduling.submit(
            kind, actor=request.user, today=today or timezone.localdate(), **params
        )
    except ValidationError as exc:
        add_errors(form, exc, field_map)
        return "error", None
    if submitted.is_scheduled:
        from django.contrib import messages as _messages

        _messages.add_message(request, messages.INFO, scheduled_message(submitted.scheduled))
    return "done", submitted
