"""API request guards that must answer in the API's error shape before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from apps.core.api.errors import error_body

# Uploads (catalogue imports) may be larger than JSON bodies; both are capped before reading.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024


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
