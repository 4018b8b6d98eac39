"""Keeping the search index in step with the page tree.

Publishing, unpublishing, moving or deleting a page enqueues `reindex_page`, a
django-tasks task that (re)writes or removes that page's entry. Deleting a page also
removes its entry through the foreign key cascade, so the index never points to a 404.
`rebuild_index` redoes everything in batches (the `rebuild_search_index` command).
"""

import secrets
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.signals import post_delete
from django.utils.html import strip_tags
from django_tasks import task
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .analysis import document_terms, fold, tokenize
from .models import SearchEntry, SearchIndexState

# Field weights (title boosted) and BM25 constants; the average length is a constant so
# that adding one page never rewrites the others' weights.
FIELD_WEIGHTS = {"title": 4.0, "places": 2.0, "themes": 2.0, "lead": 1.5, "body": 1.0}
K1 = 1.2
B = 0.75
AVERAGE_LENGTH = 400.0
SNIPPET_SOURCE_CHARS = 4000


def _type_key(page) -> str:
    from liberation.content.selectors import _type_models

    for key, model in _type_models().items():
        if type(page) is model:
            return key
    return "content"


def _body_text(page) -> str:
    parts = []
    for block in getattr(page, "body", None) or []:
        value = block.value
        if block.block_type == "paragraph":
            parts.append(strip_tags(getattr(value, "source", str(value))))
        elif isinstance(value, dict) or hasattr(value, "get"):
            for name in ("text", "heading", "title", "attribution", "caption"):
                text = value.get(name) if hasattr(value, "get") else None
                if text:
                    parts.append(strip_tags(str(text)))
        elif isinstance(value, str):
            parts.append(strip_tags(value))
    return "\n".join(parts)


def _periods(page) -> str:
    from liberation.content.selectors import PERIODS

    start = getattr(page, "history_start", None)
    if not start:
        return ""
    end = getattr(page, "history_end", None) or start
    slugs = [
        p.slug
        for p in PERIODS
        if (p.end is None or start <= p.end) and (p.start is None or end >= p.start)
    ]
    return "|" + "|".join(slugs) + "|" if slugs else ""


def place_ids_value(ids: Iterable[int]) -> str:
    """ "|id|id|" (ascending) for the place facet; whole ids only within 500 characters
    (about 80 places), never a cut one. The data migration 0003 writes the same."""
    value = "|"
    for pk in sorted(set(ids)):
        if len(value) + len(str(pk)) + 1 > 500:
            break
        value += f"{pk}|"
    return value if value != "|" else ""


def build_entry(page) -> tuple[SearchEntry, list[tuple[int, str, float]], set[str]]:
    """The entry, postings and vocabulary of one specific content page (unsaved)."""
    lang = page.locale.language_code if page.locale_id else "fr"
    themes = list(page.themes.all())
    places = list(page.places.all())
    fields = {
        "title": page.title,
        "places": " ".join(p.name for p in places) + " " + getattr(page, "venue", ""),
        "themes": " ".join(f"{t.name_fr} {t.name_en}" for t in themes),
        "lead": page.lead or "",
        "body": _body_text(page),
    }
    weighted: Counter[str] = Counter()
    length = 0
    for name, text in fields.items():
        terms = document_terms(text, lang)
        length += len(terms)
        for term in terms:
            weighted[term[:64]] += FIELD_WEIGHTS[name]
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    entry = SearchEntry(
        page_id=page.pk,
        lang=lang,
        type=_type_key(page),
        date=getattr(page, "date", None),
        title=page.title[:255],
        title_folded=" ".join(fold(w) for w in tokenize(page.title))[:255],
        places=" | ".join(p.name for p in places)[:500],
        themes=("|" + "|".join(t.slug for t in themes) + "|" if themes else "")[:500],
        periods=_periods(page),
        place_ids=place_ids_value(p.pk for p in places),
        text=" ".join((fields["lead"] + "\n" + fields["body"]).split())[:SNIPPET_SOURCE_CHARS],
        length=length,
    )
    postings = [
        (page.pk, term, round(tf * (K1 + 1) / (tf + norm), 4)) for term, tf in weighted.items()
    ]
    vocabulary = {
        fold(w)[:64]
        for text in (fields["title"], fields["places"], fields["lead"], fields["body"])
        for w in tokenize(text)
        if len(w) >= 3 and not w.isdigit()
    }
    return entry, postings, vocabulary


