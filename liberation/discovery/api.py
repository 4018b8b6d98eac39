"""JSON search API (GET /api/search/) and its OpenAPI 3 description (/api/openapi.json).

Mounted outside i18n_patterns: `path("api/", include("liberation.discovery.api"))`."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET
from wagtail.models import Page

from liberation.content.models import ContentKey
from liberation.core import surrogate

from .analysis import LANGS, MAX_QUERY_CHARS, clean_query
from .models import SearchEntry
from .selectors import RRF_K, SAME_LANGUAGE_BOOST, SEMANTIC_MIN_COSINE, search_hybrid

DEFAULT_LIMIT = 10
MAX_LIMIT = 50

RESULT_SCHEMA = {
    "type": "object",
    "required": ["key", "url", "title", "lang", "type", "score"],
    "properties": {
        "key": {"type": ["string", "null"], "description": "Content-exchange key, if any."},
        "url": {"type": "string"},
        "title": {"type": "string"},
        "lang": {"type": "string", "enum": list(LANGS)},
        "type": {
            "type": "string",
            "description": "A content page type (article, dossier, ceremony…), `testimony` for "
            "a published story of the collection or `event` for a labelled event of the "
            "programme (the key of both is null).",
        },
        "score": {
            "type": "number",
            "description": "Fused score (see the operation's description): higher ranks "
            "first; comparable within one response only.",
        },
    },
    "additionalProperties": False,
}
SEARCH_SCHEMA = {
    "type": "object",
    "required": ["query", "lang", "ranking", "results", "count"],
    "properties": {
        "query": {"type": "string"},
        "lang": {"type": "string", "enum": list(LANGS)},
        "ranking": {
            "type": "string",
            "enum": ["hybrid", "lexical"],
            "description": "hybrid: words and meaning fused; lexical: words only (the "
            "embedding model could not run).",
        },
        "results": {"type": "array", "items": RESULT_SCHEMA},
        "count": {"type": "integer", "minimum": 0},
    },
    "additionalProperties": False,
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
    "additionalProperties": False,
}

RANKING_DESCRIPTION = (
    "Results are ranked by hybrid search: reciprocal rank fusion "
    f"(k = {RRF_K}) of two rankings. The lexical ranking: BM25-style over French and "
    "English analysis (accents folded, stems, stop words), pages containing every word "
    f"first, the reader's `lang` boosted x{SAME_LANGUAGE_BOOST}, other languages kept. "
    "The ranking by meaning: multilingual sentence embeddings, cosine similarity, both "
    "languages (an English query finds French-only content). Each result scores the sum "
    f"of 1 / ({RRF_K} + rank) over the two rankings; a page found by meaning alone needs "
    f"a cosine of at least {SEMANTIC_MIN_COSINE}; a page not embedded yet counts its "
    "lexical rank twice. When the embedding model cannot run, the ranking is lexical "
    "alone and `ranking` says so. The search page (/fr/recherche/, /en/search/) ranks "
    "the same way."
)

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Libération search API", "version": "1.0.0"},
    "paths": {
        "/api/search/": {
            "get": {
                "summary": "Search published content in French and English, by words and "
                "by meaning.",
                "description": RANKING_DESCRIPTION,
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
                    },
                    {
                        "name": "lang",
                        "in": "query",
                        "required": False,
                        "description": "The reader's language (preferred, not exclusive).",
                        "schema": {"type": "string", "enum": list(LANGS), "default": "fr"},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_LIMIT,
                            "default": DEFAULT_LIMIT,
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Results in rank order.",
                        "content": {"application/json": {"schema": SEARCH_SCHEMA}},
                    },
                    "400": {
                        "description": "Missing, too long or invalid parameter.",
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    },
                },
            }
        }
    },
}


def _error(message: str, field: str) -> JsonResponse:
    return JsonResponse({"error": message, "field": field}, status=400)


@require_GET
def search_api(request):
    surrogate.keys_add(surrogate.SEARCH)
    lang = request.GET.get("lang", "fr")
    if lang not in LANGS:
        return _error("lang must be one of: " + ", ".join(LANGS), "lang")
    raw_limit = request.GET.get("limit", str(DEFAULT_LIMIT))
    # The length first: int() refuses numbers of more than 4,300 digits (a 500 otherwise).
    valid = len(raw_limit) <= 3 and raw_limit.isascii() and raw_limit.isdigit()
    if not valid or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return _error(f"limit must be an integer between 1 and {MAX_LIMIT}", "limit")
    query = clean_query(request.GET.get("q", ""))
    if not query:
        return _error("q is required", "q")
    if len(query) > MAX_QUERY_CHARS:
        return _error(f"q must be at most {MAX_QUERY_CHARS} characters", "q")
    ranking = search_hybrid(query=query, lang=lang)
    ranked = ranking.candidates[: int(raw_limit)]
    ids = [c.page_id for c in ranked if c.page_id]
    entries = SearchEntry.objects.in_bulk([c.entry_id for c in ranked])
    pages = Page.objects.live().in_bulk(ids)  # a queued reindex may lag behind
    keys = dict(ContentKey.objects.filter(page_id__in=ids).values_list("page_id", "key"))
    results = []
    for candidate in ranked:
        entry, score = entries.get(candidate.entry_id), candidate.score
        page = pages.get(candidate.page_id) if candidate.page_id else None
        if entry is None or (entry.page_id and page is None):
            continue
        results.append(
            {
                # Documents of other sources (stories, type "testimony") have no key.
                "key": keys.get(candidate.page_id) if page else None,
                "url": page.get_full_url(request)
                if page
                else request.build_absolute_uri(entry.url),
                "title": entry.title,
                "lang": entry.lang,
                "type": entry.type,
                "score": round(score, 6),
            }
        )
    return JsonResponse(
        {
            "query": query,
            "lang": lang,
            "ranking": ranking.method,
            "results": results,
            "count": len(results),
        }
    )


@require_GET
def openapi(request):
    return JsonResponse(OPENAPI)


urlpatterns = [
    path("search/", search_api, name="api_search"),
    path("openapi.json", openapi, name="api_openapi"),
]
