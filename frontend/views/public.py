"""Public pages: home with headline figures, listing search with facets, offering pages and
vendor profiles (the case library is in views/cases.py)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apps.accounts.models import Organization
from apps.accounts.selectors import organization_can_see_contacts
from apps.catalog.models import Offering
from apps.catalog.selectors import (
    offering_public_get,
    vendor_coverage,
    vendor_profile_get,
    vendor_published_offerings,
)
from apps.coordination.selectors import typical_case_list_of_vendor
from apps.core.exceptions import BusinessError
from apps.demands.models import Demand
from apps.search.backends.base import SearchQuery
from apps.search.documents import DEMAND, OFFERING, PRICE_BANDS, VOLUME_BANDS
from apps.search.selectors import search_listings

from .. import matching
from ..access import current_organization
from ..cases import case_meta, case_text
from ..facts import names_of, offering_facts, regions_served
from ..names import demand_budget, enumeration, offering_price, reference_names

# Facet key in the search result → (query parameter, reference-name dimension).
FACET_PARAMS = {
    "kind": ("kind", "kinds"),
    "function": ("function", "functions"),
    "scenario": ("scenario", "scenarios"),
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


def _price_bound(value: str | None) -> Decimal | None:
    """A price bound typed on the page; BusinessError('price_invalid') if it is not one."""
    if value in (None, ""):
        return None
    try:
        price = Decimal(value)
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price < 0:
        raise BusinessError("price_invalid", _("单价应为不小于 0 的数字。"))
    return price


def search(request: HttpRequest) -> HttpResponse:
    """Offerings (default) or public demands, with facet filters, sorting and cursor paging."""
    entity = DEMAND if request.GET.get("entity") == DEMAND else OFFERING
    params = request.GET
    sort = params.get("sort") if params.get("sort") in SORT_CHOICES else "relevance"
    chosen = {key: params.getlist(param) for key, (param, _dim) in FACET_PARAMS.items()}
    error = None
    result = None
    text = params.get("q", "")[:200]
    try:
        result = search_listings(
            query=SearchQuery(
                entity=entity,
                text=text,
                kinds=tuple(chosen["kind"]),
                functions=tuple(chosen["function"]),
                scenarios=tuple(chosen["scenario"]),
                sectors=tuple(chosen["sector"]),
                technologies=tuple(chosen["technology"]),
                regions=tuple(chosen["region"]),
                certifications=tuple(chosen["certification"]),
                volume_bands=tuple(chosen["volume"]) if entity == DEMAND else (),
                price_min=_price_bound(params.get("price_min")),
                price_max=_price_bound(params.get("price_max")),
                sort=sort,
                cursor=params.get("cursor") or None,
                page_size=20,
            )
        )
    except BusinessError as exc:
        error = exc
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
            counts = {b.key: b.count for b in buckets}
            # A chosen value stays in its group (to be unchosen) even when nothing counts.
            counts |= {value: 0 for value in chosen[key] if value not in counts}
            facets.append(
                {
                    "key": key,
                    "param": param,
                    "buckets": [
                        {
                            "value": value,
                            "label": lookup.get(value) or bands.get(value) or value,
                            "count": count,
                            "checked": value in chosen[key],
                        }
                        for value, count in counts.items()
                    ],
                }
            )
        prices = _hit_prices(entity, [hit.id for hit in result.hits])
        for hit in result.hits:
            document = hit.document
            technologies = [
                names["technologies"].get(c, c) for c in document.get("technologies", [])
            ]
            regions = (
                _("全国")
                if document.get("nationwide")
                else names_of(names["regions"], document["regions"][:6])
            )
            hits.append(
                {
                    "id": hit.id,
                    "title": mark_safe(hit.highlights.get("title") or "") or document["title"],
                    "summary": mark_safe(hit.highlights.get("summary") or "")
                    or document.get("summary", ""),
                    "organization": document.get("organization_name") or _("匿名企业"),
                    "organization_id": document.get("organization_id"),
                    "verified": document.get("verified"),
                    "facts": _hit_facts(
                        entity, technologies, regions, document, prices.get(hit.id)
                    ),
                }
            )
    # Cursor paging both ways: each page carries the cursors of the pages before it
    # ("" for the first), so "previous" needs no state of its own.
    trail = params.getlist("trail")
    next_params = params.copy()
    if result is not None and result.next_cursor:
        next_params["cursor"] = result.next_cursor
        next_params.setlist("trail", [*trail, params.get("cursor", "")])
    previous_url = None
    if trail:
        previous = params.copy()
        previous.setlist("trail", trail[:-1])
        if trail[-1]:
            previous["cursor"] = trail[-1]
        else:
            previous.pop("cursor", None)
        previous_url = f"?{previous.urlencode()}"

    def searching(text: str) -> str:
        suggested = params.copy()
        suggested["q"] = text
        suggested.pop("cursor", None)
        suggested.pop("trail", None)
        return f"?{suggested.urlencode()}"

    suggestion_url = None
    other_readings = []
    if result is not None and result.did_you_mean:
        suggestion_url = searching(result.did_you_mean)
        other_readings = [{"text": text, "url": searching(text)} for text in result.other_readings]
    return render(
        request,
        "frontend/public/search.html",
        {
            "entity": entity,
            "q": params.get("q", ""),
            "suggestion_url": suggestion_url,
            "other_readings": other_readings,
            "sort": sort,
            "result": result,
            "facets": facets,
            "facet_titles": {
                "kind": _("类型"),
                "function": _("产品功能"),
                "scenario": _("应用场景"),
                "sector": _("行业"),
                "technology": _("网络技术"),
                "region": _("区域"),
                "certification": _("认证"),
                "volume": _("规模"),
            },
            "hits": hits,
            "error": error.message if error else None,
            "price_error": error.message
            if error and error.code in ("price_invalid", "price_range_invalid")
            else None,
            "next_url": f"?{next_params.urlencode()}"
            if result is not None and result.next_cursor
            else None,
            "previous_url": previous_url,
            "price_min": params.get("price_min", ""),
            "price_max": params.get("price_max", ""),
        },
    )


def _hit_prices(entity: str, ids: list[int]) -> dict[int, str]:
    """The price (an offering's) or budget (a demand's) of each hit with its unit, as the
    listing's own page writes it (the index keeps the bare amount, for sorting)."""
    if entity == DEMAND:
        rows = Demand.objects.filter(pk__in=ids).only("id", "unit_budget", "budget_unit")
        return {row.pk: demand_budget(row) for row in rows if row.unit_budget is not None}
    rows = Offering.objects.filter(pk__in=ids).only(
        "id", "kind_id", "attributes", "price_min", "price_max"
    )
    return {row.pk: offering_price(row) for row in rows}


