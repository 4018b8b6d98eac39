"""Issue 12, part 5, from end to end in Chromium, keyboard only, in French and English:
a journalist asks for an accreditation with the editor's letter → the press office
approves it in the admin with a pool → the journalist's press badge → the gate, offline,
admits it showing PRESS and the pool (typed code, then the badge's QR code read from
the badge page: "already checked in"), and the entry reaches the server once online.
"""

import re

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, MOBILE
from tests.e2e.programme_steps import in_thread, press, submit_with

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AWAITING = {"fr": "En attente d’examen", "en": "Awaiting review"}
APPROVED = {"fr": "Approuvé", "en": "Approved"}
LABEL = {"fr": "PRESSE", "en": "PRESS"}
POOL = "Pool A: arrival of the authorities"


@pytest.fixture
def ceremony(live_server, django_db_serialized_rollback):
    import datetime as dt

    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from liberation.events.models import CeremonyPage, RegistrationSettings
    from liberation.press.models import Pool, PressSettings
    from liberation.site.services import site_ensure_structure

    structure = site_ensure_structure()
    now = timezone.now()
    settings = RegistrationSettings.objects.create(
        name="Cérémonie du 8 mai",
        capacity=100,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
    )
    for lang, title in (("fr", "Cérémonie du 8 mai"), ("en", "8 May ceremony")):
        page = CeremonyPage(
            title=title,
            lead=title,
            date=dt.date(2025, 5, 8),
            starts_at=now + dt.timedelta(days=60),
            venue="Arc de Triomphe, Paris",
            registration=settings,
        )
        structure.sections[("ceremonies", lang)].add_child(instance=page)
        page.save_revision().publish()
    press_settings = PressSettings.objects.create(ceremony=settings, is_open=True)
    Pool.objects.create(press=press_settings, name=POOL, capacity=5)
    User.objects.create_superuser("bureau-presse", "presse@example.org", "x")
    client = Client()
    client.force_login(User.objects.get(username="bureau-presse"))
    return {
        "press": press_settings,
        "ceremony": settings,
        "session": client.cookies["sessionid"].value,
    }


def _context(browser, base, lang, *, session=None, viewport=DESKTOP, **options):
    locale = "fr-FR" if lang == "fr" else "en-GB"
    context = browser.new_context(viewport=viewport, locale=locale, **options)
    outside: list[str] = []
    context.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    return context, outside


def _type(page, selector: str, text: str):
    page.locator(selector).focus()
    page.keyboard.type(text)


DECODE_SVG_QR = """async (svg) => {
  // Inline SVG in an HTML page has no xmlns; as an image of its own it needs one.
  const xmlns = svg.includes("xmlns=") ? "" : 'xmlns="http://www.w3.org/2000/svg" ';
  const sized = svg.replace("<svg ", '<svg ' + xmlns + 'width="480" height="480" ');
  const image = new Image();
  image.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(sized)));
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = 480;
  canvas.height = 480;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, 480, 480);
  context.drawImage(image, 0, 0, 480, 480);
  const data = context.getImageData(0, 0, 480, 480);
  const code = window.jsQR(data.data, data.width, data.height);
  return code ? code.data : null;
}"""


