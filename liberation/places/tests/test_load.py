import csv
import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from liberation.places.models import Commune, Departement, ReferentialLoad, Region
from liberation.places.services import DEFAULT_FILE, referential_load, referential_read

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent / "data" / "sample.csv"
# The 96 metropolitan départements (2A and 2B for Corsica) and the 5 overseas ones.
DEPARTEMENTS_101 = (
    {f"{n:02d}" for n in range(1, 96) if n != 20}
    | {"2A", "2B"}
    | {"971", "972", "973", "974", "976"}
)


def _load(*args, **kwargs) -> str:
    out = StringIO()
    call_command("load_communes", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_loads_the_sample_and_reports_counts():
    out = _load("--file", str(SAMPLE))
    assert "3 régions, 4 départements, 6 communes (6 new, 1 without a point)" in out
    caen = Commune.objects.get(insee="14118")
    assert (caen.name, caen.search_name, caen.departement_id) == ("Caen", "caen", "14")
    assert (caen.latitude, caen.longitude, caen.population) == (49.18165, -0.36969, 105403)
    assert Commune.objects.get(insee="73999").latitude is None
    assert Departement.objects.get(code="05").region_id == "93"
    assert ReferentialLoad.objects.get(name="cog").communes == 6


def test_second_run_is_skipped_then_forced_is_an_upsert():
    _load("--file", str(SAMPLE))
    Commune.objects.filter(insee="14118").update(name="Caen (old)", population=1)
    assert "skipped" in _load("--file", str(SAMPLE))
    assert Commune.objects.get(insee="14118").name == "Caen (old)"
    out = _load("--file", str(SAMPLE), "--force")
    assert "(0 new," in out
    caen = Commune.objects.get(insee="14118")
    assert (caen.name, caen.population) == ("Caen", 105403)
    assert Commune.objects.count() == 6 and Region.objects.count() == 3


def test_a_changed_file_is_loaded_and_stale_communes_are_kept_unless_pruned(tmp_path):
    _load("--file", str(SAMPLE))
    smaller = tmp_path / "smaller.csv"
    smaller.write_text(
        "\n".join(line for line in SAMPLE.read_text().splitlines() if "Bayeux" not in line)
    )
    out = _load("--file", str(smaller))
    assert "1 kept (use --prune)" in out
    assert Commune.objects.filter(insee="14047").exists()
    smaller.write_text(smaller.read_text() + "\n")  # another version
    out = _load("--file", str(smaller), "--prune")
    assert "1 deleted, 0 kept (0 referred to)" in out
    assert not Commune.objects.filter(insee="14047").exists()


def test_prune_never_deletes_a_commune_referred_to(tmp_path, monkeypatch):
    from liberation.places import services

    _load("--file", str(SAMPLE))
    monkeypatch.setattr(services, "_referenced_communes", lambda codes: {"14047"} & codes)
    smaller = tmp_path / "smaller.csv"
    smaller.write_text(
        "\n".join(line for line in SAMPLE.read_text().splitlines() if "Bayeux" not in line)
    )
    report = referential_load(path=smaller, prune=True)
    assert (report.deleted, report.kept_referenced) == (0, 1)
    assert Commune.objects.filter(insee="14047").exists()


def test_referenced_communes_follow_every_foreign_key():
    """The real check behind --prune: any model with a foreign key to Commune counts,
    hidden ones too (the programme's projects use related_name="+")."""
    from django.apps import apps

    from liberation.places import services

    _load("--file", str(SAMPLE))
    models = {rel.related_model for rel in services.commune_relations()}
    assert apps.get_model("programme", "Project") in models
    assert services._referenced_communes({"14047"}) == set()


@pytest.mark.parametrize(
    "content,message",
    [
        ("commune,14118,Caen,14,14000,1,abc,1,g\n", "not a number"),
        ("commune,14118,Caen,14,14000,1,91,1,g\n", "bad coordinates"),
        ("departement,14,Calvados,28\ncommune,14118,Caen,14,,,,,\n", "unknown région"),
        ("region,28,N\ncommune,14118,Caen,14,,,,,\n", "unknown département"),
        ("what,1\n", "unknown row kind"),
        ("commune,14118\n", "malformed row"),
        ("meta,cog,x\n", "no commune"),
    ],
)
def test_bad_files_are_refused_with_nothing_written(tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(CommandError, match=message):
        _load("--file", str(bad))
    assert not Commune.objects.exists() and not ReferentialLoad.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        _load("--file", str(tmp_path / "nope.csv.gz"))


def test_the_committed_referential_file(capsys):
    """The real file parses: > 34,000 communes, all 101 départements, few unplaced."""
    data = referential_read(DEFAULT_FILE)
    codes = {d.code for d in data.departements}
    assert codes >= DEPARTEMENTS_101
    assert len(data.communes) > 34_000
    assert len({c.insee for c in data.communes}) == len(data.communes)
    in_departements = [c for c in data.communes if c.departement_id in DEPARTEMENTS_101]
    unplaced = [c for c in in_departements if c.latitude is None]
    with capsys.disabled():
        print(
            f"\n{len(data.communes)} communes, {data.unplaced} without a point "
            f"({len(unplaced)} in the 101 départements)"
        )
    assert data.unplaced < 200 and len(unplaced) < 20
    assert "decoupage-administratif" in data.sources["cog"]
    with gzip.open(DEFAULT_FILE, "rt", encoding="utf-8") as f:
        kinds = {row[0] for row in csv.reader(f)}
    assert kinds == {"meta", "region", "departement", "commune"}


@pytest.mark.parametrize("raw", [b"\x1f\x8bnot gzip", b"\xff\xfe\x00bad"])
def test_unreadable_bytes_are_a_clear_error(tmp_path, raw):
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(raw)
    with pytest.raises(CommandError, match="not a UTF-8 CSV file"):
        _load("--file", str(bad))
