"""Places in the exchange format: `key`, `insee`, a known name with another point, and
two communes of the same name (docs/content-format.md, "Places")."""

import json
from decimal import Decimal

import pytest

from liberation.content.models import ContentKey, Place
from liberation.exchange.export import export_content
from liberation.exchange.items import ImportFailed
from liberation.exchange.write import import_content
from liberation.places.factories import communes_sample

from .factories import line, write_lines

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def communes():
    return communes_sample()


@pytest.fixture
def jsonl(tmp_path):
    counter = iter(range(1000))
    return lambda lines: write_lines(tmp_path / f"c-{next(counter)}.jsonl", lines)


def _places(key: str) -> list[Place]:
    page = ContentKey.objects.get(key=key).page.specific
    return sorted(page.places.all(), key=lambda p: p.key)


def _errors(failure) -> dict:
    return {(e.line, e.field): e.message for e in failure.value.errors}


def test_a_commune_by_insee_alone_takes_its_name_and_point(jsonl):
    import_content(path=jsonl([line(key="a", places=[{"insee": "14118"}])]))
    (caen,) = _places("a")
    assert (caen.key, caen.name, caen.commune_id) == ("14118", "Caen", "14118")
    assert (caen.latitude, caen.longitude) == (D("49.18290"), D("-0.37070"))


def test_two_saint_martin_are_told_apart_by_insee(jsonl):
    places = [
        {"name": "Saint-Martin", "insee": "05152"},
        {"name": "Saint-Martin", "insee": "73265"},
    ]
    import_content(path=jsonl([line(key="a", places=places)]))
    first, second = _places("a")
    assert (first.key, first.commune_id, str(first)) == ("05152", "05152", "Saint-Martin (05)")
    assert (second.key, second.commune_id, str(second)) == ("73265", "73265", "Saint-Martin (73)")
    assert first.latitude != second.latitude
    # Named again by commune on another line: the same two places, none added.
    import_content(path=jsonl([line(key="b", places=[{"name": "Saint-Martin", "insee": "73265"}])]))
    assert _places("b") == [second] and Place.objects.count() == 2


def test_a_known_name_with_a_point_inside_the_commune_is_accepted(jsonl):
    """The old format refused it; the place keeps its own point."""
    caen = {"name": "Caen", "lat": 49.1829, "lon": -0.3707}
    memorial = {"name": "Caen", "lat": 49.1976, "lon": -0.3838}  # the Mémorial, 2 km away
    import_content(path=jsonl([line(key="a", places=[caen]), line(key="b", places=[memorial])]))
    assert _places("a") == _places("b")
    place = Place.objects.get()
    assert (place.key, place.latitude, place.longitude) == ("caen", D("49.18290"), D("-0.37070"))
    # Against the database too, in a later file.
    import_content(path=jsonl([line(key="c", places=[memorial])]))
    assert _places("c") == [place] and Place.objects.count() == 1


def test_the_same_name_far_away_must_say_which_place(jsonl):
    import_content(path=jsonl([line(key="a", places=[{"name": "Saint-Martin", "insee": "05152"}])]))
    far = {"name": "Saint-Martin", "lat": 45.3803, "lon": 6.5056}  # the one in Savoie
    with pytest.raises(ImportFailed) as failure:
        import_content(path=jsonl([line(key="b", places=[far])]))
    message = _errors(failure)[(1, "places[0]")]
    assert '"05152"' in message and "km away" in message and '"insee"' in message
    assert not ContentKey.objects.filter(key="b").exists()
    # Saying which: a new landmark key, or the commune.
    import_content(path=jsonl([line(key="b", places=[{**far, "key": "saint-martin-savoie"}])]))
    assert Place.objects.get(key="saint-martin-savoie").commune_id is None
    # The commune named later: that place (same name, nearby) is linked, not doubled.
    import_content(path=jsonl([line(key="c", places=[{**far, "insee": "73265"}])]))
    assert Place.objects.get(key="saint-martin-savoie").commune_id == "73265"
    assert Place.objects.filter(name="Saint-Martin").count() == 2


