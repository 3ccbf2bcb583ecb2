"""Request guards that answer before any view runs, and the outage answer for views."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from apps.core import views
from apps.core.api.errors import error_body
from apps.core.outages import is_api_request, outage_response

# Uploads (catalogue imports) may be larger than JSON bodies; both are capped before reading.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024

# C0 controls and DEL: no query parameter or path of this site carries them, and PostgreSQL
# refuses NUL in text (which made `?parent=%00` a 500).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class HealthCheckMiddleware:
    """Answers /healthz and /readyz first of all middleware: before the host check and the
    HTTPS redirect, so probes by address and over plain HTTP inside the network work."""

    PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


class DependencyOutageMiddleware:
    """A view that fails because PostgreSQL, Redis or the broker is down answers 503 with
    Retry-After (JSON under /api/, a page elsewhere) instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return outage_response(request, exception)


class ControlCharacterMiddleware:
    """Refuse a path or query parameter (name or value) holding a control character: 400,
    in the error shape under /api/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = sorted(
            {
                name
                for name, values in request.GET.lists()
                if _CONTROL_CHARACTERS.search(name)
                or any(_CONTROL_CHARACTERS.search(value) for value in values)
            }
        )
        if bad or _CONTROL_CHARACTERS.search(request.path_info):
            message = _("请求中含有不允许的控制字符。")
            if not is_api_request(request):
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
            field_message = _("不允许含有控制字符。")
            fields = {_CONTROL_CHARACTERS.sub("?", name): [field_message] for name in bad}
            return JsonResponse(error_body("invalid_characters", message, fields), status=400)
        return self.get_response(request)


class APIBodySizeLimitMiddleware:
    """Refuse oversize API bodies with a 413 in the error shape, by their Content-Length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            multipart = request.content_type == "multipart/form-data"
            limit = UPLOAD_MAX_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if length > limit:
                return JsonResponse(
                    error_body(
                        "request_too_large",
                        _("请求体过大（上限 %(mb).1f MB）。") % {"mb": limit / 1024 / 1024},
                    ),
                    status=413,
                )
        return self.get_response(request)
