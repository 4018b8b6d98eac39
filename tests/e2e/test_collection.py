"""Issue 12 (the collection), from end to end in a browser, keyboard only, in French
and in English: a contributor starts from their email, opens the private link, writes
the story (the commune chosen in the combobox), adds two files, declares the rights
and sends it → a historian publishes it in the admin → the story page is public, in
its language, with both images (alt = caption) and the licence → it is found by the
site search, French and English pages, with the keyboard (its card says "Témoignage" /
"Testimony" and its place) → withdrawn by its contributor, it is no longer found."""

import json
import re

import pytest
from PIL import Image

from tests.e2e.conftest import DESKTOP
from tests.e2e.programme_steps import in_thread, press, submit_with

pytestmark = pytest.mark.e2e

SENT = {"fr": "À modérer", "en": "Needs review"}
PUBLISHED = {"fr": "Publié", "en": "Published"}
SEARCH = {"fr": ("/fr/recherche/", "Témoignage"), "en": ("/en/search/", "Testimony")}


def search_with_the_keyboard(page, live_server, reader: str, words: str):
    """The search page in the reader's language: type the words, Enter."""
    path, _ = SEARCH[reader]
    page.goto(f"{live_server.url}{path}")
    page.locator("#search-q").focus()
    page.keyboard.type(words)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.fixture
def historian_session(site):
    from django.contrib.auth.models import User
    from django.test import Client

    from liberation.collection.staff import moderator_group_ensure
    from liberation.places.factories import communes_sample

    communes_sample()
    user = User.objects.create_user("historienne", "h@example.org", "x")
    user.groups.add(moderator_group_ensure())
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _context(browser, live_server, lang, session=None):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR" if lang == "fr" else "en-GB")
    external = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            else (external.append(route.request.url), route.abort())
        ),
    )
    if session:
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
    return context, external


def _type(page, selector: str, text: str):
    page.locator(selector).focus()
    page.keyboard.type(text)


