"""schema.org data of the content pages: Article, VideoObject, WebSite (the home page).

The page models call these from their `structured_data` method; `core.seo` serialises
whatever a page returns into the <head>, without knowing the page types.
"""

from collections.abc import Iterable

from wagtail.models import Page

from liberation.core.seo import (
    SITE_NAME,
    absolute_url,
    local_iso,
    organization,
    page_description,
    page_language,
)
from liberation.core.video import parse_video_url


def places_data(page: Page) -> list[dict]:
    return [
        {
            "@type": "Place",
            "name": place.name,
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": float(place.latitude),
                "longitude": float(place.longitude),
            },
        }
        for place in page.places.all()
    ]


def _keywords(page: Page) -> str:
    field = "name_en" if page_language(page) == "en" else "name_fr"
    return ", ".join(getattr(theme, field) for theme in page.themes.all())


def article_data(page: Page, *, url, image_url, home_url) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": page.title[:110],
        "description": page.lead,
        "datePublished": page.date.isoformat(),
        "inLanguage": page_language(page),
        "author": (
            {"@type": "Person", "name": page.author} if page.author else organization(home_url)
        ),
        "publisher": organization(home_url),
    }
    if url:
        data["url"] = url
        data["mainEntityOfPage"] = url
    if page.last_published_at:
        data["dateModified"] = local_iso(page.last_published_at)
    if image_url:
        data["image"] = image_url
    if places := places_data(page):
        data["about"] = places
    if keywords := _keywords(page):
        data["keywords"] = keywords
    return data


def video_blocks(page: Page) -> Iterable:
    """The video block values of a page: its `video` field, then videos in its body."""
    for field in ("video", "body"):
        for block in getattr(page, field, None) or []:
            if block.block_type == "video":
                yield block.value


def _video(page: Page, value, *, request, image_url) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": value["title"],
        # A description is mandatory for search engines: the caption, else the lead.
        "description": value.get("caption") or page_description(page) or value["title"],
        "transcript": value["transcript"],
        "uploadDate": page.date.isoformat(),
        "inLanguage": page_language(page),
    }
    if value.get("url"):
        external = parse_video_url(value["url"])
        data["url"] = value["url"]
        if external is not None:
            data["embedUrl"] = external.embed_url
    elif value.get("file"):
        document = value["file"]
        data["contentUrl"] = absolute_url(document.url, request)
        extension = (document.file_extension or "mp4").lower()
        data["encodingFormat"] = f"video/{'webm' if extension == 'webm' else 'mp4'}"
    if image_url:
        data["thumbnailUrl"] = image_url
    return data


def videos_data(page: Page, *, request, image_url) -> list[dict]:
    """One VideoObject per video of the page."""
    return [
        _video(page, value, request=request, image_url=image_url) for value in video_blocks(page)
    ]


def website_data(page: Page, *, url) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": SITE_NAME,
        "url": url,
        "inLanguage": page_language(page),
    }
