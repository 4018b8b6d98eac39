"""Per-address rate limit for the public registration forms, counted in the Django cache.

A fixed window per address and scope: simple, one cache round trip or two per request,
and shared by every worker when the cache is Redis. Only POSTs count (reading a form or
a management page costs nothing worth limiting; the tokens are unguessable).

Settings:
- `REGISTRATION_RATE_LIMIT`: `(requests, seconds)`, default `(10, 60)`; `None` turns
  the limit off (the benchmark does, since all its clients share one address).
- `REGISTRATION_CLIENT_IP_HEADER`: the request.META key a trusted reverse proxy fills
  with the client's address (e.g. `"HTTP_X_FORWARDED_FOR"`); unset, REMOTE_ADDR is used.
"""

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_LIMIT = (10, 60)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends, when refused


def client_address(request: HttpRequest) -> str:
    """The client's address; an IPv6 client is counted by its /64 (one household)."""
    header = getattr(settings, "REGISTRATION_CLIENT_IP_HEADER", "")
    raw = ""
    if header:
        # The proxy appends what it saw: the last entry is the only one it vouches for.
        raw = request.META.get(header, "").split(",")[-1].strip()
    raw = raw or request.META.get("REMOTE_ADDR", "") or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def now() -> float:
    return time.time()


def limit_setting() -> tuple[int, int] | None:
    value = getattr(settings, "REGISTRATION_RATE_LIMIT", DEFAULT_LIMIT)
    if not value:
        return None
    requests, seconds = value
    return int(requests), int(seconds)


def hit(request: HttpRequest, *, scope: str = "registrations") -> Verdict:
    """Count one request from this address; refuse it once the window's quota is spent."""
    limit = limit_setting()
    if limit is None:
        return Verdict(allowed=True)
    requests, seconds = limit
    at = now()
    window = int(at // seconds)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        count = 1
    if count <= requests:
        return Verdict(allowed=True)
    retry_after = max(1, int((window + 1) * seconds - at + 0.999))
    return Verdict(allowed=False, retry_after=retry_after)
