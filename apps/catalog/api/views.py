"""Offering endpoints and read-only reference data."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.acting import acting_organization
from apps.core.api.filters import SinceFilter
from apps.core.api.permissions import HasScope, IsCoordinator

from .. import services
from ..models import Function, Offering, Region, Scenario
from ..selectors import REFERENCE_MODELS, offering_visible_queryset
from .serializers import (
    REFERENCE_SERIALIZERS,
    OfferingInSerializer,
    OfferingOutSerializer,
    ReviewInSerializer,
)


class ArrayContainsFilter(django_filters.CharFilter):
    """`?sector=a` keeps rows whose array field contains `a`."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__contains": [value]})


class OfferingFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind_id")
    status = django_filters.ChoiceFilter(choices=Offering.Status.choices)
    organization = django_filters.NumberFilter(field_name="organization_id")
    sector = ArrayContainsFilter(field_name="sectors")
    technology = ArrayContainsFilter(field_name="technologies")
    certification = ArrayContainsFilter(field_name="certifications")
    region = ArrayContainsFilter(field_name="regions")
    nationwide = django_filters.BooleanFilter()
    updated_since = SinceFilter()

    class Meta:
        model = Offering
        fields: list[str] = []


class ListingReviewActions:
    # Coordinator `approve` / `reject` actions for a listing viewset that defines `review`.
    # (A comment, not a docstring: the schema would take it as the viewset's description.)

    @extend_schema(request=ReviewInSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator, HasScope])
    def approve(self, request: Request, pk: str) -> Response:
        return self._review(request, approve=True)

    @extend_schema(request=ReviewInSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator, HasScope])
    def reject(self, request: Request, pk: str) -> Response:
        return self._review(request, approve=False)

    def _review(self, request: Request, *, approve: bool) -> Response:
        data = ReviewInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listing = self.review(
            listing=self.get_object(), approve=approve, note=data.validated_data["note"]
        )
        return self._out(listing)


@extend_schema_view(
    list=extend_schema(summary="List offerings you may see (published, plus your own)"),
    retrieve=extend_schema(summary="One offering"),
)
class OfferingViewSet(
    ListingReviewActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Supply listings. Vendors create drafts, submit them for review; coordinators publish."""

    serializer_class = OfferingOutSerializer
    filterset_class = OfferingFilter
    permission_classes = [IsAuthenticatedOrReadOnly, HasScope]
    scope_family = "offerings"

    def get_queryset(self):
        return offering_visible_queryset(self.request.user)

    def _out(self, offering: Offering, code: int = status.HTTP_200_OK) -> Response:
        return Response(OfferingOutSerializer(offering).data, status=code)

    @extend_schema(request=OfferingInSerializer, responses={201: OfferingOutSerializer})
    def create(self, request: Request) -> Response:
        data = OfferingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = acting_organization(request.user, values.pop("organization", None))
        offering = services.offering_create(actor=request.user, organization=organization, **values)
        return self._out(offering, status.HTTP_201_CREATED)

    @extend_schema(request=OfferingInSerializer, responses=OfferingOutSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        offering = self.get_object()
        data = OfferingInSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("organization", None)
        return self._out(services.offering_update(actor=request.user, offering=offering, **values))

    @extend_schema(request=None, responses=OfferingOutSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._out(services.offering_submit(actor=request.user, offering=self.get_object()))

    @extend_schema(request=None, responses=OfferingOutSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        return self._out(services.offering_archive(actor=request.user, offering=self.get_object()))

    def review(self, *, listing: Offering, approve: bool, note: str) -> Offering:
        return services.offering_review(
            actor=self.request.user, offering=listing, approve=approve, note=note
        )


class RegionReferenceFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices)
    parent = django_filters.CharFilter(
        field_name="parent_id", help_text="Divisions directly under this code, e.g. 130100."
    )

    class Meta:
        model = Region
        fields: list[str] = []


class ScenarioReferenceFilter(django_filters.FilterSet):
    sector = django_filters.CharFilter(field_name="sector_id")

    class Meta:
        model = Scenario
        fields: list[str] = []


class FunctionReferenceFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind_id")

    class Meta:
        model = Function
        fields: list[str] = []


REFERENCE_FILTERS: dict[str, type[django_filters.FilterSet]] = {
    "regions": RegionReferenceFilter,
    "scenarios": ScenarioReferenceFilter,
    "functions": FunctionReferenceFilter,
}


class ReferenceViewSet(viewsets.GenericViewSet):
    """Reference data by kind: sectors, scenarios (`?sector=`), technologies, certifications,
    protocols, kinds (of supply), functions (what supply does, `?kind=`) and regions
    (`?level=province|city|county`, `?parent=` a code: ~3,300 rows in all, so ask for the
    children of one division). Stable, so unpaginated; unknown parameters are refused."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    pagination_class = None

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        return Response(REFERENCE_SERIALIZERS[queryset.model](queryset, many=True).data)


def reference_view(name: str):
    """A GET view for one kind of reference data, documented with its own schema."""
    serializer = REFERENCE_SERIALIZERS[REFERENCE_MODELS[name]]

    def list_reference(self, request: Request) -> Response:
        return ReferenceViewSet.list(self, request)

    documented = extend_schema(
        summary=f"Reference data: {name}",
        responses=serializer(many=True),
        operation_id=f"reference_{name}_list",
    )(list_reference)
    cls = type(
        f"Reference{name.title()}ViewSet",
        (ReferenceViewSet,),
        {
            "list": documented,
            "queryset": REFERENCE_MODELS[name].objects.all(),
            "filterset_class": REFERENCE_FILTERS.get(name),
        },
    )
    return cls.as_view({"get": "list"})
