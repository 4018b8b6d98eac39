"""Wagtail's routing kept under the content version (core/serving.py): an article read
again costs one query; anything that changes what routing finds (publish, unpublish,
move, a view restriction) is seen on the next request; each restriction is still
checked for each request."""

import pytest
from django.core.cache import cache
from wagtail.models import PageViewRestriction

from liberation.content.models import ArticlePage, DossierPage


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article(make_page):
    return make_page(
        ArticlePage,
        title="La Bataille de Cherbourg",
        body=[{"type": "paragraph", "value": "<p>Le port est pris le 26 juin 1944.</p>"}],
    )


def test_an_article_read_again_costs_only_the_content_version(
    client, article, django_assert_num_queries
):
    first = client.get(article.url)
    assert first.status_code == 200
    # The content version; the site, route, restrictions, breadcrumb, article and
    # the fragments around it come from the cache (about 40 queries without it).
    with django_assert_num_queries(1):
        second = client.get(article.url, {"utm": "x"})
    assert second.content == first.content


def test_a_published_change_is_served_at_once(client, article):
    assert client.get(article.url).status_code == 200
    article.title = "Cherbourg, port de la Libération"
    article.body = [{"type": "paragraph", "value": "<p>Le port rouvre en août.</p>"}]
    article.save_revision().publish()
    html = client.get(article.url).content.decode()
    assert "Cherbourg, port de la Libération</h1>" in html
    assert "Le port rouvre en août." in html
    assert "Le port est pris" not in html


def test_an_unpublished_page_is_not_found_at_once(client, article):
    assert client.get(article.url).status_code == 200
    article.unpublish()
    assert client.get(article.url).status_code == 404


def test_a_moved_page_answers_at_its_new_address_only(client, article, structure):
    old_url = article.url
    assert client.get(old_url).status_code == 200
    article.move(structure.sections[("ceremonies", "fr")], pos="last-child")
    article.refresh_from_db()
    assert article.url != old_url
    assert client.get(article.url).status_code == 200
    assert client.get(old_url).status_code in (301, 302, 404)


def test_a_new_restriction_applies_to_a_cached_route(client, article):
    assert client.get(article.url).status_code == 200
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.PASSWORD, password="juin1944"
    )
    response = client.get(article.url)
    assert response.status_code == 200
    assert "La Bataille de Cherbourg</h1>" not in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_each_request_is_checked_against_the_cached_restrictions(client, article):
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(article.url).status_code == 302  # to the login page, route now cached
    from django.contrib.auth import get_user_model

    reader = get_user_model().objects.create_user("reader", password="x-unused-x")
    client.force_login(reader)
    assert "La Bataille de Cherbourg</h1>" in client.get(article.url).content.decode()
    client.logout()
    assert client.get(article.url).status_code == 302


def test_a_section_listing_and_an_unknown_path_are_answered_as_before(client, article):
    section = article.get_parent()
    assert client.get(section.url).status_code == 200
    assert client.get(section.url).status_code == 200
    assert client.get(section.url + "nulle-part/").status_code == 404
    assert client.get(section.url + "nulle-part/").status_code == 404


def test_nothing_is_kept_when_fragments_are_disabled(client, article, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.FRAGMENT_CACHE_TIMEOUT = 0
    client.get(article.url)
    with CaptureQueriesContext(connection) as queries:
        client.get(article.url)
    assert len(queries) >= 10


def test_a_ceremony_keeps_its_live_parts_uncached(make_page):
    """The article fragments surround the `before_body`/`after_body` blocks, where a
    ceremony shows its seats and registration form: those stay outside any fragment."""
    from django.template.loader import get_template

    source = get_template("content/content_page.html").template.source
    for block in ("{% block before_body %}", "{% block after_body %}"):
        before = source[: source.index(block)]
        assert before.count("{% fragment") == before.count("{% endfragment %}")


def test_a_dossier_is_served_from_the_cache_too(client, make_page, django_assert_num_queries):
    dossier = make_page(DossierPage, title="Reddition et capitulation")
    first = client.get(dossier.url)
    assert first.status_code == 200
    # The content version and the dossier's own list of its pages (not a fragment).
    with django_assert_num_queries(2):
        second = client.get(dossier.url)
    assert second.content == first.content


def test_a_cached_route_still_names_its_page_for_the_shared_cache(client, article, settings):
    """The xkey header (core/surrogate.py) names the page on the second request too,
    when the page comes from the route cache rather than the database."""
    settings.SHARED_CACHE_SECONDS = 120
    first = client.get(article.url)
    second = client.get(article.url, {"again": "1"})
    key = f"p{article.pk}"
    assert key in first["xkey"].split()
    assert key in second["xkey"].split()
    assert set(second["xkey"].split()) >= {key, f"p{article.get_parent().pk}", "site"}


def test_a_read_again_asks_the_shared_cache_nothing_and_serves_its_own_page(
    client, article, monkeypatch
):
    """Routes and fragments carry the content version: each process keeps them in front
    of the shared cache (core/process_cache.py), and every request gets its own copy of
    the kept page (a request may set attributes on it)."""
    from liberation.core import fragments, serving

    client.get(article.url)
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a, **k: reads.append(key) or real_get(key))
    served = []
    real_restrictions = serving._serve_restrictions
    monkeypatch.setattr(
        serving,
        "_serve_restrictions",
        lambda page, restrictions: served.append(page) or real_restrictions(page, restrictions),
    )
    assert client.get(article.url).status_code == 200
    assert client.get(article.url).status_code == 200
    assert [k for k in reads if k.startswith(("fragment:", "liberation:route:"))] == []
    assert served[0] is not served[1] and served[0].pk == served[1].pk == article.pk
    assert len(fragments.front.local) > 0
