"""Writes of the semantic index: embed a page, forget it, recompute related content.

A page is (re-)embedded by a task when it is published; its row is deleted when it is
unpublished or deleted. Each of these also recomputes the stored related content of the
pages around it, so that "Contenus associés" is read from the database at request time
and never computed per request. Signals only enqueue the task after the commit; the
work itself is in the plain functions below.

Inside `core.bulk.page_work_deferred()` (an import) the pages are collected instead:
`pages_index_update_task` embeds them `BULK_BATCH` at a time, and one last task
recomputes the related content around all of them once the batches are done. These
tasks come before the queue's ordinary work, after the search index's.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models.signals import post_delete
from django.utils.html import strip_tags
from django_tasks import task
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from liberation.content.models import ContentPage
from liberation.core.bulk import DeferredWork, Unit, defer, deferred_work_register, wait_finished

from . import embeddings, selectors, warming
from .models import DocumentEmbedding, PageEmbedding, document_key_hash

logger = logging.getLogger(__name__)

# Weights of the parts of a page in its vector. The title and the lead say what the page
# is about; the body, averaged over its paragraphs, adds the names and details a reader
# may search for; places and themes (named in both languages) anchor it.
TITLE_WEIGHT = 2.0
LEAD_WEIGHT = 1.5
FACETS_WEIGHT = 1.0
BODY_WEIGHT = 1.5
# Neighbours whose related content is recomputed when a page changes.
NEIGHBOURS_REFRESHED = 20
# Task priorities (django-tasks: higher first): after the search index (50), before the
# default work; the related content of a bulk write after its embeddings.
PRIORITY = 40
RELATED_PRIORITY = 30
BULK_BATCH = 256
MODEL_BATCH = 64  # pages per model call (as `embed_pages`)
BULK_WAIT = 3600  # seconds the last task of a bulk write waits for its batches
DEFERRED = "meaning index"


def _body_texts(page: ContentPage) -> list[str]:
    texts = []
    for block in page.body:
        if block.block_type == "paragraph":
            texts.append(strip_tags(block.value.source))
        elif block.block_type in {"heading", "quote"}:
            texts.append(str(block.value.get("text", "")))
        elif block.block_type == "video":
            texts.append(str(block.value.get("caption", "")))
    for block in getattr(page, "video", None) or []:
        texts.append(str(block.value.get("caption", "")))
    return [" ".join(text.split()) for text in texts if text and text.strip()]


def page_text_parts(*, page: ContentPage) -> list[tuple[str, float, list[str]]]:
    """(part name, weight, texts) for each non-empty part of the page."""
    themes = [name for t in page.themes.all() for name in (t.name_fr, t.name_en)]
    facets = ", ".join([p.name for p in page.places.all()] + themes)
    parts = [
        ("title", TITLE_WEIGHT, [page.title]),
        ("lead", LEAD_WEIGHT, [page.lead]),
        ("facets", FACETS_WEIGHT, [facets]),
        ("body", BODY_WEIGHT, _body_texts(page)),
    ]
    return [(name, w, [t for t in texts if t]) for name, w, texts in parts if any(texts)]


def _hash(parts: list[tuple[str, float, list[str]]]) -> str:
    digest = hashlib.sha256(embeddings.MODEL_NAME.encode())
    for name, weight, texts in parts:
        digest.update(f"\x1e{name}:{weight}".encode())
        for text in texts:
            digest.update(b"\x1f" + text.encode())
    return digest.hexdigest()


def _combine(parts: list[tuple[str, float, list[str]]], vectors: np.ndarray) -> np.ndarray:
    """One normalised vector: the weighted sum of each part's mean vector."""
    total = np.zeros(embeddings.DIMENSIONS, dtype=np.float32)
    start = 0
    for _name, weight, texts in parts:
        total += weight * vectors[start : start + len(texts)].mean(axis=0)
        start += len(texts)
    norm = float(np.linalg.norm(total))
    return total / norm if norm else total


def _vectors(todo: list[tuple]) -> list[np.ndarray]:
    """One vector per (item, parts, hash), from one call to the model for all texts."""
    vectors = embeddings.encode(
        [t for _item, parts, _h in todo for _n, _w, ts in parts for t in ts]
    )
    out, start = [], 0
    for _item, parts, _h in todo:
        count = sum(len(ts) for _n, _w, ts in parts)
        out.append(_combine(parts, vectors[start : start + count]))
        start += count
    return out


