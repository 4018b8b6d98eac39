"""Keeping the search index in step with the page tree.

Publishing, unpublishing, moving or deleting a page enqueues `reindex_page`, a
django-tasks task that (re)writes or removes that page's entry. Deleting a page also
removes its entry through the foreign key cascade, so the index never points to a 404.
`rebuild_index` redoes everything in batches (the `rebuild_search_index` command).
Inside `core.bulk.page_work_deferred()` (an import) the published pages are collected
instead, and indexed by `reindex_pages` tasks of `BULK_BATCH` pages each once the
import has committed. These tasks come before the queue's ordinary work
(`INDEX_PRIORITY`): a publication is searchable within a couple of seconds even behind
a queue of emails.

Documents of the sources registered in `sources.py` (the collection's published
stories) are indexed by `index_documents`, through the `reindex_documents` task that
their owner enqueues when a document may have changed; `rebuild_index` redoes them too.
"""

import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models.signals import post_delete
from django.utils import timezone
from django.utils.html import strip_tags
from django_tasks import task
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from liberation.core import surrogate
from liberation.core.bulk import DeferredWork, Unit, defer, deferred_work_register
from liberation.core.purge import purge_later
from liberation.semantic.models import document_key_hash

from .analysis import document_terms, fold, tokenize
from .models import SearchEntry, SearchIndexState
from .sources import Document, source_get, sources_all

# Field weights (title boosted) and BM25 constants; the average length is a constant so
# that adding one page never rewrites the others' weights.
FIELD_WEIGHTS = {"title": 4.0, "places": 2.0, "themes": 2.0, "lead": 1.5, "body": 1.0}
K1 = 1.2
B = 0.75
AVERAGE_LENGTH = 400.0
SNIPPET_SOURCE_CHARS = 4000
# Index tasks run before the queue's default work (django-tasks: higher first).
INDEX_PRIORITY = 50
BULK_BATCH = 500
DEFERRED = "search index"


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


Built = tuple[SearchEntry, list[tuple[str, float]], set[str]]


def _entry_date(page):
    """When a page takes place if it is an event (a ceremony's `takes_place_at`, as its
    cards show), else its date."""
    when = getattr(page, "takes_place_at", None)
    if when is not None:
        return timezone.localdate(when) if isinstance(when, datetime) else when
    return getattr(page, "date", None)


def _weighted(fields: dict[str, str], lang: str) -> tuple[list[tuple[str, float]], int, set[str]]:
    """(term, weight) postings, the length and the vocabulary of weighted text fields."""
    weighted: Counter[str] = Counter()
    length = 0
    for name, text in fields.items():
        terms = document_terms(text, lang)
        length += len(terms)
        for term in terms:
            weighted[term[:64]] += FIELD_WEIGHTS[name]
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    postings = [(term, round(tf * (K1 + 1) / (tf + norm), 4)) for term, tf in weighted.items()]
    vocabulary = {
        fold(w)[:64]
        for name in ("title", "places", "lead", "body")
        for w in tokenize(fields.get(name, ""))
        if len(w) >= 3 and not w.isdigit()
    }
    return postings, length, vocabulary


def codes_value(codes: Iterable[str], limit: int = 200) -> str:
    """ "|code|code|" (sorted, whole codes only within `limit` characters)."""
    value = "|"
    for code in sorted({c for c in codes if c}):
        if len(value) + len(code) + 1 > limit:
            break
        value += f"{code}|"
    return value if value != "|" else ""


def build_entry(page) -> Built:
    """The entry, postings (term, weight) and vocabulary of one specific content page
    (unsaved)."""
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
    postings, length, vocabulary = _weighted(fields, lang)
    entry = SearchEntry(
        page_id=page.pk,
        source="page",
        key=str(page.pk),
        lang=lang,
        type=_type_key(page),
        date=_entry_date(page),
        title=page.title[:255],
        title_folded=" ".join(fold(w) for w in tokenize(page.title))[:255],
        places=" | ".join(p.name for p in places)[:500],
        themes=("|" + "|".join(t.slug for t in themes) + "|" if themes else "")[:500],
        periods=_periods(page),
        place_ids=place_ids_value(p.pk for p in places),
        departements=codes_value(
            p.commune.departement_id for p in places if p.commune_id and p.commune
        ),
        text=" ".join((fields["lead"] + "\n" + fields["body"]).split())[:SNIPPET_SOURCE_CHARS],
        length=length,
    )
    return entry, postings, vocabulary


def build_document_entry(source: str, document: Document) -> Built:
    """The entry, postings and vocabulary of one public document of a source (unsaved).
    Only the document's fields are read: a source decides what is public."""
    fields = {
        "title": document.title,
        "places": document.place,
        "themes": document.keywords,
        "lead": document.lead,
        "body": document.body,
    }
    postings, length, vocabulary = _weighted(fields, document.lang)
    return (
        SearchEntry(
            page_id=None,
            source=source,
            key=document.key[:64],
            key_hash=document_key_hash(source, document.key[:64]),
            url=document.url[:300],
            lang=document.lang,
            type=source[:20],
            date=document.date,
            title=document.title[:255],
            title_folded=" ".join(fold(w) for w in tokenize(document.title))[:255],
            places=document.place[:500],
            departements=codes_value(document.departements),
            text=" ".join((document.lead + "\n" + document.body).split())[:SNIPPET_SOURCE_CHARS],
            length=length,
        ),
        postings,
        vocabulary,
    )


