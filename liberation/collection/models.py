"""The collection: stories contributed by the public (testimonies, family archives) and
their items (photographs, scans, recordings), moderated before anything is shown.

A contributor has no account: they reach their story through an emailed link carrying
a secret token, of which only the SHA-256 is stored (`token_hash`). Public addresses
use `public_id` (story and item), unguessable and never a primary key. Rules (what may
be submitted, who moves a story to which state, what is erased when) live in
services.py, moderation.py and retention.py.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liberation.places.models import Commune

from .storage import private_storage


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


class Story(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEEDS_REVIEW = "needs_review", _("Needs review")
        PUBLISHED = "published", _("Published")
        PRIVATE = "private", _("Kept private")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Language(models.TextChoices):
        FR = "fr", _("French")
        EN = "en", _("English")

    class Licence(models.TextChoices):
        CC_BY_SA = "cc-by-sa-4.0", _("Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)")
        CC_BY = "cc-by-4.0", _("Creative Commons Attribution 4.0 (CC BY 4.0)")
        CONSULTATION = "consultation", _("Consultation only (all rights reserved)")

    class Attribution(models.TextChoices):
        NAME = "name", _("Under my name")
        PSEUDONYM = "pseudonym", _("Under a pseudonym")
        ANONYMOUS = "anonymous", _("Anonymously")

    class LivingPeople(models.TextChoices):
        NONE = "none", _("No identifiable living person is shown or named")
        CONSENTED = "consented", _("Every identifiable living person shown or named has consented")

    class Originals(models.TextChoices):
        GIFT = "gift", _("I give the originals (gift)")
        DEPOSIT = "deposit", _("I deposit the originals (I remain the owner)")
        LOAN = "loan", _("I lend the originals for copying, then take them back")
        DIGITAL = "digital", _("Digital copies only: I keep the originals")

    public_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    # Blanked (to a unique placeholder) when personal data is erased: the link dies.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )

    # The contributor (personal data: erased on the retention schedule).
    email = models.EmailField(_("email address"))
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    contributor_name = models.CharField(_("your name"), max_length=200, blank=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=100, blank=True)
    attribution = models.CharField(
        _("how you appear"), max_length=20, choices=Attribution.choices, blank=True
    )
    on_behalf_of = models.CharField(_("on behalf of"), max_length=200, blank=True)
    # The language of the contributor's pages and emails (not of the story).
    contributor_language = models.CharField(max_length=2, default="fr", editable=False)

    # The story.
    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=5000, blank=True)
    people = models.CharField(_("who is shown or speaks"), max_length=500, blank=True)
    date_from = models.DateField(_("date, or start of the period"), null=True, blank=True)
    date_until = models.DateField(_("end of the period"), null=True, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(
        _("language of the story"), max_length=2, choices=Language.choices, blank=True
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)

    # Rights.
    rights_declared = models.BooleanField(_("I hold the rights"), default=False)
    licence = models.CharField(_("licence"), max_length=20, choices=Licence.choices, blank=True)
    living_people = models.CharField(
        _("identifiable living people"), max_length=20, choices=LivingPeople.choices, blank=True
    )
    originals = models.CharField(
        _("the originals"), max_length=20, choices=Originals.choices, blank=True
    )

    # Moderation.
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(_("reason"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        permissions = [("moderate_story", "Can moderate contributed stories")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=["", "fr", "en"]), name="story_language_fr_en"
            ),
            models.CheckConstraint(
                condition=models.Q(date_until__isnull=True)
                | models.Q(date_from__isnull=False, date_until__gte=models.F("date_from")),
                name="story_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    @property
    def credit(self) -> str:
        """How the contributor appears publicly."""
        if self.attribution == self.Attribution.NAME and self.contributor_name:
            return self.contributor_name
        if self.attribution == self.Attribution.PSEUDONYM and self.pseudonym:
            return self.pseudonym
        return str(_("Anonymous contributor"))

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]


class Item(models.Model):
    """A photograph, a scan or a recording (audio, video) of a story: stored privately
    as sent until the worker has checked and re-encoded it (`processing`), then as
    re-encoded (`ready`), or refused with the reason shown to the contributor
    (`refused`, no file kept). A recording carries its transcript."""

    class State(models.TextChoices):
        PROCESSING = "processing", _("Being checked")
        READY = "ready", _("Ready")
        REFUSED = "refused", _("Refused")

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="items")
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROCESSING)
    file = models.FileField(upload_to="collection/%Y/%m/", storage=private_storage, blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=500)
    date = models.CharField(_("date"), max_length=60, blank=True)
    # A recording's text alternative (WCAG 1.2.1, RGAA 4.1): required to publish it.
    transcript = models.TextField(_("transcript"), max_length=50_000, blank=True)
    duration = models.FloatField(null=True, blank=True)  # seconds, a recording's
    refusal = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self) -> str:
        return self.caption[:60]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_audio(self) -> bool:
        return self.content_type.startswith("audio/")

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")

    @property
    def is_recording(self) -> bool:
        return self.is_audio or self.is_video


class AuditEntry(models.Model):
    """Every change of a story's state, by whom (a moderator, the contributor through
    their link, or the system's retention)."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.CharField(max_length=20, default="contributor")
    action = models.CharField(max_length=40)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.action
