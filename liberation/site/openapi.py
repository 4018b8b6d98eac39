"""The public API's OpenAPI document (/api/openapi.json): the search API's document
(discovery) with the agenda's paths added. It lives in the top app because discovery
and agenda do not import each other."""

import copy

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from liberation.agenda.api import OPENAPI_PATHS as AGENDA_PATHS
from liberation.discovery.api import OPENAPI as SEARCH_OPENAPI


def openapi_document() -> dict:
    document = copy.deepcopy(SEARCH_OPENAPI)
    document["info"] = {
        "title": "Libération public API",
        "version": "1.1.0",
        "description": "Search (published content) and the agenda of labelled events "
        "(open data, Licence Ouverte 2.0).",
    }
    document["paths"].update(copy.deepcopy(AGENDA_PATHS))
    return document


@require_GET
def openapi(request):
    return JsonResponse(openapi_document())
