"""Retention: once a ceremony has ended and its press settings' `retention_days` have
passed, the journalists' identity data and their editors' letters are deleted.

Kept, naming no one: each accreditation's state, outlet, role, pool, dates and its
gate entry (counts per outlet and pool survive). Gone: names, birth data, nationality,
press card number, email address (replaced by an undeliverable one), the letter file,
the link (its hash is replaced), and the address and body of every email about it.
Run by `manage.py erase_press_data` (daily, from cron or the deployment's scheduler).
"""

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from liberation.mail.services import outbox_erase
from liberation.programme.storage import private_storage
from liberation.registrations.selectors import ceremony_ends_at

from . import emails
from .models import Accreditation, PressSettings
from .services import _lock_press, token_hash

ERASED_EMAIL_DOMAIN = "erased.invalid"


def erase_expired_press_data(*, now: datetime) -> int:
    """Erase every accreditation of the ceremonies whose retention has passed;
    returns how many. Idempotent."""
    erased = 0
    pending = PressSettings.objects.filter(accreditations__erased_at__isnull=True).distinct()
    for press in pending.select_related("ceremony"):
        ended = ceremony_ends_at(ceremony=press.ceremony)
        if now - ended > timedelta(days=press.retention_days):
            erased += accreditations_erase(press=press, now=now)
    return erased


def accreditations_erase(*, press: PressSettings, now: datetime) -> int:
    files: list[str] = []
    with transaction.atomic():
        _lock_press(press.pk)
        live = Accreditation.objects.filter(press=press, erased_at__isnull=True)
        files = [name for name in live.values_list("letter", flat=True) if name]
        outbox_erase(source=emails.SOURCE, object_ids=live.values("pk"))
        for accreditation in live.only("pk"):
            # No link opens an erased accreditation (a hash of a token nobody holds).
            Accreditation.objects.filter(pk=accreditation.pk).update(
                token_hash=token_hash(secrets.token_urlsafe(32))
            )
        count = live.update(
            email=Concat(
                Value("erased-"),
                Cast("pk", output_field=CharField()),
                Value(f"@{ERASED_EMAIL_DOMAIN}"),
                output_field=CharField(),
            ),
            given_name="",
            surname="",
            birth_date=None,
            birth_place="",
            nationality="",
            press_card="",
            letter="",
            letter_name="",
            outlet_slot=None,
            erased_at=now,
        )
        storage = private_storage()
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return count
