"""One result per story (issue 14): a page and its translation are one result, in the
reader's language first, the other version offered as "Also in English / Aussi en
français"; a page that exists only in the other language stays, marked; facet counts
count stories."""

from html import unescape

import pytest
from bs4 import BeautifulSoup

from liberation.discovery.selectors import SearchFilters, search_pages


def _hits(client, path, **params):
    soup = BeautifulSoup(client.get(path, params).content.decode(), "html.parser")
    return soup.select(".lib-search-results > li")


@pytest.mark.parametrize(
    "path, shown, other, label, other_lang",
    [
        ("/fr/recherche/", "La libération de Cherbourg", "cherbourg_en", "Also in English", "en"),
        ("/en/search/", "The liberation of Cherbourg", "cherbourg", "Aussi en français", "fr"),
    ],
)
def test_a_page_and_its_translation_are_one_result(
    client, corpus, path, shown, other, label, other_lang
):
    hits = _hits(client, path, q="cherbourg")
    titles = [hit.select_one("h3").get_text(" ", strip=True) for hit in hits]
    assert titles.count(shown) == 1
    assert not {"La libération de Cherbourg", "The liberation of Cherbourg"} - {shown} & set(titles)
    card = hits[titles.index(shown)]
    assert card.select_one("h3").get("lang") is None  # in the reader's language
    also = card.select_one(".lib-also a")
    assert also.get_text() == label
    assert (also["hreflang"], also["lang"]) == (other_lang, other_lang)
    assert also["href"] == corpus[other].url


def test_a_page_only_in_the_other_language_stays_marked(client, corpus):
    """An English reader still finds the French-only article, marked as French."""
    hits = _hits(client, "/en/search/", q="paris")
    card = next(h for h in hits if "La libération de Paris" in h.get_text())
    assert card.select_one("h3")["lang"] == "fr"
    assert card.select_one(".lib-also") is None
    assert "Français" in unescape(str(card)) or "French" in card.get_text()


def test_counts_and_the_language_facet_count_stories(corpus):
    results = search_pages(query="cherbourg", lang="fr")
    ids = [c.page_id for c in results.candidates]
    assert corpus["cherbourg"].pk in ids and corpus["cherbourg_en"].pk not in ids
    assert results.total == len(results.candidates)
    languages = dict(results.facets["lang"])
    # The Cherbourg story exists in both languages: it counts once in each.
    assert languages["en"] == 1
    english = search_pages(query="cherbourg", lang="fr", filters=SearchFilters(lang="en"))
    # Choosing English shows the English version of the story, nothing else.
    assert [c.page_id for c in english.candidates] == [corpus["cherbourg_en"].pk]
    assert english.candidates[0].also[0].page_id == corpus["cherbourg"].pk


def test_grouping_leaves_the_rankings_candidates_unchanged():
    from liberation.discovery.selectors import Candidate, one_per_story

    def candidate(entry_id, score, lang):
        return Candidate(
            entry_id=entry_id,
            score=score,
            matched=1,
            type="article",
            lang=lang,
            themes="",
            periods="",
            place_ids="",
            date=None,
            page_id=entry_id,
            departements="",
            story="s1",
        )

    english, french = candidate(1, 0.9, "en"), candidate(2, 0.5, "fr")
    [story] = one_per_story([english, french], lang="fr")
    assert (story.entry_id, story.score, [m.entry_id for m in story.also]) == (2, 0.9, [1])
    assert (french.score, french.also, english.also) == (0.5, [], [])
