"""Images with mandatory alt text and credit, the institutional page type, the footer
and the site-wide notice."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Page

from .blocks import SimpleBodyBlock


class CustomImage(AbstractImage):
    alt_text = models.CharField(
        _("alternative text"),
        max_length=255,
        help_text=_("Describe the image for people who cannot see it."),
    )
    credit = models.CharField(_("credit"), max_length=255, help_text=_("Author and rights holder."))

    admin_form_fields = Image.admin_form_fields + ("alt_text", "credit")

    @property
    def default_alt_text(self):
        return self.alt_text


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class StandardPage(Page):
    """Legal notice, accessibility statement, personal data, cookies: text only."""

    body = StreamField(SimpleBodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = Page.content_panels + [FieldPanel("body")]
    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


@register_setting(icon="list-ul")
class FooterSettings(BaseSiteSetting):
    """The mandatory footer links; each page is shown in the reader's language."""

    accessibility_page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accessibility statement"),
    )
    legal_page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("legal notice"),
    )
    personal_data_page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("personal data"),
    )
    cookies_page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cookie management"),
    )

    panels = [
        FieldPanel("accessibility_page"),
        FieldPanel("legal_page"),
        FieldPanel("personal_data_page"),
        FieldPanel("cookies_page"),
    ]

    class Meta:
        verbose_name = _("footer")


@register_setting(icon="warning")
class NoticeSettings(BaseSiteSetting):
    """A site-wide notice above the header of every public page (DSFR "bandeau
    d'information importante"), written in both languages, that readers may dismiss."""

    class Kind(models.TextChoices):
        INFO = "info", _("Information")
        ALERT = "alert", _("Alert")
        MOURNING = "mourning", _("National mourning")

    enabled = models.BooleanField(_("show the notice"), default=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INFO)
    title_fr = models.CharField(_("title in French"), max_length=120, blank=True)
    title_en = models.CharField(_("title in English"), max_length=120, blank=True)
    text_fr = models.CharField(_("text in French"), max_length=300, blank=True)
    text_en = models.CharField(_("text in English"), max_length=300, blank=True)
    link_page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("page to read more"),
        help_text=_("Shown in the reader's language when it is translated."),
    )

    panels = [
        FieldPanel("enabled"),
        FieldPanel("kind"),
        FieldPanel("title_fr"),
        FieldPanel("text_fr"),
        FieldPanel("title_en"),
        FieldPanel("text_en"),
        FieldPanel("link_page"),
    ]

    class Meta:
        verbose_name = _("notice")

    def clean(self):
        super().clean()
        if self.enabled:
            missing = {
                name: _("A notice shown to readers needs its title in both languages.")
                for name in ("title_fr", "title_en")
                if not getattr(self, name).strip()
            }
            if missing:
                raise ValidationError(missing)

    def in_language(self, language: str) -> tuple[str, str]:
        """(title, text) in the reader's language (French for any other)."""
        if language.startswith("en"):
            return self.title_en, self.text_en
        return self.title_fr, self.text_fr

    @property
    def version(self) -> str:
        """Changes with the notice's content: a reader who dismissed one notice sees
        the next."""
        parts = [self.kind, self.title_fr, self.title_en, self.text_fr, self.text_en]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


class ContentVersion(models.Model):
    """One row: a random token that changes whenever published content changes.

    The cached fragments of the public pages (liberation.core.fragments) carry it in
    their keys, so a publish anywhere makes every process render them afresh. It lives
    in the database, not in the cache, because the default cache (LocMem) is private
    to each server process, and because a reader sees the new token exactly when it
    sees the new content: at the commit of the transaction that changed it.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "content version"

    def __str__(self) -> str:
        return self.token