def parts_vector(parts: list[tuple[str, float, list[str]]]) -> np.ndarray:
    return _combine(parts, embeddings.encode([t for _n, _w, texts in parts for t in texts]))


def page_embed(*, page: ContentPage) -> bool:
    """Store the page's vector; False when its text is unchanged (no model call)."""
    return pages_embed(pages=[page]) == 1


def pages_embed(*, pages: list[ContentPage]) -> int:
    """Embed a batch of pages with one call to the model (short texts of many pages fill
    the model's micro-batches better than one page at a time); pages whose text is
    unchanged are skipped. Returns how many were (re-)embedded."""
    current = dict(
        PageEmbedding.objects.filter(page_id__in=[p.pk for p in pages]).values_list(
            "page_id", "content_hash"
        )
    )
    todo = []
    for page in pages:
        parts = page_text_parts(page=page)
        content_hash = _hash(parts)
        if current.get(page.pk) != content_hash:
            todo.append((page, parts, content_hash))
    if not todo:
        return 0
    vectors = _vectors(todo)
    # The model runs before the transaction: the write lock is held for the writes only.
    with transaction.atomic():
        for (page, _parts, content_hash), vector in zip(todo, vectors, strict=True):
            PageEmbedding.objects.update_or_create(
                page_id=page.pk,
                defaults={"content_hash": content_hash, "vector": embeddings.to_bytes(vector)},
            )
    return len(todo)


Parts = list[tuple[str, float, list[str]]]  # (name, weight, texts), as page_text_parts


@dataclass(frozen=True)
class DocumentText:
    """What to embed of a search document: its source, key, language and parts."""

    source: str
    key: str
    lang: str
    parts: Parts


def documents_embed(*, documents: list[DocumentText]) -> int:
    """Store the vectors of these documents (one model call for the batch); those whose
    text is unchanged are skipped. Returns how many were (re-)embedded."""
    current: dict[tuple[str, str], str] = {}
    for source in {d.source for d in documents}:
        keys = [d.key for d in documents if d.source == source]
        rows = DocumentEmbedding.objects.filter(source=source, key__in=keys)
        current |= {(source, k): h for k, h in rows.values_list("key", "content_hash")}
    todo = []
    for document in documents:
        parts = [(n, w, [t for t in texts if t]) for n, w, texts in document.parts]
        parts = [part for part in parts if part[2]]
        if not parts:  # nothing to embed: no vector rather than a stale one
            documents_forget(source=document.source, keys=[document.key])
            continue
        content_hash = _hash(parts)
        if current.get((document.source, document.key)) != content_hash:
            todo.append((document, parts, content_hash))
    if not todo:
        return 0
    vectors = _vectors(todo)
    with transaction.atomic():  # the model ran before: the lock is held for the writes only
        for (document, _parts, content_hash), vector in zip(todo, vectors, strict=True):
            DocumentEmbedding.objects.update_or_create(
                source=document.source,
                key=document.key,
                defaults={
                    "key_hash": document_key_hash(document.source, document.key),
                    "lang": document.lang,
                    "content_hash": content_hash,
                    "vector": embeddings.to_bytes(vector),
                },
            )
    return len(todo)


def documents_forget(*, source: str, keys: Iterable[str]) -> int:
    """Delete the vectors of these documents (no longer public). Returns how many."""
    keys = list(keys)
    deleted = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        deleted += DocumentEmbedding.objects.filter(source=source, key__in=chunk).delete()[0]
    return deleted


