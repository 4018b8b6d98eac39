"""Rate limits of the public forms, counted in the Django cache (the registration forms
use it today; `scope` keeps each form's counters apart, and any app may call `hit`).

Two counters per POST, each a fixed window (one cache round trip or two), shared by
every worker when the cache is Redis. Only POSTs count (reading a form or a management
page costs nothing worth limiting; the tokens are unguessable).

- **Per client address, generous**: a mobile carrier puts thousands of people behind
  one address (carrier-grade NAT), and they all come at the opening minute. The limit
  only stops one machine from taking the server for itself.
- **Per person, strict**: the email address typed in the registration form (kept in
  the cache as a hash), or the registration a management link opens. One person never
  needs more than a few attempts a minute.

Settings (docs/deployment.md, "Behind a reverse proxy"; figures in docs/registrations.md):
- `REGISTRATION_RATE_LIMIT`: `(requests, seconds)` per client address, default
  `(3000, 60)`; `None` turns both limits off (the benchmark does).
- `REGISTRATION_EMAIL_RATE_LIMIT`: `(requests, seconds)` per person, default `(5, 60)`.
- `REGISTRATION_CLIENT_IP_HEADER`: unset, the client is `REMOTE_ADDR`. Behind a reverse
  proxy (every client would share the proxy's address), the header the proxy writes:
  `"HTTP_X_FORWARDED_FOR"` (or `"X-Forwarded-For"`), `"HTTP_X_REAL_IP"`…
- `REGISTRATION_PROXY_COUNT`: how many proxies in front of the site append to that
  header (default 1). The client is the entry that many places from the right: entries
  further left were written by the client itself and prove nothing.
"""

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_LIMIT = (3000, 60)
DEFAULT_EMAIL_LIMIT = (5, 60)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends, when refused
    scope: str = ""  # "address" or "person": which limit refused


def header_key(name: str) -> str:
    """`X-Forwarded-For` or `HTTP_X_FORWARDED_FOR` → the request.META key."""
    key = name.strip().upper().replace("-", "_")
    return key if key.startswith("HTTP_") or not key else f"HTTP_{key}"


def _parse_address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    raw = raw.strip()
    if raw.startswith("[") and "]" in raw:  # [2001:db8::1]:443
        raw = raw[1 : raw.index("]")]
    elif raw.count(":") == 1:  # 192.0.2.1:443
        raw = raw.split(":")[0]
    try:
        return ipaddress.ip_address(raw)
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address; an IPv6 client is counted by its /64 (one household)."""
    header = getattr(settings, "REGISTRATION_CLIENT_IP_HEADER", "") or ""
    address = None
    if header:
        entries = [e for e in request.META.get(header_key(header), "").split(",") if e.strip()]
        if entries:
            hops = max(1, int(getattr(settings, "REGISTRATION_PROXY_COUNT", 1) or 1))
            address = _parse_address(entries[-min(hops, len(entries))])
    if address is None:
        raw = request.META.get("REMOTE_ADDR", "") or "unknown"
        address = _parse_address(raw)
        if address is None:
            return raw[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def person_key(value: str) -> str:
    """A person's email (or management token) as a cache key: hashed, never stored."""
    folded = value.strip().lower()[:320]
    return hashlib.sha256(folded.encode("utf-8", "replace")).hexdigest()[:32]


def now() -> float:
    return time.time()


def _setting(name: str, default: tuple[int, int]) -> tuple[int, int] | None:
    value = getattr(settings, name, default)
    if not value:
        return None
    requests, seconds = value
    return int(requests), int(seconds)


def limit_setting() -> tuple[int, int] | None:
    return _setting("REGISTRATION_RATE_LIMIT", DEFAULT_LIMIT)


def email_limit_setting() -> tuple[int, int] | None:
    return _setting("REGISTRATION_EMAIL_RATE_LIMIT", DEFAULT_EMAIL_LIMIT)


def _increment(key: str, timeout: int) -> int | None:
    """The key's counter plus one: one cache round trip once the window has begun (an
    atomic INCR on Redis), two for its first request; None when the cache is unreachable
    (liberation/core/cache.py)."""
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request
        pass
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)  # another request began the window meanwhile
    except ValueError:  # and it expired since
        cache.set(key, 1, timeout=timeout)
        return 1


def _count(key: str, limit: tuple[int, int], at: float, scope: str) -> Verdict:
    requests, seconds = limit
    window = int(at // seconds)
    count = _increment(f"{key}:{window}", seconds + 1)
    if count is None or count <= requests:  # None: the cache is unreachable (fails open)
        return Verdict(allowed=True)
    retry_after = max(1, int((window + 1) * seconds - at + 0.999))
    return Verdict(allowed=False, retry_after=retry_after, scope=scope)


def hit(request: HttpRequest, *, person: str = "", scope: str = "registrations") -> Verdict:
    """Count one request from this address, and for this person when known (their email
    or token); refuse it once either window's quota is spent."""
    limit = limit_setting()
    if limit is None:
        return Verdict(allowed=True)
    at = now()
    verdict = _count(f"ratelimit:{scope}:{client_address(request)}", limit, at, "address")
    person_limit = email_limit_setting()
    if not verdict.allowed or not person or person_limit is None:
        return verdict
    return _count(f"ratelimit:{scope}:person:{person_key(person)}", person_limit, at, "person")
