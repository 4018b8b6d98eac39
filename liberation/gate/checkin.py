"""Gate check-in: record a scanned badge (or a typed code) once, whatever the replays.

Each scan carries a random nonce made by the gate device. Sending the same scan again
(a sync retried after a lost answer) finds the nonce and answers as the first time,
writing nothing. A different scan of a badge already in answers "already checked in"
with the first entry's time and gate. Anything that cannot be trusted (forged or
altered signature, another ceremony's badge, a revoked registration) is refused with
its reason, and nothing is written.

The database backs this: `CheckIn.nonce` is unique, and so is `CheckIn.registration`;
two gates syncing the same badge at the same instant meet on that constraint.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration
from liberation.registrations.selectors import registration_by_reference

from . import badges, sources
from .models import CheckIn

NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A gate's clock may be a little ahead; a scan "from the future" beyond this is dated
# when it is received.
CLOCK_SKEW = timedelta(minutes=5)


def refusal_message(reason: str) -> str:
    """The localized sentence for a refusal reason (msgids listed here for makemessages)."""
    messages = {
        "malformed": _("Unreadable code: this is not a badge of this site."),
        "bad_signature": _("Forged or altered badge: the signature does not match."),
        "wrong_ceremony": _("This badge is for another ceremony."),
        "unknown": _("Unknown registration."),
        "bad_code": _("Wrong code: check the characters typed."),
        "revoked": _("Badge revoked: the registration was cancelled or refused."),
        "not_eligible": _("No valid badge: the registration is not confirmed or not approved."),
        "superseded": _("Outdated badge: a newer badge was issued (seats or names changed)."),
        "bad_nonce": _("Invalid scan identifier."),
        "nonce_conflict": _("This scan identifier was already used for another badge."),
        "invalid": _("Unreadable scan: it was not recorded."),
    }
    return messages.get(reason, _("Refused."))


@dataclass(frozen=True)
class CheckinResult:
    status: str  # "accepted", "already" or "refused"
    reason: str = ""  # for "refused": a key of refusal_message()
    reference: str = ""
    names: tuple[str, ...] = ()
    seats: int = 0
    checked_in_at: datetime | None = None  # the recorded entry (accepted or already)
    gate: str = ""
    created: bool = False  # a CheckIn row was written by this call
    label: str = ""  # another source's badge: what the gate shows (e.g. PRESS)
    detail: str = ""  # and the line under it (e.g. the pool)

    @property
    def message(self) -> str:
        if self.status == "refused":
            return refusal_message(self.reason)
        if self.status == "already":
            time = timezone.localtime(self.checked_in_at).strftime("%H:%M")
            if self.gate:
                return _("Already checked in at %(time)s, gate %(gate)s") % {
                    "time": time,
                    "gate": self.gate,
                }
            return _("Already checked in at %(time)s") % {"time": time}
        return ngettext("Welcome: %(seats)d seat.", "Welcome: %(seats)d seats.", self.seats) % {
            "seats": self.seats
        }

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "reference": self.reference,
            "names": list(self.names),
            "seats": self.seats,
            "checked_in_at": self.checked_in_at.isoformat() if self.checked_in_at else None,
            "gate": self.gate,
            "label": self.label,
            "detail": self.detail,
        }


def _refused(reason: str, reference: str = "") -> CheckinResult:
    return CheckinResult(status="refused", reason=reason, reference=reference)


@dataclass(frozen=True)
class _SourceScan:
    """A badge of another source (sources.py): its proof holds as far as the gate can
    tell (the signature, or the code's shape); the source checks the rest."""

    source: sources.BadgeSource
    reference: str
    check: str | None  # a typed code's check characters
    names: tuple[str, ...] | None  # a QR code's names


def _identify(
    ceremony: RegistrationSettings, token: str
) -> tuple[Registration, badges.BadgePayload | None] | CheckinResult | _SourceScan:
    """The registration a QR token or typed code designates, once its proof holds."""
    token = (token or "").strip()
    payload = None
    check = None
    if token.upper().startswith(badges.BADGE_PREFIX):
        try:
            payload = badges.badge_verify(token, ceremony=ceremony)
        except badges.BadgeError as error:
            return _refused(error.code)
        reference = payload.reference
        kind = payload.kind
    else:
        parts = badges.typed_code_split(token)
        if parts is None:
            return _refused("malformed")
        kind, reference, check = parts
    if kind:
        return _SourceScan(
            source=sources.badge_source(kind),
            reference=reference,
            check=check,
            names=payload.names if payload else None,
        )
    registration = registration_by_reference(ceremony=ceremony, reference=reference)
    if registration is None:
        # A valid signature over an unknown reference would mean a leaked key; a typed
        # code is simply wrong.
        return _refused("unknown", reference)
    if payload is None and not badges.code_matches(registration, check):
        return _refused("bad_code", reference)
    return registration, payload


def _answer(checkin: CheckIn, registration: Registration, status: str, created: bool):
    return CheckinResult(
        status=status,
        reference=registration.reference,
        names=tuple(badges.badge_names(registration)),
        seats=registration.seats,
        checked_in_at=checkin.scanned_at,
        gate=checkin.gate,
        created=created,
    )


def _replay(nonce: str, registration: Registration) -> CheckinResult | None:
    """The answer already given to this nonce, if it was seen."""
    seen = CheckIn.objects.filter(nonce=nonce).first()
    if seen is None:
        return None
    if seen.registration_id != registration.pk:
        return _refused("nonce_conflict", registration.reference)
    return _answer(seen, registration, "accepted", created=False)


def checkin_record(
    *,
    ceremony: RegistrationSettings,
    token: str,
    nonce: str,
    gate: str,
    scanned_at: datetime | None,
    staff: str,
    now: datetime | None = None,
) -> CheckinResult:
    """Record one gate scan, idempotently (see the module docstring)."""
    now = now or timezone.now()
    if not NONCE_RE.fullmatch(nonce or ""):
        return _refused("bad_nonce")
    identified = _identify(ceremony, token)
    if isinstance(identified, CheckinResult):
        return identified
    if isinstance(identified, _SourceScan):
        if scanned_at is None or scanned_at > now + CLOCK_SKEW:
            scanned_at = now
        return identified.source.record(
            ceremony=ceremony,
            reference=identified.reference,
            check=identified.check,
            names=identified.names,
            nonce=nonce,
            gate=(gate or "").strip()[:50],
            scanned_at=scanned_at,
            staff=(staff or "")[:150],
            now=now,
        )
    registration, payload = identified
    # The same scan again gets the same answer, even if the badge was revoked since.
    replayed = _replay(nonce, registration)
    if replayed is not None:
        return replayed
    refusal = badges.badge_refusal(registration)
    if refusal is not None:
        return _refused("revoked" if refusal in ("revoked", "erased") else "not_eligible")
    if payload is not None and (
        payload.seats != registration.seats
        or list(payload.names) != badges.badge_names(registration)
    ):
        return _refused("superseded", registration.reference)
    if scanned_at is None or scanned_at > now + CLOCK_SKEW:
        scanned_at = now
    existing = CheckIn.objects.filter(registration=registration).first()
    if existing is not None:
        return _answer(existing, registration, "already", created=False)
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                registration=registration,
                nonce=nonce,
                gate=(gate or "").strip()[:50],
                scanned_at=scanned_at,
                staff=(staff or "")[:150],
            )
    except IntegrityError:
        # Another request got there first: the same scan (nonce) or another gate.
        replayed = _replay(nonce, registration)
        if replayed is not None:
            return replayed
        existing = CheckIn.objects.get(registration=registration)
        return _answer(existing, registration, "already", created=False)
    return _answer(checkin, registration, "accepted", created=True)
