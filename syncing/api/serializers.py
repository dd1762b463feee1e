"""Serializers of the sync and reconciliation API (read-only)."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Mismatch, SyncItem


class SyncItemSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = SyncItem
        fields = [
            "id",
            "version",
            "destination",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error_code",
            "last_error_message",
            "created_at",
            "synced_at",
            "national_reference",
        ]
        read_only_fields = fields


class MismatchSerializer(serializers.ModelSerializer):
    personal_id = serializers.CharField(source="profile.personal_id", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Mismatch
        fields = [
            "id",
            "external_id",
            "profile",
            "personal_id",
            "kind",
            "field",
            "our_value",
            "population_value",
            "since",
            "status",
            "note",
            "decided_by",
            "decided_at",
            "first_seen_at",
            "last_seen_at",
        ]
        read_only_fields = fields
