"""Filters of the reconciliation items."""

from __future__ import annotations

import django_filters

from cbccvc.api.params import ChoiceFilter, IntegerFilter

from ..models import Mismatch


class MismatchFilterSet(django_filters.FilterSet):
    status = ChoiceFilter(choices=Mismatch.Status.choices, label="Trạng thái")
    kind = ChoiceFilter(choices=Mismatch.Kind.choices, label="Loại sai lệch")
    profile = IntegerFilter(field_name="profile_id", label="Hồ sơ (id)")

    class Meta:
        model = Mismatch
        fields = ["status", "kind", "profile"]
