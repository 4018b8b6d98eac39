"""The shared corpora built by the worker after a change (`warming.py`), not by the next
search: once per quiet moment during a bulk write, never without a shared directory."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from django_tasks import default_task_backend

from liberation.semantic import corpus as corpora
from liberation.semantic import embeddings, warming
from liberation.semantic.models import DocumentEmbedding, document_key_hash

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _document(n: int) -> DocumentEmbedding:
    vector = np.random.default_rng(n).standard_normal(embeddings.DIMENSIONS).astype(np.float32)
    return DocumentEmbedding.objects.create(
        source="event",
        key=f"e{n}",
        key_hash=document_key_hash("event", f"e{n}"),
        lang="fr",
        content_hash=str(n),
        vector=(vector / np.linalg.norm(vector)).tobytes(),
    )


def _written(root) -> list[str]:
    return (
        sorted(p.name.split("-")[0] for p in root.iterdir() if p.is_dir()) if root.exists() else []
    )


@pytest.fixture
def shared_dir(settings, tmp_path):
    settings.SEMANTIC_SHARED_DIR = str(tmp_path / "semantic")
    corpora._documents._held = corpora._pages._held = None
    cache.delete(warming.WARM_KEY)
    yield tmp_path / "semantic"
    corpora._documents._held = corpora._pages._held = None
    cache.delete(warming.WARM_KEY)


def test_the_worker_writes_the_documents_corpus_before_any_search(shared_dir):
    _document(1)
    assert _written(shared_dir) == []  # control: nothing wrote it yet
    warming.corpora_warm_soon()  # the immediate backend: the task runs now
    assert "documents" in _written(shared_dir)
    held = corpora._documents._held
    assert held is not None and held[1].signature == corpora.document_signature()


def test_nothing_without_a_shared_directory(settings, tmp_path):
    settings.SEMANTIC_SHARED_DIR = ""
    corpora._documents._held = None
    _document(1)
    assert warming.corpora_warm_task.call() == "not shared"
    assert corpora._documents._held is None


def _warm_tasks() -> list:
    return [r for r in default_task_backend.results if r.task.name == "corpora_warm_task"]


@override_settings(TASKS=DUMMY)
def test_a_burst_of_changes_asks_once_and_waits_for_quiet(shared_dir):
    for n in range(5):
        _document(n)
        warming.corpora_warm_soon()
    [asked] = _warm_tasks()
    assert asked.task.run_after is not None  # deferred: the batches of a bulk write go first
    # The task runs while the table still changes: it asks again later, builds nothing.
    assert warming.corpora_warm_task.call() == "deferred"
    assert len(_warm_tasks()) == 2
    assert _written(shared_dir) == []
    # Quiet since: it builds.
    quiet = timezone.now() - timedelta(seconds=warming.WARM_DELAY_SECONDS + 1)
    DocumentEmbedding.objects.update(updated_at=quiet)
    assert warming.corpora_warm_task.call() == "warm"
    assert "documents" in _written(shared_dir)
