"""What the clusters of the documents' corpus cost and save: recall against the exact scan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_200k \\
        flock /tmp/bench.lock .venv/bin/python bench/document_clusters.py

On the documents embedded in that database (at least a few tens of thousands, e.g. the
180,000 events of `bench/search.py --events 180000 --embed`): builds the clusters
(`semantic/clusters.py`, timed: what the first search after a change of the documents
pays, once per machine when the corpus is shared), then for every query of the mix (the
search bench's queries, the labelled queries of `bench/relevance_queries.json`, English
paraphrases of events) compares the top 50 of the exact scan with the top 50 of the
clusters, for several numbers of clusters probed:

- `recall_at_10` / `recall_at_50`: the share of the top 10 / top 50 found, a document
  counting when its cosine reaches the exact scan's 10th / 50th (the generated events
  repeat a few templates, so many documents tie: which of the tied ones a scan lists
  first says nothing of what it missed);
- `recall_found`: the share of the documents at or above SEMANTIC_MIN_COSINE_DOCUMENT
  (those found by meaning alone) in the exact top 50 that the clusters find;
- `scan_p50` / `scan_p95`: the time of the scan (scores, top 50), ms.

The last line is JSON.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.dev")

TOP = 50


def _queries() -> list[str]:
    from document_cosines import PARAPHRASES
    from search import QUERIES

    labelled = json.loads((Path(__file__).parent / "relevance_queries.json").read_text())
    return [*QUERIES, *PARAPHRASES, *(q["q"] for q in labelled["queries"])]


def _top(scores, rows=None) -> list[int]:
    import numpy as np

    limit = min(TOP, len(scores))
    top = np.argpartition(-scores, limit - 1)[:limit]
    top = top[np.argsort(-scores[top], kind="stable")]
    return (top if rows is None else rows[top]).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", default="8,16,24,32,48")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    import django

    django.setup()
    from liberation.discovery.selectors import SEMANTIC_MIN_COSINE_DOCUMENT
    from liberation.semantic import clusters, embeddings
    from liberation.semantic.corpus import document_corpus_get

    corpus = document_corpus_get()
    matrix = corpus.matrix
    started = time.perf_counter()
    index = clusters.clusters_build(matrix)
    build = time.perf_counter() - started
    sizes = [int(b - a) for a, b in zip(index.starts[:-1], index.starts[1:], strict=True)]
    print(
        f"{len(corpus.ids)} documents, {len(index.centroids)} clusters built in {build:.2f} s "
        f"(sizes {min(sizes)}–{max(sizes)}, median {statistics.median(sizes):.0f})"
    )
    queries = _queries()
    vectors = embeddings.encode(queries)
    exact, exact_ms = [], []
    for vector in vectors:
        started = time.perf_counter()
        scores = matrix.scores(vector)
        top = _top(scores)
        exact_ms.append((time.perf_counter() - started) * 1000)
        exact.append((top, scores, {i for i in top if scores[i] >= SEMANTIC_MIN_COSINE_DOCUMENT}))
    figures: dict = {
        "documents": len(corpus.ids),
        "clusters": len(index.centroids),
        "build_s": round(build, 2),
        "queries": len(queries),
        "exact": {"scan_p50": round(statistics.median(exact_ms), 2), "scan_p95": _p95(exact_ms)},
    }
    print(f"exact scan: p50 {figures['exact']['scan_p50']} ms, p95 {figures['exact']['scan_p95']}")
    for probes in [int(p) for p in args.probes.split(",")]:
        at10, at50, found, timings, scanned = [], [], [], [], []
        for vector, (top, scores, above) in zip(vectors, exact, strict=True):
            started = time.perf_counter()
            rows = index.rows(vector, probes)
            got = _top(matrix.scores(vector, rows), rows)
            timings.append((time.perf_counter() - started) * 1000)
            scanned.append(len(rows))
            at10.append(_recall(top, got, scores, 10))
            at50.append(_recall(top, got, scores, TOP))
            if above:
                reached = min(scores[i] for i in above) - TIE
                found.append(min(1.0, sum(1 for i in got if scores[i] >= reached) / len(above)))
        row = {
            "rows_scanned": round(statistics.mean(scanned)),
            "recall_at_10": round(statistics.mean(at10), 4),
            "recall_at_50": round(statistics.mean(at50), 4),
            "recall_at_50_worst": round(min(at50), 2),
            "recall_found": round(statistics.mean(found), 4) if found else None,
            "queries_with_found": len(found),
            "scan_p50": round(statistics.median(timings), 2),
            "scan_p95": _p95(timings),
        }
        figures[f"probes_{probes}"] = row
        print(f"probes {probes:3}: " + ", ".join(f"{k} {v}" for k, v in row.items()))
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


TIE = 1e-6  # cosines this close are the same document text


def _recall(top: list[int], got: list[int], scores, k: int) -> float:
    """The share of the exact top k matched by the first k found, ties counted."""
    k = min(k, len(top))
    reached = scores[top[k - 1]] - TIE
    return sum(1 for i in got[:k] if scores[i] >= reached) / k


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)], 2)


if __name__ == "__main__":
    main()
