"""Ceremony pages (editorial, translated) and their registration settings (shared).

wagtail-localize makes one page row per language; capacity and registration windows
must be one value for both, so they live on `RegistrationSettings`, which the French
and English pages point to.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from liberation.content.models import ContentPage
from liberation.core.fields import CounterField


class RegistrationSettings(models.Model):
    class Mode(models.TextChoices):
        FIRST_COME = "first_come", _("First come, first served")
        DRAW = "draw", _("Draw")

    name = models.CharField(_("internal name"), max_length=255, unique=True)
    capacity = models.PositiveIntegerField(_("capacity (seats)"))
    opens_at = models.DateTimeField(_("registration opens at"))
    closes_at = models.DateTimeField(_("registration closes at"))
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.FIRST_COME)
    max_companions = models.PositiveSmallIntegerField(
        _("companions per registration"),
        default=0,
        validators=[MaxValueValidator(10)],
        help_text=_("Each registrant may bring up to this many named companions."),
    )
    screening_required = models.BooleanField(_("security screening required"), default=False)
    ask_birth_date = models.BooleanField(_("ask for the date of birth"), default=False)
    ask_birth_place = models.BooleanField(_("ask for the place of birth"), default=False)
    ask_nationality = models.BooleanField(_("ask for the nationality"), default=False)
    retention_days = models.PositiveSmallIntegerField(
        _("days personal data is kept after the ceremony"), default=30
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("hours a waiting-list offer stays open"), default=48
    )
    # Seats held by confirmed registrations and open waiting-list offers. Written only by
    # the registration services, under a lock on this row, with QuerySet.update or SQL:
    # a save() of the row never writes it (CounterField), so a stale copy saved by the
    # admin or the import cannot give seats away. The check constraint below is the
    # database's own guarantee that nothing is ever oversold; `manage.py check_seats`
    # compares the counter with the registrations that hold seats.
    seats_taken = CounterField(_("seats taken"))

    panels = [
        FieldPanel("name"),
        FieldPanel("capacity"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
        FieldPanel("mode"),
        FieldPanel("max_companions"),
        MultiFieldPanel(
            [
                FieldPanel("screening_required"),
                FieldPanel("ask_birth_date"),
                FieldPanel("ask_birth_place"),
                FieldPanel("ask_nationality"),
            ],
            heading=_("Security screening"),
        ),
        FieldRowPanel([FieldPanel("retention_days"), FieldPanel("offer_hours")]),
    ]

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="registration_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(seats_taken__lte=models.F("capacity")),
                name="registration_never_oversold",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("Registration must close after it opens.")})

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def asks_identity(self) -> bool:
        return self.ask_birth_date or self.ask_birth_place or self.ask_nationality

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return "not_open"
        if now >= self.closes_at:
            return "closed"
        return "open"


# Edited in the admin as a snippet registered by the registrations app
# (registrations/wagtail_hooks.py): its saves go through the registration services.


class CeremonyPage(ContentPage):
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=255)
    broadcast = models.TextField(
        _("live broadcast"), blank=True, help_text=_("Channel and time of the live broadcast.")
    )
    stream_url = models.URLField(
        _("live stream address"),
        blank=True,
        help_text=_(
            "A YouTube, Dailymotion or Vimeo address. Readers load the player only when they "
            "press its button: nothing is requested from the provider before."
        ),
    )
    registration_required = models.BooleanField(_("prior registration mandatory"), default=False)
    instructions = models.TextField(
        _("practical instructions"),
        blank=True,
        help_text=_(
            "Sent with the confirmation and printed on the badge: arrival time, forbidden "
            "items, identity document to bring."
        ),
    )
    registration = models.ForeignKey(
        RegistrationSettings,
        verbose_name=_("registration settings"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ceremony_pages",
    )

    type_label = _("Ceremony")
    in_latest_content = False  # the home page shows the upcoming ones apart
    parent_page_types = ["content.SectionIndexPage"]
    subpage_types: list[str] = []

    content_panels = ContentPage.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("venue"),
                FieldPanel("broadcast"),
                FieldPanel("stream_url"),
                FieldPanel("registration_required"),
                FieldPanel("registration"),
                FieldPanel("instructions"),
            ],
            heading=_("Ceremony"),
        )
    ]

    class Meta:
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")

    def clean(self):
        super().clean()
        if self.stream_url and self.stream is None:
            raise ValidationError(
                {"stream_url": _("Give the address of a YouTube, Dailymotion or Vimeo video.")}
            )
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("The ceremony cannot end before it starts.")})

    @property
    def stream(self):
        """The live stream's player (core.video.ExternalVideo), or None."""
        from liberation.core.video import parse_video_url

        return parse_video_url(self.stream_url) if self.stream_url else None

    @property
    def takes_place_at(self):
        """What cards show as the date of a ceremony (includes/card.html)."""
        return self.starts_at

    def structured_data(self, *, request, url, image_url, home_url) -> list[dict]:
        """The schema.org objects of the page's <head> (core.seo): an Event, then one
        VideoObject per video."""
        from liberation.content.seo import videos_data

        from .seo import event_data

        event = event_data(self, url=url, image_url=image_url, home_url=home_url)
        return [event, *videos_data(self, request=request, image_url=image_url)]

    @property
    def is_past(self) -> bool:
        return (self.ends_at or self.starts_at) < timezone.now()

    def registration_state(self) -> str:
        """What a visitor can do now: none, not_open, open, closed or past."""
        if self.is_past:
            return "past"
        if not self.registration_required or self.registration is None:
            return "none"
        return self.registration.state()
