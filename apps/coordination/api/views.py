"""Typical-case endpoints: the public library, nomination, the parties' consent and the
coordinators' edit, publish and reject; and the monitoring indicators."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import CursorPagination
from apps.core.api.permissions import HasScope, IsCoordinator
from apps.core.exceptions import NotFound
from apps.matching.selectors import match_visible_queryset

from .. import selectors, services
from ..indicators import indicators_get
from ..models import TypicalCase
from .serializers import (
    CaseOutSerializer,
    ConsentInSerializer,
    EditInSerializer,
    IndicatorsOutSerializer,
    NominateInSerializer,
    RejectInSerializer,
)


class PublishedPagination(CursorPagination):
    ordering = ("-published_at", "-id")


def _case(request: Request, pk: int) -> TypicalCase:
    found = selectors.typical_case_visible_get(principal=request.user, case_id=pk)
    if found is None:
        raise NotFound.default()
    return found


def _out(request: Request, case: TypicalCase, code: int = status.HTTP_200_OK) -> Response:
    fresh = _case(request, case.pk)  # with its consents as they now stand
    return Response(CaseOutSerializer(fresh, context={"request": request}).data, status=code)


class CaseListView(generics.ListAPIView):
    serializer_class = CaseOutSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, HasScope]
    scope_family = "matches"
    pagination_class = PublishedPagination
    filterset_class = None

    def get_queryset(self):
        return selectors.typical_case_list().prefetch_related("consents")

    @extend_schema(summary="Published typical cases, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Nominate a won introduction as a typical case (a party or a coordinator)",
        request=NominateInSerializer,
        responses={201: CaseOutSerializer},
    )
    def post(self, request: Request) -> Response:
        data = NominateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        match = match_visible_queryset(request.user).filter(pk=values.pop("match")).first()
        if match is None:
            raise NotFound.default()
        case = services.case_nominate(actor=request.user, match=match, **values)
        return _out(request, case, status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, HasScope]
    scope_family = "matches"

    @extend_schema(
        summary="One typical case (published ones for everyone; the parties' and "
        "coordinators' in any state)",
        responses=CaseOutSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        return _out(request, _case(request, pk))

    @extend_schema(
        summary="Replace a case's text and record its assessment (coordinator)",
        request=EditInSerializer,
        responses=CaseOutSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        data = EditInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = services.case_edit(actor=request.user, case=_case(request, pk), **values)
        return _out(request, case)

    def get_permissions(self):
        if self.request.method == "PUT":
            return [IsAuthenticated(), IsCoordinator(), HasScope()]
        return super().get_permissions()


class CaseConsentView(APIView):
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "matches"

    @extend_schema(
        summary="Consent to (or decline) publishing a nominated case, as one of its parties",
        request=ConsentInSerializer,
        responses=CaseOutSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ConsentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_consent(
            actor=request.user,
            case=_case(request, pk),
            grant=data.validated_data["grant"],
            organization_id=data.validated_data["organization"],
        )
        return _out(request, case)


class CasePublishView(APIView):
    permission_classes = [IsAuthenticated, IsCoordinator, HasScope]
    scope_family = "matches"

    @extend_schema(
        summary="Publish a case both parties consented to and that passed assessment (coordinator)",
        request=None,
        responses=CaseOutSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        return _out(request, services.case_publish(actor=request.user, case=_case(request, pk)))


class CaseRejectView(APIView):
    permission_classes = [IsAuthenticated, IsCoordinator, HasScope]
    scope_family = "matches"

    @extend_schema(
        summary="Turn a case down with a reason the parties see (coordinator)",
        request=RejectInSerializer,
        responses=CaseOutSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = RejectInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_reject(
            actor=request.user, case=_case(request, pk), reason=data.validated_data["reason"]
        )
        return _out(request, case)


class IndicatorsView(APIView):
    permission_classes = [IsAuthenticated, IsCoordinator, HasScope]
    scope_family = "mismatches"

    @extend_schema(
        summary="Mobile-IoT monitoring indicators against the 2027 goals (coordinator)",
        description="The platform's own figures: share of demanded connections on 4G/5G "
        "against the 95 % target, the technology mix by sector, supply coverage by province, "
        "days from publication to first introduction, introduction acceptance and won rates, "
        "with monthly trends (Asia/Shanghai). Recomputed at most every 5 minutes (`computed_at`). "
        "Definitions: apps/coordination/indicators.py.",
        responses=IndicatorsOutSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(IndicatorsOutSerializer(indicators_get()).data)
