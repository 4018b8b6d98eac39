"""What the public sees of the collection: published stories only, their URLs, their
licence with its link, and their schema.org structured data (selectors and
presentation; no write)."""

from collections.abc import Callable

from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Locale

from liberation.core.seo import absolute_url, json_ld_dumps, organization

from .models import Item, Story

LICENCE_URLS = {
    Story.Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/deed.{lang}",
    Story.Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/deed.{lang}",
}
LICENCE_SHORT = {
    Story.Licence.CC_BY_SA: "CC BY-SA 4.0",
    Story.Licence.CC_BY: "CC BY 4.0",
}


# The related content of a story page, supplied from above (the site registers content's
# selector): collection does not know the pages. `provider(story=...)` -> pages.
_related: list[Callable[..., list]] = []


def story_related_register(*, provider: Callable[..., list]) -> None:
    """Register (replacing) what a public story page shows as related content."""
    _related[:] = [provider]


def story_related(story: Story) -> list:
    return _related[0](story=story) if _related else []


def published_story(public_id: str) -> Story | None:
    if not public_id or len(public_id) > 20:
        return None
    return (
        Story.objects.select_related("commune")
        .filter(public_id=public_id, state=Story.State.PUBLISHED)
        .first()
    )


def published_stories(*, language: str | None = None, limit: int = 100):
    stories = Story.objects.filter(state=Story.State.PUBLISHED).select_related("commune")
    if language:
        stories = stories.filter(language=language)
    return stories.order_by("-published_at", "-pk")[:limit]


def published_stories_placed(*, limit: int = 5000):
    """Published stories whose commune has a point (the map's layer), newest first."""
    return (
        Story.objects.filter(
            state=Story.State.PUBLISHED,
            commune__latitude__isnull=False,
            commune__longitude__isnull=False,
        )
        .select_related("commune")
        .only(
            "public_id",
            "title",
            "language",
            "date_from",
            "commune__name",
            "commune__departement_id",
            "commune__latitude",
            "commune__longitude",
        )
        .order_by("-published_at", "-pk")[:limit]
    )


def published_stories_near(*, communes: set[str], departements: set[str], limit: int = 50):
    """Published stories in these communes (INSEE codes) or départements, newest first
    (a page's testimonies from its places)."""
    if not communes and not departements:
        return Story.objects.none()
    near = models.Q(commune_id__in=communes) | models.Q(commune__departement_id__in=departements)
    return (
        Story.objects.filter(near, state=Story.State.PUBLISHED)
        .select_related("commune")
        .order_by("-published_at", "-pk")[:limit]
    )


def story_url(story: Story) -> str:
    with translation.override(story.language or "fr"):
        return reverse("collection:story", kwargs={"public_id": story.public_id})


def item_url(story: Story, item: Item) -> str:
    with translation.override(story.language or "fr"):
        return reverse(
            "collection:public_file",
            kwargs={"public_id": story.public_id, "item_id": item.public_id},
        )


def licence_url(story: Story) -> str:
    template = LICENCE_URLS.get(story.licence)
    return template.format(lang=story.language or "fr") if template else ""


def licence_label(story: Story) -> str:
    if story.licence in LICENCE_SHORT:
        return LICENCE_SHORT[story.licence]
    return _("Consultation only: all rights reserved")


def period_iso(story: Story) -> str:
    if story.date_from and story.date_until and story.date_until != story.date_from:
        return f"{story.date_from.isoformat()}/{story.date_until.isoformat()}"
    return story.date_from.isoformat() if story.date_from else ""


def duration_label(seconds: float | None) -> str:
    """A recording's length as people read it: "4:05", "1:02:09"."""
    if not seconds:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _media_object(item: Item) -> dict:
    if item.is_image:
        return {"@type": "ImageObject"}
    if not item.is_recording:
        return {"@type": "MediaObject"}
    data = {"@type": "VideoObject" if item.is_video else "AudioObject", "name": item.caption}
    data["transcript"] = item.transcript
    if item.story.published_at:
        data["uploadDate"] = item.story.published_at.date().isoformat()
    if item.duration:
        data["duration"] = f"PT{round(item.duration)}S"
    return data


def story_json_ld(story: Story, items: list[Item], *, request) -> dict:
    url = absolute_url(story_url(story), request)
    data = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": url,
        "url": url,
        "name": story.title,
        "description": story.summary[:500],
        "inLanguage": story.language,
        "datePublished": story.published_at.date().isoformat() if story.published_at else None,
        "keywords": story.keyword_list,
        "publisher": organization(absolute_url("/", request)),
        "isAccessibleForFree": True,
        "associatedMedia": [
            {
                **_media_object(item),
                "contentUrl": absolute_url(item_url(story, item), request),
                "caption": item.caption,
                "encodingFormat": item.content_type,
                **({"width": item.width, "height": item.height} if item.width else {}),
            }
            for item in items
        ],
    }
    if period_iso(story):
        data["temporalCoverage"] = period_iso(story)
    if story.commune_id:
        data["spatialCoverage"] = {
            "@type": "Place",
            "name": story.commune.name,
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": story.commune.latitude,
                "longitude": story.commune.longitude,
            },
        }
    if licence_url(story):
        data["license"] = licence_url(story)
    if story.attribution in (Story.Attribution.NAME, Story.Attribution.PSEUDONYM):
        data["contributor"] = {"@type": "Person", "name": story.credit}
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def story_context(story: Story, *, request) -> dict:
    items = list(story.items.filter(state=Item.State.READY))
    locale = Locale.objects.filter(language_code=story.language or "fr").first()
    return {
        "related_cards": story_related(story),
        "related_locale_id": locale.pk if locale else None,
        "story": story,
        "items": [
            {"item": item, "url": item_url(story, item), "duration": duration_label(item.duration)}
            for item in items
        ],
        "licence_url": licence_url(story),
        "licence_label": licence_label(story),
        "canonical": absolute_url(story_url(story), request),
        "json_ld": [json_ld_dumps(story_json_ld(story, items, request=request))],
    }
