"""The content structure: the locales, the home page of each language (the default
site's root) and its sections, where content pages live.

`content_structure_ensure` is idempotent: it creates what is missing and leaves what
editors have changed alone. The importer (liberation.exchange) calls it before writing
into the sections; the site bootstrap (liberation.site) builds the rest of the site
around it (institutional pages, footer, workflow, staff groups).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Locale, Page, Site

from liberation.core.services import page_child_ensure, page_publish, page_translation_ensure

from .models import HomePage, SectionIndexPage

LANGUAGES = ("fr", "en")

SECTIONS = {
    "history": {"fr": ("histoire", "Histoire"), "en": ("history", "History")},
    "news": {"fr": ("actualites", "Actualités"), "en": ("news", "News")},
    "ceremonies": {
        "fr": ("commemorations", "Commémorations"),
        "en": ("commemorations", "Commemorations"),
    },
}

HOME = {
    "fr": (
        "Mission Libération",
        "80e anniversaire de la Libération de la France et de la Victoire du 8 mai 1945.",
    ),
    "en": (
        "Mission Libération",
        "80th anniversary of the Liberation of France and of the Victory of 8 May 1945.",
    ),
}


@dataclass
class ContentStructure:
    homes: dict  # language code -> HomePage
    sections: dict  # (kind, language code) -> SectionIndexPage


@transaction.atomic
def content_structure_ensure() -> ContentStructure:
    for code in LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    fr = Locale.objects.get(language_code="fr")
    root = Page.get_first_root_node()
    if root is None:  # a flushed database (Wagtail creates the root in a data migration)
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=fr, live=True))

    home = HomePage.objects.filter(locale=fr).first()
    if home is None:
        title, intro = HOME["fr"]
        home = HomePage(title=title, slug="accueil", intro=intro, locale=fr)
        root.add_child(instance=home)
        page_publish(page=home)
    site_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    host = site_url.hostname or "localhost"
    port = site_url.port or (443 if site_url.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname=host, port=port, root_page=home, is_default_site=True)
    else:
        if (site.hostname, site.port) == ("localhost", 80):  # as Wagtail's migration made it
            site.hostname, site.port = host, port
        site.root_page = home
        site.save()
    # The page Wagtail creates on a fresh database ("Welcome to your new Wagtail site!").
    Page.objects.filter(depth=2, content_type=ContentType.objects.get_for_model(Page)).delete()

    title, intro = HOME["en"]
    homes = {
        "fr": home,
        "en": page_translation_ensure(
            source=home, language="en", title=title, slug="home", intro=intro
        ),
    }

    sections = {}
    for kind, names in SECTIONS.items():
        slug, title = names["fr"]
        section = SectionIndexPage.objects.child_of(home).filter(kind=kind).first()
        if section is None:
            section = page_child_ensure(
                parent=home,
                model=SectionIndexPage,
                slug=slug,
                title=title,
                kind=kind,
                show_in_menus=True,
            )
        sections[(kind, "fr")] = section
        slug, title = names["en"]
        sections[(kind, "en")] = page_translation_ensure(
            source=section, language="en", title=title, slug=slug
        )
    return ContentStructure(homes=homes, sections=sections)
