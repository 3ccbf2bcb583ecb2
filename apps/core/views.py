"""Operational endpoints (liveness, readiness) and the API's catch-all and 500 views."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from kombu import Connection

from apps.core.api.errors import error_body
from apps.core.outages import is_api_request, outage_response

# A readiness probe must answer before the prober gives up (compose: 5 s).
BROKER_CHECK_TIMEOUT_SECONDS = 1.0


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: this process answers requests. Touches no dependency."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when PostgreSQL, the cache and the broker answer, else 503 naming each
    one's state ("ok" or "unavailable: <exception class>")."""
    checks = {
        "database": _check(_database_answers),
        "cache": _check(_cache_answers),
        "broker": _check(_broker_answers),
    }
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )
    if not ready:
        response["Retry-After"] = "5"
    return response


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # a probe reports failures instead of raising them
        return f"unavailable: {exc.__class__.__name__}"
    return "ok"


def _database_answers() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        # Drop the broken connection now, so the next probe reconnects instead of reusing it.
        connection.close_if_unusable_or_obsolete()
        raise


def _cache_answers() -> None:
    cache.set("readyz", "1", 5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache lost a value it just stored")


def _broker_answers() -> None:
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=BROKER_CHECK_TIMEOUT_SECONDS
    ) as broker:
        broker.ensure_connection(
            max_retries=1, interval_start=0, timeout=BROKER_CHECK_TIMEOUT_SECONDS
        )


def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any unmatched URL under /api/: a JSON 404 in the error shape (or the slash-appended URL,
    as Django's APPEND_SLASH would, when only the trailing slash is missing)."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse(error_body("not_found", _("未找到。")), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a dependency outage is a 503 (see apps.core.outages); any other failure
    is a 500, in the error shape under /api/."""
    exc = sys.exc_info()[1]
    if exc is not None:
        response = outage_response(request, exc)
        if response is not None:
            return response
    if is_api_request(request):
        return JsonResponse(error_body("server_error", _("服务器内部错误。")), status=500)
    return defaults.server_error(request)
