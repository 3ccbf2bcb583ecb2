"""Import endpoints: upload a catalogue file as a job, follow it, download the template/export."""

from __future__ import annotations

import json
from dataclasses import asdict

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.acting import acting_organization
from apps.core.api.permissions import HasScope
from apps.core.exceptions import BusinessError
from apps.integrations.api.serializers import ErrorOutSerializer

from .. import selectors, services
from ..reading import MAX_FILE_BYTES, file_check_size
from .serializers import (
    ImportJobDetailSerializer,
    ImportJobOutSerializer,
    ImportSubmitOutSerializer,
    ImportUploadSerializer,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Room for the multipart envelope and the other form fields around the file itself.
_MULTIPART_OVERHEAD = 64 * 1024


class XlsxRenderer(renderers.BaseRenderer):
    """Lets clients ask for xlsx; downloads are returned as ready bytes, errors as JSON."""

    media_type = XLSX
    format = "xlsx"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorOutSerializer, description=description)


COMMON_ERRORS = {
    401: _error("未认证（缺少或无效的 API 密钥 / 会话）"),
    403: _error("无权执行（API 密钥缺少 imports 权限范围，或不是该组织成员）"),
    429: _error("请求过于频繁（见 Retry-After）"),
}
ORGANIZATION_PARAM = OpenApiParameter(
    "organization",
    int,
    description="代表哪个组织；只属于一个组织时可省略",
    required=False,
)
JOB_EXAMPLE = OpenApiExample(
    "已受理（排队中）",
    value={
        "id": 42,
        "organization": 3,
        "created_by": "vendor-owner",
        "filename": "offerings.xlsx",
        "size": 18234,
        "dry_run": True,
        "status": "queued",
        "status_display": "排队中",
        "total_rows": 0,
        "error_rows": 0,
        "created_count": 0,
        "updated_count": 0,
        "error_code": "",
        "error_message": "",
        "created_at": "2026-11-25T08:00:00Z",
        "started_at": None,
        "finished_at": None,
        "report": None,
    },
    response_only=True,
    status_codes=["202"],
)
FAILED_EXAMPLE = OpenApiExample(
    "有错误的行（未导入任何数据）",
    value={
        "id": 42,
        "organization": 3,
        "created_by": "vendor-owner",
        "filename": "offerings.xlsx",
        "size": 18234,
        "dry_run": False,
        "status": "failed",
        "status_display": "失败",
        "total_rows": 2,
        "error_rows": 1,
        "created_count": 2,
        "updated_count": 0,
        "error_code": "row_errors",
        "error_message": "1 行有错误，未导入任何数据。",
        "created_at": "2026-11-25T08:00:00Z",
        "started_at": "2026-11-25T08:00:01Z",
        "finished_at": "2026-11-25T08:00:02Z",
        "report": {
            "filename": "offerings.xlsx",
            "format": "xlsx",
            "dry_run": False,
            "committed": False,
            "total_rows": 2,
            "creates": 2,
            "updates": 0,
            "error_rows": 1,
            "ignored_columns": [],
            "errors": [
                {
                    "row": 3,
                    "field": "price_min",
                    "column": "单价下限（元） (price_min)",
                    "message": "单价下限不能高于上限。",
                    "value": "50",
                }
            ],
            "rows": [
                {"row": 2, "action": "create", "offering_id": None, "name": "BC260Y", "ok": True},
                {"row": 3, "action": "create", "offering_id": None, "name": "L610", "ok": False},
            ],
        },
    },
    response_only=True,
    status_codes=["200"],
)


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List import jobs of your organisations (coordinators: all)",
        parameters=[ORGANIZATION_PARAM],
        responses={200: ImportJobOutSerializer(many=True), **COMMON_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One import job with its per-row report",
        responses={
            200: ImportJobDetailSerializer,
            404: _error("任务不存在或不属于您的组织"),
            **COMMON_ERRORS,
        },
        examples=[FAILED_EXAMPLE],
    ),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Excel/CSV catalogue imports. An upload becomes a job that a worker processes; the job
    reports every row. Imports are all or nothing; `dry_run` only checks."""

    permission_classes = [IsAuthenticated, HasScope]
    scope_family = "imports"
    extra_query_params = ("organization",)  # read by get_queryset
    parser_classes = [MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        queryset = selectors.import_job_queryset(self.request.user)
        organization = self.request.query_params.get("organization")
        if organization and organization.isdigit():
            queryset = queryset.filter(organization_id=int(organization))
        return queryset.defer("report") if self.action == "list" else queryset

    def get_serializer_class(self):
        return ImportJobOutSerializer if self.action == "list" else ImportJobDetailSerializer

    @extend_schema(
        summary="Upload an xlsx/csv catalogue to import (processed by a worker)",
        description=(
            "multipart/form-data：`file`（xlsx 或 csv，最大 5 MB、5000 行），`dry_run`（仅预检），"
            "`organization`（可选）。无法读取的文件立即返回 400（如 invalid_xlsx、invalid_csv、"
            "missing_columns、too_many_rows），过大返回 413；逐行校验由后台任务完成，"
            "结果见 GET /api/v1/imports/{id}。"
        ),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            202: ImportJobDetailSerializer,
            400: _error("文件无法读取或表头不对（code 说明原因）"),
            413: _error("文件过大"),
            **COMMON_ERRORS,
        },
        examples=[JOB_EXAMPLE],
    )
    def create(self, request: Request) -> Response:
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > MAX_FILE_BYTES + _MULTIPART_OVERHEAD:
            # Refuse before Django spools an oversized body to disk.
            file_check_size(int(declared) - _MULTIPART_OVERHEAD)
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        file_check_size(upload.size)
        organization = acting_organization(request.user, data.validated_data.get("organization"))
        job = services.import_job_create(
            actor=request.user,
            organization=organization,
            filename=upload.name or "upload",
            content=upload.read(MAX_FILE_BYTES + 1),
            dry_run=data.validated_data["dry_run"],
        )
        return Response(
            ImportJobDetailSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/imports/{job.pk}"},
        )

    @extend_schema(
        summary="Submit every offering a finished import wrote for review",
        description=(
            "导入成功后一次提交该任务写入的全部供给审核（逐条经供给提交服务）；"
            "已在审核中、已发布或已下架的供给不提交并说明原因。"
        ),
        request=None,
        responses={
            200: ImportSubmitOutSerializer,
            409: _error("任务没有写入任何供给（失败、仅预检或未完成）"),
            **COMMON_ERRORS,
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        results = services.import_job_submit(actor=request.user, job=job)
        return Response(
            ImportSubmitOutSerializer(
                {"results": [{"row": row, **asdict(result)} for row, result in results]}
            ).data
        )

    @extend_schema(
        summary="Download the xlsx import template (with instructions and allowed codes)",
        responses={(200, XLSX): OpenApiTypes.BINARY, **COMMON_ERRORS},
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, XlsxRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def template(self, request: Request) -> HttpResponse:
        return _xlsx_response(
            services.import_template_workbook(), "iotmatch-offerings-template.xlsx"
        )

    @extend_schema(
        summary="Download your organisation's offerings as xlsx (re-importable)",
        parameters=[ORGANIZATION_PARAM],
        responses={(200, XLSX): OpenApiTypes.BINARY, **COMMON_ERRORS},
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, XlsxRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def export(self, request: Request) -> HttpResponse:
        raw = request.query_params.get("organization") or None
        if raw is not None and not raw.isdigit():
            raise BusinessError(
                "invalid", _("组织编号无效。"), fields={"organization": [_("请填写合法的整数。")]}
            )
        organization = acting_organization(request.user, int(raw) if raw else None)
        stamp = timezone.localdate().strftime("%Y%m%d")
        return _xlsx_response(
            services.offerings_export(organization=organization),
            f"iotmatch-offerings-{stamp}.xlsx",
        )
