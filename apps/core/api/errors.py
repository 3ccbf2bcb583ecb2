"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps.core.exceptions import BusinessError

# DRF's default codes, renamed where ours read better for partners.
_CODE_ALIASES = {"parse_error": "malformed_request"}


def error_body(code: str, message: Any, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {"field": [...], "regions.8": [...], "attributes.chipset": [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def exception_handler(exc: Exception, context: dict) -> HttpResponse | None:
    from apps.core.outages import outage_response  # it builds its body with error_body

    outage = outage_response(context["request"], exc)
    if outage is not None:
        set_rollback()
        return outage
    if isinstance(exc, BusinessError):
        return Response(
            error_body(
                exc.code, exc.message, {k: [str(m) for m in v] for k, v in exc.fields.items()}
            ),
            status=exc.status,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", _("请求体过大。")), status=413)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = _("输入数据无效。") if fields else " ".join(exc.messages)
        return Response(
            error_body("invalid", message, {k: [str(m) for m in v] for k, v in fields.items()}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = _flatten(detail) if isinstance(detail, dict) else {}
        non_field = fields.pop("non_field_errors", None) if fields else None
        if isinstance(detail, list):
            message = " ".join(str(item) for item in detail)
        elif non_field:
            message = " ".join(non_field)
        else:
            message = _("输入数据无效，请检查标出的字段。")
        code = _first_code(exc.get_codes())
        response.data = error_body(code, message, fields)
        return response
    if isinstance(exc, exceptions.APIException):
        code = exc.default_code if not isinstance(exc.get_codes(), str) else exc.get_codes()
        code = _CODE_ALIASES.get(code, code)
        response.data = error_body(
            code, exc.detail if isinstance(exc.detail, str) else exc.default_detail
        )
    return response


def _first_code(codes: Any) -> str:
    """The machine code of a validation failure: `invalid` unless every field agrees."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            found.add(str(value))

    walk(codes)
    return found.pop() if len(found) == 1 else "invalid"
