"""`manage.py bench_ceremony --capacity 500`: the ceremony `bench/registration_rush.py`
drives, created or reset, and its RegistrationSettings id printed on stdout.

A published French CeremonyPage with mandatory registration, open since a minute ago
for a week, no screening, first come first served, no companions. A second run resets
it: its registrations (and their companions, outbox messages and check-ins) are
deleted, seats_taken goes back to 0, the window and the capacity are set again. Never
use it on a production database: it deletes registrations.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.mail.services import outbox_delete
from liberation.registrations.emails import SOURCE
from liberation.registrations.models import Registration
from liberation.site.services import site_ensure_structure

NAME = "bench-registration-rush"
TITLE = "Cérémonie de test de charge (inscriptions)"


class Command(BaseCommand):
    help = "Create or reset the registration benchmark ceremony and print its id."

    def add_arguments(self, parser):
        parser.add_argument("--capacity", type=int, default=500)

    @transaction.atomic
    def handle(self, *args, **options):
        capacity = options["capacity"]
        now = timezone.now()
        structure = site_ensure_structure()
        settings, _ = RegistrationSettings.objects.get_or_create(
            name=NAME,
            defaults={
                "capacity": capacity,
                "opens_at": now - dt.timedelta(minutes=1),
                "closes_at": now + dt.timedelta(days=7),
            },
        )
        registrations = Registration.objects.filter(ceremony=settings)
        outbox_delete(source=SOURCE, object_ids=registrations.values("pk"))
        registrations.delete()
        RegistrationSettings.objects.filter(pk=settings.pk).update(
            capacity=capacity,
            opens_at=now - dt.timedelta(minutes=1),
            closes_at=now + dt.timedelta(days=7),
            mode=RegistrationSettings.Mode.FIRST_COME,
            max_companions=0,
            screening_required=False,
            ask_birth_date=False,
            ask_birth_place=False,
            ask_nationality=False,
            seats_taken=0,
        )
        page = CeremonyPage.objects.filter(
            registration=settings, locale__language_code="fr"
        ).first()
        if page is None:
            page = CeremonyPage(
                title=TITLE,
                slug="bench-registration-rush",
                lead="Cérémonie fictive pour mesurer le débit des inscriptions.",
                date=timezone.localdate(),
                starts_at=now + dt.timedelta(days=10),
                venue="Place Charles-de-Gaulle, Paris",
                registration_required=True,
                registration=settings,
                instructions="Arrivée à 16 h 30. Pièce d’identité obligatoire.",
            )
            structure.sections[("ceremonies", "fr")].add_child(instance=page)
        if not page.live or page.has_unpublished_changes:
            page.save_revision().publish()
        self.stdout.write(str(settings.pk))
