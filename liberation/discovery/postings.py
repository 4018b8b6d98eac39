"""The lexical ranking computed in memory: each process keeps a copy of the index's
entries (language, type, themes, periods, places, date) and of the postings of the terms it was
asked for, as numpy arrays, and scores a query with a few vector operations.

Why: summing every posting of a common term in SQL (GROUP BY page over tens of thousands
of rows) cost 20-150 ms per query at 20,000 pages on SQLite, plus as much again to count
the matches; in numpy the same sums take well under a millisecond. The database stays
the source of truth: every index write bumps `SearchIndexState.version` in its own
transaction, and a process that reads a new version (one primary-key read per query)
drops its copy. Entries are reloaded at once (tens of ms at 20,000 pages); a term's
postings on first use (one indexed range read). The scoring is exactly the SQL one of
`selectors._candidates_sql` (a test compares them).
"""

import math
import threading
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import connection

from liberation.core.stamped import StampedCache

from .models import SearchIndexState

# Postings kept per process before the term cache starts over (8 bytes each with the
# weight: 3,000,000 postings are about 36 MB).
MAX_CACHED_POSTINGS = 3_000_000


class Column:
    """One fact of every entry, as a small-integer code per entry and the table of its
    distinct values: themes, places, dates… repeat across thousands of entries, and a
    tuple of Python objects per entry cost ~500 bytes (100 MB at 200,000 entries).
    `convert` is applied once per distinct value when the column is closed (a date read
    as text, a translation key), not once per entry."""

    def __init__(self, convert: Callable | None = None):
        self.values: list = []
        self._convert = convert
        self._codes: dict = {}
        self._chunks: list[np.ndarray] = []
        self._pending: list[int] = []
        self.codes = np.zeros(0, dtype=np.int32)

    def add(self, value) -> None:
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self.values)
            self.values.append(value)
        self._pending.append(code)

    def extend(self, values: Sequence) -> None:
        """Add many values at once: the known ones are looked up in one pass in C
        (`map`), only the new ones one by one."""
        if self._pending:
            self._chunks.append(np.array(self._pending, dtype=np.int32))
            self._pending = []
        codes, table = self._codes, self.values
        found = list(map(codes.get, values))
        if None in found:
            for position, code in enumerate(found):
                if code is None:
                    value = values[position]
                    code = codes.get(value)
                    if code is None:
                        code = codes[value] = len(table)
                        table.append(value)
                    found[position] = code
        self._chunks.append(np.array(found, dtype=np.int32))

    def close(self) -> "Column":
        self._chunks.append(np.array(self._pending, dtype=np.int32))
        self.codes = np.concatenate(self._chunks)
        self._chunks, self._pending, self._codes = [], [], {}
        if self._convert is not None:
            self.values = [self._convert(value) for value in self.values]
        return self

    def code_of(self, value) -> int:
        try:
            return self.values.index(value)
        except ValueError:
            return -1

    def __getitem__(self, position: int):
        return self.values[self.codes[position]]


# The facts of an entry, in this order: type, lang, themes, periods, place ids
# ("|id|id|"), date, page id (None for a document of a source), départements
# ("|code|code|"), story (a page's translation key: a page and its translations are one
# story; "" for a document, its own story).
FACTS = ("type", "lang", "themes", "periods", "place_ids", "date", "page_id", "deps", "story")


@dataclass
class Snapshot:
    version: int
    ids: np.ndarray  # entry ids, ascending
    columns: dict[str, Column] = field(default_factory=dict)  # by name of FACTS
    by_page: dict[int, int] = field(default_factory=dict)  # page id → entry id
    # Each entry's `SearchEntry.key_hash` (0 for a page), as `ids`; then the documents'
    # key hashes ascending and their entry ids.
    key_hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    document_hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    document_entries: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    terms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    cached: int = 0

    def facts(self, position: int) -> tuple:
        """The facts of the entry at this position (see FACTS)."""
        return tuple(self.columns[name][position] for name in FACTS)

    def lang_is(self, lang: str, positions: np.ndarray) -> np.ndarray:
        column = self.columns["lang"]
        return column.codes[positions] == column.code_of(lang)


_lock = threading.Lock()  # guards the term cache of the current snapshot


def index_version() -> int:
    """The index's current version (changed by every write of the index)."""
    return _version()


