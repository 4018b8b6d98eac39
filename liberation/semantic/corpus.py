"""The embedding corpora of a process: the content pages' and the search documents'.

A corpus is a few arrays (ids ascending, languages, stories, types) and the quantized
matrix of its vectors (`matrix.py`), read from its table in chunks and rebuilt when the
table's signature (row count, latest update) changes: one cheap aggregate per read, seen
by every worker process of a server (unlike a counter in a local-memory cache).

Shared between processes when SEMANTIC_SHARED_DIR is set (`make run` and `make serve`
set it): the arrays are written once to a directory named after the corpus, the
database and the signature (`shared.py`), and every process maps the same files
read-only. Their pages are then in memory once for all the processes of the machine
(counted in each process's RSS, not in its private memory), and the kernel may drop them
under pressure and read them again instead of swapping. Unset (the tests), each process
holds its own copy, as before.
"""

import contextlib
import ctypes
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from liberation.core.stamped import StampedCache

from . import clusters, embeddings, shared
from .clusters import Clusters
from .matrix import QuantizedMatrix
from .models import DocumentEmbedding, PageEmbedding

BUILD_CHUNK = 2000


class SortedIds:
    """Ids in ascending order: `in`, `[]` and `get` (the row) by binary search, without
    a dict of every id (which cost ~100 bytes per page)."""

    def __init__(self, ids: np.ndarray):
        self.ids = ids

    def get(self, page_id: int, default=None):
        if not len(self.ids):
            return default
        i = int(np.searchsorted(self.ids, page_id))
        return i if i < len(self.ids) and self.ids[i] == page_id else default

    def __getitem__(self, page_id: int) -> int:
        i = self.get(page_id)
        if i is None:
            raise KeyError(page_id)
        return i

    def __contains__(self, page_id) -> bool:
        return self.get(page_id) is not None

    def contains(self, values) -> np.ndarray:
        """For each value, whether it is among the ids (one vectorised search)."""
        values = np.asarray(values, dtype=np.int64)
        if not len(self.ids) or not len(values):
            return np.zeros(len(values), dtype=bool)
        pos = np.minimum(np.searchsorted(self.ids, values), len(self.ids) - 1)
        return self.ids[pos] == values

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Corpus:
    """Embedded items, one row each, in ascending id: live pages (by page id) or
    public documents of the search sources (by `DocumentEmbedding.key_hash`).

    `stories` numbers what belongs together (a page and its translations share one
    number; a document is a story of its own); `matrix` holds the vectors quantized."""

    signature: tuple
    ids: np.ndarray  # int64, ascending
    langs: np.ndarray  # "fr", "en"
    stories: np.ndarray  # int64
    types: np.ndarray  # int64 content type ids (0 for documents)
    matrix: QuantizedMatrix
    clusters: Clusters | None = None  # an approximate index, for large corpora only
    row: SortedIds = field(init=False)

    def __post_init__(self):
        self.row = SortedIds(self.ids)

    @classmethod
    def make(cls, *, signature, ids, langs, translation_keys, types, vectors) -> "Corpus":
        """A corpus from plain lists and float vectors (tests, small corpora)."""
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        numbers: dict = {}
        stories = [numbers.setdefault(k, len(numbers)) for k in translation_keys]
        return cls(
            signature=signature,
            ids=ids[order],
            langs=np.asarray(langs, dtype=LANG_DTYPE)[order],
            stories=np.asarray(stories, dtype=np.int64)[order],
            types=np.asarray(types, dtype=np.int64)[order],
            matrix=QuantizedMatrix.of(np.asarray(vectors, dtype=np.float32)[order]),
        )

    @classmethod
    def of_arrays(cls, signature: tuple, arrays: dict[str, np.ndarray]) -> "Corpus":
        n = len(arrays["ids"])  # rows filled (a row deleted during the build is absent)
        index = None
        if "centroids" in arrays:
            index = Clusters(arrays["centroids"], arrays["order"], arrays["starts"])
        return cls(
            signature=signature,
            ids=arrays["ids"],
            langs=arrays["langs"],
            stories=arrays["stories"],
            types=arrays["types"],
            matrix=QuantizedMatrix.over(arrays["codes"][:n], arrays["scales"][:n]),
            clusters=index,
        )


# Fixed width (a memory-mapped file holds no Python objects): the site's languages.
LANG_DTYPE = "<U8"


def _signature(table: str) -> tuple:
    # Two subqueries, not COUNT(*) and MAX() in one: SQLite then answers each from an
    # index (0.01 ms at 20,000 rows) instead of scanning the table of vectors (3 ms).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {table}), (SELECT MAX(updated_at) FROM {table})"
        )
        count, last = cursor.fetchone()
    return (count, str(last))


Row = tuple[int, bytes, str, object, int]  # id, vector, language, story key, type


