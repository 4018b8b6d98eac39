"""One published page of every public type, in French and English, for the HTML and
browser tests.

The Cherbourg article reproduces the seed page (shared/seed): its text, its video block
and its three "Contenus associés" cards (an English dossier, a French ceremony and a
French dossier). It also carries every other body block, a local video with captions
and an image with alt text and credit.

Used by tests/test_html.py (inside a rolled-back transaction) and tests/e2e (on a
live server, in a transactional database); it needs `site_ensure_structure()` first.
"""

import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page

SEED_TITLE = "La Bataille de Cherbourg : Une Victoire Stratégique pour la Libération de la France"
SEED_PARAGRAPHS = [
    "La Bataille de Cherbourg, survenue en juin 1944, est l'un des épisodes les plus "
    "stratégiques de la campagne de Normandie. Après le Débarquement du 6 juin 1944, les "
    "forces alliées se tournent rapidement vers Cherbourg, un port essentiel situé dans la "
    "péninsule du Cotentin. Sa capture est cruciale pour garantir l'approvisionnement continu "
    "des troupes alliées qui progressent en France.",
    "Du 19 au 30 juin 1944, les troupes américaines lancent une offensive acharnée contre les "
    "forces allemandes retranchées dans la ville. Les combats sont intenses, les défenseurs "
    "nazis ayant préparé une fortification solide. Cependant, les Alliés parviennent à "
    "encercler Cherbourg, isolant les troupes ennemies, qui, malgré une résistance farouche, "
    "finissent par se rendre.",
    "Avant leur capitulation, les forces allemandes sabotent les installations portuaires, "
    "dans une tentative désespérée de ralentir l'avancée alliée. Toutefois, grâce à un effort "
    "intense de reconstruction, le port est rapidement remis en état de fonctionnement, "
    "devenant un point logistique clé pour la suite des opérations alliées en Europe.",
    "La prise de Cherbourg marque un tournant décisif dans la campagne de Normandie, ouvrant "
    "la voie à la libération complète de la région et assurant une base d'approvisionnement "
    "vitale pour les forces alliées. Cet épisode souligne à la fois la stratégie minutieuse et "
    "le courage des soldats qui ont combattu pour libérer la France.",
]
SEED_VIDEO_HEADING = "Revivez les combats de la Bataille de Cherbourg en vidéo :"
SEED_VIDEO_CAPTION = (
    "Cette vidéo vous plonge dans les moments clés de cette bataille déterminante, où la "
    "bravoure des soldats et la stratégie alliée ont assuré une victoire décisive pour la "
    "libération de la France."
)
# The three "Contenus associés" cards: (title, summary, date, language).
SEED_CARDS = [
    (
        "Commemoration of the Victory in Europe on May 8, 1945 : The 80th anniversary",
        "This dossier, written by the Mission Libération's Scientific and Orientation Council, "
        "looks back at the major events that marked the end of the Second World War: the German "
        "surrender at Reims, the capitulation, the liberation of the last pockets and the first "
        "steps towards rebuilding a battered France.",
        dt.date(2025, 5, 5),
        "en",
    ),
    (
        "Commémoration de la Victoire du 8 mai 1945 : programme et inscriptions",
        "Le 8 mai 2025, la Mission Libération et le ministère des Armées commémorent le 80e "
        "anniversaire de la victoire du 8 mai 1945. Présidée par le Président de la République, "
        "la cérémonie aura lieu en fin d’après-midi à Paris et sera retransmise en direct à la "
        "télévision.L’inscription préalable est obligatoire pour y assister.",
        dt.date(2025, 4, 25),
        "fr",
    ),
    (
        "Reddition, capitulation, libération des poches et reconstruction : retour sur les "
        "événements historiques",
        "Ce dossier rédigé par le Conseil scientifique et d’orientation de la Mission Libération "
        "revient sur les événements majeurs qui ont marqué la fin de la Seconde Guerre mondiale "
        ": reddition allemande à Reims, capitulation, libération des dernières poches et "
        "premiers pas vers la reconstruction d’une France meurtrie.",
        dt.date(2025, 4, 24),
        "fr",
    ),
]
YOUTUBE_ID = "dQw4w9WgXcQ"
YOUTUBE_EMBED = f"https://www.youtube-nocookie.com/embed/{YOUTUBE_ID}"
REGISTRATION_STATES = ("none", "not_open", "open", "closed", "past")


