"""Published stories of the collection in the site search (`site/documents.py`): indexed
through the queue when published, removed when they stop being public, found by the
search page in both languages with their type and place, never anything private."""

import pytest
from django.contrib.auth.models import User

from liberation.collection import moderation, services
from liberation.collection.factories import story_make
from liberation.collection.models import Item, Story
from liberation.discovery.indexing import rebuild_index
from liberation.discovery.models import SearchEntry, SearchPosting, SearchTerm
from liberation.discovery.selectors import SearchFilters, search_pages
from liberation.places.factories import communes_sample

pytestmark = pytest.mark.django_db
State = Story.State


@pytest.fixture
def historian(db):
    return User.objects.create_user("historian", password="pw")


@pytest.fixture
def sent_story(db):
    story, _ = story_make(
        items=2,
        state=State.NEEDS_REVIEW,
        title="Les cloches de Bayeux",
        email="zorglub.secret@example.org",
        contributor_name="Anatole Vrombier",
        pseudonym="Petit-fils",
        attribution=Story.Attribution.PSEUDONYM,
    )
    Item.objects.create(
        story=story,
        state=Item.State.PROCESSING,
        original_name="scan.jpg",
        content_type="image/jpeg",
        caption="Zanzibaroise inédite",
    )
    return story


def _moderate(story, to_state, user, capture, reason=""):
    with capture(execute=True):
        moderation.story_moderate(story_id=story.pk, to_state=to_state, user=user, reason=reason)


def _entry(story):
    return SearchEntry.objects.filter(source="testimony", key=story.public_id).first()


def test_publishing_indexes_the_story_through_the_queue(
    sent_story, historian, django_capture_on_commit_callbacks
):
    assert _entry(sent_story) is None
    _moderate(sent_story, State.PUBLISHED, historian, django_capture_on_commit_callbacks)
    entry = _entry(sent_story)
    assert entry is not None and entry.page_id is None
    assert entry.url == f"/fr/collection/s/{sent_story.public_id}/"
    assert (entry.lang, entry.type, entry.departements) == ("fr", "testimony", "|14|")
    assert entry.places == "Bayeux (14)"
    assert entry.date == sent_story.date_from
    assert "Photo 1" in entry.text and "Photo 2" in entry.text


def test_nothing_private_enters_the_index(
    sent_story, historian, django_capture_on_commit_callbacks
):
    _moderate(sent_story, State.PUBLISHED, historian, django_capture_on_commit_callbacks)
    entry = _entry(sent_story)
    stored = " ".join(
        str(v) for v in SearchEntry.objects.filter(pk=entry.pk).values().first().values()
    )
    for secret in ("zorglub", "example.org", "Anatole", "Vrombier", "Zanzibaroise"):
        assert secret.lower() not in stored.lower()
    terms = set(SearchPosting.objects.filter(entry=entry).values_list("term", flat=True))
    terms |= set(SearchTerm.objects.values_list("term", flat=True))
    assert not {t for t in terms if t.startswith(("zorglub", "anatol", "vrombier", "zanzibar"))}
    for query in ("zorglub", "Vrombier", "Zanzibaroise"):
        assert search_pages(query=query, lang="fr").candidates == []


@pytest.mark.parametrize(
    "to_state",
    [State.PRIVATE, State.REJECTED, "withdrawn"],
    ids=["private", "rejected", "withdrawn"],
)
def test_a_story_that_stops_being_public_leaves_the_index(
    sent_story, historian, django_capture_on_commit_callbacks, to_state
):
    _moderate(sent_story, State.PUBLISHED, historian, django_capture_on_commit_callbacks)
    assert search_pages(query="cloches", lang="fr").candidates
    if to_state == "withdrawn":
        with django_capture_on_commit_callbacks(execute=True):
            services.story_withdraw(story_id=sent_story.pk)
    else:
        _moderate(sent_story, to_state, historian, django_capture_on_commit_callbacks, "doublon")
    assert _entry(sent_story) is None
    assert search_pages(query="cloches", lang="fr").candidates == []


def test_rebuild_indexes_published_stories_only(db):
    published, _ = story_make(items=1, state=State.PUBLISHED, title="Le maquis publié")
    for state in (State.DRAFT, State.NEEDS_REVIEW, State.PRIVATE, State.REJECTED, "withdrawn"):
        story_make(items=1, state=state, title=f"Le maquis {state}")
    assert rebuild_index() == 1
    assert list(SearchEntry.objects.values_list("source", "key")) == [
        ("testimony", published.public_id)
    ]


def test_caption_edits_reach_the_index(historian, django_capture_on_commit_callbacks):
    story, _ = story_make(items=1, state=State.PUBLISHED)
    rebuild_index()
    item = story.items.get()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.captions_update(
            story_id=story.pk, captions={item.public_id: "Le clocher penché"}, user=historian
        )
    assert "clocher penché" in _entry(story).text


