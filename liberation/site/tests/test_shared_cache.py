"""What a shared cache may keep (core/surrogate.py) for every class of URL, and what a
change purges (core/purge.py). The end-to-end tests through a real Varnish are in
tests/test_read_tier.py."""

import http.server
import re
import threading

import pytest
from django.test import Client
from django.urls import reverse

from liberation.content.models import ArticlePage, NewsPage
from liberation.core import purge, surrogate

pytestmark = pytest.mark.django_db


def public(response) -> bool:
    value = response.get("Cache-Control", "")
    return "public" in value and "s-maxage=120" in value and "private" not in value


def private(response) -> bool:
    value = response.get("Cache-Control", "")
    return "private" in value and "public" not in value and "xkey" not in response


def keys(response) -> set[str]:
    return set(response.get("xkey", "").split())


@pytest.fixture
def article(make_page):
    return make_page(ArticlePage, title="La libération de Cherbourg")


@pytest.fixture
def ceremony(make_ceremony):
    """The registrations tests' open ceremony (its page; the settings are `.registration`)."""
    return make_ceremony(capacity=100).ceremony_pages.get()


def public_urls(article, ceremony) -> list[str]:
    return [
        "/fr/",
        article.get_parent().url,
        article.url,
        ceremony.url,
        "/fr/feed/",
        "/sitemap.xml",
        "/robots.txt",
        reverse("agenda"),
        reverse("maps:data"),
        reverse("search_fr") + "?q=cherbourg",
        reverse("api_search") + "?q=cherbourg",
        reverse("api_communes") + "?q=cher",
    ]


def private_urls(ceremony) -> list[str]:
    return [
        reverse("registrations:register", args=[ceremony.registration_id]),
        reverse("newsletter:subscribe"),
        reverse("collection:start"),
        "/admin/login/",
    ]


def test_public_urls_are_shareable_for_an_anonymous_reader(client, article, ceremony):
    for url in public_urls(article, ceremony):
        response = client.get(url)
        assert response.status_code == 200, url
        assert public(response), (url, response.get("Cache-Control"))
        assert "site" in keys(response), url
        assert not response.cookies, url


def test_forms_and_personal_urls_are_never_shareable(client, ceremony):
    for url in private_urls(ceremony):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert private(response), (url, response.get("Cache-Control"))
    for url in [
        reverse("registrations:manage", args=["not-a-token"]),
        reverse("badges:badge", args=["not-a-token"]),
        reverse("badges:checkin_index"),
        "/admin/",
        "/fr/nowhere/",
    ]:
        response = Client().get(url)
        assert private(response), (url, response.status_code, response.get("Cache-Control"))


def test_a_cookie_a_login_or_a_post_makes_any_url_private(
    client, article, ceremony, django_user_model
):
    urls = public_urls(article, ceremony)
    with_session = Client()
    with_session.cookies["sessionid"] = "whatever"
    harmless = Client()
    harmless.cookies["_pk_id.1.abcd"] = "visitor"
    user = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-123456789")
    logged_in = Client()
    logged_in.force_login(user)
    for url in urls:
        assert private(with_session.get(url)), url
        assert private(logged_in.get(url)), url
        assert public(harmless.get(url)), url
    assert private(client.post(article.url, {}))
    assert private(client.head(article.url)) is False  # HEAD is a read like GET


def test_disabled_by_setting(client, article, settings):
    settings.SHARED_CACHE_SECONDS = 0
    response = client.get(article.url)
    assert private(response)


def test_a_preview_is_private(client, article, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-123456789")
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[article.pk]))
    assert response.status_code == 200
    assert private(response)


def test_keys_name_the_page_its_cards_its_listing_and_the_menu(client, make_page):
    news = make_page(NewsPage, title="Programme des commémorations", section="news")
    article = make_page(
        ArticlePage,
        title="Cherbourg",
        related=[{"type": "page", "value": news.pk}],
    )
    page_keys = keys(client.get(article.url))
    assert {f"p{article.pk}", f"p{news.pk}", "site", "menu"} <= page_keys
    assert "list" not in page_keys  # related cards are not a listing (see surrogate.py)
    # The cards are cached fragments: a second render keeps the same keys.
    assert keys(client.get(article.url)) == page_keys
    listing = keys(client.get(article.get_parent().url))
    assert {f"p{article.pk}", "list", "menu"} <= listing
    home = keys(client.get("/fr/"))
    assert {f"p{article.pk}", "list"} <= home
    assert {"list"} <= keys(client.get("/fr/feed/"))
    assert {"list"} <= keys(client.get("/sitemap.xml"))


def test_two_clients_nothing_personal_is_stored_or_shared(article, ceremony, django_user_model):
    """A shared cache that follows the headers (stores only `public` answers, serves a
    stored answer to whoever asks the same URL next): after a logged-in editor and a
    visitor holding a registration form's cookie have gone through every URL, another
    visitor gets nothing of theirs."""
    store: dict[str, bytes] = {}

    def through_cache(client, url):
        if url in store:
            return store[url]
        response = client.get(url)
        if public(response):
            assert "Set-Cookie" not in str(response.cookies.output()), url
            store[url] = response.content
        return response.content

    editor = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-123456789")
    first, second = Client(), Client()
    first.force_login(editor)
    everything = public_urls(article, ceremony) + private_urls(ceremony)
    for url in everything:
        through_cache(first, url)
    form = reverse("registrations:register", args=[ceremony.registration_id])
    through_cache(Client(), form)  # an anonymous visitor gets the form and its cookie
    assert form not in store and "/admin/login/" not in store
    for url in everything:
        body = through_cache(second, url).decode()
        assert "editor" not in body, url  # the editor's name, the admin bar
        assert "csrfmiddlewaretoken" not in body or url not in store, url
    for url, body in store.items():
        assert b"csrfmiddlewaretoken" not in body, url
        assert not re.search(rb"/r/[A-Za-z0-9_-]{20,}/", body), url  # management links


