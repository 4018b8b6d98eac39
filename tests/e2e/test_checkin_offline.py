"""The gate check-in app in Chromium: load with the network, lose it, keep checking
badges on the device (typed code, and a QR code read from the badge image as a
handheld scanner would type it), then sync once the network is back.

Playwright drives the browser inside the test; the database is read only before and
after it (Django refuses database calls while Playwright's event loop runs).
"""

import base64
import json

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, MOBILE

pytestmark = pytest.mark.e2e


@pytest.fixture
def gate(live_server, django_db_serialized_rollback):
    """A ceremony with three confirmed registrations (one revoked), a gate agent."""
    import datetime as dt

    from django.contrib.auth.models import Permission, User
    from django.test import Client
    from django.utils import timezone

    from liberation.events.models import RegistrationSettings
    from liberation.gate import badges, printing
    from liberation.registrations.models import CeremonyAccess, Registration
    from liberation.registrations.services import (
        Person,
        RegistrationRequest,
        registration_create,
    )

    now = timezone.now()
    ceremony = RegistrationSettings.objects.create(
        name="Cérémonie du 8 mai",
        capacity=20,
        max_companions=2,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=1),
    )

    def register(n, companions=0):
        return registration_create(
            ceremony=ceremony,
            request=RegistrationRequest(
                email=f"p{n}@example.org",
                registrant=Person(given_name=f"Jeanne{n}", surname="Moulin"),
                companions=[Person(given_name="Ami", surname="Moulin")] * companions,
            ),
        ).registration

    typed, scanned, revoked = register(1, companions=1), register(2), register(3)
    Registration.objects.filter(pk=revoked.pk).update(badge_revoked_at=now)
    revoked.refresh_from_db()
    text = printing.BadgeText(
        "Badge", "Cérémonie", "", "", ["Jeanne2 Moulin"], "", "", "", "", "", "", ""
    )
    png = printing.badge_png(badges.badge_token(scanned), text)
    forged = bytearray(badges.b45decode(badges.badge_token(typed)[4:]))
    forged[-1] ^= 1

    user = User.objects.create_user("porte-b", password="x")
    user.user_permissions.add(
        Permission.objects.get(codename="add_checkin", content_type__app_label="gate")
    )
    CeremonyAccess.objects.create(ceremony=ceremony, user=user, check_in=True)
    client = Client()
    client.force_login(user)
    return {
        "url": f"{live_server.url}/fr/controle/{ceremony.pk}/",
        "base": live_server.url,
        "session": client.cookies["sessionid"].value,
        "code": badges.badge_code(typed),
        "png": base64.b64encode(png).decode(),
        "forged": "LB1:" + badges.b45encode(bytes(forged)),
        "revoked": badges.badge_token(revoked),
        "ceremony": ceremony,
    }


def _check(page, text: str) -> str:
    page.fill("#code", text)
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#result:not([hidden])")
    status = page.get_attribute("#result", "data-status")
    page.click("#result-close")
    page.wait_for_selector("#result", state="hidden")
    return status


DECODE_QR = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width / 2;
  canvas.height = image.height / 2;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const data = context.getImageData(0, 0, canvas.width, canvas.height);
  const code = window.jsQR(data.data, data.width, data.height);
  return code ? code.data : null;
}"""


def test_gate_checks_badges_offline_then_syncs(gate):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, chromium_sandbox=False
        )
        context = browser.new_context(viewport=MOBILE, locale="fr-FR", service_workers="allow")
        context.on(
            "request",
            lambda r: None if r.url.startswith(gate["base"]) else outside.append(r.url),
        )
        context.add_cookies([{"name": "sessionid", "value": gate["session"], "url": gate["base"]}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        # With the network: the lists are downloaded, the service worker takes over.
        page.goto(gate["url"])
        page.wait_for_selector("html[data-checkin-ready='true']", state="attached")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        assert "2" in page.text_content("#lists-status")  # two badges, one revoked
        page.fill("#gate", "B")
        page.dispatch_event("#gate", "change")

        # Without: the page comes from the service worker, the lists from IndexedDB.
        context.set_offline(True)
        response = page.reload()
        assert response.from_service_worker and response.status == 200
        page.wait_for_selector("html[data-checkin-ready='true']", state="attached")
        assert page.evaluate("navigator.onLine") is False
        assert page.input_value("#gate") == "B"

        assert _check(page, gate["code"]) == "accepted"
        assert _check(page, gate["code"]) == "already"
        assert _check(page, gate["forged"]) == "refused"
        assert _check(page, gate["revoked"]) == "refused"
        scanned = page.evaluate(DECODE_QR, gate["png"])
        assert scanned and scanned.startswith("LB1:")
        assert _check(page, scanned) == "accepted"
        assert page.get_attribute("#queue-status", "data-pending") == "2"

        # Back online: the queue is sent.
        context.set_offline(False)
        page.wait_for_selector("#queue-status[data-pending='0']", timeout=15000)
        history = page.text_content("#history")
        assert history.count("Jeanne") == 2
        assert errors == []
        browser.close()
    assert outside == []

    from liberation.gate.models import CheckIn

    checkins = list(CheckIn.objects.filter(registration__ceremony=gate["ceremony"]))
    assert len(checkins) == 2
    assert {c.gate for c in checkins} == {"B"}
    assert {c.staff for c in checkins} == {"porte-b"}
    assert len({c.nonce for c in checkins}) == 2
    print(json.dumps([c.registration.reference for c in checkins]))
