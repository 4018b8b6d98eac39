"""The commands of the top floor that know every app: benchmark data generators and
`prepare` (the first step of `make run`)."""

from io import StringIO

import pytest
from django.core.management import call_command

from liberation.discovery.models import SearchEntry
from liberation.discovery.selectors import search_rank

pytestmark = pytest.mark.django_db


def test_generate_corpus_creates_real_indexed_pages(structure):
    from liberation.content.models import ContentPage

    before = ContentPage.objects.live().count()
    call_command("generate_corpus", pages=6, seed=3)
    pages = ContentPage.objects.live().filter(slug__startswith="corpus-3-")
    assert pages.count() == 6 == ContentPage.objects.live().count() - before
    assert SearchEntry.objects.filter(page__in=pages).count() == 6
    page = pages.first()
    assert page.url_path.startswith(page.get_parent().url_path)
    assert search_rank(query=page.title, lang=page.locale.language_code)[0][0] == page.pk


def test_bench_ceremony_creates_then_resets_an_open_ceremony(structure):
    from liberation.events.models import CeremonyPage, RegistrationSettings

    out = StringIO()
    call_command("bench_ceremony", capacity=5, stdout=out)
    settings = RegistrationSettings.objects.get(pk=int(out.getvalue()))
    assert (settings.capacity, settings.seats_taken) == (5, 0)
    page = CeremonyPage.objects.get(registration=settings)
    assert page.live and page.registration_state() == "open"
    out = StringIO()
    call_command("bench_ceremony", capacity=7, stdout=out)
    assert int(out.getvalue()) == settings.pk
    settings.refresh_from_db()
    assert settings.capacity == 7


@pytest.fixture
def commands_run(monkeypatch):
    """The commands `prepare` calls, recorded (and not run), and its structure builds."""
    from liberation.site.management.commands import prepare

    called = []
    ensure = prepare.site_ensure_structure

    def record(name, *args, **kwargs):
        called.append(name)

    def structure():
        called.append("site_ensure_structure")
        return ensure()

    monkeypatch.setattr(prepare, "call_command", record)
    monkeypatch.setattr(prepare, "site_ensure_structure", structure)
    return called


def test_prepare_loads_the_demo_content_by_default(structure, commands_run):
    call_command("prepare", stdout=StringIO())
    assert commands_run == [
        "migrate",
        "collectstatic",
        "load_communes",
        "load_liberation_dates",
        "load_demo",
        "ensure_admin",
    ]


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_prepare_can_skip_the_demo_content(db, commands_run, settings, how):
    """Production start-up: `prepare --no-demo` or DEMO_CONTENT=false builds the site
    structure (homes, sections, institutional pages, workflow, groups), no demo."""
    from wagtail.models import Site

    from liberation.content.models import ContentPage, HomePage

    out = StringIO()
    if how == "flag":
        call_command("prepare", no_demo=True, stdout=out)
    else:
        settings.DEMO_CONTENT = False
        call_command("prepare", stdout=out)
    assert commands_run == [
        "migrate",
        "collectstatic",
        "load_communes",
        "load_liberation_dates",
        "site_ensure_structure",
        "ensure_admin",
    ]
    assert "no demo content" in out.getvalue()
    assert Site.objects.get(is_default_site=True).root_page.specific_class is HomePage
    assert not ContentPage.objects.exists()


def test_prepare_rebuilds_an_empty_search_index_only(make_page, commands_run):
    """After discovery's migration 0004 (which recreates the index empty), `prepare`
    rebuilds it; an index with entries is left to the tasks."""
    from liberation.content.models import ArticlePage

    make_page(ArticlePage, title="La libération de Caen")
    SearchEntry.objects.all().delete()
    out = StringIO()
    call_command("prepare", stdout=out)
    assert "Search index rebuilt: 1 entries." in out.getvalue()
    assert SearchEntry.objects.filter(title="La libération de Caen").exists()
    out = StringIO()
    call_command("prepare", stdout=out)
    assert "Search index rebuilt" not in out.getvalue()
