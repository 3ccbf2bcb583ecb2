"""A dependency outage (PostgreSQL, Redis, the broker) answers 503 with `Retry-After`.

The API gets `{"error": {"code": "database_unavailable" | "cache_unavailable" |
"broker_unavailable", ...}}`, pages a plain translated 503 page. Nothing here keeps state:
the next request after the dependency is back succeeds (Django drops a broken database
connection at the end of the request that found it broken, redis-py reconnects per command).
"""

from __future__ import annotations

import logging

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError

from apps.core.api.errors import error_body

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying: long enough for a restart or a failover of
# PostgreSQL or Redis on one machine, short enough that a retry loop notices the recovery.
RETRY_AFTER_SECONDS = 5


def outage_code(exc: BaseException) -> str | None:
    """The machine code for an exception meaning a dependency is unreachable, else None."""
    if isinstance(exc, OperationalError | InterfaceError):
        return "database_unavailable"
    if isinstance(exc, BrokerOperationalError):
        return "broker_unavailable"
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return "cache_unavailable"
    return None


def _message(code: str) -> str:
    return {
        "database_unavailable": _("数据库暂时不可用，请稍后重试。"),
        "broker_unavailable": _("后台任务队列暂时不可用，请稍后重试。"),
        "cache_unavailable": _("缓存服务暂时不可用，请稍后重试。"),
    }[code]


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The 503 for `exc` if it is a dependency outage, else None (the caller re-raises)."""
    code = outage_code(exc)
    if code is None:
        return None
    logger.warning("%s on %s %s: %s", code, request.method, request.path, exc.__class__.__name__)
    if is_api_request(request):
        response: HttpResponse = JsonResponse(error_body(code, _message(code)), status=503)
    else:
        response = HttpResponse(
            render_to_string("core/unavailable.html", {"message": _message(code)}),
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
