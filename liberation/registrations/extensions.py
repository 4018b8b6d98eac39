"""Seams for the apps that stand on registrations (the gate: badges, check-in; screening:
the security services' CSV), so that registrations imports none of them.

Such an app registers, once, from its AppConfig.ready(), what it adds to registrations'
pages and duties; registrations asks here. With nothing registered, registrations works
on its own: no badge link on the management page, no check-in on the staff pages (zero
counts, "not checked in"), nothing more in a data export or an erasure, only its own
permissions in the ceremony staff group and only its own actions on a ceremony's page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.db.models import QuerySet

from liberation.events.models import RegistrationSettings

from .models import Registration


class Checkin(Protocol):
    """An entry at a gate, as the staff pages show it."""

    scanned_at: datetime
    gate: str


@dataclass(frozen=True)
class CheckinSource:
    """How the staff pages read check-ins."""

    # (registrations, seats) checked in for a ceremony
    counts: Callable[[RegistrationSettings], tuple[int, int]]
    # the entry of a registration, or None
    of: Callable[[Registration], Checkin | None]
    # a list of registrations made ready for `of` (no query per row)
    prefetch: Callable[[QuerySet[Registration]], QuerySet[Registration]]


@dataclass(frozen=True)
class PersonalData:
    """What another app keeps about registrants."""

    key: str  # its section in the data export
    export: Callable[[Registration], object]  # JSON-serialisable, or None
    # Called inside the erasure's transaction, before registrations' own fields are
    # blanked, with the registrations about to be erased and the time of the erasure;
    # an exception undoes the whole erasure.
    erase: Callable[..., None] | None = None


@dataclass(frozen=True)
class CeremonyButton:
    label: str
    icon: str  # a Wagtail admin icon name
    url: Callable[[RegistrationSettings], str]


@dataclass(frozen=True)
class CeremonyActions:
    """A row of buttons in the "Actions" panel of a ceremony's staff page (shown to staff
    who may change registrations), with an optional help line under it."""

    key: str
    buttons: tuple[CeremonyButton, ...]
    # (ceremony, its CeremonyCounts): whether the row shows
    shown: Callable[[RegistrationSettings, object], bool]
    help: str = ""
    # the staff right on the ceremony the row needs (selectors.Right), "" for any
    right: str = ""


@dataclass(frozen=True)
class StaffPermission:
    app_label: str
    model: str  # lets staff_group_ensure create it when migrate has not yet
    codename: str


_badge_link: Callable[[Registration, str], str] | None = None
_checkin_source: CheckinSource | None = None
_personal_data: dict[str, PersonalData] = {}
_staff_permissions: list[StaffPermission] = []
_ceremony_actions: dict[str, CeremonyActions] = {}


# --- Registering (from an AppConfig.ready()) ----------------------------------------


def badge_link_register(link: Callable[[Registration, str], str]) -> None:
    """`link(registration, management_token)`: the URL of the registration's badge, or
    "" when it has none (the management page then shows no link)."""
    global _badge_link
    _badge_link = link


def checkin_source_register(source: CheckinSource) -> None:
    global _checkin_source
    _checkin_source = source


def personal_data_register(data: PersonalData) -> None:
    _personal_data[data.key] = data


def staff_permission_register(*, app_label: str, model: str, codename: str) -> None:
    """A permission the ceremony staff group gets (e.g. the gate's check-in app)."""
    permission = StaffPermission(app_label=app_label, model=model, codename=codename)
    if permission not in _staff_permissions:
        _staff_permissions.append(permission)


def ceremony_actions_register(actions: CeremonyActions) -> None:
    _ceremony_actions[actions.key] = actions


# --- Asking (from registrations) ----------------------------------------------------


def badge_link(*, registration: Registration, token: str) -> str:
    return _badge_link(registration, token) if _badge_link else ""


def checkin_counts(*, ceremony: RegistrationSettings) -> tuple[int, int]:
    return _checkin_source.counts(ceremony) if _checkin_source else (0, 0)


def checkin_of(registration: Registration) -> Checkin | None:
    return _checkin_source.of(registration) if _checkin_source else None


def with_checkins(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    return _checkin_source.prefetch(queryset) if _checkin_source else queryset


def personal_data() -> list[PersonalData]:
    return list(_personal_data.values())


def staff_permissions() -> list[StaffPermission]:
    return list(_staff_permissions)


def ceremony_actions(
    *, ceremony: RegistrationSettings, counts: object, rights: frozenset[str] = frozenset()
) -> list[dict]:
    """The rows of buttons to show on the ceremony's staff page to someone holding
    `rights` on it, URLs resolved."""
    return [
        {
            "key": actions.key,
            "help": actions.help,
            "buttons": [
                {"label": b.label, "icon": b.icon, "url": b.url(ceremony)} for b in actions.buttons
            ],
        }
        for actions in _ceremony_actions.values()
        if (not actions.right or actions.right in rights) and actions.shown(ceremony, counts)
    ]
