"""Retention: identity data and letters erased after the ceremony, on schedule."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from liberation.mail.models import OutboxMessage
from liberation.press import services
from liberation.press.models import Accreditation
from liberation.press.privacy import erase_expired_press_data
from liberation.programme.storage import private_storage

pytestmark = pytest.mark.django_db


def test_erased_after_the_retention_only(make_press, submitted, django_capture_on_commit_callbacks):
    press = make_press(retention_days=30)
    started = submitted(press)
    a = started.accreditation
    letter = a.letter.name
    starts = services.ceremony_starts_at(press)
    assert erase_expired_press_data(now=starts + dt.timedelta(days=29)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert erase_expired_press_data(now=starts + dt.timedelta(days=31)) == 1
    a.refresh_from_db()
    assert a.erased_at and a.given_name == a.surname == a.press_card == ""
    assert a.birth_date is None and not a.letter and a.email.endswith("@erased.invalid")
    assert a.outlet == "Le Monde"  # counts per outlet survive
    assert not private_storage().exists(letter)
    assert services.accreditation_for_token(started.token) is None
    assert not OutboxMessage.objects.filter(source="press").exclude(to="").exists()
    assert erase_expired_press_data(now=starts + dt.timedelta(days=32)) == 0  # idempotent


def test_command(make_press, submitted, capsys):
    press = make_press(starts_in=-40, retention_days=30, deadline_weeks=0)
    Accreditation.objects.create(
        press=press,
        token_hash="h",
        reference="ABCDEFGH",
        secret="s",
        email="x@example.org",
        given_name="A",
        surname="B",
    )
    call_command("erase_press_data")
    assert "1 press accreditation(s) erased" in capsys.readouterr().out
    assert Accreditation.objects.get().given_name == ""
    assert timezone.now()
