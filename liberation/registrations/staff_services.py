"""The writes ceremony staff make from the admin, each with its audit row in the same
transaction as its change: the staff group, a message to every confirmed registrant,
the draw, cancelling a registration, revoking a badge, and the record of a list export.

The rules themselves stay in `services.py` (the draw, a cancellation); these add who
did it. Permissions are Django's on Registration: `view_registration` lists and
inspects (and exports the list), `change_registration` acts (message, draw, screening,
cancel, revoke). `staff_group_ensure()` creates the ceremony staff group with both;
they open the pages, and each ceremony is reached only through a grant
(`CeremonyAccess`, edited in the admin) or the national permission
`registrations.all_ceremonies`, which the group does not get.
"""

from datetime import datetime

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from liberation.events.models import RegistrationSettings

from . import emails, extensions
from .models import AuditLog, DrawLog, Registration
from .selectors import confirmed_recipients
from .services import draw_run, registration_cancel

STAFF_GROUP_NAME = "Équipe cérémonie"
# (app label, model, codename); the model (None: Wagtail's own, always there) lets a
# first call create a permission that migrate has not yet. Apps standing on
# registrations add theirs through extensions.staff_permission_register (the gate: its
# check-in app).
STAFF_PERMISSIONS: list[tuple[str, str | None, str]] = [
    ("wagtailadmin", None, "access_admin"),
    ("registrations", "registration", "view_registration"),
    ("registrations", "registration", "change_registration"),
]


def audit_write(
    *,
    user: AbstractBaseUser,
    action: str,
    ceremony: RegistrationSettings | None = None,
    detail: str = "",
) -> AuditLog:
    return AuditLog.objects.create(
        user=user.get_username(), action=action, ceremony=ceremony, detail=detail
    )


def staff_group_ensure() -> Group:
    """The ceremony staff group with its permissions; idempotent (call it at deploy)."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP_NAME)
    wanted = STAFF_PERMISSIONS + [
        (p.app_label, p.model, p.codename) for p in extensions.staff_permissions()
    ]
    for app_label, model, codename in wanted:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None and model is not None:
            # Permissions are created after migrate; a first call may come before.
            permission, _created = Permission.objects.get_or_create(
                content_type=ContentType.objects.get_for_model(apps.get_model(app_label, model)),
                codename=codename,
                defaults={"name": f"Can {codename.replace('_', ' ')}"},
            )
        if permission is not None:
            group.permissions.add(permission)
    return group


def message_confirmed_send(
    *, ceremony: RegistrationSettings, text: str, user: AbstractBaseUser
) -> int:
    """Queue the staff's text to every confirmed registrant, each in their language;
    returns how many messages were queued."""
    text = text.strip()
    with transaction.atomic():
        sent = 0
        for registration in confirmed_recipients(ceremony=ceremony):
            emails.queue(registration=registration, kind=emails.Kind.MESSAGE, extra=text)
            sent += 1
        audit_write(
            user=user, action="message_confirmed", ceremony=ceremony, detail=f"{sent}: {text}"
        )
    return sent


def draw_run_by_staff(
    *, ceremony: RegistrationSettings, seed: str | None, user: AbstractBaseUser
) -> DrawLog:
    """`services.draw_run`, audit-logged; raises RegistrationError as it does."""
    with transaction.atomic():
        log = draw_run(ceremony=ceremony, seed=seed or None, performed_by=user.get_username())
        audit_write(
            user=user,
            action="draw_run",
            ceremony=ceremony,
            detail=f"seed={log.seed} confirmed={log.confirmed} waitlisted={log.waitlisted}",
        )
    return log


def registration_cancel_by_staff(*, registration: Registration, user: AbstractBaseUser) -> None:
    """`services.registration_cancel`, audit-logged; raises RegistrationError("not_active")."""
    with transaction.atomic():
        registration_cancel(registration=registration)
        audit_write(
            user=user,
            action="registration_cancel",
            ceremony=registration.ceremony,
            detail=registration.reference,
        )


def badge_revoke(
    *,
    registration: Registration,
    user: AbstractBaseUser,
    cancel: bool = False,
    now: datetime | None = None,
) -> bool:
    """Put the badge on the revocation list (once) and, if asked, cancel the
    registration; returns whether it was cancelled (it must still be active)."""
    now = now or timezone.now()
    with transaction.atomic():
        Registration.objects.filter(pk=registration.pk, badge_revoked_at__isnull=True).update(
            badge_revoked_at=now
        )
        registration.refresh_from_db()
        cancelled = cancel and registration.status in Registration.ACTIVE
        if cancelled:
            registration_cancel(registration=registration)
        audit_write(
            user=user,
            action="badge_revoke",
            ceremony=registration.ceremony,
            detail=f"{registration.reference}{' cancelled' if cancelled else ''}",
        )
    return cancelled


def registrations_export_record(
    *, user: AbstractBaseUser, ceremony: RegistrationSettings | None, rows: int, query: str
) -> AuditLog:
    """The audit row of a list export (names and email addresses leave the site)."""
    return audit_write(
        user=user,
        action="registrations_export",
        ceremony=ceremony,
        detail=f"{rows} rows; {query}",
    )
