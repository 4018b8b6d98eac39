"""The search page (/fr/recherche/, /en/search/) and its autocomplete endpoint.

Every input is text: an empty query gets help, a query over MAX_QUERY_CHARS a 400 page
with a message, anything else a results page (possibly empty, with a suggestion)."""

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.models import Page

from liberation.content.models import Place, Theme
from liberation.content.selectors import PERIODS, _type_models
from liberation.core import surrogate
from liberation.places.models import Departement

from .analysis import LANGS, MAX_QUERY_CHARS, clean_query
from .models import SearchEntry
from .selectors import (
    SORTS,
    SearchFilters,
    autocomplete,
    did_you_mean,
    highlight,
    search_pages,
    snippet,
)
from .sources import sources_all

PER_PAGE = 10


def search_url(lang: str) -> str:
    return reverse("search_fr" if lang == "fr" else "search_en")


def _facet_labels(
    lang: str, place_ids: list[str] = (), departements: list[str] = ()
) -> dict[str, dict[str, str]]:
    """Labels per facet value; places (shared by both languages) by name and
    départements as "Calvados (14)", only those listed by the facet (one query each)."""
    ids = [int(v) for v in place_ids if v.isascii() and v.isdigit()]
    codes = [v for v in departements if len(v) <= 3]
    return {
        "departement": {
            code: f"{name} ({code})"
            for code, name in Departement.objects.filter(code__in=codes).values_list("code", "name")
        }
        if codes
        else {},
        "place": {
            str(pk): name for pk, name in Place.objects.filter(pk__in=ids).values_list("pk", "name")
        }
        if ids
        else {},
        "type": {
            **{key: str(model.type_label) for key, model in _type_models().items()},
            **{source.name: str(source.label()) for source in sources_all()},
        },
        "theme": {t.slug: (t.name_fr if lang == "fr" else t.name_en) for t in Theme.objects.all()},
        "lang": {"fr": _("French"), "en": _("English")},
        "period": {p.slug: str(p.label) for p in PERIODS},
        "when": {"upcoming": _("Upcoming"), "past": _("Past")},
    }


# The link to a story's other language version, written in that language (as the
# language switcher writes each language's name in itself).
ALSO_IN = {"fr": "Aussi en français", "en": "Also in English"}


@require_GET
def search(request):
    surrogate.keys_add(surrogate.SEARCH)
    lang = get_language() if get_language() in LANGS else "fr"
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    sort = request.GET.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    context = {"query": query, "sort": sort, "action": search_url(lang), "lang": lang}
    if len(query) > MAX_QUERY_CHARS:
        context["error"] = _(
            "Your search is too long (%(count)s characters). Please use at most "
            "%(max)s characters: a few words are enough."
        ) % {"count": len(query), "max": MAX_QUERY_CHARS}
        context["query"] = query[:MAX_QUERY_CHARS]
        return render(request, "discovery/search.html", context, status=400)
    if not query:
        return render(request, "discovery/search.html", context)
    filters = SearchFilters.from_query(request.GET)
    results = search_pages(query=query, lang=lang, filters=filters, sort=sort)
    paginator = Paginator(results.candidates, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    shown = list(page_obj.object_list)
    versions = [other for c in shown for other in c.also]
    entries = SearchEntry.objects.in_bulk([c.entry_id for c in shown + versions])
    # A queued reindex may lag behind: a page no longer live is left out.
    pages = Page.objects.live().in_bulk([c.page_id for c in shown + versions if c.page_id])
    labels = _facet_labels(
        lang,
        [value for value, _ in results.facets.get("place", [])],
        [value for value, _ in results.facets.get("departement", [])],
    )
    hits = []
    for candidate in page_obj.object_list:
        entry = entries.get(candidate.entry_id)
        page = pages.get(candidate.page_id) if candidate.page_id else None
        if entry is None or (entry.page_id and page is None):
            continue
        hits.append(
            {
                "url": page.get_url(request) if page else entry.url,
                # Documents (stories) show their place on the card.
                "place": "" if page else entry.places,
                "title": highlight(entry.title, results.variants, entry.lang),
                "snippet": snippet(entry.text, results.variants, entry.lang),
                "type": labels["type"].get(entry.type, entry.type),
                "date": entry.date,
                "lang": entry.lang,
                "lang_name": labels["lang"].get(entry.lang, entry.lang),
                "other_lang": entry.lang != lang,
                # The story's other language versions the query found too (issue 14).
                "also": [
                    {
                        "url": pages[o.page_id].get_url(request),
                        "lang": o.lang,
                        "label": ALSO_IN[o.lang],
                    }
                    for o in candidate.also
                    if o.page_id in pages and o.lang in ALSO_IN
                ],
            }
        )
    base = {"q": query, "sort": sort, **filters.active()}
    facets = []
    for name, title in (
        ("type", _("Type")),
        ("theme", _("Theme")),
        ("period", _("Historical period")),
        ("place", _("Place")),
        ("departement", _("Département")),
        ("when", _("Date")),
        ("lang", _("Language")),
    ):
        values = []
        for value, count in results.facets.get(name, []):
            if name in ("place", "departement") and value not in labels[name]:
                continue  # a place deleted since the page was indexed
            params = {k: v for k, v in base.items() if k != name}
            selected = getattr(filters, name) == value
            if not selected:
                params[name] = value
            values.append(
                {
                    "value": value,
                    "label": labels[name].get(value, value),
                    "count": count,
                    "selected": selected,
                    "querystring": _qs(params),
                }
            )
        if values:
            facets.append({"name": name, "title": title, "values": values})
    # Meaning finds something for most queries: the suggestion follows the words.
    suggestion = "" if results.lexical_total >= 3 else did_you_mean(query=query, lang=lang)
    context.update(
        {
            "hits": hits,
            "total": results.total,
            "page_obj": page_obj,
            "facets": facets,
            "filters": filters,
            "suggestion": suggestion,
            "suggestion_querystring": _qs({"q": suggestion}),
            "querystring": _qs(base),
            "sort_querystrings": {s: _qs({**base, "sort": s}) for s in SORTS},
            "searched": bool(results.words),
        }
    )
    return render(request, "discovery/search.html", context)


def _qs(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v})


@require_GET
def suggest(request):
    """JSON for the autocomplete: {"query": …, "suggestions": [{"label", "kind", "lang"}]}."""
    surrogate.keys_add(surrogate.SEARCH)
    lang = get_language() if get_language() in LANGS else "fr"
    query = clean_query(request.GET.get("q", ""))[:MAX_QUERY_CHARS]
    return JsonResponse({"query": query, "suggestions": autocomplete(prefix=query, lang=lang)})