def related_refresh(*, page_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the related content of these pages (all when None)."""
    corpus = selectors.corpus_get()
    ids = corpus.ids.tolist() if page_ids is None else [i for i in page_ids if i in corpus.row]
    if not ids:
        return 0
    ranked = selectors.related_rank(corpus=corpus, page_ids=ids)
    for page_id, related in ranked.items():
        PageEmbedding.objects.filter(page_id=page_id).update(related_ids=related)
    if ranked:  # the "Related content" cards are cached fragments: render them afresh
        from liberation.core.fragments import content_version_bump

        content_version_bump()
    return len(ranked)


def _pages_listing(page_id: int) -> set[int]:
    """Pages whose stored related content includes this page."""
    return _pages_listing_any({page_id})


def _pages_listing_any(page_ids: set[int]) -> set[int]:
    """Pages whose stored related content includes any of these pages."""
    rows = PageEmbedding.objects.values_list("page_id", "related_ids")
    return {pid for pid, related in rows.iterator() if page_ids.intersection(related or [])}


def page_index_update(*, page_id: int) -> str:
    """Bring the index in line with the page: embedded when live, forgotten otherwise."""
    page = Page.objects.filter(pk=page_id).specific().first()
    if page is None or not isinstance(page, ContentPage) or not page.live:
        deleted, _ = PageEmbedding.objects.filter(page_id=page_id).delete()
        related_refresh(page_ids=_pages_listing(page_id))
        return "forgotten" if deleted else "absent"
    changed = page_embed(page=page)
    if changed:
        corpus = selectors.corpus_get()
        neighbours = selectors.nearest_ids(
            corpus=corpus, page_id=page_id, count=NEIGHBOURS_REFRESHED
        )
        related_refresh(page_ids={page_id, *neighbours, *_pages_listing(page_id)})
    return "embedded" if changed else "unchanged"


@task(priority=PRIORITY)
def page_index_update_task(page_id: int) -> str:
    result = page_index_update(page_id=page_id)
    warming.corpora_warm_soon()
    return result


def pages_index_update(*, page_ids: list[int]) -> int:
    """Embed these pages (those live), forget the others; no related content (the
    bulk write's last task recomputes it). Returns how many were (re-)embedded."""
    pages = list(
        ContentPage.objects.live()
        .filter(pk__in=page_ids)
        .specific()
        .prefetch_related("themes", "places")
        .order_by("pk")
    )
    embedded = sum(
        pages_embed(pages=pages[start : start + MODEL_BATCH])
        for start in range(0, len(pages), MODEL_BATCH)
    )
    gone = set(page_ids) - {page.pk for page in pages}
    if gone:
        PageEmbedding.objects.filter(page_id__in=gone).delete()
    return embedded


def related_refresh_around(*, page_ids: list[int]) -> int:
    """Recompute the related content of these pages and of the pages that should now
    list them (their nearest) or listed them: all pages when that is most of them."""
    corpus = selectors.corpus_get()
    if len(page_ids) * NEIGHBOURS_REFRESHED >= len(corpus.ids):
        return related_refresh()
    around = set(page_ids) | _pages_listing_any(set(page_ids))
    for page_id in page_ids:
        around.update(
            selectors.nearest_ids(corpus=corpus, page_id=page_id, count=NEIGHBOURS_REFRESHED)
        )
    return related_refresh(page_ids=around)


@task(priority=PRIORITY)
def pages_index_update_task(page_ids: list[int]) -> int:
    embedded = pages_index_update(page_ids=page_ids)
    warming.corpora_warm_soon()
    return embedded


@task(priority=RELATED_PRIORITY)
def related_refresh_after_task(page_ids: list[int], result_ids: list[str]) -> int:
    """The last task of a bulk write. Its lower priority lets a worker take it only
    once no batch is waiting; batches still running on other workers are waited for."""
    wait_finished(result_ids, timeout=BULK_WAIT)
    return related_refresh_around(page_ids=page_ids)


def _bulk_flush(page_ids: list[int]) -> list[Unit]:
    units = []
    for start in range(0, len(page_ids), BULK_BATCH):
        chunk = page_ids[start : start + BULK_BATCH]
        units.append((pages_index_update_task.enqueue(chunk), len(chunk)))
    last = related_refresh_after_task.enqueue(page_ids, [result.id for result, _n in units])
    return [*units, (last, 0)]


def _enqueue(page_id: int) -> None:
    def run() -> None:
        page_index_update_task.enqueue(page_id)

    # robust: a queue hiccup must not turn a publication into an error page; the
    # `embed_pages` command repairs whatever was missed.
    transaction.on_commit(run, robust=True)


def _on_publish_change(sender, instance, **kwargs) -> None:
    if isinstance(instance, ContentPage) and not defer(DEFERRED, instance.pk):
        _enqueue(instance.pk)


def _on_page_delete(sender, instance, **kwargs) -> None:
    if isinstance(instance, ContentPage):
        _enqueue(instance.pk)


def signals_connect() -> None:
    deferred_work_register(DeferredWork(name=DEFERRED, flush=_bulk_flush))
    page_published.connect(_on_publish_change, dispatch_uid="semantic-published")
    page_unpublished.connect(_on_publish_change, dispatch_uid="semantic-unpublished")
    post_delete.connect(_on_page_delete, dispatch_uid="semantic-deleted")
