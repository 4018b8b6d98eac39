"""A value each process builds from the database and keeps until a cheap stamp changes.

Used where a per-process copy (the search index's entries, the embedding matrix) is
expensive to build but cheap to validate: `stamp()` is one small read per use (a
version row, a count and a maximum), `build(stamp)` runs only when it changed. Threads
of one process share the copy; the check-then-build is done under a lock once.

With `build_or_later`, a process that already holds a copy calls it instead of `build`:
it may raise `Later` (say, another process is writing the new copy this one would
otherwise wait for), and the held copy answers until a later call finds the new one.
"""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Later(Exception):
    """Raised by `build_or_later`: keep answering with the held copy for now."""


class StampedCache(Generic[T]):
    def __init__(
        self,
        *,
        stamp: Callable[[], object],
        build: Callable[[object], T],
        build_or_later: Callable[[object], T] | None = None,
    ):
        self._stamp = stamp
        self._build = build
        self._build_or_later = build_or_later
        self._held: tuple[object, T] | None = None  # replaced whole, read without the lock
        self._lock = threading.Lock()

    def get(self) -> T:
        stamp = self._stamp()
        held = self._held
        if held is not None and held[0] == stamp:
            return held[1]
        with self._lock:
            held = self._held
            if held is not None and held[0] == stamp:
                return held[1]
            if held is not None and self._build_or_later is not None:
                try:
                    value = self._build_or_later(stamp)
                except Later:
                    return held[1]
            else:
                value = self._build(stamp)
            self._held = (stamp, value)
            return value
