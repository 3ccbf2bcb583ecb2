"""Import job serializers: the multipart upload and the job with its report."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import ImportJob


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # an empty file gets the service's own `empty_file` code
        help_text="xlsx（推荐，使用导入模板）或 csv（UTF-8 / GB18030）",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="为 true 时只校验并生成报告，不写入任何数据"
    )
    organization = serializers.IntegerField(
        required=False, help_text="代表哪个组织导入；只属于一个组织时可省略"
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="表格中的行号（表头为第 1 行）")
    field = serializers.CharField(help_text="列代码，如 price_min、attributes.chipset；空为整行")
    column = serializers.CharField()
    message = serializers.CharField()
    value = serializers.CharField(help_text="该单元格填写的内容（截取前 200 字）", default="")


class RowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["create", "update"])
    offering_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    ok = serializers.BooleanField()


class ImportReportSerializer(serializers.Serializer):
    filename = serializers.CharField()
    format = serializers.ChoiceField(choices=["xlsx", "csv"])
    dry_run = serializers.BooleanField()
    committed = serializers.BooleanField(help_text="是否已写入（预检或有错误时为 false）")
    total_rows = serializers.IntegerField()
    creates = serializers.IntegerField()
    updates = serializers.IntegerField()
    error_rows = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField())
    errors = RowErrorSerializer(many=True)
    rows = RowResultSerializer(many=True)


class ImportJobOutSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id")
    created_by = serializers.CharField(source="actor_label")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "organization",
            "created_by",
            "filename",
            "size",
            "dry_run",
            "status",
            "status_display",
            "total_rows",
            "error_rows",
            "created_count",
            "updated_count",
            "error_code",
            "error_message",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ImportJobDetailSerializer(ImportJobOutSerializer):
    report = serializers.SerializerMethodField(
        help_text="任务完成后的逐行报告；排队、处理中或文件无法读取时为 null"
    )

    class Meta(ImportJobOutSerializer.Meta):
        fields = [*ImportJobOutSerializer.Meta.fields, "report"]

    @extend_schema_field(ImportReportSerializer(allow_null=True))
    def get_report(self, job: ImportJob) -> dict | None:
        return job.report or None


class SubmitResultSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="表格中的行号")
    offering_id = serializers.IntegerField()
    name = serializers.CharField()
    submitted = serializers.BooleanField(help_text="是否已提交审核")
    message = serializers.CharField(help_text="结果说明（未提交时说明原因）")


class ImportSubmitOutSerializer(serializers.Serializer):
    results = SubmitResultSerializer(many=True)
