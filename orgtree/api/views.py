"""Org tree API: units (list, detail, tree as of a date, history, successors), places."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cbccvc.api.params import query_date
from cbccvc.api.viewsets import ApiView, ReadOnlyViewSet

from .. import tree
from ..access import scope_for
from ..models import Unit, UnitChangeEvent
from ..places import resolve_place
from .filtersets import UnitFilterSet
from .serializers import (
    PlaceQuerySerializer,
    PlaceResolutionSerializer,
    SuccessorSerializer,
    TreeNodeSerializer,
    UnitHistorySerializer,
    UnitSerializer,
)


def _node(node: tree.TreeNode) -> dict[str, Any]:
    return {
        "unit_id": node.unit_id,
        "name": node.name,
        "code": node.code,
        "kind": node.kind,
        "parent_id": node.parent_id,
        "children": [_node(c) for c in node.children],
    }


class UnitViewSet(ReadOnlyViewSet):
    """Đơn vị trong phạm vi của khóa (cây con của đơn vị được cấp)."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ["id", "code", "name"]
    ordering = ["id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Unit]:
        return scope_for(self.request.user).units().select_related("admin_unit").order_by("id")

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Mặc định hôm nay")],
        responses=TreeNodeSerializer(many=True),
    )
    @action(detail=False, pagination_class=None, filter_backends=[])
    def tree(self, request: Request) -> Response:
        """Cây đơn vị tại một ngày (theo các giai đoạn đã ghi), trong phạm vi của khóa."""
        on = query_date(request, "as_of")
        scope = scope_for(request.user)
        if scope.is_national:
            nodes = tree.tree_as_of(on)
        else:
            roots = {u.pk: u for u in scope.roots()}.values()
            outer = [r for r in roots if not any(o != r and tree.is_within(r, o) for o in roots)]
            nodes = [n for root in outer for n in tree.tree_as_of(on, root)]
        return Response([_node(n) for n in nodes])

    @extend_schema(responses=UnitHistorySerializer)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Các giai đoạn (tên, mã, cấp trên theo thời gian) và sự kiện thay đổi của đơn vị."""
        unit = self.get_object()
        events = UnitChangeEvent.objects.filter(units=unit).distinct().select_related("actor")
        data = {"periods": unit.periods.order_by("valid_from"), "events": events}
        return Response(UnitHistorySerializer(data).data)

    @extend_schema(responses=SuccessorSerializer(many=True))
    @action(detail=True, pagination_class=None, filter_backends=[])
    def successors(self, request: Request, pk: str | None = None) -> Response:
        """Đơn vị kế thừa cuối chuỗi hợp nhất, chia tách (chính nó nếu còn hoạt động)."""
        unit = self.get_object()
        scope = scope_for(request.user)
        rows = [
            {
                "id": s.pk if scope.covers(s) else None,
                "code": s.code,
                "name": s.name,
                "status": s.status,
            }
            for s in tree.successors(unit)
        ]
        return Response(SuccessorSerializer(rows, many=True).data)


class PlaceResolveView(ApiView):
    """Tra cứu địa danh: tên cũ hoặc mới, viết tắt, không dấu → tỉnh, xã đang hiệu lực."""

    @extend_schema(parameters=[PlaceQuerySerializer], responses=PlaceResolutionSerializer)
    def get(self, request: Request) -> Response:
        query = PlaceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = resolve_place(query.validated_data["text"], query.validated_data.get("as_of"))
        return Response(PlaceResolutionSerializer(found.to_dict()).data)
