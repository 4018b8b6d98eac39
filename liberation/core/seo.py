"""What machines read about a page: canonical URL, hreflang alternates, Open Graph,
schema.org JSON-LD, and the sitemap that lists every page of both languages.

Every URL is built from the host of the request, never from the Site's hostname, so
that the canonical, the alternates and the sitemap agree with the address the reader
(or the crawler) used. The JSON-LD is built by each page type as Python data (its
`structured_data` method: core knows no page type) and serialised here with
`json.dumps`, escaped so that no value can close the `<script>` element it sits in.
"""

import json
from collections import defaultdict

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap
from wagtail.models import Page

SITE_NAME = "Mission Libération"
DEFAULT_LANGUAGE = "fr"
OG_LOCALES = {"fr": "fr_FR", "en": "en_US"}
OG_IMAGE_FILTER = "fill-1200x630"
FEED_URL_NAME = "feed"

# Same escapes as django.utils.html.json_script: "<", ">" and "&" become \u escapes,
# so "</script>" or "<!--" in a title cannot end or comment out the script element.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


# -- URLs ---------------------------------------------------------------------------


def absolute_url(url: str | None, request: HttpRequest | None) -> str | None:
    """`url` made absolute on the host of the request (left alone if already absolute)."""
    if not url:
        return None
    if request is None or url.startswith(("http://", "https://")):
        return url
    return request.build_absolute_uri(url)


def page_url(page: Page, request: HttpRequest | None) -> str | None:
    """The absolute URL of `page` on the request's host; None if it is not routable."""
    if request is None:
        return page.get_full_url()
    return absolute_url(page.get_url(request=request), request)


def page_language(page: Page) -> str:
    return page.locale.language_code


def translations(page: Page) -> list[Page]:
    """`page` and its live, public translations, ordered by language code.

    The page itself is kept even when it is not live, so that a preview shows the
    alternates the published page will have.
    """
    others = page.get_translations(inclusive=False).live().public().select_related("locale")
    return sorted([page, *others], key=page_language)


def hreflang_links(page: Page, request: HttpRequest | None) -> list[tuple[str, str]]:
    """(language code, absolute URL) for each existing live version of the page."""
    links = []
    for version in translations(page):
        url = page_url(version, request)
        if url:
            links.append((page_language(version), url))
    return links


def x_default(links: list[tuple[str, str]]) -> str | None:
    """The French version when there is one (the site's default language)."""
    urls = dict(links)
    if DEFAULT_LANGUAGE in urls:
        return urls[DEFAULT_LANGUAGE]
    return links[0][1] if links else None


def feed_url(language: str, request: HttpRequest | None) -> str | None:
    with translation.override(language):
        url = reverse(FEED_URL_NAME)
    return absolute_url(url, request)


def image_rendition_url(image, request: HttpRequest | None) -> str | None:
    """Absolute URL of a 1200×630 rendition, or None if the source file is missing."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition(OG_IMAGE_FILTER)
    except Exception:  # a missing or unreadable source file must not break the page
        return None
    return absolute_url(rendition.url, request)


# -- Open Graph ---------------------------------------------------------------------


def page_description(page: Page) -> str:
    return (
        getattr(page, "lead", "") or page.search_description or getattr(page, "intro", "") or ""
    ).strip()


def page_title(page: Page) -> str:
    return page.seo_title or page.title


def open_graph(
    page: Page,
    *,
    url: str | None,
    links: list[tuple[str, str]],
    image_url: str | None,
) -> list[tuple[str, str]]:
    """(property, content) pairs for the Open Graph meta elements.

    A page type says what it is with `og_type` ("website" unless it says otherwise;
    content pages are articles, dated by their `date`)."""
    language = page_language(page)
    og_type = getattr(page, "og_type", "website")
    tags = [
        ("og:site_name", SITE_NAME),
        ("og:title", page_title(page)),
        ("og:type", og_type),
    ]
    if description := page_description(page):
        tags.append(("og:description", description))
    if url:
        tags.append(("og:url", url))
    tags.append(("og:locale", OG_LOCALES.get(language, language)))
    for code, _url in links:
        if code != language:
            tags.append(("og:locale:alternate", OG_LOCALES.get(code, code)))
    if image_url:
        tags.append(("og:image", image_url))
        alt = getattr(page.hero_image, "alt_text", "")
        if alt:
            tags.append(("og:image:alt", alt))
    if og_type == "article" and getattr(page, "date", None):
        tags.append(("article:published_time", page.date.isoformat()))
    return tags


# -- schema.org JSON-LD -------------------------------------------------------------


def json_ld_dumps(data: dict) -> SafeString:
    """JSON safe to put between <script type="application/ld+json"> and </script>."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # escaped above


