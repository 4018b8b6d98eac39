"""Press accreditation per ceremony: the staff's settings (open, deadline, quota per
outlet, pools), the journalists' requests, and their entries at the gate.

The settings are one row per ceremony (`events.RegistrationSettings`, shared by the
French and English pages), edited in the Wagtail admin with their pools. Journalists
have no account: an accreditation is reached through an emailed link whose token is
stored only as a SHA-256 (`token_hash`). The quota per outlet is held by the
services under a lock on the settings row and backed by the database: each request
that counts takes a numbered slot of its outlet, unique per ceremony and outlet.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.models import Orderable

from liberation.events.models import RegistrationSettings
from liberation.programme.storage import private_storage


class PressSettings(ClusterableModel):
    ceremony = models.OneToOneField(
        RegistrationSettings,
        verbose_name=_("ceremony"),
        on_delete=models.CASCADE,
        related_name="press",
    )
    is_open = models.BooleanField(_("accreditation open"), default=False)
    deadline_weeks = models.PositiveSmallIntegerField(
        _("deadline (weeks before the ceremony)"),
        default=3,
        validators=[MaxValueValidator(52)],
        help_text=_("Requests are refused once the ceremony is this many weeks away."),
    )
    quota_per_outlet = models.PositiveSmallIntegerField(
        _("journalists per outlet"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    retention_days = models.PositiveSmallIntegerField(
        _("days identity data and letters are kept after the ceremony"), default=30
    )

    panels = [
        FieldPanel("ceremony"),
        FieldPanel("is_open"),
        FieldRowPanel([FieldPanel("deadline_weeks"), FieldPanel("quota_per_outlet")]),
        FieldPanel("retention_days"),
        InlinePanel("pools", heading=_("Pools"), label=_("Pool")),
    ]

    class Meta:
        verbose_name = _("press accreditation settings")
        verbose_name_plural = _("press accreditation settings")

    def __str__(self) -> str:
        return str(self.ceremony)


class Pool(Orderable):
    """A moment covered by a limited group of journalists (e.g. "pool A: arrival of the
    authorities")."""

    press = ParentalKey(PressSettings, on_delete=models.CASCADE, related_name="pools")
    name = models.CharField(
        _("name"), max_length=120, help_text=_("E.g. “Pool A: arrival of the authorities”.")
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity (journalists)"), validators=[MinValueValidator(1)]
    )

    panels = [FieldPanel("name"), FieldPanel("capacity")]

    class Meta(Orderable.Meta):
        verbose_name = _("pool")
        verbose_name_plural = _("pools")

    def __str__(self) -> str:
        return self.name


class Accreditation(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Email verified, request not sent")
        SUBMITTED = "submitted", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Screening(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Not required")
        PENDING = "pending", _("Awaiting the security services")
        APPROVED = "approved", _("Approved by the security services")
        REFUSED = "refused", _("Refused at screening")

    class Role(models.TextChoices):
        WRITER = "writer", _("Journalist (writing)")
        PHOTOGRAPHER = "photographer", _("Photographer")
        CAMERA = "camera", _("Camera operator")
        SOUND = "sound", _("Sound engineer")
        TECHNICIAN = "technician", _("Technician")

    press = models.ForeignKey(
        PressSettings, on_delete=models.CASCADE, related_name="accreditations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The badge: its reference is read at the gate; the secret keys its typed code.
    reference = models.CharField(max_length=8, unique=True, editable=False)
    secret = models.CharField(max_length=64, editable=False)
    email = models.EmailField(_("email"))
    language = models.CharField(max_length=2, default="fr")
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)

    outlet = models.CharField(_("outlet"), max_length=120, blank=True)
    outlet_key = models.CharField(max_length=120, blank=True, db_index=True, editable=False)
    # 1..quota while the request counts against its outlet's quota (submitted or
    # approved); unique per ceremony and outlet, so the database itself refuses one more.
    outlet_slot = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    role = models.CharField(_("role"), max_length=20, choices=Role, blank=True)
    press_card = models.CharField(_("press card number"), max_length=30, blank=True)
    letter = models.FileField(storage=private_storage, max_length=200, blank=True)
    letter_name = models.CharField(max_length=200, blank=True)
    letter_type = models.CharField(max_length=40, blank=True)

    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    surname = models.CharField(_("surname"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=150, blank=True)
    nationality = models.CharField(_("nationality"), max_length=100, blank=True)

    # Set when sent: pending if the ceremony's registrations require screening. The
    # decision comes back in the screening app's CSV import (screening/sources.py).
    screening = models.CharField(
        _("screening"), max_length=20, choices=Screening, default=Screening.NOT_REQUIRED
    )

    pool = models.ForeignKey(
        Pool, null=True, blank=True, on_delete=models.SET_NULL, related_name="accreditations"
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("press accreditation")
        verbose_name_plural = _("press accreditations")
        constraints = [
            models.UniqueConstraint(
                fields=["press", "outlet_key", "outlet_slot"],
                condition=models.Q(outlet_slot__isnull=False),
                name="press_one_request_per_outlet_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(outlet_slot__isnull=True)
                | models.Q(state__in=["submitted", "approved"]),
                name="press_slot_only_while_counted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.outlet or self.email})"

    @property
    def full_name(self) -> str:
        return " ".join(f"{self.given_name} {self.surname}".split())


class PressCheckIn(models.Model):
    """One accepted entry of a press badge at a gate (as gate.CheckIn for attendees)."""

    accreditation = models.OneToOneField(
        Accreditation, on_delete=models.CASCADE, related_name="checkin"
    )
    nonce = models.CharField(max_length=64, unique=True)
    gate = models.CharField(max_length=50, blank=True)
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    staff = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"{self.accreditation_id} at {self.scanned_at:%H:%M} ({self.gate})"
