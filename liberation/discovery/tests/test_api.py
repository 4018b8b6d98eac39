import pytest

from liberation.discovery.api import OPENAPI

pytestmark = [pytest.mark.django_db, pytest.mark.urls("liberation.discovery.tests.urls")]


def _check(value, schema):
    """A small JSON Schema check (type, required, properties, enum, items, bounds)."""
    types = schema.get("type")
    if types:
        types = types if isinstance(types, list) else [types]
        python = {
            "object": dict,
            "array": list,
            "string": str,
            "integer": int,
            "number": (int, float),
            "null": type(None),
            "boolean": bool,
        }
        assert any(isinstance(value, python[t]) for t in types), (value, types)
    if "enum" in schema and value is not None:
        assert value in schema["enum"]
    if "minimum" in schema:
        assert value >= schema["minimum"]
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, name
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(schema["properties"])
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                _check(value[name], sub)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            _check(item, schema["items"])


def _schema(status):
    op = OPENAPI["paths"]["/api/search/"]["get"]
    return op["responses"][str(status)]["content"]["application/json"]["schema"]


def test_api_results_match_schema(client, corpus):
    response = client.get("/api/search/", {"q": "cherbourg", "lang": "en", "limit": "5"})
    assert response.status_code == 200
    data = response.json()
    _check(data, _schema(200))
    assert data["results"][0]["title"] == "The liberation of Cherbourg"
    assert data["results"][0]["url"].startswith("http")
    assert data["count"] == len(data["results"]) <= 5
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True) or data["results"][0]["lang"] == "en"


def test_api_content_key(client, corpus):
    from liberation.content.models import ContentKey

    ContentKey.objects.create(key="cherbourg-1944", page=corpus["cherbourg"])
    data = client.get("/api/search/", {"q": "cherbourg", "lang": "fr"}).json()
    assert data["results"][0]["key"] == "cherbourg-1944"


@pytest.mark.parametrize(
    "params",
    [
        {"q": "cherbourg", "lang": "de"},
        {"q": "cherbourg", "lang": ""},
        {"q": "cherbourg", "limit": "0"},
        {"q": "cherbourg", "limit": "-1"},
        {"q": "cherbourg", "limit": "abc"},
        {"q": "cherbourg", "limit": "1000"},
        {"q": "cherbourg", "limit": "٣"},
        {"q": "a", "limit": "9" * 5000},  # past Python's 4,300-digit limit for int()
        {"q": "a", "limit": "0" * 5000 + "1"},
        {"q": ""},
        {},
        {"q": "x" * 10_000},
    ],
)
def test_api_bad_input_is_400(client, corpus, params, caplog):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    _check(response.json(), _schema(400))
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "'; DROP TABLE x; --", "🎉", "\x00"])
def test_api_odd_queries(client, corpus, query):
    response = client.get("/api/search/", {"q": query})
    assert response.status_code in (200, 400)
    _check(response.json(), _schema(response.status_code))


def test_openapi_document(client):
    data = client.get("/api/openapi.json").json()
    assert data["openapi"].startswith("3.")
    assert "/api/search/" in data["paths"]
