"""Open data and the public API of the agenda, mounted at /api/agenda/ (outside
i18n_patterns): labelled events with the agenda's filters (same GET parameters).

- /api/agenda/events/          JSON, paginated (limit, offset): the public API
- /api/agenda/events.json      JSON, every matching event
- /api/agenda/events.csv       CSV, one row per session
- /api/agenda/events.geojson   GeoJSON FeatureCollection, one Feature per event

Licence Ouverte 2.0: in the JSON and GeoJSON documents (`licence`), and for every
format in a `Link: <…>; rel="license"` header. Schema: docs/agenda.md. Bad parameters
answer 400 with {"error", "field"}; the OpenAPI document (/api/openapi.json) describes
the parameters (OPENAPI_PATHS, merged by liberation.site.openapi).
"""

import csv
import io
import json
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from liberation.programme.models import Project

from .filters import (
    ACCESSIBILITY,
    MAX_RADIUS_KM,
    AgendaFilterForm,
    AgendaFilters,
)
from .present import LICENCE_NAME, LICENCE_URL, project_record
from .selectors import agenda_projects_with_sessions

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
CHUNK = 1000
LICENCE = {"name": LICENCE_NAME, "url": LICENCE_URL}
SOURCE = "Mission Libération"
CSV_COLUMNS = [
    "id",
    "session_id",
    "starts_at",
    "ends_at",
    "title",
    "title_en",
    "description",
    "description_en",
    "url_fr",
    "url_en",
    "kind",
    "theme",
    "audience",
    "organiser_type",
    "organiser_name",
    "venue",
    "commune_insee",
    "commune_name",
    "departement",
    "latitude",
    "longitude",
    "wheelchair",
    "sign_language",
    "audio_description",
    "easy_to_read",
    "free",
    "registration_url",
    "status",
    "labelled_at",
]


def _error(message: str, field: str) -> JsonResponse:
    return JsonResponse({"error": message, "field": field}, status=400)


def _parse(request) -> AgendaFilters | JsonResponse:
    form = AgendaFilterForm(request.GET)
    if form.is_valid():
        return form.filters()
    field, errors = next(iter(form.errors.items()))
    return _error(str(errors[0]), field)


def _headers(response, filename: str):
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _records(request, filters: AgendaFilters) -> Iterator[dict]:
    for project in agenda_projects_with_sessions(filters).iterator(chunk_size=CHUNK):
        yield project_record(project, sessions=project.matching_sessions, request=request)


def _meta(request) -> dict:
    return {
        "licence": LICENCE,
        "source": SOURCE,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "url": request.build_absolute_uri(),
    }


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _json_stream(request, filters, *, key: str, wrap) -> Iterator[str]:
    head = _dumps(_meta(request))[:-1]  # without its closing brace
    yield head + f', "{key}": ['
    first = True
    for record in _records(request, filters):
        yield ("" if first else ",") + "\n" + _dumps(wrap(record))
        first = False
    yield "\n]}\n"


def _feature(record: dict) -> dict:
    geometry = None
    if record["latitude"] is not None and record["longitude"] is not None:
        geometry = {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]}
    properties = {k: v for k, v in record.items() if k not in ("latitude", "longitude")}
    return {"type": "Feature", "id": record["id"], "geometry": geometry, "properties": properties}


@require_GET
def events_json(request):
    filters = _parse(request)
    if isinstance(filters, JsonResponse):
        return filters
    response = StreamingHttpResponse(
        _json_stream(request, filters, key="events", wrap=lambda r: r),
        content_type="application/json; charset=utf-8",
    )
    return _headers(response, "evenements-labellises.json")


@require_GET
def events_geojson(request):
    filters = _parse(request)
    if isinstance(filters, JsonResponse):
        return filters

    def stream():
        chunks = _json_stream(request, filters, key="features", wrap=_feature)
        yield '{"type": "FeatureCollection", ' + next(chunks)[1:]
        yield from chunks

    response = StreamingHttpResponse(stream(), content_type="application/geo+json; charset=utf-8")
    return _headers(response, "evenements-labellises.geojson")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@require_GET
def events_csv(request):
    filters = _parse(request)
    if isinstance(filters, JsonResponse):
        return filters

    def stream():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for record in _records(request, filters):
            for session in record["sessions"]:
                row = dict(record, session_id=session["id"], starts_at=session["starts_at"])
                row["ends_at"] = session["ends_at"]
                writer.writerow([_csv_value(row[c]) for c in CSV_COLUMNS])
            if buffer.tell() > 65536:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    return _headers(response, "evenements-labellises.csv")


