"""Reads of the semantic index: search by meaning, and related content by meaning.

The vectors of all embedded pages are held in one numpy matrix per process, rebuilt
when the table changes. The change is detected from the table itself (row count and
latest update), one cheap aggregate per read: unlike a counter in the default
local-memory cache, it is seen by every worker process of a server.
"""

import math
import unicodedata
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.db import connection
from wagtail.models import Page

from liberation.content.models import ContentPage
from liberation.core.stamped import StampedCache

from . import embeddings
from .matrix import QuantizedMatrix, from_chunks
from .models import PageEmbedding

LANGUAGES = ("fr", "en")
MAX_QUERY_CHARS = 1000

# Related content: how much each signal counts. Cosines between two pages of this corpus
# (all about 1944-1945) run from about 0.3 to 0.9, so a weight of 6 spreads meaning over
# about three points; a shared place counts 2, a historical period within a month 0.5.
# A shared theme counted 2 whatever the theme in the weights first chosen
# (`RELATED_WEIGHTS_V1`, kept to measure against); it now counts 4 x its rarity, so a
# theme on a third of the pages (one of the Mission's four, which cut across every
# topic) counts about 1, a narrow one (the Atlantic pockets) about 2. Chosen on
# bench/relevance.py's related evaluation (docs/semantic.md).


@dataclass(frozen=True)
class RelatedWeights:
    meaning: float = 6.0
    theme: float = 2.0
    place: float = 2.0
    period: float = 0.5
    same_language: float = 0.5
    # Each card already chosen of the same type costs this much: types mix when the
    # candidates are close, the best card still wins when it is far ahead.
    same_type: float = 0.3
    # Scale each shared theme by how rare it is among the pages (log N/df over log N):
    # a broad theme then counts less than a shared place, a narrow one still counts.
    theme_rarity: bool = False


RELATED_WEIGHTS_V1 = RelatedWeights()
RELATED_WEIGHTS = RelatedWeights(theme=4.0, theme_rarity=True)
RELATED_STORED = 12
RELATED_POOL = 100  # candidates by meaning considered for each page
HISTORY_PROXIMITY = timedelta(days=31)


