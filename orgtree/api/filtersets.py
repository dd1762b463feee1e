"""Filters of the unit list."""

from __future__ import annotations

import django_filters

from cbccvc.api.params import ChoiceFilter, IntegerFilter

from ..models import Unit
from ..text import fold


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Tìm theo tên hoặc mã (không dấu)")
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", label="Mã định danh")
    parent = IntegerFilter(field_name="parent_id", label="Đơn vị cấp trên (id)")
    status = ChoiceFilter(choices=Unit.Status.choices, label="Trạng thái")
    kind = ChoiceFilter(choices=Unit.Kind.choices, label="Loại đơn vị")

    class Meta:
        model = Unit
        fields = ["q", "code", "parent", "status", "kind"]

    def search(self, queryset, name, value):
        key = fold(value or "")
        return queryset.filter(search_text__contains=key) if key else queryset