def _version() -> int:
    row = SearchIndexState.objects.filter(pk=1).values_list("version", flat=True).first()
    return row or 0


def story_of(translation_key) -> str:
    """What a page shares with its translations: its translation key (SQLite stores the
    UUID as 32 hex digits, PostgreSQL prints it with dashes). A document of a source is
    its own story: "" (`Candidate.of` names it after its entry), so that 180,000
    documents do not each keep a string of their own in every process."""
    return str(translation_key).replace("-", "") if translation_key else ""


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _load_entries(version: int) -> Snapshot:
    """Every entry's facts, read 5,000 rows at a time and stored column by column (one
    dictionary lookup per fact; dates and stories converted once per distinct value)."""
    columns = {name: Column() for name in FACTS}
    columns["date"] = Column(convert=_day)
    columns["story"] = Column(convert=story_of)
    ids = array("q")  # 8 bytes an entry, not a Python int each
    hashes = array("q")
    by_page = {}
    with connection.cursor() as cursor:
        # The columns in the order of FACTS, after the entry id.
        cursor.execute(
            "SELECT e.id, e.type, e.lang, e.themes, e.periods, e.place_ids,"
            " CAST(e.date AS TEXT),"  # converted per distinct date (`_day`), not per row
            " e.page_id, e.departements, CAST(p.translation_key AS TEXT), e.key_hash"
            " FROM discovery_searchentry e"
            " LEFT JOIN wagtailcore_page p ON p.id = e.page_id"
            " ORDER BY e.id"
        )
        while rows := cursor.fetchmany(5000):  # never every row's tuple at once
            entry_ids, *facts, key_hashes = zip(*rows, strict=True)
            ids.extend(entry_ids)
            hashes.extend(key_hashes)
            for name, values in zip(FACTS, facts, strict=True):
                columns[name].extend(values)
            page_ids = facts[FACTS.index("page_id")]
            by_page.update(
                (p, e) for p, e in zip(page_ids, entry_ids, strict=True) if p is not None
            )
    entry_ids = np.frombuffer(ids, dtype=np.int64).copy()
    key_hashes = np.frombuffer(hashes, dtype=np.int64)
    documents = np.flatnonzero(key_hashes)
    order = np.argsort(key_hashes[documents], kind="stable")
    return Snapshot(
        version=version,
        ids=entry_ids,
        columns={name: column.close() for name, column in columns.items()},
        by_page=by_page,
        key_hashes=key_hashes.copy(),
        document_hashes=key_hashes[documents][order],
        document_entries=entry_ids[documents][order],
    )


def snapshot_get() -> Snapshot:
    """This process's copy of the index entries, reloaded when the index changed."""
    return _entries.get()


_entries = StampedCache(stamp=_version, build=_load_entries)


def _positions(snap: Snapshot, entry_ids: list[int]) -> list[tuple[int, int]]:
    """(entry id, its position in the snapshot) for these entries, those in the index."""
    if not entry_ids or not len(snap.ids):
        return []
    ids = np.asarray(entry_ids, dtype=np.int64)
    pos = np.minimum(np.searchsorted(snap.ids, ids), len(snap.ids) - 1)
    found = snap.ids[pos] == ids
    return list(zip(ids[found].tolist(), pos[found].tolist(), strict=True))


def facts_get(entry_ids: list[int], snap: Snapshot | None = None) -> dict[int, tuple]:
    """The facts (see `Snapshot`) of these entries, those in the index only (in `snap`,
    this process's current copy by default)."""
    snap = snap or snapshot_get()
    return {entry_id: snap.facts(p) for entry_id, p in _positions(snap, entry_ids)}


def entries_of_pages(page_ids, snap: Snapshot | None = None) -> dict[int, int]:
    """page id → entry id, for the pages in the index (meaning ranks pages)."""
    by_page = (snap or snapshot_get()).by_page
    return {pid: by_page[pid] for pid in page_ids if pid in by_page}


def entries_of_documents(key_hashes, snap: Snapshot | None = None) -> dict[int, int]:
    """key hash → entry id, for the documents in the index (meaning ranks documents by
    their key hash, `semantic.models.document_key_hash`)."""
    snap = snap or snapshot_get()
    wanted = np.asarray(list(key_hashes), dtype=np.int64)
    if not len(wanted) or not len(snap.document_hashes):
        return {}
    pos = np.minimum(np.searchsorted(snap.document_hashes, wanted), len(snap.document_hashes) - 1)
    found = snap.document_hashes[pos] == wanted
    return {
        int(h): int(e)
        for h, e in zip(wanted[found], snap.document_entries[pos[found]], strict=True)
    }