def organization(home_url: str | None) -> dict:
    """The site's publisher, as schema.org describes it."""
    data = {"@type": "Organization", "name": SITE_NAME}
    if home_url:
        data["url"] = home_url
    return data


def local_iso(value) -> str:
    """A date-time in the site's time zone, to the second, with its UTC offset."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()


def json_ld(page: Page, *, request, url, image_url, home_url) -> list[dict]:
    """The schema.org objects describing `page` (each one is a separate script).

    Each page type describes itself with a `structured_data(request=, url=, image_url=,
    home_url=)` method (articles, ceremonies, the home page...); a type without one
    (section listings, institutional pages) has none. Core knows no page type."""
    describe = getattr(page, "structured_data", None)
    if describe is None:
        return []
    return list(describe(request=request, url=url, image_url=image_url, home_url=home_url))


# -- The whole <head> ---------------------------------------------------------------


def _home_url(page: Page, request) -> str | None:
    site = page.get_site()
    if site is None:
        return None
    home = site.root_page.get_translation_or_none(page.locale) or site.root_page
    return page_url(home, request)


def head_metadata(*, page: Page, request: HttpRequest | None) -> dict:
    """Everything `includes/seo_head.html` needs for `page`."""
    if not isinstance(page, page.specific_class or Page):
        page = page.specific
    language = page_language(page)
    url = page_url(page, request)
    links = hreflang_links(page, request)
    image_url = image_rendition_url(getattr(page, "hero_image", None), request)
    home_url = _home_url(page, request)
    with translation.override(language):
        feed_title = gettext("Mission Libération — latest content")
    return {
        "canonical": url,
        "links": links if len(links) > 1 else [],
        "x_default": x_default(links) if len(links) > 1 else None,
        "og": open_graph(page, url=url, links=links, image_url=image_url),
        "twitter_card": "summary",
        "json_ld": [
            json_ld_dumps(data)
            for data in json_ld(
                page, request=request, url=url, image_url=image_url, home_url=home_url
            )
        ],
        "feed_url": feed_url(language, request),
        "feed_title": feed_title,
    }


# -- Sitemap ------------------------------------------------------------------------


class PageSitemap(WagtailSitemap):
    """Every live public page of every language, with hreflang alternates.

    Wagtail's own sitemap only walks the default site's root page, which is the French
    home: the English tree is a sibling, so it would be missing, and Wagtail 8 emits no
    alternates. Django's sitemap template renders `alternates` and `x-default` as
    <xhtml:link rel="alternate" hreflang="…">.
    """

    chunk = 500

    def _roots_filter(self) -> Q:
        root = self.get_wagtail_site().root_page
        query = Q()
        for home in [root, *root.get_translations()]:
            query |= Q(path__startswith=home.path)
        return query

    def items(self):
        return (
            Page.objects.filter(self._roots_filter())
            .live()
            .public()
            .select_related("locale")
            .order_by("path")
        )

    def _location(self, page: Page) -> str | None:
        return page_url(page, self.request)

    def _versions(self, pages: list[Page]) -> dict:
        """translation_key -> [(language code, page)] for the live versions of `pages`."""
        keys = list({page.translation_key for page in pages})
        versions = defaultdict(list)
        for start in range(0, len(keys), self.chunk):
            for page in self.items().filter(translation_key__in=keys[start : start + self.chunk]):
                versions[page.translation_key].append(page)
        return versions

    def _urls(self, page, protocol, domain):
        pages = list(self.paginator.page(page).object_list)
        versions = self._versions(pages)
        locations = {}

        def location(item):
            if item.pk not in locations:
                locations[item.pk] = self._location(item)
            return locations[item.pk]

        urls, last_mods = [], set()
        for item in pages:
            loc = location(item)
            if not loc:
                continue
            alternates = [
                {"lang_code": page_language(version), "location": location(version)}
                for version in sorted(versions[item.translation_key], key=page_language)
                if location(version)
            ]
            default = next(
                (a["location"] for a in alternates if a["lang_code"] == DEFAULT_LANGUAGE), None
            )
            if len(alternates) > 1 and default:
                alternates.append({"lang_code": "x-default", "location": default})
            lastmod = self.lastmod(item)
            urls.append(
                {
                    "item": item,
                    "location": loc,
                    "lastmod": lastmod,
                    "changefreq": None,
                    "priority": None,
                    "alternates": alternates,
                }
            )
            last_mods.add(lastmod)
        if last_mods and None not in last_mods:
            self.latest_lastmod = max(last_mods)
        return urls