class SortedIds:
    """Page ids in ascending order: `in`, `[]` and `get` (the row) by binary search, without
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

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Corpus:
    """The embedded, live pages of the site, one row per page, in ascending page id.

    `stories` numbers the translation keys (a page and its translations share one
    number); `matrix` holds the vectors quantized (`matrix.py`)."""

    signature: tuple
    ids: np.ndarray  # int64, ascending
    langs: np.ndarray
    stories: np.ndarray  # int64
    types: np.ndarray  # int64 content type ids
    matrix: QuantizedMatrix
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
            langs=np.asarray(langs, dtype=object)[order],
            stories=np.asarray(stories, dtype=np.int64)[order],
            types=np.asarray(types, dtype=np.int64)[order],
            matrix=QuantizedMatrix.of(np.asarray(vectors, dtype=np.float32)[order]),
        )


def _signature() -> tuple:
    # Two subqueries, not COUNT(*) and MAX() in one: SQLite then answers each from an
    # index (0.01 ms at 20,000 rows) instead of scanning the table of vectors (3 ms).
    table = PageEmbedding._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {table}), (SELECT MAX(updated_at) FROM {table})"
        )
        count, last = cursor.fetchone()
    return (count, str(last))


BUILD_CHUNK = 2000


def _build(signature: tuple) -> Corpus:
    """Read the vectors in chunks of rows, quantizing each chunk as it comes
    (`matrix.from_chunks`): the process never holds the float32 vectors of every page."""
    rows = signature[0] if signature and signature[0] else 0
    ids, langs, stories, types = [], [], [], []
    numbers: dict = {}
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

    def chunks():
        chunk: list[bytes] = []
        for page_id, vector, lang, key, type_id in query.iterator(chunk_size=BUILD_CHUNK):
            if len(ids) >= rows:  # a row committed after the count: the next read rebuilds
                break
            ids.append(page_id)
            langs.append(lang)
            stories.append(numbers.setdefault(key, len(numbers)))
            types.append(type_id)
            chunk.append(bytes(vector))
            if len(chunk) == BUILD_CHUNK:
                yield _vectors(chunk)
                chunk = []
        if chunk:
            yield _vectors(chunk)

    matrix = from_chunks(rows, embeddings.DIMENSIONS, chunks())
    return Corpus(
        signature=signature,
        ids=np.array(ids, dtype=np.int64),
        langs=np.array(langs, dtype=object),
        stories=np.array(stories, dtype=np.int64),
        types=np.array(types, dtype=np.int64),
        matrix=matrix,
    )


def _vectors(chunk: list[bytes]) -> np.ndarray:
    # One buffer per chunk (a copy per row cost 300 ms at 20,000 pages).
    data = np.frombuffer(b"".join(chunk), dtype=np.float32)
    return data.reshape(len(chunk), embeddings.DIMENSIONS)


_corpora = StampedCache(stamp=_signature, build=_build)


def corpus_get() -> Corpus:
    """The matrix of this process, rebuilt when the table changed since it was built."""
    return _corpora.get()


def query_clean(query: str) -> str:
    """Drop control and format characters, fold whitespace, cap the length."""
    kept = (
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in query[: MAX_QUERY_CHARS * 2]
    )
    return " ".join("".join(kept).split())[:MAX_QUERY_CHARS]


@dataclass(frozen=True)
class SemanticRanking:
    """The best pages by meaning, and which pages the index holds at all: a page
    missing from `embedded` was not embedded yet (hybrid search then ranks it by its
    lexical rank alone instead of as a semantic miss)."""

    results: list[tuple[int, float]]
    embedded: Container[int]


def semantic_rank(*, query: str, lang: str | None, limit: int) -> SemanticRanking:
    """`semantic_search`'s results together with the set of embedded page ids."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    text = query_clean(query)
    if not text or limit <= 0:
        return SemanticRanking(results=[], embedded=frozenset())
    corpus = corpus_get()
    return SemanticRanking(results=_scan(corpus, text, lang, limit), embedded=corpus.row)


def semantic_search(*, query: str, lang: str | None, limit: int) -> list[tuple[int, float]]:
    """Page ids by cosine similarity to the query, best first, with the cosine.

    `lang` keeps only the pages in that language ("fr", "en"); None searches both (an
    English query then finds French-only pages). Raises ValueError for another language.
    """
    return semantic_rank(query=query, lang=lang, limit=limit).results


