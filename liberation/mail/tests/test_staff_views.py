"""Emails that did not go out, as staff see them: a panel on the admin's home page, the
list, sending again; only for users with the outbox permission."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from liberation.mail.models import IN_DOUBT, MAX_ATTEMPTS, OutboxMessage


def staff(username, *, language="fr", allowed=True):
    user = User.objects.create_user(username, password="x")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    if allowed:
        user.user_permissions.add(
            Permission.objects.get(codename="change_outboxmessage", content_type__app_label="mail")
        )
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def undelivered(write):
    given_up = write(1)
    OutboxMessage.objects.filter(pk=given_up.pk).update(
        attempts=MAX_ATTEMPTS, last_error="Given up after 12 attempts: refused"
    )
    in_doubt = write(2)
    OutboxMessage.objects.filter(pk=in_doubt.pk).update(
        attempts=1, claimed_at="2026-05-08T10:00:00Z", last_error=f"{IN_DOUBT}: lost"
    )
    write(3)  # waiting its turn: not shown
    return given_up, in_doubt


@pytest.mark.parametrize(
    ("language", "panel", "one"),
    [
        ("fr", "Courriels non remis", "1 courriel abandonné après toutes les tentatives."),
        ("en", "Emails not delivered", "1 email given up after every attempt."),
    ],
)
def test_home_page_panel_counts_what_did_not_go_out(undelivered, language, panel, one):
    home = staff("chef", language=language).get(reverse("wagtailadmin_home")).content.decode()
    assert panel in home and one in home
    assert reverse("mail_undelivered") in home


def test_nothing_shown_without_the_permission(undelivered):
    client = staff("autre", allowed=False)
    assert "mail/undelivered" not in client.get(reverse("wagtailadmin_home")).content.decode()
    # Wagtail's admin answers a refusal with a redirect to its home page and a message.
    for response in (
        client.get(reverse("mail_undelivered")),
        client.post(reverse("mail_undelivered"), {"all": "failed"}),
    ):
        assert (response.status_code, response.url) == (302, reverse("wagtailadmin_home"))
    assert OutboxMessage.objects.get(pk=undelivered[0].pk).attempts == MAX_ATTEMPTS


def test_no_panel_when_everything_went_out(write):
    write(1)
    home = staff("chef").get(reverse("wagtailadmin_home")).content.decode()
    assert "mail/undelivered" not in home


def test_list_and_send_again(undelivered):
    given_up, in_doubt = undelivered
    client = staff("chef")
    page = client.get(reverse("mail_undelivered")).content.decode()
    assert "p1@example.org" in page and "p2@example.org" in page
    assert "p3@example.org" not in page

    response = client.post(reverse("mail_undelivered"), {"all": "failed"}, follow=True)
    assert "1 courriel sera renvoyé." in response.content.decode()
    given_up.refresh_from_db()
    assert (given_up.attempts, given_up.last_error) == (0, "")  # the worker sends it (locmem)

    response = client.post(reverse("mail_undelivered"), {"message": in_doubt.pk}, follow=True)
    in_doubt.refresh_from_db()
    assert in_doubt.claimed_at is None


@pytest.mark.parametrize("value", ["", "abc", "9" * 5000, "-1", "9223372036854775808"])
def test_a_bad_choice_is_a_message_not_an_error(undelivered, value):
    response = staff("chef").post(reverse("mail_undelivered"), {"message": value}, follow=True)
    assert response.status_code == 200
    assert "Choisissez un courriel à renvoyer." in response.content.decode()
