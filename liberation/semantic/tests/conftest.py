"""A small bilingual corpus, embedded directly through the service (no task queue)."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.rich_text import RichText

from liberation.content.models import ArticlePage, DossierPage, NewsPage, Place, Theme
from liberation.events.models import CeremonyPage
from liberation.semantic import services


def _body(*paragraphs):
    return [("paragraph", RichText(f"<p>{p}</p>")) for p in paragraphs]


@pytest.fixture
def corpus(make_page, translate):
    """Five items about Normandy, the Resistance and women's vote, in FR and/or EN."""
    normandy = Theme.objects.create(
        slug="bataille-de-normandie", name_fr="Bataille de Normandie", name_en="Battle of Normandy"
    )
    resistance = Theme.objects.create(slug="resistance", name_fr="Résistance", name_en="Resistance")
    cherbourg = Place.objects.create(name="Cherbourg", latitude=49.6394, longitude=-1.6163)
    utah = Place.objects.create(name="Utah Beach", latitude=49.4155, longitude=-1.1745)
    pages = {}
    pages["cherbourg"] = make_page(
        ArticlePage,
        title="La bataille de Cherbourg, juin 1944",
        lead="Après le Débarquement, les troupes américaines prennent le port de Cherbourg, "
        "dans le Cotentin, que les Allemands ont saboté avant de se rendre.",
        body=_body("Du 19 au 30 juin 1944, les Américains encerclent la ville et son port."),
        themes=[normandy],
        places=[cherbourg],
        history_start=dt.date(1944, 6, 19),
        history_end=dt.date(1944, 6, 30),
    )
    pages["cherbourg_en"] = translate(pages["cherbourg"], "en", title="The battle of Cherbourg")
    pages["dday"] = make_page(
        DossierPage,
        title="6 juin 1944 : le Débarquement en Normandie",
        lead="Les Alliés débarquent sur les plages normandes, d'Utah Beach à Sword Beach.",
        themes=[normandy],
        places=[utah],
        history_start=dt.date(1944, 6, 6),
    )
    pages["ceremony"] = make_page(
        CeremonyPage,
        title="Cérémonie au mémorial d'Utah Beach",
        lead="Hommage aux soldats américains débarqués en Normandie le 6 juin 1944.",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=30),
        venue="Utah Beach",
        themes=[normandy],
        places=[utah],
    )
    pages["song"] = make_page(
        ArticlePage,
        title="Le Chant des partisans, hymne de la Résistance",
        lead="Écrit à Londres en 1943 par Joseph Kessel et Maurice Druon sur une musique "
        "d'Anna Marly, le chant devient l'hymne de la Résistance française.",
        themes=[resistance],
    )
    pages["vote"] = make_page(
        NewsPage,
        title="29 avril 1945 : les Françaises votent pour la première fois",
        lead="Le droit de vote des femmes est exercé pour la première fois aux élections "
        "municipales de 1945.",
        section="news",
    )
    for page in pages.values():
        services.page_index_update(page_id=page.pk)
    return pages
