"""Cached fragments of the public pages (header, footer, head metadata, related cards):
served from the cache while nothing changes, rendered afresh after any publish."""

import pytest
from django.core.cache import cache
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory

from liberation.content.models import ArticlePage, DossierPage
from liberation.core import fragments
from liberation.core.fragments import (
    content_version,
    content_version_bump,
    fragment_get_or_render,
    site_for_request,
    watched_models_register,
)
from liberation.core.models import ContentVersion, FooterSettings


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article(make_page, translate):
    dossier = make_page(DossierPage, title="Reddition et capitulation")
    page = make_page(
        ArticlePage,
        title="La Bataille de Cherbourg",
        related=[{"type": "page", "value": dossier.pk}],
    )
    translate(page, "en", title="The Battle of Cherbourg")
    return page, dossier


def _get(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return response.content.decode()


def test_second_request_is_served_with_fewer_queries(
    client, article, django_assert_max_num_queries
):
    page, _dossier = article
    first = _get(client, page)
    # Routing, the page, its body and facts, breadcrumb, the content version: the
    # header, footer, <head> metadata and related cards come from the cache. Without
    # fragments this page takes about 40 queries.
    with django_assert_max_num_queries(16):
        second = _get(client, page)
    assert second == first


def test_publishing_a_related_page_shows_its_new_title(client, article):
    page, dossier = article
    assert ">Reddition et capitulation</a>" in _get(client, page)
    dossier.title = "Capitulation sans conditions"
    dossier.save_revision().publish()
    html = _get(client, page)
    assert ">Capitulation sans conditions</a>" in html
    assert ">Reddition et capitulation</a>" not in html


def test_renaming_a_section_changes_the_menu_of_every_page(client, article, structure):
    page, _dossier = article
    assert ">Histoire<" in _get(client, page)
    section = structure.sections[("history", "fr")]
    section.title = "Récits"
    section.save_revision().publish()
    html = _get(client, page)
    assert ">Récits<" in html and ">Histoire<" not in html


def test_unpublishing_a_translation_removes_it_from_the_head_and_switcher(client, article):
    page, _dossier = article
    english = page.get_translation(_locale("en"))
    html = _get(client, page)
    assert f'hreflang="en" href="http://testserver{english.url}"' in html
    english.unpublish()
    html = _get(client, page)
    assert f'hreflang="en" href="http://testserver{english.url}"' not in html
    assert f'href="{english.url}"' not in html


def test_footer_settings_change_is_shown(client, article, structure):
    page, _dossier = article
    html = _get(client, page)
    footer = FooterSettings.for_site(structure.homes["fr"].get_site())
    footer.legal_page = None
    footer.save()
    assert ">Mentions légales<" in html or ">Legal notice<" in html
    html = _get(client, page)
    assert ">Mentions légales<" not in html and ">Legal notice<" not in html


def test_another_process_changing_the_version_is_seen(client, article):
    """The version is read from the database: a publish in another server process (a
    plain UPDATE here, no signal in this process) invalidates this one's fragments."""
    page, dossier = article
    _get(client, page)
    DossierPage.objects.filter(pk=dossier.pk).update(title="Titre changé ailleurs")
    assert "Titre changé ailleurs" not in _get(client, page)  # cached, no signal here
    ContentVersion.objects.filter(pk=1).update(token="set-by-another-process")
    assert "Titre changé ailleurs" in _get(client, page)


def test_the_version_changes_on_save_only(article):
    page, _dossier = article
    before = content_version()
    assert before == content_version()
    page.save()
    assert content_version() != before


def test_apps_register_their_models_that_show_in_fragments(db):
    """Core names no other app's model: content registers themes and places, semantic
    the stored related content (from their AppConfig.ready)."""
    from liberation.content.models import Theme

    assert {"content.theme", "content.place", "semantic.pageembedding"} <= fragments.WATCHED_MODELS
    before = content_version()
    Theme.objects.create(slug="liberation-de-paris", name_fr="Paris", name_en="Paris")
    assert content_version() != before


def test_a_model_changes_the_version_once_registered(db, monkeypatch):
    from django.contrib.auth.models import Group

    monkeypatch.setattr(fragments, "WATCHED_MODELS", set(fragments.WATCHED_MODELS))
    before = content_version()
    Group.objects.create(name="Not shown on public pages")
    assert content_version() == before
    watched_models_register("auth.Group")
    Group.objects.create(name="Shown now")
    assert content_version() != before


def test_the_version_is_read_once_per_request(rf, django_assert_num_queries, db):
    request = rf.get("/")
    content_version_bump()
    with django_assert_num_queries(1):
        content_version(request=request)
        content_version(request=request)


def test_the_site_is_found_once_per_host_until_a_site_changes(rf, django_assert_num_queries, db):
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    site_for_request(rf.get("/"))
    request = rf.get("/")
    with django_assert_num_queries(1):  # the content version; no site lookup
        assert site_for_request(request).pk == site.pk
        assert Site.find_for_request(request).pk == site.pk  # Wagtail finds it too
    site.site_name = "Libération (renamed)"
    site.save()  # replaces the content version
    assert site_for_request(rf.get("/")).site_name == "Libération (renamed)"


def test_previews_are_never_cached(db):
    request = RequestFactory().get("/")
    request.is_preview = True
    calls = []
    for _ in range(2):
        fragment_get_or_render(
            request=request, name="t", vary_on=[], render=lambda: calls.append(1) or "x"
        )
    assert len(calls) == 2
    request.is_preview = False
    for _ in range(2):
        fragment_get_or_render(
            request=request, name="t", vary_on=[], render=lambda: calls.append(1) or "x"
        )
    assert len(calls) == 3


def test_fragments_vary_on_language_and_values(db, settings):
    from django.utils import translation

    request = RequestFactory().get("/")
    seen = []

    def render():
        seen.append(1)
        return str(len(seen))

    with translation.override("fr"):
        a = fragment_get_or_render(request=request, name="t", vary_on=[1], render=render)
        assert fragment_get_or_render(request=request, name="t", vary_on=[1], render=render) == a
        b = fragment_get_or_render(request=request, name="t", vary_on=[2], render=render)
    with translation.override("en"):
        c = fragment_get_or_render(request=request, name="t", vary_on=[1], render=render)
    assert len({a, b, c}) == 3
    settings.FRAGMENT_CACHE_TIMEOUT = 0  # disabled: always rendered
    with translation.override("fr"):
        fragment_get_or_render(request=request, name="t", vary_on=[1], render=render)
    assert len(seen) == 4


def test_the_tag_needs_a_quoted_name():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load liberation_tags %}{% fragment name %}x{% endfragment %}")
    html = Template('{% load liberation_tags %}{% fragment "n" %}x{% endfragment %}').render(
        Context({})
    )
    assert html == "x"  # no request in the context: rendered, not cached


def _locale(code):
    from wagtail.models import Locale

    return Locale.objects.get(language_code=code)
