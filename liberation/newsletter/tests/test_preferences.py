"""Changing topics and language from the link of every message, without an account."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from liberation.newsletter import emails, services, tokens
from liberation.newsletter.factories import subscriber_make
from liberation.newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def path(subscriber, lang="fr"):
    url = emails.preferences_url(subscriber.pk, subscriber.key, lang)
    return "/" + url.split("//", 1)[1].split("/", 1)[1]


@pytest.mark.parametrize(
    ("lang", "heading", "button"),
    [
        ("fr", "Vos choix de lettre d’information", "Enregistrer mes choix"),
        ("en", "Your newsletter choices", "Save my choices"),
    ],
)
def test_the_page_shows_the_current_choices(client, lang, heading, button):
    subscriber = subscriber_make(language="en")
    response = client.get(path(subscriber, lang))
    html = response.content.decode()
    assert response.status_code == 200
    assert heading in html and button in html
    soup = BeautifulSoup(html, "html5lib")
    assert soup.find("input", {"name": "ceremonies"}).has_attr("checked")
    assert not soup.find("input", {"name": "dossiers"}).has_attr("checked")
    assert soup.find("input", {"name": "language", "value": "en"}).has_attr("checked")
    assert response["Cache-Control"].startswith("private")


def test_saving_changes_topics_language_and_departement(client, calvados):
    subscriber = subscriber_make(language="fr")
    response = client.post(
        path(subscriber, "en"),
        {"language": "en", "agenda": "on", "dossiers": "on", "departement": calvados.pk},
    )
    assert response.status_code == 303
    assert response["Location"].endswith("?saved=1")
    row = Subscriber.objects.get()
    assert (row.language, row.topics, row.departement) == ("en", ["agenda", "dossiers"], calvados)
    assert row.status == Subscriber.Status.CONFIRMED
    page = client.get(response["Location"]).content.decode()
    assert "Your choices are saved" in page


@pytest.mark.parametrize(
    ("lang", "data", "message"),
    [
        ("fr", {"language": "fr"}, "Choisissez au moins un thème."),
        ("en", {"language": "en"}, "Choose at least one topic."),
        ("en", {"language": "en", "agenda": "on"}, "Choose your département to receive its"),
        ("en", {"language": "xx", "dossiers": "on"}, "Select a valid choice"),
        ("en", {"language": "en", "agenda": "on", "departement": "999999"}, "from the list"),
    ],
)
def test_bad_choices_are_refused_and_nothing_changes(client, lang, data, message):
    subscriber = subscriber_make(language="fr")
    response = client.post(path(subscriber, lang), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    row = Subscriber.objects.get()
    assert (row.language, row.topics) == ("fr", ["ceremonies"])


@pytest.mark.parametrize("token", ["1.deadbeef", "zz", "sample", "a.b.c"])
def test_bad_links_are_404_and_change_nothing(client, token):
    subscriber_make()
    assert client.get(f"/en/newsletter/preferences/{token}/").status_code == 404
    response = client.post(f"/en/newsletter/preferences/{token}/", {"language": "en"})
    assert response.status_code == 404
    assert Subscriber.objects.get().topics == ["ceremonies"]


def test_another_subscribers_signature_is_404(client):
    first = subscriber_make(email="a@example.org")
    second = subscriber_make(email="b@example.org")
    signature = tokens.unsubscribe_token(first.pk, first.key).split(".")[1]
    forged = f"{tokens.int_to_base36(second.pk)}.{signature}"
    response = client.post(
        f"/fr/newsletter/preferences/{forged}/", {"language": "en", "dossiers": "on"}
    )
    assert response.status_code == 404
    assert Subscriber.objects.get(pk=second.pk).topics == ["ceremonies"]


def test_an_unsubscribed_address_cannot_be_changed_back(client):
    subscriber = subscriber_make()
    services.subscription_cancel(subscriber_pk=subscriber.pk)
    response = client.post(path(subscriber, "en"), {"language": "en", "dossiers": "on"})
    assert response.status_code == 200
    assert "unsubscribed" in response.content.decode().lower()
    row = Subscriber.objects.get()
    assert row.status == Subscriber.Status.UNSUBSCRIBED and row.topics == []


def test_the_form_needs_its_csrf_token():
    subscriber = subscriber_make()
    client = Client(enforce_csrf_checks=True)
    assert client.post(path(subscriber), {"language": "en", "dossiers": "on"}).status_code == 403


def test_every_message_links_to_the_choices(deliver):
    subscriber = subscriber_make(language="en")
    emails.send_already(subscriber=subscriber)
    (message,) = deliver()
    assert emails.preferences_url(subscriber.pk, subscriber.key, "en") in message.body
    assert "To change your topics or language:" in message.body
