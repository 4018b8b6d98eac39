"""GET /api/communes/?q=: the commune autocomplete (JSON).

Mounted outside i18n_patterns (`path("api/communes/", ...)` in liberation/urls.py);
error messages follow the request's language (Accept-Language)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from .selectors import MAX_RESULTS, commune_query_error, commune_search

CACHE_SECONDS = 3600


@require_GET
def communes_api(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q")
    error = commune_query_error(query)
    if error:
        return JsonResponse({"error": error, "field": "q"}, status=400)
    hits = commune_search(query=query, limit=MAX_RESULTS)
    response = JsonResponse(
        {"query": query.strip(), "count": len(hits), "results": [h.as_json() for h in hits]},
        json_dumps_params={"ensure_ascii": False},
    )
    # Reference data, the same for everyone: cacheable by browsers and proxies.
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Vary"] = "Accept-Language"
    return response


urlpatterns = [path("", communes_api, name="api_communes")]
