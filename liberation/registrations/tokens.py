"""The private management token of a registration, shared by the services (which check
it) and the emails (which carry it): one module below both, so that neither imports
the other for it."""

from django.utils.crypto import salted_hmac

from .models import Registration


def management_token(registration: Registration) -> str:
    """`REFERENCE-hmac`: unguessable, verifiable, never a primary key."""
    digest = salted_hmac(
        "liberation.registrations.manage", f"{registration.reference}:{registration.secret}"
    ).hexdigest()[:32]
    return f"{registration.reference}-{digest}"
