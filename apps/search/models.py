"""The search outbox: rows written in the same transaction as the listing change they announce."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    class Entity(models.TextChoices):
        OFFERING = "offering", _("供给")
        DEMAND = "demand", _("需求")

    entity = models.CharField(_("对象类型"), max_length=12, choices=Entity.choices)
    entity_id = models.BigIntegerField(_("对象ID"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    available_at = models.DateTimeField(_("可处理时间"), auto_now_add=True, db_index=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("搜索同步事件")
        verbose_name_plural = _("搜索同步事件")
