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


class TypicalCase(models.Model):
    """A won match published as a typical case (典型案例) for the public case library."""

    match = models.OneToOneField(
        "matching.Match", verbose_name=_("来源匹配"), on_delete=models.PROTECT, related_name="case"
    )
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("案例摘要"), max_length=4000)
    sector = models.ForeignKey(
        "catalog.Sector", verbose_name=_("行业"), on_delete=models.PROTECT, related_name="+"
    )
    technologies = models.JSONField(_("网络技术"), default=list, blank=True)
    volume = models.PositiveBigIntegerField(_("规模"), default=0)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def meta(self) -> str:
        """One line for listings: sector · technologies · scale · date."""
        parts = [self.sector.name, " / ".join(self.technologies)]
        if self.volume:
            parts.append(f"{self.volume:,}")
        parts.append(self.published_at.date().isoformat())
        return " · ".join(part for part in parts if part)