def test_a_key_names_a_place_and_its_line_updates_it(jsonl):
    hoc = {"key": "pointe-du-hoc", "name": "Pointe du Hoc", "lat": 49.396, "lon": -0.989}
    import_content(path=jsonl([line(key="a", places=[hoc])]))
    moved = {**hoc, "lat": 49.3965, "insee": "14047"}
    by_key = {"key": "pointe-du-hoc"}  # the key alone: the place as it is
    import_content(path=jsonl([line(key="b", places=[moved]), line(key="c", places=[by_key])]))
    place = Place.objects.get()
    assert (place.latitude, place.commune_id) == (D("49.39650"), "14047")
    assert _places("b") == _places("c") == [place]


def test_a_key_with_two_points_in_one_file_is_refused(jsonl):
    hoc = {"key": "pointe-du-hoc", "name": "Pointe du Hoc", "lat": 49.396, "lon": -0.989}
    with pytest.raises(ImportFailed) as failure:
        import_content(
            path=jsonl([line(key="a", places=[hoc]), line(key="b", places=[{**hoc, "lat": 49}])])
        )
    assert "other coordinates on line 1" in _errors(failure)[(2, "places[0]")]
    assert not Place.objects.exists()


@pytest.mark.parametrize(
    "place,field,words",
    [
        ({"insee": "99999"}, "places[0].insee", "not a commune of the referential"),
        ({"insee": "1411"}, "places[0].insee", "not an INSEE commune code"),
        ({"key": "Bad Key", "name": "X", "lat": 1, "lon": 1}, "places[0].key", "not a valid key"),
        ({"key": "new-one"}, "places[0].name", "no place with the key"),
        ({"name": "Nowhere"}, "places[0].lat", "must be a number"),
        ({"name": "X", "lat": 1, "lon": 1, "postcode": "1"}, "places[0].postcode", "unknown"),
    ],
)
def test_bad_places_are_refused_with_nothing_written(jsonl, place, field, words):
    with pytest.raises(ImportFailed) as failure:
        import_content(path=jsonl([line(key="a", places=[place])]))
    assert words in _errors(failure)[(1, field)]
    assert not Place.objects.exists() and not ContentKey.objects.exists()


def test_an_existing_place_of_the_same_name_is_linked_to_its_commune(jsonl):
    """Places made before the referential (no commune) are kept, not duplicated."""
    old = Place.objects.create(name="Bayeux", latitude=D("49.27640"), longitude=D("-0.70240"))
    import_content(path=jsonl([line(key="a", places=[{"name": "Bayeux", "insee": "14047"}])]))
    old.refresh_from_db()
    assert (old.key, old.commune_id) == ("bayeux", "14047")
    assert _places("a") == [old] and Place.objects.count() == 1


def test_export_writes_key_and_insee_and_reimports_unchanged(jsonl, tmp_path):
    places = [
        {"name": "Saint-Martin", "insee": "05152"},
        {"key": "pointe-du-hoc", "name": "Pointe du Hoc", "lat": 49.396, "lon": -0.989},
        {"name": "Caen", "lat": 49.1829, "lon": -0.3707},
    ]
    import_content(path=jsonl([line(key="a", places=places)]))
    out = tmp_path / "export.jsonl"
    export_content(path=out)
    (exported,) = [json.loads(text) for text in out.read_text().splitlines()]
    assert exported["places"] == [
        {"key": "caen", "name": "Caen", "lat": 49.1829, "lon": -0.3707},
        {"key": "pointe-du-hoc", "name": "Pointe du Hoc", "lat": 49.396, "lon": -0.989},
        {"key": "05152", "name": "Saint-Martin", "lat": 44.8236, "lon": 6.5808, "insee": "05152"},
    ]
    report = import_content(path=out)
    assert report.unchanged == ["a"] and Place.objects.count() == 3
