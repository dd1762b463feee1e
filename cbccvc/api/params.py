"""Query parameters that are either valid or a 400 problem: an empty ``as_of=`` or
``updated_since=`` is an error, not "no filter" (a client that sends ``?updated_since=`` after
a failed template expansion must not receive every record)."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField as FilterChoiceField
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

BLANK = _("Không được để trống: bỏ tham số đi nếu không dùng.")


def query_date(request: Request, name: str = "as_of") -> date:
    """The date ``name`` of the query string (YYYY-MM-DD), today when absent; 400 when it is
    present but empty or not a date."""
    if name not in request.query_params:
        return timezone.localdate()
    raw = request.query_params.get(name, "").strip()
    if not raw:
        raise ValidationError({name: [str(BLANK)]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [str(_("Ngày không hợp lệ (YYYY-MM-DD)."))]}) from None


class NonBlank:
    """A query-parameter field for which present and empty (``name=``) is an error, not the
    "no filter" Django's form fields make of it. Put it before the field class."""

    def clean(self, value: Any) -> Any:
        _refuse_blank(value)
        return super().clean(value)  # type: ignore[misc]


def _refuse_blank(value: Any) -> None:
    if isinstance(value, str) and not value.strip():
        raise forms.ValidationError(str(BLANK), code="blank")


class NonBlankIsoDateTimeField(NonBlank, IsoDateTimeField):
    pass


class NonBlankIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter: absent means no filter, present and empty is a 400."""

    field_class = NonBlankIsoDateTimeField


class NonBlankIntegerField(NonBlank, forms.IntegerField):
    pass


# the range of a database integer column (64-bit); an id outside it is one no row has
ID_RANGE = range(-(2**63), 2**63)


class IntegerFilter(django_filters.Filter):
    """An id filter: ``unit=0.5`` or ``unit=1e3`` is a 400, not a decimal compared to ids, and
    ``unit=`` is a 400, not "no filter". An integer beyond 64 bits matches nothing: SQLite
    cannot bind it, and Django checks that range for an integer field's own lookups but not
    for a foreign key's."""

    field_class = NonBlankIntegerField

    def filter(self, qs: Any, value: Any) -> Any:
        if isinstance(value, int) and value not in ID_RANGE:
            return qs.none()
        return super().filter(qs, value)


class NonBlankChoiceField(NonBlank, FilterChoiceField):
    pass


class ChoiceFilter(django_filters.ChoiceFilter):
    """One of the listed values: absent means no filter, present and empty is a 400 (Django's
    filter takes ``status=`` for "no filter", a value the schema does not allow)."""

    field_class = NonBlankChoiceField


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (any case); anything else present, ``null`` and an empty value
    included, is an error instead of "no filter" as Django's NullBooleanField makes it."""

    VALUES = {"true": True, "false": False}

    def clean(self, value: Any) -> bool | None:
        if value is None:
            return None  # absent
        _refuse_blank(value)
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(str(_("Cần true hoặc false.")), code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
