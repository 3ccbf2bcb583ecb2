"""Webhook subscription, delivery-log and API-key endpoints; each object only for its own org."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import services as account_services
from apps.accounts.models import APIKey
from apps.core.api.acting import acting_organization
from apps.core.api.permissions import HasScope, is_api_key
from apps.core.exceptions import BusinessError, PermissionDenied

from .. import selectors, services
from ..models import WebhookDelivery, WebhookSubscription
from .serializers import (
    APIKeyCreatedSerializer,
    APIKeyInSerializer,
    APIKeyOutSerializer,
    ErrorOutSerializer,
    RotateSecretInSerializer,
    RotateSecretOutSerializer,
    WebhookDeliveryOutSerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionInSerializer,
    WebhookSubscriptionOutSerializer,
    WebhookSubscriptionPatchSerializer,
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorOutSerializer, description=description)


COMMON_ERRORS = {
    401: _error("未认证（缺少或无效的 API 密钥 / 会话）"),
    403: _error("无权执行（API 密钥缺少权限范围，或不是组织管理员）"),
    404: _error("对象不存在或不属于您的组织"),
    429: _error("请求过于频繁（见 Retry-After）"),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    400: _error("输入无效（fields 标出具体字段）"),
    409: _error("冲突，或同一 Idempotency-Key 的请求仍在处理中"),
    422: _error("Idempotency-Key 已用于不同的请求"),
}


def _require_owner(principal, organization_id: int) -> None:
    if organization_id not in getattr(principal, "owned_organization_ids", frozenset()):
        raise PermissionDenied("owner_required", _("只有组织管理员可以执行此操作。"))


class IsPerson(BasePermission):
    """Signed-in people only: an API key cannot manage API keys (no self-escalation)."""

    message = _("API 密钥只能由组织管理员登录后管理。")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and not is_api_key(request.user))


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []


SUBSCRIPTION_EXAMPLE = OpenApiExample(
    "订阅匹配事件",
    value={
        "url": "https://erp.example.com/iotmatch/webhooks",
        "event_types": ["match.suggested", "match.introduced"],
        "description": "ERP 同步",
    },
    request_only=True,
)
CREATED_EXAMPLE = OpenApiExample(
    "创建成功（密钥仅返回这一次）",
    value={
        "id": 7,
        "organization": 3,
        "url": "https://erp.example.com/iotmatch/webhooks",
        "description": "ERP 同步",
        "event_types": ["match.introduced", "match.suggested"],
        "is_active": True,
        "consecutive_failures": 0,
        "failing_since": None,
        "last_success_at": None,
        "disabled_at": None,
        "disabled_reason": "",
        "previous_secret_expires_at": None,
        "created_at": "2026-11-25T08:00:00Z",
        "updated_at": "2026-11-25T08:00:00Z",
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    },
    response_only=True,
    status_codes=["201"],
)


@extend_schema_view(
    list=extend_schema(
        summary="List your organisations' webhook subscriptions",
        responses={200: WebhookSubscriptionOutSerializer(many=True), **COMMON_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One webhook subscription",
        responses={200: WebhookSubscriptionOutSerializer, **COMMON_ERRORS},
    ),
)
class WebhookSubscriptionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Webhook endpoints of the caller's organisations. Members read; owners and keys with
    `webhooks:write` change them. Another organisation's subscription is a 404."""

    serializer_class = WebhookSubscriptionOutSerializer
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "webhooks"

    def get_queryset(self):
        return selectors.webhook_subscription_queryset(self.request.user)

    @extend_schema(
        summary="Subscribe an endpoint to events",
        request=WebhookSubscriptionInSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer, **WRITE_ERRORS},
        examples=[SUBSCRIPTION_EXAMPLE, CREATED_EXAMPLE],
    )
    def create(self, request: Request) -> Response:
        data = WebhookSubscriptionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = acting_organization(request.user, values.pop("organization", None))
        _require_owner(request.user, organization.pk)
        subscription, secret = services.webhook_subscription_create(
            actor=request.user, organization=organization, **values
        )
        subscription.secret = secret  # transient: never stored in clear
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Change a subscription (URL, events, description, active)",
        description="Setting `is_active` to true re-enables an endpoint that was disabled "
        "after sustained failure and clears its failure record.",
        request=WebhookSubscriptionPatchSerializer,
        responses={200: WebhookSubscriptionOutSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        subscription = self._owned_object()
        data = WebhookSubscriptionPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_update(
            actor=request.user, subscription=subscription, **data.validated_data
        )
        return Response(WebhookSubscriptionOutSerializer(subscription).data)

    @extend_schema(
        summary="Delete a subscription and its delivery log",
        responses={204: None, **COMMON_ERRORS},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.webhook_subscription_delete(actor=request.user, subscription=self._owned_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the signing secret",
        description="Returns the new `whsec_` secret once. During `keep_previous_hours` each "
        "message carries signatures with both secrets (space-separated in webhook-signature).",
        request=RotateSecretInSerializer,
        responses={200: RotateSecretOutSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        subscription = self._owned_object()
        data = RotateSecretInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, secret = services.webhook_subscription_rotate_secret(
            actor=request.user,
            subscription=subscription,
            keep_previous_for=timedelta(hours=data.validated_data["keep_previous_hours"]),
        )
        return Response(
            {
                "id": subscription.pk,
                "secret": secret,
                "previous_secret_expires_at": subscription.previous_secret_expires_at,
            }
        )

    @extend_schema(
        summary="Delivery log of a subscription (newest first)",
        responses={200: WebhookDeliveryOutSerializer(many=True), **COMMON_ERRORS},
        parameters=[
            OpenApiParameter(
                "status", str, enum=WebhookDelivery.Status.values, description="按状态筛选"
            )
        ],
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        subscription = self.get_object()
        queryset = selectors.webhook_delivery_queryset(request.user).filter(
            subscription=subscription
        )
        queryset = DeliveryFilter(request.query_params, queryset=queryset).qs
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliveryOutSerializer(page, many=True).data)

    def _owned_object(self) -> WebhookSubscription:
        subscription = self.get_object()
        _require_owner(self.request.user, subscription.organization_id)
        return subscription


@extend_schema_view(
    retrieve=extend_schema(
        summary="One webhook delivery with its latest attempts",
        responses={200: WebhookDeliveryOutSerializer, **COMMON_ERRORS},
    ),
)
class WebhookDeliveryViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = WebhookDeliveryOutSerializer
    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "webhooks"

    def get_queryset(self):
        return selectors.webhook_delivery_queryset(self.request.user)

    @extend_schema(
        summary="Send a delivery again now",
        description="Restarts the backoff schedule; the message keeps its webhook-id.",
        request=None,
        responses={202: WebhookDeliveryOutSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        delivery = self.get_object()
        _require_owner(request.user, delivery.subscription.organization_id)
        services.webhook_delivery_replay(actor=request.user, delivery=delivery)
        delivery = self.get_queryset().get(pk=delivery.pk)
        return Response(
            WebhookDeliveryOutSerializer(delivery).data, status=status.HTTP_202_ACCEPTED
        )


@extend_schema_view(
    list=extend_schema(
        summary="API keys of the organisations you own (never their secrets)",
        responses={200: APIKeyOutSerializer(many=True), **COMMON_ERRORS},
    ),
)
class APIKeyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Organisation owners issue and revoke their keys; the key itself is shown once."""

    serializer_class = APIKeyOutSerializer
    permission_classes = [IsPerson]
    lookup_field = "prefix"
    lookup_value_regex = r"[A-Za-z0-9]{1,8}"

    def get_queryset(self):
        return selectors.api_key_queryset(self.request.user).order_by("-created")

    @extend_schema(
        summary="Issue an API key",
        request=APIKeyInSerializer,
        responses={201: APIKeyCreatedSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "同步供给目录的密钥",
                value={"name": "ERP 同步", "scopes": ["offerings:*", "webhooks:read"]},
                request_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        data = APIKeyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = acting_organization(request.user, values.pop("organization", None))
        _require_owner(request.user, organization.pk)
        expiry = values.get("expiry_date")
        if expiry is not None and expiry <= timezone.now():
            message = _("过期时间必须晚于当前时间。")
            raise BusinessError("invalid", message, fields={"expiry_date": [message]})
        key, secret = account_services.apikey_create(
            actor=request.user,
            name=values["name"],
            organization=organization,
            scopes=values["scopes"],
            expiry_date=expiry,
        )
        key.key = secret  # transient: only its hash is stored
        return Response(APIKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke an API key (irreversible)",
        request=None,
        responses={200: APIKeyOutSerializer, **COMMON_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, prefix: str) -> Response:
        key: APIKey = self.get_object()
        key = account_services.apikey_revoke(actor=request.user, key=key)
        return Response(APIKeyOutSerializer(key).data)
