"""Purging the shared cache (Varnish with xkey) when content changes.

Keys are those of `surrogate.py`. What a change purges:

- a page published, unpublished, deleted or saved while live: `p<id>` of the page and
  of its translations (their language switcher and hreflang show it), `list`, and
  `menu` when the page is shown in menus;
- a page moved: `site` (the URLs of its whole subtree change);
- any other model watched by `fragments.py` (settings, snippets, images, themes,
  places, the site, locales): `site`.

The keys of one transaction are gathered and, at its commit, sent at once as
`PURGE /` with an `xkey-purge` header to every URL of `PURGE_URLS` (a local request:
milliseconds; 0.5 s at most when Varnish does not answer). What failed goes to the
task `purge_keys` on the `purge` queue (its own worker polls every 0.1 s: `make
serve`), which tries again at once and then after 1, 2, 4… (at most 10) seconds,
until SHARED_CACHE_SECONDS + PURGE_GRACE_SECONDS have passed since the change: by
then every copy stored before the change has expired anyway, so nothing stays stale
forever even if the purge channel never comes back. Without `PURGE_URLS` (no shared
cache: `make run`, the tests) nothing is sent.

Why at the commit first, rather than only through the queue: on SQLite the purge
worker waited up to 10 s for the write lock held by the task worker (indexing the
published page), so a correction showed 10 s late (tests/test_read_tier.py).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.parse
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_tasks import task

from . import surrogate

logger = logging.getLogger("liberation.purge")

QUEUE = "purge"
HEADER = "xkey-purge"
DEFAULT_GRACE = 10
MAX_DELAY = 10.0
TIMEOUT = 0.5

_pending = threading.local()


def targets() -> list[str]:
    return [url for url in getattr(settings, "PURGE_URLS", ()) if url]


def page_keys(page) -> set[str]:
    from wagtail.models import Page

    keys = {surrogate.page_key(page.pk), surrogate.LIST}
    if getattr(page, "translation_key", None):
        ids = Page.objects.filter(translation_key=page.translation_key).values_list("pk", flat=True)
        keys.update(surrogate.page_key(pk) for pk in ids)
    if getattr(page, "show_in_menus", False):
        keys.add(surrogate.MENU)
    return keys


def purge_later(keys) -> None:
    """Purge these keys once the current transaction commits (at once outside one)."""
    if not targets() or not keys:
        return
    pending = getattr(_pending, "keys", None)
    if pending is None:
        pending = _pending.keys = set()
    first = not pending
    pending.update(keys)
    if first:
        transaction.on_commit(_flush)


def _flush() -> None:
    """At the commit: purge at once (a local request, a few milliseconds); what failed
    goes to the queue, which tries again until the copies have expired."""
    keys = sorted(getattr(_pending, "keys", None) or ())
    _pending.keys = set()
    if not keys:
        return
    failed = _send_all(keys=keys, urls=targets(), attempt=0)
    if failed:
        purge_keys.enqueue(keys=keys, since=time.time(), urls=failed)


def _send_all(*, keys: list[str], urls: list[str], attempt: int) -> list[str]:
    failed = []
    for url in urls:
        try:
            send_purge(url=url, keys=keys)
        except (OSError, http.client.HTTPException) as error:
            failed.append(url)
            logger.warning("Purge of %s on %s failed (attempt %d): %s", keys, url, attempt, error)
    return failed


def send_purge(*, url: str, keys: list[str]) -> int:
    """One `PURGE /` carrying the keys; the number Varnish says it purged."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT)
    try:
        connection.request("PURGE", "/", headers={HEADER: " ".join(keys)})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    if response.status != 200:
        raise OSError(f"{url} answered {response.status} to PURGE: {body[:200]}")
    return response.status


def retry_delay(attempt: int) -> float:
    return min(2.0 ** (attempt - 1), MAX_DELAY)


def give_up_after() -> float:
    grace = int(getattr(settings, "PURGE_GRACE_SECONDS", DEFAULT_GRACE))
    return surrogate.seconds() + grace


@task(queue_name=QUEUE)
def purge_keys(
    keys: list[str], since: float, attempt: int = 1, urls: list[str] | None = None
) -> int:
    """Purge `keys` on every shared cache; on failure, try the failed ones again later."""
    failed = _send_all(keys=keys, urls=urls or targets(), attempt=attempt)
    if failed:
        delay = retry_delay(attempt)
        if time.time() + delay - since <= give_up_after():
            _retry(keys=keys, since=since, attempt=attempt + 1, urls=failed, delay=delay)
        else:
            logger.warning("Purge of %s given up: the copies have expired by now.", keys)
    return len(failed)


def _retry(*, keys: list[str], since: float, attempt: int, urls: list[str], delay: float) -> None:
    run_after = timezone.now() + timedelta(seconds=delay)
    purge_keys.using(run_after=run_after).enqueue(
        keys=keys, since=since, attempt=attempt, urls=urls
    )


# -- signals ------------------------------------------------------------------------------


def _is_page(instance) -> bool:
    from wagtail.models import Page

    return isinstance(instance, Page)


def _page_changed(sender, instance=None, **kwargs) -> None:
    if instance is not None:
        purge_later(page_keys(instance))


def _page_moved(sender, **kwargs) -> None:
    purge_later({surrogate.SITE})


def _saved(sender, instance=None, **kwargs) -> None:
    from django.apps import apps

    from .fragments import NOT_PURGED, WATCHED_MODELS

    if kwargs.get("raw") or sender._meta.apps is not apps or not targets():
        return
    if _is_page(instance):
        if instance.live:
            purge_later(page_keys(instance))
    elif sender._meta.label_lower in WATCHED_MODELS - NOT_PURGED:
        purge_later({surrogate.SITE})


def _deleted(sender, instance=None, **kwargs) -> None:
    from django.apps import apps

    from .fragments import NOT_PURGED, WATCHED_MODELS

    if sender._meta.apps is not apps or not targets():
        return
    if _is_page(instance):
        purge_later({surrogate.page_key(instance.pk), surrogate.LIST, surrogate.MENU})
    elif sender._meta.label_lower in WATCHED_MODELS - NOT_PURGED:
        purge_later({surrogate.SITE})


def connect_signals() -> None:
    """Called from CoreConfig.ready()."""
    from wagtail.signals import page_published, page_unpublished, post_page_move

    post_save.connect(_saved, dispatch_uid="liberation-purge-save")
    post_delete.connect(_deleted, dispatch_uid="liberation-purge-delete")
    page_published.connect(_page_changed, dispatch_uid="liberation-purge-published")
    page_unpublished.connect(_page_changed, dispatch_uid="liberation-purge-unpublished")
    post_page_move.connect(_page_moved, dispatch_uid="liberation-purge-moved")
