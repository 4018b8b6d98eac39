"""The newsletter from end to end in a browser, keyboard only, in French and English:
subscribe → confirm from the emailed link → receive a campaign (through the outbox, to
the test mail backend) → one-click unsubscribe (the POST a mail client sends, RFC 8058)
and the unsubscribe page's button."""

import re

import pytest

from tests.e2e.conftest import DESKTOP
from tests.e2e.programme_steps import in_thread, press, submit_with

pytestmark = pytest.mark.e2e

SENT = {"fr": "Consultez votre messagerie", "en": "Check your mail"}


def _context(browser, live_server, lang):
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
    return context, external


def _emails_to(address: str, wait) -> list:
    from django.core import mail

    for _ in range(50):
        found = [m for m in mail.outbox if m.to == [address]]
        if found:
            return found
        wait(100)
    return []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_subscribe_confirm_receive_unsubscribe(site, browser, live_server, lang):
    from django.core import mail

    from liberation.newsletter.campaigns import campaign_send
    from liberation.newsletter.factories import campaign_make, subscriber_make
    from liberation.newsletter.models import Subscriber

    mail.outbox = []
    address = f"lectrice-{lang}@example.org"
    context, external = _context(browser, live_server, lang)
    page = context.new_page()

    # Subscribe: the email, a topic, the button — with the keyboard.
    page.goto(f"{live_server.url}/{lang}/newsletter/")
    assert page.locator(
        f"#id_language input[value={lang}], input[name=language][value={lang}]"
    ).first.is_checked()
    page.locator("#id_email").focus()
    page.keyboard.type(address)
    press(page, "#id_ceremonies", "Space")
    assert page.locator("#id_ceremonies").is_checked()
    submit_with(page, "#subscribe-form button[type=submit]")
    assert page.url.endswith(f"/{lang}/newsletter/sent/")
    assert SENT[lang] in page.locator("h1").text_content()

    # Confirm from the emailed link: the page's button, with the keyboard.
    (confirmation,) = _emails_to(address, page.wait_for_timeout)
    link = re.search(rf"https?://\S+(/{lang}/newsletter/confirm/[\w-]+/)", confirmation.body).group(
        1
    )
    page.goto(live_server.url + link)
    submit_with(page, "#confirm-form button[type=submit]")
    assert page.locator("#confirmed").is_visible()
    assert in_thread(lambda: Subscriber.objects.get(email=address).status) == "confirmed"

    # A campaign, sent by staff: through the outbox to the test mail backend.
    other = f"autre-{lang}@example.org"

    def send():
        subscriber_make(email=other, language=lang)
        campaign_send(campaign_id=campaign_make().pk)

    in_thread(send)
    campaign = []
    for _ in range(100):
        campaign = [m for m in mail.outbox if m.to == [address] and m is not confirmation]
        if campaign:
            break
        page.wait_for_timeout(100)
    (message,) = campaign
    assert message.subject == (
        "Les cérémonies du 8 mai" if lang == "fr" else "The ceremonies of 8 May"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = message.extra_headers["List-Unsubscribe"].strip().strip("<>")
    path = "/" + one_click.split("//", 1)[1].split("/", 1)[1]

    # One click, as a mail client does it: a POST with that body, no cookie, no token.
    response = page.request.post(
        live_server.url + path,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    assert in_thread(lambda: Subscriber.objects.get(email=address).status) == "unsubscribed"

    # The other subscriber uses the page: its button, with the keyboard.
    (theirs,) = _emails_to(other, page.wait_for_timeout)
    their_link = re.search(
        rf"https?://\S+(/{lang}/newsletter/unsubscribe/[\w.]+/)", theirs.body
    ).group(1)
    page.goto(live_server.url + their_link)
    submit_with(page, "#unsubscribe-form button[type=submit]")
    assert page.locator("#unsubscribed").is_visible()
    assert in_thread(lambda: Subscriber.objects.get(email=other).status) == "unsubscribed"
    assert external == []
    context.close()
