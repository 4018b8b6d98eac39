"""Subscribers, campaigns and the rows that make each delivery happen at most once.

- `Subscriber`: one row per address (unique), pending until the emailed link is
  confirmed. Only the SHA-256 of the confirmation token is stored; the unsubscribe
  link is signed (tokens.py), so nothing in the table lets anyone unsubscribe others.
- `Campaign`: written by editors, in French and English, for one topic (and optionally
  one département); sent once.
- `CampaignDelivery`: one row per (campaign, subscriber), unique: the recipients are
  frozen into these rows in bulk when the campaign is sent, then released to the
  outbox in throttled batches (`queued_at` set in the transaction that writes the
  outbox messages). A worker killed anywhere leaves either both or neither.
- `DigestDelivery`: one row per (subscriber, week): a digest rerun sends nothing twice.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liberation.places.models import Departement


class Topic(models.TextChoices):
    CEREMONIES = "ceremonies", _("National ceremonies")
    AGENDA = "agenda", _("The agenda of my département")
    DOSSIERS = "dossiers", _("New dossiers")


def new_key() -> str:
    return secrets.token_urlsafe(16)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("subscriber", "Pending confirmation")
        CONFIRMED = "confirmed", pgettext_lazy("subscriber", "Confirmed")
        UNSUBSCRIBED = "unsubscribed", pgettext_lazy("subscriber", "Unsubscribed")

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    language = models.CharField(_("language"), max_length=2, default="fr")
    ceremonies = models.BooleanField(default=False)
    agenda = models.BooleanField(default=False)
    dossiers = models.BooleanField(default=False)
    departement = models.ForeignKey(
        Departement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # SHA-256 of the pending confirmation token; empty once confirmed.
    confirm_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    # Secret part of the signed unsubscribe token (tokens.py).
    key = models.CharField(max_length=32, default=new_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        indexes = [models.Index(fields=["status", "language"])]

    def __str__(self) -> str:
        return f"subscriber {self.pk}"

    @property
    def topics(self) -> list[str]:
        return [topic for topic in Topic.values if getattr(self, topic)]


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("campaign", "Draft")
        SENDING = "sending", pgettext_lazy("campaign", "Being sent")
        SENT = "sent", pgettext_lazy("campaign", "Sent to all")

    title = models.CharField(
        _("internal title"), max_length=200, help_text=_("Seen by editors only.")
    )
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only the subscribers of this département (optional)."),
    )
    subject_fr = models.CharField(_("subject (French)"), max_length=200)
    body_fr = models.TextField(_("text (French)"))
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("text (English)"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    send_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Every recipient has its delivery row (the send may be resumed from here).
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)
    recipients = models.PositiveIntegerField(default=0, editable=False)
    # The throttle's bookmark: when the last batch went to the outbox.
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("newsletter campaign")
        verbose_name_plural = _("newsletter campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.pk:
            stored = Campaign.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored not in (None, Campaign.Status.DRAFT):
                raise ValidationError(
                    _("This campaign has been sent: it can no longer be changed.")
                )

    def subject(self, language: str) -> str:
        return self.subject_en if language == "en" else self.subject_fr

    def body(self, language: str) -> str:
        return self.body_en if language == "en" else self.body_fr


class CampaignDelivery(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    # Set in the transaction that wrote its outbox message.
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subscriber"], name="newsletter_one_delivery_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["campaign", "queued_at"])]

    def __str__(self) -> str:
        return f"campaign {self.campaign_id} → subscriber {self.subscriber_id}"


class DigestDelivery(models.Model):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()  # the Monday of the week the digest covers
    sessions = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "week"], name="newsletter_one_digest")
        ]

    def __str__(self) -> str:
        return f"digest of {self.week} → subscriber {self.subscriber_id}"
