"""Subscribing with an email only, double opt-in, and the abuse the form must survive."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from liberation.newsletter import services
from liberation.newsletter.models import Subscriber
from liberation.newsletter.services import Choices, Requested

pytestmark = pytest.mark.django_db

SUBSCRIBE = {"fr": "/fr/newsletter/", "en": "/en/newsletter/"}


def post(client, lang="fr", **data):
    values = {"email": "lecteur@example.org", "language": lang, "ceremonies": "on"}
    values.update(data)
    return client.post(SUBSCRIBE[lang], {k: v for k, v in values.items() if v is not None})


def confirm_link(body: str, lang: str) -> str:
    return re.search(rf"https?://[^/]+(/{lang}/newsletter/confirm/[\w-]+/)", body).group(1)


@pytest.mark.parametrize(
    ("lang", "title", "button"),
    [
        ("fr", "S’abonner à la lettre d’information", "S’abonner"),
        ("en", "Subscribe to the newsletter", "Subscribe"),
    ],
)
def test_the_form_in_both_languages(client, lang, title, button):
    response = client.get(SUBSCRIBE[lang])
    assert response.status_code == 200
    text = response.content.decode()
    assert title in text and f">{button}</button>" in text
    assert 'name="homepage"' in text and 'tabindex="-1"' in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_subscribe_confirm_double_opt_in(client, calvados, lang, deliver):
    response = post(client, lang, agenda="on", departement=calvados.pk)
    assert response.status_code == 303 and response["Location"] == f"/{lang}/newsletter/sent/"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.topics == ["ceremonies", "agenda"] and subscriber.departement == calvados
    assert subscriber.language == lang
    (message,) = deliver()
    link = confirm_link(message.body, lang)
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only the hash of the token is stored.
    assert token not in str(Subscriber.objects.values().get())
    # The link shows a button (a mail scanner following it confirms nothing).
    page = client.get(link)
    assert page.status_code == 200 and 'id="confirm-form"' in page.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    done = client.post(link)
    assert done.status_code == 200 and 'id="confirmed"' in done.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED
    # Again: still confirmed, no error.
    assert client.post(link).status_code == 200


def test_the_link_expires(client, deliver):
    post(client)
    link = confirm_link(deliver()[0].body, "fr")
    Subscriber.objects.update(confirm_expires_at=timezone.now() - timedelta(seconds=1))
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert "Ce lien a expiré" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


@pytest.mark.parametrize("token", ["x" * 43, "abc", "x" * 500])
def test_unknown_or_tampered_confirmation_link(client, token):
    post(client)
    response = client.post(f"/en/newsletter/confirm/{token}/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_the_email_says_when_the_link_expires(client, deliver):
    post(client, "en")
    body = deliver()[0].body
    assert "The link works until" in body and "(Paris time)" in body


def test_same_address_100_times_one_email_and_the_same_answer(client, settings, deliver):
    settings.REGISTRATION_EMAIL_RATE_LIMIT = None  # the mail window alone
    answers = {post(client, email="Lecteur@Example.org ").status_code for _ in range(100)}
    assert answers == {303}
    assert len(deliver()) == 1
    assert Subscriber.objects.count() == 1


def test_one_email_per_window_then_a_new_link(client, deliver):
    now = timezone.now()
    choices = Choices(language="fr", topics=frozenset({"ceremonies"}))
    first = services.subscription_request(email="a@example.org", choices=choices, now=now)
    again = services.subscription_request(
        email="a@example.org", choices=choices, now=now + timedelta(minutes=14)
    )
    later = services.subscription_request(
        email="a@example.org", choices=choices, now=now + timedelta(minutes=16)
    )
    assert (first, again, later) == (
        Requested.CONFIRM_SENT,
        Requested.CONFIRM_HELD,
        Requested.CONFIRM_SENT,
    )
    assert len(deliver()) == 2
    # The newer link replaces the older one.
    older, newer = (confirm_link(m.body, "fr") for m in deliver())
    assert client.post(older).status_code == 404
    assert client.post(newer).status_code == 200


def test_the_rate_limit_answers_429(client, settings):
    settings.REGISTRATION_EMAIL_RATE_LIMIT = (5, 60)
    codes = [post(client).status_code for _ in range(7)]
    assert codes[:5] == [303] * 5 and codes[5:] == [429, 429]
    response = post(client)
    assert response["Retry-After"] and "Trop de tentatives" in response.content.decode()


def test_a_confirmed_address_is_never_revealed(client, deliver):
    from liberation.newsletter.factories import subscriber_make

    subscriber_make(email="lecteur@example.org")
    response = post(client)
    assert response.status_code == 303 and response["Location"] == "/fr/newsletter/sent/"
    # Its owner is told, with a way out; the page said nothing.
    (message,) = deliver()
    assert "déjà abonnée" in message.body and "/fr/newsletter/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    post(client)
    assert len(deliver()) == 1


def test_a_bot_filling_every_field(client, calvados, deliver):
    response = post(
        client, "en", homepage="http://spam.example", agenda="on", departement=calvados.pk
    )
    assert response.status_code == 400
    assert "a field that must stay empty was filled in" in response.content.decode()
    assert not Subscriber.objects.exists() and deliver() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Saisissez votre adresse électronique."),
        (
            {"email": "pas-une-adresse"},
            "Saisissez une adresse électronique au format nom@exemple.fr.",
        ),
        ({"email": "a@" + "b" * 300 + ".org"}, "adresse"),
        ({"ceremonies": None}, "Choisissez au moins un thème."),
        ({"agenda": "on"}, "Choisissez votre département pour recevoir son agenda."),
        ({"agenda": "on", "departement": "99"}, "Choisissez un département dans la liste."),
        ({"language": "de"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_is_a_400_with_a_french_message(client, calvados, data, message, deliver):
    response = post(client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscriber.objects.exists() and deliver() == []


def test_bad_input_in_english(client):
    response = post(client, "en", ceremonies=None)
    assert response.status_code == 400
    assert "Choose at least one topic." in response.content.decode()
