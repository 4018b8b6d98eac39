"""Emails to registrants: what registrations sends, and how its bodies are written.

The outbox, its delivery and its guarantees (claimed before SMTP, backoff, never sent
twice, in doubt) belong to the mail app (`liberation.mail`, docs/mail.md). Here:
the kinds of registration email, their subjects and templates, and the renderer the
worker calls at delivery (`render`, registered in apps.py) to write a body in the
registrant's language from the registration as it is then. The registering request
only stores recipient, language, kind and subject; a staff message's text is stored
with it (it lives nowhere else).
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liberation.events.selectors import ceremony_page
from liberation.mail import services as mail
from liberation.mail.models import OutboxMessage
from liberation.mail.selectors import outbox_messages

from .models import Registration
from .tokens import management_token

SOURCE = "registrations"  # the outbox's `source` of our messages; `object_id` is the pk


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", gettext_lazy("Confirmation")
    WAITLIST = "waitlist", gettext_lazy("Waiting list")
    APPLICATION = "application", gettext_lazy("Application received")
    OFFER = "offer", gettext_lazy("Waiting-list offer")
    REMINDER = "reminder", gettext_lazy("Reminder")
    CANCELLATION = "cancellation", gettext_lazy("Cancellation")
    MESSAGE = "message", gettext_lazy("Message from the organisers")


KIND_FOR_STATUS = {
    Registration.Status.APPLIED: Kind.APPLICATION,
    Registration.Status.CONFIRMED: Kind.CONFIRMATION,
    Registration.Status.WAITLISTED: Kind.WAITLIST,
    Registration.Status.OFFERED: Kind.OFFER,
    Registration.Status.CANCELLED: Kind.CANCELLATION,
    Registration.Status.EXPIRED: Kind.CANCELLATION,
    Registration.Status.REFUSED: Kind.CANCELLATION,
}


# Writing to the outbox ------------------------------------------------------------


def manage_url(registration: Registration) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}/{registration.language}/r/{management_token(registration)}/"


def _subject(kind: str, title: str) -> str:
    return {
        Kind.APPLICATION: _("Application received: %(title)s"),
        Kind.CONFIRMATION: _("Registration confirmed: %(title)s"),
        Kind.WAITLIST: _("Waiting list: %(title)s"),
        Kind.OFFER: _("A seat is available: %(title)s"),
        Kind.CANCELLATION: _("Registration cancelled: %(title)s"),
        Kind.REMINDER: _("Reminder: %(title)s"),
        Kind.MESSAGE: _("Message from the organisers: %(title)s"),
    }[kind] % {"title": title}


def ceremony_page_for(registration: Registration):
    """The ceremony page in the registrant's language (or any language version)."""
    return ceremony_page(settings=registration.ceremony_id, language=registration.language)


_LOOK_UP = object()  # compose(): no page given, find it


def compose(
    *, registration: Registration, kind: str, page=_LOOK_UP, extra: str = ""
) -> OutboxMessage:
    """One email in the registrant's language, not yet stored: its subject now, its body
    when the worker delivers it (`render`), from the registration as it is then.

    Rendering the body costs more than the rest of a registering POST on SQLite; the
    outbox row (recipient, language, kind, subject) is still written in the transaction
    of the change (`store`). A staff message (`extra`) is rendered now: its text lives
    only in the message. `page` is the ceremony page in the registrant's language when
    the caller has it (None: there is none), else looked up. The registration may be
    unsaved (the fast path): `store` then sets the message's `object_id`.
    """
    with translation.override(registration.language):
        if page is _LOOK_UP:
            page = ceremony_page_for(registration)
        title = page.title if page else registration.ceremony.name
        subject = _subject(kind, title)
    body = (
        _render_body(registration=registration, kind=kind, page=page, extra=extra) if extra else ""
    )
    return mail.outbox_compose(
        to=registration.email,
        language=registration.language,
        kind=kind,
        subject=subject,
        source=SOURCE,
        object_id=registration.pk,
        body=body,
    )


def _render_body(*, registration: Registration, kind: str, page=_LOOK_UP, extra: str = "") -> str:
    with translation.override(registration.language):
        if page is _LOOK_UP:
            page = ceremony_page_for(registration)
        context = {
            "registration": registration,
            "page": page,
            "title": page.title if page else registration.ceremony.name,
            "manage_url": manage_url(registration),
            "extra": extra,
            "kind": kind,
        }
        return render_to_string(f"registrations/email/{kind}.txt", context)


def render(message: OutboxMessage) -> str | None:
    """The renderer of our messages (the mail worker calls it at delivery): the body
    from the registration as it is now, in one read; None when it is gone."""
    if message.object_id is None:
        return None
    registration = (
        Registration.objects.select_related("ceremony").filter(pk=message.object_id).first()
    )
    if registration is None:
        return None
    return _render_body(registration=registration, kind=message.kind)


def store(*, message: OutboxMessage, registration: Registration | None = None) -> OutboxMessage:
    """Write a composed email to the outbox (inside the transaction of the change);
    `registration`, saved since `compose`, gives the message its `object_id`."""
    if registration is not None:
        message.object_id = registration.pk
    return mail.outbox_store(message=message)


def queue(
    *, registration: Registration, kind: str, extra: str = "", page=_LOOK_UP
) -> OutboxMessage:
    """Write one email to the outbox (call inside the transaction of the change)."""
    return store(message=compose(registration=registration, kind=kind, page=page, extra=extra))


def queue_for_status(*, registration: Registration, page=_LOOK_UP) -> OutboxMessage | None:
    kind = KIND_FOR_STATUS.get(registration.status)
    return queue(registration=registration, kind=kind, page=page) if kind else None


# Reading them back ----------------------------------------------------------------


def messages_of(registration: Registration) -> QuerySet[OutboxMessage]:
    """The emails of one registration, oldest first."""
    return outbox_messages(source=SOURCE, object_id=registration.pk)


def message_history(registration: Registration) -> list[OutboxMessage]:
    """The same, each with `kind_label` (its kind in the active language), for staff."""
    labels = dict(Kind.choices)
    messages = list(messages_of(registration))
    for message in messages:
        message.kind_label = labels.get(message.kind, message.kind)
    return messages


def without_message(registrations: QuerySet[Registration], *, kind: str) -> QuerySet:
    """The registrations that have no email of `kind` in the outbox (sent or not)."""
    return registrations.exclude(
        Exists(outbox_messages(source=SOURCE, object_id=OuterRef("pk"), kind=kind))
    )