def _fill(
    rows: int, query: Iterable[Row], arrays: Callable[[str, tuple, str], np.ndarray]
) -> dict[str, np.ndarray]:
    """Read the rows in chunks into arrays made by `arrays(name, shape, dtype)` (in
    memory, or in the files of a shared corpus), quantizing each chunk as it comes: the
    process never holds the float32 vectors of every row."""
    matrix = QuantizedMatrix.over(
        arrays("codes", (rows, embeddings.DIMENSIONS), "int8"), arrays("scales", (rows,), "f4")
    )
    matrix.filled = 0
    ids = arrays("ids", (rows,), "i8")
    langs = arrays("langs", (rows,), LANG_DTYPE)
    stories = arrays("stories", (rows,), "i8")
    types = arrays("types", (rows,), "i8")
    numbers: dict = {}
    n = 0
    chunk: list[bytes] = []
    for item_id, vector, lang, story, type_id in query:
        if n >= rows:  # a row committed after the count: the next read rebuilds
            break
        ids[n], langs[n], types[n] = item_id, lang, type_id
        stories[n] = numbers.setdefault(story, len(numbers))
        chunk.append(bytes(vector))
        n += 1
        if len(chunk) == BUILD_CHUNK:
            matrix.extend(_vectors(chunk))
            chunk = []
    if chunk:
        matrix.extend(_vectors(chunk))
    filled = {"ids": ids, "langs": langs, "stories": stories, "types": types}
    return {
        **{name: array[:n] for name, array in filled.items()},
        "codes": matrix.codes,
        "scales": matrix.scales,
    }


def _vectors(chunk: list[bytes]) -> np.ndarray:
    # One buffer per chunk (a copy per row cost 300 ms at 20,000 pages).
    data = np.frombuffer(b"".join(chunk), dtype=np.float32)
    return data.reshape(len(chunk), embeddings.DIMENSIONS)


def _page_rows() -> Iterator[Row]:
    query = (
        PageEmbedding.objects.filter(page__live=True)
        .order_by("page_id")
        .values_list(
            "page_id",
            "vector",
            "page__locale__language_code",
            "page__translation_key",
            "page__content_type_id",
        )
    )
    return query.iterator(chunk_size=BUILD_CHUNK)


def _document_rows() -> Iterator[Row]:
    query = DocumentEmbedding.objects.order_by("key_hash").values_list("key_hash", "vector", "lang")
    for key_hash, vector, lang in query.iterator(chunk_size=BUILD_CHUNK):
        yield key_hash, vector, lang, key_hash, 0  # a document is a story of its own


def _clustered(arrays: dict[str, np.ndarray], make: shared.Make) -> dict[str, np.ndarray]:
    """The arrays with their clusters (`clusters.py`) when there are enough rows."""
    n = len(arrays["ids"])
    if n < clusters.MIN_ROWS:
        return arrays
    index = clusters.clusters_build(QuantizedMatrix.over(arrays["codes"][:n], arrays["scales"][:n]))
    for name in ("centroids", "order", "starts"):
        value = getattr(index, name)
        arrays[name] = make(name, value.shape, value.dtype.str)
        arrays[name][:] = value
    return arrays


def _builder(
    name: str,
    table: str,
    rows_of: Callable[[], Iterable[Row]],
    *,
    clustered: bool = False,
    wait: bool = True,
) -> Callable[[object], Corpus]:
    def build(_stamp: object) -> Corpus:
        signature = _signature(table)  # what the shared directory is named after
        rows = signature[0] or 0

        def fill(make: shared.Make) -> dict[str, np.ndarray]:
            arrays = _fill(rows, rows_of(), make)
            return _clustered(arrays, make) if clustered else arrays

        tag = (*signature, clusters.parameters()) if clustered else signature
        corpus = Corpus.of_arrays(signature, shared.arrays_get(name, tag, fill, wait=wait))
        _release_freed_memory()  # the build's temporaries (chunks, k-means)
        return corpus

    return build


def _release_freed_memory() -> None:
    """Give the memory freed by a build back to the system (glibc keeps freed blocks
    of its heap for later use, counted in the process's resident memory until then)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _stamp(name: str, table: str) -> tuple:
    """The corpus's version (`models.CorpusState`, set by triggers): one primary-key
    read per search. Without its row (a database the triggers were not made for), the
    count and latest update of the table, as before."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM semantic_corpusstate WHERE name = %s", [name])
        row = cursor.fetchone()
    return ("version", row[0]) if row else ("signature", *_signature(table))


def _cache(name: str, table: str, rows_of, *, clustered: bool = False) -> StampedCache[Corpus]:
    """A process's corpus. While another process of the machine writes the shared files
    of a new signature, a process that holds the previous corpus answers with it (a
    search a few seconds behind the table: a page or document withdrawn meanwhile is no
    longer in the search index, which drops it) instead of waiting for the writer."""
    return StampedCache(
        stamp=lambda: _stamp(name, table),
        build=_builder(name, table, rows_of, clustered=clustered),
        build_or_later=_builder(name, table, rows_of, clustered=clustered, wait=False),
    )


def document_signature() -> tuple:
    """The count and latest update of the document embeddings."""
    return _signature(DocumentEmbedding._meta.db_table)


# The row readers are looked up at each build (a test replaces them to prove a process
# maps the shared files without reading the table).
_pages = _cache("pages", PageEmbedding._meta.db_table, lambda: _page_rows())
_documents = _cache(
    "documents", DocumentEmbedding._meta.db_table, lambda: _document_rows(), clustered=True
)


def corpus_get() -> Corpus:
    """The pages' corpus of this process, rebuilt when the table changed since."""
    return _pages.get()


def document_corpus_get() -> Corpus:
    """The search documents' corpus of this process, rebuilt when the table changed."""
    return _documents.get()
