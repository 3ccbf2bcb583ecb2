"""Who is calling: the client address, believing `X-Forwarded-For` only from trusted proxies.

settings.TRUSTED_PROXIES lists the addresses or networks of the reverse proxies in front of
the web processes (empty by default: the header is ignored). A request from a trusted proxy
is attributed to the nearest address in its `X-Forwarded-For` that is not itself a trusted
proxy (read right to left, as each proxy appends the peer it saw); anything further left was
written by the client and proves nothing. Throttling and login lockout both count by this.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address a request is attributed to (see the module docstring)."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if _is_trusted(hop, networks):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:  # a trusted proxy passed on garbage: count it as the proxy's
            return remote
    return remote
