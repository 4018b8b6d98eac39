"""The "Label programme" pages of the Wagtail admin: scope (another département's URL
answers 404), dashboard and its CSV, list filters, detail, actions through the forms,
campaigns for national staff only; pages rendered in French and English."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from liberation.mail.models import OutboxMessage
from liberation.programme import review_emails
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import Attachment, AuditEntry, Note

from .review_fixtures import *  # noqa: F403
from .review_fixtures import State, as_language, login

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"programme_review:{name}", args=args)


def status(response) -> int:
    """The final status of a request made with follow=True: a 404 under /admin/ is first
    redirected to /fr/admin/… by the locale middleware, which then answers 404 too."""
    assert response.redirect_chain == [] or response.redirect_chain[-1][0].startswith("/fr/")
    return response.status_code


def fetch(client, method, address, data=None) -> int:
    return status(getattr(client, method)(address, data or {}, follow=True))


def project_urls(project):
    return [
        ("get", url("project", project.pk)),
        ("post", url("take", project.pk)),
        ("post", url("assign", project.pk)),
        ("post", url("note", project.pk)),
        ("post", url("decide", project.pk)),
        ("post", url("opinion", project.pk)),
    ]


# --- Scope ----------------------------------------------------------------------------


def test_another_departements_project_is_404_for_every_url(project_50, project_14, manche):
    client = login(manche)
    assert client.get(url("project", project_50.pk)).status_code == 200
    for method, address in project_urls(project_14):
        assert fetch(client, method, address, {"text": "x", "decision": "labelled"}) == 404
    attachment = Attachment.objects.create(
        project=project_14,
        file="programme/x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=3,
    )
    assert fetch(client, "get", url("attachment", project_14.pk, attachment.pk)) == 404
    # a GET on an action URL: 404 too (not 405, which would confirm the project exists)
    assert fetch(client, "get", url("decide", project_14.pk)) == 404
    assert client.get(url("decide", project_50.pk)).status_code == 405
    # and nothing happened to it
    project_14.refresh_from_db()
    assert project_14.state == State.SUBMITTED
    assert not Note.objects.filter(project=project_14).exists()
    assert not AuditEntry.objects.filter(project=project_14).exists()


def test_another_departement_in_the_list_filter_is_404(project_14, manche):
    client = login(manche)
    assert fetch(client, "get", url("projects"), {"departement": "14"}) == 404
    assert client.get(url("projects"), {"departement": "50"}).status_code == 200


def test_the_list_shows_only_the_scope(project_50, project_14, manche, national):
    response = login(manche).get(url("projects"))
    assert [p.pk for p in response.context["projects"]] == [project_50.pk]
    response = login(national).get(url("projects"))
    assert {p.pk for p in response.context["projects"]} == {project_50.pk, project_14.pk}


def test_a_user_without_scope_has_no_menu_and_no_page(project_50, outsider):
    client = login(outsider)
    home = client.get(reverse("wagtailadmin_home"))
    assert home.status_code == 200
    assert url("dashboard") not in home.content.decode()
    for address in (url("dashboard"), url("projects"), url("dashboard_csv")):
        assert fetch(client, "get", address) == 404
    for method, address in project_urls(project_50):
        assert fetch(client, method, address) == 404


def test_anonymous_users_go_to_the_login_page(project_50, client):
    response = client.get(url("dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_menu_shows_to_reviewers(manche):
    home = login(manche).get(reverse("wagtailadmin_home"))
    assert url("dashboard") in home.content.decode()


# --- Dashboard and CSV ----------------------------------------------------------------


@pytest.fixture
def spread(campaign, communes):
    for commune, state in [
        ("50129", State.SUBMITTED),
        ("50129", State.SUBMITTED),
        ("50129", State.LABELLED),
        ("14118", State.REFUSED),
        ("14047", State.UNDER_REVIEW),
        ("75056", State.DRAFT),  # never counted
    ]:
        project_make(campaign=campaign, commune=communes[commune], state=state)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_dashboard_counts_for_national_staff(
    spread, national, language, django_assert_max_num_queries
):
    as_language(national, language)
    client = login(national)
    response = client.get(url("dashboard"))
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["rows"]}
    assert set(rows) == {"50", "14"}
    assert rows["50"].counts[State.SUBMITTED] == 2 and rows["50"].counts[State.LABELLED] == 1
    assert rows["14"].total == 2
    assert response.context["total"] == 5
    html = response.content.decode()
    assert ("Labellisé" if language == "fr" else "Labelled") in html
    assert "departement=50&amp;state=submitted" in html


def test_dashboard_for_a_departement_reviewer(spread, calvados):
    response = login(calvados).get(url("dashboard"))
    assert [row.code for row in response.context["rows"]] == ["14"]


def test_dashboard_counts_in_one_group_by_query(spread, national):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liberation.programme.review_selectors import dashboard_counts

    national._programme_scope = None
    del national._programme_scope
    dashboard_counts(user=national)  # scope read once and cached on the user
    with CaptureQueriesContext(connection) as queries:
        dashboard_counts(user=national)
    group_by = [q["sql"] for q in queries if "GROUP BY" in q["sql"]]
    assert len(group_by) == 1 and "JOIN" not in group_by[0]
    assert len(queries) == 2  # and the names of the départements


def test_dashboard_csv(spread, communes, campaign, national):
    project_make(campaign=campaign, commune=communes["44184"], state=State.SUBMITTED)
    from liberation.places.models import Departement

    Departement.objects.filter(code="44").update(name="=HYPERLINK(1)")
    response = login(national).get(url("dashboard_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["Département code", "Département", "Submitted"]
    assert rows[0][-1] == "Total"
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["50"][1] == "Manche" and by_code["50"][2] == "2" and by_code["50"][-1] == "3"
    assert by_code["44"][1] == "'=HYPERLINK(1)"  # not a formula in a spreadsheet


def test_dashboard_csv_is_limited_to_the_scope(spread, manche):
    text = login(manche).get(url("dashboard_csv")).content.decode()
    codes = [row[0] for row in csv.reader(io.StringIO(text[1:]))][1:]
    assert codes == ["50"]


# --- List and detail ------------------------------------------------------------------


def test_list_filters(spread, campaign, communes, national):
    client = login(national)
    other = campaign_make(name="Vague 2")
    project_make(campaign=other, commune=communes["50129"], state=State.SUBMITTED)
    response = client.get(url("projects"), {"departement": "50", "state": "submitted"})
    assert len(response.context["projects"]) == 3
    html = response.content.decode()
    assert '<option value="50" selected>' in html
    assert '<option value="submitted" selected>' in html
    response = client.get(url("projects"), {"campaign": other.pk})
    assert len(response.context["projects"]) == 1
    mine, _ = project_make(
        campaign=campaign, commune=communes["14118"], state=State.UNDER_REVIEW, reviewer=national
    )
    response = client.get(url("projects"), {"mine": "on"})
    assert [p.pk for p in response.context["projects"]] == [mine.pk]


def test_list_search_matches_every_word_within_the_scope(campaign, communes, national, manche):
    concert, _ = project_make(
        campaign=campaign, commune=communes["50129"], title="Concert de la Libération"
    )
    bal, _ = project_make(
        campaign=campaign,
        commune=communes["50129"],
        title="Bal populaire",
        title_en="Liberation dance",
        organiser_name="Comité des fêtes",
    )
    caen, _ = project_make(campaign=campaign, commune=communes["14118"], title="Concert à Caen")
    client = login(national)

    def found(q, who=client):
        return {p.pk for p in who.get(url("projects"), {"q": q}).context["projects"]}

    assert found("concert") == {concert.pk, caen.pk}
    assert found("CONCERT caen") == {caen.pk}
    assert found("dance") == {bal.pk}
    assert found("comité") == {bal.pk}
    assert found("Cherbourg") == {concert.pk, bal.pk}
    assert found(bal.public_id) == {bal.pk}
    assert found("nothing-like-it") == set()
    # The Manche reviewer's search stays inside the Manche.
    assert found("concert", login(manche)) == {concert.pk}
    assert 'name="q"' in client.get(url("projects"), {"q": "bal"}).content.decode()


def test_list_is_paginated(campaign, communes, national):
    for _ in range(55):
        project_make(campaign=campaign, commune=communes["50129"], sessions=0)
    client = login(national)
    first = client.get(url("projects"))
    assert len(first.context["projects"]) == 50 and first.context["page_obj"].has_next()
    second = client.get(url("projects"), {"p": 2})
    assert len(second.context["projects"]) == 5
    assert client.get(url("projects"), {"p": "zzz"}).status_code == 200


@pytest.mark.parametrize("language", ["fr", "en"])
def test_detail_shows_fields_sessions_attachments_notes_and_audit(project_50, manche, language):
    as_language(manche, language)
    Note.objects.create(project=project_50, author=manche, text="Note privée 42")
    Attachment.objects.create(
        project=project_50,
        file="programme/plan.pdf",
        original_name="plan.pdf",
        content_type="application/pdf",
        size=1234,
    )
    AuditEntry.objects.create(project=project_50, action="submitted", by_organiser=True)
    response = login(manche).get(url("project", project_50.pk))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        project_50.title.replace("«", "&laquo;"),
        project_50.contact_email,
        "Note privée 42",
        "plan.pdf",
        "Salle des fêtes".replace("ê", "ê"),
    ):
        assert text in html or text.replace("&laquo;", "«") in html
    assert ("Prendre ce dossier" if language == "fr" else "Take this application") in html


def test_attachment_download(project_50, manche):
    attachment = Attachment(
        project=project_50, original_name="plan.pdf", content_type="application/pdf", size=13
    )
    attachment.file.save("plan.pdf", ContentFile(b"%PDF-1.4 test"))
    response = login(manche).get(url("attachment", project_50.pk, attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in response["Content-Disposition"]
    assert fetch(login(manche), "get", url("attachment", project_50.pk, 9999)) == 404


# --- Actions through the forms --------------------------------------------------------


def test_take_then_decide_through_the_forms(project_50, manche):
    client = login(manche)
    response = client.post(url("take", project_50.pk))
    assert response.status_code == 302
    project_50.refresh_from_db()
    assert project_50.state == State.UNDER_REVIEW
    form = {"decision": "labelled", "reason": "", "expected_state": "under_review"}
    assert client.post(url("decide", project_50.pk), form).status_code == 302
    project_50.refresh_from_db()
    assert project_50.state == State.LABELLED
    # The same form again (double click, back button): a clear message, no second email.
    response = client.post(url("decide", project_50.pk), form)
    assert response.status_code == 409
    assert "already been decided" in response.content.decode()
    assert OutboxMessage.objects.filter(source=review_emails.SOURCE).count() == 1


def test_refusal_without_reason_is_a_400_with_a_message(project_50, manche):
    client = login(manche)
    client.post(url("take", project_50.pk))
    response = client.post(
        url("decide", project_50.pk),
        {"decision": "refused", "reason": " ", "expected_state": "under_review"},
    )
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    project_50.refresh_from_db()
    assert project_50.state == State.UNDER_REVIEW


def test_bad_decision_value_is_a_400(project_50, manche):
    client = login(manche)
    client.post(url("take", project_50.pk))
    response = client.post(url("decide", project_50.pk), {"decision": "withdrawn"})
    assert response.status_code == 400


def test_note_and_assign_through_the_forms(project_50, manche, national, calvados):
    client = login(national)
    assert client.post(url("note", project_50.pk), {"text": "À vérifier"}).status_code == 302
    assert Note.objects.get(project=project_50).text == "À vérifier"
    assert client.post(url("note", project_50.pk), {"text": ""}).status_code == 400
    assert client.post(url("assign", project_50.pk), {"reviewer": manche.pk}).status_code == 302
    project_50.refresh_from_db()
    assert project_50.reviewer == manche
    # a reviewer of another département is not a choice
    assert client.post(url("assign", project_50.pk), {"reviewer": calvados.pk}).status_code == 400


def test_national_decision_through_the_forms(national_campaign, communes, manche, national):
    project, _ = project_make(
        campaign=national_campaign, commune=communes["50129"], state=State.UNDER_REVIEW
    )
    page = login(manche).get(url("project", project.pk))
    assert page.context["opinion_form"] is not None and page.context["decision_form"] is None
    response = login(manche).post(
        url("decide", project.pk),
        {"decision": "labelled", "expected_state": "under_review"},
    )
    assert response.status_code == 400
    response = login(manche).post(
        url("opinion", project.pk),
        {"opinion": "unfavourable", "reason": "Hors période", "expected_state": "under_review"},
    )
    assert response.status_code == 302
    page = login(national).get(url("project", project.pk))
    assert page.context["decision_form"] is not None
    response = login(national).post(
        url("decide", project.pk),
        {"decision": "refused", "reason": "Avis suivi", "expected_state": "opinion_given"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == State.REFUSED and project.decision_reason == "Avis suivi"


# --- Campaigns ------------------------------------------------------------------------


def _with_campaign_perms(user):
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="programme", codename__endswith="campaign"
        )
    )
    return user


@pytest.mark.parametrize("language", ["fr", "en"])
def test_national_staff_manage_campaigns(national, campaign, language):
    as_language(_with_campaign_perms(national), language)
    client = login(national)
    assert client.get(reverse("programme_campaigns:index")).status_code == 200
    assert client.get(reverse("programme_campaigns:edit", args=[campaign.pk])).status_code == 200
    response = client.post(
        reverse("programme_campaigns:add"),
        {
            "name": "Vague 3",
            "departements": ["50", "14"],
            "opens_at": "2026-01-01 09:00",
            "closes_at": "2026-03-01 18:00",
            "events_from": "2026-03-01",
            "events_until": "2026-12-31",
        },
    )
    assert response.status_code == 302
    from liberation.programme.models import Campaign

    created = Campaign.objects.get(name="Vague 3")
    assert set(created.departements.values_list("code", flat=True)) == {"50", "14"}


def test_closing_before_opening_is_refused(national):
    _with_campaign_perms(national)
    from liberation.programme.models import Campaign

    response = login(national).post(
        reverse("programme_campaigns:add"),
        {
            "name": "Vague à l'envers",
            "opens_at": "2026-03-01 09:00",
            "closes_at": "2026-01-01 18:00",
            "events_from": "2026-03-01",
            "events_until": "2026-12-31",
        },
    )
    assert response.status_code == 200
    assert not Campaign.objects.filter(name="Vague à l'envers").exists()


def test_departement_reviewers_cannot_manage_campaigns_even_with_the_permission(manche, campaign):
    client = login(_with_campaign_perms(manche))
    assert client.get(reverse("programme_campaigns:index")).status_code in (302, 403)
    assert client.get(reverse("programme_campaigns:edit", args=[campaign.pk])).status_code in (
        302,
        403,
    )


def test_a_superuser_sees_everything(project_50, project_14, django_user_model):
    chief = as_language(
        django_user_model.objects.create_superuser("chief", "chief@example.org", "pw"), "en"
    )
    client = login(chief)
    assert client.get(url("project", project_14.pk)).status_code == 200
    assert client.get(reverse("programme_campaigns:index")).status_code == 200
