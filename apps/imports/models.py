"""Catalogue import jobs: an uploaded Excel/CSV file, processed by a worker, with its report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One upload of an organisation's offerings file and the outcome of importing it.

    The file is kept in the database (at most `MAX_FILE_BYTES`) so any worker can read it
    without shared storage; `report` is `ImportReport.as_dict()` once the job has run.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失败")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("组织"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "accounts.APIKey",
        verbose_name=_("API 密钥"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作者"), max_length=150, blank=True)
    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"))
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    dry_run = models.BooleanField(_("仅预检"), default=False)
    language = models.CharField(_("报告语言"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    error_rows = models.PositiveIntegerField(_("出错行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增条数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新条数"), default=0)
    error_code = models.CharField(_("错误代码"), max_length=50, blank=True)
    error_message = models.CharField(_("错误信息"), max_length=500, blank=True)
    report = models.JSONField(_("导入报告"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