@pytest.mark.parametrize(
    "lang,path,label", [("fr", "/fr/recherche/", "Témoignage"), ("en", "/en/search/", "Testimony")]
)
def test_search_page_shows_the_story_with_its_type_and_place(
    client, structure, sent_story, historian, django_capture_on_commit_callbacks, lang, path, label
):
    _moderate(sent_story, State.PUBLISHED, historian, django_capture_on_commit_callbacks)
    response = client.get(path, {"q": "cloches Bayeux"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/fr/collection/s/{sent_story.public_id}/"' in html
    assert label in html and "Bayeux (14)" in html
    assert "zorglub" not in html
    # The type facet offers the testimonies, the département facet Calvados.
    assert "type=testimony" in html and "Calvados (14)" in html
    assert client.get(f"/fr/collection/s/{sent_story.public_id}/").status_code == 200


def test_departement_facet_counts_and_filter(db):
    communes = communes_sample()
    calvados = [
        story_make(items=1, state=State.PUBLISHED, title=f"Souvenir de moisson {n}")[0]
        for n in range(2)
    ]
    manche, _ = story_make(
        items=1, state=State.PUBLISHED, title="Souvenir de moisson 3", commune=communes["50129"]
    )
    story_make(items=1, state=State.PUBLISHED, title="Souvenir de moisson 4", commune=None)
    rebuild_index()
    results = search_pages(query="souvenir moisson", lang="fr")
    assert results.facets["departement"] == [("14", 2), ("50", 1)]
    assert results.facets["type"] == [("testimony", 4)]
    only = search_pages(
        query="souvenir moisson", lang="fr", filters=SearchFilters(departement="50")
    )
    assert [c.entry_id for c in only.candidates] == [_entry(manche).pk]
    # The other facets count with the département filter applied, and the other values
    # of the département facet stay offered.
    assert only.facets["type"] == [("testimony", 1)]
    assert only.facets["departement"] == [("14", 2), ("50", 1)]
    assert {_entry(s).pk for s in calvados} == {
        c.entry_id
        for c in search_pages(
            query="souvenir moisson", lang="fr", filters=SearchFilters(departement="14")
        ).candidates
    }


def test_story_page_shows_related_content_by_place_and_period(client, make_page, translate):
    import datetime as dt

    from liberation.content.models import ArticlePage, Place

    communes = communes_sample()
    bayeux = Place.objects.create(
        name="Bayeux", commune=communes["14047"], latitude=49.27, longitude=-0.7
    )
    caen = Place.objects.create(
        name="Caen", commune=communes["14118"], latitude=49.18, longitude=-0.37
    )
    cherbourg = Place.objects.create(
        name="Cherbourg", commune=communes["50129"], latitude=49.63, longitude=-1.62
    )
    same_commune = make_page(ArticlePage, title="Bayeux, première ville libérée", places=[bayeux])
    translate(same_commune, "en", title="Bayeux, the first town freed")
    same_period = make_page(
        ArticlePage, title="La bataille de Normandie", history_start=dt.date(1944, 6, 6)
    )
    same_departement = make_page(ArticlePage, title="Caen en ruines", places=[caen])
    make_page(ArticlePage, title="Le port de Cherbourg", places=[cherbourg])  # not near
    story, _ = story_make(items=1, state=State.PUBLISHED, date_from=dt.date(1944, 6, 7))
    html = client.get(f"/fr/collection/s/{story.public_id}/").content.decode()
    section = html.split('id="story-related"', 1)[1].split("</section>", 1)[0]
    titles = [same_commune.title, same_period.title, same_departement.title]
    assert [t for t in titles if t in section] == titles
    assert section.index(titles[0]) < section.index(titles[1]) < section.index(titles[2])
    assert "Cherbourg" not in section and "the first town freed" not in section


def test_the_search_api_lists_the_story(
    client, sent_story, historian, django_capture_on_commit_callbacks
):
    _moderate(sent_story, State.PUBLISHED, historian, django_capture_on_commit_callbacks)
    data = client.get("/api/search/", {"q": "cloches Bayeux", "lang": "en"}).json()
    [result] = [r for r in data["results"] if r["type"] == "testimony"]
    assert result["key"] is None and result["lang"] == "fr"
    assert result["url"] == f"http://testserver/fr/collection/s/{sent_story.public_id}/"
    assert "zorglub" not in str(data)


def _testimonies(client, page) -> str:
    html = client.get(page.url).content.decode()
    if 'id="related-documents-heading"' not in html:
        return ""
    return html.split('id="related-documents-heading"', 1)[1].split("</section>", 1)[0]


def test_an_article_shows_the_testimonies_from_its_places(
    client, make_page, historian, django_capture_on_commit_callbacks
):
    """Issue 12: a published story is in the related content of the pages about its
    place (same commune first, then the département); withdrawn or unpublished, it
    leaves them at once (the cards are a cached fragment)."""
    from django.core.cache import cache

    from liberation.content.models import ArticlePage, Place

    cache.clear()
    communes = communes_sample()
    bayeux = Place.objects.create(
        name="Bayeux", commune=communes["14047"], latitude=49.27, longitude=-0.7
    )
    cherbourg = Place.objects.create(
        name="Cherbourg", commune=communes["50129"], latitude=49.63, longitude=-1.62
    )
    article = make_page(ArticlePage, title="Bayeux, première ville libérée", places=[bayeux])
    elsewhere = make_page(ArticlePage, title="Le port de Cherbourg", places=[cherbourg])
    assert _testimonies(client, article) == ""  # nothing published yet: no section

    in_caen, _ = story_make(
        items=1, state=State.NEEDS_REVIEW, title="Caen sous les bombes", commune=communes["14118"]
    )
    in_bayeux, _ = story_make(items=1, state=State.NEEDS_REVIEW, title="Les cloches de Bayeux")
    for story in (in_bayeux, in_caen):
        _moderate(story, State.PUBLISHED, historian, django_capture_on_commit_callbacks)
    section = _testimonies(client, article)
    assert section.index("Les cloches de Bayeux") < section.index("Caen sous les bombes")
    assert f'href="/fr/collection/s/{in_bayeux.public_id}/"' in section
    assert "Témoignage" in section and "Bayeux (14)" in section
    assert "contrib@example.org" not in section and "Petit-fils" not in section
    assert _testimonies(client, elsewhere) == ""  # another département

    _moderate(in_bayeux, State.PRIVATE, historian, django_capture_on_commit_callbacks)
    section = _testimonies(client, article)
    assert "Les cloches de Bayeux" not in section and "Caen sous les bombes" in section
