"""The shared corpora rebuilt by the worker after a change, not by the next search.

With SEMANTIC_SHARED_DIR (`corpus.py`, `shared.py`), the first process that needs a
corpus of a new signature writes its files; at 180,000 documents that is a few seconds
(reading the table, then the clusters), paid by a reader's search. Instead, a task that
changed the embeddings asks for `corpora_warm_task`, which builds the files in the
worker: the web processes then find them written, or, while the worker writes, answer
with the corpus they hold (`corpus._cache`).

During a bulk write (an import of events, `embed_documents`), the corpora change every
few seconds: the task waits until the tables have been quiet for WARM_DELAY_SECONDS,
instead of building a corpus that the next batch makes stale.
"""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from . import corpus, shared
from .models import DocumentEmbedding, PageEmbedding

WARM_DELAY_SECONDS = 5
WARM_PRIORITY = 20  # after the embeddings (40) and related content (30)
WARM_KEY = "semantic:warm-requested"


def _last_change():
    latest = [
        model.objects.aggregate(last=Max("updated_at"))["last"]
        for model in (PageEmbedding, DocumentEmbedding)
    ]
    return max((t for t in latest if t is not None), default=None)


@task(priority=WARM_PRIORITY)
def corpora_warm_task() -> str:
    """Build this machine's shared corpora of the current tables (no-op when current)."""
    if shared.directory() is None:
        return "not shared"
    last = _last_change()
    quiet_since = timezone.now() - timedelta(seconds=WARM_DELAY_SECONDS)
    backend = corpora_warm_task.get_backend()
    if last is not None and last > quiet_since and backend.supports_defer:
        _enqueue_deferred()  # still changing: look again once it has been quiet
        return "deferred"
    corpus.corpus_get()
    corpus.document_corpus_get()
    return "warm"


def _enqueue_deferred() -> None:
    run_after = timezone.now() + timedelta(seconds=WARM_DELAY_SECONDS)
    corpora_warm_task.using(run_after=run_after).enqueue()


def corpora_warm_soon() -> None:
    """After a write of embeddings: warm the shared corpora in the worker, at most one
    task per WARM_DELAY_SECONDS (per cache). Nothing without a shared directory."""
    if shared.directory() is None:
        return
    if not corpora_warm_task.get_backend().supports_defer:
        corpora_warm_task.call()  # the immediate backend (tests): now, in this process
    elif cache.add(WARM_KEY, 1, timeout=WARM_DELAY_SECONDS):
        _enqueue_deferred()