@require_GET
def events_api(request):
    filters = _parse(request)
    if isinstance(filters, JsonResponse):
        return filters
    values = {}
    for name, default, low, high in (
        ("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        ("offset", 0, 0, 10**7),
    ):
        raw = request.GET.get(name, str(default))
        if not (len(raw) <= 8 and raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            return _error(f"{name} must be an integer between {low} and {high}", name)
        values[name] = int(raw)
    limit, offset = values["limit"], values["offset"]
    projects = agenda_projects_with_sessions(filters)
    count = projects.count()
    page = projects[offset : offset + limit]
    results = [project_record(p, sessions=p.matching_sessions, request=request) for p in page]
    data = {**_meta(request), "count": count, "limit": limit, "offset": offset, "results": results}
    return _headers(JsonResponse(data, json_dumps_params={"ensure_ascii": False}), "events.json")


# -- OpenAPI ------------------------------------------------------------------------


def _param(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


FILTER_PARAMETERS = [
    _param(
        "date_from", {"type": "string", "format": "date"}, "Sessions ending on or after this day."
    ),
    _param(
        "date_until",
        {"type": "string", "format": "date"},
        "Sessions starting on or before this day.",
    ),
    _param(
        "departement",
        {"type": "string", "pattern": "^(\\d{2,3}|2[AB])$"},
        "INSEE code of a département.",
    ),
    _param(
        "commune",
        {"type": "string", "pattern": "^(\\d{5}|2[AB]\\d{3})$"},
        "INSEE code of a commune (alone: events in it).",
    ),
    _param(
        "radius_km",
        {"type": "integer", "minimum": 1, "maximum": MAX_RADIUS_KM},
        "With commune: events within this distance of the commune's point.",
    ),
    _param("kind", {"type": "string", "enum": list(Project.Kind.values)}, "Type of event."),
    _param("theme", {"type": "string"}, "Slug of one of the Mission's themes."),
    _param("audience", {"type": "string", "enum": list(Project.Audience.values)}, "Audience."),
    {
        **_param(
            "accessibility",
            {"type": "array", "items": {"type": "string", "enum": [k for k, _l in ACCESSIBILITY]}},
            "Repeat for several: every one must hold.",
        ),
        "style": "form",
        "explode": True,
    },
    _param("free", {"type": "boolean"}, "1: free events only."),
]
SESSION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
    },
}
EVENT_SCHEMA = {
    "type": "object",
    "description": "A labelled project; fields documented in docs/agenda.md.",
    "properties": {
        **{
            name: {"type": ["string", "null"]}
            for name in CSV_COLUMNS
            if name not in ("session_id", "starts_at", "ends_at", "latitude", "longitude")
        },
        "latitude": {"type": ["number", "null"]},
        "longitude": {"type": ["number", "null"]},
        **{flag: {"type": "boolean"} for flag, _l in ACCESSIBILITY},
        "free": {"type": "boolean"},
        "status": {"type": "string", "enum": list(Project.Status.values)},
        "sessions": {"type": "array", "items": SESSION_SCHEMA},
    },
}
LICENCE_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
}
ERROR = {
    "description": "An invalid filter or paging parameter.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
            }
        }
    },
}
OPENAPI_PATHS = {
    "/api/agenda/events/": {
        "get": {
            "summary": "Labelled events of the Mission's programme, with the agenda's filters.",
            "description": "Open data under the Licence Ouverte 2.0. Events are ordered by "
            "id of creation; `sessions` lists the sessions matching the date filters.",
            "parameters": [
                *FILTER_PARAMETERS,
                _param(
                    "limit",
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                    "Page size.",
                ),
                _param(
                    "offset", {"type": "integer", "minimum": 0, "default": 0}, "Events to skip."
                ),
            ],
            "responses": {
                "200": {
                    "description": "A page of events.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "licence": LICENCE_SCHEMA,
                                    "source": {"type": "string"},
                                    "generated_at": {"type": "string", "format": "date-time"},
                                    "url": {"type": "string"},
                                    "count": {"type": "integer"},
                                    "limit": {"type": "integer"},
                                    "offset": {"type": "integer"},
                                    "results": {"type": "array", "items": EVENT_SCHEMA},
                                },
                            }
                        }
                    },
                },
                "400": ERROR,
            },
        }
    },
    "/api/agenda/events.json": {
        "get": {
            "summary": "Every matching labelled event as one JSON document (open data).",
            "parameters": FILTER_PARAMETERS,
            "responses": {
                "200": {
                    "description": "{licence, source, generated_at, url, events: [Event]}",
                    "content": {"application/json": {}},
                },
                "400": ERROR,
            },
        }
    },
    "/api/agenda/events.csv": {
        "get": {
            "summary": "Matching labelled events as CSV, one row per session (open data).",
            "parameters": FILTER_PARAMETERS,
            "responses": {
                "200": {"description": "UTF-8 CSV with a header row.", "content": {"text/csv": {}}},
                "400": ERROR,
            },
        }
    },
    "/api/agenda/events.geojson": {
        "get": {
            "summary": "Matching labelled events as a GeoJSON FeatureCollection (open data).",
            "parameters": FILTER_PARAMETERS,
            "responses": {
                "200": {
                    "description": "One Point Feature per event.",
                    "content": {"application/geo+json": {}},
                },
                "400": ERROR,
            },
        }
    },
}

urlpatterns = [
    path("events/", events_api, name="agenda_api_events"),
    path("events.json", events_json, name="agenda_open_data_json"),
    path("events.csv", events_csv, name="agenda_open_data_csv"),
    path("events.geojson", events_geojson, name="agenda_open_data_geojson"),
]
