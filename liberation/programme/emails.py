"""Emails to the organiser, in the project's language, through the mail outbox.

Their bodies are written now and stored with the message (no renderer is registered
for "programme"): the private link's token is kept nowhere else, so it could not be
written at delivery. Reviewers' decision emails belong to the review side.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from liberation.mail.services import outbox_write

from .models import Project

SOURCE = "programme"


def space_url(project: Project, token: str) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}/{project.language}/label/p/{token}/"


def _write(*, project: Project, kind: str, subject: str, template: str, context: dict) -> None:
    with translation.override(project.language):
        body = render_to_string(template, {"project": project, **context})
        outbox_write(
            to=project.contact_email,
            language=project.language,
            kind=kind,
            subject=str(subject),
            source=SOURCE,
            object_id=project.pk,
            body=body,
        )


def send_link(*, project: Project, token: str, again: bool = False) -> None:
    """The private link of a new application (inside the start transaction), or a new
    link replacing a lost one (`again`)."""
    with translation.override(project.language):
        subject = _("Your application for the Mission Libération label")
    _write(
        project=project,
        kind="link",
        subject=subject,
        template="programme/email/link.txt",
        context={
            "url": space_url(project, token),
            "campaign": project.campaign,
            "again": again,
            "title": project.title,
        },
    )


def send_submitted(*, project: Project) -> None:
    """The receipt of a submission (or of a resubmission)."""
    with translation.override(project.language):
        subject = _("Application received: %(title)s") % {"title": project.title}
    _write(
        project=project,
        kind="submitted",
        subject=subject,
        template="programme/email/submitted.txt",
        context={"campaign": project.campaign},
    )
