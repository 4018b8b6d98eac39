"""The seat rule is stated once (seats.py), in two forms: the Python checks the locked
path makes on a row it read under the lock, and the SQL condition of the fast paths'
conditional UPDATE. Both must answer the same on every case."""

import datetime as dt
import itertools

from django.db import connection, transaction
from django.utils import timezone

from liberation.events.models import RegistrationSettings
from liberation.registrations.seats import (
    first_come_full,
    form_settings,
    request_refusal,
    seat_update_sql,
    seats_fit,
)

HOUR = dt.timedelta(hours=1)


def test_the_sql_and_python_forms_of_the_rule_agree(make_ceremony):
    ceremony = make_ceremony(capacity=3, max_companions=2)
    rows = RegistrationSettings.objects.filter(pk=ceremony.pk)
    now = timezone.now()
    windows = {
        "open": (now - HOUR, now + HOUR),
        "not_open": (now + HOUR, now + 2 * HOUR),
        "closed": (now - 2 * HOUR, now - HOUR),
    }
    agreed = {True: 0, False: 0}
    for taken, seats, companions, window, changed in itertools.product(
        (0, 2, 3), (1, 2), (0, 2, 3), windows, (False, True)
    ):
        opens_at, closes_at = windows[window]
        rows.update(seats_taken=taken, opens_at=opens_at, closes_at=closes_at, ask_birth_date=False)
        checked = rows.get()  # what the request was validated against
        if changed:
            rows.update(ask_birth_date=True)
        row = rows.get()  # the row as it is when the seats are taken
        refusal = request_refusal(
            ceremony=row, asked=form_settings(checked), companions=companions, now=now
        )
        python = refusal is None and seats_fit(row, seats)
        sql, params = seat_update_sql(ceremony=checked, seats=seats, companions=companions, now=now)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                matched = cursor.rowcount == 1
            transaction.set_rollback(True)
        case = (taken, seats, companions, window, changed)
        assert matched == python, case
        agreed[python] += 1
    assert agreed[True] and agreed[False]  # both answers were seen


def test_full_is_decided_by_the_rule_not_by_the_view(make_ceremony):
    ceremony = make_ceremony(capacity=1)
    assert not first_come_full(ceremony=ceremony)
    assert first_come_full(ceremony=ceremony, seats_left=0)  # a cached figure
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(seats_taken=1)
    ceremony.refresh_from_db()
    assert first_come_full(ceremony=ceremony)
    ceremony.mode = RegistrationSettings.Mode.DRAW
    assert not first_come_full(ceremony=ceremony)  # applications hold no seats
