"""Reads of the semantic index: search by meaning, and related content by meaning.

The vectors of the embedded pages and of the search documents are held in one matrix
each (`corpus.py`), rebuilt when their table changes, shared between the processes of
a machine when SEMANTIC_SHARED_DIR is set.
"""

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from wagtail.models import Page

from liberation.content.models import ContentPage

from . import embeddings
from .corpus import Corpus, SortedIds, corpus_get, document_corpus_get
from .models import PageEmbedding

__all__ = ["Corpus", "SortedIds", "corpus_get"]  # where the callers found them before

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


def query_clean(query: str) -> str:
    """Drop control and format characters, fold whitespace, cap the length."""
    kept = (
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in query[: MAX_QUERY_CHARS * 2]
    )
    return " ".join("".join(kept).split())[:MAX_QUERY_CHARS]


NONE = SortedIds(np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class SemanticRanking:
    """The best pages by meaning, and which pages the index holds at all: a page
    missing from `embedded` was not embedded yet (hybrid search then ranks it by its
    lexical rank alone instead of as a semantic miss). With `documents`, the same for
    the search documents, by key hash (`models.document_key_hash`)."""

    results: list[tuple[int, float]]
    embedded: SortedIds
    documents: list[tuple[int, float]] = field(default_factory=list)
    documents_embedded: SortedIds = field(default_factory=lambda: NONE)


def semantic_rank(
    *, query: str, lang: str | None, limit: int, documents: bool = False
) -> SemanticRanking:
    """`semantic_search`'s results together with the set of embedded page ids; with
    `documents`, also the best `limit` documents (the query is embedded once)."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    text = query_clean(query)
    if not text or limit <= 0:
        return SemanticRanking(results=[], embedded=NONE)
    corpus = corpus_get()
    others = document_corpus_get() if documents else None
    if not len(corpus.ids) and (others is None or not len(others.ids)):
        return SemanticRanking(results=[], embedded=corpus.row)
    vector = embeddings.encode([text])[0]
    if others is None:
        return SemanticRanking(results=_scan(corpus, vector, lang, limit), embedded=corpus.row)
    return SemanticRanking(
        results=_scan(corpus, vector, lang, limit),
        embedded=corpus.row,
        documents=_scan(others, vector, lang, limit),
        documents_embedded=others.row,
    )


def semantic_search(*, query: str, lang: str | None, limit: int) -> list[tuple[int, float]]:
    """Page ids by cosine similarity to the query, best first, with the cosine.

    `lang` keeps only the pages in that language ("fr", "en"); None searches both (an
    English query then finds French-only pages). Raises ValueError for another language.
    """
    return semantic_rank(query=query, lang=lang, limit=limit).results


def _scan(
    corpus: Corpus, vector: np.ndarray, lang: str | None, limit: int
) -> list[tuple[int, float]]:
    if not len(corpus.ids):
        return []
    # A large corpus: the rows of the nearest clusters only (`clusters.py`).
    rows = None if corpus.clusters is None else corpus.clusters.rows(vector)
    scores = corpus.matrix.scores(vector, rows)
    if lang is not None:
        langs = corpus.langs if rows is None else corpus.langs[rows]
        scores = np.where(langs == lang, scores, -np.inf)
    limit = min(limit, len(scores))
    if not limit:
        return []
    top = np.argpartition(-scores, limit - 1)[:limit]
    top = top[np.argsort(-scores[top], kind="stable")]
    found = top if rows is None else rows[top]
    return [
        (int(corpus.ids[i]), float(scores[j]))
        for i, j in zip(found, top, strict=True)
        if np.isfinite(scores[j])
    ]


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
