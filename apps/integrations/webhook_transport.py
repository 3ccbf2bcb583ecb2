"""One HTTP POST to a partner endpoint, guarded against redirects and internal targets.

Private, loopback and link-local targets are refused unless `WEBHOOKS_ALLOW_PRIVATE_TARGETS`
(default: DEBUG) allows them. The check runs on the address actually connected to, so a host
name that resolves to a public address when the subscription is saved and to an internal one
later (DNS rebinding) is still refused. Environment proxies are not used.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

# A partner endpoint should acknowledge quickly and work asynchronously; 10 s per socket
# operation bounds one delivery batch of 50 to a few minutes in the worst case.
TIMEOUT_SECONDS = 10
# Only the beginning of the answer is kept for the delivery log.
RESPONSE_EXCERPT_BYTES = 2048
MAX_REDIRECTS = 3
USER_AGENT = "IoTMatch-Webhooks/1.0"


class TargetRefused(Exception):
    """The URL's scheme or address is not allowed as a webhook target."""


@dataclass(frozen=True)
class TransportResult:
    status_code: int | None
    response_excerpt: str
    duration_ms: int
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def private_targets_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", settings.DEBUG))


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str, *, allow_private: bool) -> None:
    """Raise TargetRefused for a non-http(s) URL or, unless allowed, an internal host.

    A host name that does not resolve (yet) passes: delivery logs the failure later.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("only http and https URLs are accepted")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not accepted")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    if any(not address_is_public(info[4][0]) for info in infos):
        raise TargetRefused("the host resolves to a private or loopback address")


def _guarded_connection(
    parts, *, timeout: float, allow_private: bool
) -> http.client.HTTPConnection:
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)

    def create_connection(address, timeout=None, source_address=None):
        sock = socket.create_connection(address, timeout, source_address)
        if not allow_private and not address_is_public(sock.getpeername()[0]):
            sock.close()
            raise TargetRefused("the host resolves to a private or loopback address")
        return sock

    connection._create_connection = create_connection
    return connection


def webhook_post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float = TIMEOUT_SECONDS,
    allow_private: bool | None = None,
) -> TransportResult:
    """POST `body` to `url`; never raises for network trouble, it is reported in `error`.

    Follows at most MAX_REDIRECTS 307/308 redirects, and only to the same scheme, host and
    port; any other redirect is reported as a failure.
    """
    allow_private = private_targets_allowed() if allow_private is None else allow_private
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    started = time.monotonic()
    origin = urlsplit(url)
    current = url
    status_code: int | None = None
    excerpt = ""
    error = ""
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise TargetRefused("only http and https URLs are accepted")
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            connection = _guarded_connection(parts, timeout=timeout, allow_private=allow_private)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                status_code = response.status
                excerpt = response.read(RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
                location = response.getheader("Location")
            finally:
                connection.close()
            if status_code not in (307, 308) or not location:
                break
            target = urlsplit(urljoin(current, location))
            if (target.scheme, target.hostname, target.port) != (
                origin.scheme,
                origin.hostname,
                origin.port,
            ):
                error = "redirect to another host not followed"
                break
            current = target.geturl()
        else:
            error = "too many redirects"
        if status_code is not None and 300 <= status_code < 400 and not error:
            error = "redirect not followed"
    except TargetRefused as exc:
        error = f"refused: {exc}"
    except TimeoutError:
        error = "timeout"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    return TransportResult(
        status_code=status_code,
        response_excerpt=excerpt,
        duration_ms=int((time.monotonic() - started) * 1000),
        error=error,
    )
