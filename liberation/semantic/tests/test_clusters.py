"""The clusters of a large corpus (`clusters.py`): every row in exactly one cluster, the
same clusters in every process, the nearest clusters scanned only, and the documents'
corpus clustered above the threshold (in memory and in the shared files)."""

import numpy as np
import pytest

from liberation.semantic import clusters, embeddings
from liberation.semantic import corpus as corpora
from liberation.semantic.clusters import clusters_build
from liberation.semantic.corpus import Corpus
from liberation.semantic.matrix import QuantizedMatrix
from liberation.semantic.models import DocumentEmbedding, document_key_hash
from liberation.semantic.selectors import _scan, semantic_rank

D = embeddings.DIMENSIONS
GROUPS = 6
PER_GROUP = 30


def _unit(v):
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def _directions(rng):
    """Six orthogonal directions, one per group of rows."""
    q, _ = np.linalg.qr(rng.standard_normal((D, GROUPS)))
    return q.T.astype(np.float32)


def _grouped_vectors(seed=1):
    rng = np.random.default_rng(seed)
    directions = _directions(rng)
    groups = np.repeat(np.arange(GROUPS), PER_GROUP)
    rng.shuffle(groups)
    noise = 0.15 * rng.standard_normal((len(groups), D)) / np.sqrt(D)
    return directions, groups, _unit(directions[groups] + noise)


def test_every_row_is_in_one_cluster_and_each_cluster_is_one_group(monkeypatch):
    monkeypatch.setattr(clusters, "cluster_count", lambda rows: GROUPS)
    _directions_, groups, vectors = _grouped_vectors()
    index = clusters_build(QuantizedMatrix.of(vectors))
    assert sorted(index.order.tolist()) == list(range(len(vectors)))
    assert index.starts[0] == 0 and index.starts[-1] == len(vectors)
    for c in range(GROUPS):
        members = index.order[index.starts[c] : index.starts[c + 1]]
        assert len(set(groups[members].tolist())) == 1, "a cluster mixes two groups"
    again = clusters_build(QuantizedMatrix.of(vectors))  # another process, the same rows
    assert np.array_equal(again.order, index.order)
    assert np.array_equal(again.centroids, index.centroids)


def _corpus(vectors, with_clusters):
    corpus = Corpus.make(
        signature=(len(vectors), "t"),
        ids=range(1, len(vectors) + 1),
        langs=["fr"] * len(vectors),
        translation_keys=range(len(vectors)),
        types=[0] * len(vectors),
        vectors=vectors,
    )
    if with_clusters:
        corpus.clusters = clusters_build(corpus.matrix)
    return corpus


def test_only_the_nearest_clusters_are_scanned(monkeypatch):
    monkeypatch.setattr(clusters, "cluster_count", lambda rows: GROUPS)
    directions, groups, vectors = _grouped_vectors()
    exact, clustered = _corpus(vectors, False), _corpus(vectors, True)
    # Nearest to group 0, close to group 1 as well.
    query = _unit(directions[0] + 0.8 * directions[1])
    everything = len(vectors)
    best = _scan(exact, query, None, everything)
    in_group = {int(i) for i in np.flatnonzero(groups == 0) + 1}
    in_two = in_group | {int(i) for i in np.flatnonzero(groups == 1) + 1}

    monkeypatch.setattr(clusters, "PROBES", 2)
    assert _same(_scan(clustered, query, None, 40), best[:40])  # the two groups' rows first

    monkeypatch.setattr(clusters, "PROBES", 1)
    found = _scan(clustered, query, None, everything)
    # Control: the exact scan ranks rows of both groups; one probe sees the first only.
    assert {i for i, _ in best[: 2 * PER_GROUP]} == in_two
    assert {i for i, _ in found} == in_group
    assert _same(found, best[:PER_GROUP])  # the same cosines, in the same order


def _same(found, expected):
    """The same ids in the same order, the same cosines (to float32 rounding)."""
    assert [i for i, _ in found] == [i for i, _ in expected]
    assert [c for _, c in found] == pytest.approx([c for _, c in expected], abs=1e-5)
    return True


@pytest.fixture
def documents(db):
    """GROUPS × PER_GROUP document embeddings, grouped by direction."""
    directions, groups, vectors = _grouped_vectors(seed=2)
    rows = [
        DocumentEmbedding(
            source="event",
            key=f"e{n}",
            key_hash=document_key_hash("event", f"e{n}"),
            lang="fr",
            content_hash=str(n),
            vector=vector.tobytes(),
        )
        for n, vector in enumerate(vectors)
    ]
    DocumentEmbedding.objects.bulk_create(rows)
    corpora._documents._held = None
    yield directions
    corpora._documents._held = None


@pytest.mark.parametrize("shared_files", [False, True])
def test_the_documents_corpus_is_clustered_above_the_threshold(
    documents, monkeypatch, settings, tmp_path, shared_files
):
    settings.SEMANTIC_SHARED_DIR = str(tmp_path / "semantic") if shared_files else ""
    monkeypatch.setattr(clusters, "cluster_count", lambda rows: GROUPS)
    query = _unit(documents[3])
    monkeypatch.setattr(embeddings, "encode", lambda texts: np.array([query]))

    monkeypatch.setattr(clusters, "MIN_ROWS", GROUPS * PER_GROUP + 1)
    small = corpora.document_corpus_get()
    assert small.clusters is None  # below the threshold: the whole scan
    exact = semantic_rank(query="q", lang=None, limit=10, documents=True).documents

    monkeypatch.setattr(clusters, "MIN_ROWS", GROUPS * PER_GROUP)
    corpora._documents._held = None
    large = corpora.document_corpus_get()
    assert large.clusters is not None
    assert len(large.clusters.centroids) == GROUPS
    if shared_files:
        assert isinstance(large.clusters.order, np.memmap)
    assert _same(semantic_rank(query="q", lang=None, limit=10, documents=True).documents, exact)
