"""Profiles API: profiles (list, detail, create, update), child tables, versions, signing
state, findings, submission for approval; code lists.

Writes go through the actions (:mod:`profiles.actions`) like the admin's: each runs the
derived-field refresh, the validation and the workflow re-opening; the history records the
key's client account and the reason (``X-Change-Reason`` or ``change_reason``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cbccvc.api.mixins import etag_of
from cbccvc.api.params import query_date
from cbccvc.api.problems import StateConflict
from cbccvc.api.viewsets import GenericViewSet, ModelViewSet, ReadOnlyViewSet
from orgtree.access import EDIT_PROFILE_ROLES, scope_for

from .. import actions, codelists, workflow
from ..models import CodeList, Profile, ProfileSignature, ProfileVersion
from ..services import (
    HIDDEN_NOTES,
    SENSITIVE_GROUPS,
    audit_sensitive_read,
    content_hash,
    readable_groups,
    snapshot,
    visible_profiles,
)
from .filtersets import ProfileFilterSet
from .serializers import (
    API_CHILD_MODELS,
    CHILD_SERIALIZERS,
    CodeListDetailSerializer,
    CodeListSerializer,
    FindingSerializer,
    ProfileListSerializer,
    ProfileSerializer,
    SignatureStateSerializer,
    SubmitSerializer,
    VersionDetailSerializer,
    VersionSerializer,
)


def _check_can_edit(user: Any, profile: Profile) -> None:
    if not scope_for(user).covers(profile.unit, EDIT_PROFILE_ROLES):
        raise PermissionDenied("Bạn không có quyền sửa hồ sơ của đơn vị này.")


def _lock_profile(pk: int) -> Profile:
    return Profile.objects.select_for_update().select_related("unit").get(pk=pk)


class ProfileViewSet(ModelViewSet):
    """Hồ sơ CBCCVC trong phạm vi của khóa."""

    filterset_class = ProfileFilterSet
    ordering_fields = ["id", "folded_name", "date_of_birth", "updated_at", "completeness"]
    ordering = ["id"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Profile]:
        return visible_profiles(self.request.user).select_related("unit").order_by("id")

    def get_serializer_class(self):
        return ProfileListSerializer if self.action == "list" else ProfileSerializer

    def current_etag(self, obj: Profile) -> str:
        return etag_of(
            [content_hash(snapshot(obj)), obj.status, obj.version_number, obj.updated_at]
        )

    def _respond(self, profile: Profile, code: int = status.HTTP_200_OK) -> Response:
        profile = Profile.objects.select_related("unit").get(pk=profile.pk)
        response = Response(self.get_serializer(profile).data, status=code)
        response["ETag"] = self.current_etag(profile)
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("change_reason", None)
        unit = data.pop("unit")
        profile = actions.do_create_profile(
            Profile(unit=unit, **data),
            acting_user=request.user,
            reason=self.change_reason("Tạo hồ sơ qua API"),
        )
        response = self._respond(profile, status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{profile.pk}/"
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        visible = self.get_object()
        with transaction.atomic():
            profile = _lock_profile(visible.pk)
            self.check_if_match(profile)
            _check_can_edit(request.user, profile)
            serializer = self.get_serializer(profile, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            actions.do_update_profile(
                profile,
                {k: v for k, v in serializer.validated_data.items() if k != "change_reason"},
                acting_user=request.user,
                reason=self.change_reason("Cập nhật hồ sơ qua API"),
            )
        return self._respond(profile)

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True, pagination_class=None, filter_backends=[])
    def findings(self, request: Request, pk: str | None = None) -> Response:
        """Kết quả kiểm tra dữ liệu (đúng – đủ – sạch – sống) của hồ sơ."""
        profile = self.get_object()
        return Response(FindingSerializer(profile.findings.all(), many=True).data)

    @extend_schema(request=SubmitSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Trình duyệt: chụp toàn bộ hồ sơ thành một phiên bản chờ phê duyệt."""
        profile = self.get_object()
        try:
            version = workflow.submit(profile, request.user)
        except workflow.WorkflowError as error:
            raise StateConflict(" ".join(error.messages)) from None
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SignatureStateSerializer})
    @action(detail=True, url_path="signature", pagination_class=None, filter_backends=[])
    def signature(self, request: Request, pk: str | None = None) -> Response:
        """Chữ ký số gần nhất của hồ sơ và kết quả kiểm tra gần nhất (404 khi chưa ký)."""
        profile = self.get_object()
        signature = (
            ProfileSignature.objects.filter(version__profile=profile)
            .select_related("version", "signed_by")
            .order_by("-version__number")
            .first()
        )
        if signature is None:
            raise NotFound("Hồ sơ chưa có phiên bản nào được ký số.")
        return Response(SignatureStateSerializer(signature).data)


class ProfileChildMixin:
    """Rows of one child table of a profile visible to the caller."""

    child_name: str = ""

    def profile(self) -> Profile:
        if not hasattr(self, "_profile"):
            self._profile = get_object_or_404(
                visible_profiles(self.request.user), pk=self.kwargs["profile_pk"]
            )
        return self._profile

    def get_queryset(self) -> QuerySet[Any]:
        model = API_CHILD_MODELS[self.child_name]
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        return model.objects.filter(profile=self.profile()).order_by("id")


