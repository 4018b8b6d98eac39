"""Staff pages of a ceremony, seen at 1400×1000: every button shows its label.

The text of a button is in the DOM even when an icon blown up to fill the button hides
it, so this measures what is drawn: the label has a non-empty box inside the button and
the icon is no taller than a line of the label's text.
"""

import datetime as dt

import pytest

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 1400, "height": 1000}

MEASURE = """() => {
  const main = document.querySelector("main") || document.body;
  return [...main.querySelectorAll("a.button, button.button")]
    .filter((b) => b.offsetParent !== null)
    .map((b) => {
      const range = document.createRange();
      let text = "";
      let textBox = null;
      for (const node of b.childNodes) {
        if (node.nodeType === Node.TEXT_NODE && node.textContent.trim()) {
          text += node.textContent.trim();
          range.selectNodeContents(node);
          const r = range.getBoundingClientRect();
          if (!textBox || r.width * r.height > textBox.width * textBox.height) textBox = r;
        }
      }
      const button = b.getBoundingClientRect();
      const icon = b.querySelector("svg");
      const iconBox = icon ? icon.getBoundingClientRect() : null;
      const fontSize = parseFloat(getComputedStyle(b).fontSize);
      return {
        text,
        textWidth: textBox ? textBox.width : 0,
        textHeight: textBox ? textBox.height : 0,
        textInside: textBox
          ? textBox.left >= button.left - 1 && textBox.right <= button.right + 1
          : false,
        iconHeight: iconBox ? iconBox.height : 0,
        iconWidth: iconBox ? iconBox.width : 0,
        fontSize,
      };
    });
}"""


@pytest.fixture
def staff_pages(live_server, django_db_serialized_rollback):
    """A draw ceremony with screening and one registration, a superuser's session."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from liberation.events.models import RegistrationSettings
    from liberation.registrations.services import Person, RegistrationRequest, registration_create

    now = timezone.now()
    ceremony = RegistrationSettings.objects.create(
        name="Cérémonie du 8 mai",
        capacity=20,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=1),
        mode=RegistrationSettings.Mode.DRAW,
        screening_required=True,
        ask_birth_date=True,
    )
    registration = registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email="jeanne@example.org",
            registrant=Person(
                given_name="Jeanne", surname="Moulin", birth_date=dt.date(1950, 5, 8)
            ),
        ),
    ).registration
    user = User.objects.create_superuser("chef", "chef@example.org", "x")
    client = Client()
    client.force_login(user)
    paths = [
        reverse("registrations_ceremonies:index"),
        reverse("registrations_ceremonies:detail", args=[ceremony.pk]),
        reverse("registrations_ceremonies:message", args=[ceremony.pk]),
        reverse("screening:import", args=[ceremony.pk]),
        reverse("registrations_admin:inspect", args=[registration.pk]),
        reverse("registrations_admin:cancel", args=[registration.pk]),
    ]
    return {"session": client.cookies["sessionid"].value, "paths": paths}


def test_every_staff_button_shows_its_label(staff_pages, live_server, browser):
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": staff_pages["session"], "domain": host, "path": "/"}]
    )
    page = context.new_page()
    seen = 0
    problems = []
    for path in staff_pages["paths"]:
        response = page.goto(live_server.url + path, wait_until="load")
        assert response.status == 200, path
        for button in page.evaluate(MEASURE):
            if not button["text"]:
                continue  # an icon-only button carries its label in `title` / aria-label
            seen += 1
            line = button["fontSize"] * 1.6
            if button["textWidth"] < 5 or button["textHeight"] < 5 or not button["textInside"]:
                problems.append(f"{path}: label of {button['text']!r} not drawn: {button}")
            if button["iconHeight"] > line or button["iconWidth"] > line:
                problems.append(f"{path}: icon of {button['text']!r} too large: {button}")
    context.close()
    assert seen >= 6
    assert not problems, "\n".join(problems)
