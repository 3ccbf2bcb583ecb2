"""Public pages: home with headline figures, listing search with facets, the case library."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.core.exceptions import BusinessError
from apps.demands.models import Demand
from apps.search.backends.base import SearchQuery
from apps.search.documents import DEMAND, OFFERING, PRICE_BANDS, VOLUME_BANDS
from apps.search.selectors import search_listings

from .. import matching
from ..names import reference_names

# Facet key in the search result → (query parameter, reference-name dimension).
FACET_PARAMS = {
    "kind": ("kind", "kinds"),
    "function": ("function", "functions"),
    "sector": ("sector", "sectors"),
    "technology": ("technology", "technologies"),
    "region": ("region", "regions"),
    "certification": ("certification", "certifications"),
    "volume": ("volume", None),
}
SORT_CHOICES = ("relevance", "price", "-price", "capacity", "recent")


def home(request: HttpRequest) -> HttpResponse:
    figures = {
        "offerings": Offering.objects.filter(status=Offering.Status.PUBLISHED).count(),
        "demands": Demand.objects.filter(
            status__in=(Demand.Status.PUBLISHED, Demand.Status.MATCHED)
        ).count(),
        "organizations": Organization.objects.filter(
            verification_status=Organization.Verification.VERIFIED
        ).count(),
        **matching.headline_figures(),
    }
    return render(request, "frontend/public/home.html", {"figures": figures})


def _band_labels() -> dict[str, str]:
    def label(low: int, high: int | None, unit: str) -> str:
        if high is None:
            return _("≥ %(low)s %(unit)s") % {"low": f"{low:,}", "unit": unit}
        return f"{low:,}–{high:,} {unit}"

    return {
        **{code: label(low, high, _("台")) for code, low, high in VOLUME_BANDS},
        **{code: label(low, high, _("元")) for code, low, high in PRICE_BANDS},
        "nationwide": _("全国"),
    }


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


def search(request: HttpRequest) -> HttpResponse:
    """Offerings (default) or public demands, with facet filters, sorting and cursor paging."""
    entity = DEMAND if request.GET.get("entity") == DEMAND else OFFERING
    params = request.GET
    sort = params.get("sort") if params.get("sort") in SORT_CHOICES else "relevance"
    chosen = {key: params.getlist(param) for key, (param, _dim) in FACET_PARAMS.items()}
    error = None
    result = None
    try:
        result = search_listings(
            query=SearchQuery(
                entity=entity,
                text=params.get("q", "")[:200],
                kinds=tuple(chosen["kind"]),
                functions=tuple(chosen["function"]),
                sectors=tuple(chosen["sector"]),
                technologies=tuple(chosen["technology"]),
                regions=tuple(chosen["region"]),
                certifications=tuple(chosen["certification"]),
                volume_bands=tuple(chosen["volume"]) if entity == DEMAND else (),
                price_min=_decimal(params.get("price_min")),
                price_max=_decimal(params.get("price_max")),
                sort=sort,
                cursor=params.get("cursor") or None,
                page_size=20,
            )
        )
    except BusinessError as exc:
        error = exc.message
    names = reference_names()
    bands = _band_labels()
    facets = []
    hits = []
    if result is not None:
        for key, buckets in result.facets.items():
            if key not in FACET_PARAMS:
                continue
            param, dimension = FACET_PARAMS[key]
            lookup = names.get(dimension, {}) if dimension else {}
            facets.append(
                {
                    "key": key,
                    "param": param,
                    "buckets": [
                        {
                            "value": b.key,
                            "label": lookup.get(b.key) or bands.get(b.key) or b.key,
                            "count": b.count,
                            "checked": b.key in chosen[key],
                        }
                        for b in buckets
                    ],
                }
            )
        for hit in result.hits:
            document = hit.document
            hits.append(
                {
                    "id": hit.id,
                    "title": mark_safe(hit.highlights.get("title") or "") or document["title"],
                    "summary": mark_safe(hit.highlights.get("summary") or "")
                    or document.get("summary", ""),
                    "organization": document.get("organization_name") or _("匿名企业"),
                    "verified": document.get("verified"),
                    "technologies": [
                        names["technologies"].get(c, c) for c in document.get("technologies", [])
                    ],
                    "regions": _("全国")
                    if document.get("nationwide")
                    else "、".join(names["regions"].get(c, c) for c in document["regions"][:6]),
                    "price": document.get("price"),
                    "price_max": document.get("price_max"),
                    "capacity": document.get("capacity"),
                }
            )
    next_params = params.copy()
    if result is not None and result.next_cursor:
        next_params["cursor"] = result.next_cursor
    return render(
        request,
        "frontend/public/search.html",
        {
            "entity": entity,
            "q": params.get("q", ""),
            "sort": sort,
            "result": result,
            "facets": facets,
            "facet_titles": {
                "kind": _("类型"),
                "function": _("产品功能"),
                "sector": _("行业"),
                "technology": _("网络技术"),
                "region": _("区域"),
                "certification": _("认证"),
                "volume": _("规模"),
            },
            "hits": hits,
            "error": error,
            "next_url": f"?{next_params.urlencode()}"
            if result is not None and result.next_cursor
            else None,
            "price_min": params.get("price_min", ""),
            "price_max": params.get("price_max", ""),
        },
    )


def cases(request: HttpRequest) -> HttpResponse:
    """The library of published typical cases (典型案例)."""
    return render(
        request,
        "frontend/public/cases.html",
        {"cases": matching.published_cases(), "names": reference_names()},
    )
