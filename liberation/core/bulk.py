"""Page work deferred during a bulk write (an import of thousands of pages).

Publishing a page enqueues its own follow-up work: its search entry, its vector and the
related content around it. One page at a time this keeps the site fresh; for an import
of 20,000 pages it is 20,000 tasks of each kind, and the related content of the
neighbourhood recomputed 20,000 times. Inside `page_work_deferred()` the apps that own
such work collect the page ids instead (`defer`). When the block ends without an error
(it wraps the caller's transaction, so after the commit) each app's registered `flush`
enqueues its work for the whole batch and returns the tasks it enqueued, with the
number of pages each one covers: `progress()` reads their state, which is how an import
reports its indexing progress.

`core` knows no app above it: the apps register their `DeferredWork` in `ready()`.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django_tasks import default_task_backend
from django_tasks.base import TaskResult, TaskResultStatus

# (task result, pages it covers): a task that covers no page (a final step) counts for
# 0 pages but must be finished too.
Unit = tuple[TaskResult, int]
FINISHED = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


@dataclass(frozen=True)
class DeferredWork:
    name: str  # "search index", "meaning index": the progress report's words
    flush: Callable[[list[int]], list[Unit]]  # enqueue the work for these page ids


@dataclass
class WorkProgress:
    name: str
    pages: int  # pages of the finished tasks
    total: int  # pages of all the tasks
    finished: bool  # every task finished (a final step included)
    failed: int  # tasks that failed


@dataclass
class Deferred:
    pending: dict[str, set[int]] = field(default_factory=dict)
    units: dict[str, list[Unit]] = field(default_factory=dict)  # after the flush


_registry: dict[str, DeferredWork] = {}
_current: ContextVar[Deferred | None] = ContextVar("bulk_deferred", default=None)


def deferred_work_register(work: DeferredWork) -> None:
    _registry[work.name] = work


def defer(name: str, page_id: int) -> bool:
    """Inside `page_work_deferred()`: remember the page for `name`'s flush, True.
    Outside: False, and the caller does its work for this page as usual."""
    current = _current.get()
    if current is None:
        return False
    current.pending.setdefault(name, set()).add(page_id)
    return True


@contextmanager
def page_work_deferred() -> Iterator[Deferred]:
    """Collect the page work of the block; flush it when the block succeeds (nothing
    is enqueued when it raises). A nested block joins the outer one."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    deferred = Deferred()
    token = _current.set(deferred)
    try:
        yield deferred
    finally:
        _current.reset(token)
    for name, ids in deferred.pending.items():
        if ids and name in _registry:
            deferred.units[name] = _registry[name].flush(sorted(ids))


def progress(deferred: Deferred) -> list[WorkProgress]:
    """Where the flushed work stands, one line per kind of work."""
    report = []
    for name, units in deferred.units.items():
        pages = failed = unfinished = 0
        for result, count in units:
            if result.status not in FINISHED and default_task_backend.supports_get_result:
                result.refresh()
            if result.status in FINISHED:
                pages += count
                failed += result.status == TaskResultStatus.FAILED
            else:
                unfinished += 1
        total = sum(count for _result, count in units)
        report.append(WorkProgress(name, pages, total, unfinished == 0, failed))
    return report


def wait_finished(result_ids: list[str], *, timeout: float, poll: float = 1.0) -> bool:
    """Wait until these tasks have finished (or failed); False after `timeout` s. A
    backend that runs tasks as they are enqueued (the tests') has nothing to wait for."""
    if not default_task_backend.supports_get_result:
        return True
    deadline = time.monotonic() + timeout
    pending = list(result_ids)
    while pending:
        pending = [i for i in pending if default_task_backend.get_result(i).status not in FINISHED]
        if not pending:
            break
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True
