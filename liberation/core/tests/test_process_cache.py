"""The per-process store of short-lived values (core/process_cache.py)."""

import pytest

from liberation.core import process_cache
from liberation.core.process_cache import ProcessCache


@pytest.fixture
def clock(monkeypatch):
    """time.monotonic() as the test sets it."""
    now = [1000.0]
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: now[0])
    return now


def test_a_value_lives_its_timeout_then_is_gone(clock):
    store = ProcessCache()
    store.set("a", {"x": 1}, 2)
    assert store.get("a") == {"x": 1}
    clock[0] += 1.999
    assert store.get("a") == {"x": 1}
    clock[0] += 0.001
    assert store.get("a") is None
    assert store.get("a", "default") == "default"


def test_the_same_object_is_handed_out(clock):
    """No pickling: callers that change it copy it first (registrations/views.py)."""
    store, value = ProcessCache(), object()
    store.set("a", value, 5)
    assert store.get("a") is value


def test_nothing_is_kept_for_no_time(clock):
    store = ProcessCache()
    store.set("zero", 1, 0)
    store.set("negative", 1, -3)
    assert len(store) == 0 and store.get("zero") is None


def test_a_full_store_drops_the_expired_first_then_the_oldest(clock):
    store = ProcessCache(max_entries=3)
    store.set("old", 1, 100)
    store.set("short", 2, 1)
    store.set("young", 3, 100)
    clock[0] += 2  # "short" has expired
    store.set("new", 4, 100)
    assert [store.get(k) for k in ("old", "short", "young", "new")] == [1, None, 3, 4]
    store.set("newer", 5, 100)  # none expired: the oldest inserted goes
    assert [store.get(k) for k in ("old", "young", "new", "newer")] == [None, 3, 4, 5]
    store.set("young", 6, 100)  # replacing a key makes no room
    assert len(store) == 3 and store.get("young") == 6


def test_clear_all(clock):
    one, two = ProcessCache(), ProcessCache()
    one.set("a", 1, 10)
    two.set("c", 3, 10)
    process_cache.clear_all()
    assert len(one) == 0 and len(two) == 0