@dataclass
class PublicPages:
    """Each public page, by kind, in "fr" and "en": pages["article"]["en"]."""

    pages: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)

    def __post_init__(self):
        # Resolved now, so that tests need no database query while a browser runs.
        self.paths = {
            (kind, lang): page.url
            for kind, versions in self.pages.items()
            for lang, page in versions.items()
        }

    def url(self, kind: str, lang: str) -> str:
        return self.paths[(kind, lang)]

    def urls(self) -> list[tuple[str, str, str]]:
        """(kind, language, URL) for every page, plus the filtered listing and a 404."""
        result = [(kind, lang, path) for (kind, lang), path in self.paths.items()]
        for lang, section in (("fr", "/fr/histoire/"), ("en", "/en/history/")):
            query = "?type=article&theme=normandie&period=summer-1944"
            result.append(("section-filtered", lang, section + query))
            result.append(("404", lang, f"/{lang}/no-such-page/"))
        return result


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 36), (0, 0, 145)).save(buffer, format="PNG")
    return buffer.getvalue()


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page.specific


def _add(parent, model, **fields):
    fields.setdefault("slug", slugify(fields["title"])[:80])
    page = model(**fields)
    parent.add_child(instance=page)
    return _publish(page)


def _translate(page, lang: str, **fields):
    copy = page.copy_for_translation(Locale.objects.get(language_code=lang)).specific
    for name, value in fields.items():
        setattr(copy, name, value)
    if "title" in fields:
        copy.slug = slugify(fields["title"])[:80]
    copy.save()
    return _publish(copy)


def _video(*, title: str, url: str = "", file=None, captions=None, caption: str = "") -> dict:
    return {
        "title": title,
        "url": url,
        "file": file.pk if file else None,
        "captions": captions.pk if captions else None,
        "caption": caption,
        "transcript": "Juin 1944 : les troupes américaines encerclent Cherbourg.\n\n"
        "Le 26 juin, le général von Schlieben se rend.",
    }