def _scan(corpus: Corpus, text: str, lang: str | None, limit: int) -> list[tuple[int, float]]:
    if not len(corpus.ids):
        return []
    scores = corpus.matrix.scores(embeddings.encode([text])[0])
    if lang is not None:
        scores = np.where(corpus.langs == lang, scores, -np.inf)
    limit = min(limit, len(scores))
    top = np.argpartition(-scores, limit - 1)[:limit]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(corpus.ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


def nearest_ids(*, corpus: Corpus, page_id: int, count: int) -> list[int]:
    """The pages closest in meaning to this one (not itself nor its translations)."""
    i = corpus.row.get(page_id)
    if i is None or count <= 0:
        return []
    scores = corpus.matrix.scores(corpus.matrix.row(i))
    scores[corpus.stories == corpus.stories[i]] = -np.inf
    keep = min(count, len(scores))
    top = np.argpartition(-scores, keep - 1)[:keep]
    top = top[np.lexsort((corpus.ids[top], -scores[top]))]
    return [int(corpus.ids[j]) for j in top if np.isfinite(scores[j])]


@dataclass
class _Facets:
    themes: dict[int, set[int]]
    places: dict[int, set[int]]
    periods: dict[int, tuple[date, date]]
    theme_rarity: dict[int, float] = field(default_factory=dict)


def _facets_load(page_ids: list[int]) -> _Facets:
    themes: dict[int, set[int]] = {}
    places: dict[int, set[int]] = {}
    through_t = ContentPage.themes.through.objects.filter(contentpage_id__in=page_ids)
    for page_id, theme_id in through_t.values_list("contentpage_id", "theme_id"):
        themes.setdefault(page_id, set()).add(theme_id)
    through_p = ContentPage.places.through.objects.filter(contentpage_id__in=page_ids)
    for page_id, place_id in through_p.values_list("contentpage_id", "place_id"):
        places.setdefault(page_id, set()).add(place_id)
    counts: dict[int, int] = {}
    for theme_ids in themes.values():
        for theme_id in theme_ids:
            counts[theme_id] = counts.get(theme_id, 0) + 1
    total = max(len(page_ids), 2)
    rarity = {t: max(0.0, math.log(total / n) / math.log(total)) for t, n in counts.items()}
    periods = {
        pk: (start, end or start)
        for pk, start, end in ContentPage.objects.filter(
            pk__in=page_ids, history_start__isnull=False
        ).values_list("pk", "history_start", "history_end")
    }
    return _Facets(themes=themes, places=places, periods=periods, theme_rarity=rarity)


def _facet_score(facets: _Facets, a: int, b: int, weights: RelatedWeights) -> float:
    shared = facets.themes.get(a, set()) & facets.themes.get(b, set())
    if weights.theme_rarity:
        score = weights.theme * sum(facets.theme_rarity.get(t, 0.0) for t in shared)
    else:
        score = weights.theme * len(shared)
    score += weights.place * len(facets.places.get(a, set()) & facets.places.get(b, set()))
    pa, pb = facets.periods.get(a), facets.periods.get(b)
    if pa and pb and pa[0] - HISTORY_PROXIMITY <= pb[1] and pb[0] - HISTORY_PROXIMITY <= pa[1]:
        score += weights.period
    return score


def related_rank(
    *, corpus: Corpus, page_ids: list[int], weights: RelatedWeights = RELATED_WEIGHTS
) -> dict[int, list[int]]:
    """For each page, the ids of its closest content, best first, to store.

    Meaning (cosine) plus shared themes, places and period; one language version per
    item, the page's own language preferred; never the page nor its translations;
    types mixed by a penalty on repeats.
    """
    facets = _facets_load(corpus.ids.tolist())
    pool = min(RELATED_POOL, len(corpus.ids))
    result: dict[int, list[int]] = {}
    for page_id in page_ids:
        i = corpus.row[page_id]
        cosines = corpus.matrix.scores(corpus.matrix.row(i))
        own_key, own_lang = corpus.stories[i], corpus.langs[i]
        best: dict = {}
        top = np.argpartition(-cosines, pool - 1)[:pool]
        for j in top[np.argsort(-cosines[top], kind="stable")]:
            key = int(corpus.stories[j])
            if key == own_key:
                continue
            other = int(corpus.ids[j])
            score = weights.meaning * float(cosines[j])
            score += _facet_score(facets, page_id, other, weights)
            if corpus.langs[j] == own_lang:
                score += weights.same_language
            if key not in best or score > best[key][0]:
                best[key] = (score, j)
        chosen: list[int] = []
        type_counts: dict[int, int] = {}
        remaining = dict(best)
        while remaining and len(chosen) < RELATED_STORED:
            key, (_score, j) = max(
                remaining.items(),
                key=lambda kv: (
                    kv[1][0] - weights.same_type * type_counts.get(int(corpus.types[kv[1][1]]), 0),
                    -int(corpus.ids[kv[1][1]]),
                ),
            )
            del remaining[key]
            chosen.append(int(corpus.ids[j]))
            type_id = int(corpus.types[j])
            type_counts[type_id] = type_counts.get(type_id, 0) + 1
        result[page_id] = chosen
    return result


def related_by_meaning(*, page: Page, count: int) -> list[Page] | None:
    """The stored related content of the page, live and public, in order (specific
    pages); None when the page has no embedding yet (the caller falls back)."""
    stored = PageEmbedding.objects.filter(page_id=page.pk).values_list("related_ids", flat=True)
    ids = stored.first()
    if ids is None:
        return None
    pages = {p.pk: p for p in Page.objects.live().public().filter(pk__in=ids).specific()}
    return [pages[pk] for pk in ids if pk in pages][:count]
