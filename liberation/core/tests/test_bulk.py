"""core.bulk: page work collected during a bulk write, flushed once it has succeeded."""

import pytest
from django_tasks.base import TaskResultStatus

from liberation.core import bulk


class FakeResult:
    def __init__(self, status):
        self.status = status

    def refresh(self):  # pragma: no cover - the immediate backend never refreshes
        raise AssertionError("a finished result is not read again")


@pytest.fixture
def flushed(monkeypatch):
    """A registered kind of work whose flush records what it was given."""
    calls = []

    def flush(ids):
        calls.append(ids)
        return [(FakeResult(TaskResultStatus.SUCCESSFUL), len(ids))]

    monkeypatch.setattr(bulk, "_registry", {})
    bulk.deferred_work_register(bulk.DeferredWork(name="test index", flush=flush))
    return calls


def test_outside_a_bulk_write_nothing_is_deferred(flushed):
    assert bulk.defer("test index", 1) is False
    assert flushed == []


def test_the_pages_of_a_bulk_write_are_flushed_once_sorted_after_the_block(flushed):
    with bulk.page_work_deferred() as deferred:
        for page_id in (3, 1, 2, 3):
            assert bulk.defer("test index", page_id) is True
        assert flushed == []  # not before the block has ended
    assert flushed == [[1, 2, 3]]
    [line] = bulk.progress(deferred)
    assert (line.name, line.pages, line.total, line.finished, line.failed) == (
        "test index",
        3,
        3,
        True,
        0,
    )


def test_a_failed_bulk_write_enqueues_nothing(flushed):
    with pytest.raises(RuntimeError), bulk.page_work_deferred():
        bulk.defer("test index", 1)
        raise RuntimeError("the import failed")
    assert flushed == []
    assert bulk.defer("test index", 2) is False  # and the block is over


def test_a_nested_block_joins_the_outer_one(flushed):
    with bulk.page_work_deferred() as outer:
        bulk.defer("test index", 1)
        with bulk.page_work_deferred() as inner:
            bulk.defer("test index", 2)
        assert inner is outer and flushed == []
    assert flushed == [[1, 2]]


def test_progress_counts_finished_and_failed_tasks():
    deferred = bulk.Deferred(
        units={
            "search index": [
                (FakeResult(TaskResultStatus.SUCCESSFUL), 500),
                (FakeResult(TaskResultStatus.FAILED), 500),
            ],
            "meaning index": [
                (FakeResult(TaskResultStatus.SUCCESSFUL), 256),
                (FakeResult(TaskResultStatus.READY), 0),  # the last step, not run yet
            ],
        }
    )
    search, meaning = bulk.progress(deferred)
    assert (search.pages, search.total, search.finished, search.failed) == (1000, 1000, True, 1)
    assert (meaning.pages, meaning.total, meaning.finished) == (256, 256, False)


def test_nothing_to_wait_for_when_tasks_run_as_they_are_enqueued():
    # The tests' ImmediateBackend has run every task by the time it is enqueued.
    assert bulk.wait_finished(["no-such-task"], timeout=0) is True
