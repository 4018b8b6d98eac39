"""Badges: tokens signed with the ceremony's Ed25519 key, their QR codes, PNG and PDF
renderings, and the signed lists a gate downloads before going offline.

A badge token is `LB1:` followed by the base45 encoding (RFC 9285) of
`payload || signature`: the payload is compact JSON
`[1, ceremony_id, reference, seats, issued_at, [names…]]` and the signature is the
64-byte Ed25519 signature of `BADGE_CONTEXT + payload`. Base45 keeps the whole token
in the QR code's alphanumeric mode, the densest one for such text. Anyone holding the
ceremony's public key can check a badge without the server (docs/checkin.md).

The short code printed under the QR code (`REFERENCE-XXXX`) cannot carry a signature:
its four check characters are an HMAC of the registration's secret under SECRET_KEY,
and the gate checks them against the attendee list it downloaded, not with the key.

The private keys are stored encrypted (Fernet) under a key derived from
BADGE_KEY_SECRET (SECRET_KEY when empty): a database dump alone cannot sign badges.
"""

import base64
import json
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import segno
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
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from liberation.events.models import RegistrationSettings

from .models import Registration, SigningKey

logger = logging.getLogger(__name__)

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


class SigningKeyUnreadable(ImproperlyConfigured):
    """A stored private key that no configured secret decrypts: BADGE_KEY_SECRET (or
    SECRET_KEY) changed without the old value in BADGE_KEY_SECRET_FALLBACKS, or the
    key was never encrypted (migrations not run)."""


# --- Keys ---------------------------------------------------------------------------

# Domain separation: SECRET_KEY (the default secret) also signs sessions and links;
# under this label HKDF derives a key that serves only to encrypt signing keys.
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


def _private_key(ceremony: RegistrationSettings) -> Ed25519PrivateKey:
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


def _verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


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
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def badge_token(registration: Registration, *, now: datetime | None = None) -> str:
    """The signed token of a registration's badge (what its QR code holds)."""
    now = now or timezone.now()
    payload = BadgePayload(
        ceremony_id=registration.ceremony_id,
        reference=registration.reference,
        seats=registration.seats,
        issued_at=int(now.timestamp()),
        names=tuple(badge_names(registration)),
    )
    message = _payload_bytes(payload)
    signature = _private_key(registration.ceremony).sign(BADGE_CONTEXT + message)
    return BADGE_PREFIX + b45encode(message + signature)


