import datetime as dt

import pytest


@pytest.fixture
def corpus(make_page, translate):
    """A small corpus: Cherbourg (FR, with an EN translation), neighbours that share
    words with it, and a French-only article."""
    from liberation.content.models import ArticlePage, DossierPage, NewsPage, Place

    cherbourg_place = Place.objects.get_or_create(
        name="Cherbourg", defaults={"latitude": 49.63, "longitude": -1.62}
    )[0]
    body = [
        (
            "paragraph",
            "<p>Le 26 juin 1944, après la bataille du Cotentin, les forces alliées entrent dans "
            "Cherbourg. Le port, saboté par l’armée allemande, est remis en état.</p>",
        )
    ]
    cherbourg = make_page(
        ArticlePage,
        title="La libération de Cherbourg",
        lead="Le grand port du Cotentin libéré par les Américains en juin 1944.",
        body=body,
        places=[cherbourg_place],
        history_start=dt.date(1944, 6, 26),
    )
    other = {
        "paris": make_page(
            ArticlePage,
            title="La libération de Paris",
            lead="Août 1944 : Paris se soulève, la 2e DB entre dans la capitale.",
        ),
        "port": make_page(
            NewsPage,
            title="Un port et ses dockers",
            lead="Les ports de la Manche après la guerre : reconstruction en 1946.",
        ),
        "dossier": make_page(
            DossierPage,
            title="Les débarquements de 1944",
            lead="Normandie et Provence : les alliés débarquent. Mention de Cherbourg.",
        ),
    }
    english = translate(
        cherbourg,
        "en",
        title="The liberation of Cherbourg",
        lead="The great port of the Cotentin freed by the Americans in June 1944.",
    )
    return {"cherbourg": cherbourg, "cherbourg_en": english, **other}


def _places(*names):
    from liberation.content.models import Place

    return {
        name: Place.objects.get_or_create(name=name, defaults={"latitude": 49, "longitude": 0})[0]
        for name in names
    }


@pytest.fixture
def placed(corpus, make_page):
    """Two more pages in Cherbourg (one of them also in Caen) and one in Caen only."""
    from liberation.content.models import ArticlePage, NewsPage
    from liberation.discovery.indexing import index_pages

    places = _places("Cherbourg", "Caen")
    pages = {
        "arsenal": make_page(
            ArticlePage,
            title="L'arsenal en 1944",
            places=[places["Cherbourg"], places["Caen"]],
        ),
        "gare": make_page(NewsPage, title="La gare maritime en 1944", places=[places["Cherbourg"]]),
        "caen": make_page(ArticlePage, title="Caen en ruines en 1944", places=[places["Caen"]]),
    }
    index_pages([p.pk for p in pages.values()])  # as the publish task did
    return {**corpus, **pages, "places": places}