def contribute_with_the_keyboard(page, live_server, lang: str, files) -> str:
    """From the start page to "needs review"; returns the private token."""
    from django.core import mail

    base = live_server.url
    page.goto(f"{base}/{lang}/collection/contribute/")
    _type(page, "#id_email", "famille@example.org")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/{lang}/collection/contribute/sent/")
    page.wait_for_timeout(200)
    body = next(m.body for m in mail.outbox if m.to == ["famille@example.org"])
    token = re.search(rf"/{lang}/collection/c/([\w-]+)/", body).group(1)
    page.goto(f"{base}/{lang}/collection/c/{token}/")

    # The story: from the space, its link, then each field with the keyboard.
    with page.expect_navigation():
        press(page, "#steps a[href$='/story/']")
    _type(page, "#id_title", "Le 7 juin 1944 à Bayeux")
    _type(page, "#id_summary", "Ma grand-mère a vu entrer les premiers soldats britanniques.")
    _type(page, "#id_people", "Marie Lefèvre")
    page.locator("#id_date_from").fill("1944-06-07")  # the browser's date picker
    page.locator("#id_commune").focus()
    page.keyboard.type("Bayeux")
    page.wait_for_selector("[role=option]", state="visible")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#id_language").focus()
    page.keyboard.press("ArrowDown")  # French
    if lang == "en":
        page.keyboard.press("ArrowDown")  # English
    _type(page, "#id_keywords", "Bayeux, débarquement")
    submit_with(page, "#story-form button[type=submit]")
    assert page.url.endswith(f"/collection/c/{token}/"), page.content()[:2000]

    # Two files, each with its caption.
    with page.expect_navigation():
        press(page, "#steps a[href$='/items/']")
    for path, caption in files:
        page.locator("#id_file").set_input_files(str(path))  # the browser's own chooser
        _type(page, "#id_caption", caption)
        _type(page, "#id_date", "juin 1944")
        submit_with(page, "#item-form button[type=submit]")
    assert page.locator("#items tbody tr").count() == 2
    with page.expect_navigation():
        press(page, f"a[href$='/collection/c/{token}/']")

    # Rights: radios with Space, the declaration's checkbox with Space.
    with page.expect_navigation():
        press(page, "#steps a[href$='/rights/']")
    press(page, "#id_attribution_1", "Space")  # a pseudonym
    _type(page, "#id_pseudonym", "Petite-fille de Marie")
    press(page, "#id_rights_declared", "Space")
    press(page, "#id_licence_0", "Space")  # CC BY-SA 4.0
    press(page, "#id_living_people_0", "Space")
    press(page, "#id_originals_3", "Space")  # digital only
    submit_with(page, "#rights-form button[type=submit]")

    # Review and send.
    with page.expect_navigation():
        press(page, "#to-submit")
    submit_with(page, "#submit-form button[type=submit]")
    assert SENT[lang] in page.locator("#state").text_content()
    return token


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_contribute_moderate_publish(historian_session, browser, live_server, tmp_path, lang):
    from liberation.collection.models import Story

    photo, scan = tmp_path / "photo.jpg", tmp_path / "scan.png"
    Image.new("RGB", (80, 60), (120, 90, 40)).save(photo, "JPEG")
    Image.new("RGB", (60, 80), (20, 90, 40)).save(scan, "PNG")
    files = [(photo, "Les soldats rue Saint-Jean"), (scan, "Lettre de Marie, juin 1944")]

    contributor, external = _context(browser, live_server, lang)
    page = contributor.new_page()
    token = contribute_with_the_keyboard(page, live_server, lang, files)
    public_id = in_thread(lambda: Story.objects.values_list("public_id", flat=True).get())

    # Before moderation: nothing public.
    assert page.goto(f"{live_server.url}/{lang}/collection/s/{public_id}/").status == 404

    # A historian publishes it in the admin, with the keyboard.
    historian, _ = _context(browser, live_server, lang, historian_session)
    admin = historian.new_page()
    admin.goto(f"{live_server.url}/admin/collection/")
    with admin.expect_navigation():
        press(admin, f"a[href$='/admin/collection/{public_id}/']")
    submit_with(admin, "#publish")
    assert PUBLISHED[lang] in admin.locator("#story-state").text_content()

    # The public page, in the story's language, with its two images and licence.
    response = page.goto(f"{live_server.url}/{lang}/collection/s/{public_id}/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").text_content() == "Le 7 juin 1944 à Bayeux"
    images = page.locator("#story-items img")
    assert images.count() == 2
    assert [images.nth(i).get_attribute("alt") for i in range(2)] == [f[1] for f in files]
    loaded = "[...document.querySelectorAll('#story-items img')]"
    page.wait_for_function(f"{loaded}.every(i => i.complete && i.naturalWidth > 0)")
    licence = page.locator("#licence a")
    assert licence.get_attribute("href").startswith(
        "https://creativecommons.org/licenses/by-sa/4.0/"
    )
    data = json.loads(page.locator("script[type='application/ld+json']").first.text_content())
    assert data["@type"] == "CreativeWork" and data["inLanguage"] == lang
    assert "Petite-fille de Marie" in page.locator("#story-meta").text_content()
    assert external == []

    # The contributor sees it published from their link.
    page.goto(f"{live_server.url}/{lang}/collection/c/{token}/")
    assert PUBLISHED[lang] in page.locator("#state").text_content()

    # Found by the site search, from the French and the English search pages.
    story_path = f"/{lang}/collection/s/{public_id}/"
    for reader in ("fr", "en"):
        search_with_the_keyboard(page, live_server, reader, "soldats Bayeux")
        link = page.locator(f"ol.lib-search-results a[href='{story_path}']")
        assert link.count() == 1, page.content()[:3000]
        card = page.locator(
            "ol.lib-search-results > li", has=page.locator(f"a[href='{story_path}']")
        )
        assert SEARCH[reader][1] in card.locator(".fr-badge").first.text_content()
        assert "Bayeux (14)" in card.locator(".lib-search-place").text_content()
        assert "famille@example.org" not in page.content()
        with page.expect_navigation():
            press(page, f"ol.lib-search-results a[href='{story_path}']")
        assert page.url.endswith(story_path)
        assert page.locator("h1").text_content() == "Le 7 juin 1944 à Bayeux"

    # Withdrawn by its contributor: no longer found.
    page.goto(f"{live_server.url}/{lang}/collection/c/{token}/withdraw/")
    submit_with(page, "#withdraw-form button[type=submit]")
    search_with_the_keyboard(page, live_server, lang, "soldats Bayeux")
    assert page.locator(f"ol.lib-search-results a[href='{story_path}']").count() == 0
