import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from liberation.mail.models import OutboxMessage
from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import AuditEntry, Project
from liberation.programme.services import token_hash

pytestmark = pytest.mark.django_db
State = Project.State


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def communes():
    return communes_sample()


@pytest.fixture
def campaign(communes):
    return campaign_make(departements=[communes["14118"].departement])


def local(days, hour=10):
    moment = timezone.localtime() + dt.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_start_page_renders(client, campaign, lang):
    response = client.get(f"/{lang}/label/")
    assert response.status_code == 200
    assert campaign.name in response.content.decode()
    assert response["X-Robots-Tag"].startswith("noindex")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_start_creates_a_draft_and_emails_the_link(client, campaign, lang):
    response = client.post(
        f"/{lang}/label/", {"campaign": campaign.pk, "email": "Org@Example.org", "homepage": ""}
    )
    assert response.status_code == 303
    assert response["Location"] == f"/{lang}/label/sent/"
    project = Project.objects.get()
    assert project.state == State.DRAFT and project.language == lang
    assert project.contact_email == "org@example.org" and project.email_verified_at is None
    message = OutboxMessage.objects.get(source="programme")
    assert message.language == lang and message.to == "org@example.org"
    token = re.search(rf"/{lang}/label/p/([\w-]+)/", message.body).group(1)
    assert project.token_hash == token_hash(token) and token not in project.token_hash
    assert client.get(f"/{lang}/label/sent/").status_code == 200
    page = client.get(f"/{lang}/label/p/{token}/")
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    project.refresh_from_db()
    assert project.email_verified_at is not None