def _indexable(page_ids: Iterable[int]):
    from liberation.content.models import ContentPage

    return (
        ContentPage.objects.live()
        .public()
        .filter(pk__in=list(page_ids))
        .specific()
        .select_related("locale")
        .prefetch_related("themes", "places__commune")
    )


def _delete(entry_ids: list[int]) -> None:
    """Remove these entries and their postings (raw deletes: the ORM would load every
    posting before deleting it)."""
    with connection.cursor() as cursor:
        for table, column in (
            ("discovery_searchposting", "entry_id"),
            ("discovery_searchentry", "id"),
        ):
            for start in range(0, len(entry_ids), 500):
                chunk = entry_ids[start : start + 500]
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
    purge_later({surrogate.SEARCH})  # the shared cache's search answers, at the commit


def _save(batch: list[Built]) -> None:
    """Write these entries, replacing the entries of the same pages or documents."""
    pages = [e.page_id for e, _, _ in batch if e.page_id]
    docs = [(e.source, e.key) for e, _, _ in batch if not e.page_id]
    old = list(SearchEntry.objects.filter(page_id__in=pages).values_list("id", flat=True))
    for source in {s for s, _ in docs}:
        keys = [k for s, k in docs if s == source]
        old += SearchEntry.objects.filter(source=source, key__in=keys).values_list("id", flat=True)
    _delete(old)
    _bump()
    entries = SearchEntry.objects.bulk_create([e for e, _, _ in batch])
    words = sorted(set().union(*(v for _, _, v in batch)))
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO discovery_searchposting (entry_id, term, weight) VALUES (%s, %s, %s)",
            [
                (entry.pk, term, weight)
                for entry, (_, postings, _) in zip(entries, batch, strict=True)
                for term, weight in postings
            ],
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
            _delete(list(SearchEntry.objects.filter(page_id__in=gone).values_list("id", flat=True)))
            _bump()
        if batch:
            _save(batch)
    return len(batch)


@task(priority=INDEX_PRIORITY)
def reindex_page(page_id: int, descendants: bool = False) -> int:
    """The task enqueued by the page signals."""
    ids = [page_id]
    if descendants:
        page = Page.objects.filter(pk=page_id).first()
        if page is not None:
            ids += list(Page.objects.descendant_of(page).values_list("pk", flat=True))
    return index_pages(ids)


def index_documents(source: str, keys: Iterable[str]) -> int:
    """(Re)index these documents of a source; those no longer public leave the index
    (as do all of a source that is not registered)."""
    keys = sorted({str(k)[:64] for k in keys})
    registered = source_get(source)
    with transaction.atomic():
        documents = list(registered.documents(keys)) if registered else []
        documents = [d for d in documents if d.key in keys]
        batch = [build_document_entry(source, d) for d in documents]
        gone = sorted(set(keys) - {d.key for d in documents})
        if gone:
            _delete(
                list(
                    SearchEntry.objects.filter(source=source, key__in=gone).values_list(
                        "id", flat=True
                    )
                )
            )
            _bump()
        if batch:
            _save(batch)
        if keys:
            _embed_later(source, keys)
    return len(batch)


def _embed_later(source: str, keys: list[str]) -> None:
    """Bring the documents' embeddings in line once the index write has committed
    (`meaning.py`); robust: a queue hiccup must not undo the index write, and
    `embed_documents` repairs what was missed."""
    from .meaning import embed_documents_task

    transaction.on_commit(lambda: embed_documents_task.enqueue(source, keys), robust=True)


@task()
def reindex_documents(source: str, keys: list[str]) -> int:
    """The task a document's owner enqueues when the document may have changed
    (published, edited, withdrawn, made private, rejected, erased)."""
    return index_documents(source, keys)


def rebuild_index(*, batch_size: int = 500, progress=None) -> int:
    """Empty the index and index every live, public content page and every public
    document of the registered sources."""
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
    for source in sources_all():
        keys = sorted(source.keys())
        for start in range(0, len(keys), batch_size):
            done += index_documents(source.name, keys[start : start + batch_size])
    return done


@task(priority=INDEX_PRIORITY)
def reindex_pages(page_ids: list[int]) -> int:
    """The task of a bulk write (an import): these pages, in one batch."""
    return index_pages(page_ids)


def _bulk_flush(page_ids: list[int]) -> list[Unit]:
    units = []
    for start in range(0, len(page_ids), BULK_BATCH):
        chunk = page_ids[start : start + BULK_BATCH]
        units.append((reindex_pages.enqueue(chunk), len(chunk)))
    return units


def _enqueue(page_id: int, descendants: bool = False) -> None:
    reindex_page.enqueue(page_id, descendants)


def _on_published(sender, instance, **kwargs):
    if defer(DEFERRED, instance.pk):
        return
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
    deferred_work_register(DeferredWork(name=DEFERRED, flush=_bulk_flush))
    page_published.connect(_on_published, dispatch_uid="discovery_published")
    page_unpublished.connect(_on_unpublished, dispatch_uid="discovery_unpublished")
    post_page_move.connect(_on_moved, dispatch_uid="discovery_moved")
    post_delete.connect(_on_deleted, dispatch_uid="discovery_deleted")