def _indexable(page_ids: Iterable[int]):
    from liberation.content.models import ContentPage

    return (
        ContentPage.objects.live()
        .public()
        .filter(pk__in=list(page_ids))
        .specific()
        .select_related("locale")
        .prefetch_related("themes", "places")
    )


def _delete(table: str, page_ids: list[int]) -> None:
    # Raw deletes: the ORM would load every posting before deleting it.
    column = "entry_id" if table == "discovery_searchposting" else "page_id"
    with connection.cursor() as cursor:
        for start in range(0, len(page_ids), 500):
            chunk = page_ids[start : start + 500]
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )


def _bump() -> None:
    """Tell every process that the index changed (inside the writing transaction). The
    version is random, not a counter: after a rolled-back write the next one must not
    reuse a number that a process may have seen inside the rolled-back transaction."""
    version = secrets.randbits(62) + 1
    if not SearchIndexState.objects.filter(pk=1).update(version=version):
        SearchIndexState.objects.update_or_create(pk=1, defaults={"version": version})


def _save(batch: list[tuple[SearchEntry, list[tuple[int, str, float]], set[str]]]) -> None:
    ids = [e.page_id for e, _, _ in batch]
    _delete("discovery_searchposting", ids)
    _delete("discovery_searchentry", ids)
    _bump()
    SearchEntry.objects.bulk_create([e for e, _, _ in batch])
    words = sorted(set().union(*(v for _, _, v in batch)))
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO discovery_searchposting (entry_id, term, weight) VALUES (%s, %s, %s)",
            [p for _, ps, _ in batch for p in ps],
        )
        cursor.executemany(
            "INSERT INTO discovery_searchterm (term, length) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING",
            [(w, len(w)) for w in words],
        )


def index_pages(page_ids: Iterable[int]) -> int:
    """(Re)index these pages; those no longer live and public leave the index."""
    page_ids = list(page_ids)
    with transaction.atomic():
        pages = list(_indexable(page_ids))
        batch = [build_entry(page) for page in pages]
        gone = sorted(set(page_ids) - {p.pk for p in pages})
        if gone:
            _delete("discovery_searchposting", gone)
            _delete("discovery_searchentry", gone)
            _bump()
        if batch:
            _save(batch)
    return len(batch)


@task()
def reindex_page(page_id: int, descendants: bool = False) -> int:
    """The task enqueued by the page signals."""
    ids = [page_id]
    if descendants:
        page = Page.objects.filter(pk=page_id).first()
        if page is not None:
            ids += list(Page.objects.descendant_of(page).values_list("pk", flat=True))
    return index_pages(ids)


def rebuild_index(*, batch_size: int = 500, progress=None) -> int:
    """Empty the index and index every live, public content page."""
    from liberation.content.models import ContentPage

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM discovery_searchposting")
        cursor.execute("DELETE FROM discovery_searchentry")
        _bump()
    ids = list(ContentPage.objects.live().public().values_list("pk", flat=True).order_by("pk"))
    done = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        with transaction.atomic():
            batch = [build_entry(page) for page in _indexable(chunk)]
            _save(batch)
        done += len(batch)
        if progress:
            progress(done, len(ids))
    return done


def _enqueue(page_id: int, descendants: bool = False) -> None:
    reindex_page.enqueue(page_id, descendants)


def _on_published(sender, instance, **kwargs):
    _enqueue(instance.pk)


def _on_unpublished(sender, instance, **kwargs):
    _enqueue(instance.pk, descendants=True)


def _on_moved(sender, instance, **kwargs):
    _enqueue(instance.pk, descendants=True)


def _on_deleted(sender, instance, **kwargs):
    # The cascade already removed the entry; this also covers a delete that bypassed it.
    if isinstance(instance, Page):
        SearchEntry.objects.filter(page_id=instance.pk).delete()
    if isinstance(instance, Page | SearchEntry):
        _bump()


def connect_signals() -> None:
    page_published.connect(_on_published, dispatch_uid="discovery_published")
    page_unpublished.connect(_on_unpublished, dispatch_uid="discovery_unpublished")
    post_page_move.connect(_on_moved, dispatch_uid="discovery_moved")
    post_delete.connect(_on_deleted, dispatch_uid="discovery_deleted")
