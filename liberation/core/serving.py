"""Wagtail's page routing, kept between requests under the content version.

Before a page is rendered, Wagtail finds the site of the request (one query), walks
the page tree from the site's root to the page (two queries in `HomePage.route`, plus
the localized root) and reads the view restrictions of the page and its ancestors (two
queries). None of it changes unless content changes, yet it was a third of an uncached
article's CPU (`bench/pages.py --profile`: `Site.find_for_request` + `route_for_request`
34–48 % of the request under the profiler).

`PageRouteCacheMiddleware` keeps, per host, language and path, what the routing found:
the site, the route result (the specific page, its args and kwargs) and the page's view
restrictions, under the content version of `core.fragments`. Every save or delete of a
page (publish, unpublish, move, delete, a draft), a site, a locale or a view
restriction replaces that version, so a cached route is never used after any of them
commits. Wagtail reads `request._wagtail_site` and `request._wagtail_route_for_request`
first (`Site.find_for_request`, `Page.route_for_request`), so setting them is all its
serve view needs; the restrictions are set on the page instance, where Wagtail's
`check_view_restrictions` hook asks for them (`page.get_view_restrictions()`), and each
restriction is still checked against the request (password, login, groups): only the
lookup is cached, never the decision.

The shared cache's keys of the pages routing loaded (`core/surrogate.py`: the page,
its ancestors and site root) are kept with the route and given to every response served
from it, since an unpickled page does not announce itself as a loaded page does.

Not cached: requests other than GET and HEAD, previews, a route that is not found (404),
and anything when `FRAGMENT_CACHE_TIMEOUT` is 0. The page object is unpickled afresh
for every request, so nothing one request sets on it reaches another.
"""

from __future__ import annotations

import copy
import hashlib

from django.http import HttpRequest
from django.utils import translation
from wagtail.url_routing import RouteResult

from . import fragments, surrogate

ROUTE_ATTRIBUTE = "_wagtail_route_for_request"


def _is_wagtail_serve(view_func) -> bool:
    from wagtail import views

    return view_func is views.serve


def route_key(request: HttpRequest, path: str) -> str:
    parts = [
        fragments.content_version(request=request),
        request._get_raw_host(),  # Wagtail finds the site from the raw host and port
        translation.get_language() or "",
        path,
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"liberation:route:{digest}"


def _route(request: HttpRequest, path: str):
    """Wagtail's own lookup: (site, route result, the page's view restrictions) or None."""
    from wagtail.models import Page, Site

    site = Site.find_for_request(request)
    route_result = Page.route_for_request(request, path)
    if site is None or route_result is None:
        return None
    restrictions = list(route_result[0].get_view_restrictions())
    return site, route_result, restrictions


def _serve_restrictions(page, restrictions: list) -> None:
    """Answer `page.get_view_restrictions()` from the cache for this request only."""
    page.get_view_restrictions = lambda: restrictions


class PageRouteCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or not _is_wagtail_serve(view_func)
            or not fragments.cacheable(request)
        ):
            return None
        path = view_kwargs.get("path", view_args[0] if view_args else "")
        key = route_key(request, path)
        cached = fragments.front.get(key)
        if cached is None:
            # The pages routing loads are the shared cache's keys of the response
            # (core/surrogate.py): kept with the route, as fragments keep theirs.
            with surrogate.collecting() as keys:
                found = _route(request, path)
            if found is None:
                return None  # a 404 (or no site): Wagtail answers it as usual
            cached = (*found, tuple(sorted(keys)))
            fragments.front.set(key, cached, fragments.timeout())
        site, route_result, restrictions, keys = cached
        # The kept entry is shared by the process's threads: this request serves (and
        # may change) a copy of the page.
        page, args, kwargs = route_result
        route_result = RouteResult(copy.copy(page), args, kwargs)
        # An unpickled page is not "loaded" (no post_init): its keys come from the entry.
        surrogate.keys_add(*keys)
        request._wagtail_site = site
        setattr(request, ROUTE_ATTRIBUTE, route_result)
        _serve_restrictions(route_result[0], restrictions)
        return None
