"""Other badges the gate accepts, registered by the apps that issue them (the press app
registers its press badges from its AppConfig.ready()); the gate imports none of them.

A source's badges use the same token (`LB1:`, base45, the ceremony's Ed25519 key) with
a seventh payload element, the source's `kind`, and are signed under their own context
(`badges.badge_context(kind)`): an attendee badge can never pass for another kind, nor
the reverse. Typed codes carry the source's prefix before the usual
`REFERENCE-CHECK` (e.g. `PRESS-ABCD2345-K7QX`). In the signed gate lists a source has
its own section (`sources.<kind>`), so the offline app looks each badge up in the
list of its own kind, and shows the source's label (e.g. PRESS) and each entry's
`detail` (e.g. the pool).
"""

from collections.abc import Callable
from dataclasses import dataclass

from liberation.events.models import RegistrationSettings


@dataclass(frozen=True)
class BadgeSource:
    kind: str  # lowercase letters: in the payload and the lists
    code_prefix: str  # uppercase letters before a typed code
    label: Callable[[], str]  # what the gate shows above the names, localized
    # reference → {"names": [...], "seats": n, "code": check chars, "detail": "..."}
    entries: Callable[[RegistrationSettings], dict[str, dict]]
    # reference → {"at": iso time, "gate": "..."}
    checked_in: Callable[[RegistrationSettings], dict[str, dict]]
    revoked: Callable[[RegistrationSettings], list[str]]
    # record(ceremony=, reference=, check=, names=, nonce=, gate=, scanned_at=, staff=,
    # now=) -> checkin.CheckinResult; `check` for a typed code, `names` for a QR code.
    record: Callable[..., object]


_sources: dict[str, BadgeSource] = {}


def badge_source_register(source: BadgeSource) -> None:
    if not (source.kind.isascii() and source.kind.isalpha() and source.kind.islower()):
        raise ValueError("a badge source's kind is lowercase ASCII letters")
    _sources[source.kind] = source


def badge_source(kind: str) -> BadgeSource | None:
    return _sources.get(kind)


def badge_sources() -> list[BadgeSource]:
    return list(_sources.values())
