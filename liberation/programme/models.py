"""The Mission's label programme: campaigns, projects (applications), their sessions,
attachments, reviewers' scopes, notes and the audit log.

A project is one organiser's application; once labelled it is also the public event
shown on the agenda and the map (agenda app). Rules (state changes, who may do what)
live in services; the models hold data and the constraints the database can keep.

Organisers have no account: they reach their project through a link carrying a secret
token. Only a hash of that token is stored (`token_hash`); the public address of a
labelled project uses `public_id`, which is unguessable too and never a primary key.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from liberation.places.models import Commune, Departement

from .storage import private_storage


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


class Campaign(models.Model):
    """A wave of applications with its open and close dates, for some départements
    (none: the whole country)."""

    name = models.CharField(_("name"), max_length=200)
    departements = models.ManyToManyField(
        Departement,
        blank=True,
        verbose_name=_("départements"),
        help_text=_("Leave empty for a national campaign open in every département."),
        related_name="+",
    )
    opens_at = models.DateTimeField(_("applications open at"))
    closes_at = models.DateTimeField(_("applications close at"))
    # Events of the campaign must take place within these dates.
    events_from = models.DateField(_("events from"))
    events_until = models.DateField(_("events until"))
    national_decision = models.BooleanField(
        _("national decision"),
        default=False,
        help_text=_("The département gives a reasoned opinion; national staff take the decision."),
    )
    date_change_needs_review = models.BooleanField(
        _("a change of date goes back to review"), default=False
    )

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="campaign_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(events_until__gte=models.F("events_from")),
                name="campaign_events_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        # National decision: the département has given its opinion.
        OPINION_GIVEN = "opinion_given", _("Opinion given, awaiting national decision")
        LABELLED = "labelled", _("Labelled")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class OrganiserType(models.TextChoices):
        COMMUNE = "commune", _("Local authority")
        ASSOCIATION = "association", _("Association")
        SCHOOL = "school", _("School")
        INDIVIDUAL = "individual", _("Individual")
        OTHER = "other", _("Other organisation")

    class Kind(models.TextChoices):
        CEREMONY = "ceremony", _("Ceremony")
        EXHIBITION = "exhibition", _("Exhibition")
        CONCERT = "concert", _("Concert")
        CONFERENCE = "conference", _("Conference")
        SCREENING = "screening", _("Screening")
        EDUCATIONAL = "educational", _("Educational project")
        SPORT = "sport", _("Sport")
        OTHER = "other", _("Other")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        FAMILIES = "families", _("Families and children")
        SCHOOLS = "schools", _("Schools")
        ADULTS = "adults", _("Adults")

    class Status(models.TextChoices):
        # schema.org EventStatusType, as OpenAgenda's statuses.
        SCHEDULED = "scheduled", _("Scheduled")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        POSTPONED = "postponed", _("Postponed")
        FULL = "full", _("Full")
        CANCELLED = "cancelled", _("Cancelled")
        MOVED_ONLINE = "moved_online", _("Moved online")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    language = models.CharField(_("language"), max_length=2, default="fr")

    # The organiser.
    organiser_type = models.CharField(
        _("organiser type"), max_length=20, choices=OrganiserType.choices, blank=True
    )
    organiser_name = models.CharField(_("organiser name"), max_length=200, blank=True)
    siret = models.CharField(_("SIRET number"), max_length=14, blank=True)
    rna = models.CharField(_("RNA number"), max_length=10, blank=True)
    uai = models.CharField(_("UAI number"), max_length=8, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The project.
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # Filled by the Mission's editors when they translate a labelled project.
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description_en = models.TextField(_("description in English"), max_length=5000, blank=True)
    theme = models.ForeignKey(
        "content.Theme",
        verbose_name=_("theme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=Kind.choices, blank=True, db_index=True
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Copied from the commune: reviewers' scope and the agenda filter it.
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A point inside the commune (the venue), else the commune's own point.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, blank=True, db_index=True
    )
    wheelchair = models.BooleanField(_("wheelchair accessible"), default=False)
    sign_language = models.BooleanField(_("sign language"), default=False)
    audio_description = models.BooleanField(_("audio description"), default=False)
    easy_to_read = models.BooleanField(_("easy to read (FALC)"), default=False)
    free = models.BooleanField(_("free of charge"), default=True)
    registration_url = models.URLField(_("public registration link"), blank=True)
    expected_attendance = models.PositiveIntegerField(
        _("expected attendance"), null=True, blank=True
    )
    budget = models.DecimalField(
        _("budget (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    funding_requested = models.DecimalField(
        _("funding requested (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    consent = models.BooleanField(_("consent"), default=False)

    # The public event, once labelled.
    status = models.CharField(
        _("event status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )

    # Review.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opinion = models.CharField(_("département opinion"), max_length=20, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    labelled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["departement", "state"], name="project_dept_state"),
            # The agenda's and the map's radius and bounding-box filters (labelled only):
            # the COUNT of a 30 km radius at 20,000 events, ~18 ms → ~2 ms on PostgreSQL.
            models.Index(
                fields=["latitude", "longitude"],
                name="project_labelled_point",
                condition=models.Q(state="labelled"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(funding_requested__isnull=True)
                | models.Q(budget__isnull=False, funding_requested__lte=models.F("budget") * 0.25),
                name="project_funding_at_most_quarter",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    @property
    def display_title(self) -> str:
        if translation.get_language() == "en" and self.title_en:
            return self.title_en
        return self.title

    @property
    def display_description(self) -> str:
        if translation.get_language() == "en" and self.description_en:
            return self.description_en
        return self.description


class Session(models.Model):
    """One date and time of a project (an exhibition has one long session, a concert
    several evenings). The agenda lists sessions."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A file joined to an application: checked by content, images re-encoded without
    metadata; served only to the organiser and the reviewers, never publicly."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="programme/%Y/%m/", storage=private_storage)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class ReviewerScope(models.Model):
    """The départements a reviewer (prefecture, ONACVG service) may see and decide;
    `national` staff see every département and take national decisions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme_scope"
    )
    departements = models.ManyToManyField(Departement, blank=True, related_name="+")
    national = models.BooleanField(_("national staff"), default=False)

    class Meta:
        verbose_name = _("reviewer scope")
        verbose_name_plural = _("reviewer scopes")

    def __str__(self) -> str:
        return str(self.user)


class Note(models.Model):
    """A reviewer's private note: never shown to the organiser."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class AuditEntry(models.Model):
    """Every action on a project, by whom (a user, or the organiser through their link)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_organiser = models.BooleanField(default=False)
    action = models.CharField(max_length=40)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.action
