"""The campaigns in the Wagtail admin: write, preview, test send, send."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from liberation.newsletter.factories import campaign_make, subscriber_make
from liberation.newsletter.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    group = Group.objects.create(name="Newsletter")
    group.permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", "add_campaign", "change_campaign", "view_campaign"]
        )
    )
    user = User.objects.create_user("redac", "redac@example.org", "x")
    user.groups.add(group)
    client.force_login(user)
    return user


def test_an_editor_writes_a_campaign(client, editor):
    assert client.get("/admin/newsletter/campaigns/").status_code == 200
    response = client.post(
        "/admin/newsletter/campaigns/new/",
        {
            "title": "Lettre de juin",
            "topic": "ceremonies",
            "departement": "",
            "subject_fr": "Juin 1944",
            "body_fr": "Texte",
            "subject_en": "June 1944",
            "body_en": "Text",
        },
    )
    assert response.status_code == 302
    assert Campaign.objects.get().status == Campaign.Status.DRAFT


def test_preview_test_send_and_send(client, editor, deliver, django_capture_on_commit_callbacks):
    subscriber_make(email="a@example.org")
    campaign = campaign_make()
    url = f"/admin/newsletter/campaigns/{campaign.pk}/preview/"
    page = client.get(url).content.decode()
    assert "Le 8 mai, les cérémonies" in page and "On 8 May, the national" in page
    client.post(url, {"action": "test"})
    tests = deliver()
    assert [m.to for m in tests] == [["redac@example.org"]] * 2
    assert tests[0].subject == "[Test] Les cérémonies du 8 mai"
    # Without the confirmation box: nothing.
    client.post(url, {"action": "send"})
    assert Campaign.objects.get().status == Campaign.Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "send", "confirm": "yes"})
    assert Campaign.objects.get().status == Campaign.Status.SENT
    assert [m.to for m in deliver()][2:] == [["a@example.org"]]
    # Sent: no second send, no edit.
    client.post(url, {"action": "send", "confirm": "yes"})
    assert len(deliver()) == 3
    response = client.post(
        f"/admin/newsletter/campaigns/edit/{campaign.pk}/",
        {
            "title": "x",
            "topic": "ceremonies",
            "subject_fr": "x",
            "body_fr": "x",
            "subject_en": "x",
            "body_en": "x",
        },
    )
    assert response.status_code == 200
    assert Campaign.objects.get().title == "Lettre de mai"


def test_without_the_permission_404(client):
    user = User.objects.create_user("other", "o@example.org", "x")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    campaign = campaign_make()
    url = f"/admin/newsletter/campaigns/{campaign.pk}/preview/"
    # The view's 404 (LocaleMiddleware then tries /fr/admin/…, a 404 too).
    assert client.get(url, follow=True).status_code == 404
    assert client.post(url, {"action": "send", "confirm": "yes"}, follow=True).status_code == 404
    assert Campaign.objects.get().status == Campaign.Status.DRAFT
