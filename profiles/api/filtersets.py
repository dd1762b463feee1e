"""Filters of the profile list; each one backed by an index (see docs/benchmarks.md)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from cbccvc.api.params import (
    ChoiceFilter,
    IntegerFilter,
    NonBlankIsoDateTimeFilter,
    StrictBooleanFilter,
)
from orgtree.access import scope_for
from orgtree.text import fold
from orgtree.tree import subtree_q

from ..models import Profile, ProfileStatus


class ProfileFilterSet(django_filters.FilterSet):
    unit = IntegerFilter(method="in_unit", label="Đơn vị (id), gồm cả đơn vị con")
    unit_code = django_filters.CharFilter(method="in_unit_code", label="Mã đơn vị, gồm cả con")
    status = ChoiceFilter(choices=ProfileStatus.choices, label="Trạng thái")
    grade = django_filters.CharFilter(field_name="grade_code", label="Mã ngạch")
    position = django_filters.CharFilter(field_name="position_code", label="Mã chức vụ")
    personal_id = django_filters.CharFilter(field_name="personal_id", label="Số định danh")
    q = django_filters.CharFilter(method="search", label="Tìm theo họ tên (có dấu hay không)")
    has_errors = StrictBooleanFilter(method="with_errors", label="Còn lỗi dữ liệu")
    updated_since = NonBlankIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Cập nhật từ"
    )

    class Meta:
        model = Profile
        fields = ["unit", "unit_code", "status", "grade", "position", "personal_id", "q"]

    def _subtree(self, queryset: QuerySet[Profile], units: QuerySet) -> QuerySet[Profile]:
        root = scope_for(self.request.user).filter(units, "").first()
        return queryset.filter(subtree_q(root, "unit")) if root else queryset.none()

    def in_unit(self, queryset, name, value):
        from orgtree.models import Unit

        return self._subtree(queryset, Unit.objects.filter(pk=value))

    def in_unit_code(self, queryset, name, value):
        from orgtree.models import Unit

        units = Unit.objects.filter(code=(value or "").strip().upper()).order_by("-status", "id")
        return self._subtree(queryset, units.filter(status="active"))

    def search(self, queryset, name, value):
        key = fold(value or "")
        return queryset.filter(folded_name__contains=key) if key else queryset

    def with_errors(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(error_count__gt=0) if value else queryset.filter(error_count=0)
