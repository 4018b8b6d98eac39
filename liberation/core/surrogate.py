"""What a shared cache (Varnish, docs/deployment.md) may store, and under which keys.

`SurrogateMiddleware` gives every response one of two `Cache-Control` headers:

- `public, max-age=0, s-maxage=SHARED_CACHE_SECONDS` and an `xkey` header, only when
  all of these hold: GET or HEAD; status 200; a URL of the public classes below; no
  cookie in the request (besides the harmless ones of `SHARED_CACHE_HARMLESS_COOKIES`,
  which Varnish strips too) and no `Authorization`; no cookie set by the response
  (a CSRF token, a session, a message, a language choice); not a preview; the view did
  not already say `private`/`no-store`/`no-cache`.
- `private, no-store` on everything else (forms with a CSRF token set their cookie,
  management links, badges, the check-in app, the admin, previews, anything after a
  login) — unless the view already said `private`, or, outside the public routes,
  chose its own header (`never_cache`, a public story file's `public, max-age`: Varnish
  stores only answers with `s-maxage`). Static and media files keep their own headers.

Public URL classes: Wagtail's pages, the feeds, the sitemap and robots.txt, the agenda
(pages, iCal, RSS/Atom, open data, API), the map and its data, the search pages and the
search, communes and OpenAPI answers, the public collection.

A shareable response also gets an `ETag` (a hash of its content) unless the view set
one: readers' browsers ask again each time (`max-age=0`), and with the validator the
tier (or the app itself, without a tier) answers a reader who already has the page
with a 304 and no body. A publish changes the content, hence the ETag.

Keys (`xkey` header, space-separated; purged by `core/purge.py` through the queue):

- `site` on every public response: purged by a change of settings, snippets, images,
  the site or a locale (any watched model of `fragments.py` that is not a page).
- `p<id>` for every page loaded to render the response (a Django `post_init` receiver
  on the page models, active only during a request): the page itself, its ancestors,
  the sections of the menu, the pages of its listings and related cards, its
  translations. Deliberately wide: a page read for any reason is a key, so a change of
  its title reaches every response that could show it. Cached fragments keep the keys
  they were rendered with (`fragments.py`).
- `list` on responses that list pages by a query (section listings, the home page's
  latest content, feeds, sitemap, agenda, map data, search): purged on every publish,
  unpublish, move or delete, since any of them can add, remove or reorder an entry.
- `menu` on responses that show the main menu (the header): purged when a page shown
  in menus changes.
- `search` on the answers of the search index (the search page, its suggestions, the
  search API): purged when the index changes (`discovery/indexing.py`, at the commit
  of an index task). The `list` purge of a publish comes at the publish's commit,
  before the index task has run: a search read in between would otherwise keep the
  old results for SHARED_CACHE_SECONDS.

Coarseness chosen: related cards are not a `list` (a newly published page joins other
pages' related cards when they expire, at most SHARED_CACHE_SECONDS later; a change to
a page already shown in a card is purged at once through its `p<id>`). Seats left in
a ceremony's registration panel are at most SHARED_CACHE_SECONDS old; the form page
itself is never cached. When more than MAX_PAGE_KEYS pages were loaded (the sitemap,
big listings) the response carries `list` instead of each `p<id>`.
"""

from __future__ import annotations

import contextvars

from django.conf import settings
from django.db.models.signals import post_init
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

DEFAULT_SECONDS = 120
MAX_PAGE_KEYS = 300
HEADER = "xkey"
SITE, LIST, MENU, SEARCH = "site", "list", "menu", "search"

_collector: contextvars.ContextVar[set | None] = contextvars.ContextVar(
    "liberation_surrogate_keys", default=None
)

# Routes (url names, with their namespace) whose answers are the same for everyone.
PUBLIC_ROUTES = {
    "feed",
    "sitemap",
    "robots_txt",
    "agenda",
    "agenda_ics",
    "agenda_rss",
    "agenda_atom",
    "agenda_event",
    "agenda_event_ics",
    "agenda_api_events",
    "agenda_open_data_json",
    "agenda_open_data_csv",
    "agenda_open_data_geojson",
    "maps:map",
    "maps:data",
    "maps:event",
    "maps:liberation",
    "search_fr",
    "search_en",
    "search_suggest_fr",
    "search_suggest_en",
    "api_search",
    "api_openapi",
    "api_communes",
    "collection:index",
    "collection:story",
}
# Routes that list pages by a query: they carry `list` whatever they loaded.
LIST_ROUTES = PUBLIC_ROUTES - {"robots_txt", "api_communes", "api_openapi"}
WAGTAIL_SERVE = "wagtail_serve"


