"""A value each process builds from the database and keeps until a cheap stamp changes.

Used where a per-process copy (the search index's entries, the embedding matrix) is
expensive to build but cheap to validate: `stamp()` is one small read per use (a
version row, a count and a maximum), `build(stamp)` runs only when it changed. Threads
of one process share the copy; the check-then-build is done under a lock once.
"""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class StampedCache(Generic[T]):
    def __init__(self, *, stamp: Callable[[], object], build: Callable[[object], T]):
        self._stamp = stamp
        self._build = build
        self._held: tuple[object, T] | None = None  # replaced whole, read without the lock
        self._lock = threading.Lock()

    def get(self) -> T:
        stamp = self._stamp()
        held = self._held
        if held is not None and held[0] == stamp:
            return held[1]
        with self._lock:
            held = self._held
            if held is None or held[0] != stamp:
                held = (stamp, self._build(stamp))
                self._held = held
            return held[1]
