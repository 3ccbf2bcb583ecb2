"""Webhook and API-key serializers: small input and output shapes; secrets only on creation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import APIKey

from ..models import EventType, WebhookAttempt, WebhookDelivery, WebhookSubscription

# A delivery shows its latest attempts (a full schedule is 9; replays add more).
ATTEMPTS_SHOWN = 20


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorOutSerializer(serializers.Serializer):
    """The API's one error shape (documented here for the schema)."""

    error = ErrorDetailSerializer()


class WebhookSubscriptionOutSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "event_types",
            "is_active",
            "consecutive_failures",
            "failing_since",
            "last_success_at",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionOutSerializer):
    secret = serializers.CharField(
        help_text=_("签名密钥（whsec_…），仅在创建时返回一次，请妥善保存。")
    )

    class Meta(WebhookSubscriptionOutSerializer.Meta):
        fields = [*WebhookSubscriptionOutSerializer.Meta.fields, "secret"]


class WebhookSubscriptionInSerializer(serializers.Serializer):
    organization = serializers.IntegerField(
        required=False, help_text=_("代表哪个组织；只属于一个组织时可省略。")
    )
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.choices),
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebhookSubscriptionPatchSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.choices),
        required=False,
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class RotateSecretInSerializer(serializers.Serializer):
    keep_previous_hours = serializers.IntegerField(
        min_value=0,
        max_value=168,
        default=24,
        help_text=_("旧密钥继续参与签名的小时数（0–168），便于接收方平滑切换。"),
    )


class RotateSecretOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    secret = serializers.CharField()
    previous_secret_expires_at = serializers.DateTimeField(allow_null=True)


class WebhookAttemptOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "attempted_at",
            "succeeded",
            "status_code",
            "duration_ms",
            "response_excerpt",
            "error",
            "is_replay",
        ]


class WebhookDeliveryOutSerializer(serializers.ModelSerializer):
    subscription = serializers.IntegerField(source="subscription_id")
    message_id = serializers.CharField(source="event.message_id")
    event_type = serializers.ChoiceField(source="event.event_type", choices=EventType.choices)
    payload = serializers.JSONField(source="event.payload")
    attempts = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "message_id",
            "event_type",
            "payload",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "succeeded_at",
            "created_at",
            "attempts",
        ]

    @extend_schema_field(WebhookAttemptOutSerializer(many=True))
    def get_attempts(self, delivery: WebhookDelivery) -> list[dict]:
        # Prefetched newest first; older attempts stay in the admin.
        latest = list(delivery.attempts.all())[:ATTEMPTS_SHOWN]
        return WebhookAttemptOutSerializer(latest, many=True).data


class APIKeyOutSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id")
    scopes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = APIKey
        fields = [
            "prefix",
            "name",
            "organization",
            "scopes",
            "created",
            "expiry_date",
            "last_used_at",
            "revoked",
        ]


class APIKeyCreatedSerializer(APIKeyOutSerializer):
    key = serializers.CharField(
        help_text=_("完整密钥，仅此一次返回；请求时使用 `Authorization: Api-Key <key>`。")
    )

    class Meta(APIKeyOutSerializer.Meta):
        fields = [*APIKeyOutSerializer.Meta.fields, "key"]


class APIKeyInSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=50)
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=40), min_length=1, max_length=30
    )
    expiry_date = serializers.DateTimeField(required=False, allow_null=True)
