"""Machine-readable site: sitemap, feeds, head metadata, JSON-LD, robots, error pages."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation
from wagtail.images.tests.utils import get_test_image_file

from liberation.content.models import ArticlePage, NewsPage, Place, VideoPage
from liberation.core.models import CustomImage
from liberation.core.seo import json_ld_dumps
from liberation.core.views import server_error
from liberation.events.models import CeremonyPage

HOST = "seo.example.org"
BASE = f"http://{HOST}"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "atom": "http://www.w3.org/2005/Atom",
}
VIDEO = {
    "title": "Revivez les combats",
    "url": "https://www.dailymotion.com/video/x8abcd1",
    "file": None,
    "captions": None,
    "caption": "Les moments clés de la bataille.",
    "transcript": "Juin 1944 : les troupes américaines encerclent Cherbourg.",
}


@pytest.fixture
def client(client):
    client.defaults["HTTP_HOST"] = HOST
    return client


@pytest.fixture
def article(make_page, translate):
    cherbourg = Place.objects.create(name="Cherbourg", latitude=49.6394, longitude=-1.6163)
    page = make_page(
        ArticlePage,
        title="La Bataille de Cherbourg",
        lead="Du 19 au 30 juin 1944.",
        author="Jeanne Historienne",
        places=[cherbourg],
    )
    english = translate(page, "en", title="The Battle of Cherbourg", lead="June 1944.")
    return page, english


def _head_json_ld(html: str) -> list[dict]:
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(script) for script in scripts]


def _head_links(html: str, rel: str) -> dict[str, str]:
    return dict(re.findall(rf'<link rel="{rel}" hreflang="([^"]+)" href="([^"]+)">', html))


# -- sitemap.xml ----------------------------------------------------------------------


def test_sitemap_lists_both_languages_with_alternates(client, article, make_page):
    french, english = article
    untranslated = make_page(NewsPage, title="Seulement en français", section="news")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    tree = ET.fromstring(response.content)
    entries = {url.findtext("sm:loc", namespaces=NS): url for url in tree.findall("sm:url", NS)}
    fr_url = f"{BASE}/fr/histoire/la-bataille-de-cherbourg/"
    en_url = f"{BASE}/en/history/the-battle-of-cherbourg/"
    assert f"{BASE}/fr/" in entries
    assert f"{BASE}/en/" in entries
    assert fr_url in entries
    assert en_url in entries
    for loc in entries:
        assert loc.startswith(BASE + "/")
    for loc in (fr_url, en_url):
        entry = entries[loc]
        alternates = {
            link.get("hreflang"): link.get("href") for link in entry.findall("xhtml:link", NS)
        }
        assert alternates == {"fr": fr_url, "en": en_url, "x-default": fr_url}
        assert entry.findtext("sm:lastmod", namespaces=NS)
    lonely = entries[f"{BASE}{untranslated.url}"]
    hreflangs = [link.get("hreflang") for link in lonely.findall("xhtml:link", NS)]
    assert hreflangs == ["fr"]


def test_sitemap_leaves_out_drafts(client, article):
    french, english = article
    english.unpublish()
    response = client.get("/sitemap.xml")
    content = response.content.decode()
    assert "the-battle-of-cherbourg" not in content
    assert "la-bataille-de-cherbourg" in content


# -- feeds ----------------------------------------------------------------------------


def test_feed_per_language(client, article, make_page):
    make_page(
        CeremonyPage,
        title="Cérémonie du 8 mai",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=10),
        venue="Arc de Triomphe",
    )
    for language, own, foreign in (
        ("fr", "La Bataille de Cherbourg", "The Battle of Cherbourg"),
        ("en", "The Battle of Cherbourg", "La Bataille de Cherbourg"),
    ):
        response = client.get(f"/{language}/feed/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        titles = [
            entry.findtext("atom:title", namespaces=NS) for entry in feed.findall("atom:entry", NS)
        ]
        assert own in titles
        assert foreign not in titles
        links = [
            entry.find("atom:link", NS).get("href") for entry in feed.findall("atom:entry", NS)
        ]
        assert all(link.startswith(f"{BASE}/{language}/") for link in links)
        # Home, sections and institutional pages are not content.
        assert not any(link.rstrip("/").count("/") <= 4 for link in links)
    fr_titles = client.get("/fr/feed/").content.decode()
    assert "Cérémonie du 8 mai" in fr_titles
    assert "Du 19 au 30 juin 1944." in fr_titles


def test_feed_is_advertised_in_the_head(client, article):
    french, english = article
    html = client.get(english.url).content.decode()
    assert 'type="application/atom+xml"' in html
    assert f'href="{BASE}/en/feed/"' in html


# -- head: canonical, hreflang, Open Graph --------------------------------------------


def test_canonical_and_hreflang_use_the_request_host(client, article):
    french, english = article
    html = client.get(french.url).content.decode()
    fr_url = f"{BASE}/fr/histoire/la-bataille-de-cherbourg/"
    en_url = f"{BASE}/en/history/the-battle-of-cherbourg/"
    assert f'<link rel="canonical" href="{fr_url}">' in html
    assert "localhost" not in html.split("</head>")[0]
    assert _head_links(html, "alternate") == {"fr": fr_url, "en": en_url, "x-default": fr_url}
    html = client.get(english.url).content.decode()
    assert f'<link rel="canonical" href="{en_url}">' in html


def test_hreflang_only_points_to_live_translations(client, make_page):
    page = make_page(NewsPage, title="Seulement en français", section="news")
    html = client.get(page.url).content.decode()
    assert _head_links(html, "alternate") == {}
    assert f'<link rel="canonical" href="{BASE}{page.url}">' in html


def test_open_graph(client, article):
    french, english = article
    image = CustomImage.objects.create(
        title="Cherbourg",
        alt_text="Le port de Cherbourg",
        credit="Archives",
        file=get_test_image_file(size=(1600, 900)),
    )
    english.hero_image = image
    english.save_revision().publish()
    html = client.get(english.url).content.decode()
    meta = dict(re.findall(r'<meta property="([^"]+)" content="([^"]*)">', html))
    assert meta["og:title"] == "The Battle of Cherbourg"
    assert meta["og:description"] == "June 1944."
    assert meta["og:type"] == "article"
    assert meta["og:url"] == f"{BASE}/en/history/the-battle-of-cherbourg/"
    assert meta["og:locale"] == "en_US"
    assert meta["og:locale:alternate"] == "fr_FR"
    assert meta["og:image"].startswith(f"{BASE}/")
    assert "fill-1200x630" in meta["og:image"]
    assert '<meta name="twitter:card" content="summary">' in html
    # Without a hero image, no og:image.
    assert "og:image" not in client.get(french.url).content.decode()


def test_json_ld_comes_from_the_page_type(client, structure):
    """core.seo knows no page type: each describes itself with `structured_data`, and a
    type without it (a section listing) has no JSON-LD."""
    from types import SimpleNamespace

    from liberation.core.seo import json_ld

    described = SimpleNamespace(structured_data=lambda **kwargs: [{"@type": "Thing", **kwargs}])
    (data,) = json_ld(described, request=None, url="u", image_url=None, home_url="h")
    assert data == {
        "@type": "Thing",
        "request": None,
        "url": "u",
        "image_url": None,
        "home_url": "h",
    }
    assert json_ld(SimpleNamespace(), request=None, url="u", image_url=None, home_url="h") == []
    html = client.get(structure.sections[("history", "fr")].url).content.decode()
    assert _head_json_ld(html) == []
    assert '<meta property="og:type" content="website">' in html


def test_home_is_a_website(client, structure):
    html = client.get("/en/").content.decode()
    assert '<meta property="og:type" content="website">' in html
    assert [data["@type"] for data in _head_json_ld(html)] == ["WebSite"]


# -- JSON-LD --------------------------------------------------------------------------


def test_article_json_ld(client, article):
    french, english = article
    (data,) = _head_json_ld(client.get(french.url).content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Article"
    assert data["headline"] == "La Bataille de Cherbourg"
    assert data["description"] == "Du 19 au 30 juin 1944."
    assert data["datePublished"] == "2025-04-24"
    assert data["author"] == {"@type": "Person", "name": "Jeanne Historienne"}
    assert data["inLanguage"] == "fr"
    (place,) = data["about"]
    assert place["name"] == "Cherbourg"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 49.6394, "longitude": -1.6163}
    (data,) = _head_json_ld(client.get(english.url).content.decode())
    assert data["inLanguage"] == "en"
    assert data["headline"] == "The Battle of Cherbourg"


def test_video_page_json_ld(client, make_page):
    page = make_page(VideoPage, title="Le port", video=[{"type": "video", "value": VIDEO}])
    (data,) = _head_json_ld(client.get(page.url).content.decode())
    assert data["@type"] == "VideoObject"
    assert data["name"] == "Revivez les combats"
    assert data["description"] == "Les moments clés de la bataille."
    assert data["transcript"].startswith("Juin 1944")
    assert data["uploadDate"] == "2025-04-24"
    assert data["embedUrl"] == "https://www.dailymotion.com/embed/video/x8abcd1"
    assert "thumbnailUrl" not in data


def test_article_with_a_video_in_its_body(client, make_page):
    page = make_page(ArticlePage, title="Avec vidéo", body=[{"type": "video", "value": VIDEO}])
    types = [data["@type"] for data in _head_json_ld(client.get(page.url).content.decode())]
    assert types == ["Article", "VideoObject"]


def test_ceremony_json_ld(client, make_page):
    starts = timezone.make_aware(dt.datetime(2030, 5, 8, 11, 0))
    page = make_page(
        CeremonyPage,
        title="Cérémonie du 8 mai",
        section="ceremonies",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        venue="Arc de Triomphe, Paris",
    )
    (data,) = _head_json_ld(client.get(page.url).content.decode())
    assert data["@type"] == "Event"
    assert data["name"] == "Cérémonie du 8 mai"
    assert data["startDate"] == "2030-05-08T11:00:00+02:00"
    assert data["endDate"] == "2030-05-08T13:00:00+02:00"
    assert data["location"]["@type"] == "Place"
    assert data["location"]["name"] == "Arc de Triomphe, Paris"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["organizer"]["name"] == "Mission Libération"
    assert data["isAccessibleForFree"] is True


def test_json_ld_cannot_close_its_script_element(client, make_page):
    title = "</script><script>alert(1)</script> & <!--"
    page = make_page(ArticlePage, title=title, lead="Lead </SCRIPT>")
    html = client.get(page.url).content.decode()
    (data,) = _head_json_ld(html)
    assert data["headline"] == title
    assert data["description"] == "Lead </SCRIPT>"
    assert "<script>alert(1)" not in html
    text = json_ld_dumps({"a": "</script>"})
    assert "</" not in text
    assert json.loads(text) == {"a": "</script>"}


# -- robots.txt -----------------------------------------------------------------------


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


# -- error pages ----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "lang"), [("/fr/nope/", "fr"), ("/en/nope/", "en")])
def test_unknown_slug_is_a_localized_404(client, structure, path, lang):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert 'id="error-404"' in html
    assert 'class="fr-header"' in html
    assert '<meta name="robots" content="noindex">' in html
    if lang == "en":
        assert "Page not found" in html
        assert 'href="/en/"' in html


def test_unknown_language_prefix_ends_on_a_localized_404(client, structure):
    response = client.get("/de/nope/", follow=True)
    assert response.redirect_chain[-1][0] == "/fr/de/nope/"
    assert response.status_code == 404
    assert '<html lang="fr"' in response.content.decode()
    assert 'id="error-404"' in response.content.decode()
    response = client.get("/de/nope/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert '<html lang="en"' in response.content.decode()


@pytest.mark.parametrize(("path", "lang"), [("/fr/boom/", "fr"), ("/en/boom/", "en")])
def test_500_handler(path, lang):
    # No `db` fixture: pytest-django refuses any query, so this proves the page needs none.
    response = server_error(RequestFactory().get(path))
    assert response.status_code == 500
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert 'id="error-500"' in html
    assert "dsfr.min.css" in html
    if lang == "en":
        assert "Unexpected error" in html


@override_settings(STORAGES={"staticfiles": {"BACKEND": "missing.Storage"}})
def test_500_handler_survives_a_broken_template_environment():
    response = server_error(RequestFactory().get("/en/boom/"))
    assert response.status_code == 500


def test_500_handler_keeps_the_active_language_outside_prefixes():
    with translation.override("en"):
        response = server_error(RequestFactory().get("/boom"))
    assert '<html lang="en"' in response.content.decode()
