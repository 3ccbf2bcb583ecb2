"""Search endpoints: published offerings for enterprises, public demands for vendors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..backends.base import SearchHit, SearchQuery, SearchResult
from ..documents import DEMAND, OFFERING
from ..selectors import search_listings
from .serializers import (
    DemandSearchParamsSerializer,
    DemandSearchResponseSerializer,
    OfferingSearchResponseSerializer,
    SearchParamsSerializer,
)

_LIST_PARAMS = (
    "kind",
    "function",
    "scenario",
    "sector",
    "technology",
    "certification",
    "region",
    "volume",
)
# Offerings have no volume band (a demand's size).
_OFFERING_LIST_PARAMS = tuple(name for name in _LIST_PARAMS if name != "volume")
_ERRORS = {
    400: OpenApiResponse(description=_("参数无效（统一错误格式 {error: {code, message, fields}}）"))
}


def _params(request: Request) -> dict:
    """Query parameters as plain values: lists from repeated or comma-separated parameters."""
    data: dict = {}
    for name, values in request.query_params.lists():
        if name in _LIST_PARAMS:
            data[name] = [v.strip() for value in values for v in value.split(",") if v.strip()]
        else:
            data[name] = values[-1]
    return data


def _query(entity: str, params: dict) -> SearchQuery:
    return SearchQuery(
        entity=entity,
        text=params.get("q", ""),
        kinds=tuple(params.get("kind", ())),
        functions=tuple(params.get("function", ())),
        scenarios=tuple(params.get("scenario", ())),
        sectors=tuple(params.get("sector", ())),
        technologies=tuple(params.get("technology", ())),
        regions=tuple(params.get("region", ())),
        certifications=tuple(params.get("certification", ())),
        volume_bands=tuple(params.get("volume", ())),
        price_min=params.get("price_min"),
        price_max=params.get("price_max"),
        verified=params.get("verified"),
        sort=params["sort"],
        cursor=params.get("cursor"),
        page_size=params["page_size"],
    )


def _organization(document: dict) -> dict | None:
    if document.get("organization_id") is None:
        return None
    return {
        "id": document["organization_id"],
        "name": document["organization_name"],
        "verified": document["verified"],
    }


def _offering_hit(hit: SearchHit) -> dict:
    d = hit.document
    highlights = dict(hit.highlights)
    if "title" in highlights:
        highlights["name"] = highlights.pop("title")
    return {
        "id": hit.id,
        "name": d["title"],
        "model_number": d.get("model_number") or "",
        "summary": d.get("summary") or "",
        "vendor": _organization(d),
        "kind": (d.get("kinds") or [""])[0],
        "function": (d.get("functions") or [None])[0],
        "scenarios": d.get("scenarios") or [],
        "sectors": d["sectors"],
        "technologies": d["technologies"],
        "regions": d["regions"],
        "nationwide": d["nationwide"],
        "certifications": d["certifications"],
        "price_min": d["price"],
        "price_max": d.get("price_max"),
        "annual_capacity": d["capacity"],
        "updated_at": d["updated_at"],
        "score": hit.score,
        "highlights": highlights,
    }


def _demand_hit(hit: SearchHit) -> dict:
    d = hit.document
    organization = _organization(d)
    return {
        "id": hit.id,
        "title": d["title"],
        "summary": d.get("summary") or "",
        "anonymous": organization is None,
        "organization": organization,
        "sector": (d.get("sectors") or [""])[0],
        "technologies": d["technologies"],
        "kinds_needed": d["kinds"],
        "functions": d.get("functions") or [],
        "scenario": (d.get("scenarios") or [None])[0],
        "regions": d["regions"],
        "nationwide": bool(d.get("nationwide")),
        "certifications": d["certifications"],
        "unit_budget": d["price"],
        "volume": d["capacity"],
        "volume_band": d.get("volume_band") or "",
        "updated_at": d["updated_at"],
        "score": hit.score,
        "highlights": hit.highlights,
    }


class _SearchView(APIView):
    permission_classes = [AllowAny]
    entity: str
    params_serializer = SearchParamsSerializer
    response_serializer = OfferingSearchResponseSerializer

    def get(self, request: Request) -> Response:
        params = self.params_serializer(data=_params(request))
        params.is_valid(raise_exception=True)
        result = search_listings(query=_query(self.entity, params.validated_data))
        return Response(self.response_serializer(self._body(request, result)).data)

    def _body(self, request: Request, result: SearchResult) -> dict:
        to_hit = _offering_hit if self.entity == OFFERING else _demand_hit
        next_url = None
        if result.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = result.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return {
            "results": [to_hit(hit) for hit in result.hits],
            "total": result.total,
            "total_exact": result.total_exact,
            "facets": {
                name: [{"key": b.key, "count": b.count} for b in buckets]
                for name, buckets in result.facets.items()
            },
            "next": next_url,
            "next_cursor": result.next_cursor,
            "did_you_mean": result.did_you_mean,
            "other_readings": result.other_readings,
            "relaxed": result.relaxed,
        }


_LIST_DOC = _("可重复该参数或用逗号分隔多个值")


def _list_parameters(names: tuple[str, ...]) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(name, str, many=True, explode=True, description=_LIST_DOC)
        for name in names
    ]


class OfferingSearchView(_SearchView):
    entity = OFFERING

    @extend_schema(
        operation_id="search_offerings",
        summary=_("搜索供给"),
        description=_(
            "在所有厂商已发布的供给中全文检索（名称、型号、描述、厂商，中文分词），"
            "带分面统计（类型、产品功能、行业、网络技术、省份、认证、价格区间、厂商认证），"
            "游标翻页。产品功能的中英文名称也参与检索。"
        ),
        parameters=[
            SearchParamsSerializer,
            *_list_parameters(_OFFERING_LIST_PARAMS),
        ],
        responses={200: OfferingSearchResponseSerializer, **_ERRORS},
        tags=["search"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class DemandSearchView(_SearchView):
    entity = DEMAND
    params_serializer = DemandSearchParamsSerializer
    response_serializer = DemandSearchResponseSerializer

    @extend_schema(
        operation_id="search_demands",
        summary=_("搜索需求"),
        description=_(
            "在已发布且公开或匿名的需求中检索；匿名需求不返回企业名称与联系方式。"
            "kind 为所需供给类型，function 为所需产品功能，price_min/price_max 为单位预算，"
            "capacity 排序按规模；全国部署的需求在区域分面中计为 nationwide，并匹配任何区域。"
        ),
        parameters=[
            DemandSearchParamsSerializer,
            *_list_parameters(_LIST_PARAMS),
        ],
        responses={200: DemandSearchResponseSerializer, **_ERRORS},
        tags=["search"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)
