"""Import jobs through the API: upload (``multipart/form-data``), status, report, confirm.

A thin door onto :mod:`transfer.jobs` (the admin wizard and ``import_profiles`` are
the other two): the same scope checks, dry run first, the same report. Needs the key's
``import`` scope.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cbccvc.api.viewsets import GenericViewSet
from orgtree.access import EDIT_PROFILE_ROLES
from profiles.api.serializers import ScopedUnitField
from transfer import jobs
from transfer.models import ImportJob
from transfer.report import ImportError_
from transfer.results import full_report


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Tệp Excel/CSV/XML xuất từ phần mềm cũ.")
    unit = ScopedUnitField(roles=EDIT_PROFILE_ROLES, help_text="Đơn vị nhận hồ sơ.")
    dry_run = serializers.BooleanField(default=True, help_text="Chỉ xem trước (mặc định).")
    all_or_nothing = serializers.BooleanField(default=False)
    mapping = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    status_display = serializers.CharField()
    mode = serializers.ChoiceField(choices=ImportJob.Mode.choices)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    finished = serializers.BooleanField()
    totals = serializers.DictField()


class ImportJobViewSet(GenericViewSet):
    """Lượt nhập hồ sơ từ tệp (cần quyền “import” của khóa)."""

    key_scope = "import"
    serializer_class = ImportJobSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ImportJob]:
        return jobs.visible_jobs(self.request.user).order_by("id")

    def _job(self, pk: Any) -> ImportJob:
        try:
            return jobs.get_job(self.request.user, pk)
        except jobs.JobNotFound:
            raise NotFound() from None

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([job.status_json() for job in page])

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(ImportJobSerializer(self._job(pk).status_json()).data)

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request: Request) -> Response:
        upload = ImportUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            mapping = jobs.resolve_mapping(request.user, data["unit"], data.get("mapping"))
            job = jobs.start_import(
                user=request.user,
                unit=data["unit"],
                files=[(data["file"].name, data["file"])],
                dry_run=data["dry_run"],
                mapping=mapping,
                all_or_nothing=data["all_or_nothing"],
            )
        except ImportError_ as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        job.refresh_from_db()
        response = Response(job.status_json(), status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{job.pk}/"
        return response

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, pagination_class=None)
    def report(self, request: Request, pk: str | None = None) -> Response:
        """Báo cáo của lượt nhập: từng dòng, lỗi theo ô, tổng số."""
        return Response(full_report(self._job(pk)))

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"], pagination_class=None, parser_classes=[])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Ghi thật đúng kế hoạch đã xem trước."""
        job = self._job(pk)
        try:
            job = jobs.confirm_job(request.user, job)
        except jobs.JobNotFound:
            raise NotFound() from None
        except ImportError_ as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        return Response(ImportJobSerializer(job.status_json()).data)
