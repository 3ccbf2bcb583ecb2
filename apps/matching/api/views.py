"""Matching endpoints: recommendations, bundles, advice, match transitions and mismatches."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.selectors import is_coordinator, principal_org_ids
from apps.catalog.models import Offering
from apps.core.api.pagination import CursorPagination
from apps.core.api.permissions import HasScope, IsCoordinator
from apps.core.exceptions import NotFound

from .. import loader, selectors, services
from ..engine import technology_advice
from ..models import Match, MismatchFlag
from .serializers import (
    AdviceOutSerializer,
    CloseInSerializer,
    DismissInSerializer,
    EmptyInSerializer,
    InterestInSerializer,
    MatchOutSerializer,
    MismatchOutSerializer,
    NoteInSerializer,
    ProfileInSerializer,
    RespondInSerializer,
    ShortlistInSerializer,
    SummaryOutSerializer,
    advice_data,
)


class ScorePagination(CursorPagination):
    ordering = ("-score", "-id")


class _MatchList(generics.ListAPIView):
    serializer_class = MatchOutSerializer
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "matches"
    pagination_class = ScorePagination
    filterset_class = None
    queryset = Match.objects.none()  # for the schema generator; get_queryset scopes it

    def base(self) -> QuerySet[Match]:
        return selectors.match_visible_queryset(self.request.user).select_related(
            "demand__organization", "offering__organization"
        )

    def list(self, request: Request, *args, **kwargs) -> Response:
        # The enterprise's verdicts on the page's matches in one query (see `feedback`).
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        context["feedback"] = selectors.recommendation_feedback_map(page)
        data = self.get_serializer_class()(page, many=True, context=context).data
        return self.get_paginated_response(data)


_TRUE, _FALSE = ("true", "1"), ("false", "0")
FEEDBACK_FILTERS = [
    OpenApiParameter(
        "shortlisted", bool, description="true: only the enterprise's shortlisted ones"
    ),
    OpenApiParameter(
        "dismissed",
        bool,
        description="true: only the dismissed ones; false: all but the dismissed ones",
    ),
]


def _feedback_filtered(queryset: QuerySet[Match], request: Request, demand_id: int):
    """`?shortlisted=` and `?dismissed=`, the web page's recommendation views."""
    for name, keys in (
        ("shortlisted", selectors.recommendation_shortlisted_keys),
        ("dismissed", selectors.recommendation_dismissed_keys),
    ):
        value = request.query_params.get(name, "").lower()
        if value in _TRUE:
            queryset = queryset.filter(pair_key__in=keys(demand_id=demand_id))
        elif value in _FALSE:
            queryset = queryset.exclude(pair_key__in=keys(demand_id=demand_id))
    return queryset


@extend_schema(
    summary="Recommended offerings for a demand, best first, with explanations",
    parameters=FEEDBACK_FILTERS,
)
class DemandMatchesView(_MatchList):
    """The demand's organisation and coordinators see all its recommendations, a vendor only
    its own; anyone with none to see gets a 404, as for `/matches/{id}`."""

    extra_query_params = tuple(parameter.name for parameter in FEEDBACK_FILTERS)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        if not selectors.demand_matches_readable(self.request.user, self.kwargs["pk"]):
            raise NotFound.default()
        queryset = self.base().filter(demand_id=self.kwargs["pk"], offering__isnull=False)
        return _feedback_filtered(queryset, self.request, self.kwargs["pk"])


@extend_schema(
    summary="Solution bundles (compatible offerings along the chain) for a demand",
    parameters=FEEDBACK_FILTERS,
)
class DemandBundlesView(_MatchList):
    extra_query_params = tuple(parameter.name for parameter in FEEDBACK_FILTERS)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        if selectors.demand_for_matches(self.request.user, self.kwargs["pk"]) is None:
            raise NotFound.default()
        queryset = self.base().filter(demand_id=self.kwargs["pk"], offering__isnull=True)
        return _feedback_filtered(queryset, self.request, self.kwargs["pk"])