class ProfileChildViewSet(ProfileChildMixin, ModelViewSet):
    """Một bảng con của hồ sơ (quá trình công tác, lương, đào tạo …)."""

    pagination_class = None
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"

    # A sensitive group's table (health) answers 403 to a caller without its permission,
    # after the 404 of a profile or row outside the scope (so the answer tells an unknown id
    # from another agency's no more than on the other tables); every answer that carries its
    # rows is audited.
    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        sensitive = SENSITIVE_GROUPS.get(self.child_name)
        if sensitive is not None and not request.user.has_perm(sensitive[1]):
            if self.lookup_field in self.kwargs:
                row = self.kwargs[self.lookup_field]
                if not self.get_queryset().filter(pk=row).exists():  # the profile: 404 too
                    raise NotFound()
            elif "profile_pk" in self.kwargs:
                self.profile()
            raise PermissionDenied(HIDDEN_NOTES[self.child_name])

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            self.child_name in SENSITIVE_GROUPS
            and request.method in ("GET", "POST", "PUT", "PATCH")
            and 200 <= response.status_code < 300
            and "profile_pk" in self.kwargs
        ):
            audit_sensitive_read([self.child_name], request=request, obj=self.profile(), via="api")
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visible = self.profile()  # an invisible profile is 404 before any validation
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            profile = _lock_profile(visible.pk)
            _check_can_edit(request.user, profile)
            obj = actions.do_add_child(
                profile,
                serializer.Meta.model,
                serializer.validated_data,
                acting_user=request.user,
                reason=self.change_reason("Thêm dòng qua API"),
                check=True,  # a duplicate is a 400 problem; the profile row is locked: no race
            )
        response = Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)
        response["ETag"] = self.current_etag(obj)
        response["Location"] = f"{request.path.rstrip('/')}/{obj.pk}/"
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        visible = self.get_object()
        with transaction.atomic():
            profile = _lock_profile(self.profile().pk)
            obj = type(visible).objects.get(pk=visible.pk)
            self.check_if_match(obj)
            _check_can_edit(request.user, profile)
            serializer = self.get_serializer(obj, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            actions.do_update_child(
                obj,
                serializer.validated_data,
                acting_user=request.user,
                reason=self.change_reason("Sửa dòng qua API"),
                check=True,
            )
        response = Response(self.get_serializer(obj).data)
        response["ETag"] = self.current_etag(obj)
        return response

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visible = self.get_object()
        with transaction.atomic():
            profile = _lock_profile(self.profile().pk)
            obj = type(visible).objects.get(pk=visible.pk)
            self.check_if_match(obj)
            _check_can_edit(request.user, profile)
            actions.do_delete_child(
                obj, acting_user=request.user, reason=self.change_reason("Xóa dòng qua API")
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


def child_viewset(name: str) -> type[ProfileChildViewSet]:
    model = API_CHILD_MODELS[name]
    doc = f"{model._meta.verbose_name_plural.capitalize()} của hồ sơ."
    class_name = "".join(part.title() for part in name.split("_")) + "ViewSet"
    return type(
        class_name,
        (ProfileChildViewSet,),
        {"child_name": name, "serializer_class": CHILD_SERIALIZERS[name], "__doc__": doc},
    )


CHILD_VIEWSETS = {name: child_viewset(name) for name in API_CHILD_MODELS}


class ProfileVersionViewSet(ReadOnlyViewSet):
    """Các phiên bản đã trình của hồ sơ, với bản chụp và trạng thái ký số."""

    pagination_class = None
    filter_backends: list[Any] = []
    lookup_field = "number"
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ProfileVersion]:
        if getattr(self, "swagger_fake_view", False):
            return ProfileVersion.objects.none()
        profile = get_object_or_404(
            visible_profiles(self.request.user), pk=self.kwargs["profile_pk"]
        )
        return (
            ProfileVersion.objects.filter(profile=profile)
            .select_related("submitted_by", "decided_by", "signed_by", "signature")
            .order_by("-number")
        )

    def get_serializer_class(self):
        return VersionSerializer if self.action == "list" else VersionDetailSerializer

    # One version with its snapshot: the sensitive groups the caller may not read are left
    # out (group 9 always, see VersionDetailSerializer); reading group 10 (health) is audited.
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        if response.status_code == 200:
            shown = readable_groups(request.user) - {"asset_declarations"}
            version = self.get_object()
            audit_sensitive_read(shown, request=request, obj=version.profile, via="api")
        return response


class CodeListViewSet(ReadOnlyViewSet):
    """Danh mục dùng chung (dữ liệu tham chiếu quốc gia: mọi khóa đều đọc được)."""

    serializer_class = CodeListSerializer
    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = CodeList.objects.order_by("key")

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Mặc định hôm nay")],
        responses=CodeListDetailSerializer,
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        code_list = self.get_object()
        on = query_date(request, "as_of")
        release = code_list.current_release(on)
        items = list(codelists.items(code_list.key, on).values())
        data = {
            "key": code_list.key,
            "name": code_list.name,
            "description": code_list.description,
            "version": release.version if release else None,
            "effective_from": release.effective_from if release else None,
            "items": items,
        }
        body = CodeListDetailSerializer(data).data
        response = Response(body)
        response["ETag"] = etag_of(body)
        return response


__all__ = ["CHILD_VIEWSETS", "CodeListViewSet", "GenericViewSet", "ProfileViewSet"]
