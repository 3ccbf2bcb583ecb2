"""The strict filter backend knows every parameter a list's filters read, including the
suffixed halves of a range (`price_min`, `price_max`), and refuses the rest."""

from __future__ import annotations

import django_filters
import pytest
from rest_framework import generics
from rest_framework.test import APIRequestFactory

from apps.catalog.models import Offering
from apps.core.api.filters import StrictFilterBackend
from apps.core.exceptions import BusinessError


class PriceFilter(django_filters.FilterSet):
    price = django_filters.RangeFilter(field_name="price_min")
    kind = django_filters.CharFilter(field_name="kind_id")

    class Meta:
        model = Offering
        fields: list[str] = []


class PricedList(generics.ListAPIView):
    queryset = Offering.objects.none()
    filterset_class = PriceFilter
    extra_query_params = ("q",)


def _filter(query: dict[str, str]):
    view = PricedList()
    request = view.initialize_request(APIRequestFactory().get("/", query))
    view.request = request
    return StrictFilterBackend().filter_queryset(request, Offering.objects.none(), view)


@pytest.mark.django_db
def test_a_range_filter_is_known_by_its_suffixed_halves():
    # when a list is filtered by both ends of a price range, a kind and the view's own `q`
    _filter({"price_min": "10", "price_max": "20", "kind": "terminal", "q": "表"})
    # then nothing is refused; the bare range name is not a parameter
    with pytest.raises(BusinessError) as refused:
        _filter({"price": "10", "cursor": "x"})
    assert refused.value.code == "unknown_query_parameter"
    assert set(refused.value.fields) == {"price"}
