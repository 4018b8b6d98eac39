"""The postings of a query's words, read by chunks straight into arrays
(postings._read_postings): the same lists whatever the chunk size, a word's postings
split across chunks and chunks holding several words."""

import numpy as np
import pytest

from liberation.discovery import indexing, postings
from liberation.discovery.models import SearchEntry, SearchPosting

pytestmark = pytest.mark.django_db


@pytest.fixture
def index():
    entries = [
        SearchEntry.objects.create(
            source="test", key=str(n), lang="fr", type="event", title=f"e{n}", title_folded=""
        )
        for n in range(9)
    ]
    words = {"common": range(9), "rare": [2, 7], "middle": [0, 3, 4, 5, 8]}
    SearchPosting.objects.bulk_create(
        SearchPosting(entry=entries[n], term=word, weight=1.0 + n / 10)
        for word, ns in words.items()
        for n in ns
    )
    indexing._bump()  # as every index write does: no process keeps an older copy
    return {word: [entries[n].pk for n in ns] for word, ns in words.items()}


@pytest.mark.parametrize("chunk", [1, 2, 4, 100])
def test_each_word_gets_all_its_postings_whatever_the_chunk_size(index, monkeypatch, chunk):
    monkeypatch.setattr(postings, "POSTINGS_CHUNK_ROWS", chunk)
    read = postings._read_postings(["rare", "common", "absent", "middle"])
    assert set(read) == {"rare", "common", "absent", "middle"}
    for word, ids in index.items():
        got_ids, got_weights = read[word]
        assert got_ids.dtype == np.int64 and got_weights.dtype == np.float64
        assert got_ids.tolist() == sorted(ids)
        expected = dict(SearchPosting.objects.filter(term=word).values_list("entry_id", "weight"))
        assert got_weights.tolist() == [expected[i] for i in got_ids.tolist()]
    assert len(read["absent"][0]) == len(read["absent"][1]) == 0


def test_the_ranking_is_the_same_with_tiny_chunks(index, monkeypatch):
    tokens = [("common", ("common",)), ("middle", ("middle",))]
    whole = postings.rank(tokens, "fr", limit=10, require_all=False, boost=1.5)
    postings._entries._held = None  # a new copy, read again with one row per chunk
    monkeypatch.setattr(postings, "POSTINGS_CHUNK_ROWS", 1)
    chunked = postings.rank(tokens, "fr", limit=10, require_all=False, boost=1.5)
    assert whole == chunked and whole[1] == 9
