"""Demand endpoints: enterprises create and submit, coordinators review, vendors read."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.catalog.api.views import ArrayContainsFilter, ListingReviewActions
from apps.core.api.acting import acting_organization
from apps.core.api.filters import SinceFilter
from apps.core.api.permissions import HasScope

from .. import services
from ..models import Demand
from ..selectors import demand_visible_queryset
from .serializers import DemandInSerializer, DemandOutSerializer


class DemandFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Demand.Status.choices)
    sector = django_filters.CharFilter(field_name="sector_id")
    scenario = django_filters.CharFilter(field_name="scenario_id")
    technology = ArrayContainsFilter(field_name="technologies")
    region = ArrayContainsFilter(field_name="regions")
    kind = ArrayContainsFilter(field_name="kinds_needed")
    mine = django_filters.BooleanFilter(method="filter_mine")
    updated_since = SinceFilter()

    class Meta:
        model = Demand
        fields: list[str] = []

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            organization_id__in=getattr(self.request.user, "organization_ids", [])
        )


@extend_schema_view(
    list=extend_schema(summary="List demands you may see (your own, plus the published market)"),
    retrieve=extend_schema(summary="One demand"),
)
class DemandViewSet(
    ListingReviewActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DemandOutSerializer
    filterset_class = DemandFilter
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "demands"

    def get_queryset(self):
        return demand_visible_queryset(self.request.user)

    def _out(self, demand: Demand, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            DemandOutSerializer(demand, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=DemandInSerializer, responses={201: DemandOutSerializer})
    def create(self, request: Request) -> Response:
        data = DemandInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = acting_organization(request.user, values.pop("organization", None))
        demand = services.demand_create(actor=request.user, organization=organization, **values)
        return self._out(demand, status.HTTP_201_CREATED)

    @extend_schema(request=DemandInSerializer, responses=DemandOutSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        demand = self.get_object()
        data = DemandInSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("organization", None)
        return self._out(services.demand_update(actor=request.user, demand=demand, **values))

    @extend_schema(request=None, responses=DemandOutSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._out(services.demand_submit(actor=request.user, demand=self.get_object()))

    @extend_schema(request=None, responses=DemandOutSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._out(services.demand_close(actor=request.user, demand=self.get_object()))

    def review(self, *, listing: Demand, approve: bool, note: str) -> Demand:
        return services.demand_review(
            actor=self.request.user, demand=listing, approve=approve, note=note
        )
