"""Emails about review decisions, to the organiser, in the project's language.

The decision service writes the outbox row (recipient, language, kind, subject) in the
transaction of the decision (`queue_decision`); the mail worker asks `render` (registered
in apps.py) for the body at delivery, written from the project as it is then. The
organiser's private link is not in the email: they use the one from their first email.
"""

from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liberation.mail import services as mail
from liberation.mail.models import OutboxMessage
from liberation.mail.selectors import outbox_messages

from .models import Project

SOURCE = "programme_review"  # the outbox's `source`; `object_id` is the project's pk


class Kind(models.TextChoices):
    LABELLED = "labelled", gettext_lazy("Project labelled")
    REFUSED = "refused", gettext_lazy("Project refused")
    CHANGES_REQUESTED = "changes_requested", gettext_lazy("Changes requested")


def _subject(kind: str, title: str) -> str:
    return {
        Kind.LABELLED: _("Your project is labelled: %(title)s"),
        Kind.REFUSED: _("Your application was not accepted: %(title)s"),
        Kind.CHANGES_REQUESTED: _("Changes requested to your application: %(title)s"),
    }[kind] % {"title": title}


def queue_decision(*, project: Project, kind: str) -> OutboxMessage:
    """Write the decision's email to the outbox (inside the decision's transaction)."""
    language = project.language if project.language in ("fr", "en") else "fr"
    with translation.override(language):
        subject = _subject(kind, project.title or str(project))
    return mail.outbox_write(
        to=project.contact_email,
        language=language,
        kind=kind,
        subject=subject,
        source=SOURCE,
        object_id=project.pk,
    )


def render_body(*, project: Project, kind: str) -> str:
    return render_to_string(
        "programme/review/email/decision.txt",
        {"project": project, "kind": kind, "title": project.title or str(project)},
    )


def render(message: OutboxMessage) -> str | None:
    """The renderer of our messages (called by the mail worker, in the message's
    language): the body from the project as it is now; None when it is gone."""
    if message.object_id is None:
        return None
    project = Project.objects.select_related("campaign").filter(pk=message.object_id).first()
    if project is None:
        return None
    return render_body(project=project, kind=message.kind)


def messages_of(project: Project):
    return outbox_messages(source=SOURCE, object_id=project.pk)