def badge_decode(token: str) -> tuple[BadgePayload, bytes, bytes]:
    """(payload, signed message, signature) of a token, signature NOT checked yet."""
    token = (token or "").strip()
    if not token.startswith(BADGE_PREFIX) or len(token) > MAX_TOKEN_CHARS:
        raise BadgeError("malformed")
    try:
        raw = b45decode(token[len(BADGE_PREFIX) :])
        message, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
        version, ceremony_id, reference, seats, issued_at, names = json.loads(message)
    except (ValueError, TypeError) as error:
        raise BadgeError("malformed") from error
    valid = (
        version == 1
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
    payload = BadgePayload(ceremony_id, reference, seats, issued_at, tuple(names))
    return payload, BADGE_CONTEXT + message, signature


def badge_verify(token: str, *, ceremony: RegistrationSettings) -> BadgePayload:
    """The payload of a badge of `ceremony` whose signature holds.

    Raises BadgeError: malformed, wrong_ceremony (issued for another ceremony), or
    bad_signature (forged or altered: not signed by this ceremony's key).
    """
    payload, message, signature = badge_decode(token)
    if payload.ceremony_id != ceremony.pk:
        raise BadgeError("wrong_ceremony")
    if not _verify(public_key_bytes(ceremony), signature, message):
        raise BadgeError("bad_signature")
    return payload


# --- Typed codes --------------------------------------------------------------------


def _check_chars(registration: Registration) -> str:
    digest = salted_hmac(
        "liberation.registrations.badge-code",
        f"{registration.reference}:{registration.secret}",
    ).digest()
    bits = int.from_bytes(digest[:4], "big") >> (32 - 5 * CODE_CHARS)
    chars = []
    for _ in range(CODE_CHARS):
        bits, index = divmod(bits, 32)
        chars.append(CODE_ALPHABET[index])
    return "".join(reversed(chars))


def badge_code(registration: Registration) -> str:
    """The short code printed under the QR code, for typing when a camera fails."""
    return f"{registration.reference}-{_check_chars(registration)}"


def code_split(code: str) -> tuple[str, str] | None:
    """(reference, check characters) of a typed code; spaces, dashes and case ignored."""
    cleaned = "".join(c for c in (code or "").upper() if c.isalnum())
    if len(cleaned) != 8 + CODE_CHARS or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned[:8], cleaned[8:]


def code_matches(registration: Registration, check: str) -> bool:
    return constant_time_compare(check, _check_chars(registration))


# --- Gate lists ---------------------------------------------------------------------


def _signed(ceremony: RegistrationSettings, document: dict) -> dict:
    """A document the gate can check: the exact JSON text and its signature."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    signature = _private_key(ceremony).sign(LIST_CONTEXT + text.encode())
    return {"document": text, "signature": _b64url(signature)}


def signed_document_verify(ceremony: RegistrationSettings, envelope: dict) -> dict | None:
    """The document of a signed envelope, or None when the signature does not hold."""
    try:
        text = envelope["document"]
        padded = envelope["signature"] + "=" * (-len(envelope["signature"]) % 4)
        signature = base64.urlsafe_b64decode(padded)
    except (KeyError, TypeError, ValueError):
        return None
    if not _verify(public_key_bytes(ceremony), signature, LIST_CONTEXT + text.encode()):
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
    return _signed(ceremony, document)


# --- Renderings ---------------------------------------------------------------------


def qr_code(token: str) -> segno.QRCode:
    # Level M survives a crease or a scratched phone screen; the token is in
    # alphanumeric mode (base45), so the code stays small enough to scan at arm's length.
    return segno.make_qr(token, error="m", boost_error=False)


def qr_svg(token: str, title: str = "") -> str:
    """Inline SVG of the QR code (sharp at any size, on screen and on paper)."""
    return qr_code(token).svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", title=title or None
    )


@lru_cache(maxsize=8)
def _font(weight: str, size: int):
    """Marianne (shipped with django-dsfr), else Pillow's own default font."""
    from django.contrib.staticfiles import finders
    from PIL import ImageFont

    path = finders.find(f"dsfr/dist/fonts/Marianne-{weight}.woff2")
    if path:
        try:
            return ImageFont.truetype(str(Path(path)), size)
        except OSError:
            pass
    return ImageFont.load_default(size)


@dataclass(frozen=True)
class BadgeText:
    """What the printed badge says, already translated by the caller."""

    heading: str  # "Badge", "Invitation"…
    title: str
    when: str
    venue: str
    names: list[str]
    seats_line: str
    code_label: str
    code: str
    reference_line: str
    instructions_title: str
    instructions: str
    footer: str


# A4 portrait at 150 dots per inch: sharp enough on paper, light enough for a phone.
PAGE_SIZE = (1240, 1754)
BLUE = (0, 0, 145)  # DSFR "bleu France"
RED = (225, 0, 15)  # DSFR "rouge Marianne"


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        words, line = paragraph.split(), ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=font) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def badge_image(token: str, text: BadgeText):
    """The printable badge as a Pillow image (RGB, A4 at 150 dpi)."""
    from PIL import Image, ImageDraw

    width, height = PAGE_SIZE
    margin = 90
    image = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)
    # Tricolour band at the top, as on State documents.
    draw.rectangle((0, 0, width // 3, 24), fill=BLUE)
    draw.rectangle((2 * width // 3, 0, width, 24), fill=RED)
    y = 70
    draw.text((margin, y), text.heading.upper(), font=_font("Bold", 30), fill=BLUE)
    y += 50
    for line in _wrap(draw, text.title, _font("Bold", 48), width - 2 * margin)[:3]:
        draw.text((margin, y), line, font=_font("Bold", 48), fill="black")
        y += 62
    y += 10
    for line in (text.when, text.venue):
        for part in _wrap(draw, line, _font("Regular", 32), width - 2 * margin)[:2]:
            draw.text((margin, y), part, font=_font("Regular", 32), fill="black")
            y += 44
    y += 20
    # The QR code: 640 px wide, whole modules only, so that no module is blurred.
    qr = qr_code(token)
    modules = qr.symbol_size(scale=1, border=4)[0]
    scale = max(1, 640 // modules)
    buffer = BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    qr_image = Image.open(buffer).convert("RGB")
    qr_x = (width - qr_image.width) // 2
    image.paste(qr_image, (qr_x, y))
    y += qr_image.height + 10
    code_font = _font("Bold", 44)
    label = f"{text.code_label} {text.code}"
    draw.text(
        ((width - draw.textlength(label, font=code_font)) / 2, y),
        label,
        font=code_font,
        fill="black",
    )
    y += 60
    small = _font("Regular", 26)
    draw.text(
        ((width - draw.textlength(text.reference_line, font=small)) / 2, y),
        text.reference_line,
        font=small,
        fill=(60, 60, 60),
    )
    y += 56
    draw.line((margin, y, width - margin, y), fill=(200, 200, 200), width=2)
    y += 24
    names_font = _font("Bold", 36)
    for name in text.names[:11]:
        draw.text((margin, y), name, font=names_font, fill="black")
        y += 48
    draw.text((margin, y), text.seats_line, font=_font("Regular", 30), fill=(60, 60, 60))
    y += 60
    if text.instructions:
        draw.text((margin, y), text.instructions_title, font=_font("Bold", 30), fill=BLUE)
        y += 44
        body = _font("Regular", 26)
        for line in _wrap(draw, text.instructions, body, width - 2 * margin):
            if y > height - 120:
                break
            draw.text((margin, y), line, font=body, fill="black")
            y += 36
    draw.text((margin, height - 70), text.footer, font=_font("Regular", 22), fill=(90, 90, 90))
    return image


def badge_png(token: str, text: BadgeText) -> bytes:
    buffer = BytesIO()
    badge_image(token, text).save(buffer, format="PNG", optimize=True, dpi=(150, 150))
    return buffer.getvalue()


def badge_pdf(token: str, text: BadgeText) -> bytes:
    """A one-page A4 PDF holding the badge image, losslessly (Flate).

    Pillow's own PDF writer would store this image as JPEG, whose artefacts blur the
    QR code's edges; this writes the handful of PDF objects directly.
    """
    image = badge_image(token, text)
    width, height = image.size
    pixels = zlib.compress(image.tobytes(), 9)
    page_w, page_h = 595.28, 841.89  # A4 in points
    title = text.title.encode("utf-16-be")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w} {page_h}] "
            "/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        (
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
            "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
            f"/Length {len(pixels)} >>\nstream\n"
        ).encode()
        + pixels
        + b"\nendstream",
    ]
    content = f"q {page_w} 0 0 {page_h} 0 0 cm /Im0 Do Q".encode()
    objects.append(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
    objects.append(b"<< /Title <FEFF" + title.hex().upper().encode() + b"> >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