def build_public_pages(structure) -> PublicPages:
    """Create and publish one page of each public type, in both languages."""
    from liberation.content.models import (
        ArticlePage,
        DossierPage,
        NewsPage,
        Place,
        Theme,
        VideoPage,
    )
    from liberation.core.models import CustomImage
    from liberation.events.models import CeremonyPage, RegistrationSettings

    sections = structure.sections
    now = timezone.now()
    normandie, _ = Theme.objects.get_or_create(
        slug="normandie", defaults={"name_fr": "Normandie", "name_en": "Normandy"}
    )
    cherbourg, _ = Place.objects.get_or_create(
        name="Cherbourg", defaults={"latitude": 49.6394, "longitude": -1.6163}
    )
    image = CustomImage.objects.create(
        title="Port de Cherbourg",
        file=ImageFile(io.BytesIO(_png()), name="cherbourg.png"),
        alt_text="Le port de Cherbourg après les combats, grues renversées",
        credit="© US Army Signal Corps / NARA",
    )
    Document = get_document_model()
    video_file = Document.objects.create(
        title="Cherbourg 1944", file=ContentFile(b"\x00\x00\x00\x18ftypmp42", name="cherbourg.mp4")
    )
    captions = Document.objects.create(
        title="Sous-titres",
        file=ContentFile(b"WEBVTT\n\n00:00.000 --> 00:02.000\nJuin 1944.\n", name="cherbourg.vtt"),
    )

    pages: dict = {}

    # The three seed cards, each with its own translation.
    en_dossier_title, en_summary, en_date, _lang = SEED_CARDS[0]
    fr_ceremony_title, ceremony_summary, ceremony_date, _lang = SEED_CARDS[1]
    fr_dossier_title, fr_summary, fr_date, _lang = SEED_CARDS[2]
    dossier = _add(
        sections[("history", "fr")],
        DossierPage,
        title=fr_dossier_title,
        lead=fr_summary,
        date=fr_date,
        author="Conseil scientifique et d’orientation",
        history_start=dt.date(1945, 5, 7),
        history_end=dt.date(1945, 5, 8),
    )
    dossier_en = _translate(dossier, "en", title=en_dossier_title, lead=en_summary, date=en_date)
    pages["dossier"] = {"fr": dossier, "en": dossier_en}
    child = _add(
        dossier,
        ArticlePage,
        title="La reddition de Reims",
        lead="Le 7 mai 1945, à Reims, l’Allemagne signe sa capitulation sans condition.",
        date=dt.date(2025, 4, 20),
    )
    pages["dossier-article"] = {
        "fr": child,
        "en": _translate(child, "en", title="The surrender at Reims", lead="On 7 May 1945…"),
    }

    # A ceremony in each registration state; the seed's (8 May 2025) has taken place.
    ceremonies = {}
    for state in REGISTRATION_STATES:
        starts = now + dt.timedelta(days=30)
        if state == "past":
            starts = dt.datetime(2025, 5, 8, 17, 30, tzinfo=dt.UTC)
        registration = None
        if state in ("not_open", "open", "closed"):
            opens = {"not_open": 5, "open": -5, "closed": -10}[state]
            closes = {"not_open": 10, "open": 10, "closed": -2}[state]
            registration = RegistrationSettings.objects.create(
                name=f"Cérémonie ({state})",
                capacity=500,
                opens_at=now + dt.timedelta(days=opens),
                closes_at=now + dt.timedelta(days=closes),
            )
        title = fr_ceremony_title if state == "past" else f"Cérémonie d’hommage ({state})"
        ceremony = _add(
            sections[("ceremonies", "fr")],
            CeremonyPage,
            title=title,
            lead=ceremony_summary,
            date=ceremony_date,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            venue="Arc de Triomphe, Paris",
            broadcast="France 2, 17 h 30" if state != "none" else "",
            registration_required=state != "none",
            registration=registration,
        )
        ceremonies[state] = ceremony
        en_title = f"Tribute ceremony ({state})" if state != "past" else "8 May ceremony"
        pages[f"ceremony-{state}"] = {
            "fr": ceremony,
            "en": _translate(ceremony, "en", title=en_title, lead="The ceremony in Paris."),
        }

    news = _add(
        sections[("news", "fr")],
        NewsPage,
        title="Programme du 80e anniversaire",
        lead="Le programme des commémorations du 8 mai 2025.",
        date=dt.date(2025, 4, 10),
    )
    pages["news"] = {"fr": news, "en": _translate(news, "en", title="80th anniversary programme")}

    video_page = _add(
        sections[("history", "fr")],
        VideoPage,
        title="Le port de Cherbourg en images",
        lead="Images d’archives du port de Cherbourg en 1944.",
        date=dt.date(2025, 3, 1),
        video=[
            {
                "type": "video",
                "value": _video(title="Le port de Cherbourg", file=video_file, captions=captions),
            }
        ],
    )
    pages["video"] = {
        "fr": video_page,
        "en": _translate(video_page, "en", title="The port of Cherbourg on film"),
    }

    body = [{"type": "paragraph", "value": f"<p>{text}</p>"} for text in SEED_PARAGRAPHS]
    body += [
        {"type": "heading", "value": {"text": SEED_VIDEO_HEADING, "level": "h2"}},
        {
            "type": "video",
            "value": _video(
                title="La Bataille de Cherbourg",
                url=f"https://www.youtube.com/watch?v={YOUTUBE_ID}",
                caption=SEED_VIDEO_CAPTION,
            ),
        },
        {"type": "heading", "value": {"text": "Les images du port", "level": "h3"}},
        {
            "type": "video",
            "value": _video(
                title="Le port en 1944",
                file=video_file,
                captions=captions,
                caption="Images d’archives, sous-titrées.",
            ),
        },
        {"type": "image", "value": {"image": image.pk, "caption": "Le port en juillet 1944"}},
        {
            "type": "quote",
            "value": {"text": "Cherbourg est tombé.", "source": "Dépêche du 27 juin 1944"},
        },
        {
            "type": "related",
            "value": {"heading": "À lire aussi", "pages": [news.pk, video_page.pk]},
        },
    ]
    article = _add(
        sections[("history", "fr")],
        ArticlePage,
        title=SEED_TITLE,
        lead=SEED_PARAGRAPHS[0],
        date=dt.date(2025, 4, 1),
        author="Mission Libération",
        hero_image=image,
        history_start=dt.date(1944, 6, 19),
        history_end=dt.date(1944, 6, 30),
        body=body,
        related=[
            {"type": "page", "value": dossier_en.pk},
            {"type": "page", "value": ceremonies["past"].pk},
            {"type": "page", "value": dossier.pk},
        ],
    )
    article.themes.set([normandie])
    article.places.set([cherbourg])
    article = _publish(article)
    pages["article"] = {
        "fr": article,
        "en": _translate(
            article,
            "en",
            title="The Battle of Cherbourg: a strategic victory for the Liberation of France",
            lead="The Battle of Cherbourg, in June 1944, is one of the most strategic episodes.",
        ),
    }

    pages["home"] = dict(structure.homes)
    pages["section"] = {
        "fr": sections[("history", "fr")],
        "en": sections[("history", "en")],
    }
    legal_fr = Page.objects.get(slug="mentions-legales", depth=3).specific
    pages["standard"] = {
        "fr": legal_fr,
        "en": legal_fr.get_translation(Locale.objects.get(language_code="en")).specific,
    }
    return PublicPages(pages=pages)
