"""Badge signing keys: one Ed25519 key pair per ceremony, created on first use, the
private half stored encrypted (Fernet) under a key derived from BADGE_KEY_SECRET
(SECRET_KEY when empty), so that a database dump alone cannot sign badges; the secret
can be rotated without changing the keys (`rotate_badge_keys`, docs/checkin.md, Keys).
"""

import base64
import logging
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from liberation.events.models import RegistrationSettings

from .models import SigningKey

logger = logging.getLogger(__name__)


class SigningKeyUnreadable(ImproperlyConfigured):
    """A stored private key that no configured secret decrypts: BADGE_KEY_SECRET (or
    SECRET_KEY) changed without the old value in BADGE_KEY_SECRET_FALLBACKS, or the
    key was never encrypted (migrations not run)."""


# Domain separation: SECRET_KEY (the default secret) also signs sessions and links;
# under this label HKDF derives a key that serves only to encrypt signing keys. The
# label names the app the keys were first stored in: changing it would make every
# stored key unreadable.
KEY_ENCRYPTION_INFO = b"liberation.registrations.signing-key"
RAW_PRIVATE_KEY_BYTES = 32  # what was stored before encryption (migration 0003)


def key_secrets() -> list[str]:
    """The secrets that encrypt private keys: the current one first, then the fallbacks.

    BADGE_KEY_SECRET, else SECRET_KEY (read here, not in base.py, because the dev and
    test settings set their own SECRET_KEY after base.py). While it defaults to
    SECRET_KEY, Django's SECRET_KEY_FALLBACKS are fallbacks here too, so that rotating
    SECRET_KEY the Django way does not lose the keys."""
    current = settings.BADGE_KEY_SECRET
    fallbacks = list(settings.BADGE_KEY_SECRET_FALLBACKS)
    if not current:
        current = settings.SECRET_KEY
        fallbacks += list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    if not current:
        raise ImproperlyConfigured(
            "BADGE_KEY_SECRET or SECRET_KEY must be set to encrypt badge signing keys."
        )
    return [current, *(secret for secret in fallbacks if secret and secret != current)]


@lru_cache(maxsize=16)
def _fernet(secret: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_ENCRYPTION_INFO
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def private_key_encrypt(raw: bytes, *, secret: str | None = None) -> bytes:
    """The stored form of a raw 32-byte private key: a Fernet token under `secret`
    (default: the current secret). Always longer than 32 bytes."""
    if len(raw) != RAW_PRIVATE_KEY_BYTES:
        raise ValueError("an Ed25519 private key is 32 raw bytes")
    return _fernet(secret or key_secrets()[0]).encrypt(raw)


def private_key_decrypt(stored: bytes, *, secrets: list[str] | None = None) -> bytes:
    """The raw private key of a stored one, trying the current secret then the fallbacks.

    Strict: a raw (unencrypted) key is refused like any other unreadable value."""
    stored = bytes(stored)
    if len(stored) == RAW_PRIVATE_KEY_BYTES:
        raise SigningKeyUnreadable(
            "A badge signing key is stored unencrypted: run `manage.py migrate`."
        )
    try:
        return MultiFernet([_fernet(s) for s in secrets or key_secrets()]).decrypt(stored)
    except InvalidToken as error:
        raise SigningKeyUnreadable(
            "A badge signing key cannot be decrypted with BADGE_KEY_SECRET (or SECRET_KEY) "
            "nor any of BADGE_KEY_SECRET_FALLBACKS: put the secret it was encrypted under "
            "back in the fallbacks (docs/checkin.md, Keys)."
        ) from error


def private_key_needs_rotation(stored: bytes) -> bool:
    """Whether a stored key is readable only with a fallback secret (or not at all)."""
    try:
        _fernet(key_secrets()[0]).decrypt(bytes(stored))
    except InvalidToken:
        return True
    return False


def signing_keys_reencrypt() -> int:
    """Re-encrypt under the current secret every key that a fallback secret still
    reads; idempotent. Returns how many were re-encrypted. Raises SigningKeyUnreadable,
    leaving every row as it was, when one key cannot be read at all."""
    count = 0
    with transaction.atomic():
        for key in SigningKey.objects.select_for_update().order_by("pk"):
            if not private_key_needs_rotation(key.private_key):
                continue
            try:
                raw = private_key_decrypt(key.private_key)
            except SigningKeyUnreadable:
                logger.error("Badge signing key of ceremony %s is unreadable", key.ceremony_id)
                raise
            key.private_key = private_key_encrypt(raw)
            key.save(update_fields=["private_key"])
            count += 1
    return count


def signing_key_for(ceremony: RegistrationSettings) -> SigningKey:
    """The ceremony's key pair, created on first use.

    Two first uses at once both try to insert; the one-to-one constraint keeps the
    first, and the other reads it back: every badge of a ceremony has one key.
    """
    existing = SigningKey.objects.filter(ceremony=ceremony).first()
    if existing is not None:
        return existing
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    raw_public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    try:
        with transaction.atomic():
            key, _created = SigningKey.objects.get_or_create(
                ceremony=ceremony,
                defaults={
                    "private_key": private_key_encrypt(raw_private),
                    "public_key": raw_public,
                },
            )
    except IntegrityError:
        key = SigningKey.objects.get(ceremony=ceremony)
    return key


def private_key(ceremony: RegistrationSettings) -> Ed25519PrivateKey:
    """The ceremony's private key, decrypted (raises SigningKeyUnreadable)."""
    key = signing_key_for(ceremony)
    try:
        raw = private_key_decrypt(key.private_key)
    except SigningKeyUnreadable:
        # A configuration error, not the visitor's: logged, and answered with a 500.
        logger.error("Badge signing key of ceremony %s is unreadable", ceremony.pk)
        raise
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_bytes(ceremony: RegistrationSettings) -> bytes:
    return bytes(signing_key_for(ceremony).public_key)


def signature_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
