"""Emails to the journalist, in the language of their request, through the mail outbox.

The private link's email is written now and stored with the message (its token is kept
nowhere else). The others (received, approved, refused, withdrawn) are written at
delivery by `render`, registered with the mail worker in apps.py, from the
accreditation as it is then; the link is not in them: the journalist keeps the first.
"""

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liberation.events.selectors import ceremony_page
from liberation.mail import services as mail
from liberation.mail.models import OutboxMessage
from liberation.mail.selectors import outbox_messages

from .models import Accreditation

SOURCE = "press"  # the outbox's `source`; `object_id` is the accreditation's pk


class Kind(models.TextChoices):
    LINK = "link", gettext_lazy("Private link")
    RECEIVED = "received", gettext_lazy("Request received")
    APPROVED = "approved", gettext_lazy("Accreditation approved")
    REFUSED = "refused", gettext_lazy("Accreditation refused")
    WITHDRAWN = "withdrawn", gettext_lazy("Accreditation withdrawn")


def ceremony_title(accreditation: Accreditation) -> str:
    page = ceremony_page(settings=accreditation.press.ceremony_id, language=accreditation.language)
    return page.title if page else accreditation.press.ceremony.name


def space_url(accreditation: Accreditation, token: str) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}/{accreditation.language}/accreditation/a/{token}/"


def _subject(kind: str, title: str) -> str:
    return {
        Kind.LINK: _("Your press accreditation request: %(title)s"),
        Kind.RECEIVED: _("Accreditation request received: %(title)s"),
        Kind.APPROVED: _("Press accreditation approved: %(title)s"),
        Kind.REFUSED: _("Press accreditation refused: %(title)s"),
        Kind.WITHDRAWN: _("Press accreditation withdrawn: %(title)s"),
    }[kind] % {"title": title}


def send_link(*, accreditation: Accreditation, token: str) -> OutboxMessage:
    """The private link of a new request (inside the start transaction)."""
    with translation.override(accreditation.language):
        title = ceremony_title(accreditation)
        body = render_to_string(
            "press/email/link.txt",
            {"title": title, "url": space_url(accreditation, token)},
        )
        subject = _subject(Kind.LINK, title)
    return mail.outbox_write(
        to=accreditation.email,
        language=accreditation.language,
        kind=Kind.LINK,
        subject=subject,
        source=SOURCE,
        object_id=accreditation.pk,
        body=body,
    )


def queue(*, accreditation: Accreditation, kind: str) -> OutboxMessage:
    """A decision's email, body written at delivery (inside the decision's transaction)."""
    with translation.override(accreditation.language):
        subject = _subject(kind, ceremony_title(accreditation))
    return mail.outbox_write(
        to=accreditation.email,
        language=accreditation.language,
        kind=kind,
        subject=subject,
        source=SOURCE,
        object_id=accreditation.pk,
    )


def render_body(*, accreditation: Accreditation, kind: str) -> str:
    return render_to_string(
        "press/email/decision.txt",
        {"accreditation": accreditation, "kind": kind, "title": ceremony_title(accreditation)},
    )


def render(message: OutboxMessage) -> str | None:
    """The renderer of our messages (the mail worker calls it in the message's
    language): None when the accreditation is gone or erased."""
    if message.object_id is None or message.kind == Kind.LINK:
        return None  # a link's body is stored with it; without it, nothing to send
    accreditation = (
        Accreditation.objects.select_related("press__ceremony", "pool")
        .filter(pk=message.object_id, erased_at__isnull=True)
        .first()
    )
    if accreditation is None:
        return None
    return render_body(accreditation=accreditation, kind=message.kind)


def messages_of(accreditation: Accreditation):
    return outbox_messages(source=SOURCE, object_id=accreditation.pk)
