"""Registrations to ceremonies, their companions, draws and the staff audit log (the
emails waiting to be sent are in the mail app's outbox; badge keys and check-ins in the
gate app).

The rules (capacity, waiting list, draw) live in `services.py`; the constraints here
are the database's own guarantee that they hold: one active registration per person
and per ceremony, and (on `RegistrationSettings`) never more seats than capacity.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liberation.events.models import RegistrationSettings


class Registration(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied (awaiting the draw)")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        OFFERED = "offered", _("Seat offered")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer expired")
        REFUSED = "refused", _("Refused at screening")

    class Screening(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Not required")
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    # A person holds at most one registration per ceremony in these states.
    ACTIVE = (Status.APPLIED, Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED)
    # States that hold seats (counted in RegistrationSettings.seats_taken).
    HOLDING = (Status.CONFIRMED, Status.OFFERED)

    ceremony = models.ForeignKey(
        RegistrationSettings, on_delete=models.PROTECT, related_name="registrations"
    )
    reference = models.CharField(_("reference"), max_length=12, unique=True, editable=False)
    # Random per registration; the private management token is an HMAC of the reference
    # and this secret under SECRET_KEY (see tokens.management_token). Neither a
    # database leak nor the reference alone is enough to open a registration, and
    # changing the secret revokes every link sent so far.
    secret = models.CharField(max_length=64, editable=False)
    language = models.CharField(_("language"), max_length=2, default="fr")
    email = models.EmailField(_("email"))
    given_name = models.CharField(_("given names"), max_length=150)
    surname = models.CharField(_("surname"), max_length=150)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=150, blank=True)
    nationality = models.CharField(_("nationality"), max_length=100, blank=True)
    # Normalised "surname|given names|birth date", set when screening applies, so that
    # the same person cannot register twice with two email addresses.
    identity_key = models.CharField(max_length=400, null=True, blank=True, editable=False)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    screening = models.CharField(
        _("screening"), max_length=20, choices=Screening.choices, default=Screening.NOT_REQUIRED
    )
    waitlist_position = models.PositiveIntegerField(_("waiting-list position"), null=True)
    offered_until = models.DateTimeField(_("offer open until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    badge_revoked_at = models.DateTimeField(_("badge revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ceremony", "email"],
                condition=models.Q(status__in=["applied", "confirmed", "waitlisted", "offered"]),
                name="one_active_registration_per_email",
            ),
            models.UniqueConstraint(
                fields=["ceremony", "identity_key"],
                condition=models.Q(
                    status__in=["applied", "confirmed", "waitlisted", "offered"],
                    identity_key__isnull=False,
                ),
                name="one_active_registration_per_identity",
            ),
            models.CheckConstraint(
                condition=models.Q(seats__gte=1), name="registration_seats_positive"
            ),
        ]
        indexes = [models.Index(fields=["ceremony", "status", "waitlist_position"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"

    @property
    def companions_count(self) -> int:
        return self.seats - 1


class Companion(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="companions"
    )
    given_name = models.CharField(_("given names"), max_length=150)
    surname = models.CharField(_("surname"), max_length=150)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=150, blank=True)
    nationality = models.CharField(_("nationality"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("companion")
        verbose_name_plural = _("companions")

    def __str__(self) -> str:
        return f"{self.given_name} {self.surname}"


class DrawLog(models.Model):
    """Audit record of a draw: its seed and the drawn order reproduce it exactly."""

    ceremony = models.ForeignKey(
        RegistrationSettings, on_delete=models.CASCADE, related_name="draws"
    )
    seed = models.CharField(max_length=64)
    drawn_order = models.JSONField(help_text="Registration references in drawn order.")
    confirmed = models.PositiveIntegerField()
    waitlisted = models.PositiveIntegerField()
    performed_by = models.CharField(max_length=150, blank=True)
    performed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ceremony"], name="one_draw_per_ceremony")]

    def __str__(self) -> str:
        return f"draw {self.ceremony_id} seed={self.seed}"


class AuditLog(models.Model):
    """Every staff view, export or import of identity data, and every staff action."""

    at = models.DateTimeField(auto_now_add=True)
    user = models.CharField(max_length=150)
    action = models.CharField(max_length=50)
    ceremony = models.ForeignKey(
        RegistrationSettings, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action}"


class CeremonyAccess(models.Model):
    """What one staff member may do for one ceremony, granted in the admin.

    The model permissions (view/change_registration, gate.add_checkin) open the admin
    menus and say which kind of thing a user may do at all; they give access to no
    ceremony by themselves. A ceremony's data is reached through a grant here, the
    `all_ceremonies` permission (national staff), or being a superuser
    (`selectors.staff_ceremonies`).
    """

    class Right(models.TextChoices):
        CHECK_IN = "check_in", _("Check in at the gate")
        ATTENDEES = "attendees", _("See and export the attendees")
        SCREENING = "screening", _("Identity data for screening")
        MANAGE = "manage", _("Act on registrations")

    ceremony = models.ForeignKey(
        RegistrationSettings,
        on_delete=models.CASCADE,
        related_name="staff_access",
        verbose_name=_("ceremony"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ceremony_access",
        verbose_name=_("staff member"),
    )
    check_in = models.BooleanField(
        _("check in at the gate"),
        default=False,
        help_text=_("The check-in app: download the attendee list to the gate, send scans."),
    )
    attendees = models.BooleanField(
        _("see and export the attendees"),
        default=False,
        help_text=_("The list of registrations with names and email addresses, its CSV export."),
    )
    screening = models.BooleanField(
        _("identity data for screening"),
        default=False,
        help_text=_(
            "Dates and places of birth, nationalities: their export for screening and the "
            "import of the decisions."
        ),
    )
    manage = models.BooleanField(
        _("act on registrations"),
        default=False,
        help_text=_(
            "Message the confirmed registrants, run the draw, cancel a registration, revoke "
            "a badge."
        ),
    )

    class Meta:
        verbose_name = _("ceremony access")
        verbose_name_plural = _("ceremony access")
        ordering = ["ceremony", "user"]
        permissions = [("all_ceremonies", _("Access every ceremony (national staff)"))]
        constraints = [
            models.UniqueConstraint(
                fields=["ceremony", "user"],
                name="one_access_per_ceremony_and_user",
                violation_error_message=_(
                    "This staff member already has access to this ceremony: change that "
                    "access instead."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(check_in=True)
                | models.Q(attendees=True)
                | models.Q(screening=True)
                | models.Q(manage=True),
                name="ceremony_access_grants_something",
                violation_error_message=_("Tick at least one right."),
            ),
        ]

    def __str__(self) -> str:
        rights = [r.label for r in self.Right if getattr(self, r.value)]
        return f"{self.user} · {self.ceremony}: {', '.join(str(r) for r in rights)}"
