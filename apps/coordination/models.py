"""The audit log: one row for every review, introduction, status change and key issuance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作方"), max_length=120, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("相关组织"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=60, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=40)
    subject_id = models.CharField(_("对象ID"), max_length=150)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}#{self.subject_id}"
