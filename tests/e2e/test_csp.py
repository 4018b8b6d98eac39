"""The Content-Security-Policy in Chromium: no violation on any public page type, on the
registration form, nor on the admin pages editors use (issue 10, item 10).

Every `securitypolicyviolation` event is recorded by a script the browser injects
before the page's own (not subject to the policy), and so is any console message
saying something was refused."""

import pytest

from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.e2e

RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Recorder:
    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
        self.context.add_init_script(RECORD)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.refused: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and self.refused.append(message.text)
            ),
        )

    def _route(self, route):
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            route.abort()  # no traffic leaves the machine (the policy is checked first)

    def visit(self, path: str) -> list[str]:
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response.status < 500, path
        self.page.wait_for_load_state("networkidle")
        return self.page.evaluate("window.__csp")

    def close(self):
        self.context.close()


@pytest.fixture
def recorder(browser, live_server):
    tabs = []

    def open_tab():
        tab = Recorder(browser, live_server.url)
        tabs.append(tab)
        return tab

    yield open_tab
    for tab in tabs:
        tab.close()


def test_public_pages_and_the_form_break_no_rule(site, recorder):
    ceremony = site.pages["ceremony-open"]["fr"]
    paths = [path for _kind, _lang, path in site.urls()]
    paths += [f"/{lang}/r/inscription/{ceremony.registration_id}/" for lang in ("fr", "en")]
    tab = recorder()
    found = {}
    for path in paths:
        violations = tab.visit(path)
        if violations:
            found[path] = violations
    assert found == {}
    assert tab.refused == []
    # The video player, after the click, is a frame the policy allows.
    tab.visit(site.url("article", "fr"))
    tab.page.get_by_role("button", name="YouTube").first.click()
    tab.page.wait_for_selector(".lib-video iframe")
    assert tab.page.evaluate("window.__csp") == []


@pytest.fixture
def admin_paths(site, django_user_model) -> dict:
    """An editor, and the admin's paths, made before the browser starts (no database
    query while Playwright's loop runs)."""
    from liberation.events.models import RegistrationSettings
    from liberation.registrations.services import (
        Person,
        RegistrationRequest,
        registration_create,
    )

    django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password")
    article = site.pages["article"]["fr"]
    registration_id = site.pages["ceremony-open"]["fr"].registration_id
    ceremony_page = site.pages["ceremony-open"]["fr"].pk
    created = registration_create(
        ceremony=RegistrationSettings.objects.get(pk=registration_id),
        request=RegistrationRequest(
            email="jeanne@example.org", registrant=Person(given_name="Jeanne", surname="Martin")
        ),
    )
    return {
        # The registrant's pages and the gate's app (public URLs, their own scripts).
        "site": [
            f"/fr/r/{created.token}/",
            f"/fr/r/{created.token}/badge/",
            f"/fr/controle/{registration_id}/",
        ],
        "pages": [
            "/admin/",
            f"/admin/pages/{article.get_parent().pk}/",
            f"/admin/pages/{article.pk}/edit/",
            f"/admin/pages/{ceremony_page}/edit/",
            "/admin/images/",
            "/admin/documents/",
            "/admin/snippets/",
            "/admin/registrations/ceremonies/",
            f"/admin/registrations/ceremonies/{registration_id}/",
            "/admin/registrations/",
        ],
        "edit": f"/admin/pages/{article.pk}/edit/",
        "public": article.url,
    }


def test_the_admin_works_under_its_policy(site, admin_paths, recorder):
    tab = recorder()
    page = tab.page
    tab.visit("/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    found = {}
    for path in admin_paths["pages"]:
        violations = tab.visit(path)
        if violations:
            found[path] = violations
    for path in admin_paths["site"]:
        violations = tab.visit(path)
        if violations:
            found[path] = violations
    # The editor's page opens its rich-text editor.
    tab.visit(admin_paths["edit"])
    assert page.locator(".Draftail-Editor").first.is_visible()
    assert found == {}
    assert tab.refused == []
    # On the public site, the editor's user bar works under the public policy.
    violations = tab.visit(admin_paths["public"])
    assert page.locator("wagtail-userbar").count() == 1
    assert violations == []
