"""Press badges at the gate: the token (the attendee badges' scheme, kind "press"), the
typed code, and the badge source the gate calls (registered in apps.py).

A press badge is `LB1:` + base45(payload + signature), payload
`[1, ceremony_id, reference, 1, issued_at, ["Given Surname"], "press"]`, signed with the
ceremony's Ed25519 key under the context `liberation/badge/press/v1\\n` (gate/badges.py).
Its typed code is `PRESS-REFERENCE-CHECK`. In the gate lists, `sources.press` holds the
approved accreditations (reference → name, check code, pool), those already in, and the
revoked ones (refused or withdrawn). A scan is recorded once (`PressCheckIn`, unique
nonce and one entry per accreditation), like an attendee's.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from liberation.events.models import RegistrationSettings
from liberation.gate import badges
from liberation.gate.checkin import CheckinResult
from liberation.gate.sources import BadgeSource

from .models import Accreditation, PressCheckIn

KIND = "press"
CODE_PREFIX = "PRESS"
State = Accreditation.State


def _check(accreditation: Accreditation) -> str:
    return badges.check_chars(
        "liberation.press.badge-code", f"{accreditation.reference}:{accreditation.secret}"
    )


def press_badge_names(accreditation: Accreditation) -> list[str]:
    return [accreditation.full_name]


def press_badge_token(accreditation: Accreditation, *, now: dt.datetime | None = None) -> str:
    return badges.badge_sign(
        ceremony=accreditation.press.ceremony,
        reference=accreditation.reference,
        seats=1,
        names=press_badge_names(accreditation),
        kind=KIND,
        now=now,
    )


def press_badge_code(accreditation: Accreditation) -> str:
    return f"{CODE_PREFIX}-{accreditation.reference}-{_check(accreditation)}"


CLEARED = (Accreditation.Screening.NOT_REQUIRED, Accreditation.Screening.APPROVED)


def has_badge(accreditation: Accreditation) -> bool:
    """Approved by the press office and, where the ceremony screens, by security."""
    return (
        accreditation.state == State.APPROVED
        and accreditation.screening in CLEARED
        and accreditation.erased_at is None
    )


def _of_ceremony(ceremony: RegistrationSettings):
    return Accreditation.objects.filter(press__ceremony=ceremony)


def press_entries(ceremony: RegistrationSettings) -> dict[str, dict]:
    rows = _of_ceremony(ceremony).filter(
        state=State.APPROVED, screening__in=CLEARED, erased_at__isnull=True
    )
    return {
        a.reference: {
            "names": press_badge_names(a),
            "seats": 1,
            "code": _check(a),
            "detail": a.pool.name if a.pool else "",
        }
        for a in rows.select_related("pool")
    }


def press_checked_in(ceremony: RegistrationSettings) -> dict[str, dict]:
    rows = PressCheckIn.objects.filter(accreditation__press__ceremony=ceremony)
    return {
        c.accreditation.reference: {
            "at": c.scanned_at.isoformat(timespec="seconds"),
            "gate": c.gate,
        }
        for c in rows.select_related("accreditation")
    }


def press_revoked(ceremony: RegistrationSettings) -> list[str]:
    """Refused or withdrawn after a decision: any badge they were given is void."""
    rows = _of_ceremony(ceremony).filter(
        state__in=(State.REFUSED, State.WITHDRAWN), decided_at__isnull=False
    )
    return sorted(rows.values_list("reference", flat=True))


def _answer(accreditation, checkin, status: str, created: bool) -> CheckinResult:
    return CheckinResult(
        status=status,
        reference=accreditation.reference,
        names=tuple(press_badge_names(accreditation)),
        seats=1,
        checked_in_at=checkin.scanned_at,
        gate=checkin.gate,
        created=created,
        label=_("PRESS"),
        detail=accreditation.pool.name if accreditation.pool else "",
    )


def _refused(reason: str, reference: str = "") -> CheckinResult:
    return CheckinResult(status="refused", reason=reason, reference=reference, label=_("PRESS"))


def _replay(nonce: str, accreditation: Accreditation) -> CheckinResult | None:
    seen = PressCheckIn.objects.filter(nonce=nonce).first()
    if seen is None:
        return None
    if seen.accreditation_id != accreditation.pk:
        return _refused("nonce_conflict", accreditation.reference)
    return _answer(accreditation, seen, "accepted", created=False)


def press_checkin_record(
    *,
    ceremony: RegistrationSettings,
    reference: str,
    check: str | None,
    names: tuple[str, ...] | None,
    nonce: str,
    gate: str,
    scanned_at: dt.datetime,
    staff: str,
    now: dt.datetime,
) -> CheckinResult:
    """Record one scan of a press badge, idempotently (as gate.checkin for attendees)."""
    accreditation = (
        _of_ceremony(ceremony).select_related("pool").filter(reference=reference).first()
    )
    if accreditation is None:
        return _refused("unknown", reference)
    if check is not None and not constant_time_compare(check, _check(accreditation)):
        return _refused("bad_code", reference)
    replayed = _replay(nonce, accreditation)
    if replayed is not None:
        return replayed
    if accreditation.state in (State.REFUSED, State.WITHDRAWN) or accreditation.erased_at:
        return _refused("revoked", reference)
    if accreditation.state != State.APPROVED or accreditation.screening not in CLEARED:
        return _refused("not_eligible", reference)
    if names is not None and list(names) != press_badge_names(accreditation):
        return _refused("superseded", reference)
    existing = PressCheckIn.objects.filter(accreditation=accreditation).first()
    if existing is not None:
        return _answer(accreditation, existing, "already", created=False)
    try:
        with transaction.atomic():
            checkin = PressCheckIn.objects.create(
                accreditation=accreditation,
                nonce=nonce,
                gate=gate,
                scanned_at=scanned_at,
                staff=staff,
            )
    except IntegrityError:
        replayed = _replay(nonce, accreditation)
        if replayed is not None:
            return replayed
        existing = PressCheckIn.objects.get(accreditation=accreditation)
        return _answer(accreditation, existing, "already", created=False)
    return _answer(accreditation, checkin, "accepted", created=True)


PRESS_SOURCE = BadgeSource(
    kind=KIND,
    code_prefix=CODE_PREFIX,
    label=lambda: _("PRESS"),
    entries=press_entries,
    checked_in=press_checked_in,
    revoked=press_revoked,
    record=press_checkin_record,
)
