"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Skipped with a reason when /usr/bin/chromium (Debian package `chromium`) or the
`playwright` package is missing; Playwright's own browser downloads are never used.
Every request that is not for the live server is aborted and recorded, so no traffic
leaves the machine and a test can assert that none was attempted.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}


@pytest.fixture
def browser():
    """Chromium for one test. Not shared across tests: while Playwright's sync API runs,
    Django's connection handler sees another context, which would lose the serialized
    database contents that the transactional teardown and the next setup rely on."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, chromium_sandbox=False
        )
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server, django_db_serialized_rollback):
    """Every public page type in both languages, on the live server.

    The live server needs a transactional database, flushed after each test; the
    serialized rollback restores what the migrations made (root page, root collection)
    before the next one, and the structure is then built again.
    """
    from liberation.site.services import site_ensure_structure
    from tests.e2e.pages import build_public_pages

    return build_public_pages(site_ensure_structure())


class Visitor:
    """A browser tab on the live server; `external` lists the requests it blocked."""

    def __init__(self, browser, base_url: str, viewport: dict):
        self.base_url = base_url
        self.external: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport=viewport, locale="fr-FR")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base_url):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def visit(self, path: str):
        response = self.page.goto(self.base_url + path, wait_until="load")
        # The DSFR script marks the document once its components are initialised.
        self.page.wait_for_selector("html[data-fr-js='true']", state="attached")
        return response

    def close(self):
        self.context.close()


@pytest.fixture
def visitor(browser, live_server):
    def open_tab(viewport=DESKTOP) -> Visitor:
        tab = Visitor(browser, live_server.url, viewport)
        tabs.append(tab)
        return tab

    tabs: list[Visitor] = []
    yield open_tab
    for tab in tabs:
        tab.close()


def tab_until(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches `selector` (a keyboard user's way)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")
