"""An organiser applies for the label with the keyboard only, in French and English
(issue 11): start, the private link, every step (the commune chosen in the combobox),
a file, consent, send. No request leaves the site, and the Content-Security-Policy
refuses nothing."""

import pytest
from PIL import Image

from tests.e2e.conftest import DESKTOP
from tests.e2e.programme_steps import apply_with_the_keyboard, in_thread

pytestmark = pytest.mark.e2e


@pytest.fixture
def campaign(site):
    from liberation.places.factories import communes_sample
    from liberation.programme.factories import campaign_make

    communes = communes_sample()
    return campaign_make(name="Vague Normandie", departements=[communes["14118"].departement])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_apply_with_the_keyboard(campaign, browser, live_server, tmp_path, lang):
    from liberation.programme.models import Project

    poster = tmp_path / "affiche.png"
    Image.new("RGB", (60, 40), (0, 0, 145)).save(poster, "PNG")

    context = browser.new_context(viewport=DESKTOP, locale="fr-FR" if lang == "fr" else "en-GB")
    external, refused = [], []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            else (external.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and refused.append(m.text),
    )

    token = apply_with_the_keyboard(page, live_server, campaign, lang, poster)
    assert token

    def stored():
        project = Project.objects.get()
        return (
            project.state,
            project.commune_id,
            project.wheelchair,
            project.attachments.count(),
            project.sessions.count(),
        )

    assert in_thread(stored) == (Project.State.SUBMITTED, "14118", True, 1, 1)
    assert external == [] and refused == []
    context.close()
