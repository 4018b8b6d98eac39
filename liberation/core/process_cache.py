"""Values kept in this process's memory, in front of or instead of the shared cache.

The shared cache (Redis when `REDIS_URL` is set) costs a round trip and an unpickling
per read: 0.13-0.15 ms of CPU for a small value on these machines, more for a page
object or a fragment of HTML (docs/benchmarks.md, "The shared cache's round trips").
Two uses:

- `ProcessCache`: values that may be a few seconds old per process anyway (the
  registration form page, the ceremony page, the settings row a POST validates
  against) are kept here instead: no round trip, no copy, no invalidation across
  processes, only a lifetime that the caller bounds.
- `VersionedFront`: values whose key carries a version (fragments, routes, sites: the
  content version) are kept here in front of the shared cache, for as long as there is
  room.

The same object is handed to every thread of the process: a caller that changes it
copies it first (`copy.copy`). The store is bounded (`max_entries`): when it is full,
expired entries go first, then the oldest. Tests empty every store between tests
(`clear_all`, called by the root conftest).
"""

import threading
import time
import weakref

from django.core.cache import cache

LONG_ENOUGH = 24 * 3600  # a versioned entry: until the store is full, in practice
_stores: "weakref.WeakSet[ProcessCache]" = weakref.WeakSet()


class ProcessCache:
    """A small dict of values with lifetimes, for one process (thread-safe)."""

    def __init__(self, max_entries: int = 512):
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, object]] = {}  # key: (expires, value)
        self._lock = threading.Lock()
        _stores.add(self)

    def get(self, key: str, default=None):
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return default
        return entry[1]

    def set(self, key: str, value, timeout: float) -> None:
        """Keep `value` for `timeout` seconds (nothing is kept for 0 or less)."""
        if timeout <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if key not in self._entries and len(self._entries) >= self._max_entries:
                self._make_room(now)
            self._entries[key] = (now + timeout, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _make_room(self, now: float) -> None:
        for key in [k for k, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]
        while len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]  # the oldest inserted


def clear_all() -> None:
    """Empty every store of this process (tests: nothing leaks from one to the next)."""
    for store in list(_stores):
        store.clear()


class VersionedFront:
    """This process's copy first, then the shared cache, for keys that carry a version
    (the content version: fragments, routes, sites). Such a key names one value for
    ever, so a process may keep it as long as it likes: no staleness, only memory,
    bounded by `max_entries`. What is found in the shared cache is kept here too.

    The uncached Cherbourg article read ten such keys from Redis per render."""

    def __init__(self, max_entries: int):
        self.local = ProcessCache(max_entries)

    def get(self, key: str):
        value = self.local.get(key)
        if value is None:
            value = cache.get(key)
            if value is not None:
                self.local.set(key, value, LONG_ENOUGH)
        return value

    def set(self, key: str, value, timeout: float) -> None:
        cache.set(key, value, timeout)
        self.local.set(key, value, min(timeout, LONG_ENOUGH))
