"""Admin for operators: subscriptions (without secrets), the delivery log, idempotency records."""

from django.contrib import admin

from .models import IdempotencyRecord, WebhookAttempt, WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organization__name"]
    raw_id_fields = ["organization", "created_by"]
    readonly_fields = [
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "disabled_at",
        "disabled_reason",
        "previous_secret_expires_at",
    ]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "attempted_at",
        "succeeded",
        "status_code",
        "duration_ms",
        "error",
        "response_excerpt",
        "is_replay",
    ]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "subscription", "status", "attempt_count", "next_attempt_at"]
    list_filter = ["status", "event__event_type"]
    raw_id_fields = ["event", "subscription"]
    readonly_fields = ["attempt_count", "last_attempt_at", "last_status_code", "last_error"]
    inlines = [WebhookAttemptInline]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["principal", "key", "response_status", "created_at", "expires_at"]
    search_fields = ["principal", "key"]
    readonly_fields = ["fingerprint", "response_body"]
