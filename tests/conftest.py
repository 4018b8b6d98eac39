"""Fixtures of the cross-app tests (tests/fuzz, tests/faults)."""

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def ceremony(make_page):
    """An open ceremony (1,000 seats, two companions) and its French page."""
    from liberation.events.models import CeremonyPage, RegistrationSettings

    now = timezone.now()
    settings = RegistrationSettings.objects.create(
        name="fuzz-and-faults",
        capacity=1000,
        max_companions=2,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=5),
    )
    make_page(
        CeremonyPage,
        title="Cérémonie du 8 mai",
        section="ceremonies",
        starts_at=now + dt.timedelta(days=10),
        venue="Place Charles-de-Gaulle",
        registration_required=True,
        registration=settings,
    )
    return settings
