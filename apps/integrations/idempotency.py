"""`Idempotency-Key` on POSTs under /api/v1/: the first response is replayed for 24 hours.

Install `apps.integrations.idempotency.IdempotencyMiddleware` after Django's
AuthenticationMiddleware. For an authenticated caller (API key, else session user) sending
the header:
- the first request with a key reserves it and runs; its response is stored unless it is a
  server error (5xx) or a refusal that did not run the endpoint (401, 403, 429) — then the
  key is released and may be retried;
- a later request with the same key and the same method, path and body gets the stored
  response again, marked `Idempotent-Replayed: true`;
- the same key with a different path or body: 422 `idempotency_key_reused`;
- the same key while the first request is still running: 409
  `idempotency_request_in_progress` (a reservation older than IN_FLIGHT_TIMEOUT is taken
  over, so a crashed worker does not block the key for a day).
Records live in PostgreSQL (so they survive restarts and are shared by every web process);
`integrations.purge_idempotency_records` deletes expired ones.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.authentication import APIKeyAuthentication
from apps.core.api.errors import error_body

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_PREFIX = "/api/v1/"
TTL = timedelta(hours=24)
# Longer than any request may run (gunicorn's worker timeout is 30 s by default).
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)
MAX_KEY_LENGTH = 255
# Status codes of refusals that happen before the endpoint runs: retrying must stay possible.
_NOT_STORED = {401, 403, 429}
_REPLAYED_HEADERS = ("Location",)
_HASH_CHUNK = 64 * 1024


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
            return _error(
                400,
                "idempotency_key_invalid",
                _("Idempotency-Key 必须是 1 到 255 个可打印 ASCII 字符。"),
            )
        principal = _principal(request)
        if principal is None:
            # Anonymous callers have nothing to scope a key to; the endpoint decides.
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        record, outcome = _reserve(principal=principal, key=key, fingerprint=fingerprint)
        if outcome == "mismatch":
            return _error(
                422,
                "idempotency_key_reused",
                _("该 Idempotency-Key 已用于另一个请求（路径或请求体不同），请换一个新的键。"),
            )
        if outcome == "in_progress":
            response = _error(
                409,
                "idempotency_request_in_progress",
                _("使用该 Idempotency-Key 的请求仍在处理中，请稍后重试。"),
            )
            response["Retry-After"] = "1"
            return response
        if outcome == "replay":
            return _replay(record)
        try:
            response = self.get_response(request)
        except BaseException:
            _release(record)
            raise
        if (
            response.streaming
            or response.status_code >= 500
            or (response.status_code in _NOT_STORED)
        ):
            _release(record)
        else:
            _store(record, response)
        return response


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _principal(request: HttpRequest) -> str | None:
    """Who the key belongs to, resolved the way DRF will: an API key first, then the session."""
    try:
        authenticated = APIKeyAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    if authenticated is not None:
        return f"key:{authenticated[1].prefix}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode() + b"\n")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        digest.update(request.body)
        return digest.hexdigest()
    # Large uploads (catalogue imports) must not be held in memory nor trip Django's body size
    # check: hash while spooling to disk, then hand the spooled copy to the view as a fresh,
    # unread stream (both attributes are what HttpRequest.read() and the parsers consult).
    # Not a context manager: the view reads it after we return; it closes with the request.
    spool = tempfile.SpooledTemporaryFile(max_size=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    while chunk := request.read(_HASH_CHUNK):
        digest.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    request._stream = spool
    request._read_started = False
    return digest.hexdigest()


def _reserve(*, principal: str, key: str, fingerprint: str) -> tuple[IdempotencyRecord | None, str]:
    """Claim the key or say why not: `reserved`, `replay`, `mismatch` or `in_progress`."""
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    fingerprint=fingerprint,
                    locked_at=now,
                    expires_at=now + TTL,
                )
            return record, "reserved"
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if record is None:
            continue  # released or purged in between: try to claim it again
        if record.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=record.pk, expires_at__lte=now).delete()
            continue
        if record.fingerprint != fingerprint:
            return record, "mismatch"
        if record.response_status is not None:
            return record, "replay"
        if record.locked_at < now - IN_FLIGHT_TIMEOUT:
            taken = IdempotencyRecord.objects.filter(
                pk=record.pk, response_status__isnull=True, locked_at=record.locked_at
            ).update(locked_at=now)
            if taken:
                record.locked_at = now
                return record, "reserved"
        return record, "in_progress"
    return None, "in_progress"


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(
        pk=record.pk, locked_at=record.locked_at, response_status__isnull=True
    ).delete()


def _store(record: IdempotencyRecord, response: HttpResponse) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, locked_at=record.locked_at).update(
        response_status=response.status_code,
        response_content_type=response.get("Content-Type", ""),
        response_headers={name: response[name] for name in _REPLAYED_HEADERS if name in response},
        response_body=response.content,
    )


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body),
        status=record.response_status,
        content_type=record.response_content_type or None,
    )
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response