def test_start_refuses_a_closed_campaign_a_bad_email_and_a_bot(client, campaign):
    closed = campaign_make(
        name="Ancienne",
        opens_at=timezone.now() - dt.timedelta(days=30),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    assert client.post("/fr/label/", {"campaign": closed.pk, "email": "a@b.fr"}).status_code == 400
    assert client.post("/en/label/", {"campaign": campaign.pk, "email": "nope"}).status_code == 400
    bot = client.post("/fr/label/", {"campaign": campaign.pk, "email": "a@b.fr", "homepage": "x"})
    assert bot.status_code == 400
    assert not Project.objects.exists() and not OutboxMessage.objects.exists()


def test_start_is_rate_limited_per_email(client, campaign, settings):
    settings.REGISTRATION_EMAIL_RATE_LIMIT = (2, 60)
    for _ in range(2):
        client.post("/fr/label/", {"campaign": campaign.pk, "email": "a@b.fr"})
    response = client.post("/fr/label/", {"campaign": campaign.pk, "email": "a@b.fr"})
    assert response.status_code == 429 and "Retry-After" in response
    assert Project.objects.count() == 2


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_unknown_or_tampered_link_is_a_clear_404(client, campaign, lang):
    _, token = project_make(campaign=campaign, state=State.DRAFT)
    for bad in ("nope", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 300):
        response = client.get(f"/{lang}/label/p/{bad}/")
        assert response.status_code == 404
        assert "error-404" in response.content.decode()


@pytest.fixture
def draft(campaign):
    return project_make(
        campaign=campaign,
        state=State.DRAFT,
        sessions=0,
        title="",
        venue="",
        consent=False,
        organiser_name="",
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("step", ["organiser", "project", "dates", "audience", "budget"])
def test_each_step_renders(client, draft, lang, step):
    _, token = draft
    response = client.get(f"/{lang}/label/p/{token}/step/{step}/")
    assert response.status_code == 200
    assert 'class="fr-stepper"' in response.content.decode()


def test_unknown_step_is_404(client, draft):
    _, token = draft
    assert client.get(f"/fr/label/p/{token}/step/nope/").status_code == 404


def test_a_step_with_an_error_keeps_the_valid_fields_and_the_typed_values(client, draft):
    project, token = draft
    response = client.post(
        f"/en/label/p/{token}/step/organiser/",
        {
            "organiser_type": "association",
            "organiser_name": "Les Amis",
            "siret": "73282932000075",  # wrong check digit
            "rna": "W751234567",
            "contact_name": "Marie",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "73282932000075" in body and "check digit" in body
    project.refresh_from_db()
    assert project.organiser_name == "Les Amis" and project.rna == "W751234567"
    assert project.siret == ""


def test_steps_save_and_move_on(client, draft, communes):
    project, token = draft
    url = f"/fr/label/p/{token}/step/"
    r = client.post(
        url + "organiser/",
        {
            "organiser_type": "school",
            "organiser_name": "École",
            "uai": "0750655E",
            "contact_name": "Marie",
        },
    )
    assert r.status_code == 303 and r["Location"].endswith("/step/project/")
    r = client.post(
        url + "project/", {"title": "Expo", "description": "Photos", "kind": "exhibition"}
    )
    assert r.status_code == 303
    r = client.post(
        url + "dates/",
        {
            "venue": "Salle",
            "commune": "14118",
            "s-TOTAL_FORMS": "1",
            "s-INITIAL_FORMS": "0",
            "s-0-starts_at": local(5),
            "s-0-ends_at": local(5, 12),
        },
    )
    assert r.status_code == 303, r.content.decode()[:3000]
    project.refresh_from_db()
    assert project.commune_id == "14118" and project.departement_id == "14"
    assert project.latitude == communes["14118"].latitude and project.sessions.count() == 1
    r = client.post(url + "audience/", {"audience": "everyone", "wheelchair": "on", "free": "on"})
    assert r.status_code == 303
    r = client.post(url + "budget/", {"budget": "1000", "funding_requested": "250"})
    assert r.status_code == 303 and r["Location"].endswith("/submit/")
    assert client.get(f"/en/label/p/{token}/submit/").status_code == 200
    r = client.post(f"/fr/label/p/{token}/submit/", {"consent": "on"})
    assert r.status_code == 303
    project.refresh_from_db()
    assert project.state == State.SUBMITTED and project.submitted_at and project.consent
    assert OutboxMessage.objects.filter(kind="submitted").count() == 1


def dates_post(token, rows, commune="14118", lang="fr", client=None, extra=None):
    data = {
        "venue": "Salle",
        "commune": commune,
        "s-TOTAL_FORMS": str(len(rows)),
        "s-INITIAL_FORMS": "0",
    }
    for i, (start, end) in enumerate(rows):
        data[f"s-{i}-starts_at"], data[f"s-{i}-ends_at"] = start, end
    data.update(extra or {})
    return client.post(f"/{lang}/label/p/{token}/step/dates/", data)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_session_ending_before_it_starts_is_refused_and_the_rest_kept(client, draft, lang):
    project, token = draft
    r = dates_post(
        token, [(local(5, 12), local(5, 10)), (local(6), local(6, 12))], lang=lang, client=client
    )
    assert r.status_code == 400
    assert local(5, 12) in r.content.decode()
    project.refresh_from_db()
    assert project.venue == "Salle" and project.sessions.count() == 1


def test_dates_outside_the_campaign_are_refused(client, draft):
    project, token = draft
    r = dates_post(token, [(local(400), local(400, 12))], client=client)
    assert r.status_code == 400
    assert not project.sessions.exists()


def test_a_commune_outside_the_campaign_or_unknown_is_refused(client, draft):
    project, token = draft
    for code in ("75056", "99999", "<script>"):
        r = dates_post(token, [(local(5), local(5, 12))], commune=code, client=client)
        assert r.status_code == 400
    project.refresh_from_db()
    assert project.commune is None and project.venue == "Salle"


def test_funding_above_a_quarter_is_refused_and_the_pair_not_saved(client, draft):
    project, token = draft
    r = client.post(
        f"/en/label/p/{token}/step/budget/", {"budget": "1000", "funding_requested": "251"}
    )
    assert r.status_code == 400 and "25" in r.content.decode()
    project.refresh_from_db()
    assert project.budget is None and project.funding_requested is None
    r = client.post(f"/en/label/p/{token}/step/budget/", {"budget": "", "funding_requested": "10"})
    assert r.status_code == 400


def test_an_incomplete_application_is_not_submitted(client, draft):
    project, token = draft
    r = client.post(f"/en/label/p/{token}/submit/", {"consent": "on"})
    assert r.status_code == 400
    project.refresh_from_db()
    assert project.state == State.DRAFT


def complete(campaign, state=State.DRAFT, **fields):
    communes = communes_sample()
    return project_make(campaign=campaign, commune=communes["14118"], state=state, **fields)


def test_the_same_project_submitted_twice_is_one_submission(client, campaign):
    project, token = complete(campaign)
    for _ in range(2):
        assert client.post(f"/fr/label/p/{token}/submit/", {"consent": "on"}).status_code == 303
    project.refresh_from_db()
    assert project.state == State.SUBMITTED
    assert AuditEntry.objects.filter(project=project, action="draft→submitted").count() == 1
    assert OutboxMessage.objects.filter(kind="submitted").count() == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_submission_after_the_deadline_is_refused(client, campaign, lang):
    project, token = complete(campaign, state=State.CHANGES_REQUESTED)
    campaign.closes_at = timezone.now() - dt.timedelta(minutes=1)
    campaign.save()
    r = client.post(f"/{lang}/label/p/{token}/submit/", {"consent": "on"})
    assert r.status_code == 409
    assert campaign.name in r.content.decode()
    project.refresh_from_db()
    assert project.state == State.CHANGES_REQUESTED


def test_resubmission_after_changes_requested(client, campaign):
    project, token = complete(
        campaign, state=State.CHANGES_REQUESTED, decision_reason="Précisez le lieu."
    )
    page = client.get(f"/fr/label/p/{token}/")
    assert "Précisez le lieu." in page.content.decode()
    r = client.post(
        f"/fr/label/p/{token}/step/project/",
        {"title": "Nouveau", "description": "D", "kind": "concert"},
    )
    assert r.status_code == 303
    assert client.post(f"/fr/label/p/{token}/submit/", {"consent": "on"}).status_code == 303
    project.refresh_from_db()
    assert project.state == State.SUBMITTED and project.title == "Nouveau"


def test_a_submitted_project_cannot_be_edited(client, campaign):
    project, token = complete(campaign, state=State.UNDER_REVIEW)
    r = client.post(f"/fr/label/p/{token}/step/project/", {"title": "X"})
    assert r.status_code == 303
    project.refresh_from_db()
    assert project.title != "X"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_withdraw_with_confirmation(client, campaign, lang):
    project, token = complete(campaign, state=State.SUBMITTED)
    assert client.get(f"/{lang}/label/p/{token}/withdraw/").status_code == 200
    assert client.post(f"/{lang}/label/p/{token}/withdraw/").status_code == 303
    project.refresh_from_db()
    assert project.state == State.WITHDRAWN


def test_a_labelled_project_cannot_be_withdrawn(client, campaign):
    project, token = complete(campaign, state=State.LABELLED)
    assert client.post(f"/fr/label/p/{token}/withdraw/").status_code == 409


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_labelled_status_update(client, campaign, lang):
    project, token = complete(campaign, state=State.LABELLED)
    assert client.get(f"/{lang}/label/p/{token}/event/").status_code == 200
    r = client.post(f"/{lang}/label/p/{token}/event/", {"action": "status", "status": "postponed"})
    assert r.status_code == 303
    project.refresh_from_db()
    assert project.status == "postponed" and project.state == State.LABELLED
    r = client.post(f"/{lang}/label/p/{token}/event/", {"action": "status", "status": "nope"})
    assert r.status_code == 400


def sessions_post(client, token, project, start, end):
    session = project.sessions.get()
    return client.post(
        f"/fr/label/p/{token}/event/",
        {
            "action": "sessions",
            "s-TOTAL_FORMS": "1",
            "s-INITIAL_FORMS": "1",
            "s-0-id": str(session.pk),
            "s-0-starts_at": start,
            "s-0-ends_at": end,
        },
    )


def test_a_date_change_stays_labelled_when_the_campaign_says_so(client, campaign):
    project, token = complete(campaign, state=State.LABELLED)
    r = sessions_post(client, token, project, local(20), local(20, 12))
    assert r.status_code == 303
    project.refresh_from_db()
    assert project.state == State.LABELLED and project.status == Project.Status.RESCHEDULED
    assert AuditEntry.objects.filter(project=project, action="event:sessions").exists()


def test_a_date_change_goes_back_to_review_when_the_campaign_says_so(client, campaign):
    campaign.date_change_needs_review = True
    campaign.save()
    project, token = complete(campaign, state=State.LABELLED)
    r = sessions_post(client, token, project, local(20), local(20, 12))
    assert r.status_code == 303
    project.refresh_from_db()
    assert project.state == State.SUBMITTED


def test_a_labelled_session_update_with_bad_dates_changes_nothing(client, campaign):
    project, token = complete(campaign, state=State.LABELLED)
    before = project.sessions.get().starts_at
    r = sessions_post(client, token, project, local(20, 12), local(20, 10))
    assert r.status_code == 400
    assert project.sessions.get().starts_at == before


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("state", list(State))
def test_the_space_renders_in_every_state(client, campaign, lang, state):
    _, token = complete(campaign, state=state, decision_reason="Motif")
    response = client.get(f"/{lang}/label/p/{token}/")
    assert response.status_code == 200
    assert 'id="state"' in response.content.decode()


def test_a_broken_sessions_formset_deletes_nothing(client, campaign):
    project, token = complete(campaign)
    for total in ("abc", "", None):
        data = {"venue": "Salle", "commune": "14118", "s-INITIAL_FORMS": "0"}
        if total is not None:
            data["s-TOTAL_FORMS"] = total
        r = client.post(f"/fr/label/p/{token}/step/dates/", data)
        assert r.status_code == 400
        assert project.sessions.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"budget": "1e20", "funding_requested": ""},
        {"budget": "-5", "funding_requested": ""},
        {"budget": "abc"},
        {"budget": "100", "funding_requested": "-1"},
    ],
)
def test_bad_numbers_are_refused(client, draft, data):
    project, token = draft
    assert client.post(f"/fr/label/p/{token}/step/budget/", data).status_code == 400
    project.refresh_from_db()
    assert project.budget is None


@pytest.mark.parametrize(
    "data",
    [
        {"expected_attendance": "99999999999"},
        {"registration_url": "javascript:alert(1)"},
        {"audience": "nobody"},
    ],
)
def test_bad_audience_values_are_refused(client, draft, data):
    _, token = draft
    assert client.post(f"/en/label/p/{token}/step/audience/", data).status_code == 400


def test_a_session_of_another_project_cannot_be_taken_over(client, campaign):
    other, _ = complete(campaign)
    theirs = other.sessions.get()
    project, token = complete(campaign, sessions=0)
    r = dates_post(
        token, [(local(8), local(8, 12))], client=client, extra={"s-0-id": str(theirs.pk)}
    )
    assert r.status_code == 303
    theirs.refresh_from_db()
    assert theirs.project_id == other.pk and other.sessions.count() == 1
    assert project.sessions.count() == 1


def test_get_only_and_post_only_methods(client, campaign):
    _, token = complete(campaign)
    assert client.put(f"/fr/label/p/{token}/").status_code == 405
    assert client.get(f"/fr/label/p/{token}/files/").status_code == 405


@pytest.mark.parametrize(
    ("lang", "words", "subject"),
    [("fr", "Étape 1 sur 6", "Votre candidature"), ("en", "Step 1 of 6", "Your application")],
)
def test_pages_and_emails_speak_the_language_of_the_url(client, campaign, lang, words, subject):
    client.post(f"/{lang}/label/", {"campaign": campaign.pk, "email": "a@b.fr"})
    message = OutboxMessage.objects.get()
    assert message.subject.startswith(subject)
    token = re.search(r"/label/p/([\w-]+)/", message.body).group(1)
    page = client.get(f"/{lang}/label/p/{token}/step/organiser/")
    assert words in page.content.decode()


@pytest.mark.parametrize(
    ("lang", "budget", "funding"), [("fr", "1000,50", "250,10"), ("en", "1000.50", "250.10")]
)
def test_amounts_in_the_language_of_the_page(client, draft, lang, budget, funding):
    project, token = draft
    r = client.post(
        f"/{lang}/label/p/{token}/step/budget/", {"budget": budget, "funding_requested": funding}
    )
    assert r.status_code == 303
    project.refresh_from_db()
    assert str(project.budget) == "1000.50" and str(project.funding_requested) == "250.10"


@pytest.mark.parametrize("typed", ["Bayeux", "Bayeux (14)", "14047"])
def test_the_commune_by_name_label_or_code(client, draft, typed):
    project, token = draft
    r = dates_post(token, [(local(5), local(5, 12))], commune=typed, client=client)
    assert r.status_code == 303
    project.refresh_from_db()
    assert project.commune_id == "14047" and project.departement_id == "14"


def test_the_dates_page_loads_the_autocomplete(client, draft):
    _, token = draft
    html = client.get(f"/fr/label/p/{token}/step/dates/").content.decode()
    assert "commune-autocomplete.js" in html and "data-commune-autocomplete" in html


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("project", {"title": "x" * 201}),
        ("project", {"description": "x" * 5001}),
        ("project", {"kind": "war"}),
        ("project", {"theme": "999999"}),
        ("organiser", {"organiser_type": "robot"}),
        ("organiser", {"organiser_name": "Les\u202eAmis"}),
        ("organiser", {"uai": "0750655F"}),
        ("organiser", {"rna": "W12"}),
    ],
)
def test_each_bad_field_is_a_400_and_not_saved(client, draft, step, data):
    project, token = draft
    before = {k: getattr(project, f"{k}_id" if k == "theme" else k) for k in data}
    r = client.post(f"/fr/label/p/{token}/step/{step}/", data)
    assert r.status_code == 400
    project.refresh_from_db()
    assert {k: getattr(project, f"{k}_id" if k == "theme" else k) for k in data} == before