def key_hashes_of(entry_ids: list[int], snap: Snapshot | None = None) -> dict[int, int]:
    """entry id → key hash, for the documents among these entries."""
    snap = snap or snapshot_get()
    found = _positions(snap, entry_ids)
    return {entry_id: int(snap.key_hashes[p]) for entry_id, p in found if snap.key_hashes[p]}


# Posting rows read at a time: a common word has a posting in a large part of the
# entries (36,000 for "1944" at 200,000), and a Python tuple per row costs ~170 bytes;
# read whole, the rows of a query's words raised a process's peak by ~100 MB
# (docs/search.md, "Memory at 200,000 documents").
POSTINGS_CHUNK_ROWS = 20_000


def _read_postings(terms: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(entry ids ascending, weights) of each term: one range of the covering index per
    term, read POSTINGS_CHUNK_ROWS rows at a time straight into an array (an entry id is
    exact in a float64 below 2**53)."""
    found = {}
    with connection.cursor() as cursor:
        for term in terms:
            cursor.execute(
                "SELECT entry_id, weight FROM discovery_searchposting"
                " WHERE term = %s ORDER BY entry_id",
                [term],
            )
            chunks = [np.zeros((0, 2))]
            while rows := cursor.fetchmany(POSTINGS_CHUNK_ROWS):
                chunks.append(np.array(rows, dtype=np.float64).reshape(-1, 2))
            pairs = np.concatenate(chunks)
            found[term] = (pairs[:, 0].astype(np.int64), pairs[:, 1].copy())
    return found


def _postings(snap: Snapshot, terms: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(entry positions, weights) per term; read from the database on first use. A
    posting of an entry newer than the snapshot is left out (the next query reloads)."""
    found = {t: snap.terms[t] for t in terms if t in snap.terms}
    missing = [t for t in terms if t not in found]
    if not missing:
        return found
    for term, (ids, weights) in _read_postings(missing).items():
        if len(snap.ids):
            pos = np.minimum(np.searchsorted(snap.ids, ids), len(snap.ids) - 1)
            known = snap.ids[pos] == ids
        else:
            pos, known = ids, np.zeros(len(ids), dtype=bool)
        found[term] = (pos[known].astype(np.intp), weights[known])
    with _lock:
        if snap.cached > MAX_CACHED_POSTINGS:
            snap.terms = {}
            snap.cached = 0
        for term in missing:
            snap.terms[term] = found[term]
            snap.cached += len(found[term][0])
    return found


def rank(
    tokens: list[tuple[str, tuple[str, ...]]],
    lang: str,
    *,
    limit: int,
    require_all: bool,
    boost: float,
) -> tuple[list[tuple[int, float, int, tuple]], int]:
    """([(entry id, score, words matched, facts)] best first, number of matches).

    Same order as the SQL: words matched (descending), then the BM25-style score with
    the reader's language boosted, then entry id."""
    snap = snapshot_get()
    n = len(snap.ids)
    if not n:
        return [], 0
    variants = list(dict.fromkeys(v for _, vs in tokens for v in vs))
    owner: dict[str, int] = {}
    for index, (_, vs) in enumerate(tokens):
        for v in vs:
            owner.setdefault(v, index)
    lists = _postings(snap, variants)
    score = np.zeros(n, dtype=np.float64)
    hit = np.zeros((len(tokens), n), dtype=bool)
    for v in variants:
        pos, weights = lists[v]
        df = len(pos)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        if df:
            score += np.bincount(pos, weights=weights * idf, minlength=n)
            hit[owner[v], pos] = True
    matched = hit.sum(axis=0)
    needed = len(tokens) if require_all else 1
    keep = np.flatnonzero(matched >= needed)
    total = len(keep)
    if not total:
        return [], 0
    ranked = score[keep] * np.where(snap.lang_is(lang, keep), boost, 1.0)
    order = np.lexsort((snap.ids[keep], -ranked, -matched[keep]))[:limit]
    out = []
    for i in order:
        j = keep[i]
        out.append((int(snap.ids[j]), float(ranked[i]), int(matched[j]), snap.facts(int(j))))
    return out, total