@extend_schema(summary="Open demands an offering fits (for its vendor)")
class OfferingMatchingDemandsView(_MatchList):
    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        offering = Offering.objects.filter(pk=self.kwargs["pk"]).first()
        user = self.request.user
        if offering is None or not (
            is_coordinator(user) or offering.organization_id in principal_org_ids(user)
        ):
            raise NotFound.default()
        return self.base().filter(offering_id=offering.pk)


class DemandAdviceView(APIView):
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "matches"

    @extend_schema(
        summary="Technology advice for a demand's profile", responses=AdviceOutSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        demand = selectors.demand_for_matches(request.user, pk)
        if demand is None:
            raise NotFound.default()
        spec = loader.profile_spec(
            {column: getattr(demand, column, None) for column in loader.DEMAND_COLUMNS}
            | {"sector_id": demand.sector_id, "scenario_id": demand.scenario_id}
        )
        advice = technology_advice(spec.profile, loader.technology_specs())
        return Response(advice_data(advice))


class AdviceView(APIView):
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "matches"

    @extend_schema(
        summary="Technology advice for an unsaved requirement profile",
        request=ProfileInSerializer,
        responses=AdviceOutSerializer,
    )
    def post(self, request: Request) -> Response:
        data = ProfileInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spec = loader.profile_spec(dict(data.validated_data))
        advice = technology_advice(spec.profile, loader.technology_specs())
        return Response(advice_data(advice))


class MatchDetailView(generics.RetrieveAPIView):
    serializer_class = MatchOutSerializer
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "matches"

    @extend_schema(summary="One match with its breakdown and lifecycle")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.match_visible_queryset(self.request.user).select_related(
            "demand__organization", "offering__organization"
        )


class _MatchAction(APIView):
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "matches"
    input_serializer = NoteInSerializer

    def match(self, request: Request, pk: int) -> Match:
        found = selectors.match_visible_queryset(request.user).filter(pk=pk).first()
        if found is None:
            raise NotFound.default()
        return found

    def run(self, request: Request, match: Match, values: dict) -> Match:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = self.run(request, self.match(request, pk), dict(data.validated_data))
        return Response(MatchOutSerializer(updated, context={"request": request}).data)


def _action(summary: str, serializer=NoteInSerializer, coordinator: bool = True):
    def wrap(cls):
        cls.input_serializer = serializer
        if coordinator:
            cls.permission_classes = [IsAuthenticated, IsCoordinator, HasScope]
        cls.post = extend_schema(summary=summary, request=serializer, responses=MatchOutSerializer)(
            cls.post
        )
        return cls

    return wrap


@_action("Approve a suggested match (coordinator)")
class MatchApproveView(_MatchAction):
    def run(self, request, match, values):
        return services.match_approve(actor=request.user, match=match, note=values["note"])


@_action("Reject a suggested match (coordinator)")
class MatchRejectView(_MatchAction):
    def run(self, request, match, values):
        return services.match_reject(actor=request.user, match=match, note=values["note"])


@_action("Introduce the parties of an approved match (coordinator)")
class MatchIntroduceView(_MatchAction):
    def run(self, request, match, values):
        return services.match_introduce(actor=request.user, match=match, note=values["note"])


@_action(
    "Accept or decline an introduction, as the enterprise or the vendor",
    RespondInSerializer,
    coordinator=False,
)
class MatchRespondView(_MatchAction):
    def run(self, request, match, values):
        return services.match_respond(
            actor=request.user, match=match, side=values["side"], accept=values["accept"]
        )


@_action("Record whether an accepted introduction was won or lost (coordinator)", CloseInSerializer)
class MatchCloseView(_MatchAction):
    def run(self, request, match, values):
        return services.match_close(
            actor=request.user, match=match, won=values["won"], note=values["note"]
        )


@_action(
    "Shortlist a recommendation of one's demand (or remove it: shortlisted=false) (enterprise)",
    ShortlistInSerializer,
    coordinator=False,
)
class MatchShortlistView(_MatchAction):
    def run(self, request, match, values):
        services.recommendation_shortlist(
            actor=request.user, match=match, shortlisted=values["shortlisted"]
        )
        return match


@_action(
    "Dismiss a recommendation of one's demand with a reason, passed on to the coordinators "
    "(enterprise)",
    DismissInSerializer,
    coordinator=False,
)
class MatchDismissView(_MatchAction):
    def run(self, request, match, values):
        services.recommendation_dismiss(
            actor=request.user, match=match, reason=values["reason"], note=values["note"]
        )
        return match


@_action("Show a dismissed recommendation again (enterprise)", EmptyInSerializer, coordinator=False)
class MatchRestoreView(_MatchAction):
    def run(self, request, match, values):
        services.recommendation_restore(actor=request.user, match=match)
        return match


@_action(
    "Ask the coordinators for an introduction to a recommendation of one's demand (enterprise)",
    coordinator=False,
)
class MatchIntroductionRequestView(_MatchAction):
    def run(self, request, match, values):
        return services.match_introduction_request(
            actor=request.user, match=match, note=values["note"]
        )


class InterestView(APIView):
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "matches"

    @extend_schema(
        summary="Express a vendor's interest in a published demand its offering fits",
        request=InterestInSerializer,
        responses={201: MatchOutSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = InterestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        demand = selectors.demand_for_matches(request.user, pk)
        offering = Offering.objects.filter(pk=data.validated_data["offering"]).first()
        if demand is None or offering is None:
            raise NotFound.default()
        match = services.interest_express(
            actor=request.user,
            demand=demand,
            offering=offering,
            note=data.validated_data["note"],
        )
        return Response(
            MatchOutSerializer(match, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class MismatchFilter(django_filters.FilterSet):
    demand = django_filters.NumberFilter(field_name="demand_id")
    offering = django_filters.NumberFilter(field_name="offering_id")
    code = django_filters.CharFilter()
    subject_type = django_filters.ChoiceFilter(choices=MismatchFlag.Subject.choices)
    severity = django_filters.ChoiceFilter(choices=MismatchFlag.Severity.choices)
    sector = django_filters.CharFilter()
    technology = django_filters.CharFilter()
    province = django_filters.CharFilter()
    open = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull")

    class Meta:
        model = MismatchFlag
        fields: list[str] = []


@extend_schema(summary="Mismatch flags (coordinators: all; others: their demands and offerings)")
class MismatchListView(generics.ListAPIView):
    serializer_class = MismatchOutSerializer
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "mismatches"
    filterset_class = MismatchFilter

    def get_queryset(self):
        return selectors.mismatch_queryset(self.request.user)


# Days of the whole market's trend in the summary (one snapshot a day).


class MismatchSummaryView(APIView):
    permission_classes = [IsAuthenticated, IsCoordinator, HasScope]
    scope_family = "mismatches"

    @extend_schema(
        summary="The mismatch radar: the latest day's cells and roll-ups, the daily trend and "
        "open flag counts",
        description="Measures as on the coordinators' dashboard and in its Excel export, from "
        "the same stored daily snapshot (see the field descriptions for their definitions).",
        responses=SummaryOutSerializer,
    )
    def get(self, request: Request) -> Response:
        radar = selectors.radar_latest()
        data = {
            "day": radar.day,
            "snapshot_taken_at": radar.taken_at,
            "total": radar.total,
            "heatmap": radar.heatmap,
            "provinces": radar.provinces,
            "cells": radar.cells,
            "trend": selectors.radar_trend(),
            "open_flags": selectors.mismatch_open_flag_counts(),
        }
        return Response(SummaryOutSerializer(data).data)
