"""Issue 11, from end to end in a browser, keyboard only, in French and in English:
an organiser applies with an attachment → a reviewer of the right département labels
the project in the admin (a reviewer of another département gets a 404) → the event is
on the agenda, on the map (which asks nothing of any other host) and in the iCal feed
of a matching filter."""

import pytest
from PIL import Image

from tests.e2e.conftest import DESKTOP
from tests.e2e.programme_steps import apply_with_the_keyboard, in_thread, press, submit_with

pytestmark = pytest.mark.e2e

LABELLED = {"fr": "Labellisé", "en": "Labelled"}
MAP = {"fr": "/fr/carte/", "en": "/en/map/"}


@pytest.fixture
def programme(site):
    from django.contrib.auth.models import User
    from django.test import Client

    from liberation.places.factories import communes_sample
    from liberation.programme.factories import campaign_make
    from liberation.programme.models import ReviewerScope
    from liberation.programme.staff import reviewer_group_ensure

    communes = communes_sample()
    calvados, manche = communes["14118"].departement, communes["50129"].departement
    campaign = campaign_make(name="Vague Normandie", departements=[calvados, manche])
    group = reviewer_group_ensure()
    sessions = {}
    for name, departement in (("calvados", calvados), ("manche", manche)):
        user = User.objects.create_user(name, f"{name}@example.org", "x")
        user.groups.add(group)
        ReviewerScope.objects.create(user=user).departements.set([departement])
        client = Client()
        client.force_login(user)
        sessions[name] = client.cookies["sessionid"].value
    return {"campaign": campaign, "sessions": sessions}


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


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_apply_review_label_publish(programme, browser, live_server, tmp_path, lang):
    from django.urls import reverse

    from liberation.programme.models import Project

    poster = tmp_path / "affiche.png"
    Image.new("RGB", (60, 40), (120, 20, 20)).save(poster, "PNG")

    # The organiser applies (with a file), in Calvados.
    organiser, external = _context(browser, live_server, lang)
    page = organiser.new_page()
    token = apply_with_the_keyboard(page, live_server, programme["campaign"], lang, poster)
    project_pk, public_id, title = in_thread(
        lambda: Project.objects.values_list("pk", "public_id", "title").get()
    )
    detail = live_server.url + reverse("programme_review:project", args=[project_pk])

    # A reviewer of the Manche guesses the URL: 404.
    other, _ = _context(browser, live_server, lang, programme["sessions"]["manche"])
    response = other.new_page().goto(detail)
    assert response.status == 404
    other.close()

    # The Calvados reviewer takes the application and labels it, with the keyboard.
    reviewer, _ = _context(browser, live_server, lang, programme["sessions"]["calvados"])
    admin = reviewer.new_page()
    assert admin.goto(detail).status == 200
    assert "affiche.png" in admin.content()
    submit_with(admin, "form[action$='/take/'] button[type=submit]")
    press(admin, "input[name=decision][value=labelled]", "Space")
    admin.locator("textarea[name=reason]").focus()
    admin.keyboard.type("Projet conforme au cahier des charges.")
    submit_with(admin, "form[action$='/decide/'] button[type=submit]")
    reviewer.close()
    assert in_thread(lambda: Project.objects.get().state) == Project.State.LABELLED

    # The organiser's space says so.
    page.goto(f"{live_server.url}/{lang}/label/p/{token}/")
    assert LABELLED[lang] in page.locator("#state").text_content()

    # A reader: the agenda filtered on the département lists it; its page is public.
    page.goto(f"{live_server.url}/{lang}/agenda/?departement=14")
    assert title in page.locator("main").text_content()
    assert page.goto(f"{live_server.url}/{lang}/agenda/{public_id}/").status == 200

    # The map with the same filter: a marker, the list alternative, no other host.
    page.goto(f"{live_server.url}{MAP[lang]}?departement=14")
    page.wait_for_selector(".leaflet-marker-icon", state="attached")
    assert title in page.locator("#map-list").text_content()

    # The iCal feed of that filter carries the event (unfolded, unescaped).
    ics = page.request.get(f"{live_server.url}/{lang}/agenda/agenda.ics?departement=14")
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    text = ics.text().replace("\r\n ", "").replace("\\,", ",")
    assert f"SUMMARY:{title}" in text
    assert external == []
    organiser.close()
