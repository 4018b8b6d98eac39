"""Steps of the label application shared by the browser tests: the organiser applies
with the keyboard only (start, the private link, every step with the commune chosen in
the combobox, a file, consent, send)."""

import re
from concurrent.futures import ThreadPoolExecutor

SUBMITTED = {"fr": "Déposé", "en": "Submitted"}
DRAFT = {"fr": "Brouillon", "en": "Draft"}


def press(page, selector: str, key: str = "Enter"):
    page.locator(selector).focus()
    page.keyboard.press(key)


def submit_with(page, selector: str):
    with page.expect_navigation():
        press(page, selector)


def in_thread(function):
    """Database reads while Playwright's loop runs in this thread (Django refuses them
    from an async context): in a thread of their own, with its own connection."""
    from django.db import connections

    def run():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def apply_with_the_keyboard(page, live_server, campaign, lang: str, poster) -> str:
    """Apply in `lang` from the start page to "Submitted"; returns the private token."""
    from django.core import mail

    # Start: the campaign, the email, Enter.
    page.goto(f"{live_server.url}/{lang}/label/")
    page.locator("#id_campaign").focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_campaign").input_value() == str(campaign.pk)
    page.locator("#id_email").focus()
    page.keyboard.type("mairie@example.org")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/{lang}/label/sent/")

    # Delivered at once (the test settings' tasks run immediately, to the locmem backend
    # of this process); the outbox keeps no body once sent.
    page.wait_for_timeout(200)
    body = next(m.body for m in mail.outbox if m.to == ["mairie@example.org"])
    token = re.search(rf"/{lang}/label/p/([\w-]+)/", body).group(1)
    page.goto(f"{live_server.url}/{lang}/label/p/{token}/")
    assert DRAFT[lang] in page.locator("#state").text_content()

    # Organiser.
    page.goto(f"{live_server.url}/{lang}/label/p/{token}/step/organiser/")
    page.locator("#id_organiser_type").focus()
    page.keyboard.press("ArrowDown")
    page.locator("#id_organiser_name").focus()
    page.keyboard.type("Mairie de Caen")
    page.locator("#id_contact_name").focus()
    page.keyboard.type("Jeanne Martin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/step/project/" in page.url

    # Project.
    page.locator("#id_title").focus()
    page.keyboard.type("Caen libérée, 1944")
    page.locator("#id_description").focus()
    page.keyboard.type("Une exposition de photographies.")
    page.locator("#id_kind").focus()
    page.keyboard.press("ArrowDown")
    submit_with(page, "button[value=next]")
    assert "/step/dates/" in page.url

    # Dates and place: the commune through the combobox.
    page.locator("#id_venue").focus()
    page.keyboard.type("Hôtel de ville")
    page.locator("#id_commune").focus()
    page.keyboard.type("Caen")
    page.wait_for_selector("[role=option]", state="visible")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    start = campaign.events_from.toordinal() + 10
    day = campaign.events_from.fromordinal(start).isoformat()
    page.locator("#id_s-0-starts_at").fill(f"{day}T10:00")
    page.locator("#id_s-0-ends_at").fill(f"{day}T12:00")
    submit_with(page, "button[value=next]")
    assert "/step/audience/" in page.url, page.content()[:2000]

    # Audience and accessibility.
    page.locator("#id_audience").focus()
    page.keyboard.press("ArrowDown")
    press(page, "#id_wheelchair", "Space")
    submit_with(page, "button[value=next]")
    assert "/step/budget/" in page.url

    # A file (the chooser itself is the browser's: its input is given the file).
    page.locator("#id_file").set_input_files(str(poster))
    submit_with(page, "#file-form button[type=submit]")
    assert "affiche.png" in page.locator("#files").text_content()
    submit_with(page, "button[value=next]")
    assert page.url.endswith("/submit/")

    # Consent and send.
    press(page, "#id_consent", "Space")
    submit_with(page, "#submit-form button[type=submit]")
    assert SUBMITTED[lang] in page.locator("#state").text_content()
    return token
