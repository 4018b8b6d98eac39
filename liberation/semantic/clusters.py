"""An approximate index over a large corpus: its vectors in clusters (an inverted file).

Scanning every row costs time in proportion to the rows: 17.6–19.5 ms a query for the
180,000 events of the programme (docs/search.md). Above `MIN_ROWS`, the rows are grouped
by k-means (on the sphere: cosine) into about √n clusters, each represented by its
centroid; a query then scores the centroids, and only the rows of the `PROBES` nearest
clusters. The result is the exact cosine of each row scanned, but a row in a cluster not
probed is missed: what this costs is measured against the exact scan by
`bench/document_cosines.py --recall` (docs/search.md, "Clusters").

The clusters are computed when the corpus is built (a fixed seed: every process that
builds the same rows finds the same clusters), on a sample of the rows, then every row
is assigned to its nearest centroid. They are three arrays beside the corpus's and are
shared between processes the same way (`shared.py`).
"""

from dataclasses import dataclass

import numpy as np

from .matrix import CHUNK_ROWS, QuantizedMatrix

MIN_ROWS = 50_000  # below this the whole scan is cheap (4 ms at 20,000 rows)
PROBES = 32  # clusters scanned per query (about 7 % of the rows at 180,000)
ITERATIONS = 10
SAMPLE_PER_CLUSTER = 40  # rows of the sample the centroids are trained on, per cluster
SEED_POINTS_PER_CLUSTER = 8  # the first seeds are drawn from a part of the sample only
SEED = 20_250_508


def parameters() -> tuple:
    """What the clusters built from given rows depend on (part of a shared directory's
    name, so that no process maps clusters made with other parameters)."""
    return (MIN_ROWS, ITERATIONS, SAMPLE_PER_CLUSTER, SEED_POINTS_PER_CLUSTER, SEED)


def cluster_count(rows: int) -> int:
    return max(1, min(1024, round(rows**0.5)))


@dataclass
class Clusters:
    """`centroids` (k × d, unit length); the rows of cluster c are
    `order[starts[c]:starts[c + 1]]`."""

    centroids: np.ndarray  # float32
    order: np.ndarray  # int32 row numbers, grouped by cluster
    starts: np.ndarray  # int64, k + 1

    def rows(self, vector: np.ndarray, probes: int | None = None) -> np.ndarray:
        """The rows of the `probes` (default PROBES) clusters nearest to the vector,
        ascending."""
        probes = PROBES if probes is None else probes
        k = len(self.centroids)
        if probes >= k:
            return np.sort(self.order)
        near = np.argpartition(-(self.centroids @ vector), probes - 1)[:probes]
        parts = [self.order[self.starts[c] : self.starts[c + 1]] for c in near]
        return np.sort(np.concatenate(parts))  # ascending: the reads of the codes go forward


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _seeds(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++: each new seed drawn with a chance proportional to its squared distance
    to the nearest seed so far (2 - 2 cos on the sphere), so that the seeds spread over
    the groups instead of several falling in one."""
    chosen = [int(rng.integers(len(points)))]
    nearest = points @ points[chosen[0]]  # the best cosine to a seed, per point
    for _ in range(1, k):
        gaps = np.maximum(1.0 - nearest, 0.0).astype(np.float64)
        total = gaps.sum()
        pick = rng.choice(len(points), p=gaps / total) if total > 0 else rng.integers(len(points))
        chosen.append(int(pick))
        np.maximum(nearest, points @ points[pick], out=nearest)
    return points[chosen].copy()


def _unit_rows(codes: np.ndarray) -> np.ndarray:
    """Rows of 8-bit codes as unit float32 vectors (a row's scale changes no direction)."""
    block = codes.astype(np.float32)
    norms = np.linalg.norm(block, axis=1)
    return block * (1.0 / np.where(norms > 0, norms, np.inf))[:, None]


def _nearest(block: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.argmax(block @ centroids.T, axis=1)


STEP = CHUNK_ROWS * 8  # rows widened at a time (the whole sample would be 35 MB)


def _lloyd(codes: np.ndarray, centroids: np.ndarray, rng) -> np.ndarray:
    """One k-means step on the sphere: each point to its nearest centroid, each centroid
    to the mean direction of its points, computed chunk by chunk."""
    k = len(centroids)
    sums = np.zeros_like(centroids)
    counts = np.zeros(k, dtype=np.int64)
    for start in range(0, len(codes), STEP):
        points = _unit_rows(codes[start : start + STEP])
        nearest = _nearest(points, centroids)
        by_cluster = np.argsort(nearest, kind="stable")
        present, firsts, sizes = np.unique(
            nearest[by_cluster], return_index=True, return_counts=True
        )
        sums[present] += np.add.reduceat(points[by_cluster], firsts, axis=0)
        counts[present] += sizes
    empty = counts == 0
    if empty.any():  # an empty cluster takes a point of the sample at random
        sums[empty] = _unit_rows(codes[rng.choice(len(codes), size=int(empty.sum()))])
    return _unit(sums).astype(np.float32)


def clusters_build(matrix: QuantizedMatrix) -> Clusters:
    """k-means on the sphere over a sample of the rows, then every row assigned. The
    sample stays in 8 bits and is widened a chunk at a time (the peak memory of a
    process that builds the clusters: `bench/search_memory.py`)."""
    n = matrix.filled
    k = cluster_count(n)
    rng = np.random.default_rng(SEED)
    sample = np.sort(rng.choice(n, size=min(n, k * SAMPLE_PER_CLUSTER), replace=False))
    codes = matrix.codes[sample]  # int8, 8.7 MB at 180,000 rows
    some = np.sort(
        rng.choice(len(codes), size=min(len(codes), k * SEED_POINTS_PER_CLUSTER), replace=False)
    )
    centroids = _seeds(_unit_rows(codes[some]), k, rng)
    for _ in range(ITERATIONS):
        centroids = _lloyd(codes, centroids, rng)
    assigned = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [
            _nearest(matrix.codes[start : start + STEP].astype(np.float32), centroids)
            for start in range(0, n, STEP)
        ]
    )
    order = np.argsort(assigned, kind="stable").astype(np.int32)
    starts = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(assigned, minlength=k), out=starts[1:])
    return Clusters(centroids=centroids, order=order, starts=starts)
