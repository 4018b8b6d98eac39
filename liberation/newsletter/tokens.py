"""The two kinds of link a subscriber receives.

- **Confirmation**: a random token (32 bytes) shown only in the email; the table keeps
  its SHA-256. It expires (NEWSLETTER_CONFIRM_TTL_HOURS, 48 h by default).
- **Unsubscribe**: signed, not stored: `<subscriber in base 36>.<HMAC>`, the HMAC over
  the subscriber's id and random `key` with the site's SECRET_KEY. It is written into
  every newsletter message (100,000 a campaign, at delivery), so it must be computable
  without storing a secret per message; a copy of the database alone cannot forge one.
"""

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from liberation.core.private_links import token_hash

SALT = "liberation.newsletter.unsubscribe"


def confirm_token() -> tuple[str, str]:
    """(token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _signature(pk: int, key: str) -> str:
    return salted_hmac(SALT, f"{pk}:{key}", algorithm="sha256").hexdigest()[:32]


def unsubscribe_token(pk: int, key: str) -> str:
    return f"{int_to_base36(pk)}.{_signature(pk, key)}"


def unsubscribe_pk(token: str) -> int | None:
    """The subscriber id a token names (its signature still to be checked against the
    row's key with `unsubscribe_valid`), or None when malformed."""
    if not token or len(token) > 64 or token.count(".") != 1:
        return None
    head, _signature_part = token.split(".")
    try:
        pk = base36_to_int(head)
    except ValueError:
        return None
    return pk if 0 < pk < 2**63 else None


def unsubscribe_valid(token: str, pk: int, key: str) -> bool:
    return constant_time_compare(token, unsubscribe_token(pk, key))
