"""The collection's published stories in the site search.

Discovery (search) and collection (stories) do not know each other: this top-floor
module gives discovery a document source (`discovery.sources`) that reads published
stories through collection's selectors, and listens to collection's publication seam
(`collection.services.on_change`) to enqueue discovery's `reindex_documents` task.
It also gives a story page its related content (content's closest pages to the story's
commune, département and period) through `collection.present.story_related_register`.
And it gives content pages the published testimonies from their places, beside their
related cards (`content.providers.related_documents_register`): a story in the commune
of one of the page's places scores 2, in its département 1, in the page's language 0.5
more; a public change of a story replaces the content version, so the cached cards
follow. All are wired by `SiteConfig.ready()`.

Only what the public story page shows goes into the index: title, summary, who is shown
or speaks, keywords, the captions of the items the worker accepted, the commune and the
period. Never the contributor's email, name or pseudonym, nor anything of a story that
is not published (draft, sent, private, rejected, withdrawn)."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from liberation.collection.models import Item, Story
from liberation.collection.present import story_url
from liberation.discovery.sources import Document, DocumentSource

SOURCE = "testimony"


def _document(story: Story, captions: list[str]) -> Document:
    commune = story.commune
    return Document(
        key=story.public_id,
        lang=story.language or "fr",
        title=story.title,
        url=story_url(story),
        date=story.date_from,
        lead=story.summary,
        body="\n".join([story.people, *captions]),
        keywords=" ".join(story.keyword_list),
        place=f"{commune.name} ({commune.departement_id})" if commune else "",
        departements=(commune.departement_id,) if commune else (),
    )


def story_documents(keys: list[str]) -> Iterable[Document]:
    """The published stories among these public ids, as search documents."""
    stories = list(
        Story.objects.filter(public_id__in=keys, state=Story.State.PUBLISHED).select_related(
            "commune"
        )
    )
    captions: dict[int, list[str]] = {story.pk: [] for story in stories}
    for story_id, caption in (
        Item.objects.filter(story__in=stories, state=Item.State.READY)
        .order_by("created_at", "pk")
        .values_list("story_id", "caption")
    ):
        captions[story_id].append(caption)
    return [_document(story, captions[story.pk]) for story in stories]


def story_keys() -> list[str]:
    return list(
        Story.objects.filter(state=Story.State.PUBLISHED).values_list("public_id", flat=True)
    )


def story_changed(story_id: int) -> None:
    """Collection's listener (after the commit): reindex the story through the queue,
    whatever its new state (a story no longer published leaves the index), and give
    published content a new version (pages show testimonies beside their cards)."""
    from liberation.core.fragments import content_version_bump
    from liberation.discovery.indexing import reindex_documents

    content_version_bump()

    public_id = Story.objects.filter(pk=story_id).values_list("public_id", flat=True).first()
    if public_id:
        reindex_documents.enqueue(SOURCE, [public_id])


def stories_source() -> DocumentSource:
    return DocumentSource(
        name=SOURCE,
        label=lambda: _("Testimony"),
        documents=story_documents,
        keys=story_keys,
    )


def story_related(*, story: Story) -> list:
    """A story page's related content: content's closest pages to its commune,
    département and period (collection does not know the pages)."""
    from liberation.content.selectors import related_to_place_and_period

    commune = story.commune
    return related_to_place_and_period(
        commune=commune.pk if commune else None,
        departement=commune.departement_id if commune else None,
        start=story.date_from,
        end=story.date_until,
        language=story.language or "fr",
    )


def page_testimonies(*, page, count: int) -> list:
    """The published stories closest to a content page's places, as cards."""
    from liberation.collection.present import published_stories_near
    from liberation.content.providers import RelatedDocument

    communes, departements = set(), set()
    for commune_id, departement_id in page.places.filter(commune__isnull=False).values_list(
        "commune_id", "commune__departement_id"
    ):
        communes.add(commune_id)
        departements.add(departement_id)
    stories = list(published_stories_near(communes=communes, departements=departements))
    language = page.locale.language_code

    def score(story: Story) -> float:
        place = 2 if story.commune_id in communes else 1
        return place + (0.5 if story.language == language else 0)

    stories.sort(key=score, reverse=True)  # stable: newest first among equals
    return [
        RelatedDocument(
            url=story_url(story),
            title=story.title,
            lead=story.summary,
            type_label=_("Testimony"),
            lang=story.language or "fr",
            date=story.date_from,
            place=f"{story.commune.name} ({story.commune.departement_id})" if story.commune else "",
        )
        for story in stories[:count]
    ]


def register() -> None:
    from liberation.collection.present import story_related_register
    from liberation.collection.services import on_change
    from liberation.content.providers import related_documents_register
    from liberation.discovery.sources import source_register

    source_register(stories_source())
    on_change(story_changed)
    story_related_register(provider=story_related)
    related_documents_register(provider=page_testimonies)
