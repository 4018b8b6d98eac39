"""Atom feed of the latest content, one per language (/fr/feed/, /en/feed/).

The language comes from the URL prefix (LocaleMiddleware activates it), so each feed
lists only the pages of its own locale. Home, section and institutional pages are not
content and are left out; ceremonies are content and are in.
"""

import datetime as dt

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from wagtail.models import Locale, Site

from liberation.core.seo import SITE_NAME, absolute_url, page_url

from .models import ContentPage

FEED_LENGTH = 30


class LatestContentFeed(Feed):
    """A new instance serves each request: it keeps the request to build absolute URLs."""

    feed_type = Atom1Feed

    def __init__(self, request: HttpRequest):
        super().__init__()
        self.request = request

    def get_object(self, request, *args, **kwargs) -> Locale:
        return Locale.get_active()

    def title(self, locale: Locale) -> str:
        return gettext("Mission Libération — latest content")

    def subtitle(self, locale: Locale) -> str:
        return gettext(
            "Articles, dossiers, news, videos and ceremonies of the 80th anniversary "
            "of the Liberation of France."
        )

    def _home(self, locale: Locale):
        site = Site.find_for_request(self.request)
        if site is None:
            return None
        return site.root_page.get_translation_or_none(locale)

    def link(self, locale: Locale) -> str:
        home = self._home(locale)
        url = page_url(home, self.request) if home is not None else None
        return url or absolute_url(f"/{locale.language_code}/", self.request)

    def feed_url(self, locale: Locale) -> str:
        return self.request.build_absolute_uri(self.request.path)

    def author_name(self, locale: Locale) -> str:
        return SITE_NAME

    def items(self, locale: Locale):
        pages = ContentPage.objects.live().public().filter(locale=locale)
        home = self._home(locale)
        if home is not None:
            pages = pages.descendant_of(home)
        return pages.order_by("-date", "-first_published_at").specific()[:FEED_LENGTH]

    def item_title(self, item: ContentPage) -> str:
        return item.title

    def item_description(self, item: ContentPage) -> str:
        return item.lead

    def item_link(self, item: ContentPage) -> str:
        return page_url(item, self.request) or ""

    def item_pubdate(self, item: ContentPage) -> dt.datetime:
        # The editorial date is a day; Atom wants an instant: midnight, local time.
        return timezone.make_aware(dt.datetime.combine(item.date, dt.time()))

    def item_updateddate(self, item: ContentPage) -> dt.datetime | None:
        return item.last_published_at

    def item_author_name(self, item: ContentPage) -> str:
        return item.author or SITE_NAME


def latest_content_feed(request: HttpRequest):
    return LatestContentFeed(request)(request)