def seconds() -> int:
    return int(getattr(settings, "SHARED_CACHE_SECONDS", DEFAULT_SECONDS))


def page_key(page_id: int) -> str:
    return f"p{page_id}"


def keys_add(*keys: str) -> None:
    """Say that the response being rendered shows these keys (no-op outside a request)."""
    collected = _collector.get()
    if collected is not None:
        collected.update(keys)


def keys_collected() -> set[str]:
    return set(_collector.get() or ())


class collecting:
    """`with collecting() as keys:` the keys added inside, also added to the enclosing
    collection (used by cached fragments to store the keys they were rendered with)."""

    def __enter__(self) -> set:
        self.outer = _collector.get()
        self.keys: set = set()
        self.token = _collector.set(self.keys)
        return self.keys

    def __exit__(self, *exc) -> None:
        _collector.reset(self.token)
        if self.outer is not None:
            self.outer.update(self.keys)


def _page_loaded(sender, instance, **kwargs) -> None:
    collected = _collector.get()
    if collected is not None and instance.pk is not None:
        collected.add(page_key(instance.pk))


def connect_signals() -> None:
    """Called from CoreConfig.ready(): every page model, once loaded, is a key."""
    from wagtail.models import Page, get_page_models

    for model in {Page, *get_page_models()}:
        post_init.connect(_page_loaded, sender=model, dispatch_uid=f"surrogate-{model._meta.label}")


def _harmless(name: str) -> bool:
    return any(
        name == pattern or (pattern.endswith("*") and name.startswith(pattern[:-1]))
        for pattern in getattr(settings, "SHARED_CACHE_HARMLESS_COOKIES", ())
    )


def _route(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    return None if match is None else match.view_name


def _exempt(request: HttpRequest) -> bool:
    """Static and media files keep the headers of whatever serves them."""
    path = request.path_info
    return any(
        prefix and prefix != "/" and path.startswith(prefix)
        for prefix in (settings.STATIC_URL, settings.MEDIA_URL)
    )


def shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """May a shared cache store this response and serve it to anyone?"""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if _route(request) not in PUBLIC_ROUTES and _route(request) != WAGTAIL_SERVE:
        return False
    if any(not _harmless(name) for name in request.COOKIES):
        return False
    if "HTTP_AUTHORIZATION" in request.META or response.cookies:
        return False
    if getattr(request, "is_preview", False) or response.streaming:
        return False
    existing = response.get("Cache-Control", "").lower()
    return not any(word in existing for word in ("private", "no-store", "no-cache"))


def response_keys(request: HttpRequest, collected: set[str]) -> list[str]:
    keys = {SITE, *collected}
    pages = sorted(key for key in keys if key.startswith("p") and key[1:].isdigit())
    if _route(request) in LIST_ROUTES or len(pages) > MAX_PAGE_KEYS:
        keys.add(LIST)
    if len(pages) > MAX_PAGE_KEYS:
        keys.difference_update(pages)
    return sorted(keys)


def headers_apply(request: HttpRequest, response: HttpResponse, collected: set[str]) -> None:
    if _exempt(request):
        return
    existing = response.get("Cache-Control", "").lower()
    if seconds() > 0 and shareable(request, response):
        # A browser lifetime the view chose (communes, iCal feeds) is kept; otherwise
        # browsers ask again each time, so a correction is never stuck in one.
        max_age = {} if "max-age" in existing else {"max_age": 0}
        patch_cache_control(response, public=True, s_maxage=seconds(), **max_age)
        response[HEADER] = " ".join(response_keys(request, collected))
        if not response.has_header("ETag"):
            # Browsers ask again each time (max-age=0): with a validator the tier
            # answers a reader who has the page already with a bodiless 304.
            set_response_etag(response)
        return
    if HEADER in response:
        del response[HEADER]
    route = _route(request)
    public_route = route in PUBLIC_ROUTES or route == WAGTAIL_SERVE
    if existing and not public_route:
        return  # the view's own choice (a public story file, the check-in service worker)
    if "private" not in existing:
        response["Cache-Control"] = "private, no-store"


class SurrogateMiddleware:
    """Listed before every middleware that may set a cookie (sessions, CSRF, messages,
    language), so that it sees the response they leave."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _collector.set(set())
        try:
            response = self.get_response(request)
            collected = _collector.get()
        finally:
            _collector.reset(token)
        headers_apply(request, response, collected)
        if response.has_header(HEADER) and response.has_header("ETag"):
            # Without a shared cache in front (`make run`), the app answers the 304.
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response
