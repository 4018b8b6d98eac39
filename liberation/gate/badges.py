"""Badges: tokens signed with the ceremony's Ed25519 key (keys.py), the typed codes, and
the signed lists a gate downloads before going offline (what they look like printed:
printing.py).

A badge token is `LB1:` followed by the base45 encoding (RFC 9285) of
`payload || signature`: the payload is compact JSON
`[1, ceremony_id, reference, seats, issued_at, [names…]]` and the signature is the
64-byte Ed25519 signature of `BADGE_CONTEXT + payload`. Base45 keeps the whole token
in the QR code's alphanumeric mode, the densest one for such text. Anyone holding the
ceremony's public key can check a badge without the server (docs/checkin.md).

Badges of another kind, issued by an app registered in `sources.py` (press badges),
carry the kind as a seventh element, `[1, …, [names…], "press"]`, signed under their
own context (`badge_context`), and have their own section in the gate lists.

The short code printed under the QR code (`REFERENCE-XXXX`) cannot carry a signature:
its four check characters are an HMAC of the registration's secret under SECRET_KEY,
and the gate checks them against the attendee list it downloaded, not with the key.

"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration

from . import sources
from .keys import private_key, public_key_bytes, signature_valid

BADGE_PREFIX = "LB1:"
# Domain separation: a signed badge can never pass for a signed list, nor the reverse.
BADGE_CONTEXT = b"liberation/badge/v1\n"
LIST_CONTEXT = b"liberation/gate-list/v1\n"
SIGNATURE_BYTES = 64
MAX_TOKEN_CHARS = 2000
# The alphabet of references (services._new_reference): no 0/O, no 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_CHARS = 4  # 20 bits, checked against the downloaded attendee list

Status = Registration.Status
Screening = Registration.Screening
# A registration in one of these states will never enter: its badge is on the
# revocation list.
REVOKED_STATUSES = (Status.CANCELLED, Status.REFUSED, Status.EXPIRED)


class BadgeError(Exception):
    """A badge token that cannot be trusted; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- Base45 (RFC 9285) --------------------------------------------------------------

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
B45_INDEX = {c: i for i, c in enumerate(B45)}


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += [B45[c], B45[d], B45[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [B45[c], B45[d]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    try:
        values = [B45_INDEX[c] for c in text]
    except KeyError as error:
        raise ValueError("not base45") from error
    if len(values) % 3 == 1:
        raise ValueError("bad base45 length")
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                raise ValueError("bad base45 triple")
            out += bytes(divmod(n, 256))
        else:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise ValueError("bad base45 pair")
            out.append(n)
    return bytes(out)


# --- Badge tokens -------------------------------------------------------------------


@dataclass(frozen=True)
class BadgePayload:
    ceremony_id: int
    reference: str
    seats: int
    issued_at: int  # Unix seconds
    names: tuple[str, ...]
    kind: str = ""  # "" for an attendee badge, else a registered source (sources.py)


def badge_context(kind: str = "") -> bytes:
    """What a badge of this kind is signed under (domain separation between kinds)."""
    return BADGE_CONTEXT if not kind else f"liberation/badge/{kind}/v1\n".encode()


def badge_names(registration: Registration) -> list[str]:
    """The registrant, then the companions in their order: what the gate reads out."""
    people = [registration, *registration.companions.all()]
    return [" ".join(f"{p.given_name} {p.surname}".split()) for p in people]


def badge_refusal(registration: Registration) -> str | None:
    """Why this registration has no badge, or None when it has one.

    `revoked`: cancelled, refused, expired, or revoked by staff (on the revocation list);
    `screening`: awaiting the security services' approval; `not_confirmed`: applied,
    waiting list or open offer; `erased`: the personal data is gone.
    """
    if registration.erased_at is not None:
        return "erased"
    if (
        registration.status in REVOKED_STATUSES
        or registration.badge_revoked_at is not None
        or registration.screening == Screening.REFUSED
    ):
        return "revoked"
    if registration.status != Status.CONFIRMED:
        return "not_confirmed"
    if registration.screening not in (Screening.APPROVED, Screening.NOT_REQUIRED):
        return "screening"
    return None


def _payload_bytes(payload: BadgePayload) -> bytes:
    data = [
        1,
        payload.ceremony_id,
        payload.reference,
        payload.seats,
        payload.issued_at,
        list(payload.names),
    ]
    if payload.kind:
        data.append(payload.kind)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def badge_sign(
    *,
    ceremony: RegistrationSettings,
    reference: str,
    seats: int,
    names: list[str],
    kind: str = "",
    now: datetime | None = None,
) -> str:
    """A signed badge token of `ceremony` (attendee, or a source's `kind`)."""
    now = now or timezone.now()
    payload = BadgePayload(
        ceremony_id=ceremony.pk,
        reference=reference,
        seats=seats,
        issued_at=int(now.timestamp()),
        names=tuple(names),
        kind=kind,
    )
    message = _payload_bytes(payload)
    signature = private_key(ceremony).sign(badge_context(kind) + message)
    return BADGE_PREFIX + b45encode(message + signature)


def badge_token(registration: Registration, *, now: datetime | None = None) -> str:
    """The signed token of a registration's badge (what its QR code holds)."""
    return badge_sign(
        ceremony=registration.ceremony,
        reference=registration.reference,
        seats=registration.seats,
        names=badge_names(registration),
        now=now,
    )


def badge_decode(token: str) -> tuple[BadgePayload, bytes, bytes]:
    """(payload, signed message, signature) of a token, signature NOT checked yet."""
    token = (token or "").strip()
    if not token.startswith(BADGE_PREFIX) or len(token) > MAX_TOKEN_CHARS:
        raise BadgeError("malformed")
    try:
        raw = b45decode(token[len(BADGE_PREFIX) :])
        message, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
        version, ceremony_id, reference, seats, issued_at, names, *rest = json.loads(message)
    except (ValueError, TypeError) as error:
        raise BadgeError("malformed") from error
    kind = rest[0] if len(rest) == 1 else None
    valid = (
        version == 1
        and len(rest) <= 1
        and (not rest or (isinstance(kind, str) and sources.badge_source(kind) is not None))
        and len(signature) == SIGNATURE_BYTES
        and isinstance(ceremony_id, int)
        and isinstance(reference, str)
        and isinstance(seats, int)
        and isinstance(issued_at, int)
        and isinstance(names, list)
        and all(isinstance(n, str) for n in names)
    )
    if not valid:
        raise BadgeError("malformed")
    payload = BadgePayload(ceremony_id, reference, seats, issued_at, tuple(names), kind or "")
    return payload, badge_context(payload.kind) + message, signature


def badge_verify(token: str, *, ceremony: RegistrationSettings) -> BadgePayload:
    """The payload of a badge of `ceremony` whose signature holds.

    Raises BadgeError: malformed, wrong_ceremony (issued for another ceremony), or
    bad_signature (forged or altered: not signed by this ceremony's key).
    """
    payload, message, signature = badge_decode(token)
    if payload.ceremony_id != ceremony.pk:
        raise BadgeError("wrong_ceremony")
    if not signature_valid(public_key_bytes(ceremony), signature, message):
        raise BadgeError("bad_signature")
    return payload


# --- Typed codes --------------------------------------------------------------------


def _check_chars(registration: Registration) -> str:
    # The salt names the app the codes were first made in: changing it would change
    # every code already printed.
    return check_chars(
        "liberation.registrations.badge-code", f"{registration.reference}:{registration.secret}"
    )


def badge_code(registration: Registration) -> str:
    """The short code printed under the QR code, for typing when a camera fails."""
    return f"{registration.reference}-{_check_chars(registration)}"


def code_split(code: str) -> tuple[str, str] | None:
    """(reference, check characters) of a typed code; spaces, dashes and case ignored."""
    cleaned = "".join(c for c in (code or "").upper() if c.isalnum())
    if len(cleaned) != 8 + CODE_CHARS or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned[:8], cleaned[8:]


def typed_code_split(code: str) -> tuple[str, str, str] | None:
    """(kind, reference, check) of a typed code: kind "" for an attendee's code, else
    the source whose prefix it starts with (`PRESS-ABCD2345-K7QX`)."""
    cleaned = "".join(c for c in (code or "").upper() if c.isalnum())
    for source in sources.badge_sources():
        if cleaned.startswith(source.code_prefix):
            parts = code_split(cleaned[len(source.code_prefix) :])
            if parts is not None:
                return source.kind, *parts
    parts = code_split(cleaned)
    return ("", *parts) if parts is not None else None


def check_chars(salt: str, text: str) -> str:
    """CODE_CHARS characters of CODE_ALPHABET: an HMAC of `text` under SECRET_KEY."""
    digest = salted_hmac(salt, text).digest()
    bits = int.from_bytes(digest[:4], "big") >> (32 - 5 * CODE_CHARS)
    chars = []
    for _ in range(CODE_CHARS):
        bits, index = divmod(bits, 32)
        chars.append(CODE_ALPHABET[index])
    return "".join(reversed(chars))


def code_matches(registration: Registration, check: str) -> bool:
    return constant_time_compare(check, _check_chars(registration))


# --- Gate lists ---------------------------------------------------------------------


def _signed(ceremony: RegistrationSettings, document: dict) -> dict:
    """A document the gate can check: the exact JSON text and its signature."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    signature = private_key(ceremony).sign(LIST_CONTEXT + text.encode())
    return {"document": text, "signature": _b64url(signature)}


def signed_document_verify(ceremony: RegistrationSettings, envelope: dict) -> dict | None:
    """The document of a signed envelope, or None when the signature does not hold."""
    try:
        text = envelope["document"]
        padded = envelope["signature"] + "=" * (-len(envelope["signature"]) % 4)
        signature = base64.urlsafe_b64decode(padded)
    except (KeyError, TypeError, ValueError):
        return None
    if not signature_valid(public_key_bytes(ceremony), signature, LIST_CONTEXT + text.encode()):
        return None
    return json.loads(text)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key_b64(ceremony: RegistrationSettings) -> str:
    return _b64url(public_key_bytes(ceremony))


def revoked_references(ceremony: RegistrationSettings) -> list[str]:
    """Badges that must not enter: cancelled, refused, expired, or revoked by staff."""
    return sorted(
        ceremony.registrations.filter(
            Q(status__in=REVOKED_STATUSES)
            | Q(badge_revoked_at__isnull=False)
            | Q(screening=Screening.REFUSED)
        ).values_list("reference", flat=True)
    )


def revocation_list(ceremony: RegistrationSettings, *, now: datetime | None = None) -> dict:
    """The signed revocation list: references and the time it was drawn up."""
    now = now or timezone.now()
    document = {
        "kind": "revocations",
        "ceremony": ceremony.pk,
        "issued_at": now.isoformat(timespec="seconds"),
        "references": revoked_references(ceremony),
    }
    if sources.badge_sources():
        document["sources"] = {s.kind: sorted(s.revoked(ceremony)) for s in sources.badge_sources()}
    return _signed(ceremony, document)


def attendee_list(ceremony: RegistrationSettings, *, now: datetime | None = None) -> dict:
    """The signed list of badges that may enter (reference → names, seats, check code),
    with the entries already recorded (reference → time, gate)."""
    now = now or timezone.now()
    registrations = (
        ceremony.registrations.filter(
            status=Status.CONFIRMED,
            screening__in=(Screening.APPROVED, Screening.NOT_REQUIRED),
            badge_revoked_at__isnull=True,
            erased_at__isnull=True,
        )
        .select_related("checkin")
        .prefetch_related("companions")
    )
    attendees, checked_in = {}, {}
    for registration in registrations:
        attendees[registration.reference] = {
            "names": badge_names(registration),
            "seats": registration.seats,
            "code": _check_chars(registration),
        }
        checkin = getattr(registration, "checkin", None)
        if checkin is not None:
            checked_in[registration.reference] = {
                "at": checkin.scanned_at.isoformat(timespec="seconds"),
                "gate": checkin.gate,
            }
    document = {
        "kind": "attendees",
        "ceremony": ceremony.pk,
        "issued_at": now.isoformat(timespec="seconds"),
        "attendees": attendees,
        "checked_in": checked_in,
    }
    if sources.badge_sources():
        document["sources"] = {
            s.kind: {
                "label": str(s.label()),
                "prefix": s.code_prefix,
                "entries": s.entries(ceremony),
                "checked_in": s.checked_in(ceremony),
            }
            for s in sources.badge_sources()
        }
    return _signed(ceremony, document)
