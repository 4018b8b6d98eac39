"""The gate's tables: each ceremony's badge signing key, and the entries recorded at
the gates.

Both lived in the registrations app until migration `gate.0001_initial` (the same rows,
tables renamed by `registrations.0006_move_gate_models_to_gate`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration


class SigningKey(models.Model):
    """The ceremony's Ed25519 key pair: badges are signed with it, and gates verify them
    offline with the public key alone."""

    ceremony = models.OneToOneField(
        RegistrationSettings, on_delete=models.CASCADE, related_name="signing_key"
    )
    # A Fernet token of the raw 32 bytes under a key derived from BADGE_KEY_SECRET
    # (keys.private_key_encrypt): a database dump alone cannot sign badges.
    private_key = models.BinaryField(editable=False)
    public_key = models.BinaryField(editable=False)  # raw 32 bytes
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"signing key of ceremony {self.ceremony_id}"


class CheckIn(models.Model):
    """One accepted entry at a gate. The scanner's nonce makes a replayed sync harmless;
    one entry per registration makes a second badge scan answer "already checked in"."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="checkin"
    )
    nonce = models.CharField(max_length=64, unique=True)
    gate = models.CharField(_("gate"), max_length=50, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(auto_now_add=True)
    staff = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"{self.registration_id} at {self.scanned_at:%H:%M} ({self.gate})"
