"""Test helpers: a campaign and projects in any state, with sessions.

communes = communes_sample()
campaign = campaign_make()
project, token = project_make(campaign=campaign, commune=communes["50129"],
                              state=Project.State.LABELLED)
"""

import datetime as dt
import secrets

from django.utils import timezone

from liberation.core.private_links import token_hash

from .models import Campaign, Project, Session


def campaign_make(*, name="Vague 1", departements=(), days_open=30, **fields) -> Campaign:
    now = timezone.now()
    fields.setdefault("opens_at", now - dt.timedelta(days=1))
    fields.setdefault("closes_at", now + dt.timedelta(days=days_open))
    fields.setdefault("events_from", (now - dt.timedelta(days=1)).date())
    fields.setdefault("events_until", (now + dt.timedelta(days=365)).date())
    campaign = Campaign.objects.create(name=name, **fields)
    campaign.departements.set(departements)
    return campaign


def project_make(
    *,
    campaign=None,
    commune=None,
    state=Project.State.SUBMITTED,
    sessions=1,
    starts_at=None,
    **fields,
) -> tuple[Project, str]:
    """A project and the organiser's token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    fields.setdefault("contact_email", "organiser@example.org")
    fields.setdefault("contact_name", "Marie Organisatrice")
    fields.setdefault("organiser_type", Project.OrganiserType.ASSOCIATION)
    fields.setdefault("organiser_name", "Les Amis de la Libération")
    fields.setdefault("title", "Exposition « Libération »")
    fields.setdefault("description", "Photographies de la libération de la ville.")
    fields.setdefault("kind", Project.Kind.EXHIBITION)
    fields.setdefault("audience", Project.Audience.EVERYONE)
    fields.setdefault("venue", "Salle des fêtes")
    fields.setdefault("consent", True)
    if commune is not None:
        fields.setdefault("departement_id", commune.departement_id)
        fields.setdefault("latitude", commune.latitude)
        fields.setdefault("longitude", commune.longitude)
    now = timezone.now()
    if state != Project.State.DRAFT:
        fields.setdefault("submitted_at", now)
        fields.setdefault("email_verified_at", now)
    if state == Project.State.LABELLED:
        fields.setdefault("labelled_at", now)
        fields.setdefault("decided_at", now)
    project = Project.objects.create(
        campaign=campaign, commune=commune, state=state, token_hash=token_hash(token), **fields
    )
    start = starts_at or (now + dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    Session.objects.bulk_create(
        Session(
            project=project,
            starts_at=start + dt.timedelta(days=i),
            ends_at=start + dt.timedelta(days=i, hours=2),
        )
        for i in range(sessions)
    )
    return project, token
