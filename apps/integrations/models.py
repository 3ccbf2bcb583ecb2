"""Webhook subscriptions, the webhook outbox with its delivery log, and idempotency records."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    MATCH_SUGGESTED = "match.suggested", _("推荐匹配已生成")
    MATCH_INTRODUCED = "match.introduced", _("已对接引荐")
    MATCH_STATUS_CHANGED = "match.status_changed", _("匹配状态变更")
    DEMAND_PUBLISHED = "demand.published", _("需求已发布")
    OFFERING_PUBLISHED = "offering.published", _("供给已发布")
    MISMATCH_RAISED = "mismatch.raised", _("供需错配预警")


class WebhookSubscription(models.Model):
    """An organisation's endpoint and the event types it wants.

    The signing secret is stored encrypted (see `webhook_secrets`); during a rotation the
    previous secret keeps signing alongside the new one until `previous_secret_expires_at`.
    """

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("组织"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("接收地址"), max_length=500)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    event_types = ArrayField(
        models.CharField(max_length=40, choices=EventType.choices),
        verbose_name=_("订阅的事件"),
    )
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(editable=False, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    failing_since = models.DateTimeField(_("持续失败起始时间"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("最近成功投递"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("自动停用时间"), null=True, blank=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        indexes = [
            models.Index(fields=["organization", "is_active"]),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """One thing that happened, written in the transaction of the change (the outbox)."""

    message_id = models.CharField(_("消息 ID"), max_length=40, unique=True)
    event_type = models.CharField(_("事件类型"), max_length=40, choices=EventType.choices)
    payload = models.JSONField(_("内容"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Webhook 事件")
        verbose_name_plural = _("Webhook 事件")

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class WebhookDelivery(models.Model):
    """An event on its way to one subscription; attempts are logged in WebhookAttempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        SUCCEEDED = "succeeded", _("已送达")
        FAILED = "failed", _("投递失败")

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempt_count = models.PositiveIntegerField(_("已尝试次数"), default=0)
    # Attempts since the last manual replay: the backoff schedule restarts on replay.
    schedule_position = models.PositiveIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("最近响应状态码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    succeeded_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="webhook_delivery_unique"
            )
        ]
        indexes = [
            # The worker's claim query: due pending deliveries, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["subscription", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt: the delivery log a partner reads when debugging their endpoint."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(_("尝试时间"))
    succeeded = models.BooleanField(_("成功"))
    status_code = models.PositiveIntegerField(_("响应状态码"), null=True, blank=True)
    response_excerpt = models.TextField(_("响应摘录"), blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"))
    is_replay = models.BooleanField(_("手动重放"), default=False)

    class Meta:
        verbose_name = _("Webhook 投递尝试")
        verbose_name_plural = _("Webhook 投递尝试")
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S} ({self.status_code})"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, kept for 24 hours.

    `response_status` is null while the first request is still being processed.
    """

    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    locked_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=200, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("幂等请求记录")
        verbose_name_plural = _("幂等请求记录")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
