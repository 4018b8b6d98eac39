import pytest

from liberation.places.factories import communes_sample
from liberation.places.models import Commune

pytestmark = pytest.mark.django_db
URL = "/api/communes/"


@pytest.fixture
def sample():
    return communes_sample()


def _get(client, q, lang="en"):
    return client.get(URL, {"q": q} if q is not None else {}, HTTP_ACCEPT_LANGUAGE=lang)


def test_prefix_accent_and_case_insensitive(client, sample):
    data = _get(client, "SAINT-MART").json()
    assert [r["insee"] for r in data["results"]] == ["73265", "05152"]  # most populated first
    first = data["results"][0]
    assert first == {
        "insee": "73265",
        "name": "Saint-Martin-de-Belleville",
        "departement": "73",
        "label": "Saint-Martin-de-Belleville (73)",
        "postal_codes": ["73440"],
        "lat": 45.3803,
        "lon": 6.5056,
    }
    assert _get(client, "st martin").json()["count"] == 2
    assert _get(client, "fort de fr").json()["results"][0]["insee"] == "97209"


def test_label_with_departement(client, sample):
    data = _get(client, "Saint-Martin (05)").json()
    assert [r["insee"] for r in data["results"]] == ["05152"]


def test_postal_code_and_insee(client, sample):
    assert [r["insee"] for r in _get(client, "50130").json()["results"]] == ["50129"]
    assert [r["insee"] for r in _get(client, "14118").json()["results"]] == ["14118"]
    codes = [r["insee"] for r in _get(client, "14").json()["results"]]
    assert set(codes) == {"14118", "14047"}
    assert _get(client, "972").json()["results"][0]["insee"] == "97209"


def test_at_most_ten(client, sample):
    dept = sample["14118"].departement
    Commune.objects.bulk_create(
        Commune(insee=f"14{i:03d}", name=f"Bois {i}", search_name=f"bois {i}", departement=dept)
        for i in range(500, 530)
    )
    data = _get(client, "bois").json()
    assert data["count"] == 10 and len(data["results"]) == 10


@pytest.mark.parametrize("q", [None, "", "   ", "a", "!!", "x" * 101])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_bad_input_is_a_clear_400(client, sample, q, lang):
    response = _get(client, q, lang)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "q" and len(body["error"]) > 20


def test_error_is_localised(client, sample):
    assert "Type" in _get(client, "", "en").json()["error"]
    assert "Saisissez" in _get(client, "", "fr").json()["error"]


def test_no_result_and_post_refused(client, sample):
    assert _get(client, "zzzz").json() == {"query": "zzzz", "count": 0, "results": []}
    assert client.post(URL, {"q": "caen"}).status_code == 405