def _check(page, text: str) -> dict:
    page.locator("#code").focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_selector("#result:not([hidden])")
    verdict = {
        "status": page.get_attribute("#result", "data-status"),
        "label": page.text_content("#result-label"),
        "detail": page.text_content("#result-detail"),
        "names": page.text_content("#result-names"),
    }
    page.keyboard.press("Enter")  # the focused "Next badge" button
    page.wait_for_selector("#result", state="hidden")
    return verdict


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_request_approve_badge_gate(ceremony, live_server, tmp_path, lang):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    from django.core import mail

    from liberation.press.models import Accreditation, PressCheckIn

    base = live_server.url
    letter = tmp_path / "lettre-redaction.pdf"
    letter.write_bytes(PDF)
    press_id = ceremony["press"].pk
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, chromium_sandbox=False
        )
        # The journalist: the email, then the private link.
        journalist, outside = _context(browser, base, lang)
        page = journalist.new_page()
        page.goto(f"{base}/{lang}/accreditation/{press_id}/")
        _type(page, "#id_email", "albert@example.org")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(f"/{lang}/accreditation/sent/")
        page.wait_for_timeout(200)
        body = next(m.body for m in mail.outbox if m.to == ["albert@example.org"])
        token = re.search(rf"/{lang}/accreditation/a/([\w-]+)/", body).group(1)

        # The request: every field typed, the role chosen with the arrows, the letter.
        page.goto(f"{base}/{lang}/accreditation/a/{token}/")
        _type(page, "#id_outlet", "Le Monde")
        press(page, "#id_role", "ArrowDown")
        _type(page, "#id_press_card", "CCIJP 12345")
        page.locator("#id_letter").set_input_files(str(letter))  # the browser's chooser
        _type(page, "#id_given_name", "Albert")
        _type(page, "#id_surname", "Londres")
        submit_with(page, "#request-form button[type=submit]")
        assert AWAITING[lang] in page.locator("#request-state").text_content()

        # The press office approves, with a pool, in the admin.
        pk = in_thread(lambda: Accreditation.objects.get(email="albert@example.org").pk)
        staff, _ = _context(browser, base, lang, session=ceremony["session"])
        admin = staff.new_page()
        admin.goto(f"{base}/admin/press/review/a/{pk}/")
        assert "lettre-redaction.pdf" in admin.content()
        press(admin, "select[name=pool]", "ArrowDown")
        submit_with(admin, "form[action$='/approve/'] button[type=submit]")
        assert in_thread(lambda: Accreditation.objects.get(pk=pk).state) == "approved"

        # The journalist's badge, from the link.
        page.goto(f"{base}/{lang}/accreditation/a/{token}/")
        assert APPROVED[lang] in page.locator("#request-state").text_content()
        submit_with(page, "a[href$='/badge/']")
        code = page.text_content("#badge-code").strip()
        svg = page.locator(".lib-badge__qr svg").evaluate("(svg) => svg.outerHTML")
        assert code.startswith("PRESS-") and POOL in page.content()

        # The gate: lists downloaded online, then offline.
        gate, gate_outside = _context(
            browser,
            base,
            lang,
            session=ceremony["session"],
            viewport=MOBILE,
            service_workers="allow",
        )
        checkin = gate.new_page()
        errors: list[str] = []
        checkin.on("pageerror", lambda error: errors.append(str(error)))
        checkin.goto(f"{base}/{lang}/controle/{ceremony['ceremony'].pk}/")
        checkin.wait_for_selector("html[data-checkin-ready='true']", state="attached")
        checkin.wait_for_function("navigator.serviceWorker.controller !== null")
        assert "1" in checkin.text_content("#lists-status")
        gate.set_offline(True)
        checkin.reload()
        checkin.wait_for_selector("html[data-checkin-ready='true']", state="attached")

        typed = _check(checkin, code)
        assert typed["status"] == "accepted", typed
        assert typed["label"] == LABEL[lang] and typed["detail"] == POOL
        assert "Albert Londres" in typed["names"]
        scanned = checkin.evaluate(DECODE_SVG_QR, svg)
        assert scanned and scanned.startswith("LB1:")
        again = _check(checkin, scanned)
        assert again["status"] == "already" and again["label"] == LABEL[lang]
        assert checkin.get_attribute("#queue-status", "data-pending") == "1"

        gate.set_offline(False)
        checkin.wait_for_selector("#queue-status[data-pending='0']", timeout=15000)
        assert errors == []
        browser.close()
    assert outside == [] and gate_outside == []
    entry = PressCheckIn.objects.get()
    assert entry.accreditation_id == pk and entry.staff == "bureau-presse"
