"""Per-principal throttling: one bucket per API key, per user, or per client address.

Each bucket is a sliding log in Redis (a sorted set of request times) checked and appended
by one Lua script, so concurrent requests cannot both read "599" and both pass: DRF's
read-modify-write through the cache let four clients get 683 requests through a 600/min
limit. When Redis cannot be reached the throttle falls back to the same log kept in this
process (so a principal gets at most the rate per web process, never unlimited, never a
500), and tries Redis again after REDIS_RETRY_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict, deque

import redis
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from apps.core.network import client_ip

logger = logging.getLogger(__name__)

# Takes the bucket's key and (window seconds, limit, unique member); answers {1, 0} when the
# request is admitted, else {0, seconds until the oldest entry leaves the window}. Time is
# Redis's own, so web servers with skewed clocks share one window.
_SLIDING_LOG = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(window))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + window - now)}
"""

# After a failure, requests use the local log for this long before Redis is tried again:
# an outage costs one failed connection attempt per interval, not one per request.
REDIS_RETRY_SECONDS = 5.0
# Buckets the local fallback keeps (least recently used dropped first): bounded memory
# even when a flood of addresses arrives during an outage.
LOCAL_MAX_BUCKETS = 10_000


class _RedisLog:
    """The shared sliding log; raises redis.RedisError when Redis cannot answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._url: str | None = None
        self._script = None
        self.retry_at = 0.0

    def _bound_script(self):
        url = settings.THROTTLE_REDIS_URL
        with self._lock:
            if self._script is None or url != self._url:
                client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
                self._script = client.register_script(_SLIDING_LOG)
                self._url = url
            return self._script

    def hit(self, key: str, limit: int, window: float) -> tuple[bool, float]:
        admitted, wait = self._bound_script()(keys=[key], args=[window, limit, uuid.uuid4().hex])
        return bool(admitted), float(wait)


class _LocalLog:
    """The same sliding log in this process's memory, for when Redis is down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str, limit: int, window: float) -> tuple[bool, float]:
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.pop(key, None) or deque()
            self._buckets[key] = bucket
            if len(self._buckets) > LOCAL_MAX_BUCKETS:
                self._buckets.popitem(last=False)
            while bucket and bucket[0] <= now - window:
                bucket.popleft()
            if len(bucket) < limit:
                bucket.append(now)
                return True, 0.0
            return False, bucket[0] + window - now


_shared = _RedisLog()
_local = _LocalLog()


def rate_limit_hit(key: str, *, limit: int, window: float) -> tuple[bool, float]:
    """Count one request against `key`: (admitted, seconds to wait when refused)."""
    if time.monotonic() >= _shared.retry_at:
        try:
            return _shared.hit(key, limit, window)
        except redis.RedisError as exc:
            _shared.retry_at = time.monotonic() + REDIS_RETRY_SECONDS
            logger.warning(
                "throttle: Redis unavailable (%s); counting in this process for %.0f s",
                exc.__class__.__name__,
                REDIS_RETRY_SECONDS,
            )
    return _local.hit(key, limit, window)


class PrincipalRateThrottle(SimpleRateThrottle):
    scope = "principal"
    cache_format = "iotmatch:throttle:%(scope)s:%(ident)s"

    def get_ident(self, request) -> str:
        return client_ip(request)

    def get_cache_key(self, request, view) -> str:
        api_key = getattr(request, "auth", None)
        if api_key is not None and getattr(api_key, "prefix", None):
            ident = f"key:{api_key.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        admitted, self._wait = rate_limit_hit(key, limit=self.num_requests, window=self.duration)
        return admitted

    def wait(self) -> float:
        return self._wait
