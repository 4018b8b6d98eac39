import datetime as dt

import pytest
from django.utils import timezone

from liberation.events.models import CeremonyPage, RegistrationSettings


@pytest.fixture
def make_ceremony(make_page):
    def make(capacity=3, mode="first_come", max_companions=2, **settings_fields):
        now = timezone.now()
        settings_fields.setdefault("opens_at", now - dt.timedelta(hours=1))
        settings_fields.setdefault("closes_at", now + dt.timedelta(days=5))
        settings = RegistrationSettings.objects.create(
            name=f"ceremony-{RegistrationSettings.objects.count()}",
            capacity=capacity,
            mode=mode,
            max_companions=max_companions,
            **settings_fields,
        )
        make_page(
            CeremonyPage,
            title=f"Cérémonie {settings.pk}",
            section="ceremonies",
            starts_at=now + dt.timedelta(days=10),
            venue="Place Charles-de-Gaulle, Paris",
            registration_required=True,
            registration=settings,
            instructions="Arrivée à 16 h 30. Pièce d’identité obligatoire.",
        )
        return settings

    return make