def _hit_facts(
    entity: str, technologies: list[str], regions: str, document: dict, price: str | None
) -> list[str]:
    """A hit's line of facts, each only when it has one: technologies, regions, then size
    and budget (a demand) or price and yearly capacity (an offering)."""
    facts = [enumeration(technologies), regions]
    capacity = document.get("capacity")
    figure = number_format(capacity, use_l10n=True, force_grouping=True) if capacity else ""
    if entity == DEMAND:
        facts += [
            _("规模 %(n)s") % {"n": figure} if figure else "",
            _("预算 %(price)s") % {"price": price} if price else "",
        ]
    else:
        facts += [price or "", _("年产能 %(n)s") % {"n": figure} if figure else ""]
    return [fact for fact in facts if fact]


# --- offering pages and vendor profiles ----------------------------------------------------

VENDOR_PAGE_SIZE = 20


def offering(request: HttpRequest, pk: int) -> HttpResponse:
    """An offering's public page (drafts and archived ones only for their vendor and
    coordinators)."""
    found = offering_public_get(principal=request.user, offering_id=pk)
    if found is None:
        raise Http404
    facts = offering_facts(found)
    # A member of an enterprise this offering was recommended to sees those recommendations
    # and can act on them here (the card links lead to this page).
    acting = current_organization(request)
    recommendations = (
        matching.offering_recommendation_panel(
            principal=request.user, organization=acting, offering_id=found.pk
        )
        if acting is not None and acting.is_enterprise
        else {}
    )
    return render(
        request,
        "frontend/public/offering.html",
        {"offering": found, "vendor": found.organization, "facts": facts, **recommendations},
    )


def vendor(request: HttpRequest, pk: int) -> HttpResponse:
    """A vendor's profile: who they are, their published offerings (paged), the certifications
    and regions those hold, and the typical cases they took part in."""
    found = vendor_profile_get(principal=request.user, organization_id=pk)
    if found is None:
        raise Http404
    page = Paginator(vendor_published_offerings(organization_id=pk), VENDOR_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    coverage = vendor_coverage(organization_id=pk)
    cases = list(typical_case_list_of_vendor(vendor_id=pk)[:10])
    names = reference_names()
    return render(
        request,
        "frontend/public/vendor.html",
        {
            "vendor": found,
            "page": page,
            "offerings": [
                {
                    "offering": o,
                    "function": o.function.name if o.function else o.kind.name,
                    "technologies": names_of(names["technologies"], o.technologies),
                    "price": offering_price(o),
                }
                for o in page
            ],
            "certifications": names_of(names["certifications"], coverage["certifications"]),
            "regions": regions_served(names, coverage["nationwide"], coverage["regions"]),
            "cases": [
                {"case": case, "text": case_text(case), "meta": case_meta(case, names)}
                for case in cases
            ],
            "contacts": organization_can_see_contacts(request.user, found),
        },
    )
