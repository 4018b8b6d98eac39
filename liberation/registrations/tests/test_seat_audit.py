"""The seat counters' audit (`manage.py check_seats`) on a counter damaged by hand:
reported with the ceremony and both figures, logged, shown to staff on the ceremony's
admin page; never repaired unless asked, and then under the lock and logged."""

import html
import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from liberation.events.models import RegistrationSettings
from liberation.registrations.seat_audit import seat_mismatches

from .test_settings_admin import register, staff_client


def damage(ceremony, **values) -> None:
    """By hand, as a faulty script or a restored backup would."""
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(**values)


def check_seats(*args) -> str:
    out = io.StringIO()
    call_command("check_seats", *args, stdout=out)
    return out.getvalue()


def test_agreeing_counters_pass_quietly(make_ceremony):
    ceremony = make_ceremony(capacity=5, max_companions=1)
    register(ceremony, 1, companions=1)
    register(ceremony, 2)
    assert seat_mismatches() == []
    assert check_seats() == ""


def test_a_damaged_counter_is_reported_with_both_figures_and_left_alone(make_ceremony, caplog):
    ceremony = make_ceremony(capacity=5, max_companions=1)
    register(ceremony, 1, companions=1)
    damage(ceremony, seats_taken=4)
    out = io.StringIO()
    with caplog.at_level(logging.ERROR), pytest.raises(CommandError, match="1 seat counter"):
        call_command("check_seats", stdout=out)
    line = f'ceremony {ceremony.pk} "{ceremony.name}": counter 4, seats held 2 (capacity 5)'
    assert line in out.getvalue()
    assert line in caplog.text
    ceremony.refresh_from_db()
    assert ceremony.seats_taken == 4  # never repaired silently


def test_repair_recomputes_the_counter_and_logs_it(make_ceremony, caplog):
    ceremony = make_ceremony(capacity=5, max_companions=1)
    other = make_ceremony(capacity=5)
    register(ceremony, 1, companions=1)
    register(other, 2)
    damage(ceremony, seats_taken=0)
    with caplog.at_level(logging.WARNING):
        out = check_seats("--repair")
    assert "repaired: counter 0 -> 2" in out
    assert "Seat counter repaired" in caplog.text and "from 0 to 2" in caplog.text
    ceremony.refresh_from_db()
    other.refresh_from_db()
    assert (ceremony.seats_taken, other.seats_taken) == (2, 1)
    assert check_seats() == ""


def test_an_oversold_counter_is_not_repaired(make_ceremony):
    ceremony = make_ceremony(capacity=3, max_companions=2)
    register(ceremony, 1, companions=2)
    damage(ceremony, seats_taken=0)
    damage(ceremony, capacity=1)  # 3 seats held for 1: no counter is both true and allowed
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_seats", "--repair", stdout=out)
    assert "not repaired" in out.getvalue()
    ceremony.refresh_from_db()
    assert ceremony.seats_taken == 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Seats taken according to the counter: 4; seats held by confirmed registrations "
            "and open offers: 2.",
        ),
        (
            "fr",
            "Places occupées selon le compteur\u00a0: 4\u00a0; places détenues par les "
            "inscriptions confirmées et les offres en cours\u00a0: 2.",
        ),
    ],
)
def test_the_ceremony_admin_page_warns_staff(make_ceremony, django_user_model, language, expected):
    ceremony = make_ceremony(capacity=5, max_companions=1)
    register(ceremony, 1, companions=1)
    client = staff_client(django_user_model, language)
    url = reverse("registrations_ceremonies:detail", args=[ceremony.pk])
    response = client.get(url)
    assert response.status_code == 200 and b'id="seat-mismatch"' not in response.content
    damage(ceremony, seats_taken=4)
    response = client.get(url)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert 'id="seat-mismatch"' in page and expected in page
