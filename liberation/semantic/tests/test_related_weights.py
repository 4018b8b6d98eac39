"""Related content by what the page is about: a broad theme only breaks ties (issue 14)."""

import numpy as np
import pytest

from liberation.content.models import ArticlePage, Theme
from liberation.semantic import embeddings
from liberation.semantic.selectors import (
    RELATED_WEIGHTS,
    RELATED_WEIGHTS_V1,
    Corpus,
    _facet_score,
    _facets_load,
    related_rank,
)


@pytest.fixture
def cross_cutting(make_page):
    """Six pages: two broad themes on five of them (like the Mission's themes, which cut
    across every topic), a narrow theme on two (the page and its on-topic neighbour)."""
    alliances = Theme.objects.create(slug="alliances", name_fr="Alliances", name_en="Alliances")
    civils = Theme.objects.create(
        slug="resilience-des-civils", name_fr="Résilience des civils", name_en="Civilians"
    )
    pockets = Theme.objects.create(
        slug="poches-de-l-atlantique", name_fr="Poches", name_en="Atlantic pockets"
    )
    pages = {"royan": make_page(ArticlePage, title="Royan", themes=[alliances, civils, pockets])}
    pages["saint-nazaire"] = make_page(ArticlePage, title="Saint-Nazaire", themes=[pockets])
    for name in ("lutetia", "caen", "colmar", "paris"):
        pages[name] = make_page(ArticlePage, title=name, themes=[alliances, civils])
    return pages


def _flat_corpus(pages) -> Corpus:
    """Every page equally close by meaning: only the facets decide."""
    ids = [p.pk for p in pages]
    vector = np.ones(embeddings.DIMENSIONS, dtype=np.float32)
    vector /= np.linalg.norm(vector)
    return Corpus.make(
        signature=(),
        ids=ids,
        langs=["fr"] * len(ids),
        translation_keys=[p.translation_key for p in pages],
        types=[p.content_type_id for p in pages],
        vectors=np.tile(vector, (len(ids), 1)),
    )


def test_a_narrow_shared_theme_outranks_two_broad_ones(cross_cutting):
    royan, nazaire = cross_cutting["royan"], cross_cutting["saint-nazaire"]
    corpus = _flat_corpus(list(cross_cutting.values()))

    ranked = related_rank(corpus=corpus, page_ids=[royan.pk])[royan.pk]
    assert ranked[0] == nazaire.pk
    assert royan.pk not in ranked
    # with the first weights (every shared theme 2), the two broad themes won
    before = related_rank(corpus=corpus, page_ids=[royan.pk], weights=RELATED_WEIGHTS_V1)
    assert before[royan.pk][0] != nazaire.pk


def test_a_broad_theme_counts_less_than_a_shared_place(cross_cutting):
    royan, caen = cross_cutting["royan"], cross_cutting["caen"]
    facets = _facets_load([p.pk for p in cross_cutting.values()])
    two_broad = _facet_score(facets, caen.pk, cross_cutting["paris"].pk, RELATED_WEIGHTS)
    assert 0 < two_broad / 2 < RELATED_WEIGHTS.place  # each broad theme
    narrow = _facet_score(facets, royan.pk, cross_cutting["saint-nazaire"].pk, RELATED_WEIGHTS)
    assert narrow > two_broad
    # the first weights counted every theme the same
    v1 = _facet_score(facets, royan.pk, cross_cutting["saint-nazaire"].pk, RELATED_WEIGHTS_V1)
    assert v1 == RELATED_WEIGHTS_V1.theme
