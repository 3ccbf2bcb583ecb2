"""Organisation endpoints: register, read (contacts to members only), edit, verify."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.permissions import HasScope, IsCoordinator, is_api_key
from apps.core.exceptions import BusinessError, PermissionDenied

from .. import services
from ..models import Organization
from ..selectors import organization_is_owner, organization_visible_queryset
from .serializers import (
    OrganizationInSerializer,
    OrganizationOutSerializer,
    OrganizationUpdateSerializer,
    VerifyInSerializer,
)


class OrganizationFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Organization.Role.choices)
    verification_status = django_filters.ChoiceFilter(choices=Organization.Verification.choices)
    province = django_filters.CharFilter(field_name="province_id")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)

    class Meta:
        model = Organization
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary="Verified organisations, plus your own"),
    retrieve=extend_schema(summary="One organisation"),
)
class OrganizationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = OrganizationOutSerializer
    filterset_class = OrganizationFilter
    permission_classes = [IsAuthenticatedOrReadOnly, HasScope]
    scope_family = "organizations"

    def get_queryset(self):
        return organization_visible_queryset(self.request.user)

    def _out(self, organization: Organization, code: int = status.HTTP_200_OK) -> Response:
        serializer = OrganizationOutSerializer(organization, context=self.get_serializer_context())
        return Response(serializer.data, status=code)

    @extend_schema(request=OrganizationInSerializer, responses={201: OrganizationOutSerializer})
    def create(self, request: Request) -> Response:
        """Register an organisation; the signed-in user becomes its owner. Awaits verification."""
        if is_api_key(request.user):
            raise PermissionDenied("session_required", _("请登录后注册组织。"))
        data = OrganizationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        province, city = values.pop("province"), values.pop("city", None)
        organization = services.organization_register(
            user=request.user,
            province_id=province.pk,
            city_id=city.pk if city else None,
            **values,
        )
        return self._out(organization, status.HTTP_201_CREATED)

    @extend_schema(request=OrganizationUpdateSerializer, responses=OrganizationOutSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        organization = self.get_object()
        if not organization_is_owner(request.user, organization):
            raise PermissionDenied("owner_required", _("只有组织管理员可以修改组织信息。"))
        data = OrganizationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "province" in changes:
            changes["province_id"] = changes.pop("province").pk
        if "city" in changes:
            city = changes.pop("city")
            changes["city_id"] = city.pk if city else None
        if not changes:
            raise BusinessError("nothing_to_change", _("没有要修改的字段。"))
        organization = services.organization_update(
            actor=request.user, organization=organization, **changes
        )
        return self._out(organization)

    @extend_schema(request=VerifyInSerializer, responses=OrganizationOutSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator, HasScope])
    def verify(self, request: Request, pk: str) -> Response:
        return self._verify(request, approve=True)

    @extend_schema(request=VerifyInSerializer, responses=OrganizationOutSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator, HasScope])
    def reject(self, request: Request, pk: str) -> Response:
        return self._verify(request, approve=False)

    def _verify(self, request: Request, *, approve: bool) -> Response:
        data = VerifyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = services.organization_verify(
            actor=request.user,
            organization=self.get_object(),
            approve=approve,
            note=data.validated_data["note"],
        )
        return self._out(organization)
