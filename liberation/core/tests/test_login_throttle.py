"""Wagtail admin sign-in throttled per account and per address (core/login_throttle.py)."""

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache

from liberation.core import ratelimit

LOGIN = "/admin/login/"

MESSAGES = {
    "fr": "Trop de tentatives de connexion échouées",
    "en": "Too many failed sign-in attempts",
}


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = (3, 900)
    settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = (10, 900)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "e@example.org", "right-pw")


def attempt(client, username, password, lang="en", address="192.0.2.1"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE=lang,
        REMOTE_ADDR=address,
    )


def test_control_the_right_password_signs_in(client, editor):
    response = attempt(client, "editor", "right-pw")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(editor.pk)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_after_the_limit_even_the_right_password_is_refused(client, editor, lang, monkeypatch):
    for _ in range(3):
        assert attempt(client, "editor", "wrong", lang).status_code == 200
    calls = []
    monkeypatch.setattr(
        "django.contrib.auth.forms.authenticate",
        lambda *a, **kw: calls.append(kw) or authenticate(*a, **kw),
    )
    response = attempt(client, "editor", "right-pw", lang)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert MESSAGES[lang] in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert calls == []  # the password was not even checked


def test_unknown_and_known_accounts_are_answered_alike(client, editor):
    answers = {}
    for name in ("editor", "nobody-here"):
        for _ in range(3):
            attempt(client, name, "wrong")
        response = attempt(client, name, "wrong")
        answers[name] = (response.status_code, MESSAGES["en"] in response.content.decode())
    assert answers["editor"] == answers["nobody-here"] == (429, True)


def test_the_window_ends(client, editor, monkeypatch):
    at = 1_000_000 * 900.0
    monkeypatch.setattr(ratelimit, "now", lambda: at)
    for _ in range(3):
        attempt(client, "editor", "wrong")
    assert attempt(client, "editor", "right-pw").status_code == 429
    monkeypatch.setattr(ratelimit, "now", lambda: at + 901)
    assert attempt(client, "editor", "right-pw").status_code == 302


def test_a_success_clears_the_account_count(client, editor):
    for _ in range(2):
        attempt(client, "editor", "wrong")
    assert attempt(client, "editor", "right-pw").status_code == 302
    client.logout()
    for _ in range(2):
        assert attempt(client, "editor", "wrong").status_code == 200
    assert attempt(client, "editor", "right-pw").status_code == 302


def test_per_address_across_accounts(client, editor, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = None
    for n in range(10):
        attempt(client, f"user{n}", "wrong", address="198.51.100.7")
    assert attempt(client, "editor", "right-pw", address="198.51.100.7").status_code == 429
    # Another address is not concerned.
    assert attempt(client, "editor", "right-pw", address="198.51.100.8").status_code == 302


def test_limits_off(client, editor, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = None
    settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = None
    for _ in range(20):
        attempt(client, "editor", "wrong")
    assert attempt(client, "editor", "right-pw").status_code == 302


def test_get_is_never_throttled(client, editor):
    for _ in range(5):
        attempt(client, "editor", "wrong")
    assert client.get(LOGIN).status_code == 200
