"""Cached fragments of the public pages, invalidated by a content version.

An uncached article cost ~30 ms of CPU and 41 queries (`bench/pages.py --profile`),
half of it in parts that change only when content is published: the header (menu and
language switcher), the footer links, the <head> metadata (canonical, hreflang, Open
Graph, JSON-LD) and the related-content cards. `{% fragment %}` caches such a part's
HTML; the page itself (routing, body, facts) is still rendered on every request.

Invalidation: every key carries the content version, a random token stored in one
database row (`ContentVersion`) and replaced whenever a page, a translation, an image,
the footer settings or a site change, or a model another app registered with
`watched_models_register` (content: themes and places; semantic: the stored related
content). Core imports no other app: each app names its own models, from its
AppConfig.ready().
One query per request reads it (memoized on the request). The database, rather than
the cache, holds it because the default cache (LocMem) is private to each server
process, and because a reader sees the new token when it sees the new content: at
the commit of the transaction that changed it. A random token, not a counter, so that
a rolled-back change (tests, failed imports) cannot bring back an old key.

Previews and editors' draft views are never cached (`request.is_preview`).
`FRAGMENT_CACHE_TIMEOUT` (seconds, 0 disables) bounds how long an unused entry lives.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils import translation

from . import surrogate
from .process_cache import VersionedFront

VERSION_ATTRIBUTE = "_liberation_content_version"
DEFAULT_TIMEOUT = 24 * 3600
# Fragments, routes and sites: their keys carry the content version, so each process
# keeps the ones it used last in front of the shared cache (core/process_cache.py).
# A thousand entries: the header, footer and head of each language, the routes, bodies
# and cards of the pages read last (the 98 demo pages, each read once: 818 entries,
# 1.9 MB pickled, 8.4 KB at most; docs/benchmarks.md).
front = VersionedFront(max_entries=1000)

# Models whose changes show in cached fragments (besides every Page subclass): Wagtail's
# and core's here, the other apps' added by `watched_models_register`.
WATCHED_MODELS = {
    "wagtailcore.site",
    "wagtailcore.locale",
    "wagtailcore.pageviewrestriction",
    "core.footersettings",
    "core.noticesettings",
    "core.customimage",
    "wagtaildocs.document",  # document links in an article's body (a cached fragment)
}


# Watched models whose changes do not purge the shared cache (core/purge.py).
NOT_PURGED: set[str] = set()


def watched_models_register(*labels: str, purge: bool = True) -> None:
    """Give published content a new version on every save or delete of these models
    ("app_label.modelname"), as for pages. Called from the AppConfig.ready() of the app
    that owns them. `purge=False`: a change does not purge the shared cache either (it
    only changes which pages are related, left to the cache's expiry: surrogate.py)."""
    WATCHED_MODELS.update(label.lower() for label in labels)
    if not purge:
        NOT_PURGED.update(label.lower() for label in labels)


def timeout() -> int:
    return int(getattr(settings, "FRAGMENT_CACHE_TIMEOUT", DEFAULT_TIMEOUT))


def content_version(*, request: HttpRequest | None = None) -> str:
    """The current content version (read once per request)."""
    if request is not None:
        known = getattr(request, VERSION_ATTRIBUTE, None)
        if known is not None:
            return known
    from .models import ContentVersion

    token = ContentVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""
    if request is not None:
        setattr(request, VERSION_ATTRIBUTE, token)
    return token


def site_for_request(request: HttpRequest):
    """Wagtail's site for this request, kept per host and content version (a change of
    any site replaces the version), and on the request where `{% pageurl %}` and
    `Site.find_for_request` look first. Wagtail queries for it once per request; views
    outside Wagtail's page serving (registration pages, refusals) need not."""
    from wagtail.models import Site

    if not hasattr(request, "_wagtail_site"):
        key = f"liberation:site:{request.get_host()}:{content_version(request=request)}"
        site = front.get(key)
        if site is None:
            site = Site.find_for_request(request)
            front.set(key, site, timeout())
        request._wagtail_site = site
    return request._wagtail_site


def content_version_bump() -> str:
    """Give published content a new version: every cached fragment is stale from the
    commit of the current transaction on."""
    from .models import ContentVersion

    token = secrets.token_hex(16)
    if not ContentVersion.objects.filter(pk=1).update(token=token):
        try:
            with transaction.atomic():
                ContentVersion.objects.create(pk=1, token=token)
        except IntegrityError:  # created meanwhile by another process
            ContentVersion.objects.filter(pk=1).update(token=token)
    return token


def cacheable(request: HttpRequest | None) -> bool:
    return request is not None and not getattr(request, "is_preview", False) and timeout() > 0


def fragment_key(*, request: HttpRequest, name: str, vary_on: list) -> str:
    """The cache key of a fragment: its name, the content version, the host, scheme and
    language of the request, and the fragment's own `vary_on` values."""
    parts = [
        name,
        content_version(request=request),
        request.scheme,
        request.get_host(),
        translation.get_language() or "",
        *(str(value) for value in vary_on),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"fragment:{name}:{digest}"


def fragment_get_or_render(*, request: HttpRequest | None, name: str, vary_on: list, render):
    """The cached HTML of a fragment, or `render()`'s, stored for the next requests."""
    if not cacheable(request):
        return render()
    key = fragment_key(request=request, name=name, vary_on=vary_on)
    stored = front.get(key)
    if isinstance(stored, tuple):  # (html, the shared cache's keys it was rendered with)
        html, keys = stored
        surrogate.keys_add(*keys)
        return html
    with surrogate.collecting() as keys:
        html = render()
    front.set(key, (html, tuple(sorted(keys))), timeout())
    return html


def _changed(sender, instance=None, **kwargs) -> None:
    from django.apps import apps
    from wagtail.models import Page

    # Fixtures being loaded, or a migration's historical model: nothing is served yet.
    if kwargs.get("raw") or sender._meta.apps is not apps:
        return
    if isinstance(instance, Page) or sender._meta.label_lower in WATCHED_MODELS:
        content_version_bump()


def _page_event(sender, **kwargs) -> None:
    content_version_bump()


def connect_signals() -> None:
    """Called from CoreConfig.ready()."""
    from wagtail.signals import page_published, page_unpublished, post_page_move

    post_save.connect(_changed, dispatch_uid="liberation-fragments-save")
    post_delete.connect(_changed, dispatch_uid="liberation-fragments-delete")
    # Saves already cover these; the signals also catch bulk updates done by Wagtail
    # (descendants unpublished or moved with the page).
    page_published.connect(_page_event, dispatch_uid="liberation-fragments-published")
    page_unpublished.connect(_page_event, dispatch_uid="liberation-fragments-unpublished")
    post_page_move.connect(_page_event, dispatch_uid="liberation-fragments-moved")
