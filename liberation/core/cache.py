"""The Redis cache, as an accelerator that an outage cannot turn into errors.

Everything this project keeps in the cache can be lost: fragments of pages, the seats
left, the form page of a ceremony, rate-limit and login-failure counters, the mail
"kick" and probe stamps. The database stays the source of truth. So when Redis is
unreachable (restarted, out of memory, a network cut), a read is a miss, a write is
dropped and a counter answers None; the site keeps answering (slower: every fragment is
rendered) instead of a 500 on every page. django-redis does this with
`IGNORE_EXCEPTIONS`, but it then either stays silent or logs a traceback per call: here
one WARNING line per `OUTAGE_LOG_SECONDS` and process says the cache is unreachable, and
why.

What an outage costs, written down: the rate limits of registrations and the admin
login throttle let everything through while it lasts (they fail open: the seats are
counted in the database, never in the cache); see docs/deployment.md, "Redis".
"""

import logging
import sys
import threading
import time

from django_redis.cache import RedisCache

from .database import first_line

logger = logging.getLogger("liberation.cache")

OUTAGE_LOG_SECONDS = 10.0


class _OutageLog:
    """What django-redis calls `.exception()` on for an ignored error: at most one
    warning per period, the error's first line, no traceback."""

    def __init__(self, every: float = OUTAGE_LOG_SECONDS):
        self.every = every
        self._last = -float("inf")
        self._skipped = 0
        self._lock = threading.Lock()

    def exception(self, _message: str, *args, **kwargs) -> None:
        error = sys.exc_info()[1]
        cause = getattr(error, "__cause__", None) or error
        with self._lock:
            at = time.monotonic()
            if at - self._last < self.every:
                self._skipped += 1
                return
            skipped, self._skipped, self._last = self._skipped, 0, at
        logger.warning(
            "Cache unreachable (%s): served without it%s.",
            first_line(cause) if cause else "unknown error",
            f"; {skipped} more failed calls since the last warning" if skipped else "",
        )


class OutageTolerantRedisCache(RedisCache):
    """django-redis's cache with its connection errors ignored and logged by `_OutageLog`
    (the socket timeouts in settings bound how long a call waits for a Redis that does
    not answer)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._ignore_exceptions = True
        self._log_ignored_exceptions = True
        self.logger = _OutageLog()
