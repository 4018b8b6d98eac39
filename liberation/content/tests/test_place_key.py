"""Places get a stable key: the data migration backfills it from the name without losing
a place, new places get one by default, and a commune still referred to by a place is
never pruned from the referential."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from liberation.content.models import Place, free_place_key
from liberation.places.models import Commune

BEFORE = ("content", "0003_contentkey_source_hash")
AFTER = ("content", "0005_place_key_unique")
SAMPLE = Path(__file__).resolve().parents[2] / "places" / "tests" / "data" / "sample.csv"


def migrate(*targets):
    executor = MigrationExecutor(connection)
    return executor.migrate(list(targets) or executor.loader.graph.leaf_nodes()).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_keys_without_loss():
    try:
        apps = migrate(BEFORE)
        OldPlace = apps.get_model("content", "Place")
        rows = [
            ("Cherbourg", "49.63940", "-1.61630"),
            ("Saint-Lô", "49.11560", "-1.09060"),
            ("Saint Lo", "49.11000", "-1.09000"),  # the same slug: gets "-2"
            ("Pointe du Hoc", "49.39600", "-0.98900"),
            ("!!!", "0.00000", "0.00000"),  # no letter: "place"
            ("É" * 120, "1.00000", "1.00000"),  # a slug cut at 120 characters
        ]
        before = {
            OldPlace.objects.create(name=n, latitude=Decimal(a), longitude=Decimal(o)).pk: (
                n,
                Decimal(a),
                Decimal(o),
            )
            for n, a, o in rows
        }
        apps = migrate(AFTER)
        NewPlace = apps.get_model("content", "Place")
        after = {p.pk: p for p in NewPlace.objects.all()}
        assert {pk: (p.name, p.latitude, p.longitude) for pk, p in after.items()} == before
        keys = {p.name: p.key for p in after.values()}
        assert keys["Cherbourg"] == "cherbourg"
        assert {keys["Saint-Lô"], keys["Saint Lo"]} == {"saint-lo", "saint-lo-2"}
        assert keys["Pointe du Hoc"] == "pointe-du-hoc"
        assert keys["!!!"] == "place"
        assert keys["É" * 120] == "e" * 120
        assert len(set(keys.values())) == len(rows)
        assert all(p.commune_id is None for p in after.values())
    finally:
        migrate()


@pytest.mark.django_db
def test_a_place_saved_without_a_key_gets_a_free_one():
    first = Place.objects.create(name="Utah Beach", latitude=49.4155, longitude=-1.1745)
    second = Place.objects.create(name="Utah beach", latitude=49.42, longitude=-1.17)
    assert (first.key, second.key) == ("utah-beach", "utah-beach-2")
    assert free_place_key("Utah Beach", exclude_pk=first.pk) == "utah-beach"
    first.save()
    assert Place.objects.get(pk=first.pk).key == "utah-beach"


@pytest.mark.django_db
def test_prune_keeps_a_commune_a_place_refers_to(tmp_path):
    call_command("load_communes", "--file", str(SAMPLE), stdout=StringIO())
    Place.objects.create(
        name="Bayeux", commune_id="14047", latitude=Decimal("49.27"), longitude=Decimal("-0.70")
    )
    smaller = tmp_path / "smaller.csv"
    lines = SAMPLE.read_text().splitlines()
    smaller.write_text("\n".join(x for x in lines if "Bayeux" not in x and "Caen" not in x))
    out = StringIO()
    call_command("load_communes", "--file", str(smaller), "--prune", stdout=out)
    assert "1 deleted, 1 kept (1 referred to)" in out.getvalue()
    assert Commune.objects.filter(insee="14047").exists()
    assert not Commune.objects.filter(insee="14118").exists()


@pytest.mark.django_db
def test_the_place_admin_form_has_the_commune_autocomplete(client, django_user_model):
    from liberation.places.factories import communes_sample

    communes_sample()
    admin = django_user_model.objects.create_superuser("admin", "a@example.org", "pw")
    client.force_login(admin)
    response = client.get("/admin/snippets/content/place/add/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-commune-autocomplete" in html and "places/commune-autocomplete.js" in html
    response = client.post(
        "/admin/snippets/content/place/add/",
        {
            "name": "Saint-Martin",
            "key": "",
            "commune": "73265",
            "latitude": "45.38",
            "longitude": "6.5",
        },
    )
    assert response.status_code == 302
    place = Place.objects.get()
    assert (place.key, place.commune_id, str(place)) == (
        "saint-martin",
        "73265",
        "Saint-Martin (73)",
    )
