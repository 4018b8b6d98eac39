"""Unsubscribing without an account: the link of every message, one-click (RFC 8058),
and the purge of the personal data of unconfirmed and unsubscribed addresses."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from liberation.mail.models import OutboxMessage
from liberation.newsletter import emails, services, tokens
from liberation.newsletter.factories import subscriber_make
from liberation.newsletter.models import Subscriber
from liberation.newsletter.services import Choices

pytestmark = pytest.mark.django_db


def link(subscriber, lang="fr"):
    return (
        emails.unsubscribe_url(subscriber.pk, subscriber.key, lang)
        .split("//", 1)[1]
        .split("/", 1)[1]
    )


@pytest.mark.parametrize(("lang", "text"), [("fr", "Se désabonner"), ("en", "Unsubscribe")])
def test_get_shows_a_button_and_changes_nothing(client, lang, text):
    subscriber = subscriber_make()
    response = client.get("/" + link(subscriber, lang))
    assert response.status_code == 200
    assert f'<button class="fr-btn" type="submit">{text}</button>' in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_one_click_post_without_csrf_unsubscribes_at_once():
    subscriber = subscriber_make()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/" + link(subscriber),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    row = Subscriber.objects.get()
    assert row.status == Subscriber.Status.UNSUBSCRIBED and row.topics == []
    # Again: the same page, no error.
    assert client.post("/" + link(subscriber)).status_code == 200


def test_only_that_endpoint_is_csrf_exempt():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/fr/newsletter/", {"email": "a@example.org", "language": "fr"})
    assert response.status_code == 403


@pytest.mark.parametrize("token", ["1.deadbeef", "zz", "", "1" * 80, "-1.abc", "a.b.c", "sample"])
def test_forged_or_malformed_tokens_are_404(client, token):
    subscriber_make()
    response = client.post(f"/en/newsletter/unsubscribe/{token}x/")
    assert response.status_code == 404
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_another_subscribers_signature_does_not_work(client):
    first = subscriber_make(email="a@example.org")
    second = subscriber_make(email="b@example.org")
    signature = tokens.unsubscribe_token(first.pk, first.key).split(".")[1]
    forged = f"{tokens.int_to_base36(second.pk)}.{signature}"
    assert client.post(f"/fr/newsletter/unsubscribe/{forged}/").status_code == 404
    assert Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).count() == 2


def test_unsubscribing_erases_the_unsent_messages():
    subscriber = subscriber_make()
    emails.send_already(subscriber=subscriber)
    services.subscription_cancel(subscriber_pk=subscriber.pk)
    message = OutboxMessage.objects.get()
    assert message.to == "" and message.headers == {} and message.sent_at is None


def test_the_purge_deletes_expired_and_unsubscribed_addresses_only(deliver):
    now = timezone.now()
    choices = Choices(language="fr", topics=frozenset({"ceremonies"}))
    services.subscription_request(
        email="expired@example.org", choices=choices, now=now - timedelta(days=3)
    )
    services.subscription_request(email="pending@example.org", choices=choices, now=now)
    kept = subscriber_make(email="kept@example.org")
    gone = subscriber_make(email="gone@example.org")
    recent = subscriber_make(email="recent@example.org")
    services.subscription_cancel(subscriber_pk=gone.pk, now=now - timedelta(days=2))
    services.subscription_cancel(subscriber_pk=recent.pk, now=now)
    call_command("newsletter_purge")
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "pending@example.org",
        "kept@example.org",
        "recent@example.org",
    }
    assert not OutboxMessage.objects.filter(to="expired@example.org").exists()
    assert kept.pk
