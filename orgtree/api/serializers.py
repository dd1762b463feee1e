"""Serializers of the org tree API (read-only: the tree changes through the admin services)."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Unit, UnitChangeEvent, UnitPeriod


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    admin_unit_code = serializers.CharField(
        source="admin_unit.code", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "national_code",
            "admin_unit_code",
            "parent",
            "status",
            "valid_from",
            "valid_to",
            "legal_basis_number",
            "legal_basis_date",
        ]
        read_only_fields = fields


class TreeNodeSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    kind = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    children = serializers.ListField(child=serializers.DictField(), help_text="Cùng cấu trúc.")


class UnitPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitPeriod
        fields = ["name", "short_name", "code", "kind", "parent", "valid_from", "valid_to", "event"]
        read_only_fields = fields


class UnitEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = UnitChangeEvent
        fields = [
            "id",
            "kind",
            "effective_date",
            "legal_basis_number",
            "legal_basis_date",
            "reason",
            "actor",
            "recorded_at",
        ]
        read_only_fields = fields


class UnitHistorySerializer(serializers.Serializer):
    periods = UnitPeriodSerializer(many=True)
    events = UnitEventSerializer(many=True)


class SuccessorSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null khi ngoài phạm vi của khóa")
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class PlaceQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500, help_text="Địa danh, địa chỉ (cũ hoặc mới).")
    as_of = serializers.DateField(required=False, help_text="Ngày áp dụng (mặc định: hôm nay).")


class PlaceRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PlaceCandidateSerializer(serializers.Serializer):
    province = PlaceRefSerializer(allow_null=True)
    commune = PlaceRefSerializer(allow_null=True)
    reason = serializers.CharField()


class PlaceResolutionSerializer(serializers.Serializer):
    text = serializers.CharField()
    as_of = serializers.DateField()
    release = serializers.CharField(allow_null=True)
    province = PlaceRefSerializer(allow_null=True)
    commune = PlaceRefSerializer(allow_null=True)
    confidence = serializers.FloatField()
    candidates = PlaceCandidateSerializer(many=True)
    needs_review = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