class Recorder(http.server.BaseHTTPRequestHandler):
    received: list[str] = []
    status = 200

    def do_PURGE(self):  # noqa: N802 (the HTTP method)
        Recorder.received.append(self.headers.get("xkey-purge", ""))
        self.send_response(Recorder.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def varnish_double(settings):
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.received, Recorder.status = [], 200
    settings.PURGE_URLS = [f"http://127.0.0.1:{server.server_port}"]
    yield Recorder
    server.shutdown()
    server.server_close()


def test_a_publish_purges_the_page_its_translations_and_the_listings(
    make_page, translate, varnish_double, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_page(ArticlePage, title="Cherbourg")
    with django_capture_on_commit_callbacks(execute=True):
        english = translate(article, "en", title="Cherbourg, English")
    varnish_double.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Cherbourg libérée"
        article.save_revision().publish()
    assert len(varnish_double.received) == 1  # one purge per transaction
    assert set(varnish_double.received[0].split()) >= {f"p{article.pk}", f"p{english.pk}", "list"}
    varnish_double.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    assert f"p{article.pk}" in varnish_double.received[0].split()


def test_a_settings_or_snippet_change_purges_the_site(
    varnish_double, django_capture_on_commit_callbacks
):
    from liberation.content.models import Theme

    with django_capture_on_commit_callbacks(execute=True):
        Theme.objects.create(slug="normandie", name_fr="Normandie", name_en="Normandy")
    assert varnish_double.received == ["site"]


def test_no_purge_without_a_shared_cache(make_page, settings, django_capture_on_commit_callbacks):
    settings.PURGE_URLS = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_page(ArticlePage, title="Cherbourg")
    assert not any(getattr(c, "__name__", "") == "_flush" for c in callbacks)


def test_a_failed_purge_is_retried_until_the_copies_have_expired(varnish_double, monkeypatch):
    varnish_double.status = 503
    retries = []
    monkeypatch.setattr(purge, "_retry", lambda **kwargs: retries.append(kwargs))
    now = 1_000_000.0
    monkeypatch.setattr(purge.time, "time", lambda: now)
    assert purge.purge_keys.call(keys=["p1"], since=now) == 1
    assert retries and retries[0]["attempt"] == 2 and retries[0]["delay"] == 1.0
    retries.clear()
    late = now - surrogate.seconds() - purge.DEFAULT_GRACE
    assert purge.purge_keys.call(keys=["p1"], since=late, attempt=3) == 1
    assert not retries  # every copy stored before the change has expired by now
    varnish_double.status = 200
    assert purge.purge_keys.call(keys=["p1"], since=now) == 0
    assert varnish_double.received == ["p1", "p1", "p1"]


def test_a_purge_that_fails_at_the_commit_goes_to_the_queue(
    make_page, varnish_double, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_page(ArticlePage, title="Cherbourg")
    varnish_double.received.clear()
    varnish_double.status = 503  # Varnish restarting
    retries = []
    monkeypatch.setattr(purge, "_retry", lambda **kwargs: retries.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Cherbourg libérée"
        article.save_revision().publish()
    # At the commit, then the queued task (run at once by the tests' backend), then later.
    assert len(varnish_double.received) == 2
    assert f"p{article.pk}" in retries[0]["keys"] and retries[0]["attempt"] == 2


def test_a_reader_who_has_the_page_gets_a_304_until_it_changes(client, article, ceremony):
    """Shareable answers carry an ETag: a browser that asks again (max-age=0) with it is
    answered 304 without a body, by the tier or, without one, by the app; a publish
    changes the page and its ETag. Personal answers carry none."""
    for url in public_urls(article, ceremony):
        assert client.get(url).has_header("ETag"), url
    first = client.get(article.url)
    etag = first["ETag"]
    again = client.get(article.url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and public(again)
    article.title = "Cherbourg, titre corrigé"
    article.save_revision().publish()
    changed = client.get(article.url, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Cherbourg, titre corrigé" in changed.content.decode()
    for url in private_urls(ceremony):
        response = client.get(url, headers={"if-none-match": "*"})
        assert response.status_code == 200 and not response.has_header("ETag"), url


def test_a_view_keeps_its_own_browser_lifetime(client):
    """The communes API says how long browsers keep it; the shared cache adds its own."""
    response = client.get(reverse("api_communes") + "?q=cher")
    value = response["Cache-Control"]
    assert "s-maxage=120" in value and "max-age=0" not in value and "max-age=" in value


def test_search_answers_carry_the_search_key(client, article):
    for url in (
        reverse("search_fr") + "?q=cherbourg",
        reverse("api_search") + "?q=cherbourg",
        reverse("search_suggest_fr") + "?q=cher",
    ):
        response = client.get(url)
        assert public(response) and "search" in keys(response), url


def test_an_index_change_purges_the_search_answers(
    article, varnish_double, django_capture_on_commit_callbacks
):
    """A publish purges `list` at its own commit, before the index task has run: the
    index task's commit purges the search answers again (the tests' tasks run at once,
    so both purges come from one transaction here)."""
    from liberation.discovery.indexing import index_pages

    varnish_double.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        index_pages([article.pk])
    assert varnish_double.received == ["search"]
