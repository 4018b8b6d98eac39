"""A person registers for a ceremony in a real browser and then cancels from their
private link (issue 11's review found the risk): the pages keep their URL (which
carries the token) from other sites, yet a form posted from them carries its Origin
so that Django's CSRF check accepts it. With `Referrer-Policy: no-referrer` Chromium
sends `Origin: null` on a form POST and the check refuses it (403)."""

import re

import pytest

from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_register_then_cancel_in_a_browser(site, browser, live_server, lang):
    from django.core import mail

    ceremony = site.pages["ceremony-open"]["fr"]
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    origins = []
    page.on(
        "request",
        lambda r: r.method == "POST" and origins.append(r.headers.get("origin")),
    )
    page.goto(f"{live_server.url}/{lang}/r/inscription/{ceremony.registration_id}/")
    page.fill("#id_given_name", "Jeanne")
    page.fill("#id_surname", "Moulin")
    page.fill("#id_email", "jeanne@example.org")
    page.locator("label[for=id_consent]").click()
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    assert origins == [live_server.url]
    assert "403" not in page.title()
    page.wait_for_timeout(200)
    body = next(m.body for m in mail.outbox if m.to == ["jeanne@example.org"])
    link = re.search(r"https?://\S+/r/[\w-]+/", body).group(0)
    token = link.rstrip("/").rsplit("/", 1)[1]

    page.goto(f"{live_server.url}/{lang}/r/{token}/cancel/")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert origins[-1] == live_server.url
    assert "403" not in page.title()
    assert page.url.startswith(f"{live_server.url}/{lang}/r/{token}/")
    context.close()
