"""Serializers of the profiles API. Group 9 (assets and income) is never exposed here; group 10
(health) only to a caller holding ``profiles.view_health``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orgtree.access import ALL_ROLES, EDIT_PROFILE_ROLES, scope_for
from orgtree.models import Unit

from ..id_numbers import OLD_ID_DIGITS, PERSONAL_ID_DIGITS, clean_old_id, clean_personal_id
from ..models import (
    CHILD_MODELS,
    CodeItem,
    CodeList,
    Finding,
    Profile,
    ProfileSignature,
    ProfileVersion,
)

#: child tables served by the API (group 9 needs a permission no API key holds)
API_CHILD_MODELS = {k: m for k, m in CHILD_MODELS.items() if k != "asset_declarations"}

PROFILE_WRITABLE = [
    "personal_id",
    "old_id_number",
    "full_name",
    "other_names",
    "sex",
    "date_of_birth",
    "birth_date_precision",
    "birth_registration_province",
    "birthplace_text",
    "hometown_text",
    "ethnicity",
    "religion",
    "permanent_residence",
    "current_residence",
    "social_origin",
    "phone",
    "email",
    "last_verified_at",
]
PROFILE_READ_ONLY = [
    "id",
    "unit_code",
    "birthplace_province_code",
    "birthplace_commune_code",
    "birthplace_needs_review",
    "hometown_province_code",
    "hometown_commune_code",
    "hometown_needs_review",
    "position_code",
    "title_code",
    "grade_code",
    "salary_scale",
    "salary_step",
    "salary_coefficient",
    "salary_since",
    "status",
    "version_number",
    "completeness",
    "error_count",
    "warning_count",
    "validated_at",
    "created_at",
    "updated_at",
]


@extend_schema_field(OpenApiTypes.INT)
class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    """A unit id the caller may use: inside their scope (with ``roles``), active. Any other id
    answers "does not exist", exactly like an unknown id."""

    def __init__(self, roles=ALL_ROLES, **kwargs: Any):
        self.roles = roles
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Unit.objects.none()
        return scope_for(request.user).units(self.roles).active()


class IdNumberField(serializers.CharField):
    """An ID as people type it: "001 085 012 345" is 001085012345; other characters, a 9-digit
    old ID in the personal ID's field and a wrong length are refused naming the field
    (profiles.id_numbers). The length limit applies to the digits, so the schema's maxLength
    stays that of the stored value."""

    def __init__(self, *, clean_id: Any, digits: int, **kwargs: Any):
        self.clean_id = clean_id
        self.digits = digits
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        try:
            return self.clean_id(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from None


class IdNumberFieldSchema(OpenApiSerializerFieldExtension):
    """The schema states the stored form: exactly ``digits`` digits, or blank where allowed,
    so that a client, and a generator of requests, knows the length rule; the separators the
    field also takes ("001 085 012 345") are said in its description."""

    target_class = IdNumberField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        digits = rf"[0-9]{{{self.target.digits}}}"
        # a blank one: drf-spectacular adds its own "maxLength: 0" alternative for "" (oneOf)
        schema["pattern"] = rf"^(\s+|{digits})$" if self.target.allow_blank else f"^{digits}$"
        return schema


ID_CLEANERS = {
    "personal_id": (clean_personal_id, PERSONAL_ID_DIGITS),
    "old_id_number": (clean_old_id, OLD_ID_DIGITS),
}


class ProfileSerializer(serializers.ModelSerializer):
    unit = ScopedUnitField(roles=EDIT_PROFILE_ROLES, help_text="Chỉ đặt khi tạo hồ sơ.")
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    change_reason = serializers.CharField(
        write_only=True, required=False, max_length=100, help_text="Lý do thay đổi (lịch sử)."
    )

    class Meta:
        model = Profile
        fields = ["unit", *PROFILE_WRITABLE, *PROFILE_READ_ONLY, "change_reason"]
        read_only_fields = PROFILE_READ_ONLY

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, dict]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in ID_CLEANERS:
            clean_id, digits = ID_CLEANERS[field_name]
            return IdNumberField, {**kwargs, "clean_id": clean_id, "digits": digits}
        return field_class, kwargs

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["unit"].read_only = True  # the unit follows the work history afterwards
        return fields


class ProfileListSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Profile
        fields = [
            "id",
            "personal_id",
            "full_name",
            "sex",
            "date_of_birth",
            "unit",
            "unit_code",
            "position_code",
            "grade_code",
            "status",
            "completeness",
            "error_count",
            "updated_at",
        ]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["severity", "principle", "code", "field", "message", "related_profile"]
        read_only_fields = fields


class SignatureStateSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    signed_by = serializers.CharField(source="signed_by.username", read_only=True)
    last_verification_messages = serializers.ListField(
        child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = ProfileSignature
        fields = [
            "version",
            "document_sha256",
            "signed_by",
            "signer_name",
            "signer_subject",
            "certificate_serial",
            "issuer",
            "signing_time",
            "algorithm",
            "last_verified_at",
            "last_verification_ok",
            "last_verification_messages",
        ]
        read_only_fields = fields


def _user(field: str) -> serializers.CharField:
    return serializers.CharField(
        source=f"{field}.username", read_only=True, default=None, allow_null=True
    )


class VersionSerializer(serializers.ModelSerializer):
    submitted_by = _user("submitted_by")
    decided_by = _user("decided_by")
    signed_by = _user("signed_by")

    class Meta:
        model = ProfileVersion
        fields = [
            "number",
            "status",
            "content_hash",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "signed_by",
            "signed_at",
            "synced_at",
            "sync_reference",
        ]
        read_only_fields = fields


class VersionDetailSerializer(VersionSerializer):
    snapshot = serializers.SerializerMethodField()
    signature = SignatureStateSerializer(read_only=True, allow_null=True, default=None)

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "snapshot", "signature"]
        read_only_fields = fields

    def get_snapshot(self, version: ProfileVersion) -> dict[str, Any]:
        from ..services import without_hidden_groups

        data = dict(version.snapshot or {})
        data.pop("asset_declarations", None)  # group 9 stays out of the API
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            data.pop("health", None)  # group 10 only for a caller with its permission
            return data
        return without_hidden_groups(data, user)[0]

    def to_representation(self, instance: ProfileVersion) -> dict[str, Any]:
        if not hasattr(instance, "signature"):
            instance.signature = None  # type: ignore[misc]
        return super().to_representation(instance)


class SubmitSerializer(serializers.Serializer):
    change_reason = serializers.CharField(required=False, max_length=100)


class CodeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CodeItem
        fields = ["code", "name", "sort_order", "extra", "verified"]
        read_only_fields = fields


class CodeListSerializer(serializers.ModelSerializer):
    class Meta:
        model = CodeList
        fields = ["key", "name", "description"]
        read_only_fields = fields


class CodeListDetailSerializer(CodeListSerializer):
    version = serializers.CharField(allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    items = CodeItemSerializer(many=True)

    class Meta(CodeListSerializer.Meta):
        fields = [*CodeListSerializer.Meta.fields, "version", "effective_from", "items"]
        read_only_fields = fields


def child_serializer(name: str, model: type) -> type[serializers.ModelSerializer]:
    """A serializer for one child table: every field but the profile; units by scoped id."""
    attrs: dict[str, Any] = {}
    extra: list[str] = []
    for f in model._meta.concrete_fields:
        if f.name == "unit":
            attrs["unit"] = ScopedUnitField(required=False, allow_null=True)
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "exclude": ["profile"],
            "read_only_fields": ["id", *extra],
        },
    )
    attrs["Meta"] = meta
    class_name = "".join(part.title() for part in name.split("_")) + "Serializer"
    return type(class_name, (serializers.ModelSerializer,), attrs)


CHILD_SERIALIZERS = {name: child_serializer(name, m) for name, m in API_CHILD_MODELS.items()}
