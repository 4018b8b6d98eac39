"""Personal data of registrants: erased once the retention period after the ceremony
has passed, and exported on request from the private management link.

Erasure keeps what the organisers may keep without identifying anyone: each
registration row with its status, seats, language, dates, screening outcome and
check-in, so that counts per state survive. Names, email address, birth data,
nationality, the identity key, companions, and the address, body and errors of every
email are gone. The management link stops working (the secret is blanked and
`registration_for_token` ignores erased rows).

Apps standing on registrations say what they keep about registrants through
`extensions.PersonalData`: their section of the export, and what they erase, in the
erasure's transaction. The gate adds the check-in to the export and keeps it at erasure
(time and gate only, about a registration that no longer names anyone).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from liberation.events.models import RegistrationSettings
from liberation.events.selectors import ceremony_page
from liberation.mail.services import outbox_erase

from . import emails, extensions
from .models import AuditLog, Companion, Registration
from .selectors import ceremonies_with_personal_data, ceremony_ends_at

ERASED_EMAIL_DOMAIN = "erased.invalid"  # RFC 2606: can never be delivered


def erase_expired_personal_data(*, now: datetime) -> int:
    """Erase the registrants' identity data of every ceremony that ended more than its
    `retention_days` ago; returns how many registrations were erased. Idempotent."""
    erased = 0
    for ceremony in ceremonies_with_personal_data():
        ended = ceremony_ends_at(ceremony=ceremony)
        if now - ended > timedelta(days=ceremony.retention_days):
            erased += registrations_erase(ceremony=ceremony, now=now)
    return erased


def registrations_erase(*, ceremony: RegistrationSettings, now: datetime) -> int:
    """Erase the personal data of every registration of one ceremony, now."""
    with transaction.atomic():
        # The same lock as the registration services: no change can interleave, and two
        # concurrent erasures run one after the other (the second finds nothing).
        RegistrationSettings.objects.select_for_update().get(pk=ceremony.pk)
        live = Registration.objects.filter(ceremony=ceremony, erased_at__isnull=True)
        of_live = {"registration__ceremony": ceremony, "registration__erased_at__isnull": True}
        for data in extensions.personal_data():  # other apps' part, before ours is gone
            if data.erase is not None:
                data.erase(registrations=live, now=now)
        Companion.objects.filter(**of_live).delete()
        # Address, body and errors blanked; an unsent one is never delivered now.
        outbox_erase(source=emails.SOURCE, object_ids=live.values("pk"))
        count = live.update(
            # Unique per row: the one-registration-per-email constraint still holds.
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
            identity_key=None,
            secret="",
            erased_at=now,
        )
        if count:
            AuditLog.objects.create(
                user="system",
                action="personal_data_erased",
                ceremony=ceremony,
                detail=f"{count} registrations, retention {ceremony.retention_days} days",
            )
    return count


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def registration_data_export(*, registration: Registration) -> dict:
    """Everything stored about the registrant, JSON-serialisable, for "download my data".

    Leaves out the secret behind the management link (a credential, not data about the
    person) and email bodies (blanked once sent; they repeat the link).
    """
    page = ceremony_page(settings=registration.ceremony_id, language=registration.language)
    return {
        "exported_at": timezone.now().isoformat(),
        "ceremony": {
            "title": page.title if page else registration.ceremony.name,
            "starts_at": _iso(page.starts_at) if page else None,
            "ends_at": _iso(page.ends_at) if page else None,
            "venue": page.venue if page else "",
            "retention_days": registration.ceremony.retention_days,
        },
        "registration": {
            "reference": registration.reference,
            "status": registration.status,
            "language": registration.language,
            "email": registration.email,
            "given_name": registration.given_name,
            "surname": registration.surname,
            "birth_date": _iso(registration.birth_date),
            "birth_place": registration.birth_place,
            "nationality": registration.nationality,
            "identity_key": registration.identity_key,
            "seats": registration.seats,
            "screening": registration.screening,
            "waitlist_position": registration.waitlist_position,
            "offered_until": _iso(registration.offered_until),
            "badge_revoked_at": _iso(registration.badge_revoked_at),
            "created_at": _iso(registration.created_at),
            "updated_at": _iso(registration.updated_at),
        },
        "companions": [
            {
                "given_name": c.given_name,
                "surname": c.surname,
                "birth_date": _iso(c.birth_date),
                "birth_place": c.birth_place,
                "nationality": c.nationality,
            }
            for c in registration.companions.all()
        ],
        "messages": [
            {
                "kind": m.kind,
                "to": m.to,
                "subject": m.subject,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in emails.messages_of(registration)
        ],
        **{data.key: data.export(registration) for data in extensions.personal_data()},
    }
